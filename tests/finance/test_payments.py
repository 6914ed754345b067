"""Set-based posting to the double-entry journal, payment proposal by due date, pain.001,
reconciliation from camt.054/053 with partial and failed payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from koncernservice.core.errors import DomainError
from koncernservice.core.system import system_operator
from koncernservice.finance import iso20022, services
from koncernservice.finance.models import (
    ExchangeRate,
    Invoice,
    JournalLine,
    Payment,
    PaymentRun,
)
from koncernservice.finance.services import CodingInput
from tests.finance.ap import fik_id, ingest_spec, invoice_of, spec_for

SYSTEM = system_operator()
PAIN = {"p": iso20022.PAIN_NS}


def approved(ap, **changes) -> Invoice:
    invoice = invoice_of(ingest_spec(spec_for(ap.world.school, **changes)))
    services.invoice_code(
        actor=ap.world.manager,
        invoice=invoice,
        lines=[CodingInput(line.pk, "22110", "CC-HS") for line in invoice.lines.all()],
    )
    invoice.refresh_from_db()
    services.invoice_attest(actor=ap.world.manager, invoice=invoice)
    services.invoice_approve(actor=ap.manager2, invoice=invoice)
    invoice.refresh_from_db()
    return invoice


def test_posting_is_set_based_and_balances(ap) -> None:
    invoices = [approved(ap) for _ in range(3)]
    note = approved(ap, credit_note=True, billing_reference=invoices[0].number)
    with CaptureQueriesContext(connection) as queries:
        result = services.invoices_post(actor=SYSTEM, on=dt.date(2026, 1, 31))
    assert result["invoices"] == 4
    inserts = [
        q["sql"]
        for q in queries.captured_queries
        if "INSERT INTO" in q["sql"] and "journal" in q["sql"]
    ]
    # expense lines, adjustments, VAT, payable, reverse-charge VAT: one statement each
    assert len(inserts) == 5
    assert JournalLine.objects.aggregate(s=Sum("amount"))["s"] == 0
    lines = JournalLine.objects.filter(invoice=invoices[0])
    by_account = {
        row["account"]: row["s"] for row in lines.values("account").annotate(s=Sum("amount"))
    }
    assert by_account == {
        "22110": Decimal("460.00"),
        "90180": Decimal("115.00"),
        "95580": Decimal("-575.00"),
    }
    credit = {
        row["account"]: row["s"]
        for row in JournalLine.objects.filter(invoice=note)
        .values("account")
        .annotate(s=Sum("amount"))
    }
    assert credit == {
        "22110": Decimal("-460.00"),
        "90180": Decimal("-115.00"),
        "95580": Decimal("575.00"),
    }
    assert set(Invoice.objects.values_list("status", flat=True)) == {"posted"}
    assert services.invoices_post(actor=SYSTEM)["invoices"] == 0  # nothing twice


def test_proposal_file_and_reconciliation(ap) -> None:
    today = timezone.localdate()
    due = today + dt.timedelta(days=3)
    domestic = approved(ap, due_date=due)
    fik = approved(
        ap, due_date=due, payment="fik", fik_creditor="87654321", fik_payment_id=fik_id()
    )
    iban = approved(ap, due_date=due, payment="iban", iban="DK5000400440116243")
    later = approved(ap, due_date=today + dt.timedelta(days=40))
    held = approved(ap, due_date=due)
    services.invoice_hold(actor=ap.world.manager, invoice=held, on_hold=True, reason="Tvist")
    note = spec_for(ap.world.school, credit_note=True, billing_reference=domestic.number)
    note.lines = note.lines[:1]  # credit 10 x 40 + VAT = 500.00
    credit = approved(
        ap, **{k: getattr(note, k) for k in ("credit_note", "billing_reference", "lines")}
    )
    services.invoices_post(actor=SYSTEM)

    proposal = services.payment_proposal(actor=SYSTEM, until=today + dt.timedelta(days=5))
    assert proposal["payments"] == 3  # not the later one, not the held one
    assert proposal["by_method"] == {"domestic": 1, "fik": 1, "iban": 1}
    payments = {p.invoice_id: p for p in Payment.objects.all()}
    assert payments[domestic.pk].amount == Decimal("75.00")  # 575 - 500 credited
    assert payments[fik.pk].amount == Decimal("575.00")
    assert Invoice.objects.get(pk=credit.pk).status == Invoice.Status.IN_PAYMENT
    assert Invoice.objects.get(pk=later.pk).status == Invoice.Status.POSTED

    run = PaymentRun.objects.get(pk=proposal["run"])
    content = services.payment_file(actor=SYSTEM, run=run)
    doc = etree.fromstring(content)
    assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=PAIN) == "3"
    assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=PAIN) == "1225.00"
    fik_tx = doc.xpath("//p:CdtTrfTxInf[p:RmtInf/p:Strd]", namespaces=PAIN)[0]
    assert fik_tx.findtext("p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=PAIN) == "87654321"
    # Danish CGI appendix: card type and payment id as an SCOR reference, creditor as OCR
    assert fik_tx.findtext(".//p:CdtrRefInf/p:Ref", namespaces=PAIN) == f"71/{fik_id()}"
    assert fik_tx.findtext(".//p:CdtrRefInf/p:Tp/p:CdOrPrtry/p:Cd", namespaces=PAIN) == "SCOR"
    assert fik_tx.findtext("p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Prtry", namespaces=PAIN) == "OCR"
    assert fik_tx.find("p:RmtInf/p:Ustrd", namespaces=PAIN) is None  # card 71 has no message
    assert doc.find(".//p:LclInstrm", namespaces=PAIN) is None
    assert doc.xpath("//p:CdtrAcct/p:Id/p:IBAN/text()", namespaces=PAIN) == ["DK5000400440116243"]
    assert doc.xpath("//p:ClrSysMmbId/p:MmbId/text()", namespaces=PAIN) == ["1234"]
    assert set(Payment.objects.values_list("status", flat=True)) == {"sent"}

    camt = iso20022.build_camt054(
        message_id="BANK-1",
        created=timezone.now(),
        items=[
            (payments[domestic.pk].end_to_end_id, Decimal("75.00"), ""),
            (payments[fik.pk].end_to_end_id, Decimal("500.00"), ""),  # partly paid
            (payments[iban.pk].end_to_end_id, Decimal("575.00"), "AC04"),  # account closed
        ],
    )
    result = services.payments_reconcile(actor=SYSTEM, data=camt, filename="camt.xml")
    assert (result["paid"], result["partial"], result["failed"]) == (1, 1, 1)
    assert Invoice.objects.get(pk=domestic.pk).status == Invoice.Status.PAID
    assert Invoice.objects.get(pk=credit.pk).status == Invoice.Status.PAID
    partly = Invoice.objects.get(pk=fik.pk)
    assert partly.status == Invoice.Status.POSTED and partly.paid_amount == Decimal("500.00")
    failed = Invoice.objects.get(pk=iban.pk)
    assert failed.status == Invoice.Status.POSTED
    assert Payment.objects.get(invoice=iban).failure_reason == "AC04"
    # what the bank paid is posted: payable debited, bank credited (one batch for the file)
    payable = dict(
        JournalLine.objects.filter(account="95580")
        .values("invoice")
        .annotate(s=Sum("amount"))
        .values_list("invoice", "s")
    )
    assert payable[domestic.pk] + payable[credit.pk] == 0  # 575 owed, 500 credited, 75 paid
    assert payable[fik.pk] == Decimal("-75.00")  # 500 of 575 paid
    assert payable[iban.pk] == Decimal("-575.00")  # returned: still owed
    bank = JournalLine.objects.filter(account="82205", batch_id=result["posting_batch"])
    assert bank.aggregate(s=Sum("amount"))["s"] == Decimal("-575.00")  # 75 + 500 left the bank
    assert JournalLine.objects.aggregate(s=Sum("amount"))["s"] == 0
    # the next proposal pays the rest of the partly paid one and retries the failed one
    again = services.payment_proposal(actor=SYSTEM, until=today + dt.timedelta(days=5))
    amounts = {p.invoice_id: p.amount for p in Payment.objects.filter(run_id=again["run"])}
    assert amounts == {fik.pk: Decimal("75.00"), iban.pk: Decimal("575.00")}
    assert PaymentRun.objects.get(pk=run.pk).status == PaymentRun.Status.DONE


def test_camt053_statement_is_read_too() -> None:
    data = b"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Ntry><Amt Ccy="DKK">10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
<NtryDtls><TxDtls><Refs><EndToEndId>E2E-1</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>"""
    kind, txs = iso20022.parse_camt(data)
    assert kind == "camt.053"
    assert txs == [iso20022.BankTransaction("E2E-1", Decimal("10.00"), True, False, "", "DKK")]


