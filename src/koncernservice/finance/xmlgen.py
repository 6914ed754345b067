"""Write e-invoices and credit notes as real OIOUBL 2.1 or Peppol BIS 3 XML, from a small
specification. Used by the demo, the tests, the browser test and the benchmark.

The documents follow the official examples' structure; ``tests/finance`` checks that a
clean specification passes our validator (and thus the official rules). They are written as
strings, not built as an lxml tree: the same bytes as lxml's serialization of that tree (a
test re-serializes generated documents through lxml and compares) at ~1/10 of the CPU, which
is what lets ``ks demo`` write a year of invoices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache, partial

from koncernservice.finance.rules import money, reverse_charge_base

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
ROOT_NS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
PEPPOL_CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PEPPOL_PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
OIOUBL_TAX = {"schemeAgencyID": "320", "schemeID": "urn:oioubl:id:taxschemeid-1.1"}
OIOUBL_CATEGORY = {"schemeAgencyID": "320", "schemeID": "urn:oioubl:id:taxcategoryid-1.1"}


@dataclass
class LineSpec:
    description: str
    quantity: Decimal
    unit_price: Decimal
    item_id: str = ""
    order_line: str = ""
    vat_percent: Decimal = Decimal("25")

    @property
    def net(self) -> Decimal:
        return money(self.quantity * self.unit_price)


@dataclass
class PartySpec:
    name: str
    cvr: str = ""
    gln: str = ""
    street: str = "Rådhuspladsen"
    number: str = "1"
    city: str = "København V"
    postal_code: str = "1550"
    # a foreign party (Peppol only): its country, its legal id and scheme (e.g. a Swedish
    # organisation number, 0007) as endpoint and identification, and its VAT number
    country: str = "DK"
    legal_id: str = ""
    legal_scheme: str = ""
    vat_number: str = ""


@dataclass
class InvoiceSpec:
    number: str
    uuid: str
    issue_date: dt.date
    due_date: dt.date
    supplier: PartySpec
    buyer: PartySpec
    lines: list[LineSpec]
    credit_note: bool = False
    order_reference: str = ""
    buyer_reference: str = ""
    billing_reference: str = ""
    billing_reference_date: dt.date | None = None
    # payment: "domestic" (reg_no + account), "fik" (card 71, creditor + payment id), "iban"
    payment: str = "domestic"
    reg_no: str = "1234"
    account_no: str = "1234567890"
    iban: str = ""
    fik_creditor: str = ""
    fik_payment_id: str = ""
    bic: str = ""
    currency: str = "DKK"
    # Peppol only: "" = standard or zero rated by each line's rate; "AE" (reverse charge) or
    # "K" (intra-community supply of goods): the seller charges no VAT, the buyer accounts
    # for it, so every line is at 0 % in that category (set the buyer's ``vat_number``)
    vat_category: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def means_code(self) -> str:
        """The payment means (UNCL 4461) as the Peppol document states it: 93 FIK, 58 a SEPA
        transfer (euro, and DKK IBANs as before), 30 another credit transfer, 31 domestic."""
        if self.payment == "fik":
            return "93"
        if self.payment == "iban":
            return "58" if self.currency in {"DKK", "EUR"} else "30"
        return "31"

    @property
    def line_total(self) -> Decimal:
        return sum((ln.net for ln in self.lines), Decimal(0))

    def vat_percent(self, line: LineSpec) -> Decimal:
        """The line's VAT rate as invoiced: 0 in a category where the buyer pays the VAT."""
        return Decimal(0) if self.vat_category else line.vat_percent

    def vat_groups(self) -> dict[Decimal, tuple[Decimal, Decimal]]:
        groups: dict[Decimal, Decimal] = {}
        for ln in self.lines:
            percent = self.vat_percent(ln)
            groups[percent] = groups.get(percent, Decimal(0)) + ln.net
        return {p: (base, money(base * p / 100)) for p, base in sorted(groups.items())}

    @property
    def vat_total(self) -> Decimal:
        return sum((v for _b, v in self.vat_groups().values()), Decimal(0))

    @property
    def reverse_charge_base(self) -> Decimal:
        """What the buyer owes Danish VAT on (0 unless ``vat_category`` is AE or K)."""
        groups = self.vat_groups().values()
        return reverse_charge_base((self.vat_category, base) for base, _vat in groups)

    @property
    def payable(self) -> Decimal:
        return self.line_total + self.vat_total


DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"


