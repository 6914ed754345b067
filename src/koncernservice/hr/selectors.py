"""Reads of HR: agreements and pay tables, placements (scoped), annual pay, recruitment.

Every read of people's pay goes through ``restrict`` (``hr.view_pay``) or is the person's
own. Agreements and pay tables are public agreements: any signed-in user may read them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from koncernservice.core import access as core_access
from koncernservice.core.models import Employment
from koncernservice.hr import access, rules
from koncernservice.hr.models import (
    Agreement,
    AgreementVersion,
    Application,
    Hire,
    JobCategory,
    JobPosting,
    PayStep,
    Placement,
    Requisition,
)
from koncernservice.hr.rules import AnnualPay

__all__ = ["AnnualPay", "annual_pay"]


# --- Agreements and pay tables -----------------------------------------------------------------


def agreements() -> QuerySet[Agreement]:
    return Agreement.objects.all().order_by("code")


def version_on(agreement: Agreement | int, on: dt.date) -> AgreementVersion | None:
    """The agreement's version in force on ``on`` (the latest from a date on or before it)."""
    agreement_id = agreement if isinstance(agreement, int) else agreement.pk
    return (
        AgreementVersion.objects.filter(agreement_id=agreement_id, valid_from__lte=on)
        .select_related("agreement")
        .order_by("-valid_from")
        .first()
    )


def version_rules(version: AgreementVersion) -> rules.AgreementVersion:
    """The pure-rules view of a stored version (with its pay table)."""
    steps: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for step, group, amount in PayStep.objects.filter(version=version).values_list(
        "step", "area_group", "annual_amount"
    ):
        steps[step][group] = amount
    return _rules_from(version, steps)


def _rules_from(
    version: AgreementVersion, steps: dict[int, dict[str, Decimal]]
) -> rules.AgreementVersion:
    base = rules.version_from_data(
        {
            "code": version.agreement.code,
            "name": version.agreement.name,
            "version": version.version,
            "valid_from": version.valid_from,
            "weekly_hours": version.weekly_hours,
            "regulation_percent": version.regulation_percent,
            "categories": version.categories,
            "seniority": {
                "irrelevant_share": version.irrelevant_share,
                "min_weekly_hours": version.min_weekly_hours,
                "part_time": version.part_time,
            },
        }
    )
    return rules.AgreementVersion(
        code=base.code,
        name=base.name,
        version=base.version,
        valid_from=base.valid_from,
        weekly_hours=base.weekly_hours,
        regulation_percent=base.regulation_percent,
        steps=dict(steps),
        categories=base.categories,
        seniority=base.seniority,
    )


