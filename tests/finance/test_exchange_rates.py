"""Exchange rates: Danmarks Nationalbank's file imported in one transaction, the rate of a
posting date (latest on or before it, at most 7 days old), and postings in DKK: a foreign
invoice at its posting date's rate, its payment at the payment date's, the difference on
the exchange-difference account."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from koncernservice.core.errors import DomainError
from koncernservice.core.system import system_operator
from koncernservice.finance import ledger, rules, services
from koncernservice.finance.models import (
    ExchangeRate,
    Invoice,
    JournalLine,
    Payment,
    PaymentRun,
    Supplier,
)
from koncernservice.finance.xmlgen import PartySpec
from tests.core.test_import import run
from tests.finance.ap import spec_for
from tests.finance.test_payments import _camt_v4, approved
from tests.finance.test_xmlgen import SWEDISH

SYSTEM = system_operator()
FRIDAY = dt.date(2026, 11, 27)
SATURDAY = dt.date(2026, 11, 28)

XML_EN = b"""<?xml version="1.0" encoding="UTF-8"?>
<exchangerates type="Exchange rates" author="Danmarks Nationalbank" refcur="DKK" refamt="1">
  <dailyrates id="2026-11-27">
    <currency code="EUR" desc="Euro" rate="746.08"/>
    <currency code="USD" desc="US dollars" rate="644.51"/>
    <currency code="JPY" desc="Japanese yen" rate="4.2826"/>
    <currency code="ISK" desc="Icelandic kronur" rate="-"/>
  </dailyrates>
