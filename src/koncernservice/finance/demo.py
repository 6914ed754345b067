"""Accounts payable for the demo municipality (called by ``ks demo`` in its transaction).

Suppliers with valid CVR numbers and bank, FIK or IBAN details; a year of invoices (the
year before the reference date 2026-01-01) written as real OIOUBL 2.1 and Peppol BIS 3 XML
(``xmlgen``) to the demo units' GLNs and stored like received documents; purchase orders and
goods receipts for about a third of them (most match and are approved by matching, some
deviate on price or received quantity); coding, attestation and approval by the demo
managers; set-based posting; weekly payment runs with payments (most on time).

About 3 % of the documents carry realistic errors (a wrong CVR check digit, an unknown GLN,
totals that do not add up, a FIK reference with a wrong check digit, the same invoice sent
twice): those go through the full ingest (parse, official rules, our own checks) and are
rejected with a response. The clean ones are written as the ingest writes a batch: their XML
(the same content as their specification, which the tests prove passes the official rules)
in one pack file per chunk, documents, invoices, lines and steps as plain rows. The year's
full volume through the real pipeline is ``bench/einvoice_year``.

Volume: 1,000,000 invoices a year × scale, at most ``MAX_INVOICES`` (~1 ms CPU an invoice,
see docs/finance.md), in chunks of ``CHUNK`` so that memory stays flat. Deterministic for a
given scale and seed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import uuid
from collections import defaultdict
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from django.db.models import F
from django.utils import timezone

from koncernservice.core.bulk import fast_insert
from koncernservice.core.models import OrgUnit, RoleAssignment, User
from koncernservice.finance import rules
from koncernservice.finance.bulkcopy import copy_rows, reserve_ids
from koncernservice.finance.ingest import (
    DOCUMENT_COLUMNS,
    INVOICE_COLUMNS,
    LINE_COLUMNS,
    Incoming,
    ingest,
    store_pack,
)
from koncernservice.finance.ledger import (
    ADJUSTMENT_ACCOUNT,
    EXCHANGE_DIFFERENCE_ACCOUNT,
    PAYABLE_ACCOUNT,
    REVERSE_CHARGE_VAT_ACCOUNT,
    VAT_ACCOUNT,
)
from koncernservice.finance.models import (
    Account,
    ApprovalStep,
    ExchangeRate,
    Invoice,
    InvoiceDocument,
    InvoiceLine,
    Payment,
    PaymentRun,
    Supplier,
)
from koncernservice.finance.payments import DEBTOR
from koncernservice.finance.xmlgen import InvoiceSpec, LineSpec, PartySpec, render
from koncernservice.procurement.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    OrderLine,
    PurchaseOrder,
)

REFERENCE_DATE = dt.date(2026, 1, 1)
INVOICES_PER_YEAR = 1_000_000
MAX_INVOICES = 30_000
CHUNK = 5_000
ERROR_SHARE = 0.03
ORDER_SHARE = 0.35

CATEGORIES: list[tuple[str, str, list[tuple[str, int, int]]]] = [
    # (account, name, items: (description, low price, high price) in whole kroner)
    (
        "22110",
        "Kontorartikler",
        [("Printerpapir A4, 5 pakker", 120, 180), ("Kuglepenne, æske", 40, 80), ("Mapper", 20, 60)],
    ),
    (
        "22120",
        "IT-udstyr",
        [
            ("Bærbar computer", 6000, 11000),
            ("Skærm 27 tommer", 1400, 2600),
            ("Docking station", 900, 1600),
        ],
    ),
    (
        "22130",
        "Inventar",
        [("Kontorstol", 2200, 4800), ("Hæve-sænkebord", 3500, 6500), ("Reol", 800, 1900)],
    ),
    (
        "22210",
        "Fødevarer",
        [("Frugtordning, uge", 300, 700), ("Mælk og brød", 150, 400), ("Kaffe, 1 kg", 90, 160)],
    ),
    (
        "22510",
        "Rengøring",
        [
            ("Rengøringsmidler", 200, 600),
            ("Papirhåndklæder, karton", 150, 300),
            ("Rengøring, måned", 8000, 22000),
        ],
    ),
    (
        "22610",
        "Vedligeholdelse",
        [
            ("Vvs-reparation", 1200, 6000),
            ("Elarbejde, time", 450, 650),
            ("Malerarbejde", 3000, 15000),
        ],
    ),
    ("27210", "Transport", [("Kørsel, tur", 250, 900), ("Buskørsel, dag", 2500, 5000)]),
    ("40210", "Konsulentydelser", [("Konsulenttime", 900, 1400), ("Kursus, deltager", 2500, 6000)]),
]
# Foreign suppliers (Peppol BIS 3 only) invoicing in their own currency, paid by IBAN
# transfer: a small share of the year's invoices. They sell goods delivered from another EU
# country, so they charge no VAT (category K, intra-community supply) and the municipality
# owes the Danish VAT (erhvervelsesmoms), posted as input VAT and VAT owed.
FOREIGN_SHARE = 0.008


class _Foreign(NamedTuple):
    name: str
    country: str
    street: str
    city: str
    postal_code: str
    legal_id: str  # endpoint and legal identification
    legal_scheme: str  # Peppol EAS: 0007 Swedish organisation number, 9930 German VAT
    vat_number: str  # the supplier's own country's VAT number
    currency: str
    iban: str
    bic: str
    category: str  # account of CATEGORIES whose items it sells


FOREIGN_SUPPLIERS = [
    _Foreign(
        "Skandinaviska Skolmaterial AB",
        "SE",
        "Stortorget",
        "Malmö",
        "21122",
        "5560360793",
        "0007",
        "SE556036079301",
        "SEK",
        "SE4550000000058398257466",
        "ESSESESS",
        "22110",
    ),
    _Foreign(
        "Berliner Labortechnik GmbH",
        "DE",
        "Friedrichstraße",
        "Berlin",
        "10117",
        "DE136695976",
        "9930",
        "DE136695976",
        "EUR",
        "DE89370400440532013000",
        "COBADEFFXXX",
        "22120",
    ),
]
NAME_PARTS = (
    [
        "Nordisk",
        "Dansk",
        "Hovedstadens",
        "Øresund",
        "City",
        "Grøn",
        "Nørrebro",
        "Valby",
        "Amager",
        "Sjællands",
    ],
    [
        "Kontor",
        "IT",
        "Møbel",
        "Frugt",
        "Rengøring",
        "Service",
        "Teknik",
        "Transport",
        "Rådgivning",
        "Byg",
    ],
    ["A/S", "ApS", "I/S", "Gruppen A/S", "& Co ApS"],
)


def _cvr(rng: random.Random) -> str:
    while True:
        head = str(rng.randint(1_000_000, 9_999_999))
        total = sum(int(d) * w for d, w in zip(head, rules.CVR_WEIGHTS[:7], strict=True))
        last = (-total) % 11
        if last < 10:
            return head + str(last)


def _iban(reg: str, account: str) -> str:
    bban = f"{reg}{account:0>10}"
    number = int("".join(str(int(c, 36)) for c in bban + "DK00"))
    return f"DK{98 - number % 97:02d}{bban}"


class _Written(NamedTuple):
    """What payment needs of a written invoice (not the model instance: a year of those
    would not fit in memory at scale 1)."""

    pk: int
    status: str
    due_date: dt.date | None
    supplier_id: int | None
    payable_amount: Decimal
    target: rules.PaymentTarget


def _date_spread(rng: random.Random) -> dt.date:
    # more invoices on weekdays; the year before the reference date
    while True:
        day = REFERENCE_DATE - dt.timedelta(days=rng.randint(1, 365))
        if day.weekday() < 5 or rng.random() < 0.1:
            return day


def invoice_count(scale: Any) -> int:
    """A year's invoices at this scale (1,000,000 at scale 1), at least 20, at most
    ``MAX_INVOICES``."""
    return min(MAX_INVOICES, max(20, round(INVOICES_PER_YEAR * float(scale))))


def build_demo(*, scale: Any, seed: int) -> dict[str, int]:
    rng = random.Random(seed * 104729 + 11)
    count = invoice_count(scale)
    units = list(
        OrgUnit.objects.filter(gln__isnull=False, is_active=True, kind=OrgUnit.Kind.UNIT)
        .select_related("cost_centre")
        .order_by("pk")
    )
    if not units:
        return {}
    users = {
        u.username: u for u in User.objects.filter(username__in=["leder", "leder2", "oekonomi"])
    }
    favourite = [
        a.unit
        for a in RoleAssignment.objects.filter(
            user__username__in=["leder", "leder2"], role="manager"
        )
        .select_related("unit")
        .order_by("pk")
        if a.unit.gln
    ]
    chosen_units = favourite + rng.sample(units, min(len(units), 60))
    weights = [8.0] * len(favourite) + [1.0] * (len(chosen_units) - len(favourite))

    Account.objects.bulk_create(
        [
            Account(code=code, name=name, kind=Account.Kind.EXPENSE)
            for code, name, _items in CATEGORIES
        ]
        + [
            Account(code=PAYABLE_ACCOUNT, name="Kreditorer", kind=Account.Kind.PAYABLE),
            Account(code=VAT_ACCOUNT, name="Købsmoms", kind=Account.Kind.VAT),
            Account(
                code=REVERSE_CHARGE_VAT_ACCOUNT,
                name="Moms af køb i udlandet (omvendt betalingspligt)",
                kind=Account.Kind.VAT_OWED,
            ),
            Account(code=ADJUSTMENT_ACCOUNT, name="Rabatter og gebyrer", kind=Account.Kind.EXPENSE),
            Account(
                code=EXCHANGE_DIFFERENCE_ACCOUNT,
                name="Kurstab og kursgevinster",
                kind=Account.Kind.EXPENSE,
            ),
        ],
        ignore_conflicts=True,
    )

    suppliers = _suppliers(rng, max(8, min(400, count // 40)))
    foreign = _foreign_suppliers()
    # a stream of its own, so that the other invoices are drawn as without foreign ones
    foreign_rng = random.Random(seed * 15485863 + 5)
    supplier_weights = [1 / (i + 1) ** 0.8 for i in range(len(suppliers))]
    now = timezone.now()
    system_label = "ks demo"
    faulty: list[tuple[bytes, str, dt.date]] = []
    sent: list[bytes] = []
    written: list[_Written] = []
    order_count = 0
    # In chunks, so that a large year never holds more than a chunk's specifications,
    # documents and rows in memory; the random draws are in the same order as in one go.
    for start in range(0, count, CHUNK):
        clean: list[tuple[InvoiceSpec, str, Supplier, OrgUnit, int]] = []
        orders: list[tuple[InvoiceSpec, OrgUnit, Supplier, str]] = []  # + outcome
        for n in range(start, min(count, start + CHUNK)):
            spec, fmt, supplier, unit = _invoice(
                rng, n, suppliers, supplier_weights, chosen_units, weights
            )
            abroad = foreign_rng.random() < FOREIGN_SHARE
            if abroad:  # no order and no error: those draws are made and not used
                fmt, supplier = "peppol", _make_foreign(foreign_rng, spec, foreign, n)
            if rng.random() < ORDER_SHARE:
                roll = rng.random()
                outcome = "match" if roll < 0.85 else ("price" if roll < 0.93 else "short")
                if not abroad:
                    spec.order_reference = f"PO-{spec.issue_date:%Y}-{n + 1:07d}"
                    orders.append((spec, unit, supplier, outcome))
            if rng.random() < ERROR_SHARE and not abroad:
                faulty.append(
                    (_faulty(rng, spec, fmt, sent), f"demo-{n + 1:07d}.xml", spec.issue_date)
                )
                continue
            clean.append((spec, fmt, supplier, unit, n))
            if len(sent) < 50:
                sent.append(render(spec, fmt))
        order_lines = _orders(orders, now)
        outcomes = {spec.order_reference: outcome for spec, _u, _s, outcome in orders}
        written.extend(_write_clean(clean, order_lines, outcomes, users, now))
        order_count += len(orders)
    rejected = 0
    if faulty:
        results = ingest(
            [Incoming(data, name) for data, name, _day in faulty],
            actor=users.get("oekonomi") or system_label,
            channel="demo",
            audit=False,
        )
        for (_data, _name, day), result in zip(faulty, results, strict=True):
            if result.get("invoice"):
                received = timezone.make_aware(
                    dt.datetime.combine(day + dt.timedelta(days=1), dt.time(9))
                )
                Invoice.objects.filter(pk=result["invoice"]).update(received_at=received)
            rejected += result["status"] == "rejected"
    rates = _exchange_rates()
    posted, payments, runs = _post_and_pay(written, rng)
    return {
        "exchange_rates": rates,
        "suppliers": len(suppliers),
        "invoices": Invoice.objects.count(),
        "invoices_rejected": rejected,
        "purchase_orders": order_count,
        "invoices_posted": posted,
        "payments": payments,
        "payment_runs": runs,
    }


def _invoice(
    rng: random.Random,
    n: int,
    suppliers: list[tuple[Supplier, tuple[str, str, list[tuple[str, int, int]]]]],
    supplier_weights: list[float],
    units: list[OrgUnit],
    weights: list[float],
) -> tuple[InvoiceSpec, str, Supplier, OrgUnit]:
    """The ``n``th invoice of the year: supplier, unit, date, lines and payment details."""
    supplier, category = rng.choices(suppliers, supplier_weights)[0]
    unit = rng.choices(units, weights)[0]
    issue = _date_spread(rng)
    lines = []
    for index in range(rng.choice([1, 1, 2, 2, 3])):
        description, low, high = rng.choice(category[2])
        lines.append(
            LineSpec(
                description,
                Decimal(rng.choice([1, 1, 2, 3, 5, 10])),
                Decimal(rng.randint(low, high)),
                item_id=f"{category[0]}-{_item_hash(description)}",
                order_line=str(index + 1),
            )
        )
    spec = InvoiceSpec(
        number=f"{supplier.cvr[-4:]}-{n + 1:07d}",
        uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        issue_date=issue,
        due_date=issue + dt.timedelta(days=rng.choice([8, 14, 30, 30, 30])),
        supplier=PartySpec(
            name=supplier.name,
            cvr=supplier.cvr,
            street="Industrivej",
            number=str(n % 90 + 1),
            city="Glostrup",
            postal_code="2600",
        ),
        buyer=PartySpec(name=unit.name, gln=unit.gln or ""),
        lines=lines,
        buyer_reference=(unit.cost_centre.code if unit.cost_centre else unit.code)[:20],
        payment="fik" if supplier.fik_creditor else ("iban" if supplier.iban else "domestic"),
        reg_no=supplier.reg_no or "1234",
        account_no=supplier.account_no or "1234567890",
        iban=supplier.iban,
        fik_creditor=supplier.fik_creditor,
        fik_payment_id=rules.make_fik_payment_id(f"{n + 1:014d}"),
    )
    fmt = "oioubl" if rng.random() < 0.55 else "peppol"
    return spec, fmt, supplier, unit


def _foreign_suppliers() -> list[tuple[Supplier, _Foreign]]:
    """The foreign suppliers, approved, each with its own country's VAT number."""
    rows = [
        (
            Supplier(
                name=f.name,
                endpoint_id=f.legal_id,
                endpoint_scheme=f.legal_scheme,
                vat_number=f.vat_number,
                iban=f.iban,
                bic=f.bic,
                status=Supplier.Status.APPROVED,
            ),
            f,
        )
        for f in FOREIGN_SUPPLIERS
    ]
    fast_insert([s for s, _f in rows])
    return rows


