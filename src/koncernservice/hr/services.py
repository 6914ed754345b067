"""HR's business operations: each one transaction, access-checked, validated, audited."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from koncernservice.core import access as core_access
from koncernservice.core import services as core_services
from koncernservice.core.audit import audit_context, record_event
from koncernservice.core.errors import AccessDenied, DomainError, ErrorDetail, too_large
from koncernservice.core.models import CostCentre, Employment, OrgUnit
from koncernservice.core.rules import numbers
from koncernservice.hr import access, assistant, letters, rules, selectors
from koncernservice.hr.files import PayRow
from koncernservice.hr.models import (
    Agreement,
    AgreementVersion,
    Application,
    ApplicationDocument,
    ApplicationNote,
    Hire,
    JobCategory,
    JobPosting,
    PayStep,
    Placement,
    PlacementDraft,
    Requisition,
)

log = logging.getLogger(__name__)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _label(actor: Any) -> str:
    return str(getattr(actor, "username", None) or actor)


def placement_error(exc: rules.PlacementError) -> DomainError:
    return DomainError(
        _("The placement input is not valid."),
        [ErrorDetail(message=message, field=field) for field, message in exc.errors],
    )


def _require_anywhere(actor: Any, permission: str) -> None:
    if not core_access.has_permission_anywhere(actor, permission):
        raise AccessDenied(_("You do not have access to do this."))


# --- Agreements and pay tables -----------------------------------------------------------------


@transaction.atomic
def agreement_load(
    *, actor: Any, data: Mapping[str, Any], versions: Sequence[tuple[str, dt.date, Decimal]]
) -> Agreement:
    """Create an agreement with its job categories and the given versions, each with the same
    category rules and pay table (``data`` as in :mod:`koncernservice.hr.paytables`)."""
    _require_anywhere(actor, access.MANAGE_PAY)
    try:
        rules.version_from_data({**data, "version": "", "valid_from": "2000-01-01"})
    except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
        raise DomainError.single(
            _("The agreement data is not valid: %(e)s") % {"e": exc}, field="agreement"
        ) from exc
    with audit_context(actor=_user(actor), actor_label=_label(actor)):
        agreement = Agreement.objects.create(
            code=data["code"],
            name=data["name"],
            parties=data.get("parties", ""),
            is_synthetic=bool(data.get("synthetic", True)),
        )
        JobCategory.objects.bulk_create(
            JobCategory(
                agreement=agreement,
                code=c["code"],
                name=c["name"],
                employment_category=c.get("employment_category", ""),
            )
            for c in data["categories"]
        )
        sen = data.get("seniority", {})
        for label, valid_from, regulation in versions:
            version = AgreementVersion.objects.create(
                agreement=agreement,
                version=label,
                valid_from=valid_from,
                weekly_hours=Decimal(str(data.get("weekly_hours", "37"))),
                regulation_percent=regulation,
                irrelevant_share=Decimal(str(sen.get("irrelevant_share", "0"))),
                min_weekly_hours=Decimal(str(sen.get("min_weekly_hours", "8"))),
                part_time=sen.get("part_time", "full"),
                categories=data["categories"],
                source=data.get("source", ""),
            )
            PayStep.objects.bulk_create(
                PayStep(
                    version=version,
                    step=int(step),
                    area_group=group,
                    annual_amount=Decimal(str(amount)),
                )
                for step, groups in data["steps"].items()
                for group, amount in groups.items()
            )
    return agreement


@transaction.atomic
def paytable_import(*, actor: Any, rows: Sequence[PayRow], source: str) -> dict[str, Any]:
    """Create one new agreement version per (agreement, valid_from) in the rows, all or nothing.

    A version never replaces an existing one (an OK round adds a version from its date; history
    stays). A new version takes its job-category rules from the agreement's latest earlier
    version. Bad rows are named with row and column.
    """
    _require_anywhere(actor, access.MANAGE_PAY)
    errors: list[ErrorDetail] = []
    groups: dict[tuple[str, dt.date], list[PayRow]] = defaultdict(list)
    for row in rows:
        groups[(row.agreement, row.valid_from)].append(row)
    known = {a.code: a for a in Agreement.objects.filter(code__in={r.agreement for r in rows})}
    existing = set(
        AgreementVersion.objects.filter(agreement__code__in=known).values_list(
            "agreement__code", "valid_from"
        )
    )
    for (code, valid_from), group in groups.items():
        first = group[0]
        if code not in known and not any(r.agreement_name for r in group):
            errors.append(
                ErrorDetail(
                    message=_("Unknown agreement; give agreement_name to create it."),
                    field="agreement",
                    row=first.row,
                    code="unknown_agreement",
                )
            )
        if (code, valid_from) in existing:
            errors.append(
                ErrorDetail(
                    message=_(
                        "The agreement already has a version from this date; a new OK round "
                        "needs a new date (history is not rewritten)."
                    ),
                    field="valid_from",
                    row=first.row,
                    code="version_exists",
                )
            )
        seen: set[tuple[int, str]] = set()
        for row in group:
            for column, value in (
                ("version", row.version),
                ("regulation_percent", row.regulation_percent),
                ("weekly_hours", row.weekly_hours),
            ):
                if value != getattr(first, column):
                    errors.append(
                        ErrorDetail(
                            message=_("Differs from row %(n)d of the same version.")
                            % {"n": first.row},
                            field=column,
                            row=row.row,
                            code="inconsistent",
                        )
                    )
            key = (row.step, row.area_group)
            if key in seen:
                errors.append(
                    ErrorDetail(
                        message=_("The pay step and group occur twice."),
                        field="step",
                        row=row.row,
                        code="duplicate",
                    )
                )
            seen.add(key)
    if errors:
        raise DomainError(_("The file has errors; nothing was imported."), errors)
    created = []
    with audit_context(actor=_user(actor), actor_label=_label(actor), reason=source):
        for (code, valid_from), group in groups.items():
            first = group[0]
            agreement = known.get(code)
            if agreement is None:
                name = next(r.agreement_name for r in group if r.agreement_name)
                agreement = Agreement.objects.create(code=code, name=name)
                known[code] = agreement
            previous = (
                AgreementVersion.objects.filter(agreement=agreement, valid_from__lt=valid_from)
                .order_by("-valid_from")
                .first()
            )
            version = AgreementVersion.objects.create(
                agreement=agreement,
                version=first.version,
                valid_from=valid_from,
                weekly_hours=first.weekly_hours,
                regulation_percent=first.regulation_percent,
                irrelevant_share=previous.irrelevant_share if previous else Decimal(0),
                min_weekly_hours=previous.min_weekly_hours if previous else Decimal(8),
                part_time=previous.part_time if previous else "full",
                categories=previous.categories if previous else [],
                source=source[:200],
            )
            PayStep.objects.bulk_create(
                PayStep(
                    version=version,
                    step=r.step,
                    area_group=r.area_group,
                    annual_amount=r.annual_amount,
                )
                for r in group
            )
            record_event(
                version, "hr.paytable_imported", data={"rows": len(group), "source": source}
            )
            created.append(
                {
                    "agreement": code,
                    "version": first.version,
                    "valid_from": valid_from.isoformat(),
                    "steps": len(group),
                }
            )
    return {"source": source, "rows": len(rows), "versions": created}


# --- Placements ---------------------------------------------------------------------------------


def placement_input(data: Mapping[str, Any]) -> tuple[AgreementVersion, rules.Candidate]:
    """Resolve ``{"agreement": code, "on": date?, ...candidate}`` to a stored version."""
    code = data.get("agreement")
    if not isinstance(code, str):
        raise DomainError.single(_("Name the agreement (its code)."), field="agreement")
    agreement = Agreement.objects.filter(code=code).first()
    if agreement is None:
        raise DomainError.single(
            _("Unknown agreement: %(c)s") % {"c": code}, field="agreement", code="unknown"
        )
    try:
        candidate = rules.candidate_from_data(data)
    except rules.PlacementError as exc:
        raise placement_error(exc) from None
    on = candidate.start_date or dt.date.today()
    version = selectors.version_on(agreement, on)
    if version is None:
        raise DomainError.single(
            _("The agreement has no version in force on %(d)s.") % {"d": on},
            field="start_date",
            code="no_version",
        )
    if candidate.start_date is None:
        candidate = rules.Candidate(**{**candidate.__dict__, "start_date": on})
    return version, candidate


def placement_compute(
    *, actor: Any, data: Mapping[str, Any], overrides: Mapping[str, tuple[str, str]] | None = None
) -> rules.Placement:
    """Compute a placement (nothing stored). Anyone who may place (``manage_pay``) may ask."""
    _require_anywhere(actor, access.MANAGE_PAY)
    version, candidate = placement_input(data)
    try:
        return rules.place_with_overrides(
            selectors.version_rules(version), candidate, overrides or {}
        )
    except rules.PlacementError as exc:
        raise placement_error(exc) from None


def _allowances_of(
    version: rules.AgreementVersion, placement: rules.Placement
) -> list[dict[str, str]]:
    category = version.categories[placement.job_category]
    by_code = {a.code: a for a in category.allowances}
    result = []
    for line in placement.lines:
        if not line.code.startswith("allowance:") or line.monthly is None:
            continue
        code = line.code.split(":", 1)[1]
        annual = rules.money(line.monthly * 12 / version.factor)
        allowance = by_code.get(code)
        if allowance is not None and not line.overridden:
            annual = allowance.amount
        result.append({"code": code, "name": line.label, "annual": str(annual)})
    return result


@transaction.atomic
def placement_save(
    *,
    actor: Any,
    employment: Employment,
    data: Mapping[str, Any],
    overrides: Mapping[str, tuple[str, str]] | None = None,
) -> Placement:
    """Store a placement for an employment from its start (or ``data['start_date']``); the
    previous open placement ends the day before. Overrides are audited with their reasons."""
    if not core_access.can(actor, access.MANAGE_PAY, employment):
        raise AccessDenied(_("You do not have access to this employee's pay."))
    data = {"weekly_hours": str(employment.weekly_hours), **data}
    data.setdefault("start_date", employment.start_date.isoformat())
    version, candidate = placement_input(data)
    version_rules = selectors.version_rules(version)
    try:
        result = rules.place_with_overrides(version_rules, candidate, overrides or {})
    except rules.PlacementError as exc:
        raise placement_error(exc) from None
    category = JobCategory.objects.get(agreement=version.agreement, code=result.job_category)
    start = candidate.start_date or employment.start_date
    reasons = "; ".join(f"{code}: {reason}" for code, (_v, reason) in (overrides or {}).items())
    with audit_context(actor=_user(actor), actor_label=_label(actor), reason=reasons):
        for previous in Placement.objects.filter(
            employment=employment, valid_to__isnull=True, valid_from__lt=start
        ):
            previous.valid_to = start - dt.timedelta(days=1)
            previous.save(update_fields=["valid_to", "updated_at"])
        if Placement.objects.filter(employment=employment, valid_from__gte=start).exists():
            raise DomainError.single(
                _("The employment already has a placement from this date or later."),
                field="start_date",
                code="overlap",
            )
        placement = Placement.objects.create(
            employment=employment,
            agreement=version.agreement,
            job_category=category,
            pay_step=result.pay_step,
            area_group=candidate.area_group,
            seniority_years=result.seniority_years,
            allowances=_allowances_of(version_rules, result),
            pension_percent=result.pension_percent,
            valid_from=start,
            explanation=[_line_dict(line) for line in result.lines],
            overrides={
                code: {"value": v, "reason": r} for code, (v, r) in (overrides or {}).items()
            },
        )
        if overrides:
            record_event(
                placement,
                "hr.placement_overridden",
                data={code: {"value": v, "reason": r} for code, (v, r) in overrides.items()},
                reason=reasons,
            )
    return placement


def _line_dict(line: rules.Line) -> dict[str, Any]:
    return {
        "code": line.code,
        "label": line.label,
        "value": line.value,
        "rule": line.rule,
        "inputs": line.inputs,
        "monthly": str(line.monthly) if line.monthly is not None else None,
        "overridden": line.overridden,
        "reason": line.reason,
    }


def overrides_from_data(data: Any) -> dict[str, tuple[str, str]]:
    """``{"pay_step": {"value": "33", "reason": "..."}}`` → ``{"pay_step": ("33", "...")}``."""
    if data in (None, {}):
        return {}
    if not isinstance(data, dict):
        raise DomainError.single(_("Overrides must be an object."), field="overrides")
    result = {}
    errors = []
    for code, item in data.items():
        if not isinstance(item, dict) or not isinstance(item.get("reason", ""), str):
            errors.append(
                ErrorDetail(
                    message=_("Give value and reason."), field=f"overrides.{code}", code="invalid"
                )
            )
            continue
        result[str(code)] = (str(item.get("value", "")), str(item.get("reason", "")))
    if errors:
        raise DomainError(_("The placement input is not valid."), errors)
    return result


# --- Recruitment ------------------------------------------------------------------------------

# Danish title words that name one gender (a warning, not a ban: the directive and the Danish
# equal treatment act want gender-neutral postings).
GENDERED_WORDS = (
    "mand",
    "mænd",
    "kone",
    "dame",
    "damer",
    "pige",
    "piger",
    "dreng",
    "frøken",
    "herre",
    "lærerinde",
    "sekretærinde",
    "forstanderinde",
    "kassererske",
    "husholderske",
    "ekspeditrice",
    "direktrice",
    "sygeplejerskeelev",
    "husmor",
    "plejemor",
    "plejefar",
    "han",
    "hun",
)
GENDERED_SUFFIXES = ("mand", "mænd", "kone", "dame", "pige", "inde", "trice", "erske")
NEUTRAL_EXCEPTIONS = {"kommune", "sygeplejerske", "tillidsrepræsentant", "medinde"}


def title_warnings(title: str) -> list[str]:
    """Gendered Danish words in a job title (a warning each)."""
    import re

    found = []
    for word in re.findall(r"[a-zæøå]+", title.lower()):
        if word in NEUTRAL_EXCEPTIONS:
            continue
        if word in GENDERED_WORDS or (
            len(word) > 6 and any(word.endswith(s) for s in GENDERED_SUFFIXES)
        ):
            found.append(word)
    return [_("'%(w)s' names one gender; use a gender-neutral title.") % {"w": w} for w in found]


def _require_unit(actor: Any, permission: str, path: str) -> None:
    if not core_access.holds_on_path(actor, permission, path):
        raise AccessDenied(_("You do not have access to this unit."))


def _money(value: Any, field: str, errors: list[ErrorDetail]) -> Decimal:
    """An amount typed in Danish or plain notation, above 0 and within the amount columns
    (``MONEY``: 12 digits before the point)."""
    try:
        text = str(value).replace(" ", "")
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        result = Decimal(text)
        if not result.is_finite() or result <= 0:
            raise ArithmeticError
        result = result.quantize(Decimal("0.01"))
    except (ArithmeticError, ValueError, InvalidOperation):
        errors.append(ErrorDetail(message=_("Give an amount above 0."), field=field, code="amount"))
        return Decimal(0)
    column = Requisition._meta.get_field("annual_budget")
    if not numbers.fits(result, column):
        errors.append(too_large(column, field))
        return Decimal(0)
    return result


@transaction.atomic
def requisition_create(
    *,
    actor: Any,
    unit: OrgUnit,
    title: str,
    job_category: JobCategory | None,
    weekly_hours: Any,
    annual_budget: Any,
    cost_centre: CostCentre | None = None,
    justification: str = "",
) -> Requisition:
    """A manager requests a position for their unit (HR approves)."""
    _require_unit(actor, access.REQUEST_POSITION, unit.path)
    errors: list[ErrorDetail] = []
    title = str(title or "").strip()
    if not title or len(title) > 200:
        errors.append(
            ErrorDetail(message=_("Give a title (at most 200 characters)."), field="title")
        )
    if job_category is None:
        errors.append(ErrorDetail(message=_("Choose a job category."), field="job_category"))
    hours = Decimal(0)
    try:
        hours = Decimal(str(weekly_hours).replace(",", "."))
        if not (Decimal(0) < hours <= 80):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.append(
            ErrorDetail(
                message=_("Weekly hours must be above 0 and at most 80."), field="weekly_hours"
            )
        )
    budget = _money(annual_budget, "annual_budget", errors)
    if errors:
        raise DomainError(_("The request is not valid."), errors)
    assert job_category is not None
    with audit_context(actor=_user(actor), actor_label=_label(actor)):
        return Requisition.objects.create(
            unit=unit,
            title=title,
            agreement=job_category.agreement,
            job_category=job_category,
            weekly_hours=hours,
            annual_budget=budget,
            cost_centre=cost_centre or unit.cost_centre,
            justification=str(justification or "")[:5000],
            requested_by=_user(actor),
        )


@transaction.atomic
def requisition_decide(
    *, actor: Any, requisition: Requisition, approve: bool, note: str = ""
) -> Requisition:
    _require_unit(actor, access.APPROVE_POSITION, requisition.unit.path)
    if requisition.state != Requisition.State.SUBMITTED:
        raise DomainError.single(_("The request has already been decided."), code="state")
    if not approve and not note.strip():
        raise DomainError.single(_("Give a reason for the rejection."), field="note")
    requisition.state = Requisition.State.APPROVED if approve else Requisition.State.REJECTED
    requisition.decided_by = _user(actor)
    requisition.decided_at = timezone.now()
    requisition.decision_note = note.strip()
    with audit_context(actor=_user(actor), actor_label=_label(actor), reason=note.strip()):
        requisition.save()
    return requisition


@transaction.atomic
def posting_create(
    *,
    actor: Any,
    requisition: Requisition,
    title: str,
    description: str,
    pay_min: Any,
    pay_max: Any,
    deadline: Any,
) -> JobPosting:
    """A posting from an approved request, with the agreement and the pay range (Art. 5)."""
    _require_unit(actor, access.RECRUIT, requisition.unit.path)
    errors: list[ErrorDetail] = []
    if requisition.state != Requisition.State.APPROVED:
        errors.append(
            ErrorDetail(message=_("The position request is not approved."), code="not_approved")
        )
    title = str(title or "").strip()
    if not title or len(title) > 200:
        errors.append(
            ErrorDetail(message=_("Give a title (at most 200 characters)."), field="title")
        )
    description = str(description or "").strip()
    if not description:
        errors.append(ErrorDetail(message=_("Give a description."), field="description"))
    low = _money(pay_min, "pay_min", errors)
    high = _money(pay_max, "pay_max", errors)
    if low and high and high < low:
        errors.append(ErrorDetail(message=_("'Up to' must not be below 'from'."), field="pay_max"))
    try:
        end = deadline if isinstance(deadline, dt.date) else dt.date.fromisoformat(str(deadline))
    except ValueError:
        errors.append(
            ErrorDetail(message=_("Not a valid date (use YYYY-MM-DD)."), field="deadline")
        )
        end = None
    if errors:
        raise DomainError(_("The posting is not valid."), errors)
    assert end is not None
    with audit_context(actor=_user(actor), actor_label=_label(actor)):
        return JobPosting.objects.create(
            requisition=requisition,
            unit=requisition.unit,
            title=title,
            description=description,
            agreement=requisition.agreement,
            job_category=requisition.job_category,
            weekly_hours=requisition.weekly_hours,
            pay_min=low,
            pay_max=high,
            deadline=end,
            title_warnings=title_warnings(title),
        )


@transaction.atomic
def posting_publish(*, actor: Any, posting: JobPosting) -> JobPosting:
    _require_unit(actor, access.RECRUIT, posting.unit.path)
    if posting.state != JobPosting.State.DRAFT:
        raise DomainError.single(_("Only a draft can be published."), code="state")
    if posting.deadline < timezone.localdate():
        raise DomainError.single(_("The deadline has passed."), field="deadline")
    posting.state = JobPosting.State.PUBLISHED
    posting.published_at = timezone.now()
    with audit_context(actor=_user(actor), actor_label=_label(actor)):
        posting.save()
    return posting


@transaction.atomic
def posting_close(*, actor: Any, posting: JobPosting) -> JobPosting:
    _require_unit(actor, access.RECRUIT, posting.unit.path)
    posting.state = JobPosting.State.CLOSED
    with audit_context(actor=_user(actor), actor_label=_label(actor)):
        posting.save()
    return posting


# Documents an applicant may upload
MAX_DOCUMENTS = 5
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".txt": "text/plain",
}


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


def _check_upload(index: int, upload: Upload, errors: list[ErrorDetail]) -> str:
    name = upload.name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200]
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    where = f"documents[{index}]"
    if ext not in DOCUMENT_TYPES:
        errors.append(
            ErrorDetail(
                message=_("Only PDF, Word (docx), OpenDocument (odt) or text files."),
                field=where,
                code="file_type",
            )
        )
        return ""
    if len(upload.content) > MAX_DOCUMENT_BYTES:
        errors.append(
            ErrorDetail(message=_("A file may be at most 5 MB."), field=where, code="file_size")
        )
    elif not upload.content:
        errors.append(ErrorDetail(message=_("The file is empty."), field=where, code="empty"))
    elif ext == ".pdf" and not upload.content.startswith(b"%PDF"):
        errors.append(
            ErrorDetail(message=_("The file is not a PDF."), field=where, code="file_type")
        )
    elif ext in (".docx", ".odt") and not upload.content.startswith(b"PK"):
        errors.append(
            ErrorDetail(
                message=_("The file is not a valid document."), field=where, code="file_type"
            )
        )
    return DOCUMENT_TYPES[ext]


def _note(
    application: Application, actor: Any, kind: str, text: str, **extra: Any
) -> ApplicationNote:
    return ApplicationNote.objects.create(
        application=application,
        kind=kind,
        text=text,
        author=_user(actor),
        author_label=_label(actor) if actor is not None else "ansøger",
        **extra,
    )


@transaction.atomic
def application_submit(
    *,
    posting: JobPosting,
    first_name: str,
    last_name: str,
    email: str,
    phone: str = "",
    motivation: str = "",
    cv_text: str = "",
    documents: Sequence[Upload] = (),
) -> Application:
    """An applicant applies on the public careers page (no login). Never asks for pay history."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    errors: list[ErrorDetail] = []
    if not posting.is_open:
        raise DomainError.single(_("The posting is not open for applications."), code="closed")
    first_name, last_name = str(first_name or "").strip(), str(last_name or "").strip()
    if not first_name or len(first_name) > 100:
        errors.append(ErrorDetail(message=_("This field is required."), field="first_name"))
    if not last_name or len(last_name) > 100:
        errors.append(ErrorDetail(message=_("This field is required."), field="last_name"))
    email = str(email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        errors.append(ErrorDetail(message=_("Give a valid e-mail address."), field="email"))
    if len(str(motivation or "")) > 20_000 or len(str(cv_text or "")) > 30_000:
        errors.append(ErrorDetail(message=_("The text is too long."), field="motivation"))
    if len(documents) > MAX_DOCUMENTS:
        errors.append(
            ErrorDetail(message=_("At most %(n)d files.") % {"n": MAX_DOCUMENTS}, field="documents")
        )
    types = [_check_upload(i, d, errors) for i, d in enumerate(documents[:MAX_DOCUMENTS])]
    if errors:
        raise DomainError(_("The application is not valid."), errors)
    now = timezone.now()
    with audit_context(actor_label="ansøger"):
        application = Application.objects.create(
            posting=posting,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=str(phone or "").strip()[:30],
            motivation=str(motivation or ""),
            cv_text=str(cv_text or ""),
            received_at=now,
            stage_changed_at=now,
        )
        ApplicationDocument.objects.bulk_create(
            ApplicationDocument(
                application=application,
                name=d.name.rsplit("/", 1)[-1][:200],
                content_type=t,
                size=len(d.content),
                content=d.content,
            )
            for d, t in zip(documents, types, strict=True)
        )
        _letter(application, None, "receipt")
        record_event(posting, "hr.application_received", data={"application": application.pk})
    return application


TRANSITIONS: dict[str, tuple[str, ...]] = {
    "received": ("screening", "rejected"),
    "screening": ("interview", "offer", "rejected"),
    "interview": ("offer", "rejected"),
    "offer": ("rejected",),  # "hired" only through hire_create
    "hired": (),
    "rejected": (),
}


@transaction.atomic
def application_move(
    *, actor: Any, application: Application, stage: str, note: str = ""
) -> Application:
    _require_unit(actor, access.RECRUIT, application.posting.unit.path)
    if stage not in TRANSITIONS.get(application.stage, ()):
        raise DomainError.single(
            _("An application in '%(a)s' cannot move to '%(b)s'.")
            % {
                "a": Application.Stage(application.stage).label,
                "b": Application.Stage(stage).label if stage in Application.Stage.values else stage,
            },
            field="stage",
            code="transition",
        )
    before = application.stage
    application.stage = stage
    application.stage_changed_at = timezone.now()
    if stage == Application.Stage.REJECTED:
        application.closed_at = application.stage_changed_at
    with audit_context(actor=_user(actor), actor_label=_label(actor), reason=note):
        application.save()
        _note(application, actor, ApplicationNote.Kind.STAGE, f"{before} → {stage}. {note}".strip())
        if stage == Application.Stage.REJECTED:
            _letter(application, actor, "rejection")
        record_event(
            application.posting,
            "hr.application_stage",
            data={"application": application.pk, "from": before, "to": stage},
        )
    return application


@transaction.atomic
def application_note_add(*, actor: Any, application: Application, text: str) -> ApplicationNote:
    _require_unit(actor, access.RECRUIT, application.posting.unit.path)
    text = str(text or "").strip()
    if not text:
        raise DomainError.single(_("Write a note."), field="text")
    return _note(application, actor, ApplicationNote.Kind.NOTE, text[:5000])


@transaction.atomic
def interview_schedule(
    *, actor: Any, application: Application, at: dt.datetime, location: str
) -> ApplicationNote:
    """Invite to an interview: the time, the place, the standard invitation letter."""
    _require_unit(actor, access.RECRUIT, application.posting.unit.path)
    if at <= timezone.now():
        raise DomainError.single(_("The interview must be in the future."), field="at")
    if not location.strip():
        raise DomainError.single(_("Give the place."), field="location")
    if application.stage in (Application.Stage.RECEIVED, Application.Stage.SCREENING):
        if application.stage == Application.Stage.RECEIVED:
            application_move(actor=actor, application=application, stage="screening")
        application_move(actor=actor, application=application, stage="interview")
    elif application.stage != Application.Stage.INTERVIEW:
        raise DomainError.single(_("The application is not in the interview stage."), code="state")
    note = _note(
        application,
        actor,
        ApplicationNote.Kind.INTERVIEW,
        f"Samtale {timezone.localtime(at):%d.%m.%Y %H:%M}, {location.strip()}",
        interview_at=at,
        location=location.strip()[:200],
    )
    _letter(application, actor, "interview", at=at, location=location.strip())
    return note


LETTERS = {
    "receipt": (
        "Tak for din ansøgning",
        "Kære {name}\n\nTak for din ansøgning til stillingen som {title} ({unit}). Vi har "
        "modtaget den {date}. Du hører fra os, når ansøgningsfristen {deadline} er udløbet.\n\n"
        "Venlig hilsen\n{unit}",
    ),
    "interview": (
        "Invitation til samtale",
        "Kære {name}\n\nVi vil gerne invitere dig til samtale om stillingen som {title} "
        "{at} på {location}.\n\nVenlig hilsen\n{unit}",
    ),
    "rejection": (
        "Svar på din ansøgning",
        "Kære {name}\n\nTak for din interesse for stillingen som {title}. Vi har valgt en anden "
        "kandidat. Dine oplysninger slettes efter reglerne om opbevaring af ansøgninger.\n\n"
        "Venlig hilsen\n{unit}",
    ),
    "offer": (
        "Tilbud om ansættelse",
        "Kære {name}\n\nVi kan med glæde tilbyde dig stillingen som {title} ({unit}) efter "
        "overenskomsten {agreement}.\n\nVenlig hilsen\n{unit}",
    ),
}


def letter_text(application: Application, template: str, **extra: Any) -> tuple[str, str]:
    subject, body = LETTERS[template]
    at = extra.get("at")
    values = {
        "name": application.full_name,
        "title": application.posting.title,
        "unit": application.posting.unit.name,
        "agreement": application.posting.agreement.name,
        "deadline": f"{application.posting.deadline:%d.%m.%Y}",
        "date": f"{timezone.localtime(application.received_at):%d.%m.%Y}",
        "at": f"den {timezone.localtime(at):%d.%m.%Y kl. %H:%M}" if at else "",
        "location": extra.get("location", ""),
    }
    return subject, body.format(**values)


def _letter(application: Application, actor: Any, template: str, **extra: Any) -> None:
    subject, body = letter_text(application, template, **extra)
    _note(application, actor, ApplicationNote.Kind.LETTER, f"{subject}\n\n{body}")
    email = application.email
    transaction.on_commit(lambda: _send(subject, body, email))


def _send(subject: str, body: str, email: str) -> None:
    """Send a standard letter; a failing mail server is logged, never raised."""
    from django.core.mail import EmailMessage

    try:
        EmailMessage(subject, body, None, [email]).send()
    except Exception:  # the application is saved; the letter is in its history
        log.exception("A standard letter could not be sent")


@transaction.atomic
def letter_send(*, actor: Any, application: Application, template: str) -> None:
    _require_unit(actor, access.RECRUIT, application.posting.unit.path)
    if template not in LETTERS:
        raise DomainError.single(_("Unknown letter."), field="template")
    _letter(application, actor, template)


def retention_days() -> int:
    from django.conf import settings

    value = getattr(settings, "KS_HR_APPLICANT_RETENTION_DAYS", None) or os.environ.get(
        "KS_HR_APPLICANT_RETENTION_DAYS", ""
    )
    return int(value) if str(value).strip() else 183


@transaction.atomic
def applications_retention(
    *, actor: Any, dry_run: bool = False, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Delete applications (documents, notes, placement drafts) past retention: closed ones
    ``retention_days`` after closing, never-closed ones that long after the posting's deadline.
    One ``hr.applications_deleted`` event per posting."""
    _require_anywhere(actor, access.RECRUIT)
    now = now or timezone.now()
    days = retention_days()
    cutoff = now - dt.timedelta(days=days)
    qs = (
        selectors.applications_visible(actor)
        .filter(
            Q(closed_at__lt=cutoff) | Q(closed_at__isnull=True, posting__deadline__lt=cutoff.date())
        )
        .exclude(stage=Application.Stage.HIRED, closed_at__isnull=True)
    )
    per_posting: dict[int, int] = defaultdict(int)
    for posting_id in qs.values_list("posting_id", flat=True):
        per_posting[posting_id] += 1
    total = sum(per_posting.values())
    if not dry_run and total:
        ids = list(qs.values_list("pk", flat=True))
        with audit_context(actor=_user(actor), actor_label=_label(actor), reason="retention"):
            for posting in JobPosting.objects.filter(pk__in=per_posting):
                record_event(
                    posting,
                    "hr.applications_deleted",
                    data={"count": per_posting[posting.pk], "retention_days": days},
                )
            for chunk in range(0, len(ids), 500):
                part = ids[chunk : chunk + 500]
                Hire.objects.filter(application_id__in=part).update(application=None)
                ApplicationDocument.objects.filter(application_id__in=part).delete()
                ApplicationNote.objects.filter(application_id__in=part).delete()
                Application.objects.filter(pk__in=part).delete()
    return {"deleted": 0 if dry_run else total, "due": total, "retention_days": days}


# --- Placement for an applicant (assistant → caseworker confirms → rules) ---------------------


def _require_placement(actor: Any, application: Application) -> None:
    _require_unit(actor, access.MANAGE_PAY, application.posting.unit.path)


@transaction.atomic
def draft_extract(
    *, actor: Any, application: Application, text: str | None = None, use_model: bool = True
) -> PlacementDraft:
    """Run the assistant on the CV text: every item is stored as an unconfirmed proposal with
    its source. A previous extraction's items are replaced; the placement result is cleared."""
    _require_placement(actor, application)
    source_text = text if text is not None else f"{application.cv_text}\n{application.motivation}"
    if not source_text.strip():
        raise DomainError.single(_("There is no CV text to read."), field="text", code="empty")
    proposal = assistant.extract(
        source_text,
        target_title=application.posting.job_category.name,
        endpoint="configured" if use_model else None,
    )
    draft, _created = PlacementDraft.objects.get_or_create(application=application)
    draft.items = [{**item.as_dict(), "confirmed": False} for item in proposal.items]
    draft.extraction_source = proposal.source
    draft.result = {"warnings": proposal.warnings}
    draft.overrides = {}
    draft.save()
    if text is not None and not application.cv_text:
        application.cv_text = text[:30_000]
        application.save(update_fields=["cv_text", "updated_at"])
    with audit_context(actor=_user(actor), actor_label=_label(actor)):
        record_event(
            application.posting,
            "hr.placement_extracted",
            data={
                "application": application.pk,
                "source": proposal.source,
                "items": len(proposal.items),
            },
        )
    return draft


def _item_from_form(
    index: int, raw: Mapping[str, Any], errors: list[tuple[str, str]]
) -> dict[str, Any]:
    kind = raw.get("kind")
    where = f"items[{index}]"
    if kind == "education":
        code = str(raw.get("code", "")).strip()
        if code not in assistant.EDUCATION_CODES:
            errors.append((f"{where}.code", "Ukendt uddannelseskode."))
        return {
            "kind": "education",
            "code": code,
            "title": str(raw.get("title", ""))[:200],
            "year": raw.get("year") or None,
        }
    periods = rules.periods_from_data(
        [
            {
                "employer": raw.get("employer"),
                "title": raw.get("title", ""),
                "start": raw.get("start"),
                "end": raw.get("end"),
                "weekly_hours": raw.get("weekly_hours") or "37",
                "relevant": rules_bool(raw.get("relevant")),
            }
        ],
        errors,
        prefix=where,
    )
    if not periods:
        return {"kind": "period"}
    p = periods[0]
    return {
        "kind": "period",
        "employer": p.employer,
        "title": p.title,
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "weekly_hours": str(p.weekly_hours),
        "relevant": p.relevant,
    }


def rules_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"1", "true", "on", "ja", "yes"}


@transaction.atomic
def draft_confirm(
    *,
    actor: Any,
    draft: PlacementDraft,
    items: Sequence[Mapping[str, Any]],
    area_group: str = "1",
    start_date: dt.date | None = None,
    overrides: Mapping[str, tuple[str, str]] | None = None,
) -> PlacementDraft:
    """The caseworker confirms or corrects each proposed item (``confirmed`` per item; a
    changed item keeps its source and is marked ``corrected``), then the rules compute the
    placement from the confirmed items only. Overrides need a written reason."""
    application = draft.application
    _require_placement(actor, application)
    errors: list[tuple[str, str]] = []
    stored = list(draft.items)
    new_items = []
    for index, raw in enumerate(items):
        original = stored[index] if index < len(stored) else {"source": "caseworker"}
        cleaned = _item_from_form(index, raw, errors)
        compare = {k: original.get(k) for k in cleaned}
        corrected = index >= len(stored) or any(
            str(compare[k] if compare[k] is not None else "") != str(v if v is not None else "")
            for k, v in cleaned.items()
            if k != "kind"
        )
        new_items.append(
            {
                **cleaned,
                "source": original.get("source", "caseworker"),
                "evidence": original.get("evidence", ""),
                "corrected": corrected,
                "confirmed": rules_bool(raw.get("confirmed")),
            }
        )
    if errors:
        raise placement_error(rules.PlacementError(errors))
    posting = application.posting
    confirmed = [i for i in new_items if i["confirmed"]]
    data = {
        "agreement": posting.agreement.code,
        "job_category": posting.job_category.code,
        "weekly_hours": str(posting.weekly_hours),
        "area_group": area_group,
        "start_date": (start_date or max(timezone.localdate(), posting.deadline)).isoformat(),
        "education": [i["code"] for i in confirmed if i["kind"] == "education"],
        "periods": [
            {k: i[k] for k in ("employer", "title", "start", "end", "weekly_hours", "relevant")}
            for i in confirmed
            if i["kind"] == "period"
        ],
    }
    version, candidate = placement_input(data)
    try:
        result = rules.place_with_overrides(
            selectors.version_rules(version), candidate, overrides or {}
        )
    except rules.PlacementError as exc:
        raise placement_error(exc) from None
    draft.items = new_items
    draft.area_group = area_group
    draft.overrides = {c: {"value": v, "reason": r} for c, (v, r) in (overrides or {}).items()}
    draft.result = {
        "input": data,
        "placement": result.as_dict(),
        "unconfirmed": len(new_items) - len(confirmed),
    }
    draft.save()
    with audit_context(actor=_user(actor), actor_label=_label(actor)):
        record_event(
            posting,
            "hr.placement_confirmed",
            data={
                "application": application.pk,
                "confirmed": len(confirmed),
                "sources": sorted({i["source"] for i in confirmed}),
                "pay_step": result.pay_step,
                "overrides": draft.overrides,
            },
            reason="; ".join(f"{c}: {r}" for c, (_v, r) in (overrides or {}).items()),
        )
    return draft


# --- Hiring -------------------------------------------------------------------------------------


def _next_employee_number() -> str:
    numbers = Employment.objects.filter(employee_number__startswith="H").values_list(
        "employee_number", flat=True
    )
    highest = max((int(n[1:]) for n in numbers if n[1:].isdigit()), default=0)
    return f"H{highest + 1:06d}"


def _onboarding(actor: Any, hire: Hire, requisition: Requisition) -> tuple[str, str]:
    """Open an onboarding case in the service portal, or say clearly why not."""
    from koncernservice.portal import services as portal_services
    from koncernservice.portal.models import Service

    service = (
        Service.objects.filter(code__in=("onboarding", "ansaettelse"), is_active=True)
        .order_by("code")
        .first()
    )
    if service is None:
        return "", _("No onboarding service in the portal's catalogue; no case was opened.")
    requester = requisition.requested_by
    if requester is None or not requester.person_id:
        return "", _("The position was not requested by an employee; no onboarding case.")
    try:
        with transaction.atomic():
            case = portal_services.case_create(
                actor=requester,
                service=service,
                title=f"Onboarding: {hire.person.full_name}, {hire.employment.position_title}",
                description=(
                    f"Ny medarbejder {hire.person.full_name} starter "
                    f"{hire.employment.start_date:%d.%m.%Y} som {hire.employment.position_title} "
                    f"i {hire.employment.unit.name} (medarbejdernr. "
                    f"{hire.employment.employee_number})."
                ),
                idempotency_key=f"hr-hire-{hire.pk}",
            )
    except DomainError as exc:
        return "", _("No onboarding case: %(e)s") % {"e": exc}
    return case.number, _("Onboarding case %(n)s opened.") % {"n": case.number}


@transaction.atomic
def hire_create(
    *,
    actor: Any,
    application: Application,
    cpr: str,
    start_date: dt.date,
    position_title: str = "",
) -> Hire:
    """From an accepted offer: the person (if new; CPR validated by core), the employment, the
    pay placement (from the confirmed draft), the employment letter (PDF) and an onboarding
    case in the portal."""
    posting = application.posting
    _require_unit(actor, access.HIRE, posting.unit.path)
    if application.stage != Application.Stage.OFFER:
        raise DomainError.single(
            _("Only an application with an accepted offer can be hired."), code="state"
        )
    draft = PlacementDraft.objects.filter(application=application).first()
    if draft is None or "placement" not in draft.result:
        raise DomainError.single(_("Confirm the placement before the hire."), code="no_placement")
    person, employment = core_services.person_hire(
        actor=actor,
        unit=posting.unit,
        person={
            "first_name": application.first_name,
            "last_name": application.last_name,
            "cpr": cpr,
            "email": application.email,
        },
        employment={
            "employee_number": _next_employee_number(),
            "position_title": position_title or posting.title,
            "job_category": posting.job_category.employment_category or posting.job_category.name,
            "weekly_hours": posting.weekly_hours,
            "start_date": start_date,
        },
    )
    data = {**draft.result["input"], "start_date": start_date.isoformat()}
    overrides = {c: (o["value"], o["reason"]) for c, o in draft.overrides.items()}
    placement = placement_save(actor=actor, employment=employment, data=data, overrides=overrides)
    version = selectors.version_on(placement.agreement, start_date)
    assert version is not None
    result = rules.place_with_overrides(
        selectors.version_rules(version), placement_input(data)[1], overrides
    )
    pdf = letters.employment_letter(
        name=application.full_name,
        email=application.email,
        employment=employment,
        placement=result.as_dict(),
        version=version,
    )
    with audit_context(actor=_user(actor), actor_label=_label(actor)):
        hire = Hire.objects.create(
            application=application,
            person=person,
            employment=employment,
            placement=placement,
            letter_pdf=pdf,
        )
        application.stage = Application.Stage.HIRED
        application.stage_changed_at = timezone.now()
        application.closed_at = application.stage_changed_at
        application.save()
        record_event(
            posting,
            "hr.hired",
            data={"application": application.pk, "employment": employment.pk},
        )
        number, note = _onboarding(actor, hire, posting.requisition)
        hire.onboarding_case = number
        hire.onboarding_note = note[:300]
        hire.save()
    return hire


def hire_letter(hire: Hire) -> bytes:
    """The hire's employment letter; written from the stored placement when none is stored
    (the demo's hires, which are bulk-inserted without rendering 8,000 PDFs)."""
    if hire.letter_pdf:
        return bytes(hire.letter_pdf)
    employment, placement = hire.employment, hire.placement
    start = max(placement.valid_from, employment.start_date)
    version = selectors.version_on(placement.agreement, start)
    pay = selectors.pay_on(placement, employment, start) if version else None
    if version is None or pay is None:
        raise DomainError.single(
            _("The agreement has no version in force on %(d)s.") % {"d": start}
        )
    return letters.employment_letter(
        name=hire.person.full_name,
        email=hire.person.email,
        employment=employment,
        placement={
            "pay_step": placement.pay_step,
            "monthly": pay["monthly"],
            "hourly": pay["hourly"],
            "pension_percent": placement.pension_percent,
            "pension_monthly": pay["pension_monthly"],
            "lines": placement.explanation,
        },
        version=version,
    )
