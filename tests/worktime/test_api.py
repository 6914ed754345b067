"""Time registration API: scoped reads and writes, problem details on bad input."""

from __future__ import annotations

import json

import pytest

from koncernservice.worktime.models import TimeEntry
from tests.core.test_api import token_client

pytestmark = pytest.mark.django_db


def put_days(client, employment_id: int, body: dict):
    return client.put(
        f"/api/worktime/employments/{employment_id}/entries",
        data=json.dumps(body),
        content_type="application/json",
    )


def test_employee_registers_and_reads_own_week(world) -> None:
    client = token_client(world.employee)
    body = {
        "entries": [
            {"date": "2026-03-02", "start": "14:00", "end": "22:00", "break_minutes": 30},
            {"date": "2026-03-03", "start": "06:00", "end": "14:00"},
            {"date": "2026-03-04", "kind": "sickness"},
        ]
    }
    response = put_days(client, world.teacher.pk, body)
    assert response.status_code == 200, response.content
    assert [e["minutes"] for e in response.json()] == [450, 480, 444]
    week = client.get(
        f"/api/worktime/employments/{world.teacher.pk}/entries?week_of=2026-03-04"
    ).json()
    assert [e["kind"] for e in week] == ["work", "work", "sickness"]
    balance = client.get(
        f"/api/worktime/employments/{world.teacher.pk}/balance?on=2025-12-01"
    ).json()
    assert balance["holiday"][0]["earned"] == "25.00"
    violations = token_client(world.manager).get(
        f"/api/worktime/units/{world.school.pk}/violations?month=2026-03"
    )
    assert [v["rule"] for v in violations.json()] == ["daily_rest_11h"]


def test_outside_scope_is_404_and_nothing_is_written(world) -> None:
    client = token_client(world.manager)
    assert (
        client.get(
            f"/api/worktime/employments/{world.nurse.pk}/entries?week_of=2026-03-02"
        ).status_code
        == 404
    )
    body = {"entries": [{"date": "2026-03-02", "start": "08:00", "end": "16:00"}]}
    assert put_days(client, world.teacher.pk, body).status_code == 404  # may view, not change
    assert (
        token_client(world.nobody)
        .get(f"/api/worktime/units/{world.school.pk}/violations?month=2026-03")
        .status_code
        == 404
    )
    assert TimeEntry.objects.count() == 0


def test_bad_entries_give_problem_details(world) -> None:
    client = token_client(world.employee)
    body = {"entries": [{"date": "2026-03-02", "start": "08:00"}]}
    response = put_days(client, world.teacher.pk, body)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "2026-03-02.0.end"