def _make_foreign(
    rng: random.Random, spec: InvoiceSpec, foreign: list[tuple[Supplier, _Foreign]], n: int
) -> Supplier:
    """Turn the ``n``th invoice into one from a foreign supplier: its party, its currency
    (prices the DKK ones at the demo rate, in whole units), its items, paid by IBAN."""
    supplier, f = rng.choice(foreign)
    items = next(items for code, _name, items in CATEGORIES if code == f.category)
    rate = Decimal(str(DEMO_RATES[f.currency]))
    lines = []
    for index, _line in enumerate(spec.lines):
        description, low, high = rng.choice(items)
        price = Decimal(rng.randint(low, high)) * 100 / rate
        lines.append(
            LineSpec(
                description,
                Decimal(rng.choice([1, 1, 2, 3, 5])),
                price.quantize(Decimal(1)),
                item_id=f"{f.category}-{_item_hash(description)}",
                order_line=str(index + 1),
            )
        )
    spec.lines = lines
    spec.number = f"{f.country}{n + 1:07d}"
    spec.currency = f.currency
    spec.supplier = PartySpec(
        name=f.name,
        street=f.street,
        number=str(n % 40 + 1),
        city=f.city,
        postal_code=f.postal_code,
        country=f.country,
        legal_id=f.legal_id,
        legal_scheme=f.legal_scheme,
        vat_number=supplier.vat_number,
    )
    spec.payment, spec.iban, spec.bic = "iban", f.iban, f.bic
    spec.vat_category = "K"
    spec.buyer.vat_number = f"DK{DEBTOR.org_id}"
    return supplier


