"""Who may request a service: besides the audience (all employees or managers), a service
can be limited to units: then only employees of those units and the units below them see it
in the catalogue, its form, the API's service list, and may create a case with it."""

from __future__ import annotations

import pytest
from django.http import Http404

from koncernservice.core.audit import AuditEntry
from koncernservice.core.errors import DomainError
from koncernservice.portal import selectors, services
from koncernservice.portal.models import Case, Service
from tests.factories import make_user

from .test_views import GOOD, client_for, make_case

pytestmark = pytest.mark.django_db


def limit(portal, service: Service, *units) -> None:
    services.service_update(
        actor=portal.world.admin,
        service=Service.objects.get(pk=service.pk),
        requester_units=[unit.pk for unit in units],
    )


@pytest.fixture
def nurse(portal):
    """An employee of the health administration (SUF), not of BUF."""
    return make_user("sygeplejerske", person=portal.world.nurse.person)


def test_a_service_limited_to_an_administration_is_offered_only_there(portal, nurse) -> None:
    limit(portal, portal.salary, portal.world.buf)
    teacher = portal.world.employee  # employed at Husum Skole, below BUF
    page = client_for(teacher).get("/portal/").content.decode()
    assert "Fejl i lønnen" in page
    assert client_for(teacher).get("/portal/ny/loen-fejl/").status_code == 200
    assert make_case(portal).service == portal.salary
    assert [s["code"] for s in client_for(teacher).get("/api/portal/services").json()] == [
        "loen-fejl"
    ]

    assert "Fejl i lønnen" not in client_for(nurse).get("/portal/").content.decode()
    assert client_for(nurse).get("/portal/ny/loen-fejl/").status_code == 404
    assert client_for(nurse).get("/api/portal/services").json() == []
    before = Case.objects.count()
    with pytest.raises(DomainError) as refused:
        make_case(portal, user=nurse)
    assert refused.value.status == 403
    response = client_for(nurse).post(
        "/api/portal/cases",
        {"service": "loen-fejl", "title": "Løn", "answers": GOOD},
        content_type="application/json",
    )
    assert response.status_code in (403, 404)
    assert Case.objects.count() == before


def test_units_below_count_and_units_above_do_not(portal) -> None:
    teacher = portal.world.employee
    limit(portal, portal.salary, portal.world.school)  # the teacher's own unit
    assert selectors.may_request(teacher, selectors.service_get(user=teacher, code="loen-fejl"))
    limit(portal, portal.salary, portal.world.classroom)  # a unit below the teacher's
    with pytest.raises(Http404):
        selectors.service_get(user=teacher, code="loen-fejl")
    limit(portal, portal.salary, portal.world.classroom, portal.world.buf)  # either will do
    assert selectors.service_get(user=teacher, code="loen-fejl").code == "loen-fejl"
    limit(portal, portal.salary)  # none: everyone the audience allows
    assert selectors.services_for(user=teacher).filter(code="loen-fejl").exists()


def test_the_audience_still_applies_within_the_units(portal) -> None:
    limit(portal, portal.dismissal, portal.world.buf)
    codes = {s.code for s in selectors.services_for(user=portal.world.manager)}
    assert "afsked" in codes  # a manager at Husum Skole
    assert "afsked" not in {s.code for s in selectors.services_for(user=portal.world.employee)}


def test_admin_page_limits_names_unknown_units_and_clears(portal) -> None:
    client = client_for(portal.world.admin)
    url = "/portal/katalog/loen-fejl/"
    page = client.get(url).content.decode()
    assert 'name="requester_units"' in page and "Kun medarbejdere i" in page
    data = {
        "name": "Fejl i lønnen",
        "audience": "all",
        "default_queue": "loen",
        "first_response_hours": "8",
        "resolution_hours": "16",
        "retention_days": "1825",
        "is_active": "1",
        "fields": '[{"name": "month", "type": "date", "label": "Måned", "required": true}]',
    }
    bad = client.post(url, {**data, "requester_units": ["999999"], "name": "Andet navn"})
    assert bad.status_code == 400 and "Ukendt enhed: 999999" in bad.content.decode()
    portal.salary.refresh_from_db()
    assert portal.salary.name == "Fejl i lønnen" and not portal.salary.requester_units.exists()

    assert client.post(url, {**data, "requester_units": [portal.world.buf.pk]}).status_code == 302
    assert list(portal.salary.requester_units.all()) == [portal.world.buf]
    event = AuditEntry.objects.filter(event="portal.service_requester_units").latest("id")
    assert event.changes == {"before": [], "after": [portal.world.buf.pk]}
    assert client.post(url, data).status_code == 302  # nothing chosen: the limit is lifted
    assert not portal.salary.requester_units.exists()
    for user in (portal.caseworker, portal.world.employee):
        response = client_for(user).post(url, {**data, "requester_units": [portal.world.suf.pk]})
        assert response.status_code == 403
    assert not portal.salary.requester_units.exists()
