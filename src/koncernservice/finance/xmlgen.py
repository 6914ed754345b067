"""Write e-invoices and credit notes as real OIOUBL 2.1 or Peppol BIS 3 XML (lxml), from a
small specification. Used by the demo, the tests, the browser test and the benchmark.

The documents follow the official examples' structure; ``tests/finance`` checks that a
clean specification passes our validator (and thus the official rules).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

from koncernservice.finance.rules import money

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
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def line_total(self) -> Decimal:
        return sum((ln.net for ln in self.lines), Decimal(0))

    def vat_groups(self) -> dict[Decimal, tuple[Decimal, Decimal]]:
        groups: dict[Decimal, Decimal] = {}
        for ln in self.lines:
            groups[ln.vat_percent] = groups.get(ln.vat_percent, Decimal(0)) + ln.net
        return {p: (base, money(base * p / 100)) for p, base in sorted(groups.items())}

    @property
    def vat_total(self) -> Decimal:
        return sum((v for _b, v in self.vat_groups().values()), Decimal(0))

    @property
    def payable(self) -> Decimal:
        return self.line_total + self.vat_total


def _el(
    parent: etree._Element, ns: str, tag: str, text: str | None = None, **a: str
) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ns}}}{tag}", a)
    if text is not None:
        el.text = text
    return el


def _cbc(parent: etree._Element, tag: str, text: str | None = None, **a: str) -> etree._Element:
    return _el(parent, CBC, tag, text, **a)


def _cac(parent: etree._Element, tag: str) -> etree._Element:
    return _el(parent, CAC, tag)


def _amount(parent: etree._Element, tag: str, value: Decimal, currency: str = "DKK") -> None:
    _cbc(parent, tag, f"{money(value):.2f}", currencyID=currency)


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def render(spec: InvoiceSpec, fmt: str) -> bytes:
    """The document as bytes (UTF-8, with XML declaration)."""
    return peppol(spec) if fmt == "peppol" else oioubl(spec)


def peppol(spec: InvoiceSpec) -> bytes:
    kind = "CreditNote" if spec.credit_note else "Invoice"
    root = etree.Element(
        f"{{{ROOT_NS[kind]}}}{kind}", nsmap={None: ROOT_NS[kind], "cac": CAC, "cbc": CBC}
    )
    _cbc(root, "CustomizationID", PEPPOL_CUSTOMIZATION)
    _cbc(root, "ProfileID", PEPPOL_PROFILE)
    _cbc(root, "ID", spec.number)
    _cbc(root, "IssueDate", spec.issue_date.isoformat())
    if not spec.credit_note:
        _cbc(root, "DueDate", spec.due_date.isoformat())
    _cbc(
        root,
        "CreditNoteTypeCode" if spec.credit_note else "InvoiceTypeCode",
        "381" if spec.credit_note else "380",
    )
    _cbc(root, "DocumentCurrencyCode", "DKK")
    _cbc(root, "BuyerReference", spec.buyer_reference or spec.order_reference or spec.number)
    if spec.order_reference:
        _cbc(_cac(root, "OrderReference"), "ID", spec.order_reference)
    if spec.billing_reference:
        ref = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(ref, "ID", spec.billing_reference)
        if spec.billing_reference_date:
            _cbc(ref, "IssueDate", spec.billing_reference_date.isoformat())
    for role, party in (
        ("AccountingSupplierParty", spec.supplier),
        ("AccountingCustomerParty", spec.buyer),
    ):
        p = _cac(_cac(root, role), "Party")
        if party.gln:
            _cbc(p, "EndpointID", party.gln, schemeID="0088")
        else:
            _cbc(p, "EndpointID", party.cvr, schemeID="0184")
        if party.cvr:
            _cbc(_cac(p, "PartyIdentification"), "ID", party.cvr, schemeID="0184")
        _cbc(_cac(p, "PartyName"), "Name", party.name)
        address = _cac(p, "PostalAddress")
        _cbc(address, "StreetName", f"{party.street} {party.number}")
        _cbc(address, "CityName", party.city)
        _cbc(address, "PostalZone", party.postal_code)
        _cbc(_cac(address, "Country"), "IdentificationCode", "DK")
        if role == "AccountingSupplierParty" and party.cvr:
            tax = _cac(p, "PartyTaxScheme")
            _cbc(tax, "CompanyID", f"DK{party.cvr}")
            _cbc(_cac(tax, "TaxScheme"), "ID", "VAT")
        legal = _cac(p, "PartyLegalEntity")
        _cbc(legal, "RegistrationName", party.name)
        if party.cvr:
            _cbc(legal, "CompanyID", party.cvr, schemeID="0184")
    means = _cac(root, "PaymentMeans")
    if spec.payment == "fik":
        _cbc(means, "PaymentMeansCode", "93")
        _cbc(means, "PaymentID", f"71#{spec.fik_payment_id}")
        _cbc(_cac(means, "PayeeFinancialAccount"), "ID", spec.fik_creditor)
    elif spec.payment == "iban":
        _cbc(means, "PaymentMeansCode", "58")
        _cbc(means, "PaymentID", spec.number)
        _cbc(_cac(means, "PayeeFinancialAccount"), "ID", spec.iban)
    else:
        _cbc(means, "PaymentMeansCode", "31")
        _cbc(means, "PaymentID", spec.number)
        account = _cac(means, "PayeeFinancialAccount")
        _cbc(account, "ID", spec.account_no)
        _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", spec.reg_no)
    _cbc(_cac(root, "PaymentTerms"), "Note", "Netto 30 dage")
    tax_total = _cac(root, "TaxTotal")
    _amount(tax_total, "TaxAmount", spec.vat_total)
    for percent, (base, vat) in spec.vat_groups().items():
        sub = _cac(tax_total, "TaxSubtotal")
        _amount(sub, "TaxableAmount", base)
        _amount(sub, "TaxAmount", vat)
        category = _cac(sub, "TaxCategory")
        _cbc(category, "ID", "S" if percent else "Z")
        _cbc(category, "Percent", _qty(percent))
        _cbc(_cac(category, "TaxScheme"), "ID", "VAT")
    totals = _cac(root, "LegalMonetaryTotal")
    _amount(totals, "LineExtensionAmount", spec.line_total)
    _amount(totals, "TaxExclusiveAmount", spec.line_total)
    _amount(totals, "TaxInclusiveAmount", spec.payable)
    _amount(totals, "PayableAmount", spec.payable)
    for index, ln in enumerate(spec.lines, start=1):
        line = _cac(root, "CreditNoteLine" if spec.credit_note else "InvoiceLine")
        _cbc(line, "ID", str(index))
        _cbc(
            line,
            "CreditedQuantity" if spec.credit_note else "InvoicedQuantity",
            _qty(ln.quantity),
            unitCode="EA",
        )
        _amount(line, "LineExtensionAmount", ln.net)
        if ln.order_line and spec.order_reference:
            _cbc(_cac(line, "OrderLineReference"), "LineID", ln.order_line)
        item = _cac(line, "Item")
        _cbc(item, "Name", ln.description[:100])
        if ln.item_id:
            _cbc(_cac(item, "SellersItemIdentification"), "ID", ln.item_id)
        category = _cac(item, "ClassifiedTaxCategory")
        _cbc(category, "ID", "S" if ln.vat_percent else "Z")
        _cbc(category, "Percent", _qty(ln.vat_percent))
        _cbc(_cac(category, "TaxScheme"), "ID", "VAT")
        _amount(_cac(line, "Price"), "PriceAmount", ln.unit_price)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def oioubl(spec: InvoiceSpec) -> bytes:
    kind = "CreditNote" if spec.credit_note else "Invoice"
    root = etree.Element(
        f"{{{ROOT_NS[kind]}}}{kind}", nsmap={None: ROOT_NS[kind], "cac": CAC, "cbc": CBC}
    )
    _cbc(root, "UBLVersionID", "2.1")
    _cbc(root, "CustomizationID", "OIOUBL-2.1")
    _cbc(
        root,
        "ProfileID",
        "urn:www.nesubl.eu:profiles:profile5:ver2.0",
        schemeAgencyID="320",
        schemeID="urn:oioubl:id:profileid-1.2",
    )
    _cbc(root, "ID", spec.number)
    _cbc(root, "CopyIndicator", "false")
    _cbc(root, "UUID", spec.uuid)
    _cbc(root, "IssueDate", spec.issue_date.isoformat())
    if not spec.credit_note:
        _cbc(
            root,
            "InvoiceTypeCode",
            "380",
            listAgencyID="320",
            listID="urn:oioubl:codelist:invoicetypecode-1.1",
        )
    _cbc(root, "DocumentCurrencyCode", "DKK")
    if spec.order_reference:
        order = _cac(root, "OrderReference")
        _cbc(order, "ID", spec.order_reference)
        _cbc(order, "IssueDate", spec.issue_date.isoformat())
    if spec.billing_reference:
        ref = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(ref, "ID", spec.billing_reference)
    for role, party in (
        ("AccountingSupplierParty", spec.supplier),
        ("AccountingCustomerParty", spec.buyer),
    ):
        p = _cac(_cac(root, role), "Party")
        if party.gln:
            _cbc(p, "EndpointID", party.gln, schemeAgencyID="9", schemeID="GLN")
            _cbc(
                _cac(p, "PartyIdentification"), "ID", party.gln, schemeAgencyID="9", schemeID="GLN"
            )
        else:
            _cbc(p, "EndpointID", f"DK{party.cvr}", schemeID="DK:CVR")
            _cbc(_cac(p, "PartyIdentification"), "ID", f"DK{party.cvr}", schemeID="DK:CVR")
        _cbc(_cac(p, "PartyName"), "Name", party.name)
        address = _cac(p, "PostalAddress")
        _cbc(
            address,
            "AddressFormatCode",
            "StructuredDK",
            listAgencyID="320",
            listID="urn:oioubl:codelist:addressformatcode-1.1",
        )
        _cbc(address, "StreetName", party.street)
        _cbc(address, "BuildingNumber", party.number)
        _cbc(address, "CityName", party.city)
        _cbc(address, "PostalZone", party.postal_code)
        _cbc(_cac(address, "Country"), "IdentificationCode", "DK")
        if role == "AccountingSupplierParty":
            tax = _cac(p, "PartyTaxScheme")
            _cbc(tax, "CompanyID", f"DK{party.cvr}", schemeID="DK:SE")
            scheme = _cac(tax, "TaxScheme")
            _cbc(scheme, "ID", "63", **OIOUBL_TAX)
            _cbc(scheme, "Name", "Moms")
            legal = _cac(p, "PartyLegalEntity")
            _cbc(legal, "RegistrationName", party.name)
            _cbc(legal, "CompanyID", f"DK{party.cvr}", schemeID="DK:CVR")
        else:
            contact = _cac(p, "Contact")
            _cbc(contact, "ID", spec.buyer_reference or "1")
            _cbc(contact, "Name", "Bogholderiet")
    means = _cac(root, "PaymentMeans")
    _cbc(means, "ID", "1")
    if spec.payment == "fik":
        _cbc(means, "PaymentMeansCode", "93")
        _cbc(means, "PaymentDueDate", spec.due_date.isoformat())
        _cbc(
            means,
            "PaymentChannelCode",
            "DK:FIK",
            listAgencyID="320",
            listID="urn:oioubl:codelist:paymentchannelcode-1.1",
        )
        _cbc(means, "InstructionID", spec.fik_payment_id)
        _cbc(means, "PaymentID", "71", schemeAgencyID="320", schemeID="urn:oioubl:id:paymentid-1.1")
        _cbc(_cac(means, "CreditAccount"), "AccountID", spec.fik_creditor)
    elif spec.payment == "iban":
        _cbc(means, "PaymentMeansCode", "31")
        _cbc(means, "PaymentDueDate", spec.due_date.isoformat())
        _cbc(
            means,
            "PaymentChannelCode",
            "IBAN",
            listAgencyID="320",
            listID="urn:oioubl:codelist:paymentchannelcode-1.1",
        )
        account = _cac(means, "PayeeFinancialAccount")
        _cbc(account, "ID", spec.iban)
        branch = _cac(account, "FinancialInstitutionBranch")
        _cbc(_cac(branch, "FinancialInstitution"), "ID", "DABADKKK")
    else:
        _cbc(means, "PaymentMeansCode", "42")
        _cbc(means, "PaymentDueDate", spec.due_date.isoformat())
        _cbc(
            means,
            "PaymentChannelCode",
            "DK:BANK",
            listAgencyID="320",
            listID="urn:oioubl:codelist:paymentchannelcode-1.1",
        )
        account = _cac(means, "PayeeFinancialAccount")
        _cbc(account, "ID", spec.account_no)
        _cbc(account, "PaymentNote", spec.number)
        _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", spec.reg_no)

    def tax_total(parent: etree._Element, groups: dict[Decimal, tuple[Decimal, Decimal]]) -> None:
        total = _cac(parent, "TaxTotal")
        _amount(total, "TaxAmount", sum((v for _b, v in groups.values()), Decimal(0)))
        for percent, (base, vat) in groups.items():
            sub = _cac(total, "TaxSubtotal")
            _amount(sub, "TaxableAmount", base)
            _amount(sub, "TaxAmount", vat)
            category = _cac(sub, "TaxCategory")
            _cbc(category, "ID", "StandardRated" if percent else "ZeroRated", **OIOUBL_CATEGORY)
            _cbc(category, "Percent", _qty(percent))
            scheme = _cac(category, "TaxScheme")
            _cbc(scheme, "ID", "63", **OIOUBL_TAX)
            _cbc(scheme, "Name", "Moms")

    tax_total(root, spec.vat_groups())
    totals = _cac(root, "LegalMonetaryTotal")
    _amount(totals, "LineExtensionAmount", spec.line_total)
    _amount(totals, "TaxExclusiveAmount", spec.vat_total)  # OIOUBL: the VAT sum
    _amount(totals, "TaxInclusiveAmount", spec.payable)
    _amount(totals, "PayableAmount", spec.payable)
    for index, ln in enumerate(spec.lines, start=1):
        line = _cac(root, "CreditNoteLine" if spec.credit_note else "InvoiceLine")
        _cbc(line, "ID", str(index))
        _cbc(
            line,
            "CreditedQuantity" if spec.credit_note else "InvoicedQuantity",
            _qty(ln.quantity),
            unitCode="EA",
        )
        _amount(line, "LineExtensionAmount", ln.net)
        if ln.order_line and spec.order_reference:
            _cbc(_cac(line, "OrderLineReference"), "LineID", ln.order_line)
        tax_total(line, {ln.vat_percent: (ln.net, money(ln.net * ln.vat_percent / 100))})
        item = _cac(line, "Item")
        _cbc(item, "Description", ln.description[:100])
        _cbc(item, "Name", ln.description[:40])
        if ln.item_id:
            _cbc(_cac(item, "SellersItemIdentification"), "ID", ln.item_id)
        price = _cac(line, "Price")
        _amount(price, "PriceAmount", ln.unit_price)
        _cbc(price, "BaseQuantity", "1", unitCode="EA")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
