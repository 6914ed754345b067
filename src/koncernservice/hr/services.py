"""HR's business operations: each one transaction, access-checked, validated, audited."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from koncernservice.core import access as core_access
from koncernservice.core.audit import audit_context, record_event
from koncernservice.core.errors import AccessDenied, DomainError, ErrorDetail
from koncernservice.core.models import Employment
from koncernservice.hr import access, rules, selectors
from koncernservice.hr.files import PayRow
from koncernservice.hr.models import Agreement, AgreementVersion, JobCategory, PayStep, Placement


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