@lru_cache(maxsize=256)
def _item_hash(description: str) -> str:
    return hashlib.md5(description.encode()).hexdigest()[:6]


def _suppliers(
    rng: random.Random, count: int
) -> list[tuple[Supplier, tuple[str, str, list[tuple[str, int, int]]]]]:
    rows: list[tuple[Supplier, tuple[str, str, list[tuple[str, int, int]]]]] = []
    seen: set[str] = set()
    while len(rows) < count:
        cvr = _cvr(rng)
        if cvr in seen:
            continue
        seen.add(cvr)
        category = rng.choice(CATEGORIES)
        middle = category[1] if rng.random() < 0.5 else rng.choice(NAME_PARTS[1])
        name = f"{rng.choice(NAME_PARTS[0])} {middle} {rng.choice(NAME_PARTS[2])}"
        roll = rng.random()
        reg = f"{rng.randint(1000, 9899)}"
        account = f"{rng.randint(10**6, 10**10 - 1)}"
        supplier = Supplier(
            name=name,
            cvr=cvr,
            cvr_valid=True,
            endpoint_id=cvr,
            endpoint_scheme="0184",
            vat_number=f"DK{cvr}",
            reg_no=reg if roll < 0.9 else "",
            account_no=account if roll < 0.9 else "",
            iban=_iban(reg, account) if roll >= 0.9 else "",
            fik_creditor=f"{rng.randint(10**7, 10**8 - 1)}" if 0.55 <= roll < 0.9 else "",
            uses_nemkonto=rng.random() < 0.1,
            status=Supplier.Status.APPROVED if rng.random() < 0.97 else Supplier.Status.NEW,
            created_automatically=rng.random() < 0.3,
        )
        rows.append((supplier, category))
    blocked = rows[-1][0]
    blocked.is_blocked, blocked.blocked_reason = True, "Konkurs (demo)"
    fast_insert([s for s, _c in rows])
    return rows


