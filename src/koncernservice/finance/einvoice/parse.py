"""Safe parsing of incoming e-invoice bytes into an lxml tree and the internal model.

``parse_document`` never lets a hostile or broken file through: it raises
``EInvoiceError`` (with a machine ``reason``, the ``file``, a ``location`` and English and
Danish text) for anything it cannot read. Missing elements are *not* errors here: the
official unit tests are fragments, and missing things are for the rules to report.

Defences: a size limit (``max_bytes``, default 20 MB; the 3.3 MB official example with an
embedded PDF passes), no DTDs at all (any ``<!DOCTYPE`` is refused, which stops XXE and
entity-expansion "billion laughs"), an lxml parser with ``resolve_entities=False``,
``no_network=True``, ``load_dtd=False`` and ``huge_tree=False``, byte-order marks handled
(UTF-8, UTF-16), wrong or unknown encodings and non-XML content (PDF, ZIP, images) refused
with their own reason, and only UBL 2 root elements accepted.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from lxml import etree

from .document import (
    Address,
    AllowanceCharge,
    Attachment,
    Document,
    Format,
    Line,
    Party,
    PaymentMeans,
    Totals,
    VatBreakdown,
)

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Documents above this size are "large": ingest may route them to a separate queue and
# validate them with a timeout (``validate(parsed, timeout=...)``).
LARGE_DOCUMENT_BYTES = 2 * 1024 * 1024

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
UBL_PREFIX = "urn:oasis:names:specification:ubl:schema:xsd:"
INVOICE_NS = UBL_PREFIX + "Invoice-2"
CREDITNOTE_NS = UBL_PREFIX + "CreditNote-2"
CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"


class EInvoiceError(Exception):
    """A file that cannot be read as an e-invoice. ``reason`` is a stable code:

    ``too-large``, ``empty``, ``not-xml`` (PDF, ZIP, image, text), ``dtd-forbidden``
    (DOCTYPE, entities: XXE/entity expansion), ``encoding``, ``malformed``,
    ``unknown-document`` (root element/namespace not a UBL 2 document), and from
    ``validate(..., timeout=...)``: ``timeout``.
    """

    def __init__(
        self, reason: str, message: str, message_da: str, *, file: str = "", location: str = ""
    ) -> None:
        super().__init__(f"{file or '<data>'}: {message}")
        self.reason = reason
        self.message = message
        self.message_da = message_da
        self.file = file
        self.location = location

    def as_dict(self) -> dict[str, str]:
        return {
            "reason": self.reason,
            "file": self.file,
            "location": self.location,
            "message": self.message,
            "message_da": self.message_da,
        }


@dataclass(eq=False)
class ParsedDocument:
    """The parsed tree (``root``), its format and, lazily, the internal ``document``."""

    root: Any  # lxml.etree._Element
    format: Format | None
    filename: str = ""
    size: int = 0
    cache: dict[str, Any] = field(default_factory=dict)  # for rule sets' derived data

    @property
    def is_large(self) -> bool:
        return self.size > LARGE_DOCUMENT_BYTES

    @property
    def namespace(self) -> str:
        return etree.QName(self.root).namespace or ""

    @property
    def root_name(self) -> str:
        return etree.QName(self.root).localname

    @cached_property
    def document(self) -> Document:
        return build_document(self.root, self.format)


_PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
    recover=False,
)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(**_PARSER_OPTIONS)


_PARSER = _parser()

_MAGIC = [
    (b"%PDF", "a PDF document", "et PDF-dokument"),
    (b"PK\x03\x04", "a ZIP archive (or Office document)", "et ZIP-arkiv (eller Office-dokument)"),
    (b"\x89PNG", "a PNG image", "et PNG-billede"),
    (b"\xff\xd8\xff", "a JPEG image", "et JPEG-billede"),
    (b"GIF8", "a GIF image", "et GIF-billede"),
    (b"\x1f\x8b", "a gzip archive", "et gzip-arkiv"),
    (b"{", "JSON", "JSON"),
]


def _sniff(data: bytes, filename: str) -> None:
    head = data[:1024]
    stripped = head.lstrip(b"\xef\xbb\xbf").lstrip()
    for magic, what, what_da in _MAGIC:
        if stripped.startswith(magic):
            raise EInvoiceError(
                "not-xml",
                f"The file is {what}, not an XML e-invoice.",
                f"Filen er {what_da}, ikke en XML-e-faktura.",
                file=filename,
            )
    is_utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    probe = head.decode("utf-16", "replace") if is_utf16 else head.decode("latin-1")
    if "<" not in probe:
        raise EInvoiceError(
            "not-xml",
            "The file is not XML (no markup found at the start).",
            "Filen er ikke XML (ingen opmærkning i starten af filen).",
            file=filename,
        )


def _refuse_dtd(data: bytes, filename: str) -> None:
    # A DOCTYPE must come before the root element; look in the prolog only (fast), but
    # also in UTF-16 form.
    head = data[:65536]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head or "<!DOCTYPE".encode("utf-16-le") in head:
        raise EInvoiceError(
            "dtd-forbidden",
            "The document contains a DOCTYPE/entity declaration; DTDs are not allowed in "
            "e-invoices (protection against XXE and entity expansion).",
            "Dokumentet indeholder en DOCTYPE/entitetserklæring; DTD'er er ikke tilladt i "
            "e-fakturaer (beskyttelse mod XXE og entitetsudvidelse).",
            file=filename,
            location="/",
        )


def parse_document(
    data: bytes, *, filename: str = "", max_bytes: int = DEFAULT_MAX_BYTES
) -> ParsedDocument:
    """Parse ``data`` safely; raise ``EInvoiceError`` for anything unreadable."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("parse_document expects bytes")
    data = bytes(data)
    size = len(data)
    if size > max_bytes:
        raise EInvoiceError(
            "too-large",
            f"The file is {size:,} bytes; the limit is {max_bytes:,} bytes.",
            f"Filen fylder {size:,} byte; grænsen er {max_bytes:,} byte.".replace(",", "."),
            file=filename,
        )
    if not data or data.isspace():
        raise EInvoiceError("empty", "The file is empty.", "Filen er tom.", file=filename)
    _sniff(data, filename)
    _refuse_dtd(data, filename)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        msg = str(exc)
        line = getattr(exc, "lineno", None) or (exc.position[0] if exc.position else 0)
        col = exc.position[1] if getattr(exc, "position", None) else 0
        lowered = msg.lower()
        if "encoding" in lowered or "utf-8" in lowered or "bytes" in lowered:
            raise EInvoiceError(
                "encoding",
                f"The file's character encoding is wrong or unknown: {msg}",
                f"Filens tegnkodning er forkert eller ukendt: {msg}",
                file=filename,
                location=f"line {line}, column {col}",
            ) from None
        if "entity" in lowered or "doctype" in lowered or "dtd" in lowered:
            raise EInvoiceError(
                "dtd-forbidden",
                f"Entities/DTDs are not allowed: {msg}",
                f"Entiteter/DTD'er er ikke tilladt: {msg}",
                file=filename,
                location=f"line {line}, column {col}",
            ) from None
        raise EInvoiceError(
            "malformed",
            f"The XML is malformed: {msg}",
            f"XML'en er ikke velformet: {msg}",
            file=filename,
            location=f"line {line}, column {col}",
        ) from None
    except (ValueError, LookupError) as exc:  # e.g. unknown encoding name
        raise EInvoiceError(
            "encoding",
            f"The file's character encoding is wrong or unknown: {exc}",
            f"Filens tegnkodning er forkert eller ukendt: {exc}",
            file=filename,
        ) from None
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        _refuse_dtd(b"<!DOCTYPE", filename)
    if not isinstance(root.tag, str):  # pragma: no cover - lxml gives the element
        raise EInvoiceError("malformed", "No root element.", "Intet rodelement.", file=filename)
    qname = etree.QName(root)
    ns = qname.namespace or ""
    if not ns.startswith(UBL_PREFIX) or ns.startswith(UBL_PREFIX + "Common"):
        what = (
            "a UN/CEFACT CII invoice"
            if ns == CII_NS
            else f"'{qname.localname}' ({ns or 'no namespace'})"
        )
        what_da = (
            "en UN/CEFACT CII-faktura"
            if ns == CII_NS
            else f"'{qname.localname}' ({ns or 'intet navnerum'})"
        )
        raise EInvoiceError(
            "unknown-document",
            f"Unknown document type {what}; expected a UBL 2 Invoice or CreditNote "
            "(OIOUBL 2.1 or Peppol BIS 3).",
            f"Ukendt dokumenttype {what_da}; forventede en UBL 2 Invoice eller CreditNote "
            "(OIOUBL 2.1 eller Peppol BIS 3).",
            file=filename,
            location="/" + qname.localname,
        )
    return ParsedDocument(root=root, format=detect_format(root), filename=filename, size=size)


