"""Pages: indicators with charts, individual pay in scope, Art. 7 letter, flags, reports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from koncernservice.paygap import services
from koncernservice.paygap.models import AnnualReport, CategoryFlag, InfoRequest
from tests.paygap.conftest import CARER_CATEGORY, TEACHER_CATEGORY, YEAR

pytestmark = pytest.mark.django_db


def test_overview_and_unit_page_with_accessible_charts(client, paid) -> None:
    world = paid.world
    client.force_login(world.hr)
    page = client.get(reverse("paygap:home"))
    assert page.status_code == 200
    assert world.buf.name in page.content.decode()
    page = client.get(reverse("paygap:unit", args=[world.buf.pk]) + f"?year={YEAR}")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'role="img"' in html and "<title" in html
    assert "8,89 %" in html  # the teachers' mean gap, Danish format
    # SVG geometry is never localised (a decimal comma would break the drawing)
    import re

    widths = re.findall(r'<rect [^>]*width="([^"]+)"', html)
    assert widths and all(float(w) >= 0 for w in widths)
    export = client.get(reverse("paygap:unit", args=[world.buf.pk]) + f"?year={YEAR}&export=xlsx")
    assert export.status_code == 200 and export.content.startswith(b"PK")


def test_unit_page_is_404_outside_scope(client, paid) -> None:
    world = paid.world
    client.force_login(world.manager)  # manager of the school only
    assert client.get(reverse("paygap:unit", args=[world.school.pk])).status_code == 200
    assert client.get(reverse("paygap:unit", args=[world.root.pk])).status_code == 404
    assert client.get(reverse("paygap:unit", args=[world.nursing_home.pk])).status_code == 404
    client.force_login(world.nobody)
    assert client.get(reverse("paygap:home")).status_code == 302  # to their own page
    assert client.get(reverse("paygap:unit", args=[world.school.pk])).status_code == 404
    assert client.get(reverse("paygap:pay")).status_code == 404
    assert client.get(reverse("paygap:categories")).status_code == 404
    assert client.get(reverse("paygap:requests")).status_code == 404


def test_auditor_sees_the_statistics_without_a_link_to_individual_pay(client, paid) -> None:
    """The auditor role reads the gap statistics but not individual pay (404), so the
    overview does not offer the link; HR has both."""
    world = paid.world
    client.force_login(world.auditor)
    page = client.get(reverse("paygap:home") + f"?year={YEAR}")
    assert page.status_code == 200 and world.buf.name in page.content.decode()
    assert f'href="{reverse("paygap:pay")}"' not in page.content.decode()
    assert client.get(reverse("paygap:pay")).status_code == 404
    client.force_login(world.hr)
    page = client.get(reverse("paygap:home") + f"?year={YEAR}")
    assert f'href="{reverse("paygap:pay")}"' in page.content.decode()


def test_individual_pay_list_is_scoped(client, paid) -> None:
    world = paid.world
    client.force_login(world.manager)
    html = client.get(reverse("paygap:pay") + f"?year={YEAR}").content.decode()
    assert paid.teachers[0].employee_number in html
    assert paid.carers[0].employee_number not in html


def test_employee_asks_and_downloads_the_letter(client, paid) -> None:
    world = paid.world
    employee = world.employee
    employee.person = paid.teachers[0].person
    employee.save()
    client.force_login(employee)
    response = client.post(reverse("paygap:mine"))
    assert response.status_code == 302
    request = InfoRequest.objects.get()
    assert request.status == "answered"
    letter = client.get(reverse("paygap:letter", args=[request.pk]))
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    # another employee cannot open it
    client.force_login(world.nobody)
    assert client.get(reverse("paygap:letter", args=[request.pk])).status_code == 404


def test_flag_is_justified_on_the_page(client, paid) -> None:
    world = paid.world
    client.force_login(world.hr)
    client.post(reverse("paygap:flags"), {"year": YEAR})
    flag = CategoryFlag.objects.get()
    assert flag.category.name == TEACHER_CATEGORY
    page = client.get(reverse("paygap:flags"))
    assert "8,89 %" in page.content.decode()
    bad = client.post(
        reverse("paygap:flag", args=[flag.pk]), {"action": "justify", "justification": "kort"}
    )
    assert bad.status_code == 200 and 'role="alert"' in bad.content.decode()
    client.post(
        reverse("paygap:flag", args=[flag.pk]),
        {
            "action": "justify",
            "justification": "Anciennitet efter overenskomstens trin, kønsneutralt.",
        },
    )
    flag.refresh_from_db()
    assert flag.status == "justified"
    client.force_login(world.manager)  # school manager: flag of the municipality is not theirs
    assert client.get(reverse("paygap:flag", args=[flag.pk])).status_code == 404


def test_report_page_approve_and_downloads(client, paid) -> None:
    world = paid.world
    client.force_login(world.hr)
    response = client.post(reverse("paygap:reports"), {"unit": world.root.pk, "year": YEAR})
    report = AnnualReport.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("paygap:report", args=[report.pk])).content.decode()
    assert "5,19 %" in page and 'role="img"' in page
    assert client.get(reverse("paygap:report_pdf", args=[report.pk])).content.startswith(b"%PDF")
    assert client.get(reverse("paygap:report_xlsx", args=[report.pk])).content.startswith(b"PK")
    client.post(reverse("paygap:report", args=[report.pk]), {"action": "approve"})
    report.refresh_from_db()
    assert report.status == "draft"  # HR cannot approve
    client.force_login(world.admin)
    client.post(reverse("paygap:report", args=[report.pk]), {"action": "approve"})
    report.refresh_from_db()
    assert report.status == "approved" and report.approved_by == world.admin
    client.force_login(world.nobody)
    assert client.get(reverse("paygap:report", args=[report.pk])).status_code == 404


def test_category_page_records_evaluation(client, paid) -> None:
    from koncernservice.paygap.models import WorkerCategory

    category = WorkerCategory.objects.get(code=TEACHER_CATEGORY)
    client.force_login(paid.world.hr)
    assert client.get(reverse("paygap:categories")).status_code == 200
    client.post(
        reverse("paygap:category", args=[category.pk]),
        {
            "name": "Lærere",
            "skills": "a",
            "effort": "b",
            "responsibility": "c",
            "working_conditions": "d",
        },
    )
    category.refresh_from_db()
    assert category.name == "Lærere" and category.has_evaluation


def test_requests_page_shows_overdue(client, paid) -> None:
    world = paid.world
    employee = world.employee
    employee.person = world.nurse.person  # no pay data: stays open
    employee.save()
    services.info_request_create(actor=employee, today=dt.date(2020, 1, 1))
    client.force_login(world.hr)
    html = client.get(reverse("paygap:requests")).content.decode()
    assert world.nurse.person.full_name in html and "⚠" in html


def test_import_page_all_or_nothing(client, paid) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from koncernservice.paygap.models import PayRecord
    from tests.paygap.conftest import EXTRACT_HEADER

    number = paid.teachers[0].employee_number
    client.force_login(paid.world.hr)
    bad = SimpleUploadedFile(
        "loen.csv", (EXTRACT_HEADER + f"{number},1,0,10,A,1\nUKENDT,1,0,10,A,1\n").encode()
    )
    page = client.post(reverse("paygap:import"), {"file": bad, "year": "2024"})
    assert page.status_code == 200
    assert "række 3" in page.content.decode()
    assert not PayRecord.objects.filter(year=2024).exists()
    good = SimpleUploadedFile("loen.csv", (EXTRACT_HEADER + f"{number},1,0,10,A,1\n").encode())
    assert client.post(reverse("paygap:import"), {"file": good, "year": "2024"}).status_code == 302
    assert PayRecord.objects.filter(year=2024).count() == 1
    client.force_login(paid.world.manager)
    assert client.get(reverse("paygap:import")).status_code == 404


def test_hr_moves_a_worker_to_another_category_with_a_reason(client, paid) -> None:
    from koncernservice.core.models import AuditEntry
    from koncernservice.paygap.models import PayRecord, WorkerCategory

    world = paid.world
    record = PayRecord.objects.get(employment=paid.teachers[0], year=YEAR)
    carers = WorkerCategory.objects.get(name=CARER_CATEGORY)
    url = reverse("paygap:record_category", args=[record.pk])
    # Nobody, the manager (pay is visible, regrouping is not) and auditors: 404, nothing moved.
    for user in (world.nobody, world.manager, world.auditor):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"category": carers.pk, "reason": "x"}).status_code == 404
    assert PayRecord.objects.get(pk=record.pk).category.name == TEACHER_CATEGORY
    client.force_login(world.hr)
    assert (
        reverse("paygap:record_category", args=[record.pk])
        in client.get(
            reverse("paygap:pay") + f"?year={YEAR}&q={paid.teachers[0].employee_number}"
        ).content.decode()
    )
    # Without a reason: refused with the reason named, nothing moved.
    refused = client.post(url, {"category": carers.pk, "reason": " "})
    assert refused.status_code == 400
    assert PayRecord.objects.get(pk=record.pk).category.name == TEACHER_CATEGORY
    moved = client.post(url, {"category": carers.pk, "reason": "Jobevaluering 2025: samme niveau"})
    assert moved.status_code == 302
    assert PayRecord.objects.get(pk=record.pk).category == carers
    assert AuditEntry.objects.filter(
        object_id=str(record.pk), reason="Jobevaluering 2025: samme niveau"
    ).exists()
