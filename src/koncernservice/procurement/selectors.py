"""Procurement reads: scoped order lists and the facts invoice matching needs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from koncernservice.core.access import restrict
from koncernservice.procurement import access
from koncernservice.procurement.models import OrderLine, PurchaseOrder


@dataclass(frozen=True)
class OrderLineInfo:
    id: int
    line_no: str
    item_id: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    received: Decimal
    account: str
    cost_centre: str


@dataclass(frozen=True)
class OrderInfo:
    id: int
    number: str
    supplier_cvr: str
    unit_id: int
    requires_receipt: bool
    is_open: bool
    lines: list[OrderLineInfo]


def order_list(*, user: Any) -> QuerySet[PurchaseOrder]:
    return restrict(PurchaseOrder.objects.select_related("unit"), user, access.VIEW_ORDER)


def order_get(*, user: Any, pk: int) -> PurchaseOrder:
    order = order_list(user=user).filter(pk=pk).first()
    if order is None:
        raise Http404
    return order


def _lines(order_ids: list[int]) -> dict[int, list[OrderLineInfo]]:
    zero = Value(Decimal(0), output_field=DecimalField(max_digits=14, decimal_places=4))
    rows = (
        OrderLine.objects.filter(order_id__in=order_ids)
        .annotate(got=Coalesce(Sum("receipts__quantity"), zero))
        .order_by("order_id", "id")
        .values_list(
            "order_id",
            "id",
            "line_no",
            "item_id",
            "description",
            "quantity",
            "unit_price",
            "got",
            "account",
            "cost_centre",
        )
    )
    result: dict[int, list[OrderLineInfo]] = {}
    for order_id, *rest in rows:
        result.setdefault(order_id, []).append(OrderLineInfo(*rest))
    return result


def orders_for_matching(numbers: list[str]) -> dict[str, OrderInfo]:
    """Orders by number with their lines and goods received (for the system's matching,
    which runs on behalf of the receiving unit; callers check the unit and supplier)."""
    orders = list(
        PurchaseOrder.objects.filter(number__in=set(numbers)).values_list(
            "id", "number", "supplier_cvr", "unit_id", "requires_receipt", "status"
        )
    )
    lines = _lines([o[0] for o in orders])
    return {
        number: OrderInfo(
            id=pk,
            number=number,
            supplier_cvr=cvr,
            unit_id=unit_id,
            requires_receipt=requires,
            is_open=status == PurchaseOrder.Status.OPEN,
            lines=lines.get(pk, []),
        )
        for pk, number, cvr, unit_id, requires, status in orders
    }


def order_lines(order: PurchaseOrder) -> list[OrderLineInfo]:
    return _lines([order.pk]).get(order.pk, [])