def pay_table(version: AgreementVersion) -> tuple[list[str], list[dict[str, Any]]]:
    """(pay-area groups, rows of {step, groups: {group: (annual base, monthly regulated)}})."""
    factor = 1 + version.regulation_percent / 100
    groups: set[str] = set()
    rows: dict[int, dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for step, group, amount in PayStep.objects.filter(version=version).values_list(
        "step", "area_group", "annual_amount"
    ):
        groups.add(group)
        rows[step][group] = (amount, rules.money(amount * factor / 12))
    ordered = sorted(groups)
    return ordered, [{"step": step, "groups": rows[step]} for step in sorted(rows)]


# --- Placements and pay (scoped) -------------------------------------------------------------


def employments_visible(user: Any) -> QuerySet[Employment]:
    """Employments whose pay the user may see: ``view_pay`` scope, plus their own."""
    qs = core_access.restrict(Employment.objects.all(), user, access.VIEW_PAY)
    person_id = getattr(user, "person_id", None)
    if person_id:
        qs = qs | Employment.objects.filter(person_id=person_id)
    return qs


def placements_visible(user: Any) -> QuerySet[Placement]:
    qs = core_access.restrict(Placement.objects.all(), user, access.VIEW_PAY)
    person_id = getattr(user, "person_id", None)
    if person_id:
        qs = qs | Placement.objects.filter(employment__person_id=person_id)
    return qs


def employment_get(*, user: Any, pk: int) -> Employment:
    employment = employments_visible(user).select_related("person", "unit").filter(pk=pk).first()
    if employment is None:
        raise Http404
    return employment


def current_placement(employment: Employment, on: dt.date) -> Placement | None:
    return (
        Placement.objects.filter(employment=employment, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("agreement", "job_category")
        .order_by("-valid_from")
        .first()
    )


def pay_on(placement: Placement, employment: Employment, on: dt.date) -> dict[str, Any] | None:
    """Monthly and hourly pay of a placement on a date, from the pay table then in force."""
    version = version_on(placement.agreement_id, on)
    if version is None:
        return None
    amount = (
        PayStep.objects.filter(
            version=version, step=placement.pay_step, area_group=placement.area_group
        )
        .values_list("annual_amount", flat=True)
        .first()
    )
    if amount is None:
        return None
    factor = 1 + version.regulation_percent / 100
    occupancy = employment.weekly_hours / version.weekly_hours
    basic_full = rules.money(amount * factor / 12)
    allowances = [
        {
            "code": a["code"],
            "name": a.get("name", a["code"]),
            "monthly": rules.money(Decimal(a["annual"]) * factor / 12 * occupancy),
        }
        for a in placement.allowances
    ]
    monthly = rules.money(basic_full * occupancy) + sum(
        (a["monthly"] for a in allowances), Decimal(0)
    )
    full_time = basic_full + sum(
        (rules.money(Decimal(a["annual"]) * factor / 12) for a in placement.allowances),
        Decimal(0),
    )
    return {
        "on": on,
        "version": version.version,
        "pay_step": placement.pay_step,
        "basic_monthly": rules.money(basic_full * occupancy),
        "allowances": allowances,
        "monthly": monthly,
        "hourly": rules.money(full_time / rules.MONTHLY_HOURS),
        "pension_monthly": rules.money(monthly * placement.pension_percent / 100),
    }


def pay_history(employment: Employment, *, until: dt.date) -> list[dict[str, Any]]:
    """One row per change: a new placement or a new agreement version (OK round)."""
    placements = list(
        Placement.objects.filter(employment=employment, valid_from__lte=until)
        .select_related("agreement", "job_category")
        .order_by("valid_from")
    )
    rows = []
    for placement in placements:
        end = min(placement.valid_to or until, until)
        dates = {max(placement.valid_from, employment.start_date)}
        dates |= set(
            AgreementVersion.objects.filter(
                agreement_id=placement.agreement_id,
                valid_from__gt=placement.valid_from,
                valid_from__lte=end,
            ).values_list("valid_from", flat=True)
        )
        for day in sorted(dates):
            pay = pay_on(placement, employment, day)
            if pay:
                rows.append({"placement": placement, **pay})
    return rows


def annual_pay(
    user: Any, year: int, employment_ids: Iterable[int] | None = None
) -> dict[int, AnnualPay]:
    """Annual pay per employment the user may see (``hr.view_pay``), month by month.

    Bulk: one query for the employments, one for their placements in the year, one for the
    versions and one for the pay steps; no per-employee query. Employments without a
    placement in the year are left out.
    """
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    employments = (
        core_access.restrict(Employment.objects.all(), user, access.VIEW_PAY)
        .filter(start_date__lte=last)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
    )
    wanted: set[int] | None = None
    if employment_ids is not None:
        wanted = {int(pk) for pk in employment_ids}
        if len(wanted) <= 500:
            employments = employments.filter(pk__in=wanted)
    emp_rows = {
        pk: (start, end, hours)
        for pk, start, end, hours in employments.values_list(
            "pk", "start_date", "end_date", "weekly_hours"
        )
        if wanted is None or pk in wanted
    }
    if not emp_rows:
        return {}
    placements: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    row: Any
    for row in (
        Placement.objects.filter(employment_id__in=employments.values("pk"))
        .filter(valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .order_by("valid_from")
        .values_list(
            "employment_id",
            "valid_from",
            "valid_to",
            "agreement_id",
            "agreement__code",
            "job_category__code",
            "pay_step",
            "area_group",
            "allowances",
        )
    ):
        if row[0] in emp_rows:
            placements[row[0]].append(row)
    if not placements:
        return {}
    agreement_ids = {row[3] for rows in placements.values() for row in rows}
    versions: dict[int, list[tuple[dt.date, int, Decimal, Decimal]]] = defaultdict(list)
    for pk, agreement_id, valid_from, factor_pct, hours in (
        AgreementVersion.objects.filter(agreement_id__in=agreement_ids)
        .order_by("valid_from")
        .values_list("pk", "agreement_id", "valid_from", "regulation_percent", "weekly_hours")
    ):
        versions[agreement_id].append((valid_from, pk, 1 + factor_pct / 100, hours))
    amounts = {
        (version_id, step, group): amount
        for version_id, step, group, amount in PayStep.objects.filter(
            version__agreement_id__in=agreement_ids
        ).values_list("version_id", "step", "area_group", "annual_amount")
    }
    result: dict[int, AnnualPay] = {}
    monthly_full: dict[tuple[int, int, str], Decimal | None] = {}
    version_of: dict[tuple[int, dt.date], Any] = {}
    shares_of: dict[tuple[dt.date, dt.date | None], list[rules.MonthShare]] = {}
    allowance_sums: dict[int, Decimal] = {}
    segments_of: dict[Any, dict[tuple[int, int], Decimal]] = {}
    for employment_id, rows in placements.items():
        start, end, weekly_hours = emp_rows[employment_id]
        span = (max(start, first), min(end, last) if end else None)
        shares = shares_of.get(span)
        if shares is None:
            shares = shares_of[span] = rules.month_shares(year, *span)
        # Sum the month shares per (placement, version) segment; compute money once per segment.
        # Most employments share their shape (whole year, one placement): cache by shape.
        # Dates clipped to the year: only days within it are compared.
        clipped = tuple(
            (None, max(r[1], first), r[2] if r[2] is None or r[2] <= last else None, r[3])
            for r in rows
        )
        shape = (span, clipped)
        segments = segments_of.get(shape)
        if segments is None:
            segments = segments_of[shape] = _segments(list(clipped), shares, versions, version_of)
        basic = complementary = hours_paid = Decimal(0)
        for (index, version_id), share in segments.items():
            row = rows[index]
            version = next(v for v in versions[row[3]] if v[1] == version_id)
            _from, _pk, factor, full_hours = version
            amount_key = (version_id, row[6], row[7])
            if amount_key not in monthly_full:
                amount = amounts.get(amount_key)
                monthly_full[amount_key] = amount * factor / 12 if amount is not None else None
            monthly = monthly_full[amount_key]
            if monthly is None:
                continue
            occupancy = Decimal(weekly_hours) / full_hours
            weight = occupancy * share
            basic += monthly * weight
            row_id = id(row)
            if row_id not in allowance_sums:
                allowance_sums[row_id] = sum((Decimal(a["annual"]) for a in row[8]), Decimal(0))
            complementary += allowance_sums[row_id] * factor / 12 * weight
            hours_paid += rules.MONTHLY_HOURS * weight
        if not segments:
            continue
        last_row = rows[-1]
        result[employment_id] = AnnualPay(
            employment_id=employment_id,
            basic=rules.money(basic),
            complementary=rules.money(complementary),
            hours=rules.money(hours_paid),
            agreement=last_row[4],
            job_category=last_row[5],
            pay_step=last_row[6],
        )
    return result


def _segments(
    rows: list[Any],
    shares: list[rules.MonthShare],
    versions: dict[int, list[tuple[dt.date, int, Decimal, Decimal]]],
    version_of: dict[tuple[int, dt.date], Any],
) -> dict[tuple[int, int], Decimal]:
    """Month shares summed per (placement row index, version id)."""
    segments: dict[tuple[int, int], Decimal] = {}
    for month in shares:
        day = month.first_day
        index = next(
            (
                i
                for i in range(len(rows) - 1, -1, -1)
                if rows[i][1] <= day and (rows[i][2] is None or rows[i][2] >= day)
            ),
            None,
        )
        if index is None:
            continue
        agreement_id = rows[index][3]
        key = (agreement_id, day)
        if key not in version_of:
            version_of[key] = next(
                (v for v in reversed(versions[agreement_id]) if v[0] <= day), None
            )
        version = version_of[key]
        if version is None:
            continue
        segment = (index, version[1])
        segments[segment] = segments.get(segment, Decimal(0)) + month.share
    return segments


# --- Recruitment -------------------------------------------------------------------------------


def requisitions_visible(user: Any) -> QuerySet[Requisition]:
    qs = core_access.restrict(Requisition.objects.all(), user, access.REQUEST_POSITION)
    return qs | core_access.restrict(Requisition.objects.all(), user, access.APPROVE_POSITION)


def postings_visible(user: Any) -> QuerySet[JobPosting]:
    return core_access.restrict(JobPosting.objects.all(), user, access.RECRUIT)


def applications_visible(user: Any) -> QuerySet[Application]:
    return core_access.restrict(Application.objects.all(), user, access.RECRUIT)


def public_postings(today: dt.date) -> QuerySet[JobPosting]:
    """What the public careers page and feeds show: published, deadline not passed."""
    return (
        JobPosting.objects.filter(state=JobPosting.State.PUBLISHED, deadline__gte=today)
        .select_related("agreement", "unit", "job_category")
        .order_by("deadline", "pk")
    )


def hires_visible(user: Any) -> QuerySet[Hire]:
    return core_access.restrict(Hire.objects.all(), user, access.HIRE)


def job_categories(agreement: Agreement) -> QuerySet[JobCategory]:
    return JobCategory.objects.filter(agreement=agreement).order_by("code")