</exchangerates>
"""
XML_DA = (
    XML_EN.replace(b"746.08", b"746,08").replace(b"644.51", b"644,51").replace(b"4.2826", b"4,2826")
)


def _published(*pairs: tuple[dt.date, str]) -> list[rules.PublishedRate]:
    return [rules.PublishedRate(on, Decimal(rate)) for on, rate in pairs]


# --- The rule ---------------------------------------------------------------------------------


def test_the_rate_of_a_day_is_the_latest_published_on_or_before_it() -> None:
    published = _published((FRIDAY - dt.timedelta(days=1), "745.90"), (FRIDAY, "746.08"))
    assert rules.rate_for("EUR", FRIDAY, published) == Decimal("746.08")
    assert rules.rate_for("EUR", SATURDAY, published) == Decimal("746.08")  # Friday's
    assert rules.rate_for("EUR", FRIDAY - dt.timedelta(days=1), published) == Decimal("745.90")
    assert rules.rate_for("DKK", SATURDAY, []) == rules.rate_for("", SATURDAY, []) == 100
    # seven days old is still used, eight is refused (the setting's default)
    assert rules.rate_for("EUR", FRIDAY + dt.timedelta(days=7), published) == Decimal("746.08")
    with pytest.raises(rules.RateMissing) as old:
        rules.rate_for("EUR", FRIDAY + dt.timedelta(days=8), published)
    assert (old.value.currency, old.value.latest) == ("EUR", FRIDAY)
    with pytest.raises(rules.RateMissing) as none:
        rules.rate_for("SEK", SATURDAY, published[:0])
    assert (none.value.currency, none.value.on, none.value.latest) == ("SEK", SATURDAY, None)
    with pytest.raises(rules.RateMissing):  # a later rate is never used for an earlier day
        rules.rate_for("EUR", FRIDAY - dt.timedelta(days=2), published)


def test_conversion_rounds_to_ore_half_up() -> None:
    assert rules.to_dkk(Decimal("1000.00"), Decimal("746.08")) == Decimal("7460.80")
    assert rules.to_dkk(Decimal("575.00"), Decimal("746.11")) == Decimal("4290.13")  # .1325
    assert rules.to_dkk(Decimal("0.05"), Decimal("10")) == Decimal("0.01")  # 0.005 up
    assert rules.to_dkk(Decimal("-0.05"), Decimal("10")) == Decimal("-0.01")  # away from 0
    assert rules.to_dkk(Decimal("12.34"), rules.PER) == Decimal("12.34")


# --- Import -----------------------------------------------------------------------------------


def test_nationalbank_xml_in_english_and_danish_is_imported_once(db, tmp_path) -> None:
    result = services.rates_import(actor=SYSTEM, data=XML_EN, filename="valuta.xml")
    assert (result["created"], result["updated"], result["unchanged"]) == (3, 0, 0)
    assert result["skipped"] == ["ISK 2026-11-27"]  # quoted without a rate
    stored = dict(ExchangeRate.objects.values_list("currency", "rate"))
    assert stored == {
        "EUR": Decimal("746.08"),
        "USD": Decimal("644.51"),
        "JPY": Decimal("4.2826"),
    }
    again = services.rates_import(actor=SYSTEM, data=XML_DA, filename="valutakurser.xml")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert "allerede indlæst" in services.rates_import_summary(again)
    changed = services.rates_import(
        actor=SYSTEM, data=XML_DA.replace(b"746,08", b"746,10"), filename="valutakurser.xml"
    )
    assert (changed["created"], changed["updated"], changed["unchanged"]) == (0, 1, 2)
    assert ExchangeRate.objects.get(currency="EUR").rate == Decimal("746.10")
    assert ExchangeRate.objects.count() == 3


def test_csv_with_decimal_comma_and_header(db) -> None:
    data = "dato;valuta;kurs\n2026-11-26;EUR;745,90\n2026-11-27;EUR;746.08\n\n"
    data += "2026-11-27;SEK;68,52\n"
    result = services.rates_import(actor=SYSTEM, data=data.encode(), filename="kurser.csv")
    assert result["created"] == 3 and result["currencies"] == ["EUR", "SEK"]
    assert ExchangeRate.objects.get(currency="SEK").rate == Decimal("68.52")


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        (b"<exchangerates><dailyrates id='2026-11-27'>\n<currency code='EUR' rate='1'>", 2, "XML"),
        (XML_EN.replace(b'code="USD"', b'code="US"'), 5, "Ukendt valutakode US"),
        (XML_EN.replace(b"644.51", b"0"), 5, "over 0"),
        (XML_EN.replace(b"644.51", b"-644.51"), 5, "over 0"),
        (XML_EN.replace(b"2026-11-27", b"2099-01-02"), 4, "uden for det tilladte"),
        (b"2026-11-27;EUR;746,08\n2026-11-27;eur;746,08\n", 2, "Ukendt valutakode eur"),
        (b"2026-11-27;EUR;746,08\n27.11.2026;USD;644,51\n", 2, "ÅÅÅÅ-MM-DD"),
        (b"2026-11-27;EUR;746,08\n2026-11-27;USD\n", 2, "tre felter"),
        (b"2026-11-27;EUR;746,08\n2026-11-27;EUR;747,00\n", 2, "to gange"),
    ],
)
def test_bad_rate_files_are_named_by_line_and_change_nothing(db, data, line, words) -> None:
    ExchangeRate.objects.create(currency="EUR", date=FRIDAY, rate=Decimal("700.00"))
    with pytest.raises(DomainError) as caught:
        services.rates_import(actor=SYSTEM, data=data, filename="kurser.fil")
    messages = [str(e) for e in caught.value.errors]
    assert any(m.startswith(f"kurser.fil, række {line}: ") and words in m for m in messages), (
        messages
    )
    # the good lines of the same file were not stored either
    assert list(ExchangeRate.objects.values_list("currency", "rate")) == [
        ("EUR", Decimal("700.00"))
    ]


def test_only_who_may_post_imports_rates(ap, tmp_path) -> None:
    with pytest.raises(DomainError) as caught:
        services.rates_import(actor=ap.world.manager, data=XML_EN, filename="valuta.xml")
    assert caught.value.status == 403
    path = tmp_path / "valuta.xml"
    path.write_bytes(XML_EN)
    code, _out, err = run("rates", "import", str(path), "--as", ap.world.manager.username)
    assert code == 3 and "adgang" in err
    assert ExchangeRate.objects.count() == 0
    code, out, _err = run("rates", "import", str(path), "--as", ap.finance.username, "--json")
    assert code == 0 and json.loads(out)[0]["created"] == 3
    code, out, _err = run("rates", "import", str(path), "--as", ap.finance.username)
    assert code == 0 and "0 nye, 0 ændrede og 3 uændrede" in out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"2026-11-27;EUR;0\n")
    code, _out, err = run("rates", "import", str(bad), "--as", ap.finance.username)
    assert code == 2 and "bad.csv, række 1" in err
    code, out, _err = run("rates", "list", "--currency", "eur", "--as", ap.finance.username)
    assert out.strip() == "2026-11-27 EUR 746.0800"


# --- Posting in DKK ---------------------------------------------------------------------------


def _journal(invoice: Invoice, batch: int | None = None) -> dict[str, Decimal]:
    lines = JournalLine.objects.filter(invoice=invoice)
    if batch is not None:
        lines = lines.filter(batch_id=batch)
    return {row["account"]: row["s"] for row in lines.values("account").annotate(s=Sum("amount"))}


def test_a_eur_invoice_is_posted_in_dkk_and_paid_with_an_exchange_difference(ap, client) -> None:
    """575.00 EUR (400 + 60 + 115 VAT) posted at 746.11: every line converted (the øre of
    rounding the lines on 95590), then paid at 750.00: the payable is cleared at 746.11,
    the bank credited at 750.00, the loss of 22.37 DKK on the exchange-difference account."""
    today = timezone.localdate()
    posted_on = today - dt.timedelta(days=3)
    invoice = approved(ap, due_date=today, payment="iban", iban="DE89370400440532013000")
    dkk = approved(ap, due_date=today + dt.timedelta(days=30))
    Invoice.objects.filter(pk=invoice.pk).update(currency="EUR")
    ExchangeRate.objects.create(currency="EUR", date=posted_on, rate=Decimal("746.11"))
    result = services.invoices_post(actor=SYSTEM, on=posted_on)
    assert (result["invoices"], result["unposted"]) == (2, [])
    assert _journal(invoice) == {
        "22110": Decimal("3432.11"),  # 400 → 2,984.44 and 60 → 447.67
        "90180": Decimal("858.03"),  # 115 × 7.4611 = 858.0265
        "95580": Decimal("-4290.13"),  # 575 × 7.4611 = 4,290.1325
        "95590": Decimal("-0.01"),  # the lines rounded one by one come to 4,290.14
    }
    originals = dict(
        JournalLine.objects.filter(invoice=invoice)
        .values("account")
        .annotate(s=Sum("currency_amount"))
        .values_list("account", "s")
    )
    assert originals == {
        "22110": Decimal("460.00"),
        "90180": Decimal("115.00"),
        "95580": Decimal("-575.00"),
        "95590": Decimal("0.00"),
    }
    assert set(JournalLine.objects.filter(invoice=invoice).values_list("currency", flat=True)) == {
        "EUR"
    }
    assert Invoice.objects.get(pk=invoice.pk).exchange_rate == Decimal("746.11")
    client.force_login(ap.finance)
    page = client.get(f"/finans/faktura/{invoice.pk}/").content.decode()
    assert "4.290,13 DKK (kurs 746,1100 kr. pr. 100 EUR)" in page
    # the DKK invoice is posted exactly as before, at 100
    assert _journal(dkk) == {
        "22110": Decimal("460.00"),
        "90180": Decimal("115.00"),
        "95580": Decimal("-575.00"),
    }
    assert Invoice.objects.get(pk=dkk.pk).exchange_rate == 100

    ExchangeRate.objects.create(currency="EUR", date=today, rate=Decimal("750.00"))
    run_id = services.payment_proposal(actor=SYSTEM, until=today)["run"]
    services.payment_file(actor=SYSTEM, run=PaymentRun.objects.get(pk=run_id))
    payment = Payment.objects.get(invoice=invoice)
    reconciled = services.payments_reconcile(
        actor=SYSTEM, data=_camt_v4(payment.end_to_end_id, "4312.50", instructed="575.00")
    )
    assert reconciled["paid"] == 1
    paid = _journal(invoice, reconciled["posting_batch"])
    assert paid == {
        "95580": Decimal("4290.13"),  # the payable as it was posted
        "82205": Decimal("-4337.50"),  # 575 × 7.50 = 4,312.50 and the charges of 25.00
        ledger.EXCHANGE_DIFFERENCE_ACCOUNT: Decimal("22.37"),  # a loss: debit
        "64551": Decimal("25.00"),
    }
    assert _journal(invoice)["95580"] == 0  # nothing owed in DKK either
    assert sum(JournalLine.objects.values_list("amount", flat=True)) == 0


def test_a_reverse_charge_invoice_posts_the_danish_vat_the_municipality_owes(ap, client) -> None:
    """A Swedish supplier's 460.00 SEK without VAT (category AE, momslovens § 46): posted at
    64.37 the payable is 296.10 DKK, and the buyer's 25 % of the DKK base, 296.10 × 25 % =
    74.025 → 74.03, is posted as input VAT (90180, debit) and as VAT owed (90181, credit)."""
    posted_on = timezone.localdate() - dt.timedelta(days=1)
    Supplier.objects.create(
        name=SWEDISH.name,
        endpoint_id=SWEDISH.legal_id,
        endpoint_scheme=SWEDISH.legal_scheme,
        vat_number=SWEDISH.vat_number,
        iban="SE4550000000058398257466",
        status=Supplier.Status.APPROVED,
    )
    invoice = approved(
        ap,
        supplier=SWEDISH,
        buyer=PartySpec(name="Skole", gln=ap.world.school.gln, vat_number="DK64942212"),
        currency="SEK",
        payment="iban",
        iban="SE4550000000058398257466",
        bic="ESSESESS",
        vat_category="AE",
    )
    assert (invoice.vat_amount, invoice.reverse_charge_base) == (0, Decimal("460.00"))
    assert invoice.reverse_charge_vat == Decimal("115.00")
    ExchangeRate.objects.create(currency="SEK", date=posted_on, rate=Decimal("64.37"))
    assert services.invoices_post(actor=SYSTEM, on=posted_on)["invoices"] == 1
    assert _journal(invoice) == {
        "22110": Decimal("296.10"),  # 400 → 257.48 and 60 → 38.62
        "90180": Decimal("74.03"),
        "90181": Decimal("-74.03"),
        "95580": Decimal("-296.10"),  # 460 × 0.6437 = 296.102
    }
    originals = dict(
        JournalLine.objects.filter(invoice=invoice)
        .values("account")
        .annotate(s=Sum("currency_amount"))
        .values_list("account", "s")
    )
    assert (originals["90180"], originals["90181"]) == (Decimal("115.00"), Decimal("-115.00"))
    client.force_login(ap.finance)
    page = client.get(f"/finans/faktura/{invoice.pk}/").content.decode()
    assert "Moms ved omvendt betalingspligt" in page and "115,00 SEK" in page
    api = client.get(f"/api/finance/invoices/{invoice.pk}").json()
    assert (api["vat_amount"], api["reverse_charge_base"]) == ("0.00", "460.00")


def test_the_bank_side_is_what_the_bank_booked_in_dkk(ap) -> None:
    """The bank's file says what the EUR transfer cost on the DKK account (4,320.00 for
    EUR 575.00, its own rate and margin): the bank is credited that, not 575 × 7.50 at the
    published rate, and the exchange difference is 4,320.00 − 4,290.13 = 29.87."""
    today = timezone.localdate()
    posted_on = today - dt.timedelta(days=3)
    invoice = approved(ap, due_date=today, payment="iban", iban="DE89370400440532013000")
    Invoice.objects.filter(pk=invoice.pk).update(currency="EUR")
    ExchangeRate.objects.create(currency="EUR", date=posted_on, rate=Decimal("746.11"))
    ExchangeRate.objects.create(currency="EUR", date=today, rate=Decimal("750.00"))
    services.invoices_post(actor=SYSTEM, on=posted_on)
    run_id = services.payment_proposal(actor=SYSTEM, until=today)["run"]
    services.payment_file(actor=SYSTEM, run=PaymentRun.objects.get(pk=run_id))
    payment = Payment.objects.get(invoice=invoice)
    reconciled = services.payments_reconcile(
        actor=SYSTEM, data=_camt_v4(payment.end_to_end_id, "4320.00", instructed="575.00")
    )
    assert reconciled["paid"] == 1
    assert Payment.objects.get(pk=payment.pk).bank_amount_dkk == Decimal("4320.00")
    assert _journal(invoice, reconciled["posting_batch"]) == {
        "95580": Decimal("4290.13"),
        "82205": Decimal("-4345.00"),  # 4,320.00 booked and the charges of 25.00
        ledger.EXCHANGE_DIFFERENCE_ACCOUNT: Decimal("29.87"),
        "64551": Decimal("25.00"),
    }
    assert sum(JournalLine.objects.values_list("amount", flat=True)) == 0


def test_a_foreign_invoice_paid_in_parts_leaves_no_ore_on_its_payable(ap) -> None:
    """EUR 575.00 posted at 746.11 is a payable of 4,290.13 DKK. Paid EUR 0.10 first
    (0.746 → 0.75) and EUR 574.90 later (4,289.386 → 4,289.39), the two parts converted one
    by one would clear 4,290.14, one øre too much. The payment that completes the invoice
    clears what is left in DKK instead (4,289.38); the difference to the bank's side goes to
    the exchange-difference account, so the invoice owes nothing in DKK either."""
    today = timezone.localdate()
    posted_on = today - dt.timedelta(days=3)
    invoice = approved(ap, due_date=today, payment="iban", iban="DE89370400440532013000")
    Invoice.objects.filter(pk=invoice.pk).update(currency="EUR")
    for on in (posted_on, today):
        ExchangeRate.objects.create(currency="EUR", date=on, rate=Decimal("746.11"))
    services.invoices_post(actor=SYSTEM, on=posted_on)
    assert _journal(invoice)["95580"] == Decimal("-4290.13")
    for part, booked in (("0.10", "0.75"), ("574.90", "4289.39")):  # the bank at 746.11
        run_id = services.payment_proposal(actor=SYSTEM, until=today)["run"]
        services.payment_file(actor=SYSTEM, run=PaymentRun.objects.get(pk=run_id))
        payment = Payment.objects.get(invoice=invoice, run_id=run_id)
        services.payments_reconcile(
            actor=SYSTEM, data=_camt_v4(payment.end_to_end_id, booked, instructed=part)
        )
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID
    payable = JournalLine.objects.filter(invoice=invoice, account="95580")
    assert sum(payable.values_list("amount", flat=True)) == 0  # each line in øre
    last = payable.latest("id")
    assert (last.amount, last.currency_amount) == (Decimal("4289.38"), Decimal("574.90"))
    assert sum(JournalLine.objects.values_list("amount", flat=True)) == 0


def test_only_a_foreign_payment_booked_in_dkk_has_a_bank_amount_in_dkk() -> None:
    booked = rules.booked_in_dkk
    assert booked(
        currency="EUR", booked=Decimal("4320"), booked_currency="DKK", paid=Decimal("575")
    ) == Decimal("4320")
    assert (
        booked(currency="EUR", booked=Decimal("575"), booked_currency="EUR", paid=Decimal("575"))
        is None
    )
    assert (
        booked(currency="DKK", booked=Decimal("575"), booked_currency="DKK", paid=Decimal("575"))
        is None
    )
    assert booked(currency="EUR", booked=Decimal("4320"), booked_currency="DKK", paid=None) is None


def test_a_saturday_posting_uses_fridays_rate(ap) -> None:
    invoice = approved(ap)
    Invoice.objects.filter(pk=invoice.pk).update(currency="EUR")
    ExchangeRate.objects.create(currency="EUR", date=FRIDAY, rate=Decimal("746.08"))
    services.invoices_post(actor=SYSTEM, on=SATURDAY)
    assert _journal(invoice)["95580"] == Decimal("-4289.96")  # 575 × 7.4608


def test_invoices_without_a_rate_are_left_unposted_and_named(ap) -> None:
    """A missing (or too old) EUR rate holds up the EUR invoices only: the DKK ones post."""
    eur = approved(ap)
    old = approved(ap)
    dkk = approved(ap)
    Invoice.objects.filter(pk=eur.pk).update(currency="EUR")
    Invoice.objects.filter(pk=old.pk).update(currency="SEK")
    ExchangeRate.objects.create(currency="SEK", date=FRIDAY, rate=Decimal("68.52"))
    result = services.invoices_post(actor=SYSTEM, on=FRIDAY + dt.timedelta(days=8))
    assert result["invoices"] == 1
    assert Invoice.objects.get(pk=dkk.pk).status == Invoice.Status.POSTED
    for pk in (eur.pk, old.pk):
        left = Invoice.objects.get(pk=pk)
        assert (left.status, left.posting_batch_id) == (Invoice.Status.APPROVED, None)
    assert not JournalLine.objects.filter(invoice__in=[eur, old]).exists()
    by_currency = {u["currency"]: u for u in result["unposted"]}
    assert by_currency["EUR"]["numbers"] == [eur.number]
    assert by_currency["EUR"]["message"].startswith(
        "Ingen valutakurs for EUR den 2026-12-05 eller før."
    )
    assert eur.number in by_currency["EUR"]["message"]
    assert "seneste er fra 2026-11-27, mere end 7 dage før" in by_currency["SEK"]["message"]
    # once the rate is imported, they post
    ExchangeRate.objects.create(currency="EUR", date=FRIDAY, rate=Decimal("746.08"))
    again = services.invoices_post(actor=SYSTEM, on=FRIDAY + dt.timedelta(days=3))
    assert (again["invoices"], again["unposted"]) == (2, [])


def test_a_payment_without_a_rate_refuses_the_reconciliation(ap) -> None:
    today = timezone.localdate()
    invoice = approved(ap, due_date=today, payment="iban", iban="DE89370400440532013000")
    Invoice.objects.filter(pk=invoice.pk).update(currency="EUR")
    posted_on = today - dt.timedelta(days=20)
    ExchangeRate.objects.create(currency="EUR", date=posted_on, rate=Decimal("746.08"))
    services.invoices_post(actor=SYSTEM, on=posted_on)
    run_id = services.payment_proposal(actor=SYSTEM, until=today)["run"]
    services.payment_file(actor=SYSTEM, run=PaymentRun.objects.get(pk=run_id))
    payment = Payment.objects.get(invoice=invoice)
    lines = JournalLine.objects.count()
    camt = _camt_v4(payment.end_to_end_id, "4312.50", instructed="575.00")
    with pytest.raises(DomainError) as caught:  # the latest EUR rate is 20 days old
        services.payments_reconcile(actor=SYSTEM, data=camt, filename="camt.xml")
    assert "EUR" in str(caught.value) and invoice.number in str(caught.value)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SENT
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.IN_PAYMENT
    assert JournalLine.objects.count() == lines


# --- The page ---------------------------------------------------------------------------------


@pytest.fixture
def rate_server():
    """A local stand-in for Danmarks Nationalbank: /kurser.xml answers the day's XML,
    /stort.xml more than 1 MB, anything else 404."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = {"/kurser.xml": XML_EN, "/stort.xml": b" " * 1_000_001}.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_the_days_rates_are_fetched_and_imported(ap, rate_server, settings) -> None:
    settings.FINANCE_EXCHANGE_RATES_URL = f"{rate_server}/kurser.xml"
    result = services.rates_fetch(actor=SYSTEM)
    assert (result["created"], result["currencies"]) == (3, ["EUR", "JPY", "USD"])
    assert ExchangeRate.objects.get(currency="EUR", date=FRIDAY).rate == Decimal("746.08")
    again = services.rates_fetch(actor=SYSTEM)
    assert (again["created"], again["unchanged"]) == (0, 3)


