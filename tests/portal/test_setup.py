"""Setup pages without code: areas, queues with teams, routing rules; administrators only,
audited, Danish errors, nothing half-saved; confidentiality follows a queue or service change."""

from __future__ import annotations

import pytest

from koncernservice.core.access import AccessDenied
from koncernservice.core.errors import DomainError
from koncernservice.core.models import AuditEntry
from koncernservice.portal import selectors, services
from koncernservice.portal.models import Case, Queue, QueueMember, RoutingRule, ServiceArea

from .test_views import client_for, make_case

pytestmark = pytest.mark.django_db


def test_only_catalogue_managers_reach_the_setup_pages(portal) -> None:
    for path in (
        "/portal/opsaetning/omraader/",
        "/portal/opsaetning/koeer/",
        "/portal/opsaetning/routing/",
    ):
        assert client_for(portal.world.admin).get(path).status_code == 200
        for user in (portal.caseworker, portal.world.employee, portal.world.nobody):
            assert client_for(user).get(path).status_code == 403
            assert client_for(user).post(path, {"code": "x", "name": "X"}).status_code == 403
    assert ServiceArea.objects.count() == 2 and Queue.objects.count() == 2
    with pytest.raises(AccessDenied):
        services.area_save(actor=portal.caseworker, area=None, code="x", name="X")


