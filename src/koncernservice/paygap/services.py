"""Pay transparency's business operations: each one transaction, checked, validated, audited.

- pay data: :func:`pay_import` (the payroll's annual extract, all or nothing) and
  :func:`pay_sync_from_platform` (the HR app's pay tables through
  ``koncernservice.hr.selectors.annual_pay``);
- categories of workers: :func:`category_update`, :func:`record_assign_category`;
- Art. 10: :func:`flags_refresh`, :func:`flag_justify`, :func:`flag_remedy`,
  :func:`flag_remedied`, :func:`assessments_start_due`, :func:`assessment_update`;
- Art. 7: :func:`info_request_create`, :func:`info_request_answer`, :func:`reminder_send`;
- reports: :func:`report_prepare`, :func:`report_approve` (frozen from then on).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koncernservice.core import access as core_access
from koncernservice.core.audit import audit_context, record_event, record_events
from koncernservice.core.errors import AccessDenied, DomainError, ErrorDetail
from koncernservice.core.models import Employment, OrgUnit, Person
from koncernservice.paygap import access, rules, selectors
from koncernservice.paygap.files import ExtractRow
from koncernservice.paygap.models import (
    AnnualReport,
    CategoryFlag,
    InfoRequest,
    JointPayAssessment,
    PayRecord,
    RightReminder,
    WorkerCategory,
)

CHUNK = 900
MIN_YEAR, MAX_YEAR = 2000, 2100


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _label(actor: Any) -> str:
    return str(getattr(actor, "username", actor))[:150]


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError.single(
            _("The year must lie between %(a)d and %(b)d.") % {"a": MIN_YEAR, "b": MAX_YEAR},
            field="year",
            code="year",
        )


# --- Categories -------------------------------------------------------------------------------


class _Categories:
    """Finds or creates the default category for (agreement, job category, pay step)."""

    def __init__(self) -> None:
        self.by_code = {c.code: c for c in WorkerCategory.objects.all()}
        self.by_name = {c.name: c for c in self.by_code.values()}
        self.created = 0

    def get(
        self, agreement: str, job_category: str, pay_step: int | None, explicit: str = ""
    ) -> WorkerCategory:
        if explicit:
            found = self.by_code.get(explicit) or self.by_name.get(explicit)
            if found is not None:
                return found
            code = explicit[:200]
            return self._create(code, agreement="", job_category="", band="", default=False)
        code = rules.default_category_code(agreement, job_category, pay_step)
        found = self.by_code.get(code)
        if found is not None:
            return found
        return self._create(
            code,
            agreement=agreement[:100],
            job_category=job_category[:100],
            band=rules.pay_step_band(pay_step),
            default=True,
        )

    def _create(
        self, code: str, *, agreement: str, job_category: str, band: str, default: bool
    ) -> WorkerCategory:
        name = code
        while name in self.by_name:
            name = f"{name} ({len(self.by_name)})"[:200]
        category = WorkerCategory.objects.create(
            code=code,
            name=name,
            agreement=agreement,
            job_category=job_category,
            pay_band=band,
            is_default=default,
        )
        self.by_code[code] = self.by_name[name] = category
        self.created += 1
        return category


def category_update(
    *,
    actor: Any,
    category: WorkerCategory,
    name: str,
    skills: str,
    effort: str,
    responsibility: str,
    working_conditions: str,
) -> WorkerCategory:
    """HR edits a category and records its gender-neutral job evaluation (Art. 4(4))."""
    core_access.require(actor, access.MANAGE)
    errors = []
    name = name.strip()
    if not name:
        errors.append(ErrorDetail(_("The name is missing."), field="name", code="required"))
    elif WorkerCategory.objects.filter(name=name).exclude(pk=category.pk).exists():
        errors.append(
            ErrorDetail(_("Another category has this name."), field="name", code="duplicate")
        )
    if errors:
        raise DomainError(_("The category was not saved."), errors)
    with transaction.atomic(), audit_context(actor=_user(actor), actor_label=_label(actor)):
        category.name = name[:200]
        category.skills = skills.strip()
        category.effort = effort.strip()
        category.responsibility = responsibility.strip()
        category.working_conditions = working_conditions.strip()
        category.is_default = False
        category.save()
    return category


def record_assign_category(
    *, actor: Any, record: PayRecord, category: WorkerCategory, reason: str
) -> PayRecord:
    """HR moves one pay record to another category of workers (regrouping), with a reason."""
    if not core_access.holds_on_path(actor, access.MANAGE, record.employment.unit.path):
        raise AccessDenied(_("You do not have access to this employee's pay."))
    if not reason.strip():
        raise DomainError.single(
            _("Give a reason for the regrouping."), field="reason", code="required"
        )
    with (
        transaction.atomic(),
        audit_context(actor=_user(actor), actor_label=_label(actor), reason=reason.strip()),
    ):
        record.category = category
        record.save()
    return record


# --- Pay data ---------------------------------------------------------------------------------


def pay_import(
    *, actor: Any, rows: Sequence[ExtractRow], year: int, source: str = ""
) -> dict[str, Any]:
    """Import a payroll annual extract all or nothing; a row replaces the employment's pay
    for that year (so importing the same file twice changes nothing the second time).

    Employee numbers the actor may not manage are reported like unknown ones.
    """
    _check_year(year)
    if not core_access.has_permission_anywhere(actor, access.MANAGE):
        raise AccessDenied(_("You do not have access to do this."))
    numbers = [row.employee for row in rows]
    scoped = core_access.restrict(Employment.objects.all(), actor, access.MANAGE)
    employments: dict[str, Employment] = {}
    for start in range(0, len(numbers), CHUNK):
        for employment in scoped.filter(employee_number__in=numbers[start : start + CHUNK]):
            employments[employment.employee_number] = employment
    errors = []
    first_day, last_day = dt.date(year, 1, 1), dt.date(year, 12, 31)
    for row in rows:
        found = employments.get(row.employee)
        if found is None:
            errors.append(
                ErrorDetail(
                    _("Unknown employee number, or one you may not manage."),
                    field="employee",
                    code="unknown_employee",
                    row=row.line,
                    source=source,
                )
            )
        elif found.start_date > last_day or (
            found.end_date is not None and found.end_date < first_day
        ):
            errors.append(
                ErrorDetail(
                    _("The employment does not cover the year %(y)d.") % {"y": year},
                    field="employee",
                    code="outside_year",
                    row=row.line,
                    source=source,
                )
            )
    if errors:
        raise DomainError(
            _("%(n)d errors in the file; nothing was imported.") % {"n": len(errors)},
            errors[:200],
        )
    with (
        transaction.atomic(),
        audit_context(actor=_user(actor), actor_label=_label(actor), reason=source),
    ):
        categories = _Categories()
        records = []
        for row in rows:
            employment = employments[row.employee]
            category = categories.get(
                row.agreement, employment.job_category, row.pay_step, row.category
            )
            records.append(
                PayRecord(
                    employment=employment,
                    year=year,
                    basic_pay=row.basic_pay,
                    complementary_pay=row.complementary_pay,
                    hours=row.hours,
                    agreement=row.agreement,
                    pay_step=row.pay_step,
                    category=category,
                    source=PayRecord.Source.IMPORT,
                )
            )
        replaced = _store(records, year)
        record_events(
            ((r, {"source": source, "year": year}) for r in records), "paygap.pay_imported"
        )
    return {
        "file": source,
        "year": year,
        "rows": len(rows),
        "created": len(records) - replaced,
        "replaced": replaced,
        "categories_created": categories.created,
    }


def _store(records: list[PayRecord], year: int) -> int:
    ids = [r.employment.pk for r in records]
    replaced = 0
    for start in range(0, len(ids), CHUNK):
        replaced += PayRecord.objects.filter(
            year=year, employment_id__in=ids[start : start + CHUNK]
        )._raw_delete(PayRecord.objects.db)
    PayRecord.objects.bulk_create(records, batch_size=2000)
    return replaced


def pay_sync_from_platform(*, actor: Any, year: int) -> dict[str, Any]:
    """Take a year's pay from the platform's own pay tables (the HR app's ``annual_pay``)."""
    _check_year(year)
    if not core_access.has_permission_anywhere(actor, access.MANAGE):
        raise AccessDenied(_("You do not have access to do this."))
    try:
        from koncernservice.hr import selectors as hr_selectors

        annual_pay = hr_selectors.annual_pay
    except (ImportError, AttributeError):
        raise DomainError.single(
            _("The platform's pay tables are not available."), code="no_pay_tables"
        ) from None
    found = annual_pay(actor, year)
    scoped = set(
        core_access.restrict(Employment.objects.all(), actor, access.MANAGE)
        .filter(pk__in=list(found))
        .values_list("pk", flat=True)
    )
    with transaction.atomic(), audit_context(actor=_user(actor), actor_label=_label(actor)):
        categories = _Categories()
        employments = Employment.objects.in_bulk([pk for pk in found if pk in scoped])
        records = []
        for pk, pay in sorted(found.items()):
            if pk not in employments or pay.hours <= 0:
                continue
            records.append(
                PayRecord(
                    employment=employments[pk],
                    year=year,
                    basic_pay=pay.basic.quantize(Decimal("0.01")),
                    complementary_pay=pay.complementary.quantize(Decimal("0.01")),
                    hours=pay.hours.quantize(Decimal("0.01")),
                    agreement=pay.agreement[:100],
                    pay_step=pay.pay_step,
                    category=categories.get(pay.agreement, pay.job_category, pay.pay_step),
                    source=PayRecord.Source.PLATFORM,
                )
            )
        replaced = _store(records, year)
        for entity in selectors.legal_entities():
            record_event(entity, "paygap.pay_synced", data={"year": year, "records": len(records)})
    return {
        "year": year,
        "records": len(records),
        "created": len(records) - replaced,
        "replaced": replaced,
        "categories_created": categories.created,
    }


# --- Art. 10: flags and joint pay assessment ---------------------------------------------------


def flags_refresh(
    *, actor: Any, entity: OrgUnit, year: int, today: dt.date | None = None
) -> list[CategoryFlag]:
    """Flag every category of the legal entity whose average pay level differs by 5 % or
    more between women and men in ``year`` (once per category and year)."""
    selectors.require_manage(actor, entity)
    today = today or timezone.localdate()
    found = selectors.workers(unit=entity, year=year)
    figures = rules.category_figures(found)
    names = {c.name: c for c in WorkerCategory.objects.filter(name__in=list(figures))}
    existing = set(
        CategoryFlag.objects.filter(unit=entity, year=year).values_list("category_id", flat=True)
    )
    created = []
    with transaction.atomic(), audit_context(actor=_user(actor), actor_label=_label(actor)):
        for name, figure in figures.items():
            category = names.get(name)
            if category is None or category.pk in existing or not figure.flagged:
                continue
            assert figure.gap is not None
            created.append(
                CategoryFlag.objects.create(
                    unit=entity,
                    year=year,
                    category=category,
                    gap=figure.gap,
                    basic_gap=figure.basic_gap,
                    complementary_gap=figure.complementary_gap,
                    figures=selectors.figures_dict(figure),
                    flagged_on=today,
                    deadline=rules.add_months(today, rules.REMEDY_MONTHS),
                )
            )
    return created


def _flag_for_change(actor: Any, flag: CategoryFlag) -> CategoryFlag:
    selectors.require_manage(actor, flag.unit)
    locked = CategoryFlag.objects.select_for_update().get(pk=flag.pk)
    if locked.status in (CategoryFlag.Status.ASSESSMENT, CategoryFlag.Status.JUSTIFIED):
        raise DomainError.single(
            _("The flag is closed (%(s)s).") % {"s": locked.get_status_display()},
            field="status",
            code="closed",
        )
    return locked


def flag_justify(*, actor: Any, flag: CategoryFlag, justification: str) -> CategoryFlag:
    """HR records an objective, gender-neutral justification of the difference."""
    text = justification.strip()
    if len(text) < 20:
        raise DomainError.single(
            _("Describe the objective, gender-neutral criteria (at least 20 characters)."),
            field="justification",
            code="required",
        )
    with transaction.atomic(), audit_context(actor=_user(actor), actor_label=_label(actor)):
        locked = _flag_for_change(actor, flag)
        locked.justification = text
        locked.status = CategoryFlag.Status.JUSTIFIED
        locked.decided_by = _user(actor)
        locked.decided_by_label = _label(actor)
        locked.decided_at = timezone.now()
        locked.save()
        record_event(locked, "paygap.flag_justified", data={"gap": str(locked.gap)})
    return locked


def flag_remedy(
    *, actor: Any, flag: CategoryFlag, remedy: str, deadline: dt.date | None = None
) -> CategoryFlag:
    """HR records a remedy; its deadline is at most six months after the flag."""
    text = remedy.strip()
    limit = rules.add_months(flag.flagged_on, rules.REMEDY_MONTHS)
    deadline = deadline or limit
    errors = []
    if len(text) < 20:
        errors.append(
            ErrorDetail(
                _("Describe the remedy (at least 20 characters)."), field="remedy", code="required"
            )
        )
    if deadline > limit or deadline < flag.flagged_on:
        errors.append(
            ErrorDetail(
                _("The deadline must lie between the flag and %(d)s (six months).")
                % {"d": limit.isoformat()},
                field="deadline",
                code="deadline",
            )
        )
    if errors:
        raise DomainError(_("The remedy was not saved."), errors)
    with transaction.atomic(), audit_context(actor=_user(actor), actor_label=_label(actor)):
        locked = _flag_for_change(actor, flag)
        locked.remedy = text
        locked.deadline = deadline
        locked.status = CategoryFlag.Status.REMEDY
        locked.decided_by = _user(actor)
        locked.decided_by_label = _label(actor)
        locked.decided_at = timezone.now()
        locked.save()
    return locked


def flag_remedied(*, actor: Any, flag: CategoryFlag) -> CategoryFlag:
    """HR confirms that the remedy removed the unjustified difference."""
    with transaction.atomic(), audit_context(actor=_user(actor), actor_label=_label(actor)):
        locked = _flag_for_change(actor, flag)
        if locked.status != CategoryFlag.Status.REMEDY:
            raise DomainError.single(
                _("Only a flag with a remedy can be marked as remedied."),
                field="status",
                code="no_remedy",
            )
        locked.status = CategoryFlag.Status.REMEDIED
        locked.save()
    return locked


def assessments_start_due(*, actor: Any, today: dt.date | None = None) -> list[JointPayAssessment]:
    """Start a joint pay assessment for every flag still unresolved after its deadline."""
    today = today or timezone.localdate()
    due = [
        flag
        for flag in CategoryFlag.objects.filter(
            status__in=[CategoryFlag.Status.OPEN, CategoryFlag.Status.REMEDY],
            deadline__lt=today,
        ).select_related("unit", "category")
        if core_access.holds_on_path(actor, access.MANAGE, flag.unit.path)
    ]
    started = []
    with transaction.atomic(), audit_context(actor=_user(actor), actor_label=_label(actor)):
        for flag in due:
            figures = selectors.category_figures_for(
                category=flag.category, entity=flag.unit, year=flag.year
            )
            reasons = flag.justification or flag.remedy
            started.append(
                JointPayAssessment.objects.create(
                    flag=flag,
                    started_on=today,
                    figures={"flagged": flag.figures, "current": figures},
                    reasons=reasons,
                )
            )
            flag.status = CategoryFlag.Status.ASSESSMENT
            flag.save()
            record_event(flag, "paygap.assessment_started", data={"deadline": str(flag.deadline)})
    return started


def assessment_update(
    *,
    actor: Any,
    assessment: JointPayAssessment,
    reasons: str,
    measures: str,
    follow_up: str,
    representatives: str,
    complete: bool = False,
) -> JointPayAssessment:
    """Fill in the assessment's content; completing it needs every part (Art. 10(2))."""
    selectors.require_manage(actor, assessment.flag.unit)
    if assessment.status == JointPayAssessment.Status.COMPLETED:
        raise DomainError.single(
            _("The assessment is completed."), field="status", code="completed"
        )
    values = {
        "reasons": reasons.strip(),
        "measures": measures.strip(),
        "follow_up": follow_up.strip(),
        "representatives": representatives.strip(),
    }
    if complete:
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise DomainError(
                _("The assessment is not complete."),
                [
                    ErrorDetail(_("This part is missing."), field=name, code="required")
                    for name in missing
                ],
            )
    with transaction.atomic(), audit_context(actor=_user(actor), actor_label=_label(actor)):
        for name, value in values.items():
            setattr(assessment, name, value)
        if complete:
            assessment.status = JointPayAssessment.Status.COMPLETED
        assessment.save()
    return assessment


# --- Art. 7: the right to information -----------------------------------------------------------


def info_request_create(
    *, actor: Any, year: int | None = None, today: dt.date | None = None
) -> InfoRequest:
    """An employee asks for their pay level and their category's averages by sex.

    Answered at once when the year's pay data is there; otherwise HR answers it later. The
    answer is due within two months (Art. 7(4)).
    """
    employment = selectors.own_employment(actor)
    if employment is None:
        raise DomainError.single(
            _("Only an employee can ask for pay information."),
            field="person",
            code="no_employment",
        )
    today = today or timezone.localdate()
    year = year or _latest_year_of(employment) or today.year - 1
    _check_year(year)
    with transaction.atomic(), audit_context(actor=_user(actor), actor_label=_label(actor)):
        request = InfoRequest.objects.create(
            person_id=employment.person_id,
            employment=employment,
            year=year,
            requested_on=today,
            due_on=rules.add_months(today, rules.ANSWER_MONTHS),
            status=InfoRequest.Status.OPEN,
        )
        if PayRecord.objects.filter(employment=employment, year=year).exists():
            _answer(request)
    return request


def _latest_year_of(employment: Employment) -> int | None:
    return (
        PayRecord.objects.filter(employment=employment)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )


def info_request_answer(*, actor: Any, request: InfoRequest) -> InfoRequest:
    """HR answers an open request from the year's pay data."""
    if not core_access.holds_on_path(actor, access.MANAGE, request.employment.unit.path):
        raise AccessDenied(_("You do not have access to do this."))
    if request.status == InfoRequest.Status.ANSWERED:
        raise DomainError.single(_("The request is already answered."), code="answered")
    if not PayRecord.objects.filter(employment=request.employment, year=request.year).exists():
        raise DomainError.single(
            _("There is no pay data for the employee in %(y)d.") % {"y": request.year},
            field="year",
            code="no_pay",
        )
    with transaction.atomic(), audit_context(actor=_user(actor), actor_label=_label(actor)):
        _answer(request)
    return request


def answer_data(*, employment: Employment, year: int) -> dict[str, Any]:
    """The Art. 7 answer: own pay level and the category's averages by sex (JSON-safe)."""
    record = PayRecord.objects.select_related("category", "employment__unit").get(
        employment=employment, year=year
    )
    entity = selectors.legal_entity_of(record.employment.unit)
    figures = selectors.category_figures_for(category=record.category, entity=entity, year=year)
    smallest = selectors.min_group()
    published = rules.publishable(figures["count"], smallest)
    hourly = rules.round_half_up(
        rules.Worker("", "F", "", record.basic_pay, record.complementary_pay, record.hours).hourly
    )
    return selectors.plain(
        {
            "year": year,
            "category": record.category.name,
            "employer": entity.name,
            "own": {
                "annual": record.basic_pay + record.complementary_pay,
                "basic": record.basic_pay,
                "complementary": record.complementary_pay,
                "hours": record.hours,
                "hourly": hourly,
            },
            "published": published,
            "min_group": smallest,
            "count": figures["count"],
            "mean_hourly": figures.get("mean_hourly") if published else None,
            "mean_annual": figures.get("mean_annual") if published else None,
        }
    )


def _answer(request: InfoRequest) -> None:
    request.answer = answer_data(employment=request.employment, year=request.year)
    request.status = InfoRequest.Status.ANSWERED
    request.answered_at = timezone.now()
    request.save()
    record_event(request, "paygap.info_answered", data={"year": request.year})


def reminder_send(*, actor: Any, year: int, today: dt.date | None = None) -> RightReminder:
    """Art. 7(3): remind every current employee of their right to information, once a year."""
    _check_year(year)
    entities = selectors.legal_entities()
    if not entities or not all(
        core_access.holds_on_path(actor, access.MANAGE, e.path) for e in entities
    ):
        raise AccessDenied(_("You do not have access to do this."))
    if RightReminder.objects.filter(year=year).exists():
        raise DomainError.single(
            _("The reminder for %(y)d has already been sent.") % {"y": year},
            field="year",
            code="already_sent",
        )
    today = today or timezone.localdate()
    people = (
        Person.objects.filter(employments__start_date__lte=today)
        .exclude(employments__end_date__lt=today)
        .exclude(email="")
        .distinct()
        .values_list("email", flat=True)
    )
    subject = _("Your right to information about pay")
    body = _(
        "As an employee you have the right to ask for your own pay level and the average "
        "pay levels, by sex, of the employees who do the same work or work of equal value "
        "(EU directive 2023/970, Art. 7). Ask under 'Pay transparency' on the staff portal; "
        "you get a written answer within two months."
    )
    sent = 0
    with transaction.atomic(), audit_context(actor=_user(actor), actor_label=_label(actor)):
        reminder = RightReminder.objects.create(year=year, recipients=0, sent_by=_label(actor))
        emails = list(people)
        for start in range(0, len(emails), 500):
            batch = emails[start : start + 500]
            # Blind copies: the recipients do not see each other's addresses.
            EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [], bcc=batch).send()
            sent += len(batch)
        reminder.recipients = sent
        reminder.save()
    return reminder


