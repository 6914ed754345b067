"""Parsing official examples into the internal model (both formats)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from koncernservice.finance.einvoice import EInvoiceError, detect_format, parse_document


def _parse(path: Path):
    return parse_document(path.read_bytes(), filename=path.name)


def test_oioubl_invoice_maps_tax_exclusive_amount_to_the_vat_sum(einvoice_data: Path) -> None:
    parsed = _parse(einvoice_data / "oioubl/Eksempelfiler/OIOUBL_Invoice_v2p2.xml")
    assert parsed.format == "oioubl"
    doc = parsed.document
    t = doc.totals
    assert doc.doc_type == "Invoice"
    # In OIOUBL TaxExclusiveAmount is the VAT: net = inclusive - VAT
    assert t.vat_total == t.raw_tax_exclusive
    assert t.tax_exclusive == t.tax_inclusive - t.vat_total
    assert t.tax_exclusive == t.line_extension - (t.allowance_total or 0) + (t.charge_total or 0)
    assert doc.lines and doc.supplier.name and doc.customer.endpoint_id


def test_peppol_invoice_maps_tax_exclusive_amount_to_the_net_total(einvoice_data: Path) -> None:
    parsed = _parse(
        einvoice_data / "peppol-dk/Example-files/BIS3_Invoice_Example_DK_Supplier_Master.xml"
    )
    assert parsed.format == "peppol"
    doc = parsed.document
    t = doc.totals
    assert t.tax_exclusive == t.raw_tax_exclusive
    assert t.tax_inclusive == t.tax_exclusive + t.vat_total
    assert sum(line.net_amount for line in doc.lines) == t.line_extension
    assert doc.supplier.endpoint_scheme and doc.customer.endpoint_id
    assert isinstance(t.payable, Decimal)


def test_credit_note_has_billing_reference(einvoice_data: Path) -> None:
    parsed = _parse(
        einvoice_data / "peppol-dk/Example-files/BIS3_CreditNote_Example_DK_Supplier_Master.xml"
    )
    doc = parsed.document
    assert doc.doc_type == "CreditNote" and doc.is_credit_note
    assert doc.lines and all(line.quantity is not None for line in doc.lines)


def test_large_official_example_with_attachment_parses(einvoice_data: Path) -> None:
    path = (
        einvoice_data
        / "en16931/ubl/examples/FT G2G_TD01 con Allegato, Bonifico e Split Payment.xml"
    )
    assert path.stat().st_size > 3_000_000
    doc = _parse(path).document
    assert doc.attachments and doc.attachments[0].size > 1_000_000


@pytest.mark.parametrize(
    "folder",
    [
        "en16931/ubl/examples",
        "en16931/test/testfiles",
        "peppol-dk/Example-files",
        "oioubl/Eksempelfiler",
    ],
)
def test_every_official_example_parses_or_is_refused_clearly(
    einvoice_data: Path, folder: str
) -> None:
    for path in sorted((einvoice_data / folder).glob("*")):
        try:
            parsed = _parse(path)
        except EInvoiceError as exc:
            assert path.name.startswith("CII_") and exc.reason == "unknown-document"
            continue
        assert detect_format(parsed.root) == ("oioubl" if folder.startswith("oioubl") else "peppol")
        parsed.document  # noqa: B018 - building the model never raises
