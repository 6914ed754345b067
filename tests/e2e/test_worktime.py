"""End to end in Chromium: an employee registers a week by keyboard, the manager approves it,
HR closes the month and exports it for payroll."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from koncernservice.worktime.models import PeriodApproval, TimeEntry
from tests.e2e.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def first_monday_of_last_month() -> dt.date:
    first = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return first + dt.timedelta(days=(7 - first.weekday()) % 7)


def log_out(page) -> None:
    page.get_by_role("button", name="Log ud").click()


def test_week_by_keyboard_approval_and_payroll(live_server, live_world, page) -> None:
    base = live_server.url
    monday = first_monday_of_last_month()
    log_in(page, base, "laerer")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role(
        "link", name="Tidsregistrering"
    ).click()
    page.goto(f"{base}/worktime/?date={monday.isoformat()}")
    assert page.get_by_label("Start", exact=False).first.input_value() == "08:00"  # schedule

    # Monday an evening shift, Tuesday an early one (8 hours of rest), typed by keyboard.
    for field, value in (
        ("start_0", "1400"),
        ("end_0", "2200"),
        ("start_1", "0600"),
        ("end_1", "1400"),
    ):
        page.locator(f"#{field}").focus()
        page.keyboard.press("Control+a")
        page.keyboard.type(value)
    # Wednesday: sick all day (no times).
    page.locator("#kind_2").select_option("sickness")
    for field in ("start_2", "end_2"):
        page.locator(f"#{field}").focus()
        page.keyboard.press("Control+a")
        page.keyboard.press("Delete")
    page.locator("#reason").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("status").first.text_content().strip() == "Ugen er gemt."
    entries = {e.date: e for e in TimeEntry.objects.filter(employment=live_world.teacher)}
    assert (entries[monday].start, entries[monday].end) == (dt.time(14), dt.time(22))
    assert entries[monday + dt.timedelta(days=1)].start == dt.time(6)
    assert entries[monday + dt.timedelta(days=2)].kind == "sickness"
    assert "Daglig hviletid under 11 timer" in page.content()

    page.get_by_role("link", name="Feriesaldo").first.click()
    assert page.get_by_role("heading", name="Feriesaldo").is_visible()
    assert page.get_by_role("table").first.is_visible()
    log_out(page)

    # The manager sees the violation flagged and approves the month.
    log_in(page, base, "leder")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Godkend tid").click()
    page.goto(f"{base}/worktime/enheder/{live_world.school.pk}/?month={monday:%Y-%m}")
    row = page.get_by_role("row").filter(has_text="Lars Lærer")
    assert "⚠ 1" in row.text_content()
    row.get_by_role("checkbox").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Godkend de valgte for måneden").click()
    assert PeriodApproval.objects.filter(employment=live_world.teacher).exists()
    log_out(page)

    # HR closes the month and downloads the payroll export.
    log_in(page, base, "hr")
    page.goto(f"{base}/worktime/enheder/{live_world.school.pk}/?month={monday:%Y-%m}")
    with page.expect_navigation():
        page.get_by_role("button", name="Afslut måneden til løn").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="Løneksport (CSV)").click()
    content = Path(info.value.path()).read_text(encoding="utf-8")
    assert content.startswith("employee_number,name,unit_code,month")
    assert live_world.teacher.employee_number in content