def detect_format(root: Any) -> Format | None:
    """'oioubl' for OIOUBL 2.x, 'peppol' for other UBL 2 documents (Peppol BIS 3 and plain
    EN 16931 UBL), ``None`` for anything that is not UBL 2.

    The CustomizationID decides; when it names neither OIOUBL nor Peppol/EN 16931 (missing
    or wrong), an OIOUBL ProfileID (``Procurement-…``, ``urn:www.nesubl.eu…``) or, without a
    CustomizationID, UBL version 2.0 means OIOUBL: such a document gets the OIOUBL rules and
    their message about the CustomizationID (F-LIB002), not Peppol's. The official route
    picks its stylesheets by the same decision (``official.stylesheets_for``)."""
    if not isinstance(getattr(root, "tag", None), str):
        return None
    tag = root.tag
    if not tag.startswith("{" + UBL_PREFIX) or tag.startswith("{" + UBL_PREFIX + "Common"):
        return None
    cust = root.findtext(f"{{{CBC}}}CustomizationID") or ""
    cust = cust.strip()
    if cust.upper().startswith("OIOUBL") or cust.startswith("urn:oioubl"):
        return "oioubl"
    lowered = cust.lower()
    if "peppol" in lowered or "poacc" in lowered or lowered.startswith("urn:cen.eu"):
        return "peppol"
    profile = (root.findtext(f"{{{CBC}}}ProfileID") or "").strip()
    version = (root.findtext(f"{{{CBC}}}UBLVersionID") or "").strip()
    if (
        profile.startswith("urn:www.nesubl.eu")
        or profile.startswith("Procurement-")
        or (not cust and version == "2.0")
    ):
        return "oioubl"
    return "peppol"


