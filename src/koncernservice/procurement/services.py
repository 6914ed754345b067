"""Procurement services: create purchase orders and register goods receipts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from koncernservice.core.access import require_on_unit_path
from koncernservice.core.audit import audit_context, record_event
from koncernservice.core.errors import DomainError, ErrorDetail, too_large
from koncernservice.core.models import OrgUnit
from koncernservice.core.rules import numbers
from koncernservice.procurement import access
from koncernservice.procurement.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    OrderLine,
    PurchaseOrder,
)


@dataclass(frozen=True)
class LineInput:
    line_no: str
    description: str
    quantity: Any
    unit_price: Any
    account: str
    cost_centre: str = ""
    item_id: str = ""


def _decimal(value: Any, field: str, errors: list[ErrorDetail], *, positive: bool) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", "."))
    except (InvalidOperation, ValueError):
        errors.append(ErrorDetail(_("Not a number."), field=field))
        return Decimal(0)
    if not number.is_finite() or (positive and number <= 0) or number < 0:
        errors.append(ErrorDetail(_("Must be above 0."), field=field))
    elif not numbers.fits(number, OrderLine._meta.get_field("quantity")):
        errors.append(too_large(OrderLine._meta.get_field("quantity"), field))
    return number


def order_create(
    *,
    actor: Any,
    number: str,
    supplier_cvr: str,
    supplier_name: str,
    unit: OrgUnit,
    ordered_on: dt.date,
    lines: list[LineInput],
    requires_receipt: bool = True,
) -> PurchaseOrder:
    """Create an order with its lines (all or nothing)."""
    require_on_unit_path(actor, access.CHANGE_ORDER, unit.path)
    errors: list[ErrorDetail] = []
    number = (number or "").strip()
    cvr = (supplier_cvr or "").strip().removeprefix("DK")
    if not number:
        errors.append(ErrorDetail(_("An order needs a number."), field="number"))
    elif PurchaseOrder.objects.filter(number=number).exists():
        errors.append(ErrorDetail(_("The order number is already used."), field="number"))
    if not (cvr.isdigit() and len(cvr) == 8):
        errors.append(ErrorDetail(_("A CVR number has 8 digits."), field="supplier_cvr"))
    if not lines:
        errors.append(ErrorDetail(_("An order needs at least one line."), field="lines"))
    seen: set[str] = set()
    rows = []
    for index, line in enumerate(lines, start=1):
        where = f"lines[{index}]"
        if not line.line_no or line.line_no in seen:
            errors.append(ErrorDetail(_("Each line needs its own number."), field=where))
        seen.add(line.line_no)
        if not line.account:
            errors.append(ErrorDetail(_("Each line needs a GL account."), field=where))
        quantity = _decimal(line.quantity, f"{where}.quantity", errors, positive=True)
        price = _decimal(line.unit_price, f"{where}.unit_price", errors, positive=False)
        rows.append((line, quantity, price))
    if errors:
        raise DomainError(_("The order was not created."), errors)
    with transaction.atomic(), audit_context(actor=actor):
        order = PurchaseOrder.objects.create(
            number=number,
            supplier_cvr=cvr,
            supplier_name=supplier_name[:200],
            unit=unit,
            ordered_on=ordered_on,
            requires_receipt=requires_receipt,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order,
                    line_no=line.line_no,
                    item_id=line.item_id,
                    description=line.description[:300],
                    quantity=quantity,
                    unit_price=price,
                    account=line.account,
                    cost_centre=line.cost_centre,
                )
                for line, quantity, price in rows
            ]
        )
    return order


def goods_receipt_create(
    *,
    actor: Any,
    order: PurchaseOrder,
    received_on: dt.date,
    quantities: dict[str, Any],
    note: str = "",
) -> GoodsReceipt:
    """Register goods received against order lines (``{line_no: quantity}``)."""
    require_on_unit_path(actor, access.RECEIVE_GOODS, order.unit.path)
    lines = {line.line_no: line for line in order.lines.all()}
    errors: list[ErrorDetail] = []
    parsed: list[tuple[OrderLine, Decimal]] = []
    for line_no, raw in quantities.items():
        line = lines.get(str(line_no))
        if line is None:
            errors.append(ErrorDetail(_("The order has no such line."), field=str(line_no)))
            continue
        quantity = _decimal(raw, str(line_no), errors, positive=True)
        parsed.append((line, quantity))
    if not parsed and not errors:
        errors.append(ErrorDetail(_("Give a quantity for at least one line."), field="lines"))
    if order.status == PurchaseOrder.Status.CLOSED:
        errors.append(ErrorDetail(_("The order is closed."), field="order"))
    if errors:
        raise DomainError(_("The goods receipt was not registered."), errors)
    with transaction.atomic(), audit_context(actor=actor):
        receipt = GoodsReceipt.objects.create(
            order=order,
            received_on=received_on,
            received_by=actor if getattr(actor, "pk", None) else None,
            note=note[:300],
        )
        GoodsReceiptLine.objects.bulk_create(
            [GoodsReceiptLine(receipt=receipt, order_line=line, quantity=q) for line, q in parsed]
        )
        record_event(
            order,
            "goods.received",
            data={line.line_no: str(q) for line, q in parsed},
        )
    return receipt