def _faulty(rng: random.Random, spec: InvoiceSpec, fmt: str, sent: list[bytes]) -> bytes:
    kind = rng.choice(["cvr", "gln", "total", "fik", "duplicate", "total"])
    if kind == "duplicate" and sent:
        return rng.choice(sent)
    if kind == "cvr":
        bad = spec.supplier.cvr[:-1] + str((int(spec.supplier.cvr[-1]) + 1) % 10)
        spec.supplier = PartySpec(name=spec.supplier.name, cvr=bad)
    elif kind == "gln":
        spec.buyer = PartySpec(name=spec.buyer.name, gln="5790000000005")
    elif kind == "fik":
        spec.payment, spec.fik_creditor = "fik", spec.fik_creditor or "87654321"
        good = spec.fik_payment_id
        spec.fik_payment_id = good[:-1] + str((int(good[-1]) + 3) % 10)
    data = render(spec, fmt)
    if kind in {"total", "duplicate"}:
        amount = f"{spec.payable:.2f}"
        wrong = f"{spec.payable + Decimal('100.00'):.2f}"
        data = data.replace(
            f'<cbc:PayableAmount currencyID="DKK">{amount}</cbc:PayableAmount>'.encode(),
            f'<cbc:PayableAmount currencyID="DKK">{wrong}</cbc:PayableAmount>'.encode(),
        )
    return data