# --------------------------------------------------------------------------- model


def _c(name: str) -> str:
    return f"{{{CBC}}}{name}"


def _a(name: str) -> str:
    return f"{{{CAC}}}{name}"


def _text(el: Any, path: str) -> str:
    if el is None:
        return ""
    t = el.findtext(path)
    return t.strip() if t else ""


def _dec(el: Any, path: str) -> Decimal | None:
    t = _text(el, path)
    if not t:
        return None
    try:
        d = Decimal(t)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _date(el: Any, path: str) -> dt.date | None:
    t = _text(el, path)
    try:
        return dt.date.fromisoformat(t[:10]) if t else None
    except ValueError:
        return None


def _p(*names: str) -> str:
    """ElementPath from 'cac:X', 'cbc:Y' parts."""
    out = []
    for n in names:
        prefix, local = n.split(":")
        out.append(f"{{{CAC if prefix == 'cac' else CBC}}}{local}")
    return "/".join(out)


def _party(el: Any) -> Party:
    p = Party()
    if el is None:
        return p
    party = el.find(_p("cac:Party")) if el.tag != _a("Party") else el
    if party is None:
        return p
    ep = party.find(_c("EndpointID"))
    if ep is not None:
        p.endpoint_id = (ep.text or "").strip()
        p.endpoint_scheme = ep.get("schemeID", "") or ep.get("schemeAgencyID", "")
    for pid in party.iterfind(_p("cac:PartyIdentification", "cbc:ID")):
        p.identifications.append(((pid.text or "").strip(), pid.get("schemeID", "")))
    p.name = _text(party, _p("cac:PartyName", "cbc:Name")) or _text(
        party, _p("cac:PartyLegalEntity", "cbc:RegistrationName")
    )
    legal = party.find(_p("cac:PartyLegalEntity", "cbc:CompanyID"))
    if legal is not None:
        p.company_id = (legal.text or "").strip()
        p.company_id_scheme = legal.get("schemeID", "")
    for pts in party.iterfind(_p("cac:PartyTaxScheme")):
        cid = _text(pts, _p("cbc:CompanyID"))
        if cid and not p.vat_id:
            p.vat_id = cid
    addr = party.find(_p("cac:PostalAddress"))
    if addr is not None:
        street = _text(addr, _p("cbc:StreetName"))
        number = _text(addr, _p("cbc:BuildingNumber"))
        p.address = Address(
            street=f"{street} {number}".strip(),
            additional_street=_text(addr, _p("cbc:AdditionalStreetName")),
            city=_text(addr, _p("cbc:CityName")),
            postal_code=_text(addr, _p("cbc:PostalZone")),
            country=_text(addr, _p("cac:Country", "cbc:IdentificationCode")),
        )
    contact = party.find(_p("cac:Contact"))
    if contact is not None:
        p.contact_name = _text(contact, _p("cbc:Name"))
        p.contact_email = _text(contact, _p("cbc:ElectronicMail"))
        p.contact_phone = _text(contact, _p("cbc:Telephone"))
    if not p.company_id and p.endpoint_scheme in ("0184", "DK:CVR"):
        p.company_id = p.endpoint_id
    return p


