"""Helpers for the accounts-payable tests (imported by test modules; fixtures that wrap them
live in each module): a supplier, a finance user, a second manager, GL accounts, and
invoices written as real OIOUBL/Peppol XML for the world's units."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from koncernservice.core.models import Role, User
from koncernservice.core.system import system_operator
from koncernservice.finance import rules
from koncernservice.finance.ingest import Incoming, ingest
from koncernservice.finance.models import Account, Invoice, Supplier
from koncernservice.finance.xmlgen import InvoiceSpec, LineSpec, PartySpec, render
from tests.factories import EmploymentFactory, PersonFactory, make_user

SUPPLIER_CVR = "25313763"  # passes modulus 11
OTHER_CVR = "10150817"
BAD_CVR = "25313764"
_numbers = itertools.count(1)


@dataclass
class AP:
    world: Any
    finance: User
    manager2: User
    supplier: Supplier


def ap_world(world: Any) -> AP:
    boss2 = PersonFactory(first_name="Per", last_name="Souschef")
    EmploymentFactory(person=boss2, unit=world.school, position_title="Souschef")
    manager2 = make_user("leder2", person=boss2, roles=[(Role.MANAGER, world.school)])
    finance = make_user("bogholder", roles=[(Role.FINANCE, world.root)])
    for code, name, kind in [
        ("22110", "Kontorartikler", "expense"),
        ("22120", "Inventar", "expense"),
        ("95580", "Kreditorer", "payable"),
        ("90180", "Købsmoms", "vat"),
        ("90181", "Moms af køb i udlandet (omvendt betalingspligt)", "vat_owed"),
    ]:
        Account.objects.create(code=code, name=name, kind=kind)
    supplier = Supplier.objects.create(
        name="Kontorland A/S",
        cvr=SUPPLIER_CVR,
        cvr_valid=True,
        reg_no="1234",
        account_no="1234567890",
        status=Supplier.Status.APPROVED,
    )
    return AP(world=world, finance=finance, manager2=manager2, supplier=supplier)


def spec_for(unit: Any, **changes: Any) -> InvoiceSpec:
    n = next(_numbers)
    values: dict[str, Any] = {
        "number": f"F-{n:05d}",
        "uuid": str(uuid.UUID(int=n + 10**12)),
        "issue_date": dt.date(2026, 1, 5),
        "due_date": dt.date(2026, 2, 4),
        "supplier": PartySpec(name="Kontorland A/S", cvr=SUPPLIER_CVR),
        "buyer": PartySpec(name=unit.name, gln=unit.gln),
        "lines": [
            LineSpec("Printerpapir A4", Decimal(10), Decimal(40), item_id="P-1", order_line="1"),
            LineSpec("Kuglepenne", Decimal(5), Decimal(12), item_id="K-2", order_line="2"),
        ],
        "buyer_reference": "4711",
    }
    values.update(changes)
    return InvoiceSpec(**values)


def ingest_spec(spec: InvoiceSpec, fmt: str = "peppol", actor: Any = None) -> dict[str, Any]:
    return ingest(
        [Incoming(render(spec, fmt), f"{spec.number}.xml")],
        actor=actor or system_operator(),
        channel="cli",
    )[0]


def fik_id(payload: str = "00000000001234") -> str:
    return rules.make_fik_payment_id(payload)


def invoice_of(result: dict[str, Any]) -> Invoice:
    return Invoice.objects.get(pk=result["invoice"])
