"""A year of e-invoices through the real ingest, into PostgreSQL: parse, validate (official
rules and our own checks), store the raw document, route, match and code.

Usage: DATABASE_URL=postgres://ks@127.0.0.1:55432/ks_bench_einvoice \\
       .venv/bin/python bench/einvoice_year.py [--scale 0.02] [--batch-size 1000]
       [--workers 2] [--prefill 500000] [--profile FILE] [--json]

Scale 1 is KS's year: 1,000,000 invoices. The script measures ``1,000,000 × scale``
invoices and extrapolates linearly to the year (ingest is batch-wise: per batch a constant
number of indexed queries and one ``COPY`` per table). In one run it:

- builds the set-up with bulk inserts (not timed): 50 units with GLNs, 200 suppliers,
  purchase orders with goods receipts for about a third of the invoices;
- writes the invoices as real OIOUBL 2.1 (55 %) and Peppol BIS 3 (45 %) files, about 3 %
  with errors (wrong CVR check digit, unknown GLN, totals that do not add up);
- optionally (``--prefill N``) puts N invoices with lines and audit events in the tables
  first, so the timed ingest runs against tables as large as late in the year;
- floor: reads every file and parses it with ``lxml.etree.fromstring`` (nothing else);
- ``ingest``: ``finance.services.invoices_import`` on the folder, exactly what
  ``ks invoices import`` and the inbox job do (one transaction per batch);
- the split of that same run, from ``finance.ingest.STATS`` (CPU seconds by part, worker
  processes included): our parser and internal model (``einvoice.parse``), **the
  validator** (``einvoice.validate``: the official rules, the rule engine), and everything
  else in Python (reading, hashing, our own checks, raw storage, look-ups, matching, coding,
  rows and ``COPY``); plus the PostgreSQL server's CPU for this database (its backends'
  ``/proc`` counters, sampled by a separate process) and the wall time of the batch
  transactions (the database side).

Every figure comes with the load average (the machine is shared). The database named in
``DATABASE_URL`` is dropped and created again when its name starts with
``ks_bench_einvoice`` (so never point it at another database); SQLite works too (no server
CPU then).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parent.parent / "src"
sys.path.insert(0, str(SRC))

YEAR = 1_000_000
GOAL_SECONDS = 15 * 60


def prepare_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name.startswith("ks_bench_einvoice"):
        raise SystemExit("Use a database named ks_bench_einvoice… (it is dropped and created).")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def measure(args: argparse.Namespace) -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "")
    prepare_database(url)
    var = tempfile.mkdtemp(prefix="ks-bench-einvoice-")
    try:
        return _measure(args, url, var)
    finally:
        shutil.rmtree(var, ignore_errors=True)  # the generated files and the stored packs


def _measure(args: argparse.Namespace, url: str, var: str) -> dict[str, Any]:
    os.environ["KS_VAR_DIR"] = var
    os.environ["DJANGO_SETTINGS_MODULE"] = "koncernservice.settings"
    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection, transaction
    from lxml import etree

    from koncernservice.core.bulk import fast_insert
    from koncernservice.core.models import OrgUnit
    from koncernservice.core.rules.identifiers import make_gln
    from koncernservice.core.system import system_operator
    from koncernservice.finance import ingest as ingest_module
    from koncernservice.finance import services
    from koncernservice.finance.demo import _cvr
    from koncernservice.finance.einvoice import parse_document, validate
    from koncernservice.finance.models import Account, Invoice, Supplier
    from koncernservice.finance.xmlgen import InvoiceSpec, LineSpec, PartySpec, render
    from koncernservice.procurement.models import (
        GoodsReceipt,
        GoodsReceiptLine,
        OrderLine,
        PurchaseOrder,
    )

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    count = max(100, round(YEAR * args.scale))
    result: dict[str, Any] = {"invoices": count, "scale": args.scale, "workers": args.workers}

    # --- set-up (not timed) --------------------------------------------------------------
    with transaction.atomic():
        root = OrgUnit(code="B", name="Bench", path="/1/", kind="municipality", depth=0)
        fast_insert([root])
        units = [
            OrgUnit(
                code=f"B{n}",
                name=f"Enhed {n}",
                parent_id=root.pk,
                path=f"/1/{n + 2}/",
                depth=1,
                gln=make_gln(f"579800{n + 1:06d}"),
                pk=n + 2,
            )
            for n in range(50)
        ]
        fast_insert(units)
        suppliers = [
            Supplier(name=f"Leverandør {n} A/S", cvr=_cvr(rng), cvr_valid=True, status="approved")
            for n in range(200)
        ]
        fast_insert(suppliers)
        Account.objects.bulk_create(
            [Account(code="22110", name="Kontorartikler", kind="expense")], ignore_conflicts=True
        )

    if args.prefill:
        if connection.vendor != "postgresql":
            raise SystemExit("--prefill needs PostgreSQL")
        started = time.perf_counter()
        prefill(args.prefill, [s.pk for s in suppliers], [u.pk for u in units])
        result["prefilled_invoices"] = args.prefill
        result["prefill_s"] = round(time.perf_counter() - started, 1)

    folder = Path(var) / "drop"
    folder.mkdir()
    started = time.perf_counter()
    orders: list[tuple[InvoiceSpec, OrgUnit, Supplier]] = []
    size = 0
    for n in range(count):
        supplier = suppliers[min(int(rng.paretovariate(1.2)) - 1, len(suppliers) - 1)]
        unit = rng.choice(units)
        issue = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
        spec = InvoiceSpec(
            number=f"B-{n:08d}",
            uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            issue_date=issue,
            due_date=issue + dt.timedelta(days=30),
            supplier=PartySpec(name=supplier.name, cvr=supplier.cvr),
            buyer=PartySpec(name=unit.name, gln=unit.gln or ""),
            lines=[
                LineSpec(
                    f"Vare {k}",
                    Decimal(rng.randint(1, 10)),
                    Decimal(rng.randint(10, 2000)),
                    item_id=f"V{k}",
                    order_line=str(k + 1),
                )
                for k in range(rng.choice([1, 2, 2, 3, 5]))
            ],
            buyer_reference="4711",
        )
        if rng.random() < 0.35:
            spec.order_reference = f"PO-{n:08d}"
            orders.append((spec, unit, supplier))
        roll = rng.random()
        if roll < 0.01:
            spec.supplier = PartySpec(name=supplier.name, cvr=supplier.cvr[:-1] + "0")
        elif roll < 0.02:
            spec.buyer = PartySpec(name="Ukendt", gln="5790000000005")
        data = render(spec, "oioubl" if rng.random() < 0.55 else "peppol")
        if 0.02 <= roll < 0.03:
            data = data.replace(
                b'<cbc:PayableAmount currencyID="DKK">', b'<cbc:PayableAmount currencyID="DKK">1'
            )
        (folder / f"{n:08d}.xml").write_bytes(data)
        size += len(data)
    with transaction.atomic():
        pos = [
            PurchaseOrder(
                number=spec.order_reference,
                supplier_cvr=supplier.cvr,
                supplier_name=supplier.name,
                unit_id=unit.pk,
                ordered_on=spec.issue_date,
                requires_receipt=True,
            )
            for spec, unit, supplier in orders
        ]
        fast_insert(pos)
        lines = [
            OrderLine(
                order_id=po.pk,
                line_no=ln.order_line,
                item_id=ln.item_id,
                description=ln.description,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                account="22110",
                cost_centre="CC",
            )
            for po, (spec, _u, _s) in zip(pos, orders, strict=True)
            for ln in spec.lines
        ]
        fast_insert(lines)
        receipts = [GoodsReceipt(order_id=po.pk, received_on=po.ordered_on) for po in pos]
        fast_insert(receipts)
        by_order: dict[int, int] = {po.pk: r.pk for po, r in zip(pos, receipts, strict=True)}
        fast_insert(
            [
                GoodsReceiptLine(
                    receipt_id=by_order[ol.order_id], order_line_id=ol.pk, quantity=ol.quantity
                )
                for ol in lines
            ]
        )
    result["generate_s"] = round(time.perf_counter() - started, 1)
    result["files_mb"] = round(size / 1e6, 1)
    files = sorted(folder.iterdir())

    # --- floor: read + lxml parse only ------------------------------------------------------
    started, cpu = time.perf_counter(), time.process_time()
    for path in files:
        etree.fromstring(path.read_bytes())
    floor = time.perf_counter() - started
    result["floor_lxml_parse_s"] = round(floor, 2)
    result["floor_cpu_s"] = round(time.process_time() - cpu, 2)
    result["floor_per_s"] = round(count / floor)

    # --- the real ingest --------------------------------------------------------------------
    # The rule engine compiles its rules once per process: warm it up outside the timing
    # (forked workers inherit it), and report that one-off cost.
    started = time.perf_counter()
    for path in files[:20]:
        validate(parse_document(path.read_bytes()))
    result["validator_warmup_s"] = round(time.perf_counter() - started, 1)
    ingest_module.STATS.reset()
    sampler = PgCpuSampler(connection) if connection.vendor == "postgresql" else None
    load_before = os.getloadavg()
    started, cpu = time.perf_counter(), time.process_time()
    if args.profile:
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    outcome = services.invoices_import(
        actor=system_operator(), paths=[folder], batch_size=args.batch_size, workers=args.workers
    )
    if args.profile:
        profile.disable()
    seconds = time.perf_counter() - started
    main_cpu = time.process_time() - cpu
    load_after = os.getloadavg()
    server_cpu = sampler.stop() if sampler else None
    stats = ingest_module.STATS
    result["ingest_s"] = round(seconds, 1)
    result["ingest_per_s"] = round(count / seconds)
    result["ratio_to_floor"] = round(seconds / floor, 1)
    result["load_average_before"] = [round(x, 2) for x in load_before]
    result["load_average_after"] = [round(x, 2) for x in load_after]
    result["received"] = sum(1 for r in outcome if r["status"] == "received")
    result["rejected"] = sum(1 for r in outcome if r["status"] == "rejected")
    result["errors"] = sum(1 for r in outcome if r["status"] == "error")
    result["matched"] = Invoice.objects.filter(match_status="matched").count()

    # --- where the time goes (the same run) -------------------------------------------------
    # CPU of our processes: all of ``invoices_import`` in this process (listing the folder,
    # reading, and with workers handing out batches and collecting results) plus the
    # workers' ingest (STATS.cpu_s).
    ours_cpu = main_cpu + (stats.cpu_s if args.workers > 1 else 0.0)
    other_python = ours_cpu - stats.parse_s - stats.validate_s
    ms = 1000 / count
    split = {
        "parse_and_model": round(stats.parse_s * ms, 3),
        "validator": round(stats.validate_s * ms, 3),
        "other_python": round(other_python * ms, 3),
        "  of which lines + raw storage (before the transaction)": round(stats.store_s * ms, 3),
        "  of which database phase (Python side of the transaction)": round(
            stats.database_s * ms, 3
        ),
        "postgresql_server": round(server_cpu * ms, 3) if server_cpu is not None else None,
    }
    total_cpu = ours_cpu + (server_cpu or 0.0)
    split["total_cpu"] = round(total_cpu * ms, 3)
    result["cpu_ms_per_invoice"] = split
    result["cpu_s"] = {
        "ingest_processes": round(ours_cpu, 1),
        "postgresql_server": round(server_cpu, 1) if server_cpu is not None else None,
        "validator_share_pct": round(100 * stats.validate_s / total_cpu, 1),
    }
    result["database_side"] = {
        "transaction_wall_ms_per_invoice": round(stats.database_wall_s * ms, 3),
        "year_min": round(stats.database_wall_s / count * YEAR / 60, 1),
        "server_cpu_year_min": (
            round(server_cpu / count * YEAR / 60, 1) if server_cpu is not None else None
        ),
    }
    cores = 2
    result["year_extrapolated_min"] = round(seconds / count * YEAR / 60, 1)
    result["year_from_cpu_on_2_idle_cores_min"] = round(total_cpu / count * YEAR / cores / 60, 1)
    result["year_without_validator_on_2_idle_cores_min"] = round(
        (total_cpu - stats.validate_s) / count * YEAR / cores / 60, 1
    )
    result["goal_min"] = GOAL_SECONDS // 60
    result["database"] = connection.vendor
    if args.profile:
        import io
        import pstats

        buffer = io.StringIO()
        profile.dump_stats(args.profile)
        # outside the parser and the validator (finance/einvoice/), by own time
        stats_view = pstats.Stats(profile, stream=buffer).sort_stats("tottime")
        stats_view.print_stats(r"^(?!.*finance/einvoice/)", 40)
        print(buffer.getvalue(), file=sys.stderr)
    return result


def prefill(count: int, supplier_ids: list[int], unit_ids: list[int]) -> None:
    """``count`` invoices already in the tables before the timed ingest (as if the year
    were under way): documents, invoices with 3 lines each and their audit events, written
    by set-based SQL; then ``ANALYZE``. The ingest's look-ups and index inserts then run
    against tables of that size."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from koncernservice.finance.models import Invoice

    content_type = ContentType.objects.get_for_model(Invoice).pk
    params = {"n": count, "units": unit_ids, "suppliers": supplier_ids, "ct": content_type}
    statements = [
        """INSERT INTO finance_invoicedocument (id, created_at, updated_at, storage_name,
            filename, sha256, size, "offset", channel)
        SELECT g, now(), now(), 'einvoice/prefill.pack', 'prefill-' || g || '.xml',
            md5(g::text) || md5((-g)::text), 6000, (g - 1)::bigint * 6000, 'cli'
        FROM generate_series(1, %(n)s) g""",
        """INSERT INTO finance_invoice (id, created_at, updated_at, document_id, kind, format,
            status, unit_id, supplier_id, number, document_uuid, issue_date, due_date,
            currency, buyer_endpoint, buyer_reference, order_reference, billing_reference,
            supplier_name, supplier_cvr, line_total, net_amount, vat_amount, payable_amount,
            payment_means_code, payment_id, payment_account, payment_branch, match_status,
            match_reasons, auto_approved, rejection_reasons, on_hold, paid_amount, received_at)
        SELECT g, now(), now(), g, 'invoice', 'peppol', 'to_code',
            u[1 + g %% cardinality(u)], s[1 + g %% cardinality(s)], 'P-' || g,
            md5(g::text)::uuid::text, date '2025-01-01' + g %% 365,
            date '2025-01-31' + g %% 365, 'DKK', '', '4711', '', '', 'Leverandør', '', 1000,
            1000, 250, 1250, '31', '', '', '', 'none', '[]', false, '[]', false, 0,
            now() - interval '1 day'
        FROM generate_series(1, %(n)s) g,
            (SELECT %(units)s::bigint[] AS u, %(suppliers)s::bigint[] AS s) a""",
        """INSERT INTO finance_invoiceline (invoice_id, position, line_id, item_id,
            description, quantity, unit_code, unit_price, net_amount, vat_category,
            vat_percent, order_line_ref, order_line_id, account, cost_centre, dimension)
        SELECT g, p, p::text, 'V' || p, 'Vare', 1, 'EA', 333.33, 333.33, 'S', 25, '', NULL,
            '', '', ''
        FROM generate_series(1, %(n)s) g, generate_series(1, 3) p""",
        """INSERT INTO core_auditentry (at, actor_id, actor_label, action, event,
            content_type_id, object_id, object_repr, changes, reason, scope_path, request_id)
        SELECT now(), NULL, 'system', 'event', 'invoice.received', %(ct)s, g::text,
            'Faktura P-' || g, '{}', '', '/1/', 'prefill'
        FROM generate_series(1, %(n)s) g""",
        "SELECT setval(pg_get_serial_sequence('finance_invoicedocument', 'id'), %(n)s)",
        "SELECT setval(pg_get_serial_sequence('finance_invoice', 'id'), %(n)s)",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)
        for table in ("finance_invoicedocument", "finance_invoice", "finance_invoiceline"):
            cursor.execute(f"ANALYZE {table}")
        cursor.execute("ANALYZE core_auditentry")


