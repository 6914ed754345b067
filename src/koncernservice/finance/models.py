"""Accounts payable: suppliers, received e-invoices with their raw documents, validation
findings, responses, coding, approval, the journal and payments."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from koncernservice.core.models import (
    AuditedModel,
    OrgUnit,
    TimeStampedModel,
    User,
    subtree_q,
)
from koncernservice.finance import rules

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 12, "decimal_places": 4}


class Supplier(AuditedModel, TimeStampedModel):
    """A supplier's master data; created from the first invoice and then reviewed."""

    class Status(models.TextChoices):
        NEW = "new", _("New, to review")
        APPROVED = "approved", _("Approved")

    name = models.CharField(_("name"), max_length=200)
    cvr = models.CharField(_("CVR number"), max_length=8, blank=True, db_index=True)
    cvr_valid = models.BooleanField(_("CVR check digit valid"), default=False)
    endpoint_id = models.CharField(_("endpoint (GLN/EAN or other)"), max_length=60, blank=True)
    endpoint_scheme = models.CharField(_("endpoint scheme"), max_length=10, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=30, blank=True)
    reg_no = models.CharField(_("bank reg. no."), max_length=4, blank=True)
    account_no = models.CharField(_("bank account number"), max_length=10, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    fik_creditor = models.CharField(_("FIK creditor number"), max_length=8, blank=True)
    uses_nemkonto = models.BooleanField(_("pays to NemKonto"), default=False)
    is_blocked = models.BooleanField(_("blocked"), default=False)
    blocked_reason = models.CharField(_("reason for blocking"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    created_automatically = models.BooleanField(_("created from an invoice"), default=False)

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cvr="") | Q(cvr__regex=r"^[0-9]{8}$"),
                name="supplier_cvr_8_digits",
                violation_error_message=_("A CVR number has 8 digits."),
            ),
            models.CheckConstraint(
                condition=Q(is_blocked=False) | ~Q(blocked_reason=""),
                name="supplier_blocked_has_reason",
                violation_error_message=_("Blocking a supplier needs a reason."),
            ),
        ]
        indexes = [models.Index(fields=["endpoint_id"], name="supplier_endpoint")]

    def __str__(self) -> str:
        return f"{self.name} ({self.cvr})" if self.cvr else self.name

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        # Master data shared by the whole municipality: a permission anywhere sees all.
        return Q() if paths else Q(pk__in=[])


class InvoiceDocument(TimeStampedModel):
    """The raw document exactly as received (never changed), with its SHA-256.

    Stored either as a file of its own (``offset`` empty) or, as the ingest does, as the
    bytes ``offset`` … ``offset + size`` of a batch's pack file (the batch's documents one
    after the other, unchanged: one file per batch instead of one per document)."""

    class Channel(models.TextChoices):
        INBOX = "inbox", _("Inbox folder")
        API = "api", _("API upload")
        CLI = "cli", _("Command line")
        DEMO = "demo", _("Demo")

    storage_name = models.CharField(
        _("stored as"), max_length=300, help_text=_("Name in the file storage (by SHA-256).")
    )
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("size (bytes)"))
    offset = models.BigIntegerField(
        _("position in the pack file"),
        null=True,
        blank=True,
        help_text=_("Empty when the document is a file of its own."),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)

    class Meta:
        verbose_name = _("received document")
        verbose_name_plural = _("received documents")

    def __str__(self) -> str:
        return self.filename

    def read(self) -> bytes:
        from django.core.files.storage import default_storage

        with default_storage.open(self.storage_name, "rb") as fh:
            if self.offset is None:
                return bytes(fh.read())
            fh.seek(self.offset)
            return bytes(fh.read(self.size))


