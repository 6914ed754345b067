"""Time registration's business operations: each is one transaction, checked, validated, audited.

Employees register their own time; HR (``change_time``) may register for employees in their
scope. Managers approve months (never their own), HR closes a unit's month for payroll, after
which its entries are locked until the month is reopened with a reason. A change to an
approved month needs a reason and is recorded as a ``worktime.corrected_after_approval`` event.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from koncernservice.core import access as core_access
from koncernservice.core.audit import audit_context, record_event, record_events
from koncernservice.core.errors import AccessDenied, DomainError, ErrorDetail
from koncernservice.core.models import Employment, OrgUnit
from koncernservice.worktime import access, rules
from koncernservice.worktime.files import Row, overlapping_rows
from koncernservice.worktime.models import (
    ABSENCE_KINDS,
    Kind,
    MonthClosing,
    PeriodApproval,
    TimeEntry,
    WorkPattern,
)

DEFAULT_WORK_DAYS = (0, 1, 2, 3, 4)
CHUNK = 900


def _user(actor: Any) -> Any:
    """The actor as a stored user, or None for the system operator (kept by label)."""
    return actor if getattr(actor, "pk", None) else None


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def is_own(actor: Any, employment: Employment) -> bool:
    person_id = getattr(actor, "person_id", None)
    return bool(person_id) and person_id == employment.person_id


def employments_for(actor: Any, permission: str) -> QuerySet[Employment]:
    """Employments the actor may act on with ``permission``: within scope, or their own."""
    qs = core_access.restrict(Employment.objects.all(), actor, permission)
    person_id = getattr(actor, "person_id", None)
    if person_id and permission in (access.VIEW_TIME, access.CHANGE_TIME):
        qs = qs | Employment.objects.filter(person_id=person_id)
    return qs


def require_employment(actor: Any, permission: str, employment: Employment) -> None:
    if is_own(actor, employment) and permission in (access.VIEW_TIME, access.CHANGE_TIME):
        return
    if not employments_for(actor, permission).filter(pk=employment.pk).exists():
        raise AccessDenied(_("You do not have access to this employee's time."))


def work_days_of(employment: Employment) -> tuple[int, ...]:
    pattern = WorkPattern.objects.filter(employment=employment).first()
    return pattern.weekdays if pattern else DEFAULT_WORK_DAYS


def closed_months(unit_ids: Iterable[int], months: Iterable[dt.date]) -> set[tuple[int, dt.date]]:
    return set(
        MonthClosing.objects.filter(
            unit_id__in=set(unit_ids), month__in=set(months), is_closed=True
        ).values_list("unit_id", "month")
    )


def approved_months(
    employment_ids: Iterable[int], months: Iterable[dt.date]
) -> set[tuple[int, dt.date]]:
    return set(
        PeriodApproval.objects.filter(
            employment_id__in=set(employment_ids), month__in=set(months)
        ).values_list("employment_id", "month")
    )


# --- Work pattern -----------------------------------------------------------------------------


@transaction.atomic
def pattern_set(
    *,
    actor: Any,
    employment: Employment,
    mode: str,
    work_days: str = "01234",
    exempt_reason: str = "",
    reduced_rest_allowed: bool = False,
    day_start: dt.time | None = None,
    reason: str = "",
) -> WorkPattern:
    """Set how an employment registers time (full, deviations only, exempt with a reason)."""
    if not core_access.holds_on_path(actor, access.CHANGE_TIME, employment.unit.path):
        raise AccessDenied(_("You do not have access to this employee's time."))
    errors = []
    if mode not in WorkPattern.Mode.values:
        errors.append(ErrorDetail(_("Unknown registration mode."), field="mode"))
    if mode == WorkPattern.Mode.EXEMPT and not exempt_reason.strip():
        errors.append(
            ErrorDetail(_("An exemption needs a reason."), field="exempt_reason", code="required")
        )
    days = "".join(sorted(set(str(work_days))))
    if not days or any(c not in "0123456" for c in days):
        errors.append(ErrorDetail(_("Working days are weekday numbers 0-6."), field="work_days"))
    if errors:
        raise DomainError(_("The data is not valid."), errors)
    pattern = WorkPattern.objects.filter(employment=employment).first() or WorkPattern(
        employment=employment
    )
    pattern.mode = mode
    pattern.work_days = days
    pattern.exempt_reason = exempt_reason.strip()[:200]
    pattern.reduced_rest_allowed = reduced_rest_allowed
    if day_start is not None:
        pattern.day_start = day_start
    with audit_context(actor=actor, reason=reason):
        pattern.save()
    return pattern


# --- Registering days -------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryInput:
    """One period of work or absence on a day, as typed on the week form or in the API.

    Work has start and end (and a break), or only ``minutes`` (a total for the day). An
    absence without start and end is a whole day (the day's norm), or half of it.
    """

    kind: str = Kind.WORK
    start: dt.time | None = None
    end: dt.time | None = None
    break_minutes: int = 0
    minutes: int | None = None
    half_day: bool = False


def _entry_minutes(
    entry: EntryInput, day: dt.date, norm: int, where: str
) -> tuple[int, list[ErrorDetail]]:
    errors: list[ErrorDetail] = []
    if entry.kind not in Kind.values:
        errors.append(ErrorDetail(_("Unknown type."), field=f"{where}.kind"))
        return 0, errors
    if (entry.start is None) != (entry.end is None):
        errors.append(
            ErrorDetail(
                _("Give both start and end, or neither."), field=f"{where}.end", code="required"
            )
        )
        return 0, errors
    if entry.start is not None and entry.end is not None:
        begin, finish = rules.period_instants(day, entry.start, entry.end)
        length = int((finish - begin).total_seconds() // 60)
        if not 0 <= entry.break_minutes < length:
            errors.append(
                ErrorDetail(
                    _("The break is as long as the period or longer."),
                    field=f"{where}.break_minutes",
                )
            )
        return length - entry.break_minutes, errors
    if entry.minutes is not None:
        if not 0 < entry.minutes <= 24 * 60:
            errors.append(
                ErrorDetail(_("Hours must be above 0 and at most 24."), field=f"{where}.minutes")
            )
        return entry.minutes, errors
    if entry.kind in ABSENCE_KINDS:
        return (norm // 2 if entry.half_day else norm), errors
    errors.append(
        ErrorDetail(
            _("Work needs a start and an end, or hours."), field=f"{where}.start", code="required"
        )
    )
    return 0, errors


@transaction.atomic
def days_register(
    *,
    actor: Any,
    employment: Employment,
    days: dict[dt.date, Sequence[EntryInput]],
    reason: str = "",
    source: str = TimeEntry.Source.FORM,
) -> list[TimeEntry]:
    """Replace the entries of each given day with the given ones (an empty list clears it).

    Refused (nothing written) when a day lies in a month closed for the unit, when an
    approved month is changed without a reason, or when any entry is invalid; every error
    is reported at once with the day as field.
    """
    require_employment(actor, access.CHANGE_TIME, employment)
    work_days = work_days_of(employment)
    months = {month_start(d) for d in days}
    closed = closed_months([employment.unit_id], months)
    approved = approved_months([employment.pk], months)
    errors: list[ErrorDetail] = []
    new: list[TimeEntry] = []
    corrected: set[dt.date] = set()
    for day, entries in sorted(days.items()):
        where = day.isoformat()
        if (employment.unit_id, month_start(day)) in closed:
            errors.append(
                ErrorDetail(
                    _("The month is closed for payroll; ask HR to reopen it."),
                    field=where,
                    code="closed",
                )
            )
            continue
        if (employment.pk, month_start(day)) in approved:
            if not reason.strip():
                errors.append(
                    ErrorDetail(
                        _("The month is approved: give a reason for the correction."),
                        field="reason",
                        code="reason_required",
                    )
                )
                continue
            corrected.add(month_start(day))
        if employment.start_date > day or (employment.end_date and employment.end_date < day):
            errors.append(
                ErrorDetail(_("The day lies outside the employment."), field=where, code="range")
            )
            continue
        norm = rules.norm_minutes(day, employment.weekly_hours, work_days)
        spans = []
        for index, entry in enumerate(entries):
            minutes, entry_errors = _entry_minutes(entry, day, norm, f"{where}.{index}")
            errors.extend(entry_errors)
            if entry_errors:
                continue
            if entry.start is not None and entry.end is not None:
                begin, finish = rules.period_instants(day, entry.start, entry.end)
                spans.append((begin, finish))
            new.append(
                TimeEntry(
                    employment=employment,
                    date=day,
                    kind=entry.kind,
                    start=entry.start,
                    end=entry.end,
                    break_minutes=entry.break_minutes if entry.start is not None else 0,
                    minutes=minutes,
                    source=source,
                )
            )
        spans.sort()
        if any(b[0] < a[1] for a, b in itertools.pairwise(spans)):
            errors.append(ErrorDetail(_("Two periods overlap."), field=where, code="overlap"))
    if errors:
        raise DomainError(_("The registration was not saved."), errors)
    with audit_context(actor=actor, reason=reason):
        for old in TimeEntry.objects.filter(employment=employment, date__in=list(days)):
            old.delete()
        for created in new:
            created.save()
        for month in sorted(corrected):
            record_event(
                employment,
                "worktime.corrected_after_approval",
                data={"month": month.isoformat(), "days": sorted(d.isoformat() for d in days)},
                reason=reason,
            )
    return new


# --- Import -----------------------------------------------------------------------------------


def _employments_by_number(actor: Any, numbers: set[str]) -> dict[str, Employment]:
    allowed = employments_for(actor, access.CHANGE_TIME)
    found: dict[str, Employment] = {}
    ordered = sorted(numbers)
    for i in range(0, len(ordered), CHUNK):
        chunk = ordered[i : i + CHUNK]
        for employment in allowed.filter(employee_number__in=chunk).select_related("unit"):
            found[employment.employee_number] = employment
    return found


@transaction.atomic
def entries_import(
    *, actor: Any, rows: list[Row], source: str = "", reason: str = ""
) -> dict[str, Any]:
    """Import validated rows all or nothing; each (employee, date) in the file replaces the
    entries of that day, so importing the same file twice changes nothing the second time.

    Employee numbers the actor may not register for are reported like unknown ones.
    """
    numbers = {row.employee for row in rows}
    employments = _employments_by_number(actor, numbers)
    patterns = {
        p.employment_id: p.weekdays
        for p in WorkPattern.objects.filter(employment_id__in=[e.pk for e in employments.values()])
    }
    months = {month_start(row.date) for row in rows}
    closed = closed_months({e.unit_id for e in employments.values()}, months)
    approved = approved_months([e.pk for e in employments.values()], months)
    errors: list[ErrorDetail] = []

    def bad(row: Row, field: str, message: str, code: str) -> None:
        if len(errors) < 200:
            errors.append(ErrorDetail(message, field=field, code=code, row=row.line, source=source))

    # Plain tuples, not model instances: a year's file holds ~3 million rows.
    entries: list[tuple[Any, ...]] = []
    corrected: set[tuple[int, dt.date]] = set()
    months_seen: dict[dt.date, dt.date] = {}
    for row in rows:
        employment = employments.get(row.employee)
        if employment is None:
            bad(
                row,
                "employee",
                _("Unknown employee number, or one you may not register time for."),
                "unknown_employee",
            )
            continue
        month = months_seen.get(row.date)
        if month is None:
            month = months_seen[row.date] = month_start(row.date)
        if (employment.unit_id, month) in closed:
            bad(row, "date", _("The month is closed for payroll; ask HR to reopen it."), "closed")
            continue
        if (employment.pk, month) in approved:
            if not reason:
                bad(
                    row,
                    "date",
                    _("The month is approved: give a reason for the correction."),
                    "reason_required",
                )
                continue
            corrected.add((employment.pk, month))
        if employment.start_date > row.date or (
            employment.end_date and employment.end_date < row.date
        ):
            bad(row, "date", _("The day lies outside the employment."), "range")
            continue
        if row.start is not None:
            minutes = row.worked_minutes
        else:
            minutes = rules.norm_minutes(
                row.date, employment.weekly_hours, patterns.get(employment.pk, DEFAULT_WORK_DAYS)
            )
        entries.append(
            (
                employment.pk,
                row.date,
                row.kind,
                row.start_time(),
                row.end_time(),
                row.break_minutes,
                minutes,
                TimeEntry.Source.IMPORT,
            )
        )
    for first, second in overlapping_rows(rows):
        bad(
            second,
            "start",
            _("Overlaps the period in row %(n)d.") % {"n": first.line},
            "overlap",
        )
    if errors:
        raise DomainError(
            _("The file has errors; nothing was imported."),
            sorted(errors, key=lambda e: e.row or 0),
        )
    days_by_employment: dict[int, set[dt.date]] = defaultdict(set)
    for entry in entries:
        days_by_employment[entry[0]].add(entry[1])
    replaced = 0
    with audit_context(actor=actor, reason=reason or _("Import of %(f)s") % {"f": source}):
        # Days already registered are replaced (each deletion audited); one query per chunk
        # of employees finds them, not one per employee.
        employment_ids = sorted(days_by_employment)
        first_day = min(entry[1] for entry in entries) if entries else None
        last_day = max(entry[1] for entry in entries) if entries else None
        for i in range(0, len(employment_ids), CHUNK):
            existing = TimeEntry.objects.filter(
                employment_id__in=employment_ids[i : i + CHUNK],
                date__range=(first_day, last_day),
            ).values_list("pk", "employment_id", "date")
            stale = [pk for pk, emp, day in existing if day in days_by_employment[emp]]
            for j in range(0, len(stale), CHUNK):
                replaced += len(
                    [o.delete() for o in TimeEntry.objects.filter(pk__in=stale[j : j + CHUNK])]
                )
        for i in range(0, len(entries), 5000):
            entries_insert(entries[i : i + 5000])
        # One audit event per employee and file (what was imported, from where), not one per
        # entry: a year's file holds ~3 million entries. Later changes are audited per entry.
        by_id = {e.pk: e for e in employments.values()}
        record_events(
            (
                (
                    by_id[employment_id],
                    {
                        "source": source,
                        "days": len(dates),
                        "first": min(dates).isoformat(),
                        "last": max(dates).isoformat(),
                    },
                )
                for employment_id, dates in sorted(days_by_employment.items())
            ),
            "worktime.entries_imported",
        )
        for employment_id, month in sorted(corrected):
            record_event(
                by_id[employment_id],
                "worktime.corrected_after_approval",
                data={"month": month.isoformat(), "source": source},
                reason=reason,
            )
    return {
        "file": source,
        "rows": len(rows),
        "created": len(entries),
        "replaced": replaced,
        "employees": len(days_by_employment),
    }


def entries_insert(rows: list[tuple[Any, ...]]) -> int:
    """Insert ``(employment_id, date, kind, start, end, break_minutes, minutes, source)``
    tuples with one ``executemany``: model instances and ``bulk_create`` cost several times
    more per row, and a year's import or the demo writes millions. No signals, no audit: the
    callers record what they wrote as events."""
    if not rows:
        return 0
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    table = TimeEntry._meta.db_table
    columns = (
        'employment_id, date, kind, start, "end", break_minutes, minutes, source, '
        "created_at, updated_at"
    )
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    values = [
        (
            pk,
            ops.adapt_datefield_value(day),
            kind,
            ops.adapt_timefield_value(start),
            ops.adapt_timefield_value(end),
            breaks,
            minutes,
            source,
            now,
            now,
        )
        for pk, day, kind, start, end, breaks, minutes, source in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
    return len(rows)


# --- Approval and closing ---------------------------------------------------------------------


@transaction.atomic
def period_approve(
    *, actor: Any, employments: Sequence[Employment], month: dt.date
) -> list[PeriodApproval]:
    """Approve a month for one or many employments (already approved ones are left as they
    are). Refused for one's own time, outside scope, for a closed or a future month."""
    month = month_start(month)
    errors = []
    if month > month_start(timezone.localdate()):
        errors.append(ErrorDetail(_("A future month cannot be approved."), field="month"))
    allowed = set(
        core_access.restrict(Employment.objects.all(), actor, access.APPROVE_TIME)
        .filter(pk__in=[e.pk for e in employments])
        .values_list("pk", flat=True)
    )
    closed = closed_months([e.unit_id for e in employments], [month])
    for employment in employments:
        if is_own(actor, employment):
            errors.append(
                ErrorDetail(
                    _("You cannot approve your own time."),
                    field=employment.employee_number,
                    code="own",
                )
            )
        elif employment.pk not in allowed:
            raise AccessDenied(_("You do not have access to this employee's time."))
        elif (employment.unit_id, month) in closed:
            errors.append(
                ErrorDetail(
                    _("The month is closed for payroll."),
                    field=employment.employee_number,
                    code="closed",
                )
            )
    if errors:
        raise DomainError(_("The month was not approved."), errors)
    done = approved_months([e.pk for e in employments], [month])
    now = timezone.now()
    created = []
    with audit_context(actor=actor):
        for employment in employments:
            if (employment.pk, month) in done:
                continue
            approval = PeriodApproval(
                employment=employment,
                month=month,
                approved_by=_user(actor),
                approved_by_label=str(getattr(actor, "username", actor))[:150],
                approved_at=now,
            )
            approval.save()
            record_event(approval, "worktime.period_approved", data={"month": month.isoformat()})
            created.append(approval)
    return created


@transaction.atomic
def month_close(*, actor: Any, unit: OrgUnit, month: dt.date) -> MonthClosing:
    """Close a unit's month for payroll: its entries are locked until it is reopened."""
    core_access.require_on_unit_path(actor, access.CLOSE_MONTH, unit.path)
    month = month_start(month)
    if month > month_start(timezone.localdate()):
        raise DomainError.single(_("A future month cannot be closed."), field="month")
    closing = MonthClosing.objects.filter(unit=unit, month=month).first()
    if closing is not None and closing.is_closed:
        raise DomainError.single(_("The month is already closed."), field="month", code="closed")
    with audit_context(actor=actor):
        if closing is None:
            closing = MonthClosing(unit=unit, month=month)
        closing.is_closed = True
        closing.closed_by = _user(actor)
        closing.closed_by_label = str(getattr(actor, "username", actor))[:150]
        closing.closed_at = timezone.now()
        closing.save()
        record_event(closing, "worktime.month_closed", data={"month": month.isoformat()})
    return closing


@transaction.atomic
def month_reopen(*, actor: Any, unit: OrgUnit, month: dt.date, reason: str) -> MonthClosing:
    """Reopen a closed month (a reason is required and kept in the audit trail)."""
    core_access.require_on_unit_path(actor, access.CLOSE_MONTH, unit.path)
    month = month_start(month)
    if not reason.strip():
        raise DomainError.single(_("Give a reason for reopening."), field="reason", code="required")
    closing = MonthClosing.objects.filter(unit=unit, month=month, is_closed=True).first()
    if closing is None:
        raise DomainError.single(_("The month is not closed."), field="month", code="not_closed")
    with audit_context(actor=actor, reason=reason):
        closing.is_closed = False
        closing.save()
        record_event(closing, "worktime.month_reopened", data={"month": month.isoformat()})
    return closing
