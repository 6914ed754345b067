"""Differential conformance for Peppol BIS 3 and the Danish CIUS: for every Peppol DK
example (and the EN 16931 examples, which carry the Peppol customization) our verdict with
the rule sets ``en16931-peppol`` + ``peppol`` + ``dk`` equals the official CEN + PEPPOL + DK
stylesheets' verdict through saxonche. Mutated examples (amounts, codes, identifiers)
are compared the same way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from koncernservice.finance.einvoice import official, parse_document, rulesets_for
from koncernservice.finance.einvoice.engine import REGISTRY

from .conftest import COVERAGE_REPORT, EINVOICE_DATA, needs_einvoice_data
from .test_conformance_en16931 import diff, official_rule_ids, ours

pytestmark = needs_einvoice_data

SETS = ["en16931-peppol", "peppol", "dk"]


def _ubl_billing(p: Path) -> bool:
    head = p.read_bytes()[:3000]
    return b"CrossIndustryInvoice" not in head and b"<Order" not in head


EXAMPLES = (
    [p for p in sorted((EINVOICE_DATA / "peppol-dk/Example-files").glob("*")) if _ubl_billing(p)]
    if EINVOICE_DATA.is_dir()
    else []
)
EN_EXAMPLES = (
    sorted((EINVOICE_DATA / "en16931/ubl/examples").glob("*"))
    + sorted((EINVOICE_DATA / "en16931/test/testfiles").glob("*"))
    if EINVOICE_DATA.is_dir()
    else []
)


@pytest.mark.parametrize("path", EXAMPLES + EN_EXAMPLES, ids=lambda p: p.name)
def test_example_gets_the_official_peppol_verdict(path: Path, official_verdict) -> None:
    xml = path.read_bytes()
    mine = ours(xml, SETS)
    theirs = official_verdict(xml, official.PEPPOL_BILLING)
    assert mine == theirs, diff(mine, theirs)


def test_peppol_examples_get_the_peppol_rule_sets() -> None:
    for path in EXAMPLES:
        assert rulesets_for(parse_document(path.read_bytes())) == SETS, path.name


# (name, regex, replacement): mutations of the Danish master invoice that break rules
MUTATIONS = [
    ("payable", rb"(<cbc:PayableAmount currencyID=\"DKK\">)[0-9.]+", rb"\g<1>1.00"),
    ("line-amount", rb"(<cbc:LineExtensionAmount currencyID=\"DKK\">)[0-9.]+", rb"\g<1>7.5"),
    (
        "three-decimals",
        rb"(<cbc:TaxAmount currencyID=\"DKK\">)([0-9]+)\.[0-9]+",
        rb"\g<1>\g<2>.125",
    ),
    ("currency", rb"<cbc:DocumentCurrencyCode>DKK", rb"<cbc:DocumentCurrencyCode>XXX"),
    ("vat-category", rb"<cbc:ID>S</cbc:ID>", rb"<cbc:ID>Q</cbc:ID>"),
    ("vat-z", rb"<cbc:ID>S</cbc:ID>", rb"<cbc:ID>Z</cbc:ID>"),
    ("payment-means-fik", rb"(<cbc:PaymentMeansCode[^>]*>)[0-9]+", rb"\g<1>93"),
    ("payment-means-giro", rb"(<cbc:PaymentMeansCode[^>]*>)[0-9]+", rb"\g<1>50"),
    ("payment-means-unknown", rb"(<cbc:PaymentMeansCode[^>]*>)[0-9]+", rb"\g<1>2"),
    ("cvr", rb"(schemeID=\"0184\">)[0-9]+", rb"\g<1>12345678"),
    ("gln", rb"(schemeID=\"0088\">)[0-9]+", rb"\g<1>5790000000001"),
    ("no-buyer-ref", rb"<cbc:BuyerReference>[^<]*</cbc:BuyerReference>", rb""),
    ("no-profile", rb"<cbc:ProfileID>[^<]*</cbc:ProfileID>", rb""),
    ("empty-element", rb"<cbc:Note>[^<]*</cbc:Note>", rb"<cbc:Note></cbc:Note>"),
    ("negative-qty", rb"(<cbc:InvoicedQuantity[^>]*>)", rb"\g<1>-"),
    ("date", rb"<cbc:IssueDate>[^<]*", rb"<cbc:IssueDate>2026-02-30"),
    ("country", rb"<cbc:IdentificationCode>DK", rb"<cbc:IdentificationCode>ZZ"),
    ("not-a-number", rb"(<cbc:PayableAmount currencyID=\"DKK\">)[0-9.]+", rb"\g<1>abc"),
    ("empty-amount", rb"(<cbc:TaxExclusiveAmount currencyID=\"DKK\">)[0-9.]+", rb"\g<1>"),
    ("allowance-base", rb"(<cbc:BaseAmount currencyID=\"DKK\">)1575.00", rb"\g<1>1000.00"),
]
MASTER = "peppol-dk/Example-files/BIS3_Invoice_Example_DK_Supplier_Master.xml"


@pytest.mark.parametrize("name,pattern,replacement", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_mutated_example_gets_the_official_verdict(
    name: str, pattern: bytes, replacement: bytes, official_verdict
) -> None:
    base = (EINVOICE_DATA / MASTER).read_bytes()
    xml, n = re.subn(pattern, replacement, base, count=1)
    assert n == 1, name
    mine = ours(xml, SETS)
    theirs = official_verdict(xml, official.PEPPOL_BILLING)
    assert mine == theirs, diff(mine, theirs)
    assert theirs, f"mutation {name} should break at least one rule"


def test_every_official_peppol_and_dk_rule_is_implemented() -> None:
    for sets, sheets in (
        (["en16931-peppol"], [official.CEN_UBL]),
        (["peppol", "dk"], [official.PEPPOL_UBL, official.DK_UBL]),
    ):
        official_ids: set[str] = set()
        for s in sheets:
            official_ids |= official_rule_ids(EINVOICE_DATA / s)
        implemented: set[str] = set()
        for name in sets:
            implemented |= set(REGISTRY[name].ids())
        COVERAGE_REPORT.append(
            f"{' + '.join(sets)}: {len(implemented & official_ids)} / {len(official_ids)} "
            "official rules implemented"
        )
        assert implemented == official_ids, sorted(official_ids ^ implemented)
    dk = set(REGISTRY["dk"].ids())
    assert dk and all(rid.startswith("DK-R-") for rid in dk)


def test_uncastable_value_is_an_evaluation_error_like_the_official_route() -> None:
    base = (EINVOICE_DATA / MASTER).read_bytes()
    xml = re.sub(rb"(<cbc:PayableAmount currencyID=\"DKK\">)[0-9.]+", rb"\g<1>abc", base)
    mine = ours(xml, SETS)
    assert mine.get("RULES-EVALUATION-ERROR") == "fatal"


# --- Dynamic errors as the official route (Saxon, XSLT 3.0) meets them --------------------

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


def _edited(relative: str, edit) -> bytes:
    import copy

    from lxml import etree

    root = etree.fromstring((EINVOICE_DATA / relative).read_bytes())
    edit(root, copy.deepcopy)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_error_in_a_rule_context_means_no_match_not_an_aborted_rule_set(official_verdict) -> None:
    """Two seller parties: the CEN rules stop with a type error (XPTY0004) on both routes,
    but an error while matching a rule's context only means that rule does not match
    (XSLT 3.0 §5.5.4), so the PEPPOL and DK rules still give their verdict."""

    def two_sellers(root, deepcopy) -> None:
        party = root.find(f"{{{CAC}}}AccountingSupplierParty/{{{CAC}}}Party")
        party.addprevious(deepcopy(party))

    xml = _edited("en16931/ubl/examples/ubl-tc434-example5.xml", two_sellers)
    mine, theirs = ours(xml, SETS), official_verdict(xml, official.PEPPOL_BILLING)
    assert mine == theirs, diff(mine, theirs)
    assert theirs["RULES-EVALUATION-ERROR"] == "fatal" and "PEPPOL-EN16931-R004" in theirs


def test_or_settled_by_its_other_operand_raises_no_error(official_verdict) -> None:
    """NL-R-007 is ``(… xs:decimal(cbc:PayableAmount) <= 0.0) or … or (//cac:PaymentMeans)``:
    with a payable amount that is not a number but payment means present, the official
    route (Saxon evaluates the cheaper operand first) has no error in the PEPPOL rules and
    NL-R-007 passes; the CEN rules do stop on the amount (FORG0001), on both routes."""

    def not_a_number(root, _deepcopy) -> None:
        root.find(f"{{{CAC}}}LegalMonetaryTotal/{{{CBC}}}PayableAmount").text = "VAT"

    xml = _edited("en16931/ubl/examples/ubl-tc434-example9.xml", not_a_number)
    mine, theirs = ours(xml, SETS), official_verdict(xml, official.PEPPOL_BILLING)
    assert mine == theirs, diff(mine, theirs)
    assert "NL-R-007" not in theirs and "PEPPOL-EN16931-R004" in theirs