@pytest.mark.parametrize(
    ("path", "words"),
    [("/findes-ikke.xml", "Not Found"), ("/stort.xml", "større end 1 MB")],
)
def test_a_failed_download_is_named_and_changes_nothing(ap, rate_server, path, words) -> None:
    url = f"{rate_server}{path}"
    with pytest.raises(DomainError) as failed:
        services.rates_fetch(actor=SYSTEM, url=url)
    message = str(failed.value.errors[0].message)
    assert message.startswith(f"Valutakurserne kunne ikke hentes fra {url}") and words in message
    assert not ExchangeRate.objects.exists()


def test_fetching_needs_the_right_to_post_and_a_web_address(ap, rate_server) -> None:
    with pytest.raises(DomainError) as refused:
        services.rates_fetch(actor=ap.world.manager, url=f"{rate_server}/kurser.xml")
    assert refused.value.status == 403
    with pytest.raises(DomainError) as bad:
        services.rates_fetch(actor=SYSTEM, url="file:///etc/passwd")
    assert "skal begynde med https://" in str(bad.value.errors[0].message)
    assert not ExchangeRate.objects.exists()


def test_ks_rates_fetch(ap, rate_server) -> None:
    code, out, err = run("rates", "fetch", "--url", f"{rate_server}/kurser.xml", "--json")
    assert code == 0, err
    assert json.loads(out)["created"] == 3
    code, _out, err = run("rates", "fetch", "--url", f"{rate_server}/nej.xml")
    assert code == 2 and "kunne ikke hentes" in err


