"""Purchase orders and goods receipts: validation, access, all or nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from koncernservice.core.errors import DomainError
from koncernservice.core.models import Role
from koncernservice.procurement import selectors, services
from koncernservice.procurement.models import PurchaseOrder
from koncernservice.procurement.services import LineInput
from tests.factories import make_user


@pytest.fixture
def buyer(world):
    return make_user("indkoeber", roles=[(Role.PROCUREMENT, world.buf)])


def lines():
    return [
        LineInput("1", "Papir", "10", "40", "22110"),
        LineInput("2", "Penne", "5", "12", "22110"),
    ]


def make_order(world, buyer, number: str, order_lines=None):
    return services.order_create(
        actor=buyer,
        number=number,
        supplier_cvr="25313763",
        supplier_name="X",
        unit=world.school,
        ordered_on=dt.date(2026, 1, 2),
        lines=order_lines if order_lines is not None else lines(),
    )


def test_order_with_lines_and_receipts(world, buyer) -> None:
    order = services.order_create(
        actor=buyer,
        number="PO-7",
        supplier_cvr="DK25313763",
        supplier_name="Kontorland",
        unit=world.school,
        ordered_on=dt.date(2026, 1, 2),
        lines=lines(),
    )
    assert order.supplier_cvr == "25313763" and order.lines.count() == 2
    services.goods_receipt_create(
        actor=world.manager, order=order, received_on=dt.date(2026, 1, 3), quantities={"1": "6"}
    )
    services.goods_receipt_create(
        actor=world.manager, order=order, received_on=dt.date(2026, 1, 4), quantities={"1": "4"}
    )
    info = selectors.orders_for_matching(["PO-7"])["PO-7"]
    assert [(ln.line_no, ln.received) for ln in info.lines] == [
        ("1", Decimal(10)),
        ("2", Decimal(0)),
    ]


def test_bad_order_names_every_error_and_writes_nothing(world, buyer) -> None:
    with pytest.raises(DomainError) as exc:
        services.order_create(
            actor=buyer,
            number="",
            supplier_cvr="123",
            supplier_name="X",
            unit=world.school,
            ordered_on=dt.date(2026, 1, 2),
            lines=[LineInput("1", "Papir", "-1", "x", "")],
        )
    fields = {e.field for e in exc.value.errors}
    assert {
        "number",
        "supplier_cvr",
        "lines[1]",
        "lines[1].quantity",
        "lines[1].unit_price",
    } <= fields
    assert PurchaseOrder.objects.count() == 0


def test_order_outside_scope_is_refused(world, buyer) -> None:
    with pytest.raises(DomainError) as exc:
        services.order_create(
            actor=buyer,
            number="PO-8",
            supplier_cvr="25313763",
            supplier_name="X",
            unit=world.nursing_home,  # SUF: not the buyer's BUF subtree
            ordered_on=dt.date(2026, 1, 2),
            lines=lines(),
        )
    assert exc.value.status == 403
    assert selectors.order_list(user=world.nobody).count() == 0


def test_receipt_on_unknown_line_is_refused(world, buyer) -> None:
    order = make_order(world, buyer, "PO-9")
    with pytest.raises(DomainError):
        services.goods_receipt_create(
            actor=world.manager, order=order, received_on=dt.date(2026, 1, 3), quantities={"9": 1}
        )
    assert order.receipts.count() == 0


def test_quantities_and_prices_beyond_the_columns_are_refused(world, buyer) -> None:
    """Quantities and prices have ten digits before the point (max_digits 14, 4 decimals):
    10,000,000,000 is refused with a message on the line, on SQLite as on PostgreSQL (which
    would raise a numeric overflow), and nothing is stored; 9,999,999,999 is accepted."""
    too_large = "1" + "0" * 10
    with pytest.raises(DomainError) as exc:
        make_order(world, buyer, "PO-10", [LineInput("1", "Papir", too_large, "40", "22110")])
    assert [(e.field, str(e.message)) for e in exc.value.errors] == [
        ("lines[1].quantity", "For stort: højst 10 cifre før kommaet.")
    ]
    assert PurchaseOrder.objects.count() == 0
    order = make_order(
        world, buyer, "PO-11", [LineInput("1", "Papir", "9999999999", "40", "22110")]
    )
    with pytest.raises(DomainError) as exc:
        services.goods_receipt_create(
            actor=world.manager,
            order=order,
            received_on=dt.date(2026, 1, 3),
            quantities={"1": "9" * 20},
        )
    assert str(exc.value.errors[0].message) == "For stort: højst 10 cifre før kommaet."
    assert order.receipts.count() == 0
