"""Ingest of e-invoices in batches: parse, validate (official rules and our own checks),
route by the buyer's GLN, find or create the supplier, store the raw document, match and
code against purchase orders, and write everything with a few bulk inserts.

Per file the outcome is one of ``received`` (stored, in the workflow), ``rejected``
(stored with its reasons and a response in the outbox) or ``error`` (not readable as an
e-invoice: nothing is stored, the reason is reported). A batch is one transaction: a
database error leaves none of the batch's rows (raw files are content-addressed, so a
file left in storage by a rolled-back batch is harmless and reused by the next attempt).

The cost outside the rule engine is kept to a fraction of a millisecond per document:
the raw documents go into one pack file per batch, written before the transaction; the
rows are plain tuples written with one ``COPY`` per table and batch on PostgreSQL
(``bulkcopy.copy_rows``); suppliers, units, duplicates, credited invoices and orders are
looked up with one set-based query each per batch (indexed), never per document.
``STATS`` adds up where the CPU time goes (the benchmark prints it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from koncernservice.core.audit import audit_context, current_context, record_bulk_create
from koncernservice.core.models import AuditEntry, OrgUnit
from koncernservice.finance import rules
from koncernservice.finance.bulkcopy import copy_insert, copy_rows, reserve_ids
from koncernservice.finance.einvoice import EInvoiceError, parse_document, validate
from koncernservice.finance.einvoice.document import Document
from koncernservice.finance.models import (
    ApprovalStep,
    Finding,
    Invoice,
    InvoiceDocument,
    InvoiceLine,
    Supplier,
)
from koncernservice.procurement import selectors as procurement_selectors

logger = logging.getLogger(__name__)
LARGE_TIMEOUT_SECONDS = float(getattr(settings, "EINVOICE_LARGE_TIMEOUT_SECONDS", 120))
MAX_AMOUNT = Decimal("999999999999.99")
DEFAULT_TOLERANCE = rules.Tolerance(
    absolute=Decimal(str(getattr(settings, "FINANCE_MATCH_TOLERANCE_ABS", "50.00"))),
    percent=Decimal(str(getattr(settings, "FINANCE_MATCH_TOLERANCE_PCT", "2.0"))),
)

OWN_CHECKS: dict[str, tuple[str, str]] = {
    "KS-CVR": (
        "The supplier's CVR number fails the modulus-11 check.",
        "Leverandørens CVR-nummer har forkert kontrolciffer (modulus 11).",
    ),
    "KS-FIK": (
        "The FIK/giro payment reference is not valid (card type, length or check digit).",
        "FIK-/girobetalingsreferencen er ugyldig (korttype, længde eller kontrolciffer).",
    ),
    "KS-DUP-UUID": (
        "A document with this UUID has already been received.",
        "Et dokument med dette UUID er allerede modtaget.",
    ),
    "KS-DUP": (
        "The supplier has already sent an invoice with this number and amount.",
        "Leverandøren har allerede sendt en faktura med dette nummer og beløb.",
    ),
    "KS-SUPPLIER-UNKNOWN": (
        "The supplier cannot be identified (no CVR number, VAT number or endpoint).",
        "Leverandøren kan ikke identificeres (intet CVR-nummer, momsnummer eller endpoint).",
    ),
    "KS-SUPPLIER-BLOCKED": (
        "The supplier is blocked.",
        "Leverandøren er spærret.",
    ),
    "KS-SUPPLIER-NEW": (
        "New supplier: created from the invoice and waiting for review.",
        "Ny leverandør: oprettet ud fra fakturaen og afventer gennemgang.",
    ),
    "KS-BUYER-GLN": (
        "The buyer's GLN/EAN location number is not known to any unit.",
        "Køberens GLN/EAN-lokationsnummer kendes ikke af nogen enhed.",
    ),
    "KS-AMOUNT": (
        "An amount is out of range.",
        "Et beløb er uden for det tilladte interval.",
    ),
    "KS-VALIDATOR": (
        "The validator failed on this document; check it by hand.",
        "Valideringen fejlede på dette dokument; kontroller det manuelt.",
    ),
    "KS-CREDIT-LINK": (
        "The credited invoice was not found for this supplier.",
        "Den krediterede faktura blev ikke fundet hos denne leverandør.",
    ),
}
OWN_FATAL = {
    "KS-CVR",
    "KS-FIK",
    "KS-DUP-UUID",
    "KS-DUP",
    "KS-SUPPLIER-UNKNOWN",
    "KS-SUPPLIER-BLOCKED",
    "KS-BUYER-GLN",
    "KS-AMOUNT",
}


@dataclass
class Incoming:
    data: bytes
    filename: str


@dataclass
class IngestStats:
    """Where the ingest's time goes, added up over batches: CPU seconds of this process
    (``time.process_time``) by part, and the wall time of the batch transactions. Worker
    processes send theirs back to the parent, which adds them up (``STATS``)."""

    documents: int = 0
    batches: int = 0
    cpu_s: float = 0.0  # all of ``ingest`` (the files read by the caller's iterator too)
    parse_s: float = 0.0  # ``parse_document`` and the internal model (einvoice.parse)
    validate_s: float = 0.0  # the official rules: ``einvoice.validate``
    store_s: float = 0.0  # the lines taken from the documents, the raw documents stored
    database_s: float = 0.0  # CPU of the look-ups and the batch transaction (matching, rows, COPY)
    database_wall_s: float = 0.0  # wall time of the batch transactions (the lock held)

    def add(self, other: IngestStats) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def reset(self) -> None:
        for f in fields(self):
            setattr(self, f.name, f.default)

    def copy(self) -> IngestStats:
        return IngestStats(**{f.name: getattr(self, f.name) for f in fields(self)})


STATS = IngestStats()
_clock = time.process_time


@dataclass(slots=True)
class _Line:
    position: int
    line_id: str
    item_id: str
    description: str
    quantity: Decimal | int
    unit_code: str
    unit_price: Decimal | int
    net_amount: Decimal | int
    vat_category: str
    vat_percent: Decimal | int
    order_line_ref: str
    dimension: str
    order_line_id: int | None = None
    account: str = ""
    cost_centre: str = ""


@dataclass(slots=True)
class _Item:
    incoming: Incoming
    sha256: str
    doc: Document
    fmt: str
    findings: list[tuple[str, str, str, str, str]]  # rule, severity, location, message, da
    cvr: str = ""
    endpoint: str = ""
    gln: str = ""
    supplier: Supplier | None = None
    unit: OrgUnit | None = None
    unit_id: int | None = None
    unit_path: str = ""
    storage_name: str = ""
    offset: int = 0
    invoice_id: int | None = None
    status: str = ""
    credited_id: int | None = None
    match_status: str = Invoice.Match.NONE.value
    match_reasons: list[str] = field(default_factory=list)
    auto_approved: bool = False
    lines: list[_Line] = field(default_factory=list)

    def own(self, rule: str, location: str = "") -> None:
        message, explanation = OWN_CHECKS[rule]
        severity = "fatal" if rule in OWN_FATAL else "warning"
        self.findings.append((rule, severity, location, message, explanation))

    @property
    def fatal(self) -> bool:
        return any(f[1] == "fatal" for f in self.findings)

    @property
    def kind(self) -> str:
        return "credit_note" if self.doc.is_credit_note else "invoice"


def _amount(value: Decimal | None) -> Decimal:
    return rules.money(value) if value is not None else Decimal(0)


def _in_range(*values: Decimal | None) -> bool:
    for v in values:  # noqa: SIM110 - a plain loop: half the time of all() on a generator
        if v is not None and abs(v) > MAX_AMOUNT:
            return False
    return True


def _amounts_in_range(doc: Document) -> bool:
    t = doc.totals
    if not _in_range(t.line_extension, t.tax_exclusive, t.vat_total, t.payable):
        return False
    return all(_in_range(ln.net_amount, ln.quantity, ln.price) for ln in doc.lines) and all(
        _in_range(b.taxable_amount) for b in doc.vat_breakdown
    )


def _reverse_charge_base(doc: Document) -> Decimal:
    return rules.reverse_charge_base((b.category, b.taxable_amount) for b in doc.vat_breakdown)


_CVR_SCHEMES = frozenset({"DK:CVR", "0184", "DK:SE", "VAT", "0198", ""})


def supplier_cvr_of(doc: Document) -> str:
    party = doc.supplier
    for value, scheme in [
        (party.company_id, party.company_id_scheme),
        (party.vat_id, "VAT"),
        (party.endpoint_id, party.endpoint_scheme),
        *[(i, s) for i, s in party.identifications],
    ]:
        scheme = (scheme or "").upper()
        if not value:
            continue
        if scheme in _CVR_SCHEMES or value.upper().startswith("DK"):
            digits = rules.clean_cvr(value)
            if digits:
                return digits
    return ""


def buyer_gln_of(doc: Document) -> str:
    party = doc.customer
    candidates = [(party.endpoint_id, party.endpoint_scheme), *party.identifications]
    for value, scheme in candidates:
        value = (value or "").strip()
        if len(value) == 13 and value.isdigit() and (scheme or "").upper() in {"GLN", "0088", ""}:
            return value
    return ""


def _payment_fields(doc: Document) -> tuple[str, str, str, str]:
    """(means code, payment id, account, branch) in the form rules.payment_target reads."""
    if not doc.payment_means:
        return "", "", "", ""
    pm = doc.payment_means[0]
    code = pm.code
    card = pm.payment_id if pm.payment_id in {"71", "73", "75", "01", "04", "15"} else ""
    if card:
        return code, f"{card}#{pm.instruction_id}", pm.creditor_account or pm.account_id, ""
    if code in {"93", "50"}:
        fik = rules.parse_fik(pm.payment_id or pm.payment_reference)
        if fik:
            return code, f"{fik.card_type}#{fik.payment_id}", fik.creditor, ""
        # Peppol DK: PaymentID holds "71#reference" style or the reference alone
        if "#" in pm.payment_id:
            return code, pm.payment_id, pm.account_id or pm.creditor_account, ""
    return code, pm.payment_reference or "", pm.account_id, pm.bank_reg_no or pm.bic


def _error(incoming: Incoming, exc: EInvoiceError) -> dict[str, Any]:
    return {
        "file": incoming.filename,
        "status": "error",
        "format": None,
        "invoice": None,
        "reason": exc.reason,
        "errors": [
            {
                "rule": "KS-PARSE",
                "severity": "fatal",
                "location": exc.location,
                "message": exc.message,
                "message_da": exc.message_da,
            }
        ],
    }


def _prepare(incoming: Incoming, max_bytes: int, stats: IngestStats) -> _Item | dict[str, Any]:
    started = _clock()
    try:
        parsed = parse_document(incoming.data, filename=incoming.filename, max_bytes=max_bytes)
        doc = parsed.document
        if doc.doc_type not in {"Invoice", "CreditNote"}:
            raise EInvoiceError(
                "unknown-document",
                f"A {doc.doc_type} is not an invoice or credit note.",
                f"Et {doc.doc_type}-dokument er ikke en faktura eller kreditnota.",
                file=incoming.filename,
                location="/" + doc.doc_type,
            )
    except Exception as exc:  # never crash on a document: report it as unreadable
        if not isinstance(exc, EInvoiceError):
            logger.exception("Parser failed on %s", incoming.filename)
            exc = EInvoiceError(
                "internal",
                f"The document could not be read: {type(exc).__name__}",
                f"Dokumentet kunne ikke læses: {type(exc).__name__}",
                file=incoming.filename,
            )
        stats.parse_s += _clock() - started
        return _error(incoming, exc)
    parsed_at = _clock()
    stats.parse_s += parsed_at - started
    timeout = LARGE_TIMEOUT_SECONDS if parsed.is_large else None
    findings: list[tuple[str, str, str, str, str]]
    try:
        findings = [
            (f.rule, f.severity, f.location, f.message, f.message_da)
            for f in validate(parsed, timeout=timeout)
        ]
    except EInvoiceError as exc:  # a large document whose rules did not finish in time
        return _error(incoming, exc)
    except Exception:  # a fault in a rule must not lose the invoice: hold it for a person
        logger.exception("Validator failed on %s", incoming.filename)
        message, explanation = OWN_CHECKS["KS-VALIDATOR"]
        findings = [("KS-VALIDATOR", "warning", "/", message, explanation)]
    finally:
        stats.validate_s += _clock() - parsed_at
    item = _Item(
        incoming=incoming,
        sha256=hashlib.sha256(incoming.data).hexdigest(),
        doc=doc,
        fmt=parsed.format or "peppol",
        findings=findings,
    )
    item.cvr = supplier_cvr_of(doc)
    item.endpoint = doc.supplier.endpoint_id[:60]
    item.gln = buyer_gln_of(doc)
    if item.cvr and doc.supplier.address.country in {"", "DK"} and not rules.cvr_is_valid(item.cvr):
        item.own("KS-CVR", "/*/cac:AccountingSupplierParty/cac:Party")
    _code, pid, account, _branch = _payment_fields(doc)
    card, sep, ref = pid.partition("#")
    valid_card = sep and card in {"71", "73", "75", "01", "04", "15"}
    if valid_card and rules.fik_problems(card, ref, account):
        item.own("KS-FIK", "/*/cac:PaymentMeans")
    if not _amounts_in_range(doc):
        item.own("KS-AMOUNT", "/*/cac:LegalMonetaryTotal")
    if not item.cvr and not item.endpoint:
        item.own("KS-SUPPLIER-UNKNOWN", "/*/cac:AccountingSupplierParty")
    return item


# --- Raw documents ----------------------------------------------------------------------------


def _write_once(path: str, data: bytes, mode: int | None) -> None:
    """Write a content-addressed file unless it is there already (a file of the same name
    and size holds the same bytes, written by an earlier or a rolled-back attempt)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        if os.path.getsize(path) == len(data):
            return
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)  # a write cut short: write it again
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _store_raw(items: Sequence[_Item], now: dt.datetime) -> None:
    """The batch's documents in one pack file (``store_pack``), written before the
    transaction; each document is its ``offset`` and size in it (``InvoiceDocument.read``)."""
    name, offsets = store_pack([i.incoming.data for i in items], [i.sha256 for i in items], now)
    for item, offset in zip(items, offsets, strict=True):
        item.storage_name, item.offset = name, offset