CAMT054_V4 = """<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.04"><BkToCstmrDbtCdtNtfctn>
<Ntfctn><Ntry><Amt Ccy="DKK">{booked}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
<NtryDtls><TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>
<AmtDtls>{instructed}<TxAmt><Amt Ccy="DKK">{booked}</Amt></TxAmt></AmtDtls>
<Chrgs><Rcrd><Amt Ccy="DKK">15.00</Amt></Rcrd><Rcrd><Amt Ccy="DKK">10.00</Amt></Rcrd></Chrgs>
</TxDtls></NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"""


def _camt_v4(e2e: str, booked: str, instructed: str = "") -> bytes:
    amount = f'<InstdAmt><Amt Ccy="EUR">{instructed}</Amt></InstdAmt>' if instructed else ""
    return CAMT054_V4.format(e2e=e2e, booked=booked, instructed=amount).encode()


def test_camt_reads_the_instructed_amount_and_the_charges_in_both_versions() -> None:
    _kind, [tx] = iso20022.parse_camt(_camt_v4("E2E-2", "4288.50", instructed="575.00"))
    assert (tx.amount, tx.currency) == (Decimal("4288.50"), "DKK")
    assert (tx.instructed, tx.instructed_currency) == (Decimal("575.00"), "EUR")
    assert (tx.charges, tx.charges_currency) == (Decimal("25.00"), "DKK")  # 15 + 10
    v2 = b"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>
