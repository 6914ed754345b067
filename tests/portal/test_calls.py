"""Serviceindgangen: caller lookup, logging a call (with a case), telephony import, report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from koncernservice.core.audit import AuditEntry
from koncernservice.core.errors import AccessDenied, DomainError
from koncernservice.portal import selectors, services
from koncernservice.portal.models import Call, TelephonyRecord
from tests.portal.test_views import client_for

pytestmark = pytest.mark.django_db


def salary_team_answers(portal, phone_queues, actor=None):
    """The Løn team's queue page names the telephony queues it answers."""
    return services.queue_save(
        actor=actor or portal.world.admin,
        queue=portal.general,
        code="loen",
        name="Løn",
        phone_queues=phone_queues,
    )


def test_caller_lookup_by_name_employee_number_and_cpr_masked(portal) -> None:
    teacher = portal.world.teacher
    by_name = selectors.caller_search(user=portal.caseworker, text="Lars Lærer")
    assert [c["id"] for c in by_name] == [teacher.person_id]
    assert by_name[0]["cpr"].endswith("-****")
    by_number = selectors.caller_search(user=portal.caseworker, text=teacher.employee_number)
    assert by_number[0]["id"] == teacher.person_id
    by_cpr = selectors.caller_search(user=portal.caseworker, text=teacher.person.cpr)
    assert by_cpr[0]["id"] == teacher.person_id
    assert selectors.caller_search(user=portal.world.employee, text="Lars") == []


def test_call_with_case_and_first_contact_resolution(portal) -> None:
    caller = portal.world.teacher.person
    call = services.call_log(
        actor=portal.caseworker,
        caller=caller,
        service=portal.salary,
        outcome="case_created",
        duration_seconds=240,
        title="Ringede om løn",
    )
    assert call.case.requester == caller and call.case.queue == portal.general
    assert call.unit == portal.world.school
    services.call_log(
        actor=portal.caseworker, caller=None, service=None, outcome="resolved", duration_seconds=60
    )
    report = selectors.call_report(user=portal.world.admin)
    assert report["calls"] == 2 and report["first_contact_resolution"] == 50.0
    with pytest.raises(DomainError) as caught:
        services.call_log(
            actor=portal.caseworker, caller=None, service=None, outcome="x", duration_seconds="?"
        )
    assert {e.field for e in caught.value.errors} == {"outcome", "duration_seconds"}
    with pytest.raises(AccessDenied):
        services.call_log(
            actor=portal.world.employee, caller=None, service=None, outcome="resolved"
        )


def test_telephony_import_all_or_nothing_and_idempotent(portal) -> None:
    rows = [
        {"time": "2026-03-02T09:15:00", "queue": "Løn", "wait": "35", "talk": "180"},
        {"time": "2026-03-02T09:20:00", "queue": "Løn", "wait": "12", "talk": "95"},
    ]
    assert services.telephony_import(rows=rows)["imported"] == 2
    assert services.telephony_import(rows=rows) == {
        "rows": 2,
        "imported": 0,
        "skipped": 2,
        "unknown": 2,  # no team answers "Løn" yet
        "unknown_queues": ["Løn"],
    }
    with pytest.raises(DomainError) as caught:
        services.telephony_import(rows=[*rows, {"time": "i går", "queue": "", "wait": "x"}])
    assert caught.value.errors[0].row == 4
    assert TelephonyRecord.objects.count() == 2


def test_calls_page_logs_a_call_and_is_closed_to_employees(portal) -> None:
    client = client_for(portal.caseworker)
    assert client.get("/portal/opkald/").status_code == 200
    html = client.get("/portal/opkald/opslag/", {"q": "Lærer"}).content.decode()
    assert "Lars Lærer" in html and "-****" in html
    response = client.post(
        "/portal/opkald/",
        {
            "caller": str(portal.world.teacher.person_id),
            "service": "loen-fejl",
            "outcome": "resolved",
            "duration_seconds": "90",
        },
    )
    assert response.status_code == 302 and Call.objects.count() == 1
    assert client_for(portal.world.employee).get("/portal/opkald/").status_code == 403