def store_pack(
    documents: Sequence[bytes], digests: Sequence[str], when: dt.date
) -> tuple[str, list[int]]:
    """Documents, unchanged and one after the other, in one pack file
    ``einvoice/YYYY/MM/DD/<sha256 of the documents' hashes>.pack``; returns its storage name
    and each document's offset in it. One file per batch instead of one per document: at a
    year's volume that is 1,000 files instead of 1,000,000, and a fraction of the system
    calls. Written once (the same batch again finds its file)."""
    digest = hashlib.sha256("".join(digests).encode()).hexdigest()
    name = f"einvoice/{when:%Y/%m/%d}/{digest}.pack"
    offsets, offset = [], 0
    for data in documents:
        offsets.append(offset)
        offset += len(data)
    pack = b"".join(documents)
    if isinstance(default_storage, FileSystemStorage):  # plain os calls, no name search
        path = default_storage.path(name)
        folder = os.path.dirname(path)
        if not os.path.isdir(folder):
            os.makedirs(folder, exist_ok=True)
            if default_storage.directory_permissions_mode is not None:
                os.chmod(folder, default_storage.directory_permissions_mode)
        _write_once(path, pack, default_storage.file_permissions_mode)
    elif not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(pack))
    return name, offsets


# --- Database phase: set-based look-ups -------------------------------------------------------


