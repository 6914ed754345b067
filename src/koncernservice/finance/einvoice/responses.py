"""Responses to the sender of an invoice: Peppol Invoice Response and OIOUBL ApplicationResponse.

A rejected (or accepted, in-process, queried, paid ...) invoice is answered in the format the
sender's system understands:

* **Peppol BIS Invoice Response 3** (transaction T111, ``urn:fdc:peppol.eu:poacc:trns:
  invoice_response:3``): ``ResponseCode`` from UNCL4343 (subset ``AB AP RE IP UQ CA PD``), one
  ``Status`` per reason with a clarification code (``OPStatusReason``: ``NON REF LEG REC QUA
  DEL PRI QTY ITM PAY UNR FIN PPD OTH``, or ``OPStatusAction``: ``NOA PIN NIN CNF CNP CNA OTH``)
  and its text; optionally the business term concerned (``Condition/AttributeID``, e.g. BT-13).
* **OIOUBL 2.1 ApplicationResponse** (NemHandel): ``ResponseCode`` from the OIOUBL code list
  (``BusinessReject``, ``BusinessAccept``, ``TechnicalAccept`` ...) and the reasons as the
  response's ``Description``.

Both are valid against the official rules (PEPPOLBIS-T111.xslt, OIOUBL_ApplicationResponse_
Schematron.xsl): tests/finance/test_responses.py runs them through the official stylesheets.

``reasons_from_findings`` turns validation findings (official rule ids, our own ``KS-*``
checks) into reasons with a sensible clarification code. Pure: no Django, no database.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid as uuidlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

UBL_AR = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NSMAP = {None: UBL_AR, "cac": CAC, "cbc": CBC}

PEPPOL_CUSTOMIZATION = "urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
PEPPOL_PROFILE = "urn:fdc:peppol.eu:poacc:bis:invoice_response:3"

# UNCL4343 subset used by the Peppol Invoice Response, with Danish labels.
STATUSES: dict[str, str] = {
    "AB": "Modtaget (kvitteret)",
    "IP": "Under behandling",
    "UQ": "Afventer afklaring",
    "CA": "Betinget godkendt",
    "RE": "Afvist",
    "AP": "Godkendt",
    "PD": "Betalt",
}
# Statuses that must carry a clarification reason (PEPPOL-T111-R039-like rule in T111).
STATUSES_NEEDING_REASON = frozenset({"RE", "UQ", "CA"})

# OpenPeppol clarification codes with Danish labels.
REASON_CODES: dict[str, str] = {
    "NON": "Ingen problemer",
    "REF": "Referencer mangler eller er forkerte",
    "LEG": "Juridiske oplysninger er forkerte",
    "REC": "Modtageren er ukendt",
    "QUA": "Varens kvalitet er utilstrækkelig",
    "DEL": "Leveringsproblemer",
    "PRI": "Priser eller beløb er forkerte",
    "QTY": "Mængder er forkerte",
    "ITM": "Varer er forkerte",
    "PAY": "Betalingsbetingelser er forkerte",
    "UNR": "Ikke genkendt",
    "FIN": "Finansieringsbetingelser er forkerte",
    "PPD": "Delvist betalt",
    "OTH": "Andet",
}
ACTION_CODES: dict[str, str] = {
    "NOA": "Ingen handling krævet",
    "PIN": "Fremsend de manglende oplysninger",
    "NIN": "Send en ny faktura",
    "CNF": "Send en kreditnota for hele beløbet",
    "CNP": "Send en kreditnota for en del af beløbet",
    "CNA": "Send en kreditnota for det beløb, der er for meget",
    "OTH": "Anden handling",
}

# Peppol status -> OIOUBL ResponseCode (urn:oioubl:codelist:responsecode-1.1).
OIOUBL_RESPONSE_CODE = {
    "RE": "BusinessReject",
    "AP": "BusinessAccept",
    "CA": "BusinessAccept",
    "PD": "BusinessAccept",
    "AB": "TechnicalAccept",
    "IP": "TechnicalAccept",
    "UQ": "TechnicalAccept",
}

TECHNICAL_PROFILE = "Procurement-TecRes-1.0"

# Endpoint schemes: Peppol EAS / ISO 6523 ICD <-> OIOUBL schemeID.
EAS_TO_OIOUBL = {"0088": "GLN", "0184": "DK:CVR", "0198": "DK:SE", "0096": "DK:P", "0060": "DUNS"}
OIOUBL_TO_EAS = {v: k for k, v in EAS_TO_OIOUBL.items()}


class ResponseError(ValueError):
    """The response cannot be built (what and where in the message)."""


@dataclass(frozen=True, slots=True)
class Reason:
    code: str  # OPStatusReason code (REF, PRI, ...) or, with action=True, OPStatusAction
    text: str = ""  # the explanation sent to the supplier
    attribute: str = ""  # optional business term concerned, e.g. "BT-13" (order reference)
    value: str = ""  # optional: the value concerned / expected
    action: bool = False  # True: ``code`` is an OPStatusAction code (PIN, NIN, CNF ...)
    rule: str = ""  # the finding's rule id when the reason comes from validation


@dataclass(slots=True)
class ResponseInput:
    invoice_number: str
    invoice_issue_date: dt.date | None
    status: str  # UNCL4343: RE, AB, IP, UQ, CA, AP, PD
    sender_endpoint_id: str  # we (the buyer) send the response
    sender_endpoint_scheme: str  # "0088"/"GLN", "0184"/"DK:CVR", ...
    sender_name: str
    receiver_endpoint_id: str  # the supplier receives it
    receiver_endpoint_scheme: str
    receiver_name: str
    reasons: list[Reason] = field(default_factory=list)
    sender_cvr: str = ""  # CVR number (OIOUBL PartyLegalEntity/CompanyID)
    receiver_cvr: str = ""
    invoice_uuid: str = ""
    document_type: str = "Invoice"  # "Invoice" | "CreditNote"
    response_id: str = ""  # default: derived from a new UUID
    response_uuid: str = ""
    issue_date: dt.date | None = None  # default: today
    effective_date: dt.date | None = None
    note: str = ""  # free text added to the OIOUBL Description / Peppol Note
    oioubl_profile: str = "Procurement-BilSim-1.0"  # the invoice's OIOUBL ProfileID
    oioubl_profile_scheme: str = "urn:oioubl:id:profileid-1.6"


# -- validation findings -> reasons -----------------------------------------------------------

_REASON_BY_RULE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^KS-(UNKNOWN-BUYER|BUYER|GLN|ROUTING)"), "REC"),
    (re.compile(r"^KS-(DUPLICATE|UNKNOWN-SUPPLIER|BLOCKED)"), "UNR"),
    (re.compile(r"^KS-(CVR|VAT)"), "LEG"),
    (re.compile(r"^KS-(FIK|GIRO|IBAN|BANK|PAYMENT)"), "PAY"),
    (re.compile(r"^KS-(ORDER|PO|REFERENCE)"), "REF"),
    (re.compile(r"^KS-(PRICE|AMOUNT|TOLERANCE)"), "PRI"),
    (re.compile(r"^KS-(QUANTITY|QTY|RECEIPT)"), "QTY"),
    (re.compile(r"^BR-CO-(1[0-9]|2[0-9])$|^BR-(1[2-9]|2[0-9]|3[0-9])$"), "PRI"),
    (re.compile(r"^BR-(4[9]|5[0-9]|6[0-1])$"), "PAY"),
    (re.compile(r"^BR-(AE|E|G|IC|IG|IP|O|S|Z)-|^BR-CO-(0[3-9])$"), "LEG"),
    (re.compile(r"^PEPPOL-EN16931-R00[1-9]$"), "REF"),
]
_REASON_BY_WORD: list[tuple[tuple[str, ...], str]] = [
    (("amount", "price", "total", "sum", "rounding", "calculated"), "PRI"),
    (("quantity",), "QTY"),
    (("payment", "paymentmeans", "account", "iban", "fik", "giro", "due date"), "PAY"),
    (("vat", "tax", "companyid", "cvr", "legal", "exemption"), "LEG"),
    (("reference", "order", "contract", "buyerreference", "billing"), "REF"),
    (("endpoint", "customer", "buyer", "receiver", "gln"), "REC"),
    (("item", "product", "classification"), "ITM"),
    (("delivery",), "DEL"),
]


def reason_code_for(rule: str, message: str = "") -> str:
    """The clarification reason (OPStatusReason) for a finding's rule id and message."""
    for pattern, code in _REASON_BY_RULE:
        if pattern.search(rule):
            return code
    lower = message.lower()
    for words, code in _REASON_BY_WORD:
        if any(w in lower for w in words):
            return code
    return "OTH"


