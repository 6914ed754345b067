"""Time registration API: a person's entries for a week, register days, holiday balance,
working-time violations. Scoped like the pages: one's own time always, others' within
``view_time``/``change_time``; outside the scope is 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from koncernservice.core import access as core_access
from koncernservice.core import selectors as core_selectors
from koncernservice.core.errors import DomainError
from koncernservice.worktime import access, selectors, services
from koncernservice.worktime.models import TimeEntry

router = Router(tags=["worktime"])


class EntryOut(Schema):
    id: int
    employment_id: int
    date: dt.date
    kind: str
    start: dt.time | None
    end: dt.time | None
    break_minutes: int
    minutes: int
    source: str


class EntryIn(Schema):
    date: dt.date
    kind: str = "work"
    start: dt.time | None = None
    end: dt.time | None = None
    break_minutes: int = 0
    hours: Decimal | None = None
    half_day: bool = False


class DaysIn(Schema):
    entries: list[EntryIn]
    clear_days: list[dt.date] = []
    reason: str = ""


class AccountOut(Schema):
    holiday_year: str
    earned: Decimal
    earned_full_year: Decimal
    taken: Decimal
    planned: Decimal
    remaining: Decimal
    transferable: Decimal
    expiring: Decimal
    expires_on: dt.date


class BalanceOut(Schema):
    employment_id: int
    on: dt.date
    holiday: list[AccountOut]
    special_holiday: list[AccountOut]


class FindingOut(Schema):
    employment_id: int
    employee: str
    rule: str
    start: str
    end: str
    value: Decimal
    limit: Decimal


@router.get(
    "/employments/{employment_id}/entries",
    response=list[EntryOut],
    summary="Entries of an employment for the week of a date",
)
def week_entries(request: HttpRequest, employment_id: int, week_of: dt.date) -> list[TimeEntry]:
    employment = selectors.employment_get(user=request.auth, pk=employment_id)  # type: ignore[attr-defined]
    monday = selectors.monday_of(week_of)
    return list(
        TimeEntry.objects.filter(
            employment=employment, date__gte=monday, date__lt=monday + dt.timedelta(days=7)
        ).order_by("date", "start")
    )


@router.put(
    "/employments/{employment_id}/entries",
    response=list[EntryOut],
    summary="Register days (each given day's entries are replaced)",
)
def register_days(request: HttpRequest, employment_id: int, payload: DaysIn) -> list[TimeEntry]:
    employment = selectors.employment_get(
        user=request.auth,  # type: ignore[attr-defined]
        pk=employment_id,
        permission=access.CHANGE_TIME,
    )
    days: dict[dt.date, list[services.EntryInput]] = {d: [] for d in payload.clear_days}
    for item in payload.entries:
        days.setdefault(item.date, []).append(
            services.EntryInput(
                kind=item.kind,
                start=item.start,
                end=item.end,
                break_minutes=item.break_minutes,
                minutes=int(item.hours * 60) if item.hours is not None else None,
                half_day=item.half_day,
            )
        )
    return services.days_register(
        actor=request.auth,  # type: ignore[attr-defined]
        employment=employment,
        days=days,
        reason=payload.reason,
    )


@router.get(
    "/employments/{employment_id}/balance",
    response=BalanceOut,
    summary="Holiday and special holiday balance on a date",
)
def balance(request: HttpRequest, employment_id: int, on: dt.date | None = None) -> dict:
    employment = selectors.employment_get(user=request.auth, pk=employment_id)  # type: ignore[attr-defined]
    day = on or timezone.localdate()
    return {
        "employment_id": employment.pk,
        "on": day,
        **selectors.holiday_balances(employment=employment, on=day),
    }


@router.get(
    "/units/{unit_id}/violations",
    response=list[FindingOut],
    summary="Working-time violations and warnings in a unit's month",
)
def unit_violations(request: HttpRequest, unit_id: int, month: str) -> list[dict]:
    unit = core_selectors.unit_get(user=request.auth, pk=unit_id)  # type: ignore[attr-defined]
    if not core_access.holds_on_path(request.auth, access.VIEW_TIME, unit.path):  # type: ignore[attr-defined]
        raise Http404
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise DomainError.single(_("Not a valid month (use YYYY-MM)."), field="month") from None
    rows = selectors.unit_overview(
        user=request.auth,  # type: ignore[attr-defined]
        unit=unit,
        month=first,
        today=timezone.localdate(),
    )
    return [
        {
            "employment_id": row.employment.pk,
            "employee": row.employment.employee_number,
            "rule": finding.rule,
            "start": finding.start.isoformat(),
            "end": finding.end.isoformat(),
            "value": finding.value,
            "limit": finding.limit,
        }
        for row in rows
        for finding in row.findings
    ]
