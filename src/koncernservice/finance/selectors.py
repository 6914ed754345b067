"""Accounts-payable reads: every one takes the acting user and goes through ``restrict``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from koncernservice.core.access import restrict, scope_paths
from koncernservice.core.models import AuditEntry, OrgUnit
from koncernservice.finance import access, rules
from koncernservice.finance.models import (
    ApprovalLimit,
    Finding,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentRun,
    Supplier,
)

QUEUES = ("to_code", "to_attest", "to_approve", "rejected", "overdue", "escalated", "all")
OPEN_STATUSES = (
    Invoice.Status.TO_CODE,
    Invoice.Status.TO_ATTEST,
    Invoice.Status.TO_APPROVE,
    Invoice.Status.APPROVED,
    Invoice.Status.POSTED,
    Invoice.Status.IN_PAYMENT,
)


def invoices(*, user: Any) -> QuerySet[Invoice]:
    return restrict(Invoice.objects.select_related("unit", "supplier"), user, access.VIEW_INVOICE)


def invoice_queue(*, user: Any, queue: str, today: dt.date | None = None) -> QuerySet[Invoice]:
    """The unit's inbox: to code, to attest, to approve, rejected, overdue, escalated."""
    qs = invoices(user=user)
    today = today or timezone.localdate()
    if queue in {"to_code", "to_attest", "to_approve", "rejected"}:
        return qs.filter(status=queue)
    if queue == "overdue":
        return qs.filter(status__in=OPEN_STATUSES, due_date__lt=today)
    if queue == "escalated":
        return qs.filter(
            escalated_at__isnull=False,
            status__in=[
                Invoice.Status.TO_CODE,
                Invoice.Status.TO_ATTEST,
                Invoice.Status.TO_APPROVE,
            ],
        )
    return qs


def queue_counts(*, user: Any) -> dict[str, int]:
    today = timezone.localdate()
    qs = invoices(user=user)
    counts = qs.aggregate(
        to_code=Count("pk", filter=Q(status=Invoice.Status.TO_CODE)),
        to_attest=Count("pk", filter=Q(status=Invoice.Status.TO_ATTEST)),
        to_approve=Count("pk", filter=Q(status=Invoice.Status.TO_APPROVE)),
        rejected=Count("pk", filter=Q(status=Invoice.Status.REJECTED)),
        overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_date__lt=today)),
        escalated=Count(
            "pk",
            filter=Q(
                escalated_at__isnull=False,
                status__in=[
                    Invoice.Status.TO_CODE,
                    Invoice.Status.TO_ATTEST,
                    Invoice.Status.TO_APPROVE,
                ],
            ),
        ),
    )
    return {k: int(v or 0) for k, v in counts.items()}


def invoice_get(*, user: Any, pk: int) -> Invoice:
    invoice = invoices(user=user).filter(pk=pk).first()
    if invoice is None:
        raise Http404
    return invoice


def invoice_attachments(invoice: Invoice) -> list[Any]:
    """The attachments listed in the stored document (embedded files and external links)."""
    from koncernservice.finance.einvoice import EInvoiceError, parse_document

    try:
        return list(parse_document(invoice.document.read()).document.attachments)
    except (EInvoiceError, OSError):
        return []


def invoice_attachment(invoice: Invoice, index: int) -> tuple[str, str, bytes]:
    """(file name, content type, content) of an embedded attachment; 404 when missing. The
    content type is the declared MIME code when it is one Peppol allows, else a download."""
    from koncernservice.finance.einvoice import EInvoiceError, parse_document
    from koncernservice.finance.einvoice.parse import (
        ATTACHMENT_MIME_TYPES,
        attachment_content,
        attachment_filename,
    )

    try:
        found = attachment_content(parse_document(invoice.document.read()).root, index)
    except (EInvoiceError, OSError):
        found = None
    if found is None:
        raise Http404
    meta, content = found
    mime = meta.mime_code if meta.mime_code in ATTACHMENT_MIME_TYPES else ""
    return attachment_filename(meta.filename, index), mime or "application/octet-stream", content


def invoice_history(invoice: Invoice) -> list[AuditEntry]:
    content_type = ContentType.objects.get_for_model(Invoice)
    return list(
        AuditEntry.objects.filter(content_type=content_type, object_id=str(invoice.pk)).order_by(
            "at", "id"
        )
    )


def coding_suggestion(invoice: Invoice) -> tuple[str, str] | None:
    """The account and cost centre this unit used most for this supplier (last 200 lines)."""
    if invoice.supplier_id is None:
        return None
    history = (
        InvoiceLine.objects.filter(
            invoice__supplier_id=invoice.supplier_id,
            invoice__unit_id=invoice.unit_id,
        )
        .exclude(account="")
        .exclude(invoice_id=invoice.pk)
        .order_by("-invoice__received_at", "-id")
        .values_list("account", "cost_centre")[:200]
    )
    return rules.suggest_coding(list(history))


def may(user: Any, permission: str, invoice: Invoice) -> bool:
    path = invoice.unit.path if invoice.unit is not None else "/"
    return any(path.startswith(p) for p in scope_paths(user, permission))


# --- Suppliers ----------------------------------------------------------------------------------


def suppliers(*, user: Any) -> QuerySet[Supplier]:
    return restrict(Supplier.objects.all(), user, access.VIEW_SUPPLIER)


def supplier_get(*, user: Any, pk: int) -> Supplier:
    supplier = suppliers(user=user).filter(pk=pk).first()
    if supplier is None:
        raise Http404
    return supplier