class Invoice(AuditedModel, TimeStampedModel):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Format(models.TextChoices):
        OIOUBL = "oioubl", "OIOUBL 2.1"
        PEPPOL = "peppol", "Peppol BIS 3"

    class Status(models.TextChoices):
        REJECTED = "rejected", _("Rejected")
        TO_CODE = "to_code", _("To code")
        TO_ATTEST = "to_attest", _("To attest")
        TO_APPROVE = "to_approve", _("To approve")
        APPROVED = "approved", _("Approved")
        POSTED = "posted", _("Posted")
        IN_PAYMENT = "in_payment", _("In payment")
        PAID = "paid", _("Paid")

    class Match(models.TextChoices):
        NONE = "none", _("No order")
        MATCHED = "matched", _("Matched")
        DEVIATION = "deviation", _("Deviation")

    document = models.ForeignKey(
        InvoiceDocument, verbose_name=_("document"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("receiving unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
    )
    number = models.CharField(_("invoice number"), max_length=100)
    document_uuid = models.CharField(_("document UUID"), max_length=100, blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="DKK")
    buyer_endpoint = models.CharField(_("buyer endpoint"), max_length=60, blank=True)
    buyer_reference = models.CharField(_("buyer reference"), max_length=200, blank=True)
    order_reference = models.CharField(_("order reference"), max_length=100, blank=True)
    billing_reference = models.CharField(_("credited invoice number"), max_length=100, blank=True)
    credited_invoice = models.ForeignKey(
        "self",
        verbose_name=_("credited invoice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
    )
    supplier_name = models.CharField(_("supplier name"), max_length=200, blank=True)
    supplier_cvr = models.CharField(_("supplier CVR"), max_length=20, blank=True)
    line_total = models.DecimalField(_("sum of lines"), **MONEY, default=0)
    net_amount = models.DecimalField(_("amount without VAT"), **MONEY, default=0)
    vat_amount = models.DecimalField(_("VAT"), **MONEY, default=0)
    # the taxable amount of the reverse-charge categories (rules.REVERSE_CHARGE_CATEGORIES):
    # the buyer owes Danish VAT on it, posted as input VAT and as VAT owed
    reverse_charge_base = models.DecimalField(_("reverse-charge VAT base"), **MONEY, default=0)
    payable_amount = models.DecimalField(_("amount payable"), **MONEY, default=0)
    payment_means_code = models.CharField(_("payment means"), max_length=10, blank=True)
    payment_id = models.CharField(_("payment id"), max_length=60, blank=True)
    payment_account = models.CharField(_("payee account"), max_length=40, blank=True)
    payment_branch = models.CharField(_("payee branch"), max_length=20, blank=True)
    match_status = models.CharField(
        _("matching"), max_length=10, choices=Match.choices, default=Match.NONE
    )
    match_reasons = models.JSONField(_("matching deviations"), default=list, blank=True)
    auto_approved = models.BooleanField(_("approved by matching"), default=False)
    rejection_reasons = models.JSONField(_("rejection reasons"), default=list, blank=True)
    on_hold = models.BooleanField(_("disputed (payment held)"), default=False)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    paid_amount = models.DecimalField(_("paid"), **MONEY, default=0)
    exchange_rate = models.DecimalField(
        _("exchange rate at posting"),
        **RATE,
        null=True,
        blank=True,
        help_text=_("DKK per 100 units of the invoice's currency on the posting date."),
    )
    posting_batch = models.ForeignKey(
        "PostingBatch",
        verbose_name=_("posting batch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received"), db_index=True)

    audit_ignored_fields = {"created_at", "updated_at", "match_reasons", "rejection_reasons"}

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "status"], name="invoice_unit_status"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due"),
            models.Index(fields=["supplier", "number"], name="invoice_supplier_number"),
            models.Index(fields=["document_uuid"], name="invoice_uuid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def sign(self) -> int:
        return -1 if self.kind == self.Kind.CREDIT_NOTE else 1

    @property
    def reverse_charge_vat(self) -> Decimal:
        """The Danish VAT the municipality owes on this invoice (reverse charge), in its
        currency; the journal has it in DKK."""
        return rules.reverse_charge_vat(self.reverse_charge_base)

    @property
    def payable_in_dkk(self) -> Decimal | None:
        """The payable of a posted foreign-currency invoice in DKK, as the journal has it."""
        if self.exchange_rate is None or rules.is_dkk(self.currency):
            return None
        return rules.to_dkk(self.payable_amount, self.exchange_rate)

    def audit_scope_path(self) -> str:
        known = getattr(self, "_audit_scope", None)  # set by bulk paths to spare a query
        if known is not None:
            return str(known)
        return self.unit.path if self.unit_id else ""

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("unit__path", paths)


# The UN/ECE Recommendation 20 unit codes seen on most invoices, as people write them;
# other codes are shown as they are.
UNIT_LABELS = {
    "EA": _("pcs."),
    "C62": _("pcs."),
    "H87": _("pcs."),
    "HUR": _("hours"),
    "DAY": _("days"),
    "WEE": _("weeks"),
    "MON": _("months"),
    "ANN": _("years"),
    "KGM": _("kg"),
    "TNE": _("t"),
    "LTR": _("l"),
    "MTR": _("m"),
    "MTK": _("m²"),
    "MTQ": _("m³"),
    "KMT": _("km"),
    "KWH": _("kWh"),
    "PK": _("packs"),
    "SET": _("sets"),
}


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveIntegerField(_("position"))
    line_id = models.CharField(_("line id"), max_length=60, blank=True)
    item_id = models.CharField(_("item number"), max_length=60, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4, default=0)
    unit_code = models.CharField(_("unit of measure"), max_length=10, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=4, default=0)
    net_amount = models.DecimalField(_("line amount"), **MONEY, default=0)
    vat_category = models.CharField(_("VAT category"), max_length=10, blank=True)
    vat_percent = models.DecimalField(_("VAT %"), max_digits=6, decimal_places=2, default=0)
    order_line_ref = models.CharField(_("order line reference"), max_length=60, blank=True)
    order_line_id = models.IntegerField(_("matched order line"), null=True, blank=True)
    account = models.CharField(_("GL account"), max_length=20, blank=True)
    cost_centre = models.CharField(_("cost centre"), max_length=20, blank=True)
    dimension = models.CharField(_("dimension"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "position"]
        indexes = [
            # what is already invoiced on an order line (matching), only for matched lines
            models.Index(
                fields=["order_line_id"],
                name="invoiceline_order_line",
                condition=Q(order_line_id__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.position}"

    @property
    def unit_label(self) -> str:
        return str(UNIT_LABELS.get(self.unit_code, self.unit_code))


class Finding(models.Model):
    """One validation result (official rule or our own check) of an invoice."""

    class Severity(models.TextChoices):
        FATAL = "fatal", _("Error")
        WARNING = "warning", _("Warning")

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="findings"
    )
    rule = models.CharField(_("rule"), max_length=60, db_index=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    location = models.CharField(_("location"), max_length=500, blank=True)
    message = models.TextField(_("message"))
    explanation = models.TextField(_("explanation"), blank=True)

    class Meta:
        verbose_name = _("validation finding")
        verbose_name_plural = _("validation findings")
        ordering = ["invoice", "-severity", "rule"]

    def __str__(self) -> str:
        return f"{self.rule} {self.severity}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("invoice__unit__path", paths)


class InvoiceResponse(TimeStampedModel):
    """The answer sent back to the supplier's system (Peppol T111 or OIOUBL
    ApplicationResponse), stored and written to the outbox folder."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="responses"
    )
    kind = models.CharField(_("kind"), max_length=30)
    status_code = models.CharField(_("status"), max_length=10)
    filename = models.CharField(_("file name"), max_length=255)
    content = models.TextField(_("content"))
    outbox_path = models.CharField(_("outbox path"), max_length=500, blank=True)

    KINDS = {
        "peppol_invoice_response": "Peppol Invoice Response (T111)",
        "oioubl_application_response": "OIOUBL ApplicationResponse",
    }

    class Meta:
        verbose_name = _("invoice response")
        verbose_name_plural = _("invoice responses")
        ordering = ["-created_at"]

    @property
    def kind_label(self) -> str:
        """The document type by its official name."""
        return self.KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        """The UNCL 4343 status in Danish with its code: "Afvist (RE)"."""
        from koncernservice.finance.einvoice.responses import STATUSES

        return f"{STATUSES.get(self.status_code, self.status_code)} ({self.status_code})"

    def __str__(self) -> str:
        return self.filename


class ApprovalLimit(AuditedModel, TimeStampedModel):
    """The highest amount a role may approve on a unit (and below it)."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE)
    role = models.CharField(_("role"), max_length=20)
    max_amount = models.DecimalField(_("limit"), **MONEY)

    class Meta:
        verbose_name = _("approval limit")
        verbose_name_plural = _("approval limits")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "role"],
                name="approvallimit_unique",
                violation_error_message=_("The unit already has a limit for this role."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.role} {self.max_amount}"

    def audit_scope_path(self) -> str:
        return self.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("unit__path", paths)


class Substitution(AuditedModel, TimeStampedModel):
    """While ``absent`` is away, ``substitute`` may attest and approve in their place."""

    absent = models.ForeignKey(
        User, verbose_name=_("absent"), on_delete=models.CASCADE, related_name="+"
    )
    substitute = models.ForeignKey(
        User, verbose_name=_("substitute"), on_delete=models.CASCADE, related_name="+"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))

    class Meta:
        verbose_name = _("substitution")
        verbose_name_plural = _("substitutions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="substitution_end_after_start",
                violation_error_message=_("The end cannot be before the start."),
            ),
            models.CheckConstraint(
                condition=~Q(absent=models.F("substitute")),
                name="substitution_other_person",
                violation_error_message=_("A substitute is another person."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.substitute} for {self.absent}"


class ApprovalStep(models.Model):
    """One attestation or approval of an invoice (also written to the audit trail)."""

    class Step(models.TextChoices):
        CODE = "code", _("Coded")
        ATTEST = "attest", _("Attested")
        APPROVE = "approve", _("Approved")
        AUTO = "auto", _("Approved by matching")
        REJECT = "reject", _("Sent back")

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="steps"
    )
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    user = models.ForeignKey(
        User,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        User,
        verbose_name=_("on behalf of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["invoice", "at", "id"]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.step}"


class Account(models.Model):
    """The municipal chart of accounts (a minimal subset)."""

    class Kind(models.TextChoices):
        EXPENSE = "expense", _("Expense")
        VAT = "vat", _("Input VAT")
        VAT_OWED = "vat_owed", _("VAT owed (reverse charge)")
        PAYABLE = "payable", _("Suppliers (payable)")
        BANK = "bank", _("Bank")

    code = models.CharField(_("account"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)

    class Meta:
        verbose_name = _("GL account")
        verbose_name_plural = _("GL accounts")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PostingBatch(TimeStampedModel):
    """One set-based posting run."""

    posted_on = models.DateField(_("posting date"))
    invoices = models.PositiveIntegerField(_("invoices"), default=0)
    lines = models.PositiveIntegerField(_("journal lines"), default=0)
    posted_by = models.CharField(_("posted by"), max_length=150)

    class Meta:
        verbose_name = _("posting batch")
        verbose_name_plural = _("posting batches")

    def __str__(self) -> str:
        return f"{self.pk} {self.posted_on}"


class JournalLine(models.Model):
    """A double-entry line: debit positive, credit negative; each invoice's lines sum to 0."""

    batch = models.ForeignKey(
        PostingBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="+"
    )
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="journal"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    posted_on = models.DateField(_("posting date"))
    account = models.CharField(_("account"), max_length=20)
    cost_centre = models.CharField(_("cost centre"), max_length=20, blank=True)
    amount = models.DecimalField(_("amount (DKK)"), **MONEY)
    # Database defaults too, so a raw INSERT that does not name them (an older posting's
    # SQL, as the benchmark runs it) writes a DKK line.
    currency = models.CharField(_("currency"), max_length=3, default="DKK", db_default="DKK")
    currency_amount = models.DecimalField(
        _("amount in the currency"),
        **MONEY,
        default=0,
        db_default=0,
        help_text=_("The original amount in the invoice's (or the charges') currency."),
    )
    text = models.CharField(_("text"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        indexes = [models.Index(fields=["account", "posted_on"], name="journal_account_date")]

    def __str__(self) -> str:
        return f"{self.account} {self.amount}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("unit__path", paths)


class PaymentRun(AuditedModel, TimeStampedModel):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        FILE_CREATED = "file", _("File created")
        DONE = "done", _("Reconciled")

    run_date = models.DateField(_("run date"))
    until = models.DateField(_("due until"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    message_id = models.CharField(_("message id"), max_length=35, blank=True)
    file_content = models.TextField(_("pain.001 file"), blank=True)
    created_by = models.CharField(_("created by"), max_length=150)

    class Meta:
        verbose_name = _("payment run")
        verbose_name_plural = _("payment runs")
        ordering = ["-run_date", "-id"]

    def __str__(self) -> str:
        return f"{self.run_date} ({self.get_status_display()})"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return Q() if paths else Q(pk__in=[])


class Payment(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        SENT = "sent", _("Sent to the bank")
        PAID = "paid", _("Paid")
        PARTIAL = "partial", _("Partly paid")
        FAILED = "failed", _("Failed")

    run = models.ForeignKey(
        PaymentRun, verbose_name=_("payment run"), on_delete=models.CASCADE, related_name="payments"
    )
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="payments"
    )
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_amount = models.DecimalField(_("paid"), **MONEY, default=0)
    execution_date = models.DateField(_("payment date"))
    method = models.CharField(_("method"), max_length=10)
    target = models.JSONField(_("payee"), default=dict)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=35, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    failure_reason = models.CharField(_("reason for failure"), max_length=300, blank=True)
    charges = models.DecimalField(_("bank charges"), **MONEY, default=0)
    # What the bank took from the DKK account for a foreign payment (its booked amount), when
    # its file says so: the bank side is posted at this, not at the day's published rate.
    bank_amount_dkk = models.DecimalField(
        _("booked by the bank in DKK"), **MONEY, null=True, blank=True
    )
    charges_currency = models.CharField(_("currency of the charges"), max_length=3, blank=True)
    credit_notes = models.ManyToManyField(
        Invoice, verbose_name=_("credit notes set off"), related_name="set_off_in", blank=True
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["run", "execution_date", "id"]

    def __str__(self) -> str:
        return self.end_to_end_id

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("invoice__unit__path", paths)


class ExchangeRate(AuditedModel, TimeStampedModel):
    """A daily exchange rate as Danmarks Nationalbank publishes it: DKK per 100 units of the
    currency (EUR 746.08 means 100 EUR cost 746.08 DKK). Banking days only."""

    currency = models.CharField(_("currency"), max_length=3)
    date = models.DateField(_("date"))
    rate = models.DecimalField(_("rate (DKK per 100)"), **RATE)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["-date", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "date"],
                name="exchangerate_currency_date",
                violation_error_message=_("There is already a rate for this currency and date."),
            ),
            models.CheckConstraint(
                condition=Q(rate__gt=0),
                name="exchangerate_rate_positive",
                violation_error_message=_("An exchange rate is above 0."),
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"),
                name="exchangerate_currency_iso4217",
                violation_error_message=_("A currency code is three capital letters (ISO 4217)."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.date} {self.rate}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        # Public reference data: a permission on any unit sees all of it.
        return Q() if paths else Q(pk__in=[])


__all__ = [
    "Account",
    "ApprovalLimit",
    "ApprovalStep",
    "ExchangeRate",
    "Finding",
    "Invoice",
    "InvoiceDocument",
    "InvoiceLine",
    "InvoiceResponse",
    "JournalLine",
    "Payment",
    "PaymentRun",
    "PostingBatch",
    "Substitution",
    "Supplier",
]
