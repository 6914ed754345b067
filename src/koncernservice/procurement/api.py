"""Procurement API: purchase orders in scope, create an order, register goods received."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from koncernservice.core.access import restrict
from koncernservice.core.models import OrgUnit
from koncernservice.procurement import access, selectors, services
from koncernservice.procurement.models import PurchaseOrder

router = Router(tags=["procurement"])


class OrderLineIn(Schema):
    line_no: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    account: str
    cost_centre: str = ""
    item_id: str = ""


class OrderIn(Schema):
    number: str
    supplier_cvr: str
    supplier_name: str
    unit_id: int
    ordered_on: dt.date
    requires_receipt: bool = True
    lines: list[OrderLineIn]


class OrderLineOut(Schema):
    id: int
    line_no: str
    item_id: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    received: Decimal
    account: str
    cost_centre: str


class OrderOut(Schema):
    id: int
    number: str
    supplier_cvr: str
    supplier_name: str
    unit_id: int
    ordered_on: dt.date
    requires_receipt: bool
    status: str
    lines: list[OrderLineOut]


class ReceiptIn(Schema):
    received_on: dt.date
    quantities: dict[str, Decimal]
    note: str = ""


def _out(order: PurchaseOrder) -> dict[str, Any]:
    data = {k: getattr(order, k) for k in OrderOut.model_fields if k != "lines"}
    data["lines"] = selectors.order_lines(order)
    return data


@router.get("/orders", response=list[OrderOut], summary="Purchase orders in scope")
def order_list(request: HttpRequest, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    limit = max(1, min(limit, 500))
    qs = selectors.order_list(user=request.auth).order_by("-ordered_on", "-pk")  # type: ignore[attr-defined]
    return [_out(o) for o in qs[offset : offset + limit]]


@router.get("/orders/{order_id}", response=OrderOut, summary="One purchase order")
def order_detail(request: HttpRequest, order_id: int) -> dict[str, Any]:
    return _out(selectors.order_get(user=request.auth, pk=order_id))  # type: ignore[attr-defined]


@router.post("/orders", response=OrderOut, summary="Create a purchase order")
def order_create(request: HttpRequest, payload: OrderIn) -> dict[str, Any]:
    unit = restrict(
        OrgUnit.objects.filter(pk=payload.unit_id), request.auth, access.VIEW_ORDER
    ).first()  # type: ignore[attr-defined]
    if unit is None:
        raise Http404
    order = services.order_create(
        actor=request.auth,  # type: ignore[attr-defined]
        number=payload.number,
        supplier_cvr=payload.supplier_cvr,
        supplier_name=payload.supplier_name,
        unit=unit,
        ordered_on=payload.ordered_on,
        requires_receipt=payload.requires_receipt,
        lines=[services.LineInput(**line.dict()) for line in payload.lines],
    )
    return _out(order)


@router.post("/orders/{order_id}/receipts", response=OrderOut, summary="Register goods received")
def receipt_create(request: HttpRequest, order_id: int, payload: ReceiptIn) -> dict[str, Any]:
    order = selectors.order_get(user=request.auth, pk=order_id)  # type: ignore[attr-defined]
    services.goods_receipt_create(
        actor=request.auth,  # type: ignore[attr-defined]
        order=order,
        received_on=payload.received_on,
        quantities=dict(payload.quantities),
        note=payload.note,
    )
    return _out(order)