def _find_suppliers(items: list[_Item], now: dt.datetime, *, audit: bool = True) -> list[Supplier]:
    """Attach each item's supplier (by CVR, else endpoint), creating new ones (to review)."""
    cvrs = {i.cvr for i in items if i.cvr}
    endpoints = {i.endpoint for i in items if i.endpoint and not i.cvr}
    by_cvr = {s.cvr: s for s in Supplier.objects.filter(cvr__in=cvrs)} if cvrs else {}
    by_endpoint = (
        {s.endpoint_id: s for s in Supplier.objects.filter(endpoint_id__in=endpoints, cvr="")}
        if endpoints
        else {}
    )
    created: list[Supplier] = []
    for item in items:
        if not item.cvr and not item.endpoint:
            continue
        found = by_cvr.get(item.cvr) if item.cvr else by_endpoint.get(item.endpoint)
        if found is None:
            party = item.doc.supplier
            pm = item.doc.payment_means[0] if item.doc.payment_means else None
            found = Supplier(
                name=(party.name or item.cvr or item.endpoint)[:200],
                cvr=item.cvr,
                cvr_valid=rules.cvr_is_valid(item.cvr),
                endpoint_id=item.endpoint,
                endpoint_scheme=party.endpoint_scheme[:10],
                vat_number=party.vat_id[:30],
                reg_no=(pm.bank_reg_no if pm and len(pm.bank_reg_no) == 4 else "")[:4],
                account_no=(
                    pm.account_id
                    if pm and pm.account_id.isdigit() and len(pm.account_id) <= 10
                    else ""
                ),
                iban=(pm.account_id if pm and pm.account_scheme == "IBAN" else "")[:34],
                fik_creditor=(pm.creditor_account if pm else "")[:8],
                status=Supplier.Status.NEW,
                created_automatically=True,
                created_at=now,
                updated_at=now,
            )
            created.append(found)
            if item.cvr:
                by_cvr[item.cvr] = found
            else:
                by_endpoint[item.endpoint] = found
        item.supplier = found
    if created:
        copy_insert(created)
        if audit:
            record_bulk_create(created)
    for item in items:
        if item.supplier is None:
            continue
        if item.supplier.is_blocked:
            item.own("KS-SUPPLIER-BLOCKED", "/*/cac:AccountingSupplierParty")
        elif item.supplier.status == Supplier.Status.NEW:
            item.own("KS-SUPPLIER-NEW", "/*/cac:AccountingSupplierParty")
    return created


