"""API: token auth, scoped reads, problem details with Danish messages, no write without rights."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from koncernservice.core import services
from koncernservice.core.models import AuditEntry, Employment, Person

pytestmark = pytest.mark.django_db


def token_client(user) -> Client:
    _token, raw = services.api_token_create(actor=user, user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def hire(client: Client, world, *, employee_number: str, weekly_hours: str, **person: str):
    """POST /api/people: a person with a first employment as a teacher at the school."""
    employment = {
        "unit_id": world.school.pk,
        "employee_number": employee_number,
        "position_title": "Lærer",
        "job_category": "Lærer",
        "weekly_hours": weekly_hours,
        "start_date": "2026-01-01",
    }
    return client.post(
        "/api/people", {**person, "employment": employment}, content_type="application/json"
    )


def test_openapi_schema_is_served(client) -> None:
    schema = client.get("/api/openapi.json").json()
    assert "/api/people" in schema["paths"]
    assert client.get("/api/docs").status_code == 200


def test_no_token_gives_problem_details_401(client, world) -> None:
    response = client.get("/api/people")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 401
    with translation.override("da"):
        assert body["title"] == translation.gettext("Log in or give a valid API token.")


def test_wrong_or_revoked_token_is_refused(world) -> None:
    assert (
        Client(headers={"Authorization": "Bearer ks_dead_beef"}).get("/api/people").status_code
        == 401
    )
    token, raw = services.api_token_create(actor=world.hr, user=world.hr, name="x")
    services.api_token_revoke(actor=world.hr, token=token)
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/people").status_code == 401


def test_people_are_scoped_and_cpr_masked(world) -> None:
    body = token_client(world.manager).get("/api/people").json()
    names = {p["last_name"] for p in body["items"]}
    assert "Lærer" in names and "Sygeplejerske" not in names
    teacher = next(p for p in body["items"] if p["last_name"] == "Lærer")
    assert teacher["cpr_masked"].endswith("-****")
    assert "cpr" not in teacher


def test_unit_outside_scope_is_404_problem(world) -> None:
    response = token_client(world.manager).get(f"/api/org/units/{world.nursing_home.pk}")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_user_without_roles_reads_nothing_and_writes_nothing(world) -> None:
    client = token_client(world.nobody)
    assert client.get("/api/people").json()["count"] == 0
    assert client.get("/api/org/units").json()["count"] == 0
    assert client.get(f"/api/people/{world.teacher.person.pk}").status_code == 404
    people, employments = Person.objects.count(), Employment.objects.count()
    response = hire(
        client,
        world,
        first_name="Ny",
        last_name="Person",
        cpr="0101902001",
        employee_number="N1",
        weekly_hours="37",
    )
    assert response.status_code == 404
    assert (Person.objects.count(), Employment.objects.count()) == (people, employments)


def test_hr_hires_through_api_and_it_is_audited(world) -> None:
    response = hire(
        token_client(world.hr),
        world,
        first_name="Ida",
        last_name="Ny",
        cpr="0101902002",
        employee_number="N2",
        weekly_hours="37",
    )
    assert response.status_code == 201, response.content
    person = Person.objects.get(cpr="0101902002")
    assert person.legal_sex == "F" and person.birth_date.isoformat() == "1990-01-01"
    entry = AuditEntry.objects.filter(object_repr="Ida Ny").get()
    assert entry.actor == world.hr


def test_bad_input_names_the_field_in_danish(world) -> None:
    response = hire(
        token_client(world.hr),
        world,
        first_name="Ida",
        last_name="Ny",
        cpr="3102901234",
        employee_number="N3",
        weekly_hours="90",
    )
    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    with translation.override("da"):
        assert errors["cpr"] == translation.gettext(
            "The CPR number does not contain a valid birth date."
        )
    assert not Person.objects.filter(first_name="Ida").exists()


def test_manager_cannot_end_employment(world) -> None:
    response = token_client(world.manager).post(
        f"/api/employments/{world.teacher.pk}/end",
        {"end_date": "2026-12-31"},
        content_type="application/json",
    )
    assert response.status_code == 403
    world.teacher.refresh_from_db()
    assert world.teacher.end_date is None


def test_schema_validation_error_is_problem_details(world) -> None:
    response = token_client(world.hr).post(
        f"/api/employments/{world.teacher.pk}/end",
        {"end_date": "not-a-date"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"]
