"""2-way and 3-way matching against purchase orders and goods receipts; a match within
tolerance is coded from the order and needs no manual approval."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from koncernservice.core.system import system_operator
from koncernservice.finance.models import ApprovalStep, Invoice
from koncernservice.procurement import services as procurement
from koncernservice.procurement.services import LineInput
from tests.finance.ap import OTHER_CVR, SUPPLIER_CVR, ingest_spec, invoice_of, spec_for

SYSTEM = system_operator()


def order(unit, number="PO-1", *, three_way=True, cvr=SUPPLIER_CVR):
    return procurement.order_create(
        actor=SYSTEM,
        number=number,
        supplier_cvr=cvr,
        supplier_name="Kontorland A/S",
        unit=unit,
        ordered_on=dt.date(2026, 1, 2),
        requires_receipt=three_way,
        lines=[
            LineInput("1", "Printerpapir A4", "10", "40", "22110", "CC-HS", item_id="P-1"),
            LineInput("2", "Kuglepenne", "5", "12", "22110", "CC-HS", item_id="K-2"),
        ],
    )


@pytest.mark.parametrize("fmt", ["peppol", "oioubl"])
def test_three_way_match_codes_and_approves(ap, fmt) -> None:
    po = order(ap.world.school)
    procurement.goods_receipt_create(
        actor=SYSTEM, order=po, received_on=dt.date(2026, 1, 4), quantities={"1": 10, "2": 5}
    )
    invoice = invoice_of(ingest_spec(spec_for(ap.world.school, order_reference="PO-1"), fmt))
    assert invoice.match_status == Invoice.Match.MATCHED
    assert invoice.status == Invoice.Status.APPROVED and invoice.auto_approved
    assert [(ln.account, ln.cost_centre) for ln in invoice.lines.all()] == [
        ("22110", "CC-HS"),
        ("22110", "CC-HS"),
    ]
    assert invoice.steps.get().step == ApprovalStep.Step.AUTO


def test_three_way_without_receipt_is_a_deviation(ap) -> None:
    order(ap.world.school)
    invoice = invoice_of(ingest_spec(spec_for(ap.world.school, order_reference="PO-1")))
    assert invoice.match_status == Invoice.Match.DEVIATION
    assert invoice.match_reasons == ["quantity_received"]
    assert invoice.status == Invoice.Status.TO_CODE and not invoice.auto_approved


def test_two_way_needs_no_receipt(ap) -> None:
    order(ap.world.school, three_way=False)
    invoice = invoice_of(ingest_spec(spec_for(ap.world.school, order_reference="PO-1")))
    assert invoice.match_status == Invoice.Match.MATCHED


def test_price_within_and_outside_tolerance(ap) -> None:
    order(ap.world.school, three_way=False)
    # 40.80 on 40.00 = 2.0 %, 8 kr on the line: inside 50 kr and 2 %
    inside = spec_for(ap.world.school, order_reference="PO-1")
    inside.lines[0].quantity = Decimal(5)
    inside.lines[0].unit_price = Decimal("40.80")
    inside.lines[1].quantity = Decimal(2)
    assert invoice_of(ingest_spec(inside)).match_status == Invoice.Match.MATCHED
    outside = spec_for(ap.world.school, order_reference="PO-1")
    outside.lines[0].quantity = Decimal(5)
    outside.lines[0].unit_price = Decimal("41.00")  # 2.5 %
    outside.lines[1].quantity = Decimal(3)
    result = invoice_of(ingest_spec(outside))
    assert result.match_status == Invoice.Match.DEVIATION
    assert "price" in result.match_reasons


def test_second_invoice_cannot_exceed_the_ordered_quantity(ap) -> None:
    order(ap.world.school, three_way=False)
    first = invoice_of(ingest_spec(spec_for(ap.world.school, order_reference="PO-1")))
    assert first.match_status == Invoice.Match.MATCHED
    second = spec_for(ap.world.school, order_reference="PO-1")
    second.lines[0].quantity = Decimal(3)
    result = invoice_of(ingest_spec(second))
    assert result.match_status == Invoice.Match.DEVIATION
    assert "quantity_ordered" in result.match_reasons


def test_order_of_another_supplier_or_unit_does_not_match(ap) -> None:
    order(ap.world.school, three_way=False, cvr=OTHER_CVR)
    invoice = invoice_of(ingest_spec(spec_for(ap.world.school, order_reference="PO-1")))
    assert invoice.match_reasons == ["order_party"]
    unknown = invoice_of(ingest_spec(spec_for(ap.world.school, order_reference="PO-404")))
    assert unknown.match_reasons == ["unknown_order"]