def _units(items: list[_Item]) -> dict[str, OrgUnit]:
    """The active units by GLN (read before the batch's lock: the ingest changes none)."""
    glns = {i.gln for i in items if i.gln}
    if not glns:
        return {}
    return {
        u.gln: u
        for u in OrgUnit.objects.filter(gln__in=glns, is_active=True).only(
            "pk", "gln", "path", "name"
        )
        if u.gln
    }


def _route(items: list[_Item], units: dict[str, OrgUnit]) -> None:
    for item in items:
        found = units.get(item.gln)
        if found is None:
            item.own("KS-BUYER-GLN", "/*/cac:AccountingCustomerParty/cac:Party/cbc:EndpointID")
        else:
            item.unit, item.unit_id, item.unit_path = found, found.pk, found.path


def _by_supplier_and_number(
    pairs: set[tuple[int, str]], kind: str | None = None
) -> list[tuple[int, int, str, str, Decimal]]:
    """(pk, supplier, number, kind, payable) of the invoices not rejected that have one of
    these (supplier, number) pairs: one query on the (supplier, number) index."""
    if not pairs:
        return []
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Invoice._meta.db_table)
        sql = (
            f"SELECT i.id, i.supplier_id, i.number, i.kind, i.payable_amount FROM {table} i "
            "JOIN unnest(%s::bigint[], %s::text[]) AS k(s, n) "
            "ON i.supplier_id = k.s AND i.number = k.n WHERE i.status <> %s"
        )
        params: list[Any] = [[s for s, _n in pairs], [n for _s, n in pairs], "rejected"]
        if kind:
            sql += " AND i.kind = %s"
            params.append(kind)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()]  # type: ignore[misc]
    numbers: dict[int, set[str]] = {}
    for sid, number in pairs:
        numbers.setdefault(sid, set()).add(number)
    query = Invoice.objects.filter(
        reduce(or_, (Q(supplier_id=sid, number__in=ns) for sid, ns in numbers.items()))
    ).exclude(status=Invoice.Status.REJECTED)
    if kind:
        query = query.filter(kind=kind)
    return list(query.values_list("pk", "supplier_id", "number", "kind", "payable_amount"))


