"""Services and selectors of time registration: registering, approving, closing, scope, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from koncernservice.core.errors import AccessDenied, DomainError
from koncernservice.core.models import AuditEntry
from koncernservice.worktime import selectors, services
from koncernservice.worktime.models import PeriodApproval, TimeEntry, WorkPattern
from koncernservice.worktime.services import EntryInput

pytestmark = pytest.mark.django_db

MON = dt.date(2026, 3, 2)
T = dt.time


def work(start: int, end: int, break_minutes: int = 30) -> list[EntryInput]:
    return [EntryInput(start=T(start), end=T(end), break_minutes=break_minutes)]


def test_employee_registers_own_week_with_absences(world) -> None:
    days = {
        MON: work(8, 16),
        MON + dt.timedelta(days=1): [EntryInput(kind="sickness")],
        MON + dt.timedelta(days=2): [EntryInput(kind="child_sick", half_day=True), *work(8, 12, 0)],
        MON + dt.timedelta(days=3): [EntryInput(kind="work", minutes=6 * 60)],
    }
    entries = services.days_register(actor=world.employee, employment=world.teacher, days=days)
    assert [(e.kind, e.minutes) for e in entries] == [
        ("work", 450),
        ("sickness", 444),  # a whole day is the day's norm: 37 h / 5
        ("child_sick", 222),
        ("work", 240),
        ("work", 360),
    ]
    assert AuditEntry.objects.filter(content_type__model="timeentry", action="create").count() == 5


def test_all_errors_at_once_and_nothing_written(world) -> None:
    days = {
        MON: [EntryInput(start=T(8), end=None)],
        MON + dt.timedelta(days=1): work(8, 16) + work(15, 18),
        MON + dt.timedelta(days=2): [EntryInput(start=T(8), end=T(9), break_minutes=90)],
    }
    with pytest.raises(DomainError) as caught:
        services.days_register(actor=world.employee, employment=world.teacher, days=days)
    assert [e.code for e in caught.value.errors] == ["required", "overlap", "invalid"]
    assert TimeEntry.objects.count() == 0


def test_others_cannot_register_for_an_employee_outside_their_rights(world) -> None:
    for actor in (world.manager, world.nobody, world.auditor):
        with pytest.raises(AccessDenied):
            services.days_register(actor=actor, employment=world.teacher, days={MON: work(8, 16)})
    services.days_register(actor=world.hr, employment=world.teacher, days={MON: work(8, 16)})
    assert TimeEntry.objects.count() == 1


def test_approval_in_bulk_and_correction_needs_a_reason(world) -> None:
    services.days_register(actor=world.employee, employment=world.teacher, days={MON: work(8, 16)})
    approved = services.period_approve(actor=world.manager, employments=[world.teacher], month=MON)
    assert len(approved) == 1
    assert AuditEntry.objects.filter(event="worktime.period_approved").count() == 1
    # Approving again leaves it as it is.
    assert (
        services.period_approve(actor=world.manager, employments=[world.teacher], month=MON) == []
    )
    with pytest.raises(DomainError) as caught:
        services.days_register(
            actor=world.employee, employment=world.teacher, days={MON: work(9, 17)}
        )
    assert caught.value.errors[0].code == "reason_required"
    services.days_register(
        actor=world.employee,
        employment=world.teacher,
        days={MON: work(9, 17)},
        reason="Glemte mødet kl. 16",
    )
    event = AuditEntry.objects.get(event="worktime.corrected_after_approval")
    assert event.reason == "Glemte mødet kl. 16"


def test_manager_cannot_approve_own_time_or_outside_scope(world) -> None:
    boss = world.manager.person.employments.get()
    with pytest.raises(DomainError) as caught:
        services.period_approve(actor=world.manager, employments=[boss], month=MON)
    assert caught.value.errors[0].code == "own"
    with pytest.raises(AccessDenied):
        services.period_approve(actor=world.manager, employments=[world.nurse], month=MON)
    assert PeriodApproval.objects.count() == 0


def test_closed_month_is_locked_until_reopened_with_a_reason(world) -> None:
    services.month_close(actor=world.hr, unit=world.school, month=MON)
    with pytest.raises(DomainError) as caught:
        services.days_register(
            actor=world.employee, employment=world.teacher, days={MON: work(8, 16)}
        )
    assert caught.value.errors[0].code == "closed"
    with pytest.raises(AccessDenied):
        services.month_reopen(actor=world.manager, unit=world.school, month=MON, reason="x")
    with pytest.raises(DomainError):
        services.month_reopen(actor=world.hr, unit=world.school, month=MON, reason=" ")
    services.month_reopen(actor=world.hr, unit=world.school, month=MON, reason="Rettelse")
    assert AuditEntry.objects.get(event="worktime.month_reopened").reason == "Rettelse"
    services.days_register(actor=world.employee, employment=world.teacher, days={MON: work(8, 16)})


def test_pattern_modes_and_four_day_week(world) -> None:
    with pytest.raises(DomainError) as caught:
        services.pattern_set(actor=world.hr, employment=world.teacher, mode="exempt")
    assert caught.value.errors[0].field == "exempt_reason"
    with pytest.raises(AccessDenied):
        services.pattern_set(actor=world.employee, employment=world.teacher, mode="full")
    services.pattern_set(actor=world.hr, employment=world.teacher, mode="full", work_days="0123")
    week = selectors.week_days(employment=world.teacher, monday=MON)
    assert [d.norm_minutes for d in week] == [555, 555, 555, 555, 0, 0, 0]  # 37 h / 4
    assert WorkPattern.objects.get().mode == "full"


def test_unit_overview_flags_the_11_hour_violation_and_completeness(world) -> None:
    services.days_register(
        actor=world.employee,
        employment=world.teacher,
        days={MON: work(14, 22), MON + dt.timedelta(days=1): work(6, 14)},
    )
    rows = selectors.unit_overview(
        user=world.manager, unit=world.school, month=MON, today=dt.date(2026, 3, 6)
    )
    by_number = {r.employment.employee_number: r for r in rows}
    teacher = by_number[world.teacher.employee_number]
    assert [f.rule for f in teacher.violations] == ["daily_rest_11h"]
    assert teacher.days_missing == 3  # Wed-Fri of the first week
    assert teacher.worked_hours == Decimal("15.00")
    # a month still running: the norm so far, Mon 2 – Fri 6 March, 5 × 7.4 h, not 162.8 h
    assert teacher.norm_hours == Decimal("37.00")
    assert teacher.balance_hours == Decimal("-22.00")
    # The manager sees the school and the classroom below it, not the nursing home.
    assert world.nurse.employee_number not in by_number
    assert (
        selectors.unit_overview(user=world.employee, unit=world.school, month=MON, today=MON) == []
    )


def test_payroll_export_needs_a_closed_month_and_sums_supplements(world) -> None:
    services.days_register(
        actor=world.hr,
        employment=world.teacher,
        days={
            MON: work(8, 16, 0),
            dt.date(2026, 3, 7): work(18, 23, 0),  # Saturday evening
            dt.date(2026, 3, 9): [EntryInput(kind="holiday")],
        },
    )
    with pytest.raises(DomainError):
        selectors.payroll_rows(user=world.hr, unit=world.school, month=MON)
    services.month_close(actor=world.hr, unit=world.school, month=MON)
    lines = {
        line["employee_number"]: line
        for line in selectors.payroll_rows(user=world.hr, unit=world.school, month=MON)
    }
    line = lines[world.teacher.employee_number]
    assert line["worked_hours"] == Decimal("13.00")
    assert line["evening_hours"] == Decimal("5.00")
    assert line["weekend_hours"] == Decimal("5.00")
    assert line["absence_holiday"] == Decimal("7.40")
    assert line["holiday_days_taken"] == Decimal(1)
    assert line["norm_hours"] == Decimal("162.80")  # 22 weekdays in March 2026 x 7.4
    with pytest.raises(AccessDenied):
        selectors.payroll_rows(user=world.manager, unit=world.school, month=MON)


def test_holiday_balance_counts_holiday_entries(world) -> None:
    services.days_register(
        actor=world.employee,
        employment=world.teacher,
        days={
            dt.date(2025, 10, 6): [EntryInput(kind="holiday")],
            dt.date(2025, 10, 7): [EntryInput(kind="holiday", half_day=True)],
            dt.date(2025, 10, 8): [EntryInput(kind="special_holiday")],
        },
    )
    balances = selectors.holiday_balances(employment=world.teacher, on=dt.date(2025, 11, 1))
    old = balances["holiday"][0]
    assert (old["holiday_year"], old["taken"], old["remaining"]) == (
        "2024/2025",
        Decimal("1.50"),
        Decimal("23.50"),
    )
    assert balances["special_holiday"][0]["taken"] == Decimal(1)


def test_deviations_only_counts_the_schedule_where_nothing_is_typed(world) -> None:
    services.pattern_set(actor=world.hr, employment=world.teacher, mode="deviations")
    services.days_register(
        actor=world.employee, employment=world.teacher, days={MON: [EntryInput(kind="sickness")]}
    )
    rows = selectors.unit_overview(
        user=world.hr, unit=world.school, month=MON, today=dt.date(2026, 3, 31)
    )
    teacher = next(r for r in rows if r.employment == world.teacher)
    # March 2026: 22 weekdays x 7.4 h = 162.8 h; one sick day (7.4 h) → 155.4 h worked.
    assert (teacher.norm_hours, teacher.worked_hours, teacher.absence_hours) == (
        Decimal("162.80"),
        Decimal("155.40"),
        Decimal("7.40"),
    )
    assert teacher.days_missing == 0 and teacher.balance_hours == 0