# --- Rejections and dashboards ------------------------------------------------------------------


@dataclass(frozen=True)
class SupplierRejections:
    supplier_id: int | None
    name: str
    rejected: int
    received: int
    reasons: list[tuple[str, int]]

    @property
    def rate(self) -> int:
        return round(100 * self.rejected / self.received) if self.received else 0


def rejections_by_supplier(*, user: Any, limit: int = 50) -> list[SupplierRejections]:
    """Suppliers sending the most rejected invoices, with their reasons counted."""
    visible = invoices(user=user)
    rows = list(
        visible.values("supplier_id", "supplier_name")
        .annotate(
            rejected=Count("pk", filter=Q(status=Invoice.Status.REJECTED)),
            received=Count("pk"),
        )
        .filter(rejected__gt=0)
        .order_by("-rejected", "supplier_name")[:limit]
    )
    ids = [r["supplier_id"] for r in rows]
    reasons: dict[int | None, list[tuple[str, int]]] = {}
    for row in (
        Finding.objects.filter(
            invoice__in=visible.filter(status=Invoice.Status.REJECTED, supplier_id__in=ids),
            severity=Finding.Severity.FATAL,
        )
        .values("invoice__supplier_id", "rule")
        .annotate(n=Count("pk"))
        .order_by("-n", "rule")
    ):
        reasons.setdefault(row["invoice__supplier_id"], []).append((row["rule"], row["n"]))
    return [
        SupplierRejections(
            r["supplier_id"],
            r["supplier_name"],
            r["rejected"],
            r["received"],
            reasons.get(r["supplier_id"], [])[:5],
        )
        for r in rows
    ]


def rejection_reasons(*, user: Any, limit: int = 15) -> list[dict[str, Any]]:
    visible = invoices(user=user).filter(status=Invoice.Status.REJECTED)
    rows = list(
        Finding.objects.filter(invoice__in=visible, severity=Finding.Severity.FATAL)
        .values("rule")
        .annotate(n=Count("invoice", distinct=True))
        .order_by("-n", "rule")[:limit]
    )
    explanations = dict(
        Finding.objects.filter(rule__in=[r["rule"] for r in rows])
        .order_by("rule", "id")
        .values_list("rule", "explanation")
    )
    return [
        {"rule": r["rule"], "count": r["n"], "explanation": explanations.get(r["rule"], "")}
        for r in rows
    ]


def dashboard(*, user: Any, days: int = 30, today: dt.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=days - 1)
    visible = invoices(user=user)
    per_day = {
        row["day"]: row["n"]
        for row in visible.filter(received_at__date__gte=start)
        .annotate(day=TruncDate("received_at"))
        .values("day")
        .annotate(n=Count("pk"))
    }
    series = [
        (start + dt.timedelta(days=i), per_day.get(start + dt.timedelta(days=i), 0))
        for i in range(days)
    ]
    top = max([n for _d, n in series] + [1])
    totals = visible.aggregate(
        all=Count("pk"),
        rejected=Count("pk", filter=Q(status=Invoice.Status.REJECTED)),
        with_order=Count("pk", filter=~Q(order_reference="") & ~Q(status=Invoice.Status.REJECTED)),
        matched=Count("pk", filter=Q(match_status=Invoice.Match.MATCHED)),
        accepted=Count("pk", filter=~Q(status=Invoice.Status.REJECTED)),
        auto=Count("pk", filter=Q(auto_approved=True)),
    )
    paid = Payment.objects.filter(
        invoice__in=visible, status__in=[Payment.Status.PAID, Payment.Status.PARTIAL]
    ).select_related("invoice")
    paid_rows = list(paid.values_list("execution_date", "invoice__due_date"))
    on_time = sum(1 for executed, due in paid_rows if due is None or executed <= due)

    def pct(part: int, whole: int) -> int:
        return round(100 * part / whole) if whole else 0

    return {
        "days": [{"day": d, "count": n, "width": round(100 * n / top)} for d, n in series],
        "total": totals["all"],
        "rejected": totals["rejected"],
        "rejection_rate": pct(totals["rejected"], totals["all"]),
        "match_rate": pct(totals["matched"], totals["with_order"]),
        "auto_rate": pct(totals["auto"], totals["accepted"]),
        "paid": len(paid_rows),
        "on_time": on_time,
        "on_time_rate": pct(on_time, len(paid_rows)),
        "reasons": rejection_reasons(user=user, limit=8),
        "open_amount": visible.filter(status__in=OPEN_STATUSES).aggregate(s=Sum("payable_amount"))[
            "s"
        ]
        or Decimal(0),
    }


def payment_runs(*, user: Any) -> QuerySet[PaymentRun]:
    return restrict(PaymentRun.objects.all(), user, access.PAY).annotate(
        count=Count("payments"), total=Sum("payments__amount")
    )


def approval_limits(*, user: Any) -> QuerySet[ApprovalLimit]:
    """Amount limits on the units the user manages limits for (none without that right)."""
    units = restrict(OrgUnit.objects.all(), user, access.MANAGE_LIMITS)
    return (
        ApprovalLimit.objects.filter(unit__in=units)
        .select_related("unit")
        .order_by("unit__path", "role")
    )


def limit_unit(*, user: Any, pk: int) -> OrgUnit:
    """A unit the user may set limits on, or 404."""
    unit = restrict(OrgUnit.objects.filter(is_active=True), user, access.MANAGE_LIMITS)
    found = unit.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