def _duplicates(items: list[_Item]) -> None:
    uuids = {i.doc.uuid for i in items if i.doc.uuid}
    seen_uuids = (
        set(
            Invoice.objects.filter(document_uuid__in=uuids)
            .exclude(status=Invoice.Status.REJECTED)
            .values_list("document_uuid", flat=True)
        )
        if uuids
        else set()
    )
    pairs = {(i.supplier.pk, i.doc.number) for i in items if i.supplier and i.doc.number}
    seen_numbers: set[tuple[int | None, str, str, Decimal]] = {
        (sid, number, kind, amount)
        for _pk, sid, number, kind, amount in _by_supplier_and_number(pairs)
    }
    for item in items:
        key = (
            item.supplier.pk if item.supplier else None,
            item.doc.number,
            item.kind,
            _amount(item.doc.totals.payable),
        )
        if item.doc.uuid and item.doc.uuid in seen_uuids:
            item.own("KS-DUP-UUID", "/*/cbc:UUID")
        elif key[0] is not None and key in seen_numbers:
            item.own("KS-DUP", "/*/cbc:ID")
        if not item.fatal:
            if item.doc.uuid:
                seen_uuids.add(item.doc.uuid)
            seen_numbers.add(key)


def _credit_links(items: list[_Item]) -> None:
    """Link each credit note to the invoice it credits (same supplier and invoice number)."""
    notes = [i for i in items if i.doc.is_credit_note and i.doc.billing_references and i.supplier]
    if not notes:
        return
    wanted = {(i.supplier.pk, i.doc.billing_references[0]) for i in notes}  # type: ignore[union-attr]
    found = {
        (sid, number): pk
        for pk, sid, number, _kind, _amount in _by_supplier_and_number(
            wanted, Invoice.Kind.INVOICE.value
        )
    }
    for item in notes:
        assert item.supplier is not None
        pk = found.get((item.supplier.pk, item.doc.billing_references[0]))
        if pk is not None:
            item.credited_id = pk
        else:
            item.own("KS-CREDIT-LINK", "/*/cac:BillingReference")


def _lines_of(item: _Item) -> list[_Line]:
    lines = []
    for position, ln in enumerate(item.doc.lines, start=1):
        quantity, price, net = ln.quantity, ln.price, ln.net_amount
        percent = ln.vat_percent
        lines.append(
            _Line(
                position,
                ln.id[:60],
                ln.sellers_item_id[:60],
                (ln.item_name or ln.item_description)[:300],
                quantity if quantity is not None and _in_range(quantity) else 0,
                ln.unit_code[:10],
                price if price is not None and _in_range(price) else 0,
                _amount(net) if _in_range(net) else 0,
                ln.vat_category[:10],
                percent if percent is not None and abs(percent) < 1000 else 0,
                ln.order_line_reference[:60],
                ln.accounting_cost[:60],
            )
        )
    return lines