# --- Reports ------------------------------------------------------------------------------------


def report_prepare(*, actor: Any, entity: OrgUnit, year: int) -> AnnualReport:
    """Compute (or recompute) the draft report of a legal entity for a year."""
    _check_year(year)
    selectors.require_manage(actor, entity)
    if entity.parent_id is not None:
        raise DomainError.single(
            _("Reports are made for a legal entity (the municipality)."),
            field="unit",
            code="not_entity",
        )
    smallest = selectors.min_group()
    with transaction.atomic(), audit_context(actor=_user(actor), actor_label=_label(actor)):
        report = AnnualReport.objects.select_for_update().filter(unit=entity, year=year).first()
        if report is not None and report.status == AnnualReport.Status.APPROVED:
            raise DomainError.single(
                _("The report is approved and frozen."), field="status", code="frozen"
            )
        data = selectors.report_data(entity=entity, year=year, smallest=smallest)
        if not data["sections"][0]["count"]["F"] and not data["sections"][0]["count"]["M"]:
            raise DomainError.single(
                _("There is no pay data for %(y)d.") % {"y": year}, field="year", code="no_pay"
            )
        if report is None:
            report = AnnualReport(unit=entity, year=year)
        report.data = data
        report.min_group = smallest
        report.prepared_by = _user(actor)
        report.save()
    return report


def report_approve(*, actor: Any, report: AnnualReport) -> AnnualReport:
    """Management approves the report; from then on it is frozen (who and when recorded)."""
    if not core_access.holds_on_path(actor, access.APPROVE_REPORT, report.unit.path):
        raise AccessDenied(_("Only management of the legal entity can approve the report."))
    with transaction.atomic(), audit_context(actor=_user(actor), actor_label=_label(actor)):
        locked = AnnualReport.objects.select_for_update().get(pk=report.pk)
        if locked.status == AnnualReport.Status.APPROVED:
            raise DomainError.single(
                _("The report is already approved."), field="status", code="frozen"
            )
        locked.status = AnnualReport.Status.APPROVED
        locked.approved_by = _user(actor)
        locked.approved_by_label = _label(actor)
        locked.approved_at = timezone.now()
        locked.save()
        record_event(locked, "paygap.report_approved", data={"year": locked.year})
    return locked
