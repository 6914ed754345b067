"""Reads of time registration; every one goes through ``restrict`` (or is the person's own)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from koncernservice.core import access as core_access
from koncernservice.core.errors import DomainError
from koncernservice.core.models import Employment, OrgUnit, subtree_q
from koncernservice.core.worklist import WorkItem
from koncernservice.worktime import access, rules
from koncernservice.worktime.models import (
    NEUTRAL_KINDS,
    WORKING_KINDS,
    Kind,
    MonthClosing,
    PeriodApproval,
    TimeEntry,
    WorkPattern,
)
from koncernservice.worktime.services import DEFAULT_WORK_DAYS, employments_for, month_start


def entries_visible(*, user: Any) -> QuerySet[TimeEntry]:
    """Entries the user may see: within their ``view_time`` scope, and always their own."""
    qs = core_access.restrict(TimeEntry.objects.all(), user, access.VIEW_TIME)
    person_id = getattr(user, "person_id", None)
    if person_id:
        qs = qs | TimeEntry.objects.filter(employment__person_id=person_id)
    return qs


def may_view(user: Any, employment: Employment) -> bool:
    return employments_for(user, access.VIEW_TIME).filter(pk=employment.pk).exists()


def employment_get(*, user: Any, pk: int, permission: str = access.VIEW_TIME) -> Employment:
    """The employment, or 404 when it does not exist or the user may not see its time."""
    employment = (
        employments_for(user, permission).select_related("person", "unit").filter(pk=pk).first()
    )
    if employment is None:
        raise Http404
    return employment


def own_employments(*, user: Any, on: dt.date) -> list[Employment]:
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return []
    return list(
        Employment.objects.filter(person_id=person_id, start_date__lte=on)
        .exclude(end_date__lt=on)
        .select_related("unit")
        .order_by("start_date", "pk")
    )


def work_pattern(employment: Employment) -> WorkPattern:
    pattern = WorkPattern.objects.filter(employment=employment).first()
    return pattern or WorkPattern(employment=employment, mode=WorkPattern.Mode.FULL)


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass
class DayRow:
    date: dt.date
    norm_minutes: int
    entries: list[TimeEntry] = field(default_factory=list)
    is_holiday: bool = False

    @property
    def worked_minutes(self) -> int:
        return sum(e.minutes for e in self.entries if e.kind in WORKING_KINDS)

    @property
    def norm_hours(self) -> Decimal:
        return rules.hours(self.norm_minutes)

    @property
    def absence_minutes(self) -> int:
        return sum(e.minutes for e in self.entries if e.kind not in WORKING_KINDS)


def week_days(*, employment: Employment, monday: dt.date) -> list[DayRow]:
    pattern = work_pattern(employment)
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    rows = {
        d: DayRow(
            d,
            rules.norm_minutes(d, employment.weekly_hours, pattern.weekdays),
            is_holiday=rules.is_public_holiday(d),
        )
        for d in days
    }
    for entry in TimeEntry.objects.filter(employment=employment, date__in=days).order_by(
        "date", "start"
    ):
        rows[entry.date].entries.append(entry)
    return [rows[d] for d in days]


class EntryFacts(NamedTuple):
    """The columns of a time entry the rules and overviews need (read without building model
    instances: a unit's overview reads months of entries for every employee)."""

    employment_id: int
    date: dt.date
    kind: str
    start: dt.time | None
    end: dt.time | None
    minutes: int


def entry_facts(queryset: QuerySet[TimeEntry]) -> list[EntryFacts]:
    return [EntryFacts(*row) for row in queryset.values_list(*EntryFacts._fields)]


def _employment_days(
    entries: Sequence[TimeEntry | EntryFacts],
) -> rules.EmployeeDays:
    days = rules.EmployeeDays()
    for entry in entries:
        if entry.kind in WORKING_KINDS and entry.start is not None and entry.end is not None:
            begin, finish = rules.period_instants(entry.date, entry.start, entry.end)
            days.periods.append((rules.to_minutes(begin), rules.to_minutes(finish)))
            days.day_minutes[entry.date] = days.day_minutes.get(entry.date, 0) + entry.minutes
        elif entry.kind in WORKING_KINDS:
            days.day_minutes[entry.date] = days.day_minutes.get(entry.date, 0) + entry.minutes
        elif entry.kind in NEUTRAL_KINDS and entry.start is None:
            days.neutral_days.add(entry.date)
    return days


def findings_for(
    *, employments: list[Employment], first: dt.date, last: dt.date
) -> dict[int, list[rules.Finding]]:
    """Working-time findings per employment that touch ``first..last``.

    Entries from four months before are read too, so the 48-hour average of reference
    periods ending in the range is judged; rest windows start at most 7 days before.
    """
    reduced = set(
        WorkPattern.objects.filter(
            employment__in=employments, reduced_rest_allowed=True
        ).values_list("employment_id", flat=True)
    )
    since = rules.reference_period_start(first)
    by_employment: dict[int, list[EntryFacts]] = defaultdict(list)
    for entry in entry_facts(
        TimeEntry.objects.filter(
            employment__in=employments, date__gte=since, date__lte=last
        ).order_by("date", "start")
    ):
        by_employment[entry.employment_id].append(entry)
    result: dict[int, list[rules.Finding]] = {}
    lower = dt.datetime.combine(first, dt.time())
    upper = dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    for employment in employments:
        days = _employment_days(by_employment.get(employment.pk, []))
        start = max(since, employment.start_date)
        findings = rules.check_employee(
            days, (start, last), reduced_daily_rest=employment.pk in reduced
        )
        result[employment.pk] = [
            f for f in findings if _as_datetime(f.end) > lower and _as_datetime(f.start) < upper
        ]
    return result


def _as_datetime(value: dt.datetime | dt.date) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month_start(month)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


@dataclass
class OverviewRow:
    employment: Employment
    norm_minutes: int
    worked_minutes: int
    absence_minutes: int
    days_missing: int
    findings: list[rules.Finding]
    approved: bool
    mode: str
    absence_by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def mode_label(self) -> str:
        """The registration mode in words ("Fuld registrering"), for the overview."""
        return str(WorkPattern.Mode(self.mode).label)

    @property
    def overtime_minutes(self) -> int:
        """Worked plus absence above the norm (what the payroll export counts as overtime)."""
        return max(0, self.worked_minutes + self.absence_minutes - self.norm_minutes)

    @property
    def worked_hours(self) -> Decimal:
        return rules.hours(self.worked_minutes)

    @property
    def norm_hours(self) -> Decimal:
        return rules.hours(self.norm_minutes)

    @property
    def absence_hours(self) -> Decimal:
        return rules.hours(self.absence_minutes)

    @property
    def balance_hours(self) -> Decimal:
        return rules.hours(self.worked_minutes + self.absence_minutes - self.norm_minutes)

    @property
    def complete(self) -> bool:
        return self.days_missing == 0

    @property
    def violations(self) -> list[rules.Finding]:
        return [f for f in self.findings if f.rule in VIOLATIONS]


VIOLATIONS = frozenset({rules.RULE_DAILY_REST, rules.RULE_WEEKLY_REST, rules.RULE_AVERAGE_48})


def unit_overview(
    *,
    user: Any,
    unit: OrgUnit,
    month: dt.date,
    today: dt.date,
    include_subunits: bool = True,
) -> list[OverviewRow]:
    """One row per employment of the unit (and below) in the month that the user may see
    the time of. In a month still running the norm, like the missing days, counts up to and
    including ``today`` (the balance so far; the whole month's norm made every balance
    deeply negative early in a month); a past month counts all of it."""
    first, last = month_bounds(month)
    where = subtree_q("unit__path", [unit.path]) if include_subunits else Q(unit=unit)
    employments = list(
        core_access.restrict(Employment.objects.all(), user, access.VIEW_TIME)
        .filter(where, start_date__lte=last)
        .exclude(end_date__lt=first)
        .select_related("person", "unit")
        .order_by("person__last_name", "person__first_name", "pk")
    )
    patterns = {p.employment_id: p for p in WorkPattern.objects.filter(employment__in=employments)}
    minutes: dict[int, dict[dt.date, list[EntryFacts]]] = defaultdict(lambda: defaultdict(list))
    for entry in entry_facts(
        TimeEntry.objects.filter(employment__in=employments, date__gte=first, date__lte=last)
    ):
        minutes[entry.employment_id][entry.date].append(entry)
    approved = set(
        PeriodApproval.objects.filter(employment__in=employments, month=first).values_list(
            "employment_id", flat=True
        )
    )
    findings = findings_for(employments=employments, first=first, last=last)
    counted_until = min(last, today)
    rows = []
    for employment in employments:
        pattern = patterns.get(employment.pk)
        weekdays = pattern.weekdays if pattern else DEFAULT_WORK_DAYS
        mode = pattern.mode if pattern else WorkPattern.Mode.FULL
        own = minutes.get(employment.pk, {})
        norm = worked = absence = missing = 0
        by_kind: dict[str, int] = {}
        day = max(first, employment.start_date)
        while day <= last and (employment.end_date is None or day <= employment.end_date):
            day_norm = rules.norm_minutes(day, employment.weekly_hours, weekdays)
            if day <= counted_until:
                norm += day_norm
            entries = own.get(day, [])
            worked += sum(e.minutes for e in entries if e.kind in WORKING_KINDS)
            for e in entries:
                if e.kind not in WORKING_KINDS:
                    absence += e.minutes
                    by_kind[e.kind] = by_kind.get(e.kind, 0) + e.minutes
            if day_norm and not entries and day <= counted_until and mode == "full":
                missing += 1
            day += dt.timedelta(days=1)
        if mode == WorkPattern.Mode.DEVIATIONS:
            worked = max(worked, norm - absence)  # the schedule counts where nothing is typed
        rows.append(
            OverviewRow(
                employment=employment,
                norm_minutes=norm,
                worked_minutes=worked,
                absence_minutes=absence,
                absence_by_kind=by_kind,
                days_missing=missing,
                findings=findings.get(employment.pk, []),
                approved=employment.pk in approved,
                mode=mode,
            )
        )
    return rows


def month_closing(*, unit: OrgUnit, month: dt.date) -> MonthClosing | None:
    return MonthClosing.objects.filter(unit=unit, month=month_start(month)).first()


# --- Holiday ----------------------------------------------------------------------------------


def _days_of_entry(
    employment: Employment, weekdays: Any, day: dt.date, start: Any, minutes: int
) -> Decimal:
    """An absence entry as days: a whole day is 1, hours are hours / the daily norm."""
    if start is None:
        norm = rules.norm_minutes(day, employment.weekly_hours, weekdays)
        if not norm or minutes >= norm:
            return Decimal(1)
        return (Decimal(minutes) / norm).quantize(Decimal("0.01"))
    daily = Decimal(employment.weekly_hours) * 60 / max(1, len(weekdays))
    return (Decimal(minutes) / daily).quantize(Decimal("0.01"))


def holiday_balances_many(
    *, employments: Sequence[Employment], on: dt.date
) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """The holiday and special-holiday accounts on ``on`` (days) of many employments, with
    one query for their patterns and one per chunk for their holiday entries."""
    horizon = dt.date(on.year + 2, 12, 31)
    ids = [e.pk for e in employments]
    weekdays = {
        p.employment_id: p.weekdays for p in WorkPattern.objects.filter(employment_id__in=ids)
    }
    default = tuple(DEFAULT_WORK_DAYS)
    by_id = {e.pk: e for e in employments}
    taken: dict[tuple[int, str], list[tuple[dt.date, Decimal]]] = defaultdict(list)
    kinds = (Kind.HOLIDAY, Kind.SPECIAL_HOLIDAY)
    for i in range(0, len(ids), 900):
        rows = (
            TimeEntry.objects.filter(
                employment_id__in=ids[i : i + 900], kind__in=kinds, date__lte=horizon
            )
            .order_by("employment_id", "date")
            .values_list("employment_id", "kind", "date", "start", "minutes")
        )
        for employment_id, kind, day, start, minutes in rows:
            employment = by_id[employment_id]
            pattern = weekdays.get(employment_id, default)
            taken[(employment_id, kind)].append(
                (day, _days_of_entry(employment, pattern, day, start, minutes))
            )
    result = {}
    for employment in employments:
        holiday = rules.holiday_balance(
            on=on,
            employed_from=employment.start_date,
            employed_until=employment.end_date,
            days_taken=taken.get((employment.pk, Kind.HOLIDAY), []),
        )
        special = rules.special_holiday_balance(
            on=on,
            employed_from=employment.start_date,
            employed_until=employment.end_date,
            days_taken=taken.get((employment.pk, Kind.SPECIAL_HOLIDAY), []),
        )
        result[employment.pk] = {
            "holiday": [a.as_dict() for a in holiday],
            "special_holiday": [a.as_dict() for a in special],
        }
    return result


def holiday_balances(*, employment: Employment, on: dt.date) -> dict[str, list[dict[str, Any]]]:
    """The holiday and special-holiday accounts of the employment on ``on`` (days)."""
    return holiday_balances_many(employments=[employment], on=on)[employment.pk]


# --- Payroll ----------------------------------------------------------------------------------

PAYROLL_COLUMNS = [
    "employee_number",
    "name",
    "unit_code",
    "month",
    "norm_hours",
    "worked_hours",
    "overtime_hours",
    "evening_hours",
    "night_hours",
    "weekend_hours",
    "holiday_hours",
    *[f"absence_{k}" for k in Kind.values if k not in WORKING_KINDS],
    "holiday_days_taken",
    "special_holiday_days_taken",
]


def payroll_rows(*, user: Any, unit: OrgUnit, month: dt.date) -> list[dict[str, Any]]:
    """The payroll lines of a closed month for a unit (its own employments, not sub-units).

    Hours are decimals with two places. Overtime is worked hours plus absence hours above the
    month's norm. Supplement hours (evening 17-23, night 23-06, weekend, public holiday)
    may overlap. Absence columns are hours per absence code.
    """
    core_access.require_on_unit_path(user, access.EXPORT_PAYROLL, unit.path)
    first, last = month_bounds(month)
    closing = month_closing(unit=unit, month=first)
    if closing is None or not closing.is_closed:
        raise DomainError.single(
            _("Close the month before the payroll export."), field="month", code="not_closed"
        )
    employments = list(
        Employment.objects.filter(unit=unit, start_date__lte=last)
        .exclude(end_date__lt=first)
        .select_related("person")
        .order_by("employee_number")
    )
    overview = {
        row.employment.pk: row
        for row in unit_overview(
            user=user, unit=unit, month=first, today=last, include_subunits=False
        )
    }
    entries: dict[int, list[TimeEntry]] = defaultdict(list)
    for entry in TimeEntry.objects.filter(
        employment__in=employments, date__gte=first, date__lte=last
    ):
        entries[entry.employment_id].append(entry)
    patterns = {
        p.employment_id: p.weekdays for p in WorkPattern.objects.filter(employment__in=employments)
    }
    result = []
    for employment in employments:
        row = overview.get(employment.pk)
        bands = {"evening": 0, "night": 0, "weekend": 0, "holiday": 0}
        absence: dict[str, int] = defaultdict(int)
        holiday_days = special_days = Decimal(0)
        for entry in entries.get(employment.pk, []):
            if entry.kind in WORKING_KINDS and entry.start is not None and entry.end is not None:
                begin, finish = rules.period_instants(entry.date, entry.start, entry.end)
                for name, value in rules.supplement_minutes(begin, finish).items():
                    bands[name] += value
            elif entry.kind not in WORKING_KINDS:
                absence[entry.kind] += entry.minutes
            if entry.kind == Kind.HOLIDAY:
                holiday_days += _days_of_entry(
                    employment,
                    patterns.get(employment.pk, DEFAULT_WORK_DAYS),
                    entry.date,
                    entry.start,
                    entry.minutes,
                )
            elif entry.kind == Kind.SPECIAL_HOLIDAY:
                special_days += _days_of_entry(
                    employment,
                    patterns.get(employment.pk, DEFAULT_WORK_DAYS),
                    entry.date,
                    entry.start,
                    entry.minutes,
                )
        norm = row.norm_minutes if row else 0
        worked = row.worked_minutes if row else 0
        absent = row.absence_minutes if row else 0
        line: dict[str, Any] = {
            "employee_number": employment.employee_number,
            "name": employment.person.full_name,
            "unit_code": unit.code,
            "month": f"{first:%Y-%m}",
            "norm_hours": rules.hours(norm),
            "worked_hours": rules.hours(worked),
            "overtime_hours": rules.hours(max(0, worked + absent - norm)),
            "evening_hours": rules.hours(bands["evening"]),
            "night_hours": rules.hours(bands["night"]),
            "weekend_hours": rules.hours(bands["weekend"]),
            "holiday_hours": rules.hours(bands["holiday"]),
        }
        for kind in Kind.values:
            if kind not in WORKING_KINDS:
                line[f"absence_{kind}"] = rules.hours(absence.get(kind, 0))
        line["holiday_days_taken"] = holiday_days
        line["special_holiday_days_taken"] = special_days
        result.append(line)
    return result


@dataclass(frozen=True)
class AbsenceFigure:
    kind: str
    label: str
    hours: Decimal
    percent_of_norm: Decimal  # e.g. the sickness absence rate, a key HR figure


def absence_figures(rows: Sequence[OverviewRow]) -> list[AbsenceFigure]:
    """Absence per type for the overview's employees: hours and % of their norm hours."""
    norm = sum(r.norm_minutes for r in rows)
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        for kind, minutes in row.absence_by_kind.items():
            totals[kind] += minutes
    figures = []
    for kind, label in Kind.choices:
        if kind in WORKING_KINDS:
            continue
        minutes = totals.get(kind, 0)
        percent = (Decimal(100 * minutes) / norm).quantize(Decimal("0.1")) if norm else Decimal(0)
        figures.append(AbsenceFigure(kind, str(label), rules.hours(minutes), percent))
    return figures


def worklist(user: Any, today: dt.date | None = None) -> list[WorkItem]:
    """The employments whose last month the user may approve and nobody has approved yet
    (core.worklist), linked to that month's approval page; not the user's own (a manager's
    own time is approved by the next level)."""
    if not core_access.has_permission_anywhere(user, access.APPROVE_TIME):
        return []
    first = (today or timezone.localdate()).replace(day=1)
    month = (first - dt.timedelta(days=1)).replace(day=1)
    in_month = Q(start_date__lt=first) & (Q(end_date__isnull=True) | Q(end_date__gte=month))
    waiting = (
        core_access.restrict(Employment.objects.filter(in_month), user, access.APPROVE_TIME)
        .exclude(pk__in=PeriodApproval.objects.filter(month=month).values("employment_id"))
        .exclude(person_id=user.person_id)
        .count()
    )
    label = _("Employees whose time for %(month)s is not approved") % {
        "month": formats.date_format(month, "F Y")
    }
    url = f"{reverse('worktime:overview')}?month={month:%Y-%m}"
    return [WorkItem(label, waiting, url)]