def _orders(items: list[_Item]) -> dict[str, procurement_selectors.OrderInfo]:
    """The orders the documents name, with their lines and goods received (read before the
    batch's lock: the ingest changes none; what is already invoiced is read under it)."""
    numbers = [i.doc.order_reference for i in items if i.doc.order_reference]
    return procurement_selectors.orders_for_matching(numbers) if numbers else {}


def _match(
    items: list[_Item],
    tolerance: rules.Tolerance,
    orders: dict[str, procurement_selectors.OrderInfo],
) -> None:
    """Match accepted invoices that name an order; code the matched ones from the order."""
    candidates = [i for i in items if not i.fatal and i.doc.order_reference]
    if not candidates:
        return
    line_ids = [ol.id for o in orders.values() for ol in o.lines]
    invoiced: dict[int, Decimal] = {}
    if line_ids:  # one query on the (partial) order-line index
        for row in (
            InvoiceLine.objects.filter(order_line_id__in=line_ids)
            .exclude(invoice__status=Invoice.Status.REJECTED)
            .exclude(invoice__kind=Invoice.Kind.CREDIT_NOTE)
            .values("order_line_id")
            .annotate(q=Sum("quantity"))
        ):
            invoiced[row["order_line_id"]] = row["q"]  # type: ignore[index]
    for item in candidates:
        order = orders.get(item.doc.order_reference)
        if order is None:
            item.match_status = Invoice.Match.DEVIATION.value
            item.match_reasons = ["unknown_order"]
            continue
        if order.supplier_cvr != item.cvr or order.unit_id != item.unit_id:
            item.match_status = Invoice.Match.DEVIATION.value
            item.match_reasons = ["order_party"]
            continue
        facts = [
            rules.OrderLineFacts(
                key=ol.line_no,
                item_id=ol.item_id,
                quantity=ol.quantity,
                unit_price=ol.unit_price,
                received=ol.received,
                invoiced=invoiced.get(ol.id, Decimal(0)),
                account=ol.account,
                cost_centre=ol.cost_centre,
            )
            for ol in order.lines
        ]
        result = rules.match_invoice(
            [
                rules.InvoiceLineFacts(
                    position=ln.position,
                    order_line_ref=ln.order_line_ref,
                    item_id=ln.item_id,
                    quantity=Decimal(ln.quantity),
                    unit_price=Decimal(ln.unit_price),
                    net_amount=Decimal(ln.net_amount),
                )
                for ln in item.lines
            ],
            facts,
            three_way=order.requires_receipt,
            tolerance=tolerance,
            credit=item.doc.is_credit_note,
        )
        by_no = {ol.line_no: ol for ol in order.lines}
        for ln, lm in zip(item.lines, result.lines, strict=True):
            if lm.order_line is not None:
                ol = by_no[lm.order_line]
                ln.order_line_id = ol.id
                ln.account = ol.account
                ln.cost_centre = ol.cost_centre
                invoiced[ol.id] = invoiced.get(ol.id, Decimal(0)) + Decimal(ln.quantity)
        item.match_status = (Invoice.Match.MATCHED if result.ok else Invoice.Match.DEVIATION).value
        item.match_reasons = result.reasons
        if result.ok:
            item.status = Invoice.Status.APPROVED.value
            item.auto_approved = True


# --- Database phase: rows ---------------------------------------------------------------------

DOCUMENT_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "storage_name",
    "filename",
    "sha256",
    "size",
    "offset",
    "channel",
)
INVOICE_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "document_id",
    "kind",
    "format",
    "status",
    "unit_id",
    "supplier_id",
    "number",
    "document_uuid",
    "issue_date",
    "due_date",
    "currency",
    "buyer_endpoint",
    "buyer_reference",
    "order_reference",
    "billing_reference",
    "credited_invoice_id",
    "supplier_name",
    "supplier_cvr",
    "line_total",
    "net_amount",
    "vat_amount",
    "reverse_charge_base",
    "payable_amount",
    "payment_means_code",
    "payment_id",
    "payment_account",
    "payment_branch",
    "match_status",
    "match_reasons",
    "auto_approved",
    "rejection_reasons",
    "on_hold",
    "paid_amount",
    "received_at",
)
LINE_COLUMNS = (
    "invoice_id",
    "position",
    "line_id",
    "item_id",
    "description",
    "quantity",
    "unit_code",
    "unit_price",
    "net_amount",
    "vat_category",
    "vat_percent",
    "order_line_ref",
    "order_line_id",
    "account",
    "cost_centre",
    "dimension",
)
FINDING_COLUMNS = ("invoice_id", "rule", "severity", "location", "message", "explanation")
STEP_COLUMNS = ("invoice_id", "step", "at", "comment")
AUDIT_COLUMNS = (
    "at",
    "actor_id",
    "actor_label",
    "action",
    "event",
    "content_type_id",
    "object_id",
    "object_repr",
    "changes",
    "reason",
    "scope_path",
    "request_id",
)