class PgCpuSampler:
    """CPU seconds of the PostgreSQL backends serving this database while the ingest runs
    (worker processes' backends included), read from ``/proc`` by a separate process (so
    our processes' CPU figures do not include the sampling). Backends that were open
    before count from their reading at the start."""

    def __init__(self, connection: Any) -> None:
        import subprocess

        self.process = subprocess.Popen(
            [sys.executable, __file__, "--pg-sampler", connection.settings_dict["NAME"]],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.process.stdout.readline()  # "ready": the baseline is taken

    def stop(self) -> float | None:
        out, _err = self.process.communicate("", timeout=30)
        value = json.loads(out)
        return None if value is None else float(value)


def _pg_sampler(database: str) -> None:
    import select

    tick = os.sysconf("SC_CLK_TCK")
    marker = f" {database} ".encode()

    def backends() -> list[int]:
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/cmdline", "rb") as fh:
                        cmdline = fh.read()
                except OSError:
                    continue
                if cmdline.startswith(b"postgres: ") and marker in cmdline + b" ":
                    pids.append(int(entry))
        return pids

    def cpu(pid: int) -> int | None:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return int(fields[11]) + int(fields[12])  # utime + stime

    baseline = {pid: cpu(pid) or 0 for pid in backends()}
    latest = dict(baseline)
    readable = bool(baseline)
    print("ready", flush=True)
    rounds = 0
    while True:
        ready, _w, _x = select.select([sys.stdin], [], [], 0.1)
        if ready and not sys.stdin.read(1):
            break
        rounds += 1
        pids = backends() if rounds % 10 == 0 else list(latest)
        for pid in set(pids) | set(latest):
            value = cpu(pid)
            if value is not None:
                latest[pid] = value
                readable = True
    total = sum(value - baseline.get(pid, 0) for pid, value in latest.items())
    print(json.dumps(total / tick if readable else None), flush=True)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--pg-sampler":
        _pg_sampler(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.002)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1, help="ingest processes (PostgreSQL)")
    parser.add_argument(
        "--profile", metavar="FILE", help="cProfile the ingest into FILE (top of it on stderr)"
    )
    parser.add_argument(
        "--prefill",
        type=int,
        default=0,
        metavar="N",
        help="N invoices already in the tables before the timed ingest (PostgreSQL)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args)
    result["date"] = dt.date.today().isoformat()
    result["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} cores shared with other work, "
        f"Python {platform.python_version()}, {args.workers} ingest process(es)"
    )
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        if isinstance(value, dict):
            print(key)
            for name, figure in value.items():
                print(f"    {name:60} {figure}")
        else:
            print(f"{key:64} {value}")


if __name__ == "__main__":
    main()
