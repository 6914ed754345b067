"""End to end in Chromium on the demo's pay: an employee asks for pay information and gets
the letter; HR sees the annual report with its charts, justifies a category flagged with a
gap of 5 % or more; management approves the report, which is then frozen."""

from __future__ import annotations

import pytest

from koncernservice.paygap import demo
from koncernservice.paygap.models import AnnualReport, CategoryFlag, InfoRequest
from tests.e2e.test_browser import log_in
from tests.paygap.conftest import hire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(page) -> None:
    page.get_by_role("button", name="Log ud").click()


def test_report_charts_letter_and_justified_flag(live_server, live_world, page, tmp_path) -> None:
    world = live_world
    for i in range(24):
        hire(world.school, female=i % 2 == 0, job="Ingeniør", number=f"I{i:03d}")
        hire(world.nursing_home, female=i % 2 == 0, job="Sygeplejerske", number=f"N{i:03d}")
    demo.build_demo(scale=1, seed=3)
    base = live_server.url

    # An employee asks for pay information (Art. 7) and opens the letter.
    log_in(page, base, "laerer")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role(
        "link", name="Løngennemsigtighed"
    ).click()
    page.get_by_role("button", name="Anmod om lønoplysninger").click()
    assert "brevet er klar" in page.get_by_role("status").first.text_content()
    link = page.get_by_role("link", name="Brev (PDF)")
    response = page.request.get(base + link.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    assert InfoRequest.objects.get().status == "answered"
    log_out(page)

    # HR: the annual report of the demo with its charts.
    log_in(page, base, "hr")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role(
        "link", name="Løngennemsigtighed"
    ).click()
    page.get_by_role("link", name="Årsrapporter").click()
    page.get_by_role("link", name="2025").click()
    assert (
        page.get_by_role("heading", level=1)
        .text_content()
        .startswith("Rapport om lønforskelle mellem kønnene 2025")
    )
    charts = page.get_by_role("img")
    assert charts.count() >= 2
    quartiles = page.locator("figure svg title").first.text_content()
    assert "Nederste: kvinder" in quartiles
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    pdf = page.request.get(base + page.get_by_role("link", name="PDF").get_attribute("href"))
    assert pdf.body().startswith(b"%PDF")

    # A category with a gap of 5 % or more is flagged, and HR justifies it.
    page.goto(f"{base}/loengennemsigtighed/flag/")
    flag = next(
        f
        for f in CategoryFlag.objects.filter(status="open")
        if f.category.job_category == "Ingeniør"
    )
    assert abs(flag.gap) >= 5
    page.get_by_role("link", name=flag.category.name).click()
    page.get_by_label("Objektiv, kønsneutral begrundelse").fill(
        "Funktionstillæg for projektledelse efter kønsneutrale kriterier."
    )
    page.get_by_role("button", name="Registrér begrundelsen").click()
    assert page.get_by_role("status").first.text_content().strip() == "Begrundelsen er registreret."
    flag.refresh_from_db()
    assert flag.status == "justified"
    log_out(page)

    # Management approves the report: frozen, with who and when.
    log_in(page, base, "admin")
    page.goto(f"{base}/loengennemsigtighed/rapporter/")
    page.get_by_role("link", name="2025").click()
    page.get_by_role("button", name="Godkend rapporten").click()
    assert "Godkendt og låst" in page.locator("main").text_content()
    report = AnnualReport.objects.get()
    assert report.status == "approved" and report.approved_by_label == "admin"
