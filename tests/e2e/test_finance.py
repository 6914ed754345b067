"""End to end in Chromium: an e-invoice dropped in the access point's inbox folder is
matched against its order (a price deviation), coded and attested by the unit's manager,
approved by another manager, posted and paid through the pain.001 file; a rejected one is
followed to the response sent back to the supplier."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from koncernservice.core.system import system_operator
from koncernservice.finance import services
from koncernservice.finance.models import Invoice, InvoiceResponse
from koncernservice.finance.xmlgen import PartySpec, render
from koncernservice.procurement import services as procurement
from koncernservice.procurement.services import LineInput
from tests.e2e.test_browser import log_in
from tests.finance.ap import BAD_CVR, ap_world, spec_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(page) -> None:
    page.get_by_role("button", name="Log ud").click()


def test_invoice_from_inbox_to_payment_file_and_rejection_response(
    live_server, live_world, page, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EINVOICE_OUTBOX_DIR = tmp_path / "outbox"
    settings.EINVOICE_INBOX_DIR = tmp_path / "inbox"
    ap = ap_world(live_world)
    base = live_server.url
    today = timezone.localdate()
    procurement.order_create(
        actor=system_operator(),
        number="PO-42",
        supplier_cvr=ap.supplier.cvr,
        supplier_name=ap.supplier.name,
        unit=live_world.school,
        ordered_on=today - dt.timedelta(days=10),
        requires_receipt=False,
        lines=[
            LineInput("1", "Printerpapir A4", "10", "38", "22110", "CC-HS"),
            LineInput("2", "Kuglepenne", "5", "12", "22110", "CC-HS"),
        ],
    )
    good = spec_for(
        live_world.school, order_reference="PO-42", due_date=today + dt.timedelta(days=2)
    )
    bad = spec_for(live_world.school, supplier=PartySpec(name="Fejl ApS", cvr=BAD_CVR))
    inbox = settings.EINVOICE_INBOX_DIR
    inbox.mkdir(parents=True)
    (inbox / "good.xml").write_bytes(render(good, "peppol"))
    (inbox / "bad.xml").write_bytes(render(bad, "oioubl"))
    result = services.inbox_process(actor=system_operator())  # the scheduled job
    assert (result["received"], result["rejected"]) == (1, 1)

    # The school's manager finds the invoice in the inbox: a price deviation from the order.
    log_in(page, base, "leder")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Fakturaer").click()
    page.get_by_role("link", name=good.number).click()
    assert page.locator("#invoice-status").text_content() == "Til kontering"
    assert "Afvigelse" in page.get_by_role("region", name="Matchning").text_content()
    assert "price" in page.get_by_role("region", name="Matchning").text_content()
    for field in page.get_by_label("Finanskonto", exact=False).all():
        field.fill("22110")
    page.get_by_role("button", name="Gem kontering").click()
    assert page.locator("#invoice-status").text_content() == "Til attestation"
    page.get_by_role("button", name="Attestér").click()
    assert page.locator("#invoice-status").text_content() == "Til godkendelse"
    page.get_by_role("button", name="Godkend").click()  # the same person: refused
    assert "kan ikke også godkende" in page.get_by_role("status").first.text_content()
    log_out(page)

    log_in(page, base, "leder2")
    invoice = Invoice.objects.get(number=good.number)
    page.goto(f"{base}/finans/faktura/{invoice.pk}/")
    page.get_by_role("button", name="Godkend").click()
    assert page.locator("#invoice-status").text_content() == "Godkendt"
    log_out(page)

    # Finance posts, proposes the payment and downloads the pain.001 file.
    log_in(page, base, "bogholder")
    page.goto(f"{base}/finans/betalinger/")
    page.get_by_role("button", name="Bogfør godkendte fakturaer").click()
    page.get_by_label("Fakturaer med forfald til og med").fill(
        (today + dt.timedelta(days=5)).isoformat()
    )
    page.get_by_role("button", name="Foreslå betalinger").click()
    assert "1 betalinger" in page.get_by_role("status").first.text_content()
    with page.expect_download() as download:
        page.get_by_role("link", name="pain.001-fil").first.click()
    pain = download.value.path().read_bytes()
    assert b"pain.001.001.03" in pain and good.number.encode() in pain
    assert b'<InstdAmt Ccy="DKK">' + f"{good.payable:.2f}".encode() in pain
    assert Invoice.objects.get(pk=invoice.pk).status == "in_payment"

    # The rejected invoice: in the queue per supplier, why in Danish, the response sent.
    page.goto(f"{base}/finans/afviste/")
    assert "Fejl ApS" in page.get_by_role("table").first.text_content()
    page.goto(f"{base}/finans/?queue=rejected")
    page.get_by_role("link", name=bad.number).click()
    assert "kontrolciffer" in page.get_by_role("region", name="Validering").text_content()
    with page.expect_download() as download:
        page.get_by_role("link", name="response-", exact=False).click()
    response = download.value.path().read_text()
    assert "ApplicationResponse" in response and "BusinessReject" in response
    stored = InvoiceResponse.objects.get(invoice__number=bad.number)
    assert (settings.EINVOICE_OUTBOX_DIR / stored.filename).read_text() == stored.content
    assert Decimal(Invoice.objects.get(pk=invoice.pk).payable_amount) == good.payable
