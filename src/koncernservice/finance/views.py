"""Accounts-payable pages: thin views that parse, call a selector or service, and render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from koncernservice.core.access import has_permission_anywhere
from koncernservice.core.charts import columns
from koncernservice.core.errors import DomainError
from koncernservice.core.forms import posted_id, posted_id_or_404
from koncernservice.core.periods import Period, period_from_query
from koncernservice.core.tables import (
    Column,
    Filter,
    Table,
    excel_response,
    export_query,
    render_table,
)
from koncernservice.finance import access, selectors, services
from koncernservice.finance.models import Account, Invoice, PaymentRun, Supplier

QUEUE_LABELS = {
    "to_code": gettext_lazy("To code"),
    "to_attest": gettext_lazy("To attest"),
    "to_approve": gettext_lazy("To approve"),
    "rejected": gettext_lazy("Rejected"),
    "overdue": gettext_lazy("Overdue"),
    "escalated": gettext_lazy("Escalated"),
    "all": gettext_lazy("All"),
}


def _need(request: HttpRequest, permission: str) -> None:
    if not has_permission_anywhere(request.user, permission):
        raise PermissionDenied


def _invoice_link(invoice: Invoice) -> str:
    return reverse("finance:invoice", args=[invoice.pk])


def _fail(request: HttpRequest, exc: DomainError) -> None:
    for error in exc.errors or []:
        messages.error(request, str(error))
    if not exc.errors:
        messages.error(request, str(exc.message))


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    _need(request, access.VIEW_INVOICE)
    queue = request.GET.get("queue", "to_code")
    if queue not in selectors.QUEUES:
        queue = "to_code"
    table = Table(
        request,
        selectors.invoice_queue(user=request.user, queue=queue),
        [
            Column("number", _("Invoice number"), "number", link=_invoice_link),
            Column("kind", _("Kind"), "kind", value=lambda i: i.get_kind_display()),
            Column("supplier_name", _("Supplier"), "supplier_name"),
            Column("unit", _("Unit"), "unit__name", value=lambda i: i.unit.name if i.unit else "–"),
            Column("payable_amount", _("Amount"), "payable_amount"),
            Column("due_date", _("Due"), "due_date"),
            Column("status", _("Status"), "status", value=lambda i: i.get_status_display()),
            Column("received_at", _("Received"), "received_at"),
        ],
        search_fields=["number", "supplier_name", "supplier_cvr", "order_reference"],
        default_sort="-received_at",
        title=str(QUEUE_LABELS[queue]),
    )
    counts = selectors.queue_counts(user=request.user)
    tabs = [
        {"key": key, "label": QUEUE_LABELS[key], "count": counts.get(key), "current": key == queue}
        for key in selectors.QUEUES
    ]
    return render_table(
        request,
        "finance/inbox.html",
        table,
        tabs=tabs,
        queue=queue,
        extra_fields=format_html('<input type="hidden" name="queue" value="{}">', queue),
        can_import=has_permission_anywhere(request.user, access.IMPORT_INVOICE),
    )


@login_required
def invoice(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.invoice_get(user=request.user, pk=pk)
    lines = list(item.lines.all())
    suggestion = selectors.coding_suggestion(item) if item.status == "to_code" else None
    user = request.user
    context: dict[str, Any] = {
        "invoice": item,
        "lines": lines,
        "findings": list(item.findings.all()),
        "steps": list(item.steps.select_related("user", "on_behalf_of")),
        "history": selectors.invoice_history(item),
        "attachments": selectors.invoice_attachments(item),
        "responses": list(item.responses.all()),
        "credit_notes": list(item.credit_notes.all()),
        "payments": list(item.payments.select_related("run").prefetch_related("credit_notes")),
        "set_off_in": list(item.set_off_in.select_related("invoice")),
        "suggested_account": suggestion[0] if suggestion else "",
        "suggested_cost_centre": suggestion[1] if suggestion else "",
        "accounts": list(Account.objects.filter(kind=Account.Kind.EXPENSE)),
        "can_code": item.status == "to_code" and selectors.may(user, access.CODE_INVOICE, item),
        "can_attest": item.status == "to_attest"
        and selectors.may(user, access.ATTEST_INVOICE, item),
        "can_approve": item.status == "to_approve"
        and selectors.may(user, access.APPROVE_INVOICE, item),
        "can_hold": selectors.may(user, access.CODE_INVOICE, item)
        and item.status not in {"rejected", "paid"},
    }
    return render(request, "finance/invoice.html", context)


@login_required
def invoice_document(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.invoice_get(user=request.user, pk=pk)
    response = HttpResponse(item.document.read(), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="invoice-{item.pk}.xml"'
    return response


@login_required
def invoice_attachment(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    item = selectors.invoice_get(user=request.user, pk=pk)
    filename, content_type, content = selectors.invoice_attachment(item, index)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
def invoice_response(request: HttpRequest, pk: int, response_pk: int) -> HttpResponse:
    item = selectors.invoice_get(user=request.user, pk=pk)
    found = item.responses.filter(pk=response_pk).first()
    if found is None:
        raise Http404
    response = HttpResponse(found.content, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    return response


@login_required
@require_POST
def invoice_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    item = selectors.invoice_get(user=request.user, pk=pk)
    try:
        if action == "code":
            codings = [
                services.CodingInput(
                    line_id=line.pk,
                    account=request.POST.get(f"account_{line.pk}", ""),
                    cost_centre=request.POST.get(f"cost_centre_{line.pk}", ""),
                    dimension=request.POST.get(f"dimension_{line.pk}", ""),
                )
                for line in item.lines.all()
            ]
            services.invoice_code(actor=request.user, invoice=item, lines=codings)
            messages.success(request, _("The invoice is coded and waits for attestation."))
        elif action == "attest":
            services.invoice_attest(
                actor=request.user, invoice=item, comment=request.POST.get("comment", "")
            )
            messages.success(request, _("Attested."))
        elif action == "approve":
            services.invoice_approve(
                actor=request.user, invoice=item, comment=request.POST.get("comment", "")
            )
            messages.success(request, _("Approved."))
        elif action == "send_back":
            services.invoice_send_back(
                actor=request.user, invoice=item, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Sent back to coding."))
        elif action == "hold":
            services.invoice_hold(
                actor=request.user,
                invoice=item,
                on_hold=request.POST.get("on_hold") == "1",
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("Saved."))
        else:
            raise Http404
    except DomainError as exc:
        _fail(request, exc)
    return redirect("finance:invoice", pk=item.pk)


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    _need(request, access.IMPORT_INVOICE)
    if request.method == "POST":
        files = request.FILES.getlist("files")
        if not files:
            messages.error(request, _("Choose one or more files."))
        results = []
        for file in files:
            try:
                results.append(
                    services.invoice_upload(
                        actor=request.user, data=file.read(), filename=file.name or "upload.xml"
                    )
                )
            except DomainError as exc:
                _fail(request, exc)
        for result in results:
            if result["status"] == "received":
                messages.success(request, _("%(file)s: received.") % {"file": result["file"]})
            else:
                messages.warning(request, _("%(file)s: rejected.") % {"file": result["file"]})
        if len(results) == 1:
            return redirect("finance:invoice", pk=results[0]["invoice"])
        return redirect("finance:upload")
    return render(request, "finance/upload.html", {})


# --- Suppliers --------------------------------------------------------------------------------


@login_required
def supplier_list(request: HttpRequest) -> HttpResponse:
    _need(request, access.VIEW_SUPPLIER)
    review = request.GET.get("status") == Supplier.Status.NEW
    table = Table(
        request,
        selectors.suppliers(user=request.user),
        [
            Column(
                "name",
                _("Name"),
                "name",
                link=lambda s: reverse("finance:supplier", args=[s.pk]),
            ),
            Column("cvr", _("CVR number"), "cvr"),
            Column("cvr_valid", _("CVR check digit valid"), "cvr_valid"),
            Column("endpoint_id", _("Endpoint"), "endpoint_id"),
            Column("status", _("Status"), "status", value=lambda s: s.get_status_display()),
            Column("is_blocked", _("Blocked"), "is_blocked"),
        ],
        search_fields=["name", "cvr", "endpoint_id", "vat_number"],
        default_sort="name",
        title=str(_("Suppliers to review") if review else _("Suppliers")),
        filters=[Filter("status", _("Status"), "status", Supplier.Status.choices)],
    )
    return render_table(request, "finance/suppliers.html", table, review=review)


@login_required
def supplier(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.supplier_get(user=request.user, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                services.supplier_approve(actor=request.user, supplier=item)
            elif action == "block":
                services.supplier_block(
                    actor=request.user,
                    supplier=item,
                    blocked=request.POST.get("blocked") == "1",
                    reason=request.POST.get("reason", ""),
                )
            elif action == "update":
                services.supplier_update(
                    actor=request.user,
                    supplier=item,
                    **{
                        name: request.POST.get(name, "")
                        for name in ("name", "cvr", "reg_no", "account_no", "iban", "fik_creditor")
                    },
                    uses_nemkonto=request.POST.get("uses_nemkonto") == "1",
                )
            messages.success(request, _("Saved."))
        except DomainError as exc:
            _fail(request, exc)
        return redirect("finance:supplier", pk=item.pk)
    recent = (
        selectors.invoices(user=request.user).filter(supplier=item).order_by("-received_at")[:20]
    )
    return render(
        request,
        "finance/supplier.html",
        {
            "supplier": item,
            "invoices": list(recent),
            "can_manage": has_permission_anywhere(request.user, access.MANAGE_SUPPLIER),
        },
    )


# --- Rejected invoices, dashboard, payments -------------------------------------------------


@login_required
def rejected(request: HttpRequest) -> HttpResponse:
    _need(request, access.VIEW_INVOICE)
    rows = selectors.rejections_by_supplier(user=request.user)
    top = max([r.rejected for r in rows] + [1])
    return render(
        request,
        "finance/rejected.html",
        {
            "rows": [{"row": r, "width": round(100 * r.rejected / top)} for r in rows],
            "reasons": selectors.rejection_reasons(user=request.user),
        },
    )


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Figures for a period (``?fra=…&til=…``; by default the 30 days up to the newest
    invoice), a column chart of received and rejected invoices, ``?export=xlsx``."""
    _need(request, access.VIEW_INVOICE)
    period, errors = period_from_query(
        request.GET, default_end=selectors.dashboard_last_day(user=request.user)
    )
    for error in errors:
        messages.error(request, error)
    data = selectors.dashboard(user=request.user, start=period.start, end=period.end)
    if request.GET.get("export") == "xlsx" and not errors:
        return _dashboard_export(data, period)
    chart = columns(data["series"], ["received", "rejected"])
    return render(
        request,
        "finance/dashboard.html",
        {"data": data, "period": period, "chart": chart, "export_query": export_query(request)},
    )


