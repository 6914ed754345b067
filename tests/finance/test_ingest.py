"""Ingest: raw document stored unchanged with its hash, one internal model for both formats,
routing by the buyer's GLN, our own checks, suppliers created for review, nothing stored for
unreadable files, the inbox folder."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from koncernservice.core.models import AuditEntry
from koncernservice.core.system import system_operator
from koncernservice.finance import services
from koncernservice.finance.ingest import Incoming, ingest
from koncernservice.finance.models import Finding, Invoice, InvoiceDocument, Supplier
from koncernservice.finance.xmlgen import PartySpec, render
from tests.finance.ap import BAD_CVR, OTHER_CVR, ap_world, fik_id, ingest_spec, invoice_of, spec_for
from tests.finance.conftest import EINVOICE_DATA


def fatal(result) -> set[str]:
    return {e["rule"] for e in result["errors"] if e["severity"] == "fatal"}


@pytest.mark.parametrize("fmt", ["peppol", "oioubl"])
def test_valid_invoice_is_received_routed_and_stored_unchanged(ap, fmt) -> None:
    spec = spec_for(ap.world.school)
    data = render(spec, fmt)
    result = ingest([Incoming(data, "a.xml")], actor=system_operator(), channel="cli")[0]
    assert result["status"] == "received", result["errors"]
    assert result["format"] == fmt
    invoice = invoice_of(result)
    assert invoice.unit == ap.world.school
    assert invoice.supplier == ap.supplier
    assert invoice.status == Invoice.Status.TO_CODE  # no order: the unit codes it
    # 10 x 40 + 5 x 12 = 460 net, 25 % VAT = 115, payable 575, whatever the format
    # (OIOUBL's TaxExclusiveAmount holds the VAT sum, 115, not the net total)
    assert (invoice.line_total, invoice.net_amount, invoice.vat_amount, invoice.payable_amount) == (
        Decimal("460.00"),
        Decimal("460.00"),
        Decimal("115.00"),
        Decimal("575.00"),
    )
    assert invoice.lines.count() == 2
    assert invoice.document.sha256 == hashlib.sha256(data).hexdigest()
    assert invoice.document.read() == data
    assert (
        AuditEntry.objects.filter(event="invoice.received", object_id=str(invoice.pk)).count() == 1
    )


def test_unknown_buyer_gln_is_a_clear_rejection(ap) -> None:
    spec = spec_for(ap.world.school)
    spec.buyer = PartySpec(name="Ukendt", gln="5790000000005")
    result = ingest_spec(spec)
    assert result["status"] == "rejected"
    assert fatal(result) == {"KS-BUYER-GLN"}
    invoice = invoice_of(result)
    assert invoice.unit is None and invoice.rejection_reasons == ["KS-BUYER-GLN"]
    finding = invoice.findings.get(rule="KS-BUYER-GLN")
    assert "GLN" in finding.explanation and finding.location.endswith("EndpointID")


def test_cvr_check_digit(ap) -> None:
    spec = spec_for(ap.world.school, supplier=PartySpec(name="Fejl ApS", cvr=BAD_CVR))
    result = ingest_spec(spec, "oioubl")
    assert "KS-CVR" in fatal(result)


def test_fik_check_digit(ap) -> None:
    good = spec_for(
        ap.world.school, payment="fik", fik_creditor="87654321", fik_payment_id=fik_id()
    )
    assert ingest_spec(good)["status"] == "received"
    wrong = fik_id()[:-1] + str((int(fik_id()[-1]) + 1) % 10)
    bad = spec_for(ap.world.school, payment="fik", fik_creditor="87654321", fik_payment_id=wrong)
    assert fatal(ingest_spec(bad)) == {"KS-FIK"}


def test_duplicates_by_uuid_and_by_number_and_amount(ap) -> None:
    first = spec_for(ap.world.school)
    assert ingest_spec(first, "oioubl")["status"] == "received"
    again = ingest_spec(first, "oioubl")  # the same document once more
    assert fatal(again) == {"KS-DUP-UUID"}
    renamed = spec_for(ap.world.school, number=first.number)  # new UUID, same number and amount
    assert fatal(ingest_spec(renamed)) == {"KS-DUP"}
    other_amount = spec_for(ap.world.school, number=first.number)
    other_amount.lines[0].quantity = Decimal(11)
    assert ingest_spec(other_amount)["status"] == "received"


def test_duplicates_within_one_batch(ap) -> None:
    spec = spec_for(ap.world.school)
    data = render(spec, "peppol")
    results = ingest(
        [Incoming(data, "1.xml"), Incoming(data, "2.xml")], actor=system_operator(), channel="cli"
    )
    assert [r["status"] for r in results] == ["received", "rejected"]


def test_blocked_supplier_is_rejected(ap) -> None:
    services.supplier_block(actor=ap.finance, supplier=ap.supplier, blocked=True, reason="Konkurs")
    assert fatal(ingest_spec(spec_for(ap.world.school))) == {"KS-SUPPLIER-BLOCKED"}


def test_new_supplier_is_created_for_review(ap) -> None:
    spec = spec_for(ap.world.school, supplier=PartySpec(name="Ny Leverandør ApS", cvr=OTHER_CVR))
    result = ingest_spec(spec)
    assert result["status"] == "received"
    supplier = Supplier.objects.get(cvr=OTHER_CVR)
    assert supplier.status == Supplier.Status.NEW and supplier.created_automatically
    assert supplier.name == "Ny Leverandør ApS"
    assert {e["rule"] for e in result["errors"]} == {"KS-SUPPLIER-NEW"}
    # a second invoice finds the same supplier
    ingest_spec(spec_for(ap.world.school, supplier=PartySpec(name="Ny", cvr=OTHER_CVR)))
    assert Supplier.objects.filter(cvr=OTHER_CVR).count() == 1


def test_credit_note_is_linked_to_its_invoice(ap) -> None:
    invoice = invoice_of(ingest_spec(spec_for(ap.world.school)))
    note = spec_for(ap.world.school, credit_note=True, billing_reference=invoice.number)
    credit = invoice_of(ingest_spec(note))
    assert credit.kind == Invoice.Kind.CREDIT_NOTE
    assert credit.credited_invoice == invoice


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.4 not an invoice", "not-xml"),
        (b"<Invoice><unclosed></Invoice>", "malformed"),
        (b"", "empty"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
            "dtd-forbidden",
        ),
    ],
)
def test_unreadable_files_store_nothing(ap, data, reason) -> None:
    result = ingest([Incoming(data, "bad.xml")], actor=system_operator(), channel="cli")[0]
    assert result["status"] == "error" and result["reason"] == reason
    assert result["errors"][0]["message"]
    assert Invoice.objects.count() == 0 and InvoiceDocument.objects.count() == 0


def test_official_example_routes_by_its_buyer_gln(ap) -> None:
    path = EINVOICE_DATA / "oioubl" / "Eksempelfiler" / "OIOUBL_Invoice_v2p2.xml"
    if not path.exists():
        pytest.skip("official material not present")
    unit = ap.world.nursing_home
    unit.gln = "5798009811578"
    unit.save()
    result = services.invoices_import(actor=system_operator(), paths=[path])[0]
    invoice = invoice_of(result)
    assert invoice.unit == unit and invoice.format == "oioubl"
    # the example's supplier CVR (DK16356706) fails modulus 11: our own check catches it
    assert "KS-CVR" in fatal(result) and "KS-BUYER-GLN" not in fatal(result)
    assert invoice.net_amount == Decimal("5050.00") and invoice.vat_amount == Decimal("1262.50")


def test_inbox_folder_moves_files(ap, settings, tmp_path) -> None:
    inbox = settings.EINVOICE_INBOX_DIR
    inbox.mkdir(parents=True)
    (inbox / "good.xml").write_bytes(render(spec_for(ap.world.school), "peppol"))
    (inbox / "scan.pdf").write_bytes(b"%PDF-1.7")
    (inbox / "half.xml.part").write_bytes(b"<Inv")
    result = services.inbox_process(actor=system_operator())
    assert (result["files"], result["received"], result["error"]) == (2, 1, 1)
    assert (inbox / "half.xml.part").exists()  # still being written: left alone
    processed = list((inbox / "processed").rglob("*.xml"))
    failed = list((inbox / "failed").rglob("scan.pdf"))
    assert len(processed) == 1 and len(failed) == 1
    assert "not-xml" in failed[0].with_name("scan.pdf.reason.txt").read_text()
    assert services.inbox_process(actor=system_operator())["files"] == 0  # safe to run again


def test_large_files_have_their_own_queue(ap, settings, monkeypatch) -> None:
    from koncernservice.finance import services as finance_services

    monkeypatch.setattr(finance_services, "LARGE_BYTES", 1000)
    inbox = settings.EINVOICE_INBOX_DIR
    inbox.mkdir(parents=True)
    big = render(spec_for(ap.world.school), "oioubl")  # ~4 KB: "large" in this test
    assert len(big) > 1000
    (inbox / "big.xml").write_bytes(big)
    first = services.inbox_process(actor=system_operator())
    assert (first["files"], first["moved_to_large"]) == (0, 1)
    assert (inbox / "large" / "big.xml").exists() and Invoice.objects.count() == 0
    second = services.inbox_process(actor=system_operator(), large=True)
    assert (second["files"], second["received"]) == (1, 1)
    assert not (inbox / "large" / "big.xml").exists()


def test_large_document_over_its_time_limit_is_not_stored(ap, monkeypatch) -> None:
    from koncernservice.finance import ingest as ingest_module
    from koncernservice.finance.einvoice import parse as parse_module

    monkeypatch.setattr(parse_module, "LARGE_DOCUMENT_BYTES", 1000)  # this one is "large"
    monkeypatch.setattr(ingest_module, "LARGE_TIMEOUT_SECONDS", -1.0)  # already past
    result = ingest_spec(spec_for(ap.world.school), "peppol")
    assert (result["status"], result["reason"]) == ("error", "timeout")
    assert Invoice.objects.count() == 0 and InvoiceDocument.objects.count() == 0


def test_import_needs_the_import_permission(ap) -> None:
    from koncernservice.core.errors import DomainError

    with pytest.raises(DomainError) as exc:
        services.invoices_import(actor=ap.world.manager, paths=[])
    assert exc.value.status == 403
    assert Finding.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_give_the_same_result(settings, tmp_path) -> None:
    from django.db import connection

    from tests.conftest import build_world

    if connection.vendor != "postgresql":
        pytest.skip("worker processes need PostgreSQL")
    ap = ap_world(build_world())
    folder = tmp_path / "drop"
    folder.mkdir()
    specs = [spec_for(ap.world.school) for _ in range(6)]
    for n, spec in enumerate(specs):
        (folder / f"{n}.xml").write_bytes(render(spec, "peppol"))
    (folder / "6.xml").write_bytes(render(specs[0], "peppol"))  # a duplicate across batches
    results = services.invoices_import(
        actor=system_operator(), paths=[folder], batch_size=2, workers=2
    )
    statuses = [r["status"] for r in results]
    # whichever of the two copies came second (batches run in parallel) is the duplicate
    assert statuses[1:6] == ["received"] * 5
    assert sorted([statuses[0], statuses[6]]) == ["received", "rejected"]
    assert Invoice.objects.filter(status="to_code").count() == 6