def _orders(
    orders: list[tuple[InvoiceSpec, OrgUnit, Supplier, str]], now: dt.datetime
) -> dict[str, list[OrderLine]]:
    pos, lines, receipts, receipt_lines = [], [], [], []
    by_number: dict[str, list[OrderLine]] = {}
    for spec, unit, supplier, outcome in orders:
        po = PurchaseOrder(
            number=spec.order_reference,
            supplier_cvr=supplier.cvr,
            supplier_name=supplier.name,
            unit=unit,
            ordered_on=spec.issue_date - dt.timedelta(days=10),
            requires_receipt=outcome != "price",
            created_at=now,
            updated_at=now,
        )
        pos.append(po)
    fast_insert(pos)
    for po, (spec, unit, _supplier, outcome) in zip(pos, orders, strict=True):
        cost_centre = unit.cost_centre.code if unit.cost_centre else ""
        own = []
        for ln in spec.lines:
            price = (
                ln.unit_price
                if outcome != "price"
                else (ln.unit_price * Decimal("0.9")).quantize(Decimal("0.01"))
            )
            own.append(
                OrderLine(
                    order_id=po.pk,
                    line_no=ln.order_line,
                    item_id=ln.item_id,
                    description=ln.description,
                    quantity=ln.quantity,
                    unit_price=price,
                    account=spec.lines[0].item_id.split("-")[0],
                    cost_centre=cost_centre,
                    created_at=now,
                    updated_at=now,
                )
            )
        lines.extend(own)
        by_number[po.number] = own
    fast_insert(lines)
    for po, (spec, _unit, _supplier, outcome) in zip(pos, orders, strict=True):
        if not po.requires_receipt:
            continue
        receipt = GoodsReceipt(
            order_id=po.pk,
            received_on=spec.issue_date - dt.timedelta(days=2),
            created_at=now,
            updated_at=now,
        )
        receipts.append((receipt, by_number[po.number], outcome))
    fast_insert([r for r, _l, _o in receipts])
    for receipt, own, outcome in receipts:
        for index, line in enumerate(own):
            quantity = line.quantity
            if outcome == "short" and index == 0:
                quantity = quantity - 1
            if quantity > 0:
                receipt_lines.append(
                    GoodsReceiptLine(
                        receipt_id=receipt.pk, order_line_id=line.pk, quantity=quantity
                    )
                )
    fast_insert(receipt_lines)
    return by_number