<Ntfctn><Ntry><Amt Ccy="DKK">100.00</Amt><Sts>BOOK</Sts><NtryDtls><TxDtls>
<Refs><EndToEndId>E2E-3</EndToEndId></Refs>
<Chrgs><Amt Ccy="DKK">4.00</Amt></Chrgs><Chrgs><Amt Ccy="DKK">1.50</Amt></Chrgs>
</TxDtls></NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"""
    _kind, [tx] = iso20022.parse_camt(v2)
    assert (tx.amount, tx.instructed, tx.charges) == (Decimal("100.00"), None, Decimal("5.50"))


def test_a_eur_payment_booked_in_dkk_is_reconciled_by_its_instructed_amount(ap, client) -> None:
    """The bank books a EUR transfer on KS's DKK account: the DKK amount cannot be compared
    with the payment, the repeated instructed EUR amount can. Without it the transaction is
    left for a person and the payment stays sent. Charges are kept on the payment."""
    today = timezone.localdate()
    paid_one = approved(ap, due_date=today, payment="iban", iban="DE89370400440532013000")
    unclear = approved(ap, due_date=today, payment="iban", iban="DE89370400440532013000")
    Invoice.objects.filter(pk__in=[paid_one.pk, unclear.pk]).update(currency="EUR")
    ExchangeRate.objects.create(currency="EUR", date=today, rate=Decimal("746.08"))
    services.invoices_post(actor=SYSTEM)
    run = services.payment_proposal(actor=SYSTEM, until=today)["run"]
    services.payment_file(actor=SYSTEM, run=PaymentRun.objects.get(pk=run))
    first, second = (Payment.objects.get(invoice=i) for i in (paid_one, unclear))

    result = services.payments_reconcile(
        actor=SYSTEM, data=_camt_v4(first.end_to_end_id, "4288.50", instructed="575.00")
    )
    assert (result["paid"], result["partial"], result["charges"]) == (1, 0, {"DKK": "25.00"})
    first.refresh_from_db()
    assert (first.status, first.paid_amount) == (Payment.Status.PAID, Decimal("575.00"))
    assert (first.charges, first.charges_currency) == (Decimal("25.00"), "DKK")
    assert Invoice.objects.get(pk=paid_one.pk).paid_amount == Decimal("575.00")  # not 4288.50
    charged = JournalLine.objects.filter(invoice=paid_one, account="64551")
    assert [line.amount for line in charged] == [Decimal("25.00")]  # charges are an expense
    assert first.bank_amount_dkk == Decimal("4288.50")  # the bank side is posted at this
    # Each line is in øre; summed as such (SQLite's SUM of its REAL column leaves 1e-14).
    assert sum(JournalLine.objects.values_list("amount", flat=True)) == 0
    client.force_login(ap.finance)
    assert "bankgebyr 25,00 DKK" in client.get(f"/finans/faktura/{paid_one.pk}/").content.decode()

    upload = SimpleUploadedFile("camt.xml", _camt_v4(second.end_to_end_id, "4288.50"))
    page = client.post("/finans/betalinger/afstem/", {"file": upload}, follow=True)
    assert "1 transaktioner er kun bogført som omregnet beløb" in page.content.decode()
    second.refresh_from_db()
    assert second.status == Payment.Status.SENT and second.paid_amount == 0
    assert Invoice.objects.get(pk=unclear.pk).status == Invoice.Status.IN_PAYMENT
    assert PaymentRun.objects.get(pk=run).status != PaymentRun.Status.DONE


def test_bad_bank_file_changes_nothing(ap) -> None:
    with pytest.raises(DomainError):
        services.payments_reconcile(actor=SYSTEM, data=b"<not-camt/>", filename="x.xml")
    with pytest.raises(DomainError):
        services.payments_reconcile(actor=SYSTEM, data=b"<broken", filename="x.xml")
    # charges too large for any account are named, not left to fail in the database
    with pytest.raises(DomainError) as caught:
        services.payments_reconcile(
            actor=SYSTEM, data=_camt_v4("E2E-9", "1e20"), filename="camt.xml"
        )
    assert "E2E-9" in str(caught.value.errors[0].message)
    assert "uden for det tilladte område" in str(caught.value.errors[0].message)
    assert JournalLine.objects.count() == Payment.objects.count() == 0


def test_only_finance_may_pay(ap) -> None:
    with pytest.raises(DomainError) as exc:
        services.payment_proposal(actor=ap.world.manager, until=dt.date(2030, 1, 1))
    assert exc.value.status == 403
    assert PaymentRun.objects.count() == 0


def _slip(card: str, payment_id: str, creditor: str) -> iso20022.Transfer:
    return iso20022.Transfer(
        end_to_end_id=f"E2E-{card}",
        amount=Decimal("100.00"),
        currency="DKK",
        execution_date=dt.date(2026, 12, 7),
        method="giro" if card in {"01", "04", "15"} else "fik",
        creditor_name="Leverandør A/S",
        card_type=card,
        payment_id=payment_id,
        creditor=creditor,
        remittance="Faktura 4711",
    )


def test_payment_slips_follow_the_danish_cgi_appendix() -> None:
    """71/75/04 carry only the OCR reference; 73 and 01 (with a message) keep the text."""
    content = iso20022.build_pain001(
        message_id="RUN-1",
        created=dt.datetime(2026, 12, 4, 12, 0),
        debtor=iso20022.Debtor(name="Københavns Kommune", iban="DK5000400440116243", bic="X"),
        transfers=[
            _slip("71", "000000000012347", "87654321"),
            _slip("73", "", "87654321"),
            _slip("75", "0000000000012346", "87654321"),
            _slip("04", "0000000000012346", "1234567"),
            _slip("01", "", "1234567"),
        ],
    )
    doc = etree.fromstring(content)
    by_card = {
        tx.findtext("p:PmtId/p:EndToEndId", namespaces=PAIN)[4:]: tx
        for tx in doc.iterfind(".//p:CdtTrfTxInf", namespaces=PAIN)
    }
    refs = {
        card: tx.findtext(".//p:CdtrRefInf/p:Ref", namespaces=PAIN) for card, tx in by_card.items()
    }
    assert refs == {
        "71": "71/000000000012347",
        "73": "73/",
        "75": "75/0000000000012346",
        "04": "04/0000000000012346",
        "01": "01/",
    }
    texts = {card: tx.findtext("p:RmtInf/p:Ustrd", namespaces=PAIN) for card, tx in by_card.items()}
    assert texts == {"71": None, "73": "Faktura 4711", "75": None, "04": None, "01": "Faktura 4711"}
    assert {
        tx.findtext("p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=PAIN) for tx in by_card.values()
    } == {
        "87654321",
        "1234567",
    }


def _credit_note(ap, lines: int, **changes) -> Invoice:
    """A posted credit note of the test supplier without a reference to an invoice."""
    spec = spec_for(ap.world.school, credit_note=True, **changes)
    spec.lines = spec.lines[:lines]
    return approved(ap, credit_note=True, lines=spec.lines, **changes)


def test_free_credit_notes_are_set_off_against_the_suppliers_next_invoice(ap, client) -> None:
    """A credit note that names no invoice (or one already paid) reduces the supplier's next
    payment that is larger than it; the payment's message names it; it is paid and put back
    with that payment. One too large for any payment waits for the next proposal."""
    today = timezone.localdate()
    due = today + dt.timedelta(days=3)
    invoice = approved(ap, due_date=due)  # 575.00
    small = _credit_note(ap, lines=1)  # 10 x 40 + VAT = 500.00
    large = _credit_note(ap, lines=2)  # 575.00: a payment of 0 is no payment
    services.invoices_post(actor=SYSTEM)

    proposal = services.payment_proposal(actor=SYSTEM, until=today + dt.timedelta(days=5))
    assert (proposal["payments"], proposal["credit_notes_set_off"]) == (1, 1)
    payment = Payment.objects.get(run_id=proposal["run"])
    assert payment.amount == Decimal("75.00")
    assert list(payment.credit_notes.all()) == [small]
    assert Invoice.objects.get(pk=small.pk).status == Invoice.Status.IN_PAYMENT
    assert Invoice.objects.get(pk=large.pk).status == Invoice.Status.POSTED  # waits

    content = services.payment_file(actor=SYSTEM, run=PaymentRun.objects.get(pk=proposal["run"]))
    message = etree.fromstring(content).findtext(".//p:RmtInf/p:Ustrd", namespaces=PAIN)
    assert message == f"Faktura {invoice.number} minus kreditnota {small.number}"

    returned = iso20022.build_camt054(
        message_id="BANK-2",
        created=timezone.now(),
        items=[(payment.end_to_end_id, Decimal("75.00"), "AC04")],
    )
    services.payments_reconcile(actor=SYSTEM, data=returned, filename="camt.xml")
    assert Invoice.objects.get(pk=small.pk).status == Invoice.Status.POSTED  # back with it

    again = services.payment_proposal(actor=SYSTEM, until=today + dt.timedelta(days=5))
    retry = Payment.objects.get(run_id=again["run"])
    assert retry.amount == Decimal("75.00") and list(retry.credit_notes.all()) == [small]
    services.payment_file(actor=SYSTEM, run=PaymentRun.objects.get(pk=again["run"]))
    paid = iso20022.build_camt054(
        message_id="BANK-3",
        created=timezone.now(),
        items=[(retry.end_to_end_id, Decimal("75.00"), "")],
    )
    services.payments_reconcile(actor=SYSTEM, data=paid, filename="camt.xml")
    statuses = dict(Invoice.objects.values_list("pk", "status"))
    assert statuses[invoice.pk] == statuses[small.pk] == Invoice.Status.PAID
    assert statuses[large.pk] == Invoice.Status.POSTED
    # both documents' pages say so, in Danish
    client.force_login(ap.finance)
    page = client.get(f"/finans/faktura/{invoice.pk}/").content.decode()
    assert "Modregnede kreditnotaer" in page and f"{small.number} (500,00)" in page
    page = client.get(f"/finans/faktura/{small.pk}/").content.decode()
    assert f"Modregnet i faktura {invoice.number}" in page


def test_a_credit_note_for_an_invoice_already_paid_is_set_off_against_the_next(ap) -> None:
    today = timezone.localdate()
    first = approved(ap, due_date=today)
    services.invoices_post(actor=SYSTEM)
    run = services.payment_proposal(actor=SYSTEM, until=today)["run"]
    services.payment_file(actor=SYSTEM, run=PaymentRun.objects.get(pk=run))
    paid = iso20022.build_camt054(
        message_id="BANK-4",
        created=timezone.now(),
        items=[(Payment.objects.get(run_id=run).end_to_end_id, Decimal("575.00"), "")],
    )
    services.payments_reconcile(actor=SYSTEM, data=paid, filename="camt.xml")
    late = _credit_note(ap, lines=1, billing_reference=first.number)  # 500.00, for a paid one
    assert late.credited_invoice_id == first.pk
    second = approved(ap, due_date=today)
    services.invoices_post(actor=SYSTEM)
    proposal = services.payment_proposal(actor=SYSTEM, until=today)
    payment = Payment.objects.get(run_id=proposal["run"])
    assert (payment.invoice_id, payment.amount) == (second.pk, Decimal("75.00"))
    assert list(payment.credit_notes.all()) == [late]