def _dashboard_export(data: dict[str, Any], period: Period) -> HttpResponse:
    bucket = _("Week from") if data["weekly"] else _("Day")
    figures = [
        (_("From"), period.start),
        (_("To"), period.end),
        (_("Invoices received"), data["total"]),
        (_("Rejected"), data["rejected"]),
        (_("Rejection rate (%)"), data["rejection_rate"]),
        (_("Automatic match rate (%)"), data["match_rate"]),
        (_("Approved by matching (%)"), data["auto_rate"]),
        (_("Payments"), data["paid"]),
        (_("Paid on time"), data["on_time"]),
        (_("Paid on time (%)"), data["on_time_rate"]),
        (_("Open amount now (DKK)"), data["open_amount"]),
    ]
    return excel_response(
        f"kreditoroversigt-{period.start}-{period.end}",
        {
            _("Figures"): [[str(label), value] for label, value in figures],
            _("Invoices over time"): [
                [str(bucket), str(_("Received")), str(_("Rejected"))],
                *[[row["day"], row["received"], row["rejected"]] for row in data["series"]],
            ],
            _("Rejection reasons"): [
                [str(_("Rule")), str(_("Invoices")), str(_("Explanation"))],
                *[[r["rule"], r["count"], r["explanation"]] for r in data["reasons"]],
            ],
        },
    )


