"""Time the accounts-payable part of ``ks demo`` alone, on a demo database that holds it.

Usage: KS_VAR_DIR=/tmp/ksdemo .venv/bin/ks demo --no-serve
       KS_VAR_DIR=/tmp/ksdemo .venv/bin/python bench/finance_demo.py [--scale 0.02]
                                              [--baseline-rev REV] [--repeat N] [--profile]

Inside one transaction that is rolled back at the end: empties the finance and procurement
tables, runs ``finance.demo.build_demo`` at ``--scale`` and prints its wall-clock and CPU
seconds, the invoices written and the CPU per invoice (the machine is shared: CPU seconds
are the steadier figure). The documents go to a temporary ``MEDIA_ROOT``.

``--baseline-rev REV`` also runs the builder and the XML writer as they were in git
revision ``REV`` (``finance/demo.py`` and ``finance/xmlgen.py`` from ``git show``), without
its cap on the number of invoices, so both write the same volume; with ``--repeat N`` the
two alternate N times (interleaved, so both see the same load) and the medians are compared.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import types
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def module_at_revision(rev: str, path: str, name: str) -> types.ModuleType:
    """A source file of the project as it was at ``rev``, loaded as module ``name`` (the
    baseline a benchmark measures against in the same run)."""
    source = subprocess.run(
        ["git", "show", f"{rev}:{path}"], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout
    module = types.ModuleType(name)
    sys.modules[name] = module  # dataclasses look their module up
    exec(compile(source, f"{name}.py", "exec"), module.__dict__)
    return module


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="0.02")
    parser.add_argument("--baseline-rev")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koncernservice.settings")
    import django

    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.db import connection, transaction

    from koncernservice.finance import demo

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="ks-bench-finance-")
    scale = Decimal(args.scale)
    tables = [
        m._meta.db_table
        for label in ("finance", "procurement")
        for m in apps.get_app_config(label).get_models(include_auto_created=True)
    ]

    def build(module: Any, profile: bool) -> tuple[dict[str, int], float, float]:
        with transaction.atomic():
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
            profiler = cProfile.Profile() if profile else None
            started, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            counts = module.build_demo(scale=scale, seed=20260101)
            if profiler:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            transaction.set_rollback(True)
        return counts, seconds, cpu

    runs: dict[str, list[tuple[float, float]]] = {"now": [], "baseline": []}
    old = None
    if args.baseline_rev:
        xmlgen = module_at_revision(
            args.baseline_rev, "src/koncernservice/finance/xmlgen.py", "xmlgen_old"
        )
        old = module_at_revision(
            args.baseline_rev, "src/koncernservice/finance/demo.py", "demo_old"
        )
        for name in ("render", "InvoiceSpec", "LineSpec", "PartySpec"):
            setattr(old, name, getattr(xmlgen, name))
        old.MAX_INVOICES = 10**9  # type: ignore[attr-defined]
    print(f"load average before: {os.getloadavg()[0]:.1f}; {connection.vendor}; scale {scale}")
    counts: dict[str, int] = {}
    for _ in range(args.repeat):
        if old is not None:
            _c, seconds, cpu = build(old, False)
            runs["baseline"].append((seconds, cpu))
            print(f"baseline {args.baseline_rev}: {seconds:.1f} s wall, {cpu:.1f} s CPU")
        counts, seconds, cpu = build(demo, args.profile)
        runs["now"].append((seconds, cpu))
        print(f"now: {seconds:.1f} s wall, {cpu:.1f} s CPU")
    invoices = counts["invoices"]
    wall = statistics.median(s for s, _c in runs["now"])
    cpu = statistics.median(c for _s, c in runs["now"])
    print(f"counts: {counts}")
    print(
        f"now (median): {wall:.1f} s wall, {cpu:.1f} s CPU, "
        f"{cpu / invoices * 1000:.2f} ms CPU an invoice"
    )
    if runs["baseline"]:
        old_wall = statistics.median(s for s, _c in runs["baseline"])
        old_cpu = statistics.median(c for _s, c in runs["baseline"])
        print(
            f"baseline (median): {old_wall:.1f} s wall, {old_cpu:.1f} s CPU, "
            f"{old_cpu / invoices * 1000:.2f} ms CPU an invoice"
        )
        print(f"ratio baseline/now: CPU {old_cpu / cpu:.2f}, wall {old_wall / wall:.2f}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
