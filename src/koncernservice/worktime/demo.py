"""Time registrations for the demo municipality (called by ``ks demo`` in its transaction).

About 12,000 of 45,000 employees register time (KS key figures), so 27 % of the current
employments get a work pattern (mostly full registration, some deviations only, a few
exempt) and a year of entries: the 12 months ending today, on their working days, with
sickness, a child's first sick day, care days, three weeks of summer holiday plus single
holiday days, special holiday days, courses, and now and then an evening shift followed by
an early one (an 11-hour rest violation for the supervision list). Months before the last
one are approved. Rows are written with ``bulk_create`` (no per-row audit; the demo records
one ``demo.built`` event). Deterministic for a given scale and seed, except that the period
follows today's date.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from koncernservice.core.models import Employment, User
from koncernservice.worktime import rules
from koncernservice.worktime.models import Kind, PeriodApproval, WorkPattern
from koncernservice.worktime.services import entries_insert

REGISTERING_SHARE = 12_000 / 45_000
BATCH = 5000


def build_demo(*, scale: Any, seed: int) -> dict[str, int]:
    rng = random.Random(seed * 7919 + 5)
    today = timezone.localdate()
    first = rules.add_months(today, -12) + dt.timedelta(days=1)
    employments = list(
        Employment.objects.filter(start_date__lte=today)
        .exclude(end_date__lt=today)
        .order_by("pk")
        .values_list("pk", "person_id", "weekly_hours", "start_date")
    )
    demo_people = set(
        User.objects.filter(
            username__in=["medarbejder", "leder"], person__isnull=False
        ).values_list("person_id", flat=True)
    )
    chosen = [e for e in employments if e[1] in demo_people or rng.random() < REGISTERING_SHARE]
    patterns = []
    for pk, person_id, _hours, _start in chosen:
        roll = rng.random()
        if person_id in demo_people or roll < 0.85:
            mode, reason = WorkPattern.Mode.FULL, ""
        elif roll < 0.97:
            mode, reason = WorkPattern.Mode.DEVIATIONS, ""
        else:
            mode, reason = WorkPattern.Mode.EXEMPT, "Chef med selvtilrettelagt arbejdstid"
        work_days = "0123" if rng.random() < 0.08 else "01234"
        patterns.append(
            WorkPattern(
                employment_id=pk,
                mode=mode,
                exempt_reason=reason,
                work_days=work_days,
                day_start=dt.time(rng.choice([7, 8, 8, 8, 9]), rng.choice([0, 0, 30])),
                reduced_rest_allowed=rng.random() < 0.05,
            )
        )
    WorkPattern.objects.bulk_create(patterns, batch_size=BATCH)
    entries = 0
    batch: list[tuple[Any, ...]] = []
    for (pk, _person, weekly_hours, start_date), pattern in zip(chosen, patterns, strict=True):
        if pattern.mode == WorkPattern.Mode.EXEMPT:
            continue
        batch.extend(_year(rng, pk, Decimal(weekly_hours), pattern, max(first, start_date), today))
        if len(batch) >= BATCH:
            entries += entries_insert(batch)
            batch = []
    entries += entries_insert(batch)
    approvals = _approve(chosen, patterns, first, today)
    return {"time_entries": entries, "work_patterns": len(patterns), "period_approvals": approvals}


def _year(
    rng: random.Random,
    employment_id: int,
    weekly_hours: Decimal,
    pattern: WorkPattern,
    first: dt.date,
    last: dt.date,
) -> list[tuple[Any, ...]]:
    """(employment, date, kind, start, end, break, minutes, source) for each working day."""
    weekdays = pattern.weekdays
    summer = dt.date(last.year if last.month > 7 else last.year - 1, 7, rng.choice([1, 8, 15]))
    summer_days = {summer + dt.timedelta(days=i) for i in range(21)}
    result = []
    day = first
    late_before = False
    while day < last:
        norm = rules.norm_minutes(day, weekly_hours, weekdays)
        if norm:
            roll = rng.random()
            kind = Kind.WORK
            if day in summer_days:
                kind = Kind.HOLIDAY
            elif roll < 0.04:
                kind = Kind.SICKNESS
            elif roll < 0.05:
                kind = Kind.CHILD_SICK
            elif roll < 0.06:
                kind = Kind.CARE_DAY
            elif roll < 0.08:
                kind = Kind.HOLIDAY
            elif roll < 0.10 and day.month in (1, 2, 3, 10, 11, 12):
                kind = Kind.SPECIAL_HOLIDAY
            elif roll < 0.11:
                kind = Kind.COURSE
            if kind in (Kind.WORK, Kind.COURSE):
                begin = dt.datetime.combine(day, pattern.day_start)
                if late_before:
                    begin = dt.datetime.combine(day, dt.time(6))
                    late_before = False
                elif rng.random() < 0.01:
                    begin = dt.datetime.combine(day, dt.time(14))
                    late_before = True
                length = norm + rng.choice([-30, 0, 0, 0, 15, 30, 60]) + 30
                end = begin + dt.timedelta(minutes=length)
                result.append(
                    (employment_id, day, kind, begin.time(), end.time(), 30, length - 30, "import")
                )
            else:
                result.append((employment_id, day, kind, None, None, 0, norm, "form"))
        day += dt.timedelta(days=1)
    return result


def _approve(chosen: list[Any], patterns: list[WorkPattern], first: dt.date, today: dt.date) -> int:
    """Months before last month are approved (by the unit's demo manager, as a label)."""
    months = []
    month = first.replace(day=1)
    last_open = rules.add_months(today.replace(day=1), -1)
    while month < last_open:
        months.append(month)
        month = rules.add_months(month, 1)
    now = timezone.now()
    approvals = [
        PeriodApproval(
            employment_id=pk,
            month=month,
            approved_by=None,
            approved_by_label="ks demo",
            approved_at=now,
        )
        for (pk, *_rest), pattern in zip(chosen, patterns, strict=True)
        if pattern.mode != WorkPattern.Mode.EXEMPT
        for month in months
    ]
    PeriodApproval.objects.bulk_create(approvals, batch_size=BATCH)
    return len(approvals)