@login_required
def payments(request: HttpRequest) -> HttpResponse:
    _need(request, access.PAY)
    if request.method == "POST":
        import datetime as dt

        try:
            until = dt.date.fromisoformat(request.POST.get("until", ""))
        except ValueError:
            messages.error(request, _("Not a valid date (use YYYY-MM-DD)."))
            return redirect("finance:payments")
        try:
            result = services.payment_proposal(actor=request.user, until=until)
            messages.success(request, _("Payment run %(run)s: %(payments)d payments.") % result)
        except DomainError as exc:
            _fail(request, exc)
        return redirect("finance:payments")
    return render(
        request,
        "finance/payments.html",
        {
            "runs": list(selectors.payment_runs(user=request.user)[:50]),
            "approved": selectors.invoices(user=request.user).filter(status="approved").count(),
            "can_post": has_permission_anywhere(request.user, access.POST),
        },
    )


@login_required
@require_POST
def post(request: HttpRequest) -> HttpResponse:
    _need(request, access.POST)
    try:
        result = services.invoices_post(actor=request.user)
        messages.success(
            request,
            _("%(invoices)d invoices posted in %(lines)d journal lines.") % result,
        )
        for unposted in result["unposted"]:
            messages.warning(request, unposted["message"])
    except DomainError as exc:
        _fail(request, exc)
    return redirect("finance:payments")


