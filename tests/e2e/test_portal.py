"""The service portal end to end in Chromium: an employee asks, a caseworker answers, and a
confidential case stays invisible to an administrator outside its team."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from koncernservice.portal import services
from koncernservice.portal.models import Case
from tests.portal.conftest import build_portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Korrekt-hest-42"


def session(browser, base: str, username: str):
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")
    return page


def test_employee_asks_caseworker_answers_survey_answered(live_server, live_world, browser):
    portal = build_portal(live_world)
    services.article_save(
        actor=live_world.admin,
        slug="laes-loenseddel",
        title="Sådan læser du lønsedlen",
        body="Lønsedlen viser **grundløn** og tillæg.",
    )
    base = live_server.url
    employee = session(browser, base, "laerer")
    employee.get_by_role("navigation", name="Hovedmenu").get_by_role(
        "link", name="Serviceportal"
    ).click()
    employee.get_by_role("link", name="Fejl i lønnen").click()
    employee.get_by_label("Emne").fill("Fejl på lønsedlen")
    # A suggested article appears while typing (htmx).
    suggestion = employee.locator("#suggestions").get_by_role(
        "link", name="Sådan læser du lønsedlen"
    )
    suggestion.wait_for()
    employee.get_by_role("button", name="Opret sag").click()
    alert = employee.get_by_role("alert")
    assert "Sagen blev ikke oprettet" in alert.text_content()
    assert "Dette felt er påkrævet." in employee.content()
    assert employee.get_by_label("Emne").input_value() == "Fejl på lønsedlen"
    employee.get_by_label("Lønmåned").fill("01-03-2026")
    employee.get_by_label("Hvad er forkert?").select_option("løn")
    employee.get_by_role("button", name="Opret sag").click()
    employee.wait_for_url(re.compile(r".*/portal/sager/KS-\d{4}-\d{6}/$"))
    case = Case.objects.get()
    assert case.number in employee.get_by_role("heading", level=1).text_content()

    worker = session(browser, base, portal.caseworker.username)
    worker.goto(f"{base}/portal/koeer/loen/")
    row = worker.get_by_role("row").filter(has_text=case.number)
    assert re.search(r"\d+ (t|d) \d+ (m|t)", row.text_content())  # the SLA countdown
    row.get_by_role("link", name=case.number).click()
    worker.get_by_label("Intern note").check()
    worker.get_by_label("Tekst").fill("Tjek tillæg i SD-løn")
    worker.get_by_role("button", name="Send", exact=True).click()
    worker.get_by_label("Svar til anmoder").check()
    worker.get_by_label("Tekst").fill("Vi har rettet lønnen; kommer med næste udbetaling.")
    worker.get_by_role("button", name="Send", exact=True).click()
    assert "Tjek tillæg i SD-løn" in worker.content()

    employee.reload()
    assert "Vi har rettet lønnen" in employee.content()
    assert "Tjek tillæg i SD-løn" not in employee.content()
    employee.get_by_label("Tekst").fill("Tak, det ser rigtigt ud nu.")
    employee.get_by_role("button", name="Send", exact=True).click()
    assert "Svaret er sendt." in employee.content()

    worker.reload()
    assert "Tak, det ser rigtigt ud nu." in worker.content()
    worker.get_by_label("Ny status").select_option("resolved")
    worker.get_by_role("button", name="Skift status").click()
    assert worker.locator("#case-state").text_content() == "Løst"

    employee.reload()
    employee.get_by_label("5", exact=True).check()
    employee.get_by_label("Kommentar").fill("Hurtig hjælp")
    employee.get_by_role("button", name="Send svar").click()
    assert "Tak for dit svar." in employee.content()
    case.refresh_from_db()
    assert case.state == "resolved" and case.satisfaction == 5


def test_confidential_case_is_invisible_to_an_admin_outside_the_team(
    live_server, live_world, browser
):
    portal = build_portal(live_world)
    secret = services.case_create(
        actor=live_world.manager,
        service=portal.dismissal,
        title="Afskedigelse af Lars Lærer",
        answers={},
    )
    base = live_server.url
    admin = session(browser, base, "admin")
    for path in (
        f"/portal/sager/{secret.number}/",
        "/portal/koeer/jura/",
        f"/api/portal/cases/{secret.number}",
    ):
        response = admin.goto(base + path)
        assert response.status == 404, path
        assert "Afskedigelse" not in admin.content()
    for path in (
        "/portal/koeer/",
        f"/portal/soeg/?q={secret.number}",
        "/portal/soeg/?q=afskedigelse",
        "/api/portal/cases",
    ):
        admin.goto(base + path)
        assert "Afskedigelse" not in admin.content(), path
        assert f"/sager/{secret.number}/" not in admin.content(), path
    # The team sees it.
    lawyer = session(browser, base, portal.lawyer.username)
    lawyer.goto(f"{base}/portal/sager/{secret.number}/")
    assert "Afskedigelse af Lars Lærer" in lawyer.get_by_role("heading", level=1).text_content()


def test_caseworker_remaps_a_shortcut_key(live_server, live_world, browser):
    """WCAG 2.1.4: single-key shortcuts can be turned off or remapped. The caseworker puts
    "next case" on "n" (kept with the account: another browser has it too), a key used
    twice or "?" is refused with a message, and the standard keys come back."""
    portal = build_portal(live_world)
    case = services.case_create(
        actor=live_world.employee,
        service=portal.salary,
        title="Første sag",
        answers={"month": "01-03-2026", "kind": "løn"},
    )
    page = session(browser, live_server.url, "sagsbehandler")
    page.goto(f"{live_server.url}/portal/koeer/loen/")
    page.locator("#shortcuts-help summary").click()
    page.get_by_label("Næste sag").fill("k")  # already "previous case"
    page.get_by_role("button", name="Gem taster").click()
    assert (
        "Hver tast kan kun bruges til én ting: k"
        in page.locator("#shortcut-keys-status").text_content()
    )
    page.get_by_label("Næste sag").fill("?")
    page.get_by_role("button", name="Gem taster").click()
    assert "Skriv én tast" in page.locator("#shortcut-keys-status").text_content()
    page.get_by_label("Næste sag").fill("n")
    page.get_by_role("button", name="Gem taster").click()
    expect(page.locator("#shortcut-keys-status")).to_contain_text("gemt på din konto")
    page.reload()
    assert page.locator('kbd[data-shortcut="next"]').text_content() == "n"
    page.locator("body").click()
    page.keyboard.press("j")  # no longer a shortcut
    assert page.evaluate("document.activeElement.closest('#table-region') === null")
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.textContent") == case.number
    # Another browser (a fresh context, signed in anew) has the same keys.
    elsewhere = session(browser, live_server.url, "sagsbehandler")
    elsewhere.goto(f"{live_server.url}/portal/koeer/loen/")
    assert elsewhere.locator('kbd[data-shortcut="next"]').text_content() == "n"
    elsewhere.context.close()
    page.locator("#shortcuts-help summary").click()
    page.get_by_role("button", name="Standardtaster").click()
    expect(page.locator("#shortcut-keys-status")).to_contain_text("Standardtasterne")
    assert page.locator('kbd[data-shortcut="next"]').text_content() == "j"


def test_caseworker_uses_keyboard_shortcuts_and_bulk_state(live_server, live_world, browser):
    portal = build_portal(live_world)
    first = services.case_create(
        actor=live_world.employee,
        service=portal.salary,
        title="Første sag",
        answers={"month": "01-03-2026", "kind": "løn"},
    )
    second = services.case_create(
        actor=live_world.employee,
        service=portal.salary,
        title="Anden sag",
        answers={"month": "01-03-2026", "kind": "løn"},
    )
    page = session(browser, live_server.url, "sagsbehandler")
    page.goto(f"{live_server.url}/portal/koeer/loen/")
    # j focuses the first case link, x selects it, j moves on, x selects the second.
    page.locator("body").click()
    page.keyboard.press("j")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused in (first.number, second.number)
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert page.locator("input[name=cases]:checked").count() == 2
    # ? opens the documented list of shortcuts.
    page.keyboard.press("?")
    assert page.locator("#shortcuts-help").get_attribute("open") is not None
    page.get_by_label("Skift status for valgte til").select_option("in_progress")
    page.get_by_role("button", name="Skift status", exact=True).click()
    page.wait_for_url(re.compile(r".*/portal/koeer/loen/$"))
    assert "2 sager ændret." in page.content()
    assert set(Case.objects.values_list("state", flat=True)) == {"in_progress"}
    # Turned off, the keys do nothing.
    page.locator("#shortcuts-help summary").click()
    page.get_by_label("Slå tastaturgenveje fra").check()
    page.locator("body").click()
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.closest('#table-region') === null")
    # On the case page, r puts the focus in the reply text.
    page.goto(f"{live_server.url}/portal/sager/{first.number}/")
    page.locator("#shortcuts-help summary").click()
    page.get_by_label("Slå tastaturgenveje fra").uncheck()
    page.locator("body").click()
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reply-body"
