"""The demo's time registrations: written fast with raw inserts, readable through the ORM."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from koncernservice.worktime import demo, selectors
from koncernservice.worktime.models import PeriodApproval, TimeEntry, WorkPattern

pytestmark = pytest.mark.django_db


def test_build_demo_writes_a_year_of_valid_entries(world) -> None:
    counts = demo.build_demo(scale=1, seed=3)
    assert counts["work_patterns"] == WorkPattern.objects.count()
    assert counts["time_entries"] == TimeEntry.objects.count() > 0
    assert counts["period_approvals"] == PeriodApproval.objects.count()
    today = timezone.localdate()
    entries = list(TimeEntry.objects.all())
    assert all(today - dt.timedelta(days=366) < e.date < today for e in entries)
    work = [e for e in entries if e.start is not None]
    assert all(isinstance(e.start, dt.time) and e.minutes > 0 for e in work)
    # Whoever registers gets a holiday balance from the raw-inserted rows without errors.
    employment = entries[0].employment
    assert selectors.holiday_balances(employment=employment, on=today)["holiday"]