def _allowance(el: Any) -> AllowanceCharge:
    return AllowanceCharge(
        charge=_text(el, _p("cbc:ChargeIndicator")).lower() == "true",
        amount=_dec(el, _p("cbc:Amount")),
        base_amount=_dec(el, _p("cbc:BaseAmount")),
        percent=_dec(el, _p("cbc:MultiplierFactorNumeric")),
        reason=_text(el, _p("cbc:AllowanceChargeReason")),
        reason_code=_text(el, _p("cbc:AllowanceChargeReasonCode")),
        vat_category=_text(el, _p("cac:TaxCategory", "cbc:ID")),
        vat_percent=_dec(el, _p("cac:TaxCategory", "cbc:Percent")),
    )


def build_document(root: Any, fmt: Format | None) -> Document:
    """Map the UBL tree to ``Document`` (lenient: missing elements stay empty/None)."""
    local = etree.QName(root).localname
    is_cn = local == "CreditNote"
    d = Document(doc_type=local, format=fmt)
    d.customization_id = _text(root, _c("CustomizationID"))
    d.profile_id = _text(root, _c("ProfileID"))
    d.ubl_version = _text(root, _c("UBLVersionID"))
    d.number = _text(root, _c("ID"))
    d.uuid = _text(root, _c("UUID"))
    d.issue_date = _date(root, _c("IssueDate"))
    d.due_date = _date(root, _c("DueDate"))
    d.type_code = _text(root, _c("CreditNoteTypeCode" if is_cn else "InvoiceTypeCode"))
    d.currency = _text(root, _c("DocumentCurrencyCode"))
    d.tax_currency = _text(root, _c("TaxCurrencyCode"))
    d.notes = [(n.text or "").strip() for n in root.iterfind(_c("Note"))]
    d.buyer_reference = _text(root, _c("BuyerReference"))
    d.accounting_cost = _text(root, _c("AccountingCost"))
    d.order_reference = _text(root, _p("cac:OrderReference", "cbc:ID"))
    d.contract_reference = _text(root, _p("cac:ContractDocumentReference", "cbc:ID"))
    d.billing_references = [
        (e.text or "").strip()
        for e in root.iterfind(_p("cac:BillingReference", "cac:InvoiceDocumentReference", "cbc:ID"))
    ]
    d.supplier = _party(root.find(_a("AccountingSupplierParty")))
    d.customer = _party(root.find(_a("AccountingCustomerParty")))
    payee = root.find(_a("PayeeParty"))
    d.payee = _party(payee) if payee is not None else None
    for pm in root.iterfind(_a("PaymentMeans")):
        acct = pm.find(_a("PayeeFinancialAccount"))
        means = PaymentMeans(
            code=_text(pm, _c("PaymentMeansCode")),
            payment_id=_text(pm, _c("PaymentID")),
            instruction_id=_text(pm, _c("InstructionID")),
            creditor_account=_text(pm, _p("cac:CreditAccount", "cbc:AccountID")),
            due_date=_date(pm, _c("PaymentDueDate")),
        )
        if fmt == "peppol":
            means.payment_reference = means.payment_id
        if acct is not None:
            aid = acct.find(_c("ID"))
            if aid is not None:
                means.account_id = (aid.text or "").strip()
                means.account_scheme = aid.get("schemeID", "")
            means.bank_reg_no = _text(acct, _p("cac:FinancialInstitutionBranch", "cbc:ID"))
            means.bic = _text(
                acct, _p("cac:FinancialInstitutionBranch", "cac:FinancialInstitution", "cbc:ID")
            ) or (means.bank_reg_no if fmt == "peppol" else "")
            if fmt == "peppol":
                means.bank_reg_no = ""
        if means.due_date and d.due_date is None:
            d.due_date = means.due_date
        d.payment_means.append(means)
    d.payment_terms = [
        _text(pt, _c("Note")) for pt in root.iterfind(_a("PaymentTerms")) if _text(pt, _c("Note"))
    ]
    if d.due_date is None:
        d.due_date = _date(root, _p("cac:PaymentTerms", "cbc:PaymentDueDate"))
    d.allowances_charges = [_allowance(e) for e in root.iterfind(_a("AllowanceCharge"))]
    cur = d.currency
    for tt in root.iterfind(_a("TaxTotal")):
        ta = tt.find(_c("TaxAmount"))
        same_currency = ta is not None and (not cur or ta.get("currencyID", cur) == cur)
        if same_currency and d.totals.vat_total is None:
            d.totals.vat_total = _dec(tt, _c("TaxAmount"))
        for st in tt.iterfind(_a("TaxSubtotal")):
            cat = st.find(_a("TaxCategory"))
            d.vat_breakdown.append(
                VatBreakdown(
                    category=_text(cat, _c("ID")),
                    percent=_dec(cat, _c("Percent")) if cat is not None else None,
                    taxable_amount=_dec(st, _c("TaxableAmount")),
                    tax_amount=_dec(st, _c("TaxAmount")),
                    exemption_reason=_text(cat, _c("TaxExemptionReason")),
                    exemption_reason_code=_text(cat, _c("TaxExemptionReasonCode")),
                )
            )
    lmt = root.find(_a("RequestedMonetaryTotal" if local == "Reminder" else "LegalMonetaryTotal"))
    if lmt is None:
        lmt = root.find(_a("LegalMonetaryTotal"))
    t = Totals()
    if lmt is not None:
        t.line_extension = _dec(lmt, _c("LineExtensionAmount"))
        t.raw_tax_exclusive = _dec(lmt, _c("TaxExclusiveAmount"))
        t.tax_inclusive = _dec(lmt, _c("TaxInclusiveAmount"))
        t.allowance_total = _dec(lmt, _c("AllowanceTotalAmount"))
        t.charge_total = _dec(lmt, _c("ChargeTotalAmount"))
        t.prepaid = _dec(lmt, _c("PrepaidAmount"))
        t.rounding = _dec(lmt, _c("PayableRoundingAmount"))
        t.payable = _dec(lmt, _c("PayableAmount"))
    t.vat_total = d.totals.vat_total
    if fmt == "oioubl":
        # OIOUBL: TaxExclusiveAmount is the VAT sum.
        if t.raw_tax_exclusive is not None:
            t.vat_total = t.raw_tax_exclusive
        if t.tax_inclusive is not None and t.vat_total is not None:
            t.tax_exclusive = t.tax_inclusive - t.vat_total
        elif t.line_extension is not None:
            t.tax_exclusive = t.line_extension - (t.allowance_total or 0) + (t.charge_total or 0)
    else:
        t.tax_exclusive = t.raw_tax_exclusive
    d.totals = t
    line_tag = {"CreditNote": "CreditNoteLine", "Reminder": "ReminderLine"}.get(
        local, "InvoiceLine"
    )
    qty_tag = "CreditedQuantity" if is_cn else "InvoicedQuantity"
    for le in root.iterfind(_a(line_tag)):
        q = le.find(_c(qty_tag))
        item = le.find(_a("Item"))
        cat = None
        if item is not None:
            cat = item.find(_a("ClassifiedTaxCategory"))
        if cat is None:
            cat = le.find(_p("cac:TaxTotal", "cac:TaxSubtotal", "cac:TaxCategory"))
        d.lines.append(
            Line(
                id=_text(le, _c("ID")),
                quantity=_dec(le, _c(qty_tag)),
                unit_code=q.get("unitCode", "") if q is not None else "",
                net_amount=_dec(le, _c("LineExtensionAmount")),
                price=_dec(le, _p("cac:Price", "cbc:PriceAmount")),
                base_quantity=_dec(le, _p("cac:Price", "cbc:BaseQuantity")),
                item_name=_text(item, _c("Name")),
                item_description=_text(item, _c("Description")),
                sellers_item_id=_text(item, _p("cac:SellersItemIdentification", "cbc:ID")),
                standard_item_id=_text(item, _p("cac:StandardItemIdentification", "cbc:ID")),
                vat_category=_text(cat, _c("ID")),
                vat_percent=_dec(cat, _c("Percent")) if cat is not None else None,
                order_line_reference=_text(le, _p("cac:OrderLineReference", "cbc:LineID")),
                accounting_cost=_text(le, _c("AccountingCost")),
                allowances_charges=[_allowance(e) for e in le.iterfind(_a("AllowanceCharge"))],
            )
        )
    for ref in root.iterfind(_a("AdditionalDocumentReference")):
        att = ref.find(_a("Attachment"))
        if att is None:
            continue
        obj = att.find(_c("EmbeddedDocumentBinaryObject"))
        size = 0
        if obj is not None and obj.text:
            try:
                size = len(base64.b64decode(obj.text, validate=False))
            except (binascii.Error, ValueError):
                size = 0
        d.attachments.append(
            Attachment(
                id=_text(ref, _c("ID")),
                description=_text(ref, _c("DocumentDescription")) or _text(ref, _c("DocumentType")),
                filename=obj.get("filename", "") if obj is not None else "",
                mime_code=obj.get("mimeCode", "") if obj is not None else "",
                size=size,
                uri=_text(att, _p("cac:ExternalReference", "cbc:URI")),
            )
        )
    return d