def _write_clean(
    clean: list[tuple[InvoiceSpec, str, Supplier, OrgUnit, int]],
    order_lines: dict[str, list[OrderLine]],
    outcomes: dict[str, str],
    users: dict[str, User],
    now: dt.datetime,
) -> list[_Written]:
    """A chunk's clean invoices, as the ingest writes a batch: their XML in one pack file,
    documents, invoices, lines and approval steps as plain rows (no model instances)."""
    if not clean:
        return []
    raw = [render(spec, fmt) for spec, fmt, _s, _u, _n in clean]
    digests = [hashlib.sha256(data).hexdigest() for data in raw]
    pack, offsets = store_pack(raw, digests, REFERENCE_DATE)
    document_ids, invoice_ids = reserve_ids([InvoiceDocument, Invoice], len(clean))
    copy_rows(
        InvoiceDocument,
        DOCUMENT_COLUMNS,
        [
            (pk, now, now, pack, f"{c[0].number}.xml", digest, len(data), offset, "demo")
            for pk, c, data, digest, offset in zip(
                document_ids, clean, raw, digests, offsets, strict=True
            )
        ],
    )
    del raw
    invoice_rows: list[tuple[Any, ...]] = []
    line_rows: list[tuple[Any, ...]] = []
    step_rows: list[tuple[Any, ...]] = []
    written: list[_Written] = []
    attester = getattr(users.get("leder2"), "pk", None)
    approver = getattr(users.get("leder"), "pk", None)
    escalate_until = REFERENCE_DATE + dt.timedelta(days=3)
    tolerance = rules.Tolerance()
    for (spec, fmt, supplier, unit, n), pk, document_id in zip(
        clean, invoice_ids, document_ids, strict=True
    ):
        received = timezone.make_aware(
            dt.datetime.combine(spec.issue_date + dt.timedelta(days=1), dt.time(8 + n % 9, n % 60))
        )
        age = (REFERENCE_DATE - spec.issue_date).days
        status = (
            Invoice.Status.TO_CODE
            if age <= 5
            else Invoice.Status.TO_ATTEST
            if age <= 9
            else Invoice.Status.TO_APPROVE
            if age <= 14
            else Invoice.Status.APPROVED
        ).value
        matched = False
        reasons: list[str] = []
        ordered = order_lines.get(spec.order_reference, []) if spec.order_reference else []
        cost_centre = unit.cost_centre.code if unit.cost_centre else ""
        lines = []
        for position, ln in enumerate(spec.lines, start=1):
            order_line = ordered[position - 1] if ordered else None
            coded = status != Invoice.Status.TO_CODE or order_line is not None
            lines.append(
                (
                    pk,
                    position,
                    str(position),
                    ln.item_id,
                    ln.description,
                    ln.quantity,
                    "EA",
                    ln.unit_price,
                    ln.net,
                    spec.vat_category or "S",
                    spec.vat_percent(ln),
                    ln.order_line if spec.order_reference else "",
                    order_line.pk if order_line else None,
                    ln.item_id.split("-")[0] if coded else "",
                    cost_centre if coded else "",
                    "",
                )
            )
        line_rows.extend(lines)
        if ordered:
            outcome = outcomes.get(spec.order_reference, "match")
            facts = [
                rules.OrderLineFacts(
                    o.line_no,
                    o.item_id,
                    Decimal(o.quantity),
                    Decimal(o.unit_price),
                    Decimal(o.quantity) - (1 if outcome == "short" and i == 0 else 0),
                    Decimal(0),
                    o.account,
                    o.cost_centre,
                )
                for i, o in enumerate(ordered)
            ]
            result = rules.match_invoice(
                [rules.InvoiceLineFacts(x[1], x[11], x[3], x[5], x[7], x[8]) for x in lines],
                facts,
                three_way=outcome != "price",
                tolerance=tolerance,
            )
            matched, reasons = result.ok, result.reasons
        line_total, vat_total = spec.line_total, spec.vat_total
        final = Invoice.Status.APPROVED.value if matched else status
        means = spec.means_code
        payment_id = f"71#{spec.fik_payment_id}" if spec.payment == "fik" else spec.number
        account = (
            spec.fik_creditor
            if spec.payment == "fik"
            else (spec.iban if spec.payment == "iban" else spec.account_no)
        )
        branch = spec.reg_no if spec.payment == "domestic" else spec.bic
        target = rules.payment_target(
            means_code=means, payment_id=payment_id, account_id=account, branch_id=branch
        )
        assert target is not None
        invoice_rows.append(
            (
                pk,
                now,
                now,
                document_id,
                Invoice.Kind.INVOICE.value,
                fmt,
                final,
                unit.pk,
                supplier.pk,
                spec.number,
                spec.uuid,
                spec.issue_date,
                spec.due_date,
                spec.currency,
                unit.gln or "",
                spec.buyer_reference,
                spec.order_reference,
                "",
                None,
                supplier.name,
                supplier.cvr,
                line_total,
                line_total,
                vat_total,
                spec.reverse_charge_base,
                line_total + vat_total,
                means,
                payment_id,
                account,
                branch,
                (
                    Invoice.Match.MATCHED
                    if matched
                    else (Invoice.Match.DEVIATION if ordered else Invoice.Match.NONE)
                ).value,
                reasons,
                matched,
                [],
                False,
                0,
                received,
                received
                if status != Invoice.Status.APPROVED and spec.due_date <= escalate_until
                else None,
            )
        )
        written.append(
            _Written(pk, final, spec.due_date, supplier.pk, line_total + vat_total, target)
        )
        if matched:
            step_rows.append(
                (pk, ApprovalStep.Step.AUTO.value, None, received, spec.order_reference)
            )
            continue
        if status != Invoice.Status.TO_CODE:
            step_rows.append(
                (pk, ApprovalStep.Step.CODE.value, attester, received + dt.timedelta(days=1), "")
            )
        if status in {Invoice.Status.TO_APPROVE, Invoice.Status.APPROVED}:
            step_rows.append(
                (pk, ApprovalStep.Step.ATTEST.value, attester, received + dt.timedelta(days=2), "")
            )
        if status == Invoice.Status.APPROVED:
            step_rows.append(
                (pk, ApprovalStep.Step.APPROVE.value, approver, received + dt.timedelta(days=3), "")
            )
    copy_rows(Invoice, (*INVOICE_COLUMNS, "escalated_at"), invoice_rows)
    copy_rows(InvoiceLine, LINE_COLUMNS, line_rows)
    copy_rows(ApprovalStep, ("invoice_id", "step", "user_id", "at", "comment"), step_rows)
    return written


