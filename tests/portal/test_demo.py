"""The portal's demo data: catalogue, teams, and a year of cases with consistent SLA timers."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from koncernservice.core.rules.calendar import add_business_seconds
from koncernservice.core.selectors import calendar_spec
from koncernservice.demo.services import demo_build
from koncernservice.portal import rules, selectors
from koncernservice.portal.demo import LIMITED_SERVICES, BusinessClock
from koncernservice.portal.models import (
    Case,
    CaseEntry,
    Deflection,
    Macro,
    Queue,
    QueueMember,
    SavedView,
    Service,
    SlaTimer,
)

pytestmark = pytest.mark.django_db


def test_demo_builds_catalogue_teams_and_cases() -> None:
    began = timezone.now()
    summary = demo_build(scale=Decimal("0.002"))
    built_at = timezone.now()
    assert summary.counts["portal_services"] >= 40
    assert summary.counts["portal_macros"] == Macro.objects.count() == 3
    assert all(not rules.macro_unknown_placeholders(m.body) for m in Macro.objects.all())
    assert summary.counts["portal_calls"] > 250  # 153,000 × 0.002, weekdays only
    assert Service.objects.filter(confidential=True).exists()
    assert summary.counts["portal_cases"] == Case.objects.count()
    year_of_cases = Case.objects.count() - summary.counts["portal_split_cases"]  # split today
    assert 1300 <= year_of_cases <= 706_000 * 0.002
    worker = QueueMember.objects.filter(user__username="sagsbehandler")
    assert worker.exists() and not worker.filter(queue__restricted=True).exists()
    year = timezone.localdate().year
    assert Case.objects.filter(number__startswith=f"KS-{year}-").exists()
    oldest = Case.objects.order_by("created_at").first()
    assert oldest.created_at.date() >= timezone.localdate() - dt.timedelta(days=366)
    # Every timer is what the SLA rules compute from its history on the queue's calendar.
    rng = random.Random(1)
    timers = list(SlaTimer.objects.select_related("case__queue").order_by("pk"))
    paused = [t for t in timers if t.case.state == "awaiting_requester"]
    sample = rng.sample(timers, 60) + paused[:40]
    for timer in sample:
        spec = calendar_spec(timer.case.queue.calendar_name)
        state = rules.timer_state(
            spec,
            started_at=timer.started_at,
            target=timer.target_seconds,
            pauses=selectors.pauses_of(timer.pauses),
            stopped_at=timer.stopped_at,
            now=built_at,
        )
        assert timer.deadline_at == state.deadline, timer.case.number
        if timer.next_check_at is not None and timer.next_check_at <= built_at:
            continue  # crossed a threshold during the build: the next sweep's work
        running = state.status in (rules.TimerStatus.RUNNING, rules.TimerStatus.WARNING_50)
        if running or state.status is rules.TimerStatus.WARNING_75:
            # Business time went on during the build: the stored value is from its start.
            assert (
                0
                <= state.elapsed_seconds - timer.elapsed_seconds
                <= (built_at - began).total_seconds() + 1
            )
        else:
            assert timer.elapsed_seconds == state.elapsed_seconds, timer.case.number
        assert timer.status == state.status.value, timer.case.number
        assert timer.next_check_at == rules.next_check(state, stopped=timer.stopped_at is not None)
        if state.deadline is not None and not state.paused:
            assert state.deadline == add_business_seconds(
                spec, timer.started_at, timer.target_seconds
            )
    # Paused cases have been waiting since a moment between their first reply and the build.
    assert paused, "the demo has cases awaiting the requester"
    for timer in paused:
        ((pause_start, pause_end),) = selectors.pauses_of(timer.pauses)
        assert pause_end is None
        assert timer.case.first_response_at <= pause_start <= built_at
        assert timer.kind == "first_response" or timer.status in ("paused", "breached")
    starts = {t.pauses[0][0] for t in paused}
    assert len(starts) > len(paused) // 4  # not one build-time instant
    # (a case merged into another by the demo caseworker is cancelled since)
    events = CaseEntry.objects.filter(
        kind="event", event="state", data__to="awaiting_requester", case__merged_into__isnull=True
    )
    assert events.count() == Case.objects.filter(state="awaiting_requester").count()
    # The first reply sits in the timeline at the moment of the first response.
    entry = CaseEntry.objects.filter(kind="reply").select_related("case").first()
    assert entry.created_at == entry.case.first_response_at
    # The caseworker's queue list works on the demo.
    from koncernservice.core.models import User

    user = User.objects.get(username="sagsbehandler")
    queues = selectors.queues_for(user=user)
    assert any(selectors.queue_cases(user=user, queue=queue).exists() for queue in queues)
    admin = User.objects.get(username="admin")
    # An admin outside the teams sees no confidential case, except where the admin is a
    # party (the demo may pick the admin's person as a requester).
    own = Q(requester_id=admin.person_id) | Q(on_behalf_of_id=admin.person_id)
    others = selectors.cases_visible(user=admin).filter(confidential=True).exclude(own)
    assert Case.objects.filter(confidential=True).exclude(own).exists()
    assert not others.exists()
    calls = selectors.call_report(user=admin, since=timezone.localdate() - dt.timedelta(days=400))
    assert 60 <= calls["first_contact_resolution"] <= 85 and calls["records"] == calls["calls"]
    # Each call is counted under the team answering its telephony queue.
    assert {row["team"] for row in calls["per_team"]} == {
        "Løn",
        "Personaleadministration",
        "Tid og fravær",
        "Kreditorer og debitorer",
        "Systemadgange",
    }
    # The teams' queue pages name the telephony queues they answer, so the telephony records
    # count under the same teams (none under "Ukendt kø") with as many records as calls.
    phone = {row["team"]: row["records"] for row in calls["per_team_phone"]}
    assert phone == {row["team"]: row["calls"] for row in calls["per_team"]}
    assert Queue.objects.get(code="loen").phone_queues == ["Løn"]
    # Calls that created a case are linked to it: same caller and service, the call first.
    from koncernservice.portal.models import Call

    created = Call.objects.filter(outcome="case_created").select_related("case")
    assert created.exists() and not created.filter(case__isnull=True).exists()
    for call in created[:50]:
        assert (call.caller_id, call.service_id) == (call.case.requester_id, call.case.service_id)
        assert call.created_at < call.case.created_at
    assert not Call.objects.exclude(outcome="case_created").filter(case__isnull=False).exists()
    # Article suggestions: about a quarter of the employees shown them created no case, and
    # a suggestion that led to a case was shown before the case was created.
    report = selectors.report(user=admin)
    assert summary.counts["portal_deflections"] == report["suggestions_shown"] > 100
    assert 0.18 <= report["deflected"] / report["suggestions_shown"] <= 0.32
    shown = Deflection.objects.filter(case__isnull=False).select_related("case").first()
    assert shown.created_at < shown.case.created_at and shown.service_id == shown.case.service_id
    # What the caseworker did: merged duplicates (the old number leads to the case it was
    # merged into), split, linked and child cases, and saved views, each in the timeline.
    merged = Case.objects.filter(merged_into__isnull=False).select_related("merged_into")
    assert merged.count() == summary.counts["portal_merged"] >= 1  # up to 3, by the scale
    client = Client()
    client.force_login(user)
    for case in merged:
        assert case.state == "cancelled" and case.requester_id == case.merged_into.requester_id
        response = client.get(reverse("portal:case_detail", kwargs={"number": case.number}))
        target = reverse("portal:case_detail", kwargs={"number": case.merged_into.number})
        assert (response.status_code, response.url) == (302, target)
    split = CaseEntry.objects.filter(event="split_from")
    assert split.count() == summary.counts["portal_split_cases"] == 2
    assert CaseEntry.objects.filter(event="split_to").count() == 2
    assert summary.counts["portal_linked"] >= 1
    assert Case.objects.filter(parent__isnull=False).count() == summary.counts["portal_children"]
    views = SavedView.objects.filter(user=user)
    assert views.count() == 3 and views.filter(shared=True).count() == 2


def test_demo_limits_administration_services_to_their_employees() -> None:
    """A child certificate is obtained for staff of the children's administrations (BUF,
    SOF), driving allowance in home care is the care administration's (SUF) and winter road
    duty the technical administration's (TMF): the demo limits the three to them, so a demo
    employee elsewhere is not offered them, one inside is, and their cases come from inside."""
    from koncernservice.core.models import OrgUnit, User

    demo_build(scale=Decimal("0.002"))
    limits = {
        code: sorted(Service.objects.get(code=code).requester_units.values_list("code", flat=True))
        for code in LIMITED_SERVICES
    }
    assert limits == {
        "boerneattest": ["BUF", "SOF"],
        "koersel-pleje": ["SUF"],
        "vintertjeneste": ["TMF"],
    }
    everyone = Service.objects.filter(is_active=True, requester_units__isnull=True)

    def offered(username: str) -> tuple[set[str], int]:
        user = User.objects.get(username=username)
        codes = set(selectors.services_for(user=user).values_list("code", flat=True))
        for service in Service.objects.filter(code__in=LIMITED_SERVICES):
            assert selectors.may_request(user, service) == (service.code in codes)
        return codes & set(LIMITED_SERVICES), len(codes - set(LIMITED_SERVICES))

    # 'leder' manages a BUF day-care centre, 'medarbejder' works there, 'leder2' manages an
    # SUF care home; the child certificate is requested by managers.
    assert offered("leder") == ({"boerneattest"}, everyone.count())
    assert offered("medarbejder") == (set(), everyone.filter(audience="all").count())
    assert offered("leder2") == ({"koersel-pleje"}, everyone.count())
    page = Client()
    page.force_login(User.objects.get(username="medarbejder"))
    catalogue = page.get(reverse("portal:catalogue")).content.decode()
    assert "Kørselsgodtgørelse i hjemmeplejen" not in catalogue
    assert "Spørgsmål til lønsedlen" in catalogue
    page.force_login(User.objects.get(username="leder2"))
    assert (
        "Kørselsgodtgørelse i hjemmeplejen"
        in page.get(reverse("portal:catalogue")).content.decode()
    )
    # Every case of a limited service was requested from one of its administrations.
    paths = dict(OrgUnit.objects.values_list("code", "path"))
    cases = Case.objects.filter(service__code__in=LIMITED_SERVICES).select_related(
        "service", "unit"
    )
    assert cases.count() >= 10  # weight 2.5 of 106.6: about 33 of some 1,400 cases
    for case in cases:
        prefixes = tuple(paths[code] for code in LIMITED_SERVICES[case.service.code])
        assert case.unit.path.startswith(prefixes), case.number


def test_business_clock_matches_the_calendar() -> None:
    spec = calendar_spec("standard")
    clock = BusinessClock(spec, dt.date(2026, 3, 1), dt.date(2026, 5, 1))
    start = dt.datetime(2026, 3, 31, 14, 17, tzinfo=dt.UTC)
    for seconds in (1, 3600, 8 * 3600, 40 * 3600):
        assert clock.instant(clock.position(start) + seconds) == add_business_seconds(
            spec, start, seconds
        )
