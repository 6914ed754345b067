"""Pay transparency API: compute, scoped indicators, own requests, flags, reports."""

from __future__ import annotations

import json

import pytest

from koncernservice.paygap import services
from tests.core.test_api import token_client
from tests.paygap.conftest import YEAR

pytestmark = pytest.mark.django_db


def post(client, url: str, body: dict | None = None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def test_compute_matches_the_cli(world) -> None:
    client = token_client(world.employee)
    rows = [
        ("W1", "F", "A", "200000", "0"),
        ("W2", "F", "A", "220000", "10000"),
        ("W3", "F", "B", "300000", "0"),
        ("W4", "F", "B", "330000", "20000"),
        ("M1", "M", "A", "240000", "0"),
        ("M2", "M", "A", "250000", "30000"),
        ("M3", "M", "B", "360000", "40000"),
        ("M4", "M", "B", "380000", "0"),
    ]
    body = {
        "workers": [
            {
                "employee": e,
                "sex": s,
                "category": c,
                "basic_pay": b,
                "complementary_pay": x,
                "hours": "1000",
            }
            for e, s, c, b, x in rows
        ]
    }
    response = post(client, "/api/paygap/compute", body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["mean_gap"], data["median_gap"]) == (16.92, 19.7)
    assert data["categories"]["B"] == {"basic_gap": 14.86, "complementary_gap": 50.0}
    body["workers"][1]["sex"] = "X"
    assert post(client, "/api/paygap/compute", body).status_code == 422
    body["workers"][1]["sex"] = "F"
    body["workers"][1]["employee"] = "W1"
    bad = post(client, "/api/paygap/compute", body)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "workers[1].employee"


def test_indicators_are_scoped(paid) -> None:
    world = paid.world
    hr = token_client(world.hr)
    data = hr.get(f"/api/paygap/units/{world.buf.pk}/indicators?year={YEAR}").json()
    assert data["mean_gap"] == 8.89
    manager = token_client(world.manager)
    assert (
        manager.get(f"/api/paygap/units/{world.root.pk}/indicators?year={YEAR}").status_code == 404
    )
    nobody = token_client(world.nobody)
    assert (
        nobody.get(f"/api/paygap/units/{world.school.pk}/indicators?year={YEAR}").status_code == 404
    )


def test_own_pay_and_request(paid) -> None:
    world = paid.world
    employee = world.employee
    employee.person = paid.teachers[1].person
    employee.save()
    client = token_client(employee)
    pay = client.get("/api/paygap/me/pay").json()
    assert pay == [
        {
            "year": YEAR,
            "employee": paid.teachers[1].employee_number,
            "category": "OK24 Lærere / Lærer / 5-8",
            "basic_pay": 440000.0,
            "complementary_pay": 20000.0,
            "hours": 1600.0,
            "hourly": 287.5,
        }
    ]
    created = post(client, "/api/paygap/me/requests")
    assert created.status_code == 201, created.content
    assert created.json()["answer"]["mean_hourly"] == {"F": "256.25", "M": "281.25"}
    assert len(client.get("/api/paygap/me/requests").json()) == 1
    assert token_client(world.hr).get("/api/paygap/me/requests").json() == []


def test_flags_and_report(paid) -> None:
    world = paid.world
    services.flags_refresh(actor=world.hr, entity=world.root, year=YEAR)
    report = services.report_prepare(actor=world.hr, entity=world.root, year=YEAR)
    hr = token_client(world.hr)
    assert [f["gap"] for f in hr.get("/api/paygap/flags").json()] == ["8.89"]
    assert hr.get(f"/api/paygap/reports/{report.pk}").json()["sections"][0]["mean_gap"] == "5.19"
    nobody = token_client(world.nobody)
    assert nobody.get("/api/paygap/flags").json() == []
    assert nobody.get(f"/api/paygap/reports/{report.pk}").status_code == 404
