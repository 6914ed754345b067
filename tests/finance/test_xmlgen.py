"""The documents ``xmlgen`` writes (demo, tests, benchmark) are valid e-invoices: our
validator and the official stylesheets (saxonche) find no error in them."""

from __future__ import annotations

import pytest
from lxml import etree

from koncernservice.finance.einvoice import official, validate_bytes
from koncernservice.finance.xmlgen import PartySpec, render
from tests.factories import make_unit
from tests.finance.ap import fik_id, spec_for

VARIANTS = [
    ("peppol", "domestic", False),
    ("peppol", "fik", False),
    ("peppol", "iban", False),
    ("peppol", "domestic", True),
    ("oioubl", "domestic", False),
    ("oioubl", "fik", False),
    ("oioubl", "iban", False),
    ("oioubl", "domestic", True),
]


def _variant(unit, payment: str, credit: bool, **changes):
    """An invoice or credit note paid by ``payment`` (fik, iban or domestic), with an order."""
    return spec_for(
        unit,
        payment=payment,
        fik_creditor="87654321",
        fik_payment_id=fik_id(),
        iban="DK5000400440116243",
        order_reference="PO-1",
        credit_note=credit,
        billing_reference="F-1" if credit else "",
        **changes,
    )


@pytest.mark.parametrize(("fmt", "payment", "credit"), VARIANTS)
def test_generated_documents_are_valid(db, official_verdict, fmt, payment, credit) -> None:
    spec = _variant(make_unit("Skole"), payment, credit)
    data = render(spec, fmt)
    stylesheets = official.stylesheets_for(etree.fromstring(data))
    assert stylesheets
    assert official_verdict(data, stylesheets) == {}
    result = validate_bytes(data, filename="x.xml")
    assert (result["format"], result["valid"], result["errors"]) == (fmt, True, [])


@pytest.mark.parametrize(("fmt", "payment", "credit"), VARIANTS)
def test_written_as_lxml_serializes_the_same_tree(db, fmt, payment, credit) -> None:
    """The documents are written as strings, not built as trees: parsing one and writing it
    again with lxml gives the same bytes, so the text is well-formed and escaped exactly as
    lxml would (names with ``&``, ``<``, quotes and Danish letters)."""
    spec = _variant(
        make_unit("Skole & Børnehave <Nord>"),
        payment,
        credit,
        supplier=PartySpec(name='Smith & Søn "Kontor" A/S', cvr="12345674"),
    )
    data = render(spec, fmt)
    again = etree.tostring(etree.fromstring(data), xml_declaration=True, encoding="UTF-8")
    assert data == again
    assert (
        b"Smith &amp; S\xc3\xb8n" in data and b"Skole &amp; B\xc3\xb8rnehave &lt;Nord&gt;" in data
    )


# A Swedish supplier invoicing a Danish municipality without Danish VAT: the buyer accounts
# for it (reverse charge "AE" for services, "K" for goods delivered from another EU country).
SWEDISH = PartySpec(
    name="Skandinaviska Skolmaterial AB",
    street="Stortorget",
    city="Malmö",
    postal_code="21122",
    country="SE",
    legal_id="5560360793",
    legal_scheme="0007",
    vat_number="SE556036079301",
)


@pytest.mark.parametrize("category", ["AE", "K"])
def test_reverse_charge_documents_are_valid(db, official_verdict, category) -> None:
    unit = make_unit("Skole")
    spec = spec_for(
        unit,
        supplier=SWEDISH,
        buyer=PartySpec(name=unit.name, gln=unit.gln, vat_number="DK64942212"),
        currency="SEK",
        payment="iban",
        iban="SE4550000000058398257466",
        bic="ESSESESS",
        vat_category=category,
    )
    data = render(spec, "peppol")
    assert official_verdict(data, official.stylesheets_for(etree.fromstring(data))) == {}
    result = validate_bytes(data, filename="x.xml")
    assert (result["valid"], result["errors"]) == (True, [])
    # no VAT charged: the payable is the net (400 + 60 SEK), the breakdown names the category
    assert spec.payable == spec.line_total == 460
    assert f"<cbc:ID>{category}</cbc:ID>".encode() in data
