"""End to end in Chromium: a manager requests a position, HR approves it and publishes it with
a pay range, an applicant applies on the public careers page without logging in, the team
moves the application to an offer, the caseworker pastes the CV text, confirms the extracted
periods, sees the placement with its explanation, and the hire creates the employment and the
PDF employment letter."""

from __future__ import annotations

import pytest

from koncernservice.core.models import Employment
from koncernservice.hr.models import Application, Hire, Placement
from tests.e2e.test_browser import log_in
from tests.hr.conftest import load_agreements

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CV = (
    "jan. 2016 – dec. 2019: Lærer, Valby Skole, 37 timer/uge\n"
    "01.01.2020-30.06.2023 Lærer hos Husum Skole (deltid 30 t)\n"
    "2011–2015 Læreruddannelsen, professionsbachelor\n"
)


def log_out(page) -> None:
    page.get_by_role("button", name="Log ud").click()


def test_request_post_apply_offer_place_and_hire(live_server, live_world, page) -> None:
    base = live_server.url
    load_agreements()

    # 1. The manager requests a position for the school.
    log_in(page, base, "leder")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role(
        "link", name="Rekruttering"
    ).click()
    page.locator("summary", has_text="Anmod om en stilling").click()  # the form is folded
    page.get_by_label("Enhed").select_option(label="Husum Skole")
    page.get_by_label("Stillingsbetegnelse").fill("Lærer til indskolingen")
    page.get_by_label("Overenskomst og stillingskategori").select_option(
        label="Lærere i folkeskolen (DLF) – Lærer"
    )
    page.get_by_label("Årligt budget (kr.)").fill("520.000")
    page.get_by_role("button", name="Send anmodningen til HR").click()
    assert page.locator("#requisition-state").text_content() == "Afventer godkendelse"
    request_url = page.url
    log_out(page)

    # 2. HR approves and publishes it with the pay range and the agreement.
    log_in(page, base, "hr")
    page.goto(request_url)
    page.get_by_role("button", name="Godkend").click()
    assert page.locator("#requisition-state").text_content() == "Godkendt"
    page.get_by_label("Beskrivelse").fill("Vi søger en engageret lærer til indskolingen.")
    assert page.get_by_label("Månedsløn fra (kr.)").input_value()  # prefilled from the table
    page.get_by_label("Månedsløn fra (kr.)").fill("35000")
    page.get_by_label("Månedsløn op til (kr.)").fill("39000")
    page.get_by_role("button", name="Opret opslag").click()
    assert page.locator("#posting-state").text_content() == "Offentliggjort"
    posting_url = page.url
    log_out(page)

    # 3. An applicant applies on the public careers page, not logged in.
    page.goto(f"{base}/hr/karriere/")
    page.get_by_role("link", name="Lærer til indskolingen").click()
    assert "35000" in page.locator("#pay-range").text_content().replace(".", "")
    assert "Lærere i folkeskolen" in page.content()
    page.get_by_label("Fornavn").fill("Ida")
    page.get_by_label("Efternavn").fill("Holm")
    page.get_by_label("E-mail").fill("ida@example.org")
    page.get_by_label("CV (ansættelser").fill(CV)
    page.get_by_label("Bilag").set_input_files(
        files=[{"name": "cv.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 cv"}]
    )
    page.get_by_role("button", name="Send ansøgning").click()
    assert page.get_by_role("heading", level=1).text_content() == "Tak for din ansøgning"
    application = Application.objects.get()
    assert application.documents.count() == 1

    # 4. The recruiting team (the manager) moves the application to an offer.
    log_in(page, base, "leder")
    page.goto(posting_url)
    page.get_by_role("link", name="Ida Holm").click()
    page.get_by_role("button", name="Screening").click()
    page.get_by_role("button", name="Tilbud").click()
    assert page.locator("#application-stage").text_content() == "Tilbud"
    application_url = page.url
    log_out(page)

    # 5. The caseworker reads the CV, confirms each item and sees the placement explained.
    log_in(page, base, "hr")
    page.goto(application_url)
    page.get_by_label("CV- eller ansøgningstekst").fill(CV)
    page.get_by_role("button", name="Læs perioderne ud af teksten").click()
    assert page.locator("#extraction-source").text_content() == "rules"
    boxes = page.locator("#confirm-form input[name$='-confirmed']")
    assert boxes.count() == 3
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.get_by_role("button", name="Beregn indplaceringen ud fra de bekræftede punkter").click()
    result = page.locator("#placement-result")
    # 4 years + 3.5 years of relevant teaching (part-time counts fully) = 7 → step 33
    assert "løntrin 33" in result.locator("caption").text_content()
    assert result.get_by_role("rowheader", name="Anciennitet").count() == 1
    assert "Valby Skole" in result.text_content()  # the input the rule used

    # 6. The hire: person, employment, placement and the PDF letter.
    page.get_by_label("CPR-nummer").fill("010190-1234")
    page.get_by_role("button", name="Ansæt og skriv ansættelsesbrevet").click()
    assert page.get_by_role("status").first.text_content().strip().startswith("Ansat.")
    hire = Hire.objects.get()
    employment = Employment.objects.get(pk=hire.employment_id)
    assert (employment.person.first_name, employment.unit.name) == ("Ida", "Husum Skole")
    assert Placement.objects.get(employment=employment).pay_step == 33
    href = page.locator("#letter-link").get_attribute("href")
    pdf = page.request.get(f"{base}{href}")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