def test_report_per_team_and_per_phone_queue(portal) -> None:
    salary_team_answers(portal, "Løn\nLøn-linjen")
    caller = portal.world.teacher.person
    for outcome, seconds in (("resolved", 100), ("resolved", 200), ("transferred", 600)):
        services.call_log(
            actor=portal.caseworker,
            caller=caller,
            service=portal.salary,
            outcome=outcome,
            duration_seconds=seconds,
        )
    services.call_log(
        actor=portal.caseworker, caller=None, service=None, outcome="resolved", duration_seconds=50
    )
    services.telephony_import(
        rows=[
            {"time": "2026-03-02T09:15:00", "queue": "Løn", "wait": "30", "talk": "180"},
            {"time": "2026-03-02T09:20:00", "queue": "Løn", "wait": "10", "talk": "100"},
            {"time": "2026-03-02T09:25:00", "queue": "Systemer", "wait": "5", "talk": "60"},
        ]
    )
    report = selectors.call_report(user=portal.world.admin, since=dt.date(2026, 1, 1))
    # The caseworker's team (Løn) took all four: 3 of 4 resolved, (100+200+600+50)/4 s.
    assert report["per_team"] == [
        {"team": "Løn", "calls": 4, "first_contact_resolution": 75.0, "avg_handle_seconds": 237.5},
    ]
    # Telephony by the team answering each telephony queue; "Systemer" is answered by none.
    assert report["per_team_phone"] == [
        {"team": "Løn", "records": 2, "avg_wait_seconds": 20.0, "avg_talk_seconds": 140.0},
        {"team": "Ukendt kø", "records": 1, "avg_wait_seconds": 5.0, "avg_talk_seconds": 60.0},
    ]
    assert report["per_phone_queue"] == [
        {
            "queue": "Løn",
            "team": "Løn",
            "records": 2,
            "avg_wait_seconds": 20.0,
            "avg_talk_seconds": 140.0,
        },
        {
            "queue": "Systemer",
            "team": "Ukendt kø",
            "records": 1,
            "avg_wait_seconds": 5.0,
            "avg_talk_seconds": 60.0,
        },
    ]
    page = client_for(portal.caseworker).get("/portal/opkald/").content.decode()
    assert 'id="calls-per-team"' in page and 'id="calls-per-phone-queue"' in page
    assert 'id="phone-per-team"' in page


def test_telephony_queues_map_records_to_teams_and_follow_a_change(portal) -> None:
    """Three calls came in on "Løn-linjen" and one on "Løn 2". Mapped to the Løn team on its
    queue page, the three count for Løn; the import names the unknown one. Mapping "Løn 2"
    later moves the record already imported (no re-import), and unmapping moves it back."""
    admin = portal.world.admin
    client = client_for(admin)
    response = client.post(
        "/portal/opsaetning/koeer/?rediger=loen",
        {
            "action": "save",
            "code": "loen",
            "name": "Løn",
            "calendar_name": "standard",
            "phone_queues": "Løn-linjen\n løn-linjen \n",
        },
    )
    assert response.status_code == 302
    portal.general.refresh_from_db()
    assert portal.general.phone_queues == ["Løn-linjen"]  # stripped, once
    rows = [
        {"time": f"2026-03-02T09:{m}:00", "queue": "Løn-linjen", "wait": "30", "talk": "120"}
        for m in ("10", "20", "30")
    ] + [{"time": "2026-03-02T09:40:00", "queue": "Løn 2", "wait": "90", "talk": "60"}]
    counts = services.telephony_import(rows=rows)
    assert (counts["imported"], counts["unknown"], counts["unknown_queues"]) == (4, 1, ["Løn 2"])
    by_team = dict(TelephonyRecord.objects.values_list("queue", "team__code").distinct())
    assert by_team == {"Løn-linjen": "loen", "Løn 2": None}
    salary_team_answers(portal, ["Løn-linjen", "Løn 2"])
    assert TelephonyRecord.objects.filter(team=portal.general).count() == 4
    # The change is audited: who, the new names and the one record it moved.
    event = AuditEntry.objects.filter(event="portal.queue_phone_queues").latest("id")
    assert (event.actor_id, event.object_id) == (admin.pk, str(portal.general.pk))
    assert event.changes == {"phone_queues": ["Løn-linjen", "Løn 2"], "records": 1}
    salary_team_answers(portal, ["Løn 2"])
    assert TelephonyRecord.objects.filter(team=portal.general).count() == 1
    assert TelephonyRecord.objects.filter(team__isnull=True).count() == 3


