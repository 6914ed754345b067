"""Responses to senders: Peppol Invoice Response (T111) and OIOUBL ApplicationResponse,
checked against the official stylesheets (saxonche) like the invoices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from koncernservice.finance.einvoice import official
from koncernservice.finance.einvoice import responses as r
from koncernservice.finance.einvoice.engine import failed_ids
from koncernservice.finance.einvoice.rules import oioubl as oioubl_rules

from .conftest import EINVOICE_DATA, needs_einvoice_data

NS = {"cac": r.CAC, "cbc": r.CBC}


@dataclass(frozen=True)
class _Finding:
    rule: str
    severity: str
    message: str


def _input(
    status: str = "RE", reasons: list[r.Reason] | None = None, **kw: object
) -> r.ResponseInput:
    base = r.ResponseInput(
        invoice_number="A00095678",
        invoice_issue_date=dt.date(2026, 1, 5),
        status=status,
        sender_endpoint_id="5798009811578",
        sender_endpoint_scheme="0088",
        sender_name="Københavns Kommune, Koncernservice",
        sender_cvr="64942212",
        receiver_endpoint_id="DK16356706",
        receiver_endpoint_scheme="0184",
        receiver_name="Tavleleverandøren A/S",
        reasons=list(reasons or []),
        invoice_uuid="9756b4d0-8815-1029-857a-e388fe63f399",
        issue_date=dt.date(2026, 1, 6),
        response_uuid="0b7c7f5e-5a4e-4c59-9a49-3d4e2f1a0001",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def _fatal(xml: bytes, sheets: tuple[str, ...]) -> list[official.OfficialFinding]:
    return [
        f
        for f in official.official_verdict(xml, sheets, base=EINVOICE_DATA)
        if f.severity == "fatal"
    ]


def _both_valid(data: r.ResponseInput) -> tuple[etree._Element, etree._Element]:
    peppol = r.peppol_invoice_response(data)
    oioubl = r.oioubl_application_response(data)
    assert _fatal(peppol, official.INVOICE_RESPONSE_SET) == []
    assert _fatal(oioubl, official.APPLICATION_RESPONSE_SET) == []
    # differential: our OIOUBL ApplicationResponse rules give the official verdict
    theirs = {
        f.rule: f.severity
        for f in official.official_verdict(
            oioubl, official.APPLICATION_RESPONSE_SET, base=EINVOICE_DATA
        )
    }
    oioubl_root = etree.fromstring(oioubl)
    assert failed_ids(oioubl_rules.validate_root(oioubl_root)) == theirs
    return etree.fromstring(peppol), oioubl_root


SEVERAL = [
    _Finding("BR-CO-15", "fatal", "[BR-CO-15]-Invoice total amount with VAT = ... "),
    _Finding("KS-UNKNOWN-BUYER", "fatal", "Unknown buyer GLN 5790000000001"),
    _Finding("F-INV133", "fatal", "[F-INV133] PayableAmount is calculated incorrectly"),
    _Finding("BR-CO-15", "fatal", "repeated: reported once"),
    _Finding("W-LIB222", "warning", "a warning makes no reason"),
    _Finding(
        "PEPPOL-EN16931-R003",
        "fatal",
        "A buyer reference or purchase order reference MUST be provided.",
    ),
]


@needs_einvoice_data
def test_rejected_with_several_reasons_is_valid_in_both_formats() -> None:
    reasons = r.reasons_from_findings(SEVERAL)
    assert [(x.rule, x.code) for x in reasons] == [
        ("BR-CO-15", "PRI"),
        ("KS-UNKNOWN-BUYER", "REC"),
        ("F-INV133", "PRI"),
        ("PEPPOL-EN16931-R003", "REF"),
    ]
    peppol, oioubl = _both_valid(_input("RE", [*reasons, r.Reason("NIN", action=True)]))
    assert (
        peppol.findtext("cac:DocumentResponse/cac:Response/cbc:ResponseCode", namespaces=NS) == "RE"
    )
    codes = [
        (el.get("listID"), el.text)
        for el in peppol.iterfind(".//cac:Status/cbc:StatusReasonCode", NS)
    ]
    assert codes == [
        ("OPStatusReason", "PRI"),
        ("OPStatusReason", "REC"),
        ("OPStatusReason", "PRI"),
        ("OPStatusReason", "REF"),
        ("OPStatusAction", "NIN"),
    ]
    texts = [el.text for el in peppol.iterfind(".//cac:Status/cbc:StatusReason", NS)]
    assert texts[1] == "[KS-UNKNOWN-BUYER] Unknown buyer GLN 5790000000001"
    assert texts[4] == "Send en ny faktura"
    assert (
        peppol.findtext("cac:DocumentResponse/cac:DocumentReference/cbc:ID", namespaces=NS)
        == "A00095678"
    )
    assert oioubl.findtext(".//cac:Response/cbc:ResponseCode", namespaces=NS) == "BusinessReject"
    description = oioubl.findtext(".//cac:Response/cbc:Description", namespaces=NS)
    assert description.startswith("Afvist | PRI: [BR-CO-15]")
    assert "REC: [KS-UNKNOWN-BUYER]" in description
    assert oioubl.findtext(".//cac:DocumentReference/cbc:UUID", namespaces=NS) == (
        "9756b4d0-8815-1029-857a-e388fe63f399"
    )


@needs_einvoice_data
def test_accepted_is_valid_in_both_formats() -> None:
    peppol, oioubl = _both_valid(_input("AP"))
    assert peppol.findtext(".//cbc:ResponseCode", namespaces=NS) == "AP"
    assert peppol.find(".//cac:Status", NS) is None
    assert oioubl.findtext(".//cbc:ResponseCode", namespaces=NS) == "BusinessAccept"


@needs_einvoice_data
def test_under_query_asks_for_the_order_number() -> None:
    reasons = [
        r.Reason("REF", "Ordrenummer mangler", attribute="BT-13", value="PO0001"),
        r.Reason("PIN", action=True),
    ]
    peppol, oioubl = _both_valid(_input("UQ", reasons, effective_date=dt.date(2026, 1, 7)))
    assert peppol.findtext(".//cbc:ResponseCode", namespaces=NS) == "UQ"
    assert peppol.findtext(".//cac:Condition/cbc:AttributeID", namespaces=NS) == "BT-13"
    assert peppol.findtext(".//cac:Condition/cbc:Description", namespaces=NS) == "PO0001"
    # OIOUBL has no "under query": a technical acceptance with the question in the text
    assert oioubl.findtext(".//cbc:ResponseCode", namespaces=NS) == "TechnicalAccept"
    assert oioubl.findtext("cbc:ProfileID", namespaces=NS) == r.TECHNICAL_PROFILE
    assert "Ordrenummer mangler" in oioubl.findtext(
        ".//cac:Response/cbc:Description", namespaces=NS
    )


@needs_einvoice_data
@pytest.mark.parametrize(
    ("status", "oioubl_code"),
    [
        ("AB", "TechnicalAccept"),
        ("IP", "TechnicalAccept"),
        ("CA", "BusinessAccept"),
        ("PD", "BusinessAccept"),
    ],
)
def test_every_status_is_valid(status: str, oioubl_code: str) -> None:
    reasons = [r.Reason("OTH", "Betinget af kreditnota")] if status == "CA" else []
    if status == "PD":
        reasons = [r.Reason("PPD", "Delbetaling 1.000,00 kr.")]
    peppol, oioubl = _both_valid(_input(status, reasons))
    assert peppol.findtext(".//cbc:ResponseCode", namespaces=NS) == status
    assert oioubl.findtext(".//cbc:ResponseCode", namespaces=NS) == oioubl_code


@needs_einvoice_data
def test_credit_note_and_gln_only_sender_are_valid() -> None:
    data = _input(
        "RE", [r.Reason("PRI", "Forkert pris")], document_type="CreditNote", sender_cvr=""
    )
    peppol, oioubl = _both_valid(data)
    assert peppol.findtext(".//cac:DocumentReference/cbc:DocumentTypeCode", namespaces=NS) == "381"
    assert (
        oioubl.findtext(".//cac:DocumentReference/cbc:DocumentTypeCode", namespaces=NS)
        == "CreditNote"
    )


@needs_einvoice_data
def test_official_rule_agrees_that_a_rejection_needs_a_reason() -> None:
    # We refuse to build it; the official T111 rules would reject it too.
    with pytest.raises(r.ResponseError, match="RE needs at least one reason"):
        r.peppol_invoice_response(_input("RE", []))
    xml = r.peppol_invoice_response(_input("AP")).replace(
        b"<cbc:ResponseCode>AP<", b"<cbc:ResponseCode>RE<"
    )
    assert _fatal(xml, official.INVOICE_RESPONSE_SET) != []


def test_bad_input_says_what_is_wrong() -> None:
    with pytest.raises(r.ResponseError) as err:
        r.peppol_invoice_response(
            _input("XX", [r.Reason("ABC")], invoice_number=" ", document_type="Order")
        )
    text = str(err.value)
    assert "status 'XX'" in text
    assert "invoice_number is empty" in text
    assert "reason 1: code 'ABC'" in text
    assert "document_type 'Order'" in text
    with pytest.raises(r.ResponseError, match="PPD is only allowed with status PD"):
        r.oioubl_application_response(_input("RE", [r.Reason("PPD", "x")]))


def test_reason_codes_for_findings() -> None:
    assert r.reason_code_for("BR-CO-15") == "PRI"
    assert r.reason_code_for("BR-S-08") == "LEG"
    assert r.reason_code_for("BR-50") == "PAY"
    assert r.reason_code_for("KS-DUPLICATE") == "UNR"
    assert r.reason_code_for("KS-FIK") == "PAY"
    assert r.reason_code_for("KS-CVR") == "LEG"
    assert r.reason_code_for("F-LIB999", "Invalid InvoicedQuantity") == "QTY"
    assert r.reason_code_for("F-LIB998", "Something else entirely") == "OTH"
    assert len(r.reasons_from_findings([_Finding(f"R{i}", "fatal", "x") for i in range(40)])) == 25


def test_response_for_picks_the_invoice_format() -> None:
    fmt, xml = r.response_for(_input("AP"), "oioubl")
    assert fmt == "oioubl" and b"OIOUBL-2.1" in xml
    fmt, xml = r.response_for(_input("AP"), "peppol")
    assert fmt == "peppol" and r.PEPPOL_CUSTOMIZATION.encode() in xml


TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
    | st.sampled_from("<>&'\"æøåÆØÅ"),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip() != "")
REASON = st.builds(
    r.Reason,
    code=st.sampled_from(sorted(set(r.REASON_CODES) - {"PPD"})),
    text=TEXT,
    attribute=st.sampled_from(["", "BT-13", "BT-10"]),
    value=st.sampled_from(["", "PO-1"]),
)


@needs_einvoice_data
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    status=st.sampled_from(["RE", "UQ", "CA", "AP", "AB", "IP"]),
    reasons=st.lists(REASON, min_size=1, max_size=4),
    name=TEXT,
    number=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9/_-]{0,20}", fullmatch=True),
)
def test_generated_responses_are_officially_valid(
    status: str, reasons: list[r.Reason], name: str, number: str
) -> None:
    data = _input(status, reasons, receiver_name=name, invoice_number=number)
    peppol, oioubl = _both_valid(data)
    assert [el.text for el in peppol.iterfind(".//cac:Status/cbc:StatusReasonCode", NS)] == [
        x.code for x in reasons
    ]
    assert peppol.findtext(
        "cac:ReceiverParty/cac:PartyLegalEntity/cbc:RegistrationName", namespaces=NS
    ) == (name.strip())
    assert oioubl.findtext(".//cac:DocumentReference/cbc:ID", namespaces=NS) == number