def reasons_from_findings(findings: Iterable[Any], *, limit: int = 25) -> list[Reason]:
    """One reason per distinct fatal finding (rule id), in order, at most ``limit``.

    A finding is anything with ``rule``, ``severity`` and ``message`` attributes (ours or the
    official runner's). Warnings do not make reasons.
    """
    out: list[Reason] = []
    seen: set[str] = set()
    for f in findings:
        if getattr(f, "severity", "fatal") != "fatal" or f.rule in seen:
            continue
        seen.add(f.rule)
        message = " ".join(str(f.message).split())
        text = message if message.startswith(f"[{f.rule}]") else f"[{f.rule}] {message}"
        out.append(Reason(reason_code_for(f.rule, message), text[:500], rule=f.rule))
        if len(out) >= limit:
            break
    return out


# -- building ---------------------------------------------------------------------------------


def _sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    ns = CBC if tag.startswith("cbc:") else CAC
    el = etree.SubElement(parent, f"{{{ns}}}{tag.split(':', 1)[1]}")
    for k, v in attrs.items():
        el.set(k, v)
    if text is not None:
        el.text = text
    return el


def _check(data: ResponseInput) -> None:
    problems: list[str] = []
    if data.status not in STATUSES:
        problems.append(f"status {data.status!r} is not one of {' '.join(STATUSES)}")
    for name in ("invoice_number", "sender_endpoint_id", "receiver_endpoint_id"):
        if not str(getattr(data, name) or "").strip():
            problems.append(f"{name} is empty")
    if data.status in STATUSES_NEEDING_REASON and not data.reasons:
        problems.append(f"status {data.status} needs at least one reason")
    for i, r in enumerate(data.reasons, 1):
        codes = ACTION_CODES if r.action else REASON_CODES
        if r.code not in codes:
            problems.append(f"reason {i}: code {r.code!r} is not in {' '.join(codes)}")
        if r.code == "PPD" and not r.action and data.status != "PD":
            problems.append(f"reason {i}: PPD is only allowed with status PD")
    if data.document_type not in ("Invoice", "CreditNote"):
        problems.append(f"document_type {data.document_type!r} is not Invoice or CreditNote")
    if problems:
        raise ResponseError("Cannot build the response: " + "; ".join(problems))