def test_area_page_creates_changes_and_audits(portal) -> None:
    admin = client_for(portal.world.admin)
    url = "/portal/opsaetning/omraader/"
    bad = admin.post(url, {"code": "Løn og Ø", "name": "", "position": "-1"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "Dette felt er påkrævet." in page and 'aria-invalid="true"' in page
    assert ServiceArea.objects.count() == 2
    assert admin.post(url, {"code": "loen", "name": "Dublet"}).status_code == 400  # code in use
    assert (
        admin.post(url, {"code": "indkoeb", "name": "Indkøb", "position": "5"}).status_code == 302
    )
    area = ServiceArea.objects.get(code="indkoeb")
    assert (
        admin.post(
            url + "?rediger=indkoeb",
            {"code": "indkoeb", "name": "Indkøb og udbud", "position": "6"},
        ).status_code
        == 302
    )
    area.refresh_from_db()
    assert (area.name, area.position) == ("Indkøb og udbud", 6)
    entry = AuditEntry.objects.filter(object_id=str(area.pk), action="update").latest("pk")
    assert entry.actor_id == portal.world.admin.pk


def test_queue_page_team_and_confidentiality_follow_at_once(portal) -> None:
    case = make_case(portal)
    admin = client_for(portal.world.admin)
    url = "/portal/opsaetning/koeer/?rediger=loen"
    response = admin.post(
        url, {"code": "loen", "name": "Løn", "calendar_name": "findes-ikke", "ola_hours": "nul"}
    )
    assert response.status_code == 400
    assert {"calendar_name", "ola_hours"} <= set(response.context["errors"])
    # Make the general queue confidential: its cases disappear for unit-scoped readers.
    assert selectors.case_find(user=portal.world.hr, number=case.number) == case
    response = admin.post(
        url,
        {
            "code": "loen",
            "name": "Løn",
            "calendar_name": "standard",
            "restricted": "1",
            "ola_hours": "4",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.confidential
    assert selectors.case_find(user=portal.world.hr, number=case.number) is None
    assert selectors.case_find(user=portal.caseworker, number=case.number) == case  # team
    queue = Queue.objects.get(code="loen")
    assert queue.restricted and str(queue.ola_hours) == "4.00"
    # And back: cases of non-confidential services are visible again.
    admin.post(url, {"code": "loen", "name": "Løn", "calendar_name": "standard"})
    case.refresh_from_db()
    assert not case.confidential
    # Team members: add by user name (unknown: error), remove.
    assert admin.post(url, {"action": "member_add", "username": "findes-ikke"}).status_code == 400
    admin.post(url, {"action": "member_add", "username": portal.lawyer.username, "is_lead": "1"})
    member = QueueMember.objects.get(queue=queue, user=portal.lawyer)
    assert member.is_lead
    duplicate = admin.post(url, {"action": "member_add", "username": portal.lawyer.username})
    assert duplicate.status_code == 400
    admin.post(url, {"action": "member_remove", "member": str(member.pk)})
    assert not QueueMember.objects.filter(pk=member.pk).exists()


def test_service_made_confidential_reflags_its_cases(portal) -> None:
    case = make_case(portal)
    services.service_update(actor=portal.world.admin, service=portal.salary, confidential=True)
    case.refresh_from_db()
    assert case.confidential
    assert selectors.case_find(user=portal.world.hr, number=case.number) is None
    services.service_update(actor=portal.world.admin, service=portal.salary, confidential=False)
    assert not Case.objects.get(pk=case.pk).confidential


def test_routing_rule_page_saves_routes_and_deletes(portal) -> None:
    admin = client_for(portal.world.admin)
    url = "/portal/opsaetning/routing/"
    response = admin.post(url, {"position": "10", "queue": ""})
    assert response.status_code == 400 and not RoutingRule.objects.exists()
    errors = response.context["errors"]
    assert "queue" in errors and "__all__" in errors  # no queue, no condition
    response = admin.post(
        url,
        {
            "position": "10",
            "queue": "jura",
            "keywords": " advarsel , ,opsigelse",
            "assign_least_loaded": "1",
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert rule.keywords == "advarsel, opsigelse" and rule.assign_least_loaded
    case = make_case(portal, title="Spørgsmål om advarsel")
    assert case.queue == portal.law and case.confidential
    assert make_case(portal, title="Forkert løn").queue == portal.general
    admin.post(url + f"?rediger={rule.pk}", {"action": "delete"})
    assert not RoutingRule.objects.exists()
    with pytest.raises(DomainError):
        services.routing_rule_save(actor=portal.world.admin, rule=None, queue=None, position="x")


def test_areas_and_queues_in_use_are_not_deleted_unused_ones_are(portal) -> None:
    admin = client_for(portal.world.admin)
    areas, queues = "/portal/opsaetning/omraader/", "/portal/opsaetning/koeer/"
    # The salary area has a service: refused, with the count, and nothing changed.
    response = admin.post(areas + "?rediger=loen", {"action": "delete"})
    assert response.status_code == 400
    assert "Området har stadig 1 ydelse: flyt den til et andet område først." in (
        response.content.decode()
    )
    assert ServiceArea.objects.filter(code="loen").exists()
    # The general queue: a case, a service's default queue and a routing rule use it.
    make_case(portal)
    services.routing_rule_save(
        actor=portal.world.admin, rule=None, queue=portal.general, position="1", keywords="løn"
    )
    response = admin.post(queues + "?rediger=loen", {"action": "delete"})
    assert response.status_code == 400
    assert (
        "Køen er i brug og kan ikke slettes: 1 sag, 1 ydelse (standardkø), 1 routingregel."
        in response.content.decode()
    )
    assert Queue.objects.filter(pk=portal.general.pk).exists()
    # Nobody but a catalogue manager deletes anything.
    empty = ServiceArea.objects.create(code="tom", name="Tomt område")
    spare = services.queue_save(actor=portal.world.admin, queue=None, code="ekstra", name="Ekstra")
    services.queue_member_add(actor=portal.world.admin, queue=spare, user=portal.caseworker)
    for user in (portal.caseworker, portal.lead, portal.world.employee):
        assert (
            client_for(user).post(areas + "?rediger=tom", {"action": "delete"}).status_code == 403
        )
        assert (
            client_for(user).post(queues + "?rediger=ekstra", {"action": "delete"}).status_code
            == 403
        )
    assert ServiceArea.objects.filter(pk=empty.pk).exists() and Queue.objects.filter(pk=spare.pk)
    # Unused ones go, with their team, and the deletion is in the audit trail.
    assert admin.post(areas + "?rediger=tom", {"action": "delete"}).status_code == 302
    assert admin.post(queues + "?rediger=ekstra", {"action": "delete"}).status_code == 302
    assert not ServiceArea.objects.filter(pk=empty.pk).exists()
    assert not Queue.objects.filter(pk=spare.pk).exists()
    assert not QueueMember.objects.filter(queue_id=spare.pk).exists()
    for model, pk in (("servicearea", empty.pk), ("queue", spare.pk)):
        entry = AuditEntry.objects.filter(
            content_type__model=model, object_id=str(pk), action="delete"
        ).latest("pk")
        assert entry.actor_id == portal.world.admin.pk
