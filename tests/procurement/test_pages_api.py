"""Procurement pages and API: orders in scope, a new order, goods received; outside the
scope is 404 and nothing changes."""

from __future__ import annotations

import json
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from koncernservice.core.models import Role
from koncernservice.procurement.models import GoodsReceipt, PurchaseOrder
from tests.core.test_api import token_client
from tests.factories import make_user


@pytest.fixture
def buyer(world):
    return make_user("indkoeber", roles=[(Role.PROCUREMENT, world.buf)])


ORDER = {
    "number": "PO-100",
    "supplier_cvr": "25313763",
    "supplier_name": "Kontorland A/S",
    "ordered_on": "2026-01-02",
    "description_1": "Papir",
    "quantity_1": "10",
    "unit_price_1": "40",
    "account_1": "22110",
    "requires_receipt": "1",
}


def test_new_order_and_goods_receipt_through_the_pages(client, world, buyer) -> None:
    client.force_login(buyer)
    response = client.post("/indkoeb/ny/", {**ORDER, "unit": str(world.school.pk)})
    order = PurchaseOrder.objects.get(number="PO-100")
    assert response["Location"].endswith(f"/indkoeb/ordrer/{order.pk}/")
    line = order.lines.get()
    client.force_login(world.manager)
    client.post(
        f"/indkoeb/ordrer/{order.pk}/", {f"received_{line.pk}": "6", "received_on": "2026-01-05"}
    )
    assert GoodsReceipt.objects.get().lines.get().quantity == Decimal(6)
    assert "PO-100" in client.get("/indkoeb/").content.decode()


def test_bad_order_is_shown_and_not_saved(client, world, buyer) -> None:
    client.force_login(buyer)
    response = client.post(
        "/indkoeb/ny/", {**ORDER, "supplier_cvr": "12", "unit": str(world.school.pk)}, follow=True
    )
    assert "8 cifre" in response.content.decode()
    assert PurchaseOrder.objects.count() == 0
    for garbage in ("abc", "9" * 20):  # a tampered unit field: the form's message, no error
        response = client.post("/indkoeb/ny/", {**ORDER, "unit": garbage}, follow=True)
        assert response.status_code == 200 and "Vælg en enhed." in response.content.decode()
    assert PurchaseOrder.objects.count() == 0


def test_api_orders_and_receipts(world, buyer) -> None:
    client = token_client(buyer)
    body = {
        "number": "PO-200",
        "supplier_cvr": "25313763",
        "supplier_name": "Kontorland",
        "unit_id": world.school.pk,
        "ordered_on": "2026-01-02",
        "lines": [
            {
                "line_no": "1",
                "description": "Papir",
                "quantity": "10",
                "unit_price": "40",
                "account": "22110",
            }
        ],
    }
    created = client.post(
        "/api/procurement/orders", data=json.dumps(body), content_type="application/json"
    )
    assert created.status_code == 200, created.content
    order_id = created.json()["id"]
    receipt = client.post(
        f"/api/procurement/orders/{order_id}/receipts",
        data=json.dumps({"received_on": "2026-01-03", "quantities": {"1": "4"}}),
        content_type="application/json",
    )
    assert Decimal(receipt.json()["lines"][0]["received"]) == 4


def test_outside_scope_sees_nothing_and_changes_nothing(client, world, buyer) -> None:
    client.force_login(buyer)
    client.post("/indkoeb/ny/", {**ORDER, "unit": str(world.school.pk)})
    order = PurchaseOrder.objects.get()
    line = order.lines.get()
    client.force_login(world.nobody)
    assert client.get("/indkoeb/").status_code == 403
    assert client.get(f"/indkoeb/ordrer/{order.pk}/").status_code == 404
    assert (
        client.post(f"/indkoeb/ordrer/{order.pk}/", {f"received_{line.pk}": "1"}).status_code == 404
    )
    nurse_manager = make_user("plejeleder", roles=[(Role.MANAGER, world.nursing_home)])
    api = token_client(nurse_manager)
    assert api.get(f"/api/procurement/orders/{order.pk}").status_code == 404
    assert api.get("/api/procurement/orders").json() == []
    assert GoodsReceipt.objects.count() == 0


def test_the_order_list_filters_by_status_also_in_its_excel_export(client, world, buyer) -> None:
    """A table's choice filter (core.tables.Filter): ``?status=closed`` lists the closed
    orders only, in the page, its pager links and its Excel file; an unknown status lists
    every order (no error), and the list offers the filter as a labelled choice."""
    client.force_login(buyer)
    for number in ("PO-1", "PO-2", "PO-3"):
        client.post("/indkoeb/ny/", {**ORDER, "number": number, "unit": str(world.school.pk)})
    PurchaseOrder.objects.filter(number="PO-2").update(status=PurchaseOrder.Status.CLOSED)
    closed = client.get("/indkoeb/?status=closed").content.decode()
    assert "PO-2" in closed and "PO-1" not in closed and "PO-3" not in closed
    assert '<label for="table-filter-status">Status</label>' in closed
    assert '<option value="closed" selected>Lukket</option>' in closed
    assert "status=closed" in closed  # kept in the sort and export links
    export = client.get("/indkoeb/?status=closed&export=xlsx")
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["PO-2"]
    for anything in ("", "nonsense", "9" * 20):
        listed = client.get(f"/indkoeb/?status={anything}").content.decode()
        assert all(number in listed for number in ("PO-1", "PO-2", "PO-3"))