def _ids(data: ResponseInput) -> tuple[str, str, dt.date]:
    response_uuid = data.response_uuid or str(uuidlib.uuid4())
    response_id = data.response_id or f"R-{response_uuid[:8]}"
    return response_id, response_uuid, data.issue_date or dt.date.today()


def _eas(scheme: str) -> str:
    return OIOUBL_TO_EAS.get(scheme, scheme)


def _oioubl_scheme(scheme: str) -> str:
    return EAS_TO_OIOUBL.get(scheme, scheme)


def _reason_text(r: Reason) -> str:
    labels = ACTION_CODES if r.action else REASON_CODES
    return r.text or labels.get(r.code, r.code)


def _tostring(root: Any) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def peppol_invoice_response(data: ResponseInput) -> bytes:
    """Peppol BIS Invoice Response 3 (T111) as UTF-8 bytes."""
    _check(data)
    response_id, _uuid, issued = _ids(data)
    root = etree.Element(f"{{{UBL_AR}}}ApplicationResponse", nsmap=NSMAP)
    _sub(root, "cbc:CustomizationID", PEPPOL_CUSTOMIZATION)
    _sub(root, "cbc:ProfileID", PEPPOL_PROFILE)
    _sub(root, "cbc:ID", response_id)
    _sub(root, "cbc:IssueDate", issued.isoformat())
    if data.note:
        _sub(root, "cbc:Note", data.note)
    for tag, endpoint, scheme, name in (
        ("cac:SenderParty", data.sender_endpoint_id, data.sender_endpoint_scheme, data.sender_name),
        (
            "cac:ReceiverParty",
            data.receiver_endpoint_id,
            data.receiver_endpoint_scheme,
            data.receiver_name,
        ),
    ):
        party = _sub(root, tag)
        _sub(party, "cbc:EndpointID", endpoint.strip(), schemeID=_eas(scheme))
        legal = _sub(party, "cac:PartyLegalEntity")
        _sub(legal, "cbc:RegistrationName", name.strip() or endpoint.strip())
    doc_response = _sub(root, "cac:DocumentResponse")
    response = _sub(doc_response, "cac:Response")
    _sub(response, "cbc:ResponseCode", data.status)
    if data.effective_date:
        _sub(response, "cbc:EffectiveDate", data.effective_date.isoformat())
    for r in data.reasons:
        status = _sub(response, "cac:Status")
        _sub(
            status,
            "cbc:StatusReasonCode",
            r.code,
            listID="OPStatusAction" if r.action else "OPStatusReason",
        )
        _sub(status, "cbc:StatusReason", _reason_text(r))
        if r.attribute:
            condition = _sub(status, "cac:Condition")
            _sub(condition, "cbc:AttributeID", r.attribute)
            if r.value:
                _sub(condition, "cbc:Description", r.value)
    ref = _sub(doc_response, "cac:DocumentReference")
    _sub(ref, "cbc:ID", data.invoice_number.strip())
    if data.invoice_issue_date:
        _sub(ref, "cbc:IssueDate", data.invoice_issue_date.isoformat())
    _sub(ref, "cbc:DocumentTypeCode", "381" if data.document_type == "CreditNote" else "380")
    return _tostring(root)


