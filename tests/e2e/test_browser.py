"""End to end in Debian's Chromium through Playwright: a manager sees their own unit only."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Korrekt-hest-42"


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/")


def test_manager_sees_own_unit_and_gets_404_outside(live_server, live_world, page) -> None:
    base = live_server.url
    log_in(page, base, "leder")
    assert page.locator("html").get_attribute("lang") == "da"
    page.get_by_role("navigation", name="Hovedmenu").get_by_role(
        "link", name="Organisation"
    ).click()
    page.get_by_role("link", name="Husum Skole", exact=True).click()
    page.wait_for_url(f"{base}/organisation/{live_world.school.pk}/")
    table = page.get_by_role("table")
    assert table.get_by_role("link", name="Lars Lærer").is_visible()
    assert "Sofie" not in page.content()
    response = page.goto(f"{base}/organisation/{live_world.nursing_home.pk}/")
    assert response.status == 404
    assert "Sølund" not in page.content()


def test_keyboard_user_reaches_content_by_skip_link(live_server, live_world, page) -> None:
    log_in(page, live_server.url, "leder")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Gå til indhold"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_search_filters_the_employee_table(live_server, live_world, page) -> None:
    log_in(page, live_server.url, "leder")
    page.goto(f"{live_server.url}/organisation/{live_world.school.pk}/")
    page.get_by_label("Søg").fill("Mette")
    page.get_by_role("button", name="Søg").click()
    page.wait_for_url("**q=Mette**")
    rows = page.get_by_role("table").locator("tbody tr")
    assert rows.count() == 1
    assert "Mette Leder" in rows.first.text_content()


def test_demo_manager_sees_own_unit_and_nothing_outside(live_server, transactional_db, page):
    """The issue's check: the demo's `leder` logs in, sees their unit's employees, 404 outside."""
    from koncernservice.core.models import Employment, OrgUnit, User
    from koncernservice.demo.services import demo_build

    summary = demo_build(scale="0.002")
    password = summary.users[0].password
    leader = User.objects.get(username="leder")
    unit = leader.role_assignments.get(role="manager").unit
    colleague = Employment.objects.filter(unit=unit, is_manager=False).select_related("person")[0]
    outside = OrgUnit.objects.exclude(path__startswith=unit.path).filter(depth=3).first()

    base = live_server.url
    page.goto(f"{base}/login/")
    page.get_by_label("Brugernavn").fill("leder")
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{base}/")
    page.get_by_role("link", name=unit.name).first.click()
    page.wait_for_url(f"{base}/organisation/{unit.pk}/")
    table = page.get_by_role("table")
    assert table.get_by_role("link", name=colleague.person.full_name).first.is_visible()
    response = page.goto(f"{base}/organisation/{outside.pk}/")
    assert response.status == 404
    assert outside.name not in page.content()
