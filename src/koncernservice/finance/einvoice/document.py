"""One internal model for e-invoices and credit notes, in OIOUBL 2.1 and Peppol BIS 3.

Plain dataclasses (no Django) so the parser, the validation rules, ingest and the
benchmarks can share them. Every amount is a ``Decimal`` (``None`` when the element is
missing: the parser is lenient, missing things are reported by the rules, not the parser).

Totals, mapped per format (``Totals``):

* Peppol BIS 3 / EN 16931: ``LegalMonetaryTotal/TaxExclusiveAmount`` is the net total
  (BT-109) and ``TaxTotal/TaxAmount`` (in the document currency) the VAT total (BT-110).
* OIOUBL 2.1: ``LegalMonetaryTotal/TaxExclusiveAmount`` holds the **VAT sum**, not the
  net total. We map it to ``Totals.vat_total`` and compute ``Totals.tax_exclusive`` as
  ``TaxInclusiveAmount - TaxExclusiveAmount`` (falling back to line extension −
  allowances + charges). ``Totals.raw_tax_exclusive`` always keeps the element's value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Format = Literal["oioubl", "peppol"]


@dataclass(slots=True)
class Address:
    street: str = ""
    additional_street: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(slots=True)
class Party:
    name: str = ""
    endpoint_id: str = ""  # e.g. GLN 5790000000000
    endpoint_scheme: str = ""  # Peppol: 0088 (GLN), 0184 (CVR); OIOUBL: GLN, DK:CVR
    identifications: list[tuple[str, str]] = field(default_factory=list)  # (id, scheme)
    company_id: str = ""  # legal registration id (CVR), PartyLegalEntity/CompanyID
    company_id_scheme: str = ""
    vat_id: str = ""  # PartyTaxScheme/CompanyID (e.g. DK12345678)
    address: Address = field(default_factory=Address)
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""


@dataclass(slots=True)
class PaymentMeans:
    code: str = ""  # UNCL4461: 31/58 transfer, 49 direct debit, 50 giro, 93 FIK, ...
    payment_id: str = ""  # OIOUBL PaymentID (71/73/75 for FIK, 01/04/15 for giro)
    instruction_id: str = ""  # FIK/giro payment reference (InstructionID)
    creditor_account: str = ""  # FIK creditor no. (CreditAccount/AccountID)
    account_id: str = ""  # PayeeFinancialAccount/ID (IBAN or domestic account)
    account_scheme: str = ""  # e.g. IBAN, BBAN, ZZZ
    bank_reg_no: str = ""  # Danish reg. no. (FinancialInstitutionBranch/ID)
    bic: str = ""
    payment_reference: str = ""  # Peppol PaymentID (remittance reference)
    due_date: dt.date | None = None


@dataclass(slots=True)
class AllowanceCharge:
    charge: bool = False  # False = allowance (discount), True = charge
    amount: Decimal | None = None
    base_amount: Decimal | None = None
    percent: Decimal | None = None
    reason: str = ""
    reason_code: str = ""
    vat_category: str = ""
    vat_percent: Decimal | None = None


@dataclass(slots=True)
class VatBreakdown:
    category: str = (
        ""  # UNCL5305: S, Z, E, AE, K, G, O, L, M (OIOUBL: StandardRated, ZeroRated, ...)
    )
    percent: Decimal | None = None
    taxable_amount: Decimal | None = None
    tax_amount: Decimal | None = None
    exemption_reason: str = ""
    exemption_reason_code: str = ""


@dataclass(slots=True)
class Line:
    id: str = ""
    quantity: Decimal | None = None
    unit_code: str = ""
    net_amount: Decimal | None = None  # LineExtensionAmount
    price: Decimal | None = None  # Price/PriceAmount
    base_quantity: Decimal | None = None
    item_name: str = ""
    item_description: str = ""
    sellers_item_id: str = ""
    standard_item_id: str = ""
    vat_category: str = ""
    vat_percent: Decimal | None = None
    order_line_reference: str = ""
    accounting_cost: str = ""
    allowances_charges: list[AllowanceCharge] = field(default_factory=list)


@dataclass(slots=True)
class Totals:
    line_extension: Decimal | None = None  # sum of line net amounts (BT-106)
    tax_exclusive: Decimal | None = None  # net total (BT-109), see the module docstring
    vat_total: Decimal | None = None  # VAT total (BT-110)
    tax_inclusive: Decimal | None = None  # BT-112
    allowance_total: Decimal | None = None  # BT-107
    charge_total: Decimal | None = None  # BT-108
    prepaid: Decimal | None = None  # BT-113
    rounding: Decimal | None = None  # BT-114
    payable: Decimal | None = None  # BT-115
    raw_tax_exclusive: Decimal | None = None  # the element as written


@dataclass(slots=True)
class Attachment:
    id: str = ""
    description: str = ""
    filename: str = ""
    mime_code: str = ""
    size: int = 0  # decoded size in bytes (base64 content)
    uri: str = ""


@dataclass(slots=True)
class Document:
    doc_type: str = "Invoice"  # 'Invoice' | 'CreditNote' (or another UBL root, e.g. 'Reminder')
    format: Format | None = None
    customization_id: str = ""
    profile_id: str = ""
    ubl_version: str = ""
    number: str = ""  # cbc:ID
    uuid: str = ""
    issue_date: dt.date | None = None
    due_date: dt.date | None = None
    type_code: str = ""  # InvoiceTypeCode / CreditNoteTypeCode
    currency: str = ""
    tax_currency: str = ""
    notes: list[str] = field(default_factory=list)
    buyer_reference: str = ""
    order_reference: str = ""
    contract_reference: str = ""
    accounting_cost: str = ""
    billing_references: list[str] = field(default_factory=list)  # credited invoice numbers
    supplier: Party = field(default_factory=Party)
    customer: Party = field(default_factory=Party)
    payee: Party | None = None
    payment_means: list[PaymentMeans] = field(default_factory=list)
    payment_terms: list[str] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    allowances_charges: list[AllowanceCharge] = field(default_factory=list)
    vat_breakdown: list[VatBreakdown] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def is_credit_note(self) -> bool:
        return self.doc_type == "CreditNote"