def _esc(text: str) -> str:
    """Text as lxml serializes it: ``&``, ``<``, ``>`` and carriage returns escaped."""
    if "&" in text or "<" in text or ">" in text or "\r" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        text = text.replace("\r", "&#13;")
    return text


@lru_cache(maxsize=256)
def _attr(text: str) -> str:
    """An attribute value as lxml serializes it (also quotes, tabs and line feeds)."""
    return _esc(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


class _Doc:
    """A document written in order as a list of strings: ``cbc`` leaves whole, ``cac``
    aggregates opened and closed around their content."""

    def __init__(self, kind: str, currency: str = "DKK") -> None:
        self.kind = kind
        self.currency = currency
        self.parts = [
            f'{DECLARATION}<{kind} xmlns="{ROOT_NS[kind]}" xmlns:cac="{CAC}" xmlns:cbc="{CBC}">'
        ]

    def cbc(self, tag: str, text: str, **attrs: str) -> None:
        if attrs:
            extra = "".join(f' {k}="{_attr(v)}"' for k, v in attrs.items())
            self.parts.append(f"<cbc:{tag}{extra}>{_esc(text)}</cbc:{tag}>")
        else:
            self.parts.append(f"<cbc:{tag}>{_esc(text)}</cbc:{tag}>")

    def amount(self, tag: str, value: Decimal) -> None:
        self.parts.append(
            f'<cbc:{tag} currencyID="{_attr(self.currency)}">{money(value):.2f}</cbc:{tag}>'
        )

    def open(self, *tags: str) -> None:
        self.parts.extend(f"<cac:{tag}>" for tag in tags)

    def close(self, *tags: str) -> None:
        self.parts.extend(f"</cac:{tag}>" for tag in tags)

    def leaf(self, tags: tuple[str, ...], tag: str, text: str, **attrs: str) -> None:
        """``cbc:tag`` inside the nested aggregates ``tags`` (outermost first)."""
        self.open(*tags)
        self.cbc(tag, text, **attrs)
        self.close(*reversed(tags))

    def done(self) -> bytes:
        self.parts.append(f"</{self.kind}>")
        return "".join(self.parts).encode()


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def render(spec: InvoiceSpec, fmt: str) -> bytes:
    """The document as bytes (UTF-8, with XML declaration)."""
    return peppol(spec) if fmt == "peppol" else oioubl(spec)


def peppol(spec: InvoiceSpec) -> bytes:
    doc = _Doc("CreditNote" if spec.credit_note else "Invoice", spec.currency)
    doc.cbc("CustomizationID", PEPPOL_CUSTOMIZATION)
    doc.cbc("ProfileID", PEPPOL_PROFILE)
    doc.cbc("ID", spec.number)
    doc.cbc("IssueDate", spec.issue_date.isoformat())
    if not spec.credit_note:
        doc.cbc("DueDate", spec.due_date.isoformat())
    if spec.credit_note:
        doc.cbc("CreditNoteTypeCode", "381")
    else:
        doc.cbc("InvoiceTypeCode", "380")
    doc.cbc("DocumentCurrencyCode", spec.currency)
    doc.cbc("BuyerReference", spec.buyer_reference or spec.order_reference or spec.number)
    if spec.order_reference:
        doc.leaf(("OrderReference",), "ID", spec.order_reference)
    if spec.billing_reference:
        doc.open("BillingReference", "InvoiceDocumentReference")
        doc.cbc("ID", spec.billing_reference)
        if spec.billing_reference_date:
            doc.cbc("IssueDate", spec.billing_reference_date.isoformat())
        doc.close("InvoiceDocumentReference", "BillingReference")
    for role, party in (
        ("AccountingSupplierParty", spec.supplier),
        ("AccountingCustomerParty", spec.buyer),
    ):
        doc.open(role, "Party")
        legal_id, legal_scheme = (
            (party.legal_id, party.legal_scheme) if party.legal_id else (party.cvr, "0184")
        )
        if party.gln:
            doc.cbc("EndpointID", party.gln, schemeID="0088")
        else:
            doc.cbc("EndpointID", legal_id, schemeID=legal_scheme)
        # an EAS-only scheme (99xx, e.g. 9930 German VAT) is no ISO 6523 ICD: it names the
        # endpoint only (BR-CL-10, BR-CL-11)
        legal_id = "" if legal_scheme.startswith("99") else legal_id
        if legal_id:
            doc.leaf(("PartyIdentification",), "ID", legal_id, schemeID=legal_scheme)
        doc.leaf(("PartyName",), "Name", party.name)
        doc.open("PostalAddress")
        doc.cbc("StreetName", f"{party.street} {party.number}")
        doc.cbc("CityName", party.city)
        doc.cbc("PostalZone", party.postal_code)
        doc.leaf(("Country",), "IdentificationCode", party.country)
        doc.close("PostalAddress")
        vat_number = party.vat_number or (f"DK{party.cvr}" if party.cvr else "")
        if vat_number and (role == "AccountingSupplierParty" or party.vat_number):
            doc.open("PartyTaxScheme")
            doc.cbc("CompanyID", vat_number)
            doc.leaf(("TaxScheme",), "ID", "VAT")
            doc.close("PartyTaxScheme")
        doc.open("PartyLegalEntity")
        doc.cbc("RegistrationName", party.name)
        if legal_id:
            doc.cbc("CompanyID", legal_id, schemeID=legal_scheme)
        doc.close("PartyLegalEntity", "Party", role)
    if spec.vat_category == "K":  # BR-IC-11, BR-IC-12: when and to which country
        doc.open("Delivery")
        doc.cbc("ActualDeliveryDate", spec.issue_date.isoformat())
        doc.open("DeliveryLocation", "Address")
        doc.leaf(("Country",), "IdentificationCode", spec.buyer.country)
        doc.close("Address", "DeliveryLocation", "Delivery")
    doc.open("PaymentMeans")
    doc.cbc("PaymentMeansCode", spec.means_code)
    if spec.payment == "fik":
        doc.cbc("PaymentID", f"71#{spec.fik_payment_id}")
        doc.leaf(("PayeeFinancialAccount",), "ID", spec.fik_creditor)
    elif spec.payment == "iban":
        doc.cbc("PaymentID", spec.number)
        doc.open("PayeeFinancialAccount")
        doc.cbc("ID", spec.iban)
        if spec.bic:
            doc.leaf(("FinancialInstitutionBranch",), "ID", spec.bic)
        doc.close("PayeeFinancialAccount")
    else:
        doc.cbc("PaymentID", spec.number)
        doc.open("PayeeFinancialAccount")
        doc.cbc("ID", spec.account_no)
        doc.leaf(("FinancialInstitutionBranch",), "ID", spec.reg_no)
        doc.close("PayeeFinancialAccount")
    doc.close("PaymentMeans")
    doc.leaf(("PaymentTerms",), "Note", "Netto 30 dage")
    groups = spec.vat_groups()
    category = partial(_peppol_category, code=spec.vat_category)
    _tax_total(doc, groups, partial(category, exemption=True))
    line_total = spec.line_total
    payable = line_total + sum((v for _b, v in groups.values()), Decimal(0))
    doc.open("LegalMonetaryTotal")
    doc.amount("LineExtensionAmount", line_total)
    doc.amount("TaxExclusiveAmount", line_total)
    doc.amount("TaxInclusiveAmount", payable)
    doc.amount("PayableAmount", payable)
    doc.close("LegalMonetaryTotal")
    line_tag = "CreditNoteLine" if spec.credit_note else "InvoiceLine"
    for index, ln in enumerate(spec.lines, start=1):
        doc.open(line_tag)
        doc.cbc("ID", str(index))
        doc.cbc(
            "CreditedQuantity" if spec.credit_note else "InvoicedQuantity",
            _qty(ln.quantity),
            unitCode="EA",
        )
        doc.amount("LineExtensionAmount", ln.net)
        if ln.order_line and spec.order_reference:
            doc.leaf(("OrderLineReference",), "LineID", ln.order_line)
        doc.open("Item")
        doc.cbc("Name", ln.description[:100])
        if ln.item_id:
            doc.leaf(("SellersItemIdentification",), "ID", ln.item_id)
        doc.open("ClassifiedTaxCategory")
        category(doc, spec.vat_percent(ln))
        doc.close("ClassifiedTaxCategory", "Item")
        doc.open("Price")
        doc.amount("PriceAmount", ln.unit_price)
        doc.close("Price", line_tag)
    return doc.done()


def _tax_total(
    doc: _Doc,
    groups: dict[Decimal, tuple[Decimal, Decimal]],
    category: Callable[[_Doc, Decimal], None],
) -> None:
    """The document's ``TaxTotal`` with one subtotal per VAT rate; ``category`` writes the
    syntax's own tax category (Peppol's S/Z codes, OIOUBL's named categories)."""
    doc.open("TaxTotal")
    doc.amount("TaxAmount", sum((v for _b, v in groups.values()), Decimal(0)))
    for percent, (base, vat) in groups.items():
        doc.open("TaxSubtotal")
        doc.amount("TaxableAmount", base)
        doc.amount("TaxAmount", vat)
        doc.open("TaxCategory")
        category(doc, percent)
        doc.close("TaxCategory", "TaxSubtotal")
    doc.close("TaxTotal")


# The VAT exemption reason (code, text) a breakdown in these categories must give (BR-AE-10,
# BR-IC-10).
EXEMPTIONS = {
    "AE": ("VATEX-EU-AE", "Reverse charge"),
    "K": ("VATEX-EU-IC", "Intra-Community supply"),
}


def _peppol_category(doc: _Doc, percent: Decimal, code: str = "", exemption: bool = False) -> None:
    doc.cbc("ID", code or ("S" if percent else "Z"))
    doc.cbc("Percent", _qty(percent))
    if exemption and code in EXEMPTIONS:
        reason_code, reason = EXEMPTIONS[code]
        doc.cbc("TaxExemptionReasonCode", reason_code)
        doc.cbc("TaxExemptionReason", reason)
    doc.leaf(("TaxScheme",), "ID", "VAT")


def _oioubl_category(doc: _Doc, percent: Decimal) -> None:
    doc.cbc("ID", "StandardRated" if percent else "ZeroRated", **OIOUBL_CATEGORY)
    doc.cbc("Percent", _qty(percent))
    doc.open("TaxScheme")
    doc.cbc("ID", "63", **OIOUBL_TAX)
    doc.cbc("Name", "Moms")
    doc.close("TaxScheme")


def oioubl(spec: InvoiceSpec) -> bytes:
    doc = _Doc("CreditNote" if spec.credit_note else "Invoice", spec.currency)
    doc.cbc("UBLVersionID", "2.1")
    doc.cbc("CustomizationID", "OIOUBL-2.1")
    doc.cbc(
        "ProfileID",
        "urn:www.nesubl.eu:profiles:profile5:ver2.0",
        schemeAgencyID="320",
        schemeID="urn:oioubl:id:profileid-1.2",
    )
    doc.cbc("ID", spec.number)
    doc.cbc("CopyIndicator", "false")
    doc.cbc("UUID", spec.uuid)
    doc.cbc("IssueDate", spec.issue_date.isoformat())
    if not spec.credit_note:
        doc.cbc(
            "InvoiceTypeCode",
            "380",
            listAgencyID="320",
            listID="urn:oioubl:codelist:invoicetypecode-1.1",
        )
    doc.cbc("DocumentCurrencyCode", spec.currency)
    if spec.order_reference:
        doc.open("OrderReference")
        doc.cbc("ID", spec.order_reference)
        doc.cbc("IssueDate", spec.issue_date.isoformat())
        doc.close("OrderReference")
    if spec.billing_reference:
        doc.leaf(("BillingReference", "InvoiceDocumentReference"), "ID", spec.billing_reference)
    for role, party in (
        ("AccountingSupplierParty", spec.supplier),
        ("AccountingCustomerParty", spec.buyer),
    ):
        doc.open(role, "Party")
        if party.gln:
            doc.cbc("EndpointID", party.gln, schemeAgencyID="9", schemeID="GLN")
            doc.leaf(("PartyIdentification",), "ID", party.gln, schemeAgencyID="9", schemeID="GLN")
        else:
            doc.cbc("EndpointID", f"DK{party.cvr}", schemeID="DK:CVR")
            doc.leaf(("PartyIdentification",), "ID", f"DK{party.cvr}", schemeID="DK:CVR")
        doc.leaf(("PartyName",), "Name", party.name)
        doc.open("PostalAddress")
        doc.cbc(
            "AddressFormatCode",
            "StructuredDK",
            listAgencyID="320",
            listID="urn:oioubl:codelist:addressformatcode-1.1",
        )
        doc.cbc("StreetName", party.street)
        doc.cbc("BuildingNumber", party.number)
        doc.cbc("CityName", party.city)
        doc.cbc("PostalZone", party.postal_code)
        doc.leaf(("Country",), "IdentificationCode", "DK")
        doc.close("PostalAddress")
        if role == "AccountingSupplierParty":
            doc.open("PartyTaxScheme")
            doc.cbc("CompanyID", f"DK{party.cvr}", schemeID="DK:SE")
            doc.open("TaxScheme")
            doc.cbc("ID", "63", **OIOUBL_TAX)
            doc.cbc("Name", "Moms")
            doc.close("TaxScheme", "PartyTaxScheme")
            doc.open("PartyLegalEntity")
            doc.cbc("RegistrationName", party.name)
            doc.cbc("CompanyID", f"DK{party.cvr}", schemeID="DK:CVR")
            doc.close("PartyLegalEntity")
        else:
            doc.open("Contact")
            doc.cbc("ID", spec.buyer_reference or "1")
            doc.cbc("Name", "Bogholderiet")
            doc.close("Contact")
        doc.close("Party", role)
    doc.open("PaymentMeans")
    doc.cbc("ID", "1")
    if spec.payment == "fik":
        doc.cbc("PaymentMeansCode", "93")
        doc.cbc("PaymentDueDate", spec.due_date.isoformat())
        doc.cbc(
            "PaymentChannelCode",
            "DK:FIK",
            listAgencyID="320",
            listID="urn:oioubl:codelist:paymentchannelcode-1.1",
        )
        doc.cbc("InstructionID", spec.fik_payment_id)
        doc.cbc("PaymentID", "71", schemeAgencyID="320", schemeID="urn:oioubl:id:paymentid-1.1")
        doc.leaf(("CreditAccount",), "AccountID", spec.fik_creditor)
    elif spec.payment == "iban":
        doc.cbc("PaymentMeansCode", "31")
        doc.cbc("PaymentDueDate", spec.due_date.isoformat())
        doc.cbc(
            "PaymentChannelCode",
            "IBAN",
            listAgencyID="320",
            listID="urn:oioubl:codelist:paymentchannelcode-1.1",
        )
        doc.open("PayeeFinancialAccount")
        doc.cbc("ID", spec.iban)
        doc.leaf(("FinancialInstitutionBranch", "FinancialInstitution"), "ID", "DABADKKK")
        doc.close("PayeeFinancialAccount")
    else:
        doc.cbc("PaymentMeansCode", "42")
        doc.cbc("PaymentDueDate", spec.due_date.isoformat())
        doc.cbc(
            "PaymentChannelCode",
            "DK:BANK",
            listAgencyID="320",
            listID="urn:oioubl:codelist:paymentchannelcode-1.1",
        )
        doc.open("PayeeFinancialAccount")
        doc.cbc("ID", spec.account_no)
        doc.cbc("PaymentNote", spec.number)
        doc.leaf(("FinancialInstitutionBranch",), "ID", spec.reg_no)
        doc.close("PayeeFinancialAccount")
    doc.close("PaymentMeans")
    groups = spec.vat_groups()
    vat_total = sum((v for _b, v in groups.values()), Decimal(0))
    _tax_total(doc, groups, _oioubl_category)
    line_total = spec.line_total
    doc.open("LegalMonetaryTotal")
    doc.amount("LineExtensionAmount", line_total)
    doc.amount("TaxExclusiveAmount", vat_total)  # OIOUBL: the VAT sum
    doc.amount("TaxInclusiveAmount", line_total + vat_total)
    doc.amount("PayableAmount", line_total + vat_total)
    doc.close("LegalMonetaryTotal")
    line_tag = "CreditNoteLine" if spec.credit_note else "InvoiceLine"
    for index, ln in enumerate(spec.lines, start=1):
        net = ln.net
        doc.open(line_tag)
        doc.cbc("ID", str(index))
        doc.cbc(
            "CreditedQuantity" if spec.credit_note else "InvoicedQuantity",
            _qty(ln.quantity),
            unitCode="EA",
        )
        doc.amount("LineExtensionAmount", net)
        if ln.order_line and spec.order_reference:
            doc.leaf(("OrderLineReference",), "LineID", ln.order_line)
        _tax_total(
            doc, {ln.vat_percent: (net, money(net * ln.vat_percent / 100))}, _oioubl_category
        )
        doc.open("Item")
        doc.cbc("Description", ln.description[:100])
        doc.cbc("Name", ln.description[:40])
        if ln.item_id:
            doc.leaf(("SellersItemIdentification",), "ID", ln.item_id)
        doc.close("Item")
        doc.open("Price")
        doc.amount("PriceAmount", ln.unit_price)
        doc.cbc("BaseQuantity", "1", unitCode="EA")
        doc.close("Price", line_tag)
    return doc.done()