def _invoice_row(item: _Item, document_id: int, now: dt.datetime) -> tuple[Any, ...]:
    doc = item.doc
    t = doc.totals
    code, pid, account, branch = _payment_fields(doc)
    ok_amounts = not any(f[0] == "KS-AMOUNT" for f in item.findings)
    due = doc.due_date or next((pm.due_date for pm in doc.payment_means if pm.due_date), None)
    return (
        item.invoice_id,
        now,
        now,
        document_id,
        item.kind,
        item.fmt,
        item.status,
        item.unit_id,
        item.supplier.pk if item.supplier else None,
        doc.number[:100],
        doc.uuid[:100],
        doc.issue_date,
        due,
        (doc.currency or "DKK")[:3],
        item.gln or doc.customer.endpoint_id[:60],
        doc.buyer_reference[:200],
        doc.order_reference[:100],
        (doc.billing_references[0] if doc.billing_references else "")[:100],
        item.credited_id,
        doc.supplier.name[:200],
        item.cvr,
        _amount(t.line_extension) if ok_amounts else 0,
        _amount(t.tax_exclusive) if ok_amounts else 0,
        _amount(t.vat_total) if ok_amounts else 0,
        _amount(_reverse_charge_base(doc)) if ok_amounts else 0,
        _amount(t.payable) if ok_amounts else 0,
        code[:10],
        pid[:60],
        account[:40],
        branch[:20],
        item.match_status,
        item.match_reasons,
        item.auto_approved,
        sorted({f[0] for f in item.findings if f[1] == "fatal"}),
        False,
        0,
        now,
    )


def _rejected_invoice(item: _Item, row: tuple[Any, ...]) -> Invoice:
    """The model instance of a rejected invoice (for its response), relations attached."""
    invoice = Invoice(**dict(zip(INVOICE_COLUMNS, row, strict=True)))
    invoice._state.adding = False
    invoice._state.db = connection.alias
    invoice.supplier = item.supplier
    if item.unit is not None:
        invoice.unit = item.unit
    return invoice


def _write(items: list[_Item], now: dt.datetime, channel: str, audit: bool) -> list[Invoice]:
    """All rows of the batch, one ``COPY`` per table; the rejected invoices as models."""
    document_ids, invoice_ids = reserve_ids([InvoiceDocument, Invoice], len(items))
    for item, pk in zip(items, invoice_ids, strict=True):
        item.invoice_id = pk
    copy_rows(
        InvoiceDocument,
        DOCUMENT_COLUMNS,
        [
            (
                pk,
                now,
                now,
                item.storage_name,
                item.incoming.filename[-255:],
                item.sha256,
                len(item.incoming.data),
                item.offset,
                channel,
            )
            for item, pk in zip(items, document_ids, strict=True)
        ],
    )
    rows = [_invoice_row(item, pk, now) for item, pk in zip(items, document_ids, strict=True)]
    copy_rows(Invoice, INVOICE_COLUMNS, rows)
    rejected = [
        _rejected_invoice(item, row)
        for item, row in zip(items, rows, strict=True)
        if item.status == Invoice.Status.REJECTED
    ]
    copy_rows(
        InvoiceLine,
        LINE_COLUMNS,
        [
            (
                item.invoice_id,
                ln.position,
                ln.line_id,
                ln.item_id,
                ln.description,
                ln.quantity,
                ln.unit_code,
                ln.unit_price,
                ln.net_amount,
                ln.vat_category,
                ln.vat_percent,
                ln.order_line_ref,
                ln.order_line_id,
                ln.account,
                ln.cost_centre,
                ln.dimension,
            )
            for item in items
            for ln in item.lines
        ],
    )
    copy_rows(
        Finding,
        FINDING_COLUMNS,
        [
            (item.invoice_id, rule[:60], severity, location[:500], message, explanation)
            for item in items
            for rule, severity, location, message, explanation in item.findings
        ],
    )
    copy_rows(
        ApprovalStep,
        STEP_COLUMNS,
        [
            (item.invoice_id, ApprovalStep.Step.AUTO.value, now, item.doc.order_reference[:500])
            for item in items
            if item.auto_approved
        ],
    )
    if audit:
        _audit_received(items, now, channel)
    return rejected


