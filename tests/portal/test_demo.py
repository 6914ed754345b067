"""The portal's demo data: catalogue, teams, and a year of cases with consistent SLA timers."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from koncernservice.core.rules.calendar import add_business_seconds
from koncernservice.core.selectors import calendar_spec
from koncernservice.demo.services import demo_build
from koncernservice.portal import selectors
from koncernservice.portal.demo import BusinessClock
from koncernservice.portal.models import Case, QueueMember, Service, SlaTimer

pytestmark = pytest.mark.django_db


def test_demo_builds_catalogue_teams_and_cases() -> None:
    summary = demo_build(scale=Decimal("0.002"))
    assert summary.counts["portal_services"] >= 40
    assert summary.counts["portal_calls"] > 250  # 153,000 × 0.002, weekdays only
    assert Service.objects.filter(confidential=True).exists()
    assert summary.counts["portal_cases"] == Case.objects.count()
    assert 1300 <= Case.objects.count() <= 706_000 * 0.002
    worker = QueueMember.objects.filter(user__username="sagsbehandler")
    assert worker.exists() and not worker.filter(queue__restricted=True).exists()
    year = timezone.localdate().year
    assert Case.objects.filter(number__startswith=f"KS-{year}-").exists()
    oldest = Case.objects.order_by("created_at").first()
    assert oldest.created_at.date() >= timezone.localdate() - dt.timedelta(days=366)
    # Deadlines agree with the calendar service.
    rng = random.Random(1)
    timers = list(SlaTimer.objects.select_related("case__queue")[:2000])
    for timer in rng.sample(timers, 25):
        spec = calendar_spec(timer.case.queue.calendar_name)
        expected = add_business_seconds(spec, timer.started_at, timer.target_seconds)
        assert timer.deadline_at == expected
    # The caseworker's queue list works on the demo.
    from koncernservice.core.models import User

    user = User.objects.get(username="sagsbehandler")
    queue = selectors.queues_for(user=user).first()
    assert selectors.queue_cases(user=user, queue=queue).exists()
    admin = User.objects.get(username="admin")
    assert not selectors.cases_visible(user=admin).filter(confidential=True).exists()
    calls = selectors.call_report(user=admin, since=timezone.localdate() - dt.timedelta(days=400))
    assert 60 <= calls["first_contact_resolution"] <= 85 and calls["records"] == calls["calls"]


def test_business_clock_matches_the_calendar() -> None:
    spec = calendar_spec("standard")
    clock = BusinessClock(spec, dt.date(2026, 3, 1), dt.date(2026, 5, 1))
    start = dt.datetime(2026, 3, 31, 14, 17, tzinfo=dt.UTC)
    for seconds in (1, 3600, 8 * 3600, 40 * 3600):
        assert clock.instant(clock.position(start) + seconds) == add_business_seconds(
            spec, start, seconds
        )
