"""Accounts-payable reads: every one takes the acting user and goes through ``restrict``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from koncernservice.core.access import has_permission_anywhere, restrict, scope_paths
from koncernservice.core.models import AuditEntry, OrgUnit
from koncernservice.core.worklist import WorkItem
from koncernservice.finance import access, rules
from koncernservice.finance.models import (
    ApprovalLimit,
    ApprovalStep,
    ExchangeRate,
    Finding,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentRun,
    Substitution,
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
    # One join (finding → invoice → unit), not "invoice IN (the visible rejected invoices)":
    # PostgreSQL ran that as a nested loop over the subquery when its statistics were off
    # (a fresh database: 24 s for the demo's few thousand findings).
    findings = Finding.objects.filter(
        invoice__status=Invoice.Status.REJECTED,
        invoice__supplier_id__in=ids,
        severity=Finding.Severity.FATAL,
    )
    for row in (
        restrict(findings, user, access.VIEW_INVOICE)
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


def rejection_reasons(
    *, user: Any, limit: int = 15, start: dt.date | None = None, end: dt.date | None = None
) -> list[dict[str, Any]]:
    """The official/own rules that rejected most invoices (received from ``start`` to
    ``end`` when given), with the Danish explanation."""
    findings = Finding.objects.filter(
        invoice__status=Invoice.Status.REJECTED, severity=Finding.Severity.FATAL
    )
    findings = _received_between(findings, start, end, field="invoice__received_at")
    rows = list(
        restrict(findings, user, access.VIEW_INVOICE)  # one join (rejections_by_supplier)
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


def _received_between[M: Invoice | Finding](
    qs: QuerySet[M],
    start: dt.date | None,
    end: dt.date | None,
    *,
    field: str = "received_at",
) -> QuerySet[M]:
    if start is not None:
        qs = qs.filter(**{f"{field}__date__gte": start})
    if end is not None:
        qs = qs.filter(**{f"{field}__date__lte": end})
    return qs


def dashboard_last_day(*, user: Any, today: dt.date | None = None) -> dt.date:
    """The default end of the dashboard's period: the day the newest invoice in the user's
    scope arrived (so a quiet spell or the demo's year still shows figures), at most
    today."""
    today = today or timezone.localdate()
    newest = invoices(user=user).aggregate(newest=Max("received_at"))["newest"]
    return min(today, timezone.localdate(newest)) if newest else today


# Above this many days the dashboard counts per week, not per day.
DAILY_UP_TO = 62


def dashboard(
    *, user: Any, start: dt.date | None = None, end: dt.date | None = None
) -> dict[str, Any]:
    """The accounts-payable figures for invoices received from ``start`` to ``end`` (all
    when not given) and payments made then; the open amount is today's. ``series``: the
    invoices received and rejected per day, or per week for periods over
    ``DAILY_UP_TO`` days (only with both dates)."""
    visible = invoices(user=user)
    received = _received_between(visible, start, end)
    totals = received.aggregate(
        all=Count("pk"),
        rejected=Count("pk", filter=Q(status=Invoice.Status.REJECTED)),
        with_order=Count("pk", filter=~Q(order_reference="") & ~Q(status=Invoice.Status.REJECTED)),
        matched=Count("pk", filter=Q(match_status=Invoice.Match.MATCHED)),
        accepted=Count("pk", filter=~Q(status=Invoice.Status.REJECTED)),
        auto=Count("pk", filter=Q(auto_approved=True)),
    )
    paid = restrict(  # a join, not "invoice IN (…)" (see rejections_by_supplier)
        Payment.objects.filter(status__in=[Payment.Status.PAID, Payment.Status.PARTIAL]),
        user,
        access.VIEW_INVOICE,
    )
    if start is not None:
        paid = paid.filter(execution_date__gte=start)
    if end is not None:
        paid = paid.filter(execution_date__lte=end)
    paid_rows = list(paid.values_list("execution_date", "invoice__due_date"))
    on_time = sum(1 for executed, due in paid_rows if due is None or executed <= due)

    def pct(part: int, whole: int) -> int:
        return round(100 * part / whole) if whole else 0

    return {
        "series": _received_series(received, start, end) if start and end else [],
        "weekly": bool(start and end and (end - start).days + 1 > DAILY_UP_TO),
        "total": totals["all"],
        "rejected": totals["rejected"],
        "rejection_rate": pct(totals["rejected"], totals["all"]),
        "match_rate": pct(totals["matched"], totals["with_order"]),
        "auto_rate": pct(totals["auto"], totals["accepted"]),
        "paid": len(paid_rows),
        "on_time": on_time,
        "on_time_rate": pct(on_time, len(paid_rows)),
        "reasons": rejection_reasons(user=user, limit=8, start=start, end=end),
        "open_amount": visible.filter(status__in=OPEN_STATUSES).aggregate(s=Sum("payable_amount"))[
            "s"
        ]
        or Decimal(0),
    }


def _received_series(
    received: QuerySet[Invoice], start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    """Received and rejected per day (per ISO week for long periods, keyed by its Monday or
    the period's first day), every day or week of the period present, in one query."""
    weekly = (end - start).days + 1 > DAILY_UP_TO
    counts = {
        row["day"]: row
        for row in received.annotate(day=TruncDate("received_at"))
        .values("day")
        .annotate(
            received=Count("pk"), rejected=Count("pk", filter=Q(status=Invoice.Status.REJECTED))
        )
    }
    buckets: dict[dt.date, dict[str, Any]] = {}
    day = start
    while day <= end:
        key = max(start, day - dt.timedelta(days=day.weekday())) if weekly else day
        bucket = buckets.setdefault(key, {"day": key, "received": 0, "rejected": 0})
        row = counts.get(day)
        if row:
            bucket["received"] += row["received"]
            bucket["rejected"] += row["rejected"]
        day += dt.timedelta(days=1)
    return list(buckets.values())


def payment_runs(*, user: Any) -> QuerySet[PaymentRun]:
    return restrict(PaymentRun.objects.all(), user, access.PAY).annotate(
        count=Count("payments"), total=Sum("payments__amount")
    )


def approval_limits(*, user: Any, unit: OrgUnit | None = None) -> QuerySet[ApprovalLimit]:
    """Amount limits on the units the user manages limits for (none without that right);
    with ``unit``, those on that unit and the units under it."""
    units = restrict(OrgUnit.objects.all(), user, access.MANAGE_LIMITS)
    if unit is not None:
        units = units.filter(path__startswith=unit.path)
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


def substitutions(*, user: Any, person: Any = None) -> QuerySet[Substitution]:
    """The substitutions where ``person`` (default: the user) is the absent person or the
    substitute. Another person's only for who manages limits (else none); the system
    operator, who is no person, sees all of them."""
    qs = Substitution.objects.select_related("absent", "substitute").order_by("-starts_on", "-pk")
    if person is None and getattr(user, "pk", None) is None:
        return qs if has_permission_anywhere(user, access.MANAGE_LIMITS) else qs.none()
    person = person if person is not None else user
    if person.pk != getattr(user, "pk", None) and not has_permission_anywhere(
        user, access.MANAGE_LIMITS
    ):
        return qs.none()
    return qs.filter(Q(absent_id=person.pk) | Q(substitute_id=person.pk))


def substitution_get(*, user: Any, pk: int) -> Substitution:
    """One of the user's substitutions (or any, for who manages limits), else 404."""
    qs = Substitution.objects.select_related("absent", "substitute")
    if not has_permission_anywhere(user, access.MANAGE_LIMITS):
        qs = qs.filter(Q(absent_id=user.pk) | Q(substitute_id=user.pk))
    found = qs.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def exchange_rates(*, user: Any, currency: str = "") -> QuerySet[ExchangeRate]:
    """Stored exchange rates, newest first, for whoever may see invoices (public reference
    data: a permission on any unit sees all); ``currency`` narrows to one."""
    rates = restrict(ExchangeRate.objects.all(), user, access.VIEW_INVOICE)
    if currency:
        rates = rates.filter(currency=currency.strip().upper())
    return rates.order_by("-date", "currency")


def exchange_rate_currencies(*, user: Any) -> list[str]:
    return list(
        exchange_rates(user=user).order_by("currency").values_list("currency", flat=True).distinct()
    )


# The invoice queues a user works in, each with the permission that does the work there.
WORK = (
    ("to_code", Invoice.Status.TO_CODE, access.CODE_INVOICE, gettext_lazy("Invoices to code")),
    (
        "to_attest",
        Invoice.Status.TO_ATTEST,
        access.ATTEST_INVOICE,
        gettext_lazy("Invoices to attest"),
    ),
    (
        "to_approve",
        Invoice.Status.TO_APPROVE,
        access.APPROVE_INVOICE,
        gettext_lazy("Invoices to approve"),
    ),
)


def worklist(user: Any) -> list[WorkItem]:
    """Invoices waiting in the queues where the user codes, attests or approves, counted in
    the units where the user holds that permission (core.worklist); not those the user
    attested, which someone else must approve. Queues whose permission the user holds in
    the same units (the usual case) are counted in one query."""
    inbox = reverse("finance:inbox")
    attested = ApprovalStep.objects.filter(invoice=OuterRef("pk"), step=ApprovalStep.Step.ATTEST)
    attested = attested.filter(Q(user_id=user.pk) | Q(on_behalf_of_id=user.pk))
    by_scope: dict[tuple[str, ...], list[tuple[str, Any, str, Any]]] = {}
    for work in WORK:
        paths = tuple(scope_paths(user, work[2]))
        if paths:
            by_scope.setdefault(paths, []).append(work)
    counts: dict[str, int] = {}
    for works in by_scope.values():
        waiting = {
            queue: Count(
                "pk",
                filter=Q(status=status) & ~Q(Exists(attested))
                if status == Invoice.Status.TO_APPROVE
                else Q(status=status),
            )
            for queue, status, _permission, _label in works
        }
        qs = restrict(Invoice.objects.filter(status__in=[w[1] for w in works]), user, works[0][2])
        counts.update(qs.aggregate(**waiting))
    return [
        WorkItem(str(label), counts[queue], f"{inbox}?queue={queue}")
        for queue, _status, _permission, label in WORK
        if queue in counts
    ]
