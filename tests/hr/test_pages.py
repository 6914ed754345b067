"""HR pages: access (404 outside scope), self-service, the careers page without login, feeds."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from koncernservice.hr import services
from koncernservice.hr.models import Application, JobCategory, JobPosting, Requisition
from tests.hr.conftest import SYSTEM
from tests.hr.test_recruitment import apply, offer


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def posting(world, agreements) -> JobPosting:
    req = services.requisition_create(
        actor=world.manager,
        unit=world.school,
        title="Lærer",
        job_category=JobCategory.objects.get(code="laerer"),
        weekly_hours=37,
        annual_budget=500000,
    )
    services.requisition_decide(actor=world.hr, requisition=req, approve=True)
    p = services.posting_create(
        actor=world.hr,
        requisition=req,
        title="Lærer til 3. klasse",
        description="Engageret lærer søges.",
        pay_min=34000,
        pay_max=38000,
        deadline=timezone.localdate() + dt.timedelta(days=10),
    )
    return services.posting_publish(actor=world.hr, posting=p)


def test_my_pay_shows_own_agreement_step_and_history(client, world, agreements) -> None:
    services.placement_save(
        actor=SYSTEM,
        employment=world.teacher,
        data={"agreement": "laerere", "job_category": "laerer", "start_date": "2025-01-01"},
    )
    response = login(client, world.employee).get(reverse("hr:my_pay"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Lærere i folkeskolen" in text and "OK24" in text
    # the employee cannot see another employee's pay; the manager can see the school's
    assert client.get(reverse("hr:employment_pay", args=[world.nurse.pk])).status_code == 404
    assert client.get(reverse("hr:unit_pay")).status_code == 404
    login(client, world.manager)
    assert client.get(reverse("hr:employment_pay", args=[world.teacher.pk])).status_code == 200
    assert client.get(reverse("hr:employment_pay", args=[world.nurse.pk])).status_code == 404
    page = client.get(reverse("hr:unit_pay")).content.decode()
    assert "Lars Lærer" in page
    assert client.get(reverse("hr:unit_pay") + "?export=xlsx")["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )


def test_agreements_and_pay_table_pages(client, world, agreements) -> None:
    login(client, world.employee)
    assert "syntetiske tal" in client.get(reverse("hr:agreements")).content.decode().lower()
    version = agreements["hk-kontor"].versions.get(version="OK24")
    page = client.get(reverse("hr:paytable", args=[version.pk])).content.decode()
    assert "Kontorfuldmægtig" in page and "27418.69" in page.replace(",", ".")
    assert client.get(reverse("hr:paytable", args=[version.pk]) + "?export=xlsx").status_code == 200


def test_careers_page_and_apply_without_login(client, world, posting) -> None:
    page = client.get(reverse("hr:careers")).content.decode()
    assert "Lærer til 3. klasse" in page and "34000" in page.replace(".", "")
    detail = client.get(reverse("hr:career", args=[posting.public_key])).content.decode()
    assert "Lærere i folkeskolen" in detail and "løn" in detail.lower()
    assert "Vi spørger ikke om din nuværende eller tidligere løn." in detail
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("hr:career", args=[posting.public_key]),
        {
            "first_name": "Ida",
            "last_name": "Holm",
            "email": "ida@example.org",
            "cv_text": "2016-2020 Lærer, Valby Skole",
            "documents": [SimpleUploadedFile("cv.pdf", b"%PDF-1.4 x", "application/pdf")],
        },
    )
    assert response.status_code == 302
    assert Application.objects.get().documents.count() == 1
    bad = client.post(
        reverse("hr:career", args=[posting.public_key]),
        {
            "first_name": "",
            "last_name": "X",
            "email": "x",
            "documents": [SimpleUploadedFile("a.exe", b"MZ")],
        },
    )
    assert bad.status_code == 200 and Application.objects.count() == 1
    # the JSON and RSS feeds
    feed = json.loads(client.get(reverse("hr:feed_json")).content)
    assert feed["items"][0]["title"] == "Lærer til 3. klasse"
    assert feed["items"][0]["_ks"]["pay_min"] == "34000.00"
    rss = client.get(reverse("hr:feed_rss"))
    assert rss["Content-Type"].startswith("application/rss+xml") and b"<item>" in rss.content
    # a draft or closed posting is not public
    services.posting_close(actor=world.hr, posting=posting)
    assert client.get(reverse("hr:career", args=[posting.public_key])).status_code == 404


def test_recruitment_pages_are_scoped(client, world, posting) -> None:
    application = apply(posting)
    login(client, world.nobody)
    assert client.get(reverse("hr:application", args=[application.pk])).status_code == 404
    assert client.get(reverse("hr:posting", args=[posting.pk])).status_code == 404
    assert client.get(reverse("hr:postings")).status_code == 404
    response = client.post(
        reverse("hr:application", args=[application.pk]), {"action": "stage:rejected"}
    )
    assert response.status_code == 404
    assert Application.objects.get().stage == "received"
    login(client, world.manager)
    assert client.get(reverse("hr:application", args=[application.pk])).status_code == 200


def test_application_page_flow_to_hire_and_letter(client, world, posting) -> None:
    application = offer(world, posting)
    login(client, world.hr)
    url = reverse("hr:application", args=[application.pk])
    client.post(url, {"action": "extract", "cv_text": application.cv_text})
    page = client.get(url).content.decode()
    assert "item-0-employer" in page and "rules" in page
    data = {"action": "confirm", "start_date": "2026-08-01", "area_group": "1"}
    for i in range(4):
        data[f"item-{i}-confirmed"] = "on"
    # fill the period fields as the form would send them
    draft = Application.objects.get().placement_draft
    for i, item in enumerate(draft.items):
        for key in ("employer", "title", "start", "end", "weekly_hours", "code"):
            if item.get(key) is not None:
                data[f"item-{i}-{key}"] = item[key]
        if item.get("relevant"):
            data[f"item-{i}-relevant"] = "on"
    client.post(url, data)
    page = client.get(url).content.decode()
    assert "placement-result" in page and "Løntrin" in page
    response = client.post(
        url, {"action": "hire", "cpr": "010190-1234", "start_date": "2026-08-01"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.stage == "hired"
    letter_url = reverse("hr:letter", args=[application.hire.pk])
    assert f'href="{letter_url}"' in client.get(url).content.decode()
    letter = client.get(letter_url)
    assert letter["Content-Type"] == "application/pdf" and letter.content.startswith(b"%PDF")
    login(client, world.manager)  # a manager cannot read the letter (HR hires) ...
    assert client.get(letter_url).status_code == 404
    page = client.get(url).content.decode()  # ... and is not offered a link to it
    assert application.hire.employment.employee_number in page
    assert f'href="{letter_url}"' not in page


def test_manager_requests_a_position_on_the_page(client, world, agreements) -> None:
    login(client, world.manager)
    page = client.get(reverse("hr:requisitions")).content.decode()
    assert "Husum Skole" in page
    category = JobCategory.objects.get(code="laerer")
    response = client.post(
        reverse("hr:requisitions"),
        {
            "unit": world.school.pk,
            "title": "Lærer",
            "job_category": category.pk,
            "weekly_hours": "37",
            "annual_budget": "500000",
        },
    )
    assert response.status_code == 302
    bad = client.post(
        reverse("hr:requisitions"),
        {
            "unit": world.nursing_home.pk,
            "title": "X",
            "job_category": category.pk,
            "weekly_hours": "37",
            "annual_budget": "1",
        },
    )
    assert bad.status_code == 200 and "adgang" in bad.content.decode().lower()
    # A tampered form (not an id) is refused with the form's message, nothing stored.
    before = Requisition.objects.count()
    for garbage in ("abc", "99999999999999999999", "²"):
        bad = client.post(
            reverse("hr:requisitions"),
            {"unit": garbage, "title": "X", "job_category": garbage, "weekly_hours": "37"},
        )
        assert bad.status_code == 200 and "Vælg en enhed." in bad.content.decode()
    assert Requisition.objects.count() == before
