"""HR API: agreements, pay tables, placement, pay (scoped), annual pay, recruitment to hire."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from koncernservice.hr import services
from koncernservice.hr.models import Application
from tests.core.test_api import token_client
from tests.hr.conftest import SYSTEM

pytestmark = pytest.mark.django_db


def post(client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_agreements_and_paytable(world, agreements) -> None:
    client = token_client(world.employee)
    data = client.get("/api/hr/agreements").json()
    hk = next(a for a in data if a["code"] == "hk-kontor")
    assert [v["version"] for v in hk["versions"]] == ["OK21", "OK24", "OK26"]
    table = client.get("/api/hr/agreements/hk-kontor/paytable?on=2025-01-01").json()
    step21 = next(r for r in table if r["step"] == 21 and r["area_group"] == "1")
    assert step21["monthly"] == "27418.69"
    assert client.get("/api/hr/agreements/ukendt/paytable").status_code == 404


def test_compute_placement_needs_the_right_and_explains(world, agreements) -> None:
    body = {
        "agreement": "socialraadgivere",
        "job_category": "socialraadgiver",
        "start_date": "2025-08-01",
        "education": ["diplom"],
        "periods": [
            {"employer": "Gentofte", "start": "2017-08-01", "end": "2025-07-31"},
        ],
        "overrides": {},
    }
    assert post(token_client(world.manager), "/api/hr/placements/compute", body).status_code == 403
    response = post(token_client(world.hr), "/api/hr/placements/compute", body)
    assert response.status_code == 200, response.content
    data = response.json()
    # 8 years → step 37 (39,240.69) + diplom 8,000 × 1.285 / 12 = 856.67 → 40,097.36
    assert (data["pay_step"], data["monthly"]) == (37, "40097.36")
    assert data["lines"][0]["code"] == "seniority"
    bad = post(token_client(world.hr), "/api/hr/placements/compute", {**body, "job_category": "x"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "job_category"


def test_employment_pay_is_scoped(world, agreements) -> None:
    services.placement_save(
        actor=SYSTEM,
        employment=world.teacher,
        data={"agreement": "laerere", "job_category": "laerer", "start_date": "2025-01-01"},
    )
    own = token_client(world.employee).get(f"/api/hr/employments/{world.teacher.pk}/pay")
    assert own.status_code == 200 and own.json()["pay_step"] == 31
    # on a date under OK24: 322,050 × 1.285 / 12 = 34,486.19 + 3,000 × 1.285 / 12 = 321.25
    then = (
        token_client(world.employee)
        .get(f"/api/hr/employments/{world.teacher.pk}/pay?on=2025-06-01")
        .json()
    )
    assert then["monthly"] == "34807.44"
    assert then["hourly"] == "217.10"
    assert (
        token_client(world.employee).get(f"/api/hr/employments/{world.nurse.pk}/pay").status_code
        == 404
    )
    assert (
        token_client(world.nobody).get(f"/api/hr/employments/{world.teacher.pk}/pay").status_code
        == 404
    )
    annual = token_client(world.manager).get("/api/hr/annual-pay?year=2026").json()
    assert [row["employment_id"] for row in annual] == [world.teacher.pk]
    assert token_client(world.nobody).get("/api/hr/annual-pay?year=2026").json() == []


def test_recruitment_to_hire_through_the_api(world, agreements) -> None:
    manager, hr = token_client(world.manager), token_client(world.hr)
    created = post(
        manager,
        "/api/hr/requisitions",
        {
            "unit_id": world.school.pk,
            "title": "Lærer",
            "agreement": "laerere",
            "job_category": "laerer",
            "weekly_hours": "37",
            "annual_budget": "500000",
        },
    )
    assert created.status_code == 201, created.content
    requisition_id = created.json()["id"]
    assert (
        post(
            manager, f"/api/hr/requisitions/{requisition_id}/decision", {"approve": True}
        ).status_code
        == 403
    )
    assert (
        post(hr, f"/api/hr/requisitions/{requisition_id}/decision", {"approve": True}).json()[
            "state"
        ]
        == "approved"
    )
    posting = post(
        hr,
        "/api/hr/postings",
        {
            "requisition_id": requisition_id,
            "title": "Lærer",
            "description": "Tekst",
            "pay_min": "34000",
            "pay_max": "38000",
            "deadline": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
            "publish": True,
        },
    )
    assert posting.status_code == 201 and posting.json()["state"] == "published"
    posting_id = posting.json()["id"]
    from koncernservice.hr.models import JobPosting

    application = services.application_submit(
        posting=JobPosting.objects.get(pk=posting_id),
        first_name="Ida",
        last_name="Holm",
        email="ida@example.org",
        cv_text="jan. 2016 – dec. 2023: Lærer, Valby Skole, 37 timer/uge\n",
    )
    listed = manager.get(f"/api/hr/postings/{posting_id}/applications").json()
    assert [a["id"] for a in listed] == [application.pk]
    assert (
        token_client(world.nobody).get(f"/api/hr/postings/{posting_id}/applications").status_code
        == 404
    )
    moved = post(manager, f"/api/hr/applications/{application.pk}/stage", {"stage": "offer"})
    assert moved.status_code == 400  # received → offer is not a move
    post(manager, f"/api/hr/applications/{application.pk}/stage", {"stage": "screening"})
    post(manager, f"/api/hr/applications/{application.pk}/stage", {"stage": "offer"})
    draft = post(hr, f"/api/hr/applications/{application.pk}/extract", {"use_model": False}).json()
    assert draft["extraction_source"] == "rules" and draft["items"][0]["confirmed"] is False
    items = [dict(i, confirmed=True) for i in draft["items"]]
    placed = post(
        hr,
        f"/api/hr/applications/{application.pk}/placement",
        {"items": items, "start_date": "2026-08-01"},
    ).json()
    assert placed["result"]["placement"]["pay_step"] == 35  # 8 years
    hired = post(
        hr,
        f"/api/hr/applications/{application.pk}/hire",
        {"cpr": "0101901234", "start_date": "2026-08-01"},
    )
    assert hired.status_code == 201, hired.content
    assert hired.json()["pay_step"] == 35
    assert Application.objects.get().stage == "hired"