@login_required
def payment_file(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, access.PAY)
    run = selectors.payment_runs(user=request.user).filter(pk=pk).first()
    if run is None:
        raise Http404
    if run.status == PaymentRun.Status.PROPOSED or request.method == "POST":
        try:
            content = services.payment_file(actor=request.user, run=run).decode("utf-8")
        except DomainError as exc:
            _fail(request, exc)
            return redirect("finance:payments")
    else:
        content = run.file_content
    response = HttpResponse(content, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="pain001-{run.pk}.xml"'
    return response


@login_required
@require_POST
def reconcile(request: HttpRequest) -> HttpResponse:
    _need(request, access.PAY)
    upload_file = request.FILES.get("file")
    if upload_file is None:
        messages.error(request, _("Choose one or more files."))
        return redirect("finance:payments")
    try:
        result = services.payments_reconcile(
            actor=request.user, data=upload_file.read(), filename=upload_file.name or ""
        )
        done, warning = services.reconcile_summary(result)
        messages.success(request, done)
        if warning:
            messages.warning(request, warning)
    except DomainError as exc:
        _fail(request, exc)
    return redirect("finance:payments")


@login_required
def exchange_rates(request: HttpRequest) -> HttpResponse:
    """Danmarks Nationalbank's rates as stored: filter by currency, sort, Excel export; who
    may post imports a file here too."""
    _need(request, access.VIEW_INVOICE)
    can_import = has_permission_anywhere(request.user, access.POST)
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied
        upload_file = request.FILES.get("file")
        if upload_file is None:
            messages.error(request, _("Choose a file."))
            return redirect("finance:exchange_rates")
        try:
            result = services.rates_import(
                actor=request.user, data=upload_file.read(), filename=upload_file.name or ""
            )
            messages.success(request, services.rates_import_summary(result))
        except DomainError as exc:
            _fail(request, exc)
        return redirect("finance:exchange_rates")
    currency = request.GET.get("valuta", "").strip().upper()[:3]
    table = Table(
        request,
        selectors.exchange_rates(user=request.user, currency=currency),
        [
            Column("date", _("Date"), "date"),
            Column("currency", _("Currency"), "currency"),
            Column("rate", _("Rate (DKK per 100)"), "rate"),
            Column("source", _("Source"), "source"),
        ],
        search_fields=["currency", "source"],
        default_sort="-date",
        title=str(_("Exchange rates")),
        page_size=50,
    )
    return render_table(
        request,
        "finance/exchange_rates.html",
        table,
        currencies=selectors.exchange_rate_currencies(user=request.user),
        currency=currency,
        can_import=can_import,
    )


@login_required
def approval_settings(request: HttpRequest) -> HttpResponse:
    """Amount limits per role and unit (finance), and one's own substitutes."""
    import datetime as dt

    from koncernservice.core.access import restrict
    from koncernservice.core.models import OrgUnit, User
    from koncernservice.finance.models import ApprovalLimit

    can_limits = has_permission_anywhere(request.user, access.MANAGE_LIMITS)
    units = restrict(OrgUnit.objects.filter(is_active=True), request.user, access.MANAGE_LIMITS)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "end":
                substitution = selectors.substitution_get(
                    user=request.user, pk=posted_id_or_404(request.POST.get("substitution"))
                )
                services.substitution_end(actor=request.user, substitution=substitution)
            elif request.POST.get("action") == "limit":
                unit = units.filter(pk=posted_id(request.POST.get("unit"))).first()
                if unit is None:
                    raise Http404
                services.approval_limit_set(
                    actor=request.user,
                    unit=unit,
                    role=request.POST.get("role", ""),
                    max_amount=request.POST.get("max_amount", "").replace(",", "."),
                )
            else:
                substitute = User.objects.filter(
                    username=request.POST.get("substitute", ""), is_active=True
                ).first()
                if substitute is None:
                    raise DomainError.single(_("Unknown user."), field="substitute")
                try:
                    starts = dt.date.fromisoformat(request.POST.get("starts_on", ""))
                    ends = dt.date.fromisoformat(request.POST.get("ends_on", ""))
                except ValueError:
                    raise DomainError.single(
                        _("Not a valid date (use YYYY-MM-DD)."), field="starts_on"
                    ) from None
                services.substitution_create(
                    actor=request.user,
                    absent=request.user,  # type: ignore[arg-type]
                    substitute=substitute,
                    starts_on=starts,
                    ends_on=ends,
                )
            messages.success(request, _("Saved."))
        except DomainError as exc:
            _fail(request, exc)
        return redirect("finance:approval_settings")
    limits = restrict(
        ApprovalLimit.objects.select_related("unit"), request.user, access.MANAGE_LIMITS
    ).order_by("unit__path", "role")
    return render(
        request,
        "finance/approval_settings.html",
        {
            "can_limits": can_limits,
            "limits": list(limits) if can_limits else [],
            "units": list(units.order_by("path")[:500]) if can_limits else [],
            "roles": [("manager", _("Manager")), ("finance", _("Finance"))],
            "substitutions": list(selectors.substitutions(user=request.user)),
            "today": timezone.localdate(),
        },
    )