def oioubl_application_response(data: ResponseInput) -> bytes:
    """OIOUBL 2.1 ApplicationResponse as UTF-8 bytes."""
    _check(data)
    response_id, response_uuid, issued = _ids(data)
    root = etree.Element(f"{{{UBL_AR}}}ApplicationResponse", nsmap=NSMAP)
    _sub(root, "cbc:UBLVersionID", "2.1")
    _sub(root, "cbc:CustomizationID", "OIOUBL-2.1")
    code = OIOUBL_RESPONSE_CODE[data.status]
    # OIOUBL: a TechnicalAccept belongs to the technical-response profile (rule F-APR058).
    profile = TECHNICAL_PROFILE if code == "TechnicalAccept" else data.oioubl_profile
    _sub(root, "cbc:ProfileID", profile, schemeAgencyID="320", schemeID=data.oioubl_profile_scheme)
    _sub(root, "cbc:ID", response_id)
    _sub(root, "cbc:UUID", response_uuid)
    _sub(root, "cbc:IssueDate", issued.isoformat())
    if data.note:
        _sub(root, "cbc:Note", data.note)
    for tag, endpoint, scheme, name, cvr in (
        (
            "cac:SenderParty",
            data.sender_endpoint_id,
            data.sender_endpoint_scheme,
            data.sender_name,
            data.sender_cvr,
        ),
        (
            "cac:ReceiverParty",
            data.receiver_endpoint_id,
            data.receiver_endpoint_scheme,
            data.receiver_name,
            data.receiver_cvr,
        ),
    ):
        party = _sub(root, tag)
        oio_scheme = _oioubl_scheme(scheme)
        attrs = {"schemeID": oio_scheme}
        if oio_scheme == "GLN":
            attrs["schemeAgencyID"] = "9"
        _sub(party, "cbc:EndpointID", endpoint.strip(), **attrs)
        ident = _sub(party, "cac:PartyIdentification")
        _sub(ident, "cbc:ID", endpoint.strip(), **attrs)
        pname = _sub(party, "cac:PartyName")
        _sub(pname, "cbc:Name", name.strip() or endpoint.strip())
        legal = _sub(party, "cac:PartyLegalEntity")
        _sub(legal, "cbc:RegistrationName", name.strip() or endpoint.strip())
        # OIOUBL requires the legal CompanyID: the CVR number (DK + 8 digits) when known.
        if not cvr and oio_scheme == "DK:CVR":
            cvr = endpoint
        digits = re.sub(r"\D", "", cvr or "")
        if len(digits) == 8:
            _sub(legal, "cbc:CompanyID", f"DK{digits}", schemeID="DK:CVR")
        else:
            _sub(legal, "cbc:CompanyID", endpoint.strip(), schemeID="ZZZ")
    doc_response = _sub(root, "cac:DocumentResponse")
    response = _sub(doc_response, "cac:Response")
    _sub(response, "cbc:ReferenceID", data.invoice_number.strip())
    _sub(
        response,
        "cbc:ResponseCode",
        code,
        listAgencyID="320",
        listID="urn:oioubl:codelist:responsecode-1.1",
    )
    description = oioubl_description(data)
    if description:
        _sub(response, "cbc:Description", description)
    ref = _sub(doc_response, "cac:DocumentReference")
    _sub(ref, "cbc:ID", data.invoice_number.strip())
    if data.invoice_uuid:
        _sub(ref, "cbc:UUID", data.invoice_uuid.strip())
    if data.invoice_issue_date:
        _sub(ref, "cbc:IssueDate", data.invoice_issue_date.isoformat())
    _sub(
        ref,
        "cbc:DocumentTypeCode",
        data.document_type,
        listAgencyID="320",
        listID="urn:oioubl:codelist:responsedocumenttypecode-1.2",
    )
    return _tostring(root)


def oioubl_description(data: ResponseInput) -> str:
    """The OIOUBL Description: status in Danish, then each reason (code: text)."""
    parts = [STATUSES[data.status]]
    for r in data.reasons:
        parts.append(f"{r.code}: {_reason_text(r)}")
    return " | ".join(parts)


def build_responses(data: ResponseInput) -> dict[str, bytes]:
    """Both responses: {'peppol': T111 bytes, 'oioubl': ApplicationResponse bytes}."""
    return {"peppol": peppol_invoice_response(data), "oioubl": oioubl_application_response(data)}


def response_for(data: ResponseInput, invoice_format: str | None) -> tuple[str, bytes]:
    """The response in the invoice's own format: ('oioubl', bytes) or ('peppol', bytes)."""
    if invoice_format == "oioubl":
        return "oioubl", oioubl_application_response(data)
    return "peppol", peppol_invoice_response(data)