# MIME types an embedded attachment is served as (Peppol BIS 3's allowed list); anything else
# is served as application/octet-stream, always as a download.
ATTACHMENT_MIME_TYPES = frozenset(
    (
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
    )
)


def attachment_content(root: Any, index: int) -> tuple[Attachment, bytes] | None:
    """The ``index``-th (0-based, in ``Document.attachments`` order) attachment of a parsed
    document with its decoded content, or None when there is no such attachment or it is
    not embedded (an external URI) or not valid base64."""
    position = -1
    for ref in root.iterfind(_a("AdditionalDocumentReference")):
        att = ref.find(_a("Attachment"))
        if att is None:
            continue
        position += 1
        if position != index:
            continue
        obj = att.find(_c("EmbeddedDocumentBinaryObject"))
        if obj is None or not obj.text:
            return None
        try:
            content = base64.b64decode(obj.text, validate=False)
        except (binascii.Error, ValueError):
            return None
        meta = Attachment(
            id=_text(ref, _c("ID")),
            description=_text(ref, _c("DocumentDescription")) or _text(ref, _c("DocumentType")),
            filename=obj.get("filename", ""),
            mime_code=obj.get("mimeCode", ""),
            size=len(content),
        )
        return meta, content
    return None


_UNSAFE_FILENAME = re.compile(r"[^\w.\- ]+")


def attachment_filename(name: str, index: int) -> str:
    """A safe download name for an attachment: the sender's file name without any folder,
    quotes or control characters; ``bilag-N`` when nothing usable remains."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE_FILENAME.sub("_", base).strip(" ._")[:120]
    return cleaned or f"bilag-{index + 1}"