def _audit_received(items: list[_Item], now: dt.datetime, channel: str) -> None:
    """The ``invoice.received`` event of each invoice (what ``core.audit.record_events``
    writes, as rows for one ``COPY``)."""
    ctx = current_context()
    actor = ctx.actor if ctx.actor is not None and getattr(ctx.actor, "pk", None) else None
    content_type = ContentType.objects.get_for_model(Invoice, for_concrete_model=True).pk
    labels = {kind.value: str(kind.label) for kind in Invoice.Kind}
    copy_rows(
        AuditEntry,
        AUDIT_COLUMNS,
        [
            (
                now,
                actor.pk if actor is not None else None,
                ctx.actor_label[:150],
                AuditEntry.Action.EVENT.value,
                "invoice.received",
                content_type,
                str(item.invoice_id),
                f"{labels[item.kind]} {item.doc.number[:100]}"[:200],
                {
                    "file": item.incoming.filename[-200:],
                    "sha256": item.sha256,
                    "status": item.status,
                    "channel": channel,
                },
                ctx.reason,
                item.unit_path,
                ctx.request_id,
            )
            for item in items
        ],
    )


# --- Batches ----------------------------------------------------------------------------------


def ingest(
    incoming: Iterable[Incoming],
    *,
    actor: Any,
    channel: str,
    batch_size: int = 500,
    tolerance: rules.Tolerance = DEFAULT_TOLERANCE,
    max_bytes: int | None = None,
    audit: bool = True,
) -> list[dict[str, Any]]:
    """Ingest documents in batches; one result dict per document, in order. ``audit=False``
    (only the demo, which records one ``demo.built`` event) writes no per-row audit."""
    started = _clock()
    limit = max_bytes or settings.EINVOICE_MAX_BYTES
    results: list[dict[str, Any]] = []
    batch: list[Incoming] = []
    try:
        for item in incoming:
            batch.append(item)
            if len(batch) >= batch_size:
                results.extend(
                    _ingest_batch(
                        batch,
                        actor=actor,
                        channel=channel,
                        tolerance=tolerance,
                        limit=limit,
                        audit=audit,
                    )
                )
                batch = []
        if batch:
            results.extend(
                _ingest_batch(
                    batch,
                    actor=actor,
                    channel=channel,
                    tolerance=tolerance,
                    limit=limit,
                    audit=audit,
                )
            )
    finally:
        STATS.cpu_s += _clock() - started
    return results


def _ingest_batch(
    batch: Sequence[Incoming],
    *,
    actor: Any,
    channel: str,
    tolerance: rules.Tolerance,
    limit: int,
    audit: bool = True,
) -> list[dict[str, Any]]:
    stats = STATS
    stats.batches += 1
    stats.documents += len(batch)
    prepared = [_prepare(incoming, limit, stats) for incoming in batch]
    items = [p for p in prepared if isinstance(p, _Item)]
    now = timezone.now()
    if items:
        started = _clock()
        for item in items:
            item.lines = _lines_of(item)
        _store_raw(items, now)
        stats.store_s += _clock() - started
        started = _clock()
        units, orders = _units(items), _orders(items)
        wall = time.perf_counter()
        with transaction.atomic(), audit_context(actor=actor):
            if connection.vendor == "postgresql":
                # Database phases of concurrent ingests take turns, so duplicates, new
                # suppliers and what is already invoiced on an order stay exact (keys come
                # from the sequences and need no lock); readers are not blocked.
                with connection.cursor() as cursor:
                    cursor.execute(f"LOCK TABLE {Invoice._meta.db_table} IN EXCLUSIVE MODE")
            _find_suppliers(items, now, audit=audit)
            _route(items, units)
            _duplicates(items)
            _credit_links(items)
            for item in items:
                item.status = (
                    Invoice.Status.REJECTED if item.fatal else Invoice.Status.TO_CODE
                ).value
            _match(items, tolerance, orders)
            rejected = _write(items, now, channel, audit)
            if rejected:
                from koncernservice.finance.responses_out import respond_to_rejected

                respond_to_rejected(rejected)
        stats.database_s += _clock() - started
        stats.database_wall_s += time.perf_counter() - wall
    out: list[dict[str, Any]] = []
    for p in prepared:
        if isinstance(p, dict):
            out.append(p)
            continue
        out.append(
            {
                "file": p.incoming.filename,
                "status": "rejected" if p.status == "rejected" else "received",
                "format": p.fmt,
                "invoice": p.invoice_id,
                "invoice_status": p.status,
                "number": p.doc.number[:100],
                "unit": p.unit_id,
                "supplier": p.supplier.pk if p.supplier else None,
                "match": p.match_status,
                "errors": [
                    {"rule": r, "severity": s, "location": loc, "message": m, "message_da": da}
                    for r, s, loc, m, da in p.findings
                ],
            }
        )
    return out