def test_rates_page_lists_filters_exports_and_imports_for_who_may_post(client, ap) -> None:
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    client.force_login(ap.world.nobody)
    assert client.get("/finans/valutakurser/").status_code == 403
    assert client.get("/finans/valutakurser/?export=xlsx").status_code == 403
    upload = SimpleUploadedFile("valuta.xml", XML_EN)
    assert client.post("/finans/valutakurser/", {"file": upload}).status_code == 403
    client.force_login(ap.world.manager)  # sees invoices, may not post: reads, no import
    page = client.get("/finans/valutakurser/").content.decode()
    assert "Valutakurser" in page and "Indlæs kurser" not in page
    upload = SimpleUploadedFile("valuta.xml", XML_EN)
    assert client.post("/finans/valutakurser/", {"file": upload}).status_code == 403
    assert ExchangeRate.objects.count() == 0

    client.force_login(ap.finance)
    upload = SimpleUploadedFile("valuta.xml", XML_DA)
    page = client.post("/finans/valutakurser/", {"file": upload}, follow=True).content.decode()
    assert "valuta.xml: 3 nye, 0 ændrede og 0 uændrede kurser" in page
    bad = SimpleUploadedFile("kurser.csv", b"2026-11-27;EURO;746,08\n")
    page = client.post("/finans/valutakurser/", {"file": bad}, follow=True).content.decode()
    assert "kurser.csv, række 1: Ukendt valutakode EURO" in page
    page = client.get("/finans/valutakurser/?valuta=EUR").content.decode()
    assert "EUR" in page and "USD" in page  # USD in the currency filter's choices
    assert page.count("<tr") == 2  # the header and EUR's one row
    export = client.get("/finans/valutakurser/?valuta=usd&export=xlsx")
    sheet = load_workbook(BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Dato", "Valuta", "Kurs (kr. pr. 100)")
    assert [row[1:3] for row in rows[1:]] == [("USD", 644.51)]


def test_a_credit_note_at_another_rate_is_settled_with_its_payment(ap) -> None:
    """EUR 575.00 invoice posted at 746.08, its EUR 500.00 credit note at 750.00, the EUR
    75.00 rest paid at 748.00: both payables end at zero in DKK; the exchange difference
    is 1.44 on the payment and 19.60 on the note: 21.04 DKK, what the 561.00 paid exceeds
    the 539.96 booked (4,289.96 − 3,750.00)."""
    today = timezone.localdate()
    invoice = approved(ap, due_date=today, payment="iban", iban="DE89370400440532013000")
    Invoice.objects.filter(pk=invoice.pk).update(currency="EUR")
    for days, rate in ((10, "746.08"), (3, "750.00"), (0, "748.00")):
        ExchangeRate.objects.create(
            currency="EUR", date=today - dt.timedelta(days=days), rate=Decimal(rate)
        )
    services.invoices_post(actor=SYSTEM, on=today - dt.timedelta(days=10))
    note_spec = spec_for(ap.world.school, credit_note=True, billing_reference=invoice.number)
    note = approved(
        ap, credit_note=True, billing_reference=invoice.number, lines=note_spec.lines[:1]
    )  # 10 × 40 + 25 % VAT = 500.00
    Invoice.objects.filter(pk=note.pk).update(currency="EUR")
    services.invoices_post(actor=SYSTEM, on=today - dt.timedelta(days=3))
    assert _journal(note)["95580"] == Decimal("3750.00")
    run_id = services.payment_proposal(actor=SYSTEM, until=today)["run"]
    services.payment_file(actor=SYSTEM, run=PaymentRun.objects.get(pk=run_id))
    payment = Payment.objects.get(invoice=invoice)
    assert payment.amount == Decimal("75.00")
    result = services.payments_reconcile(
        actor=SYSTEM, data=_camt_v4(payment.end_to_end_id, "561.00", instructed="75.00")
    )
    assert result["paid"] == 1
    assert _journal(invoice)["95580"] == _journal(note)["95580"] == 0
    differences = JournalLine.objects.filter(account=ledger.EXCHANGE_DIFFERENCE_ACCOUNT)
    assert sorted(differences.values_list("amount", flat=True)) == [
        Decimal("1.44"),  # 75 × (7.48 − 7.4608)
        Decimal("19.60"),  # 500 × (7.50 − 7.4608)
    ]
    assert _journal(invoice, result["posting_batch"])["82205"] == Decimal("-586.00")  # +25 fees
    assert sum(JournalLine.objects.values_list("amount", flat=True)) == 0


def test_rates_over_the_api(ap) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.core.test_api import token_client

    manager, finance = token_client(ap.world.manager), token_client(ap.finance)
    url = "/api/finance/exchange-rates"
    denied = manager.post(url, {"file": SimpleUploadedFile("valuta.xml", XML_EN)})
    assert denied.status_code == 403 and ExchangeRate.objects.count() == 0
    bad = finance.post(url, {"file": SimpleUploadedFile("k.csv", b"2026-11-27;EUR;-1\n")})
    assert bad.status_code == 400 and ExchangeRate.objects.count() == 0
    [error] = bad.json()["errors"]
    assert (error["source"], error["row"], error["code"]) == ("k.csv", 1, "rate_rate")
    assert error["message"].startswith("Kursen for EUR skal være over 0")
    made = finance.post(url, {"file": SimpleUploadedFile("valuta.xml", XML_EN)})
    assert made.status_code == 200, made.content
    assert (made.json()["created"], made.json()["skipped"]) == (3, ["ISK 2026-11-27"])
    rows = manager.get(url, {"currency": "eur"}).json()
    assert rows == [
        {"currency": "EUR", "date": "2026-11-27", "rate": "746.0800", "source": rows[0]["source"]}
    ]
    assert token_client(ap.world.nobody).get(url).json() == []
