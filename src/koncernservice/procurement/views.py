"""Procurement pages: purchase orders in scope, an order with its goods receipts, a new order
and registering goods received. Thin: parse, call a service or selector, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from koncernservice.core.access import has_permission_anywhere, restrict, scope_paths
from koncernservice.core.errors import DomainError
from koncernservice.core.forms import posted_id
from koncernservice.core.models import OrgUnit
from koncernservice.core.tables import Column, Filter, Table, render_table
from koncernservice.procurement import access, selectors, services
from koncernservice.procurement.models import PurchaseOrder

LINE_ROWS = 5


def _need(request: HttpRequest, permission: str) -> None:
    if not has_permission_anywhere(request.user, permission):
        raise PermissionDenied


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return timezone.localdate()


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    _need(request, access.VIEW_ORDER)
    table = Table(
        request,
        selectors.order_list(user=request.user),
        [
            Column(
                "number",
                _("Order number"),
                "number",
                link=lambda o: reverse("procurement:order", args=[o.pk]),
            ),
            Column("supplier_name", _("Supplier"), "supplier_name"),
            Column("supplier_cvr", _("CVR number"), "supplier_cvr"),
            Column("unit", _("Unit"), "unit__name", value=lambda o: o.unit.name),
            Column("ordered_on", _("Ordered"), "ordered_on"),
            Column("requires_receipt", _("Goods receipt required"), "requires_receipt"),
            Column("status", _("Status"), "status", value=lambda o: o.get_status_display()),
        ],
        search_fields=["number", "supplier_name", "supplier_cvr"],
        default_sort="-ordered_on",
        title=_("Purchase orders"),
        filters=[Filter("status", _("Status"), "status", PurchaseOrder.Status.choices)],
    )
    return render_table(
        request,
        "procurement/orders.html",
        table,
        can_create=has_permission_anywhere(request.user, access.CHANGE_ORDER),
    )


@login_required
def order(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.order_get(user=request.user, pk=pk)
    if request.method == "POST":
        quantities = {
            line.line_no: request.POST.get(f"received_{line.pk}", "").strip()
            for line in item.lines.all()
        }
        try:
            services.goods_receipt_create(
                actor=request.user,
                order=item,
                received_on=_date(request.POST.get("received_on", "")),
                quantities={k: v for k, v in quantities.items() if v},
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("The goods receipt is registered."))
        except DomainError as exc:
            for error in exc.errors:
                messages.error(request, str(error))
        return redirect("procurement:order", pk=item.pk)
    path = item.unit.path
    can_receive = any(path.startswith(p) for p in scope_paths(request.user, access.RECEIVE_GOODS))
    return render(
        request,
        "procurement/order.html",
        {
            "order": item,
            "lines": selectors.order_lines(item),
            "receipts": list(item.receipts.prefetch_related("lines__order_line")),
            "can_receive": can_receive and item.status == "open",
            "today": timezone.localdate().isoformat(),
        },
    )


@login_required
def order_new(request: HttpRequest) -> HttpResponse:
    _need(request, access.CHANGE_ORDER)
    units = restrict(OrgUnit.objects.filter(is_active=True), request.user, access.CHANGE_ORDER)
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = request.POST.dict()
        unit = units.filter(pk=posted_id(values.get("unit"))).first()
        lines = [
            services.LineInput(
                line_no=str(i),
                description=values.get(f"description_{i}", ""),
                quantity=values.get(f"quantity_{i}", ""),
                unit_price=values.get(f"unit_price_{i}", ""),
                account=values.get(f"account_{i}", ""),
                cost_centre=values.get(f"cost_centre_{i}", ""),
                item_id=values.get(f"item_id_{i}", ""),
            )
            for i in range(1, LINE_ROWS + 1)
            if values.get(f"description_{i}", "").strip()
        ]
        if unit is None:
            messages.error(request, _("Choose a unit."))
        else:
            try:
                created = services.order_create(
                    actor=request.user,
                    number=values.get("number", ""),
                    supplier_cvr=values.get("supplier_cvr", ""),
                    supplier_name=values.get("supplier_name", ""),
                    unit=unit,
                    ordered_on=_date(values.get("ordered_on", "")),
                    lines=lines,
                    requires_receipt=values.get("requires_receipt") == "1",
                )
                messages.success(request, _("The order is created."))
                return redirect("procurement:order", pk=created.pk)
            except DomainError as exc:
                for error in exc.errors:
                    messages.error(request, str(error))
    return render(
        request,
        "procurement/order_new.html",
        {
            "units": units.order_by("path")[:500],
            "rows": range(1, LINE_ROWS + 1),
            "values": values,
            "today": timezone.localdate().isoformat(),
        },
    )
