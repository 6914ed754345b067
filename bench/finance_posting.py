"""Time the set-based posting of invoices and payments (``finance.ledger``) on the demo.

Usage: KS_VAR_DIR=/tmp/ksdemo .venv/bin/ks demo --no-serve
       KS_VAR_DIR=/tmp/ksdemo .venv/bin/python bench/finance_posting.py
                                   [--baseline-rev REV] [--repeat N] [--foreign-share 0.01]

Inside a transaction that is rolled back after each run: takes every posted invoice of the
demo back to approved (journal and batches emptied), puts ``--foreign-share`` of them in EUR
(every n-th by id; the demo stores approximate rates), then times ``invoices_post`` (the
demo's posting date) and ``payments_post`` of the demo's payments, and prints wall-clock and
CPU seconds (SQLite runs inside this process, so its CPU is counted; on PostgreSQL add the
server's). ``--baseline-rev REV`` also runs ``finance/ledger.py`` as it was in git revision
``REV`` (before conversion it posts the EUR amounts 1:1: the same rows, no rates), alternating
with the current one so both see the same load; the medians are compared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from finance_demo import module_at_revision  # noqa: E402 (bench/ is the script's folder)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline-rev")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--foreign-share", type=float, default=0.01)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koncernservice.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from koncernservice.core.system import SystemOperator
    from koncernservice.finance import ledger
    from koncernservice.finance.demo import REFERENCE_DATE
    from koncernservice.finance.models import Invoice, JournalLine, Payment, PostingBatch

    posted_ids = list(
        Invoice.objects.filter(posting_batch__isnull=False).values_list("pk", flat=True)
    )
    payment_ids = list(Payment.objects.order_by("pk").values_list("pk", flat=True))
    if not posted_ids:
        sys.exit("No posted invoices: build the demo first (ks demo --no-serve).")
    every = max(1, round(1 / args.foreign_share)) if args.foreign_share else 0
    actor = SystemOperator("bench")

    def run(module: Any) -> tuple[float, float, float, float, int]:
        with transaction.atomic():
            JournalLine.objects.all().delete()
            Invoice.objects.filter(pk__in=posted_ids).update(
                posting_batch=None, status=Invoice.Status.APPROVED
            )
            PostingBatch.objects.all().delete()
            if every:
                Invoice.objects.filter(pk__in=posted_ids[::every]).update(currency="EUR")
            started, cpu = time.perf_counter(), time.process_time()
            result = module.invoices_post(actor=actor, on=REFERENCE_DATE, audit_each=False)
            post_wall, post_cpu = time.perf_counter() - started, time.process_time() - cpu
            started, cpu = time.perf_counter(), time.process_time()
            module.payments_post(payment_ids, posted_by="bench")
            pay_wall, pay_cpu = time.perf_counter() - started, time.process_time() - cpu
            transaction.set_rollback(True)
        return post_wall, post_cpu, pay_wall, pay_cpu, int(result["invoices"])

    old = (
        module_at_revision(args.baseline_rev, "src/koncernservice/finance/ledger.py", "ledger_old")
        if args.baseline_rev
        else None
    )
    print(
        f"load average before: {os.getloadavg()[0]:.1f}; {connection.vendor}; "
        f"{len(posted_ids)} invoices, {len(payment_ids)} payments, "
        f"{len(posted_ids[::every]) if every else 0} in EUR"
    )
    runs: dict[str, list[tuple[float, float, float, float, int]]] = {"now": [], "baseline": []}
    for _ in range(args.repeat):
        for label, module in (("baseline", old), ("now", ledger)):
            if module is None:
                continue
            figures = run(module)
            runs[label].append(figures)
            print(
                f"{label}: invoices_post {figures[0]:.2f} s wall, {figures[1]:.2f} s CPU "
                f"({figures[4]} invoices); payments_post {figures[2]:.2f} s wall, "
                f"{figures[3]:.2f} s CPU"
            )
    medians = {
        label: [statistics.median(r[i] for r in rows) for i in range(4)]
        for label, rows in runs.items()
        if rows
    }
    for label, (post_wall, post_cpu, pay_wall, pay_cpu) in medians.items():
        print(
            f"{label} (median): invoices_post {post_wall:.2f} s wall, {post_cpu:.2f} s CPU "
            f"({post_cpu / len(posted_ids) * 1e6:.0f} µs CPU an invoice); payments_post "
            f"{pay_wall:.2f} s wall, {pay_cpu:.2f} s CPU "
            f"({pay_cpu / max(1, len(payment_ids)) * 1e6:.0f} µs CPU a payment)"
        )
    if "baseline" in medians:
        now, base = medians["now"], medians["baseline"]
        print(
            f"ratio now/baseline CPU: invoices_post {now[1] / base[1]:.2f}, "
            f"payments_post {now[3] / base[3]:.2f}"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