def test_a_telephony_queue_rings_one_team_and_bad_input_changes_nothing(portal) -> None:
    """A name another team already answers is refused in Danish naming both, and nothing
    is saved; someone who may not change the catalogue changes nothing."""
    admin = portal.world.admin
    salary_team_answers(portal, "Løn-linjen")
    with pytest.raises(DomainError) as caught:
        services.queue_save(
            actor=admin,
            queue=portal.law,
            code="jura",
            name="Personalejura",
            restricted=True,
            phone_queues="Jura\nLØN-LINJEN",
        )
    assert [str(e.message) for e in caught.value.errors] == [
        "Telefonkøen 'LØN-LINJEN' ringer allerede hos teamet Løn."
    ]
    portal.law.refresh_from_db()
    assert portal.law.phone_queues == []
    with pytest.raises(AccessDenied):
        salary_team_answers(portal, "Noget andet", actor=portal.caseworker)
    portal.general.refresh_from_db()
    assert portal.general.phone_queues == ["Løn-linjen"]
    response = client_for(portal.caseworker).post(
        "/portal/opsaetning/koeer/?rediger=loen",
        {"action": "save", "code": "loen", "name": "Løn", "phone_queues": "Noget andet"},
    )
    assert response.status_code in (403, 404)
    portal.general.refresh_from_db()
    assert portal.general.phone_queues == ["Løn-linjen"]


def test_a_call_is_counted_under_the_team_that_took_it(portal) -> None:
    """By default the taker's team; another team when chosen; a call logged without a team
    (before teams were kept, or by someone on none) under its topic's queue, else "–"."""
    caller = portal.world.teacher.person
    own = services.call_log(
        actor=portal.caseworker, caller=caller, service=portal.salary, outcome="resolved"
    )
    assert own.team == portal.general  # the caseworker is on the Løn team
    lent = services.call_log(
        actor=portal.caseworker,
        caller=caller,
        service=portal.salary,
        outcome="transferred",
        duration_seconds=120,
        team=portal.law,
    )
    assert lent.team == portal.law
    nobody = services.call_log(
        actor=portal.world.admin, caller=caller, service=portal.salary, outcome="resolved"
    )
    assert nobody.team is None  # the admin is on no team: counted under the topic's queue
    report = selectors.call_report(user=portal.world.admin, since=dt.date(2026, 1, 1))
    assert [(row["team"], row["calls"]) for row in report["per_team"]] == [
        ("Løn", 2),
        ("Personalejura", 1),
    ]


def test_calls_page_and_api_choose_a_team_and_name_an_unknown_one(portal) -> None:
    client = client_for(portal.caseworker)
    page = client.get("/portal/opkald/").content.decode()
    assert '<option value="loen" selected>Løn</option>' in page
    form = {"caller": "", "service": "loen-fejl", "outcome": "resolved", "team": "findes-ikke"}
    bad = client.post("/portal/opkald/", form)
    assert bad.status_code == 400 and "Ukendt team." in bad.content.decode()
    assert Call.objects.count() == 0
    assert client.post("/portal/opkald/", {**form, "team": "jura"}).status_code == 302
    assert Call.objects.get().team == portal.law
    api = client.post(
        "/api/portal/calls",
        {"service": "loen-fejl", "outcome": "resolved", "team": "nej"},
        content_type="application/json",
    )
    assert api.status_code == 400 and Call.objects.count() == 1
    created = client.post(
        "/api/portal/calls",
        {"service": "loen-fejl", "outcome": "resolved"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["team"] == "loen"


def test_telephony_calls_per_hour_are_counted_per_team(portal) -> None:
    """Calls per hour of the day per team: "Løn-linjen" rings Løn (two calls 9-10, one
    10-11), "Løn 2" rings no team (one call 10-11, under "Ukendt kø")."""
    salary_team_answers(portal, "Løn-linjen")
    day = timezone.localdate() - dt.timedelta(days=3)  # within the page's last 30 days
    services.telephony_import(
        rows=[
            {"time": f"{day}T09:15:00", "queue": "Løn-linjen", "wait": "30", "talk": "180"},
            {"time": f"{day}T09:50:00", "queue": "Løn-linjen", "wait": "10", "talk": "100"},
            {"time": f"{day}T10:05:00", "queue": "Løn-linjen", "wait": "20", "talk": "90"},
            {"time": f"{day}T10:30:00", "queue": "Løn 2", "wait": "5", "talk": "60"},
        ]
    )
    report = selectors.call_report(user=portal.world.admin, since=day)
    assert report["phone_hours"] == [9, 10]
    assert report["per_team_hour"] == [
        {"team": "Løn", "counts": [2, 1]},
        {"team": "Ukendt kø", "counts": [0, 1]},
    ]
    page = client_for(portal.world.admin).get("/portal/opkald/").content.decode()
    table = page.split('id="phone-per-team-hour"', 1)[1].split("</table>", 1)[0]
    assert "kl. 09–10" in table and "kl. 10–11" in table
    assert '<th scope="row">Ukendt kø</th><td>0</td><td>1</td>' in table