# Approximate rates (DKK per 100 units) for the demo only, NOT Danmarks Nationalbank's: the
# demo's invoices are all in DKK, but a demo user can post an invoice in one of these
# currencies (and see the rates page) without importing a file first.
DEMO_RATES = {"EUR": 746.0, "SEK": 68.0, "NOK": 63.0, "USD": 660.0, "GBP": 860.0}
DEMO_RATE_SOURCE = "Demo: omtrentlige kurser, ikke fra Danmarks Nationalbank"


def _exchange_rates() -> int:
    """Demo rates on every weekday of the demo year up to today: a small wave around each
    approximate level (the euro within the peg's band). One ``bulk_create``."""
    first = REFERENCE_DATE - dt.timedelta(days=366)
    last = max(REFERENCE_DATE, timezone.localdate())
    rows = []
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        wave = ((offset * 7) % 61 - 30) / 3000  # within ±1 %
        for code, level in DEMO_RATES.items():
            swing = wave / 20 if code == "EUR" else wave
            rows.append(
                ExchangeRate(
                    currency=code,
                    date=day,
                    rate=Decimal(str(round(level * (1 + swing), 4))),
                    source=DEMO_RATE_SOURCE,
                )
            )
    ExchangeRate.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def _post_and_pay(invoices: list[_Written], rng: random.Random) -> tuple[int, int, int]:
    from koncernservice.core.system import SystemOperator
    from koncernservice.finance.ledger import invoices_post, payments_post

    approved = [i for i in invoices if i.status == Invoice.Status.APPROVED]
    if not approved:
        return 0, 0, 0
    result = invoices_post(actor=SystemOperator("ks demo"), on=REFERENCE_DATE, audit_each=False)
    due_paid = [
        i for i in approved if i.due_date and i.due_date <= REFERENCE_DATE - dt.timedelta(days=3)
    ]
    weeks: dict[dt.date, list[_Written]] = defaultdict(list)
    for invoice in due_paid:
        assert invoice.due_date is not None
        monday = invoice.due_date - dt.timedelta(days=invoice.due_date.weekday())
        weeks[monday].append(invoice)
    runs = [
        PaymentRun(
            run_date=monday - dt.timedelta(days=3),
            until=monday + dt.timedelta(days=6),
            status=PaymentRun.Status.DONE,
            message_id=f"KS-DEMO-{monday:%Y%m%d}",
            created_by="ks demo",
        )
        for monday in sorted(weeks)
    ]
    fast_insert(runs)
    payments = []
    for run, monday in zip(runs, sorted(weeks), strict=True):
        for invoice in weeks[monday]:
            assert invoice.due_date is not None
            late = rng.random() < 0.07
            payments.append(
                Payment(
                    run_id=run.pk,
                    invoice_id=invoice.pk,
                    supplier_id=invoice.supplier_id,
                    amount=invoice.payable_amount,
                    paid_amount=invoice.payable_amount,
                    execution_date=invoice.due_date
                    + dt.timedelta(days=rng.randint(1, 6) if late else 0),
                    method=invoice.target.method,
                    target={k: v for k, v in invoice.target.__dict__.items() if v},
                    end_to_end_id=f"KS{run.pk:06d}I{invoice.pk:010d}P0000",
                    status=Payment.Status.PAID,
                )
            )
    fast_insert(payments)
    payments_post([p.pk for p in payments], posted_by="ks demo")  # on each payment's date
    paid_ids = [i.pk for i in due_paid]
    for start in range(0, len(paid_ids), 2000):
        chunk = paid_ids[start : start + 2000]
        Invoice.objects.filter(pk__in=chunk).update(
            status=Invoice.Status.PAID, paid_amount=F("payable_amount")
        )
    return int(result["invoices"]), len(payments), len(runs)
