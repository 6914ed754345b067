"""Ingest of e-invoices in batches: parse, validate (official rules and our own checks),
route by the buyer's GLN, find or create the supplier, store the raw document, match and
code against purchase orders, and write everything with a few bulk inserts.

Per file the outcome is one of ``received`` (stored, in the workflow), ``rejected``
(stored with its reasons and a response in the outbox) or ``error`` (not readable as an
e-invoice: nothing is stored, the reason is reported). A batch is one transaction: a
database error leaves none of the batch's rows (raw files are content-addressed, so a
file left in storage by a rolled-back batch is harmless and reused by the next attempt).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from koncernservice.core.audit import audit_context, record_bulk_create, record_events
from koncernservice.core.models import OrgUnit
from koncernservice.finance import rules
from koncernservice.finance.bulkcopy import copy_insert as fast_insert
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

# Our own checks (the official rules lack them): id -> (English message, Danish explanation)
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
    unit_id: int | None = None
    unit_path: str = ""
    invoice: Invoice | None = None
    lines: list[InvoiceLine] = field(default_factory=list)

    def own(self, rule: str, location: str = "") -> None:
        message, explanation = OWN_CHECKS[rule]
        severity = "fatal" if rule in OWN_FATAL else "warning"
        self.findings.append((rule, severity, location, message, explanation))

    @property
    def fatal(self) -> bool:
        return any(f[1] == "fatal" for f in self.findings)


def _amount(value: Decimal | None) -> Decimal:
    return rules.money(value) if value is not None else Decimal(0)


def _in_range(*values: Decimal | None) -> bool:
    return all(v is None or abs(v) <= MAX_AMOUNT for v in values)


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
        if scheme in {"DK:CVR", "0184", "DK:SE", "VAT", "0198", ""} or value.upper().startswith(
            "DK"
        ):
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


def _prepare(incoming: Incoming, max_bytes: int) -> _Item | dict[str, Any]:
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
        return _error(incoming, exc)
    timeout = LARGE_TIMEOUT_SECONDS if parsed.is_large else None
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
    t = doc.totals
    if not _in_range(
        t.line_extension,
        t.tax_exclusive,
        t.vat_total,
        t.payable,
        *[ln.net_amount for ln in doc.lines],
    ) or not _in_range(*[ln.quantity for ln in doc.lines], *[ln.price for ln in doc.lines]):
        item.own("KS-AMOUNT", "/*/cac:LegalMonetaryTotal")
    if not item.cvr and not item.endpoint:
        item.own("KS-SUPPLIER-UNKNOWN", "/*/cac:AccountingSupplierParty")
    return item


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
        fast_insert(created)
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


def _route(items: list[_Item]) -> None:
    glns = {i.gln for i in items if i.gln}
    units = {
        gln: (pk, path)
        for gln, pk, path in OrgUnit.objects.filter(gln__in=glns, is_active=True).values_list(
            "gln", "pk", "path"
        )
    }
    for item in items:
        found = units.get(item.gln)
        if found is None:
            item.own("KS-BUYER-GLN", "/*/cac:AccountingCustomerParty/cac:Party/cbc:EndpointID")
        else:
            item.unit_id, item.unit_path = found


def _duplicates(items: list[_Item]) -> None:
    uuids = {i.doc.uuid for i in items if i.doc.uuid}
    numbers = {i.doc.number for i in items if i.doc.number}
    seen_uuids = set(
        Invoice.objects.filter(document_uuid__in=uuids)
        .exclude(status=Invoice.Status.REJECTED)
        .values_list("document_uuid", flat=True)
    )
    seen_numbers = {
        (sid, number, kind, amount)
        for sid, number, kind, amount in Invoice.objects.filter(number__in=numbers)
        .exclude(status=Invoice.Status.REJECTED)
        .values_list("supplier_id", "number", "kind", "payable_amount")
    }
    for item in items:
        kind = "credit_note" if item.doc.is_credit_note else "invoice"
        key = (
            item.supplier.pk if item.supplier else None,
            item.doc.number,
            kind,
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


def _credit_links(items: list[_Item]) -> dict[int, int]:
    """Credit note (item index) -> credited invoice id, by supplier and invoice number."""
    wanted = {
        (i.supplier.pk, i.doc.billing_references[0])
        for i in items
        if i.doc.is_credit_note and i.doc.billing_references and i.supplier is not None
    }
    if not wanted:
        return {}
    found = {
        (sid, number): pk
        for pk, sid, number in Invoice.objects.filter(
            number__in={n for _s, n in wanted}, kind=Invoice.Kind.INVOICE
        )
        .exclude(status=Invoice.Status.REJECTED)
        .values_list("pk", "supplier_id", "number")
    }
    result = {}
    for index, item in enumerate(items):
        if item.doc.is_credit_note and item.doc.billing_references and item.supplier is not None:
            pk = found.get((item.supplier.pk, item.doc.billing_references[0]))
            if pk is not None:
                result[index] = pk
            else:
                item.own("KS-CREDIT-LINK", "/*/cac:BillingReference")
    return result


def _lines_of(item: _Item) -> list[InvoiceLine]:
    lines = []
    for position, ln in enumerate(item.doc.lines, start=1):
        lines.append(
            InvoiceLine(
                position=position,
                line_id=ln.id[:60],
                item_id=ln.sellers_item_id[:60],
                description=(ln.item_name or ln.item_description)[:300],
                quantity=ln.quantity if ln.quantity is not None and _in_range(ln.quantity) else 0,
                unit_code=ln.unit_code[:10],
                unit_price=ln.price if ln.price is not None and _in_range(ln.price) else 0,
                net_amount=_amount(ln.net_amount) if _in_range(ln.net_amount) else 0,
                vat_category=ln.vat_category[:10],
                vat_percent=ln.vat_percent
                if ln.vat_percent is not None and abs(ln.vat_percent) < 1000
                else 0,
                order_line_ref=ln.order_line_reference[:60],
                cost_centre="",
                account="",
                dimension=ln.accounting_cost[:60],
            )
        )
    return lines


def _match(items: list[_Item], tolerance: rules.Tolerance) -> None:
    """Match accepted invoices that name an order; code the matched ones from the order."""
    candidates = [i for i in items if not i.fatal and i.doc.order_reference and i.invoice]
    if not candidates:
        return
    orders = procurement_selectors.orders_for_matching([i.doc.order_reference for i in candidates])
    line_ids = [ol.id for o in orders.values() for ol in o.lines]
    invoiced: dict[int, Decimal] = {
        row["order_line_id"]: row["q"]
        for row in InvoiceLine.objects.filter(order_line_id__in=line_ids)
        .exclude(invoice__status=Invoice.Status.REJECTED)
        .exclude(invoice__kind=Invoice.Kind.CREDIT_NOTE)
        .values("order_line_id")
        .annotate(q=Sum("quantity"))
    }
    for item in candidates:
        invoice = item.invoice
        assert invoice is not None
        order = orders.get(item.doc.order_reference)
        if order is None:
            invoice.match_status = Invoice.Match.DEVIATION
            invoice.match_reasons = ["unknown_order"]
            continue
        if order.supplier_cvr != item.cvr or order.unit_id != item.unit_id:
            invoice.match_status = Invoice.Match.DEVIATION
            invoice.match_reasons = ["order_party"]
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
                for claimed in (ln.quantity,):
                    invoiced[ol.id] = invoiced.get(ol.id, Decimal(0)) + Decimal(claimed)
        invoice.match_status = Invoice.Match.MATCHED if result.ok else Invoice.Match.DEVIATION
        invoice.match_reasons = result.reasons
        if result.ok:
            invoice.status = Invoice.Status.APPROVED
            invoice.auto_approved = True


def _store(item: _Item, now: dt.datetime, channel: str) -> InvoiceDocument:
    name = f"einvoice/{now:%Y/%m/%d}/{item.sha256}.xml"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(item.incoming.data))
    return InvoiceDocument(
        storage_name=name,
        filename=item.incoming.filename[-255:],
        sha256=item.sha256,
        size=len(item.incoming.data),
        channel=channel,
        created_at=now,
        updated_at=now,
    )


def _build_invoice(item: _Item, document: InvoiceDocument, now: dt.datetime) -> Invoice:
    doc = item.doc
    t = doc.totals
    code, pid, account, branch = _payment_fields(doc)
    ok_amounts = not any(f[0] == "KS-AMOUNT" for f in item.findings)
    due = doc.due_date or next((pm.due_date for pm in doc.payment_means if pm.due_date), None)
    supplier = item.supplier
    invoice = Invoice(
        document=document,
        kind=Invoice.Kind.CREDIT_NOTE if doc.is_credit_note else Invoice.Kind.INVOICE,
        format=item.fmt,
        status=Invoice.Status.REJECTED if item.fatal else Invoice.Status.TO_CODE,
        unit_id=item.unit_id,
        supplier=supplier,
        number=doc.number[:100],
        document_uuid=doc.uuid[:100],
        issue_date=doc.issue_date,
        due_date=due,
        currency=(doc.currency or "DKK")[:3],
        buyer_endpoint=item.gln or doc.customer.endpoint_id[:60],
        buyer_reference=doc.buyer_reference[:200],
        order_reference=doc.order_reference[:100],
        billing_reference=(doc.billing_references[0] if doc.billing_references else "")[:100],
        supplier_name=doc.supplier.name[:200],
        supplier_cvr=item.cvr,
        line_total=_amount(t.line_extension) if ok_amounts else 0,
        net_amount=_amount(t.tax_exclusive) if ok_amounts else 0,
        vat_amount=_amount(t.vat_total) if ok_amounts else 0,
        payable_amount=_amount(t.payable) if ok_amounts else 0,
        payment_means_code=code[:10],
        payment_id=pid[:60],
        payment_account=account[:40],
        payment_branch=branch[:20],
        rejection_reasons=sorted({f[0] for f in item.findings if f[1] == "fatal"}),
        received_at=now,
        created_at=now,
        updated_at=now,
    )
    invoice._audit_scope = item.unit_path  # type: ignore[attr-defined]
    return invoice


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
    limit = max_bytes or settings.EINVOICE_MAX_BYTES
    results: list[dict[str, Any]] = []
    batch: list[Incoming] = []
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
    prepared = [_prepare(incoming, limit) for incoming in batch]
    items = [p for p in prepared if isinstance(p, _Item)]
    now = timezone.now()
    with transaction.atomic(), audit_context(actor=actor):
        if items and connection.vendor == "postgresql":
            # Database phases of concurrent ingests take turns, so duplicates and key
            # assignment stay exact; readers are not blocked.
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {Invoice._meta.db_table} IN EXCLUSIVE MODE")
        if items:
            _find_suppliers(items, now, audit=audit)
            _route(items)
            _duplicates(items)
            links = _credit_links(items)
            documents = [_store(item, now, channel) for item in items]
            fast_insert(documents)
            for index, (item, document) in enumerate(zip(items, documents, strict=True)):
                item.invoice = _build_invoice(item, document, now)
                item.invoice.credited_invoice_id = links.get(index)
                item.lines = _lines_of(item)
            _match(items, tolerance)
            invoices = [i.invoice for i in items if i.invoice is not None]
            fast_insert(invoices)
            lines: list[InvoiceLine] = []
            findings: list[Finding] = []
            steps: list[ApprovalStep] = []
            for item in items:
                assert item.invoice is not None
                for ln in item.lines:
                    ln.invoice_id = item.invoice.pk
                    lines.append(ln)
                for rule, severity, location, message, explanation in item.findings:
                    findings.append(
                        Finding(
                            invoice_id=item.invoice.pk,
                            rule=rule[:60],
                            severity=severity,
                            location=location[:500],
                            message=message,
                            explanation=explanation,
                        )
                    )
                if item.invoice.auto_approved:
                    steps.append(
                        ApprovalStep(
                            invoice_id=item.invoice.pk,
                            step=ApprovalStep.Step.AUTO,
                            at=now,
                            comment=item.doc.order_reference[:500],
                        )
                    )
            fast_insert(lines)
            fast_insert(findings)
            fast_insert(steps)
            record_events(
                []
                if not audit
                else [
                    (
                        i.invoice,
                        {
                            "file": i.incoming.filename[-200:],
                            "sha256": i.sha256,
                            "status": i.invoice.status,
                            "channel": channel,
                        },
                    )
                    for i in items
                    if i.invoice is not None
                ],
                "invoice.received",
            )
            rejected = [i.invoice for i in items if i.invoice and i.invoice.status == "rejected"]
            if rejected:
                from koncernservice.finance.responses_out import respond_to_rejected

                respond_to_rejected(rejected)
    out: list[dict[str, Any]] = []
    for p in prepared:
        if isinstance(p, dict):
            out.append(p)
            continue
        invoice = p.invoice
        assert invoice is not None
        out.append(
            {
                "file": p.incoming.filename,
                "status": "rejected" if invoice.status == "rejected" else "received",
                "format": p.fmt,
                "invoice": invoice.pk,
                "invoice_status": invoice.status,
                "number": invoice.number,
                "unit": invoice.unit_id,
                "supplier": invoice.supplier_id,
                "match": invoice.match_status,
                "errors": [
                    {"rule": r, "severity": s, "location": loc, "message": m, "message_da": da}
                    for r, s, loc, m, da in p.findings
                ],
            }
        )
    return out
