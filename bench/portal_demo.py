"""Time the portal's part of ``ks demo`` alone, on a demo database that already holds it.

Usage: KS_VAR_DIR=/tmp/ksdemo .venv/bin/ks demo --scale 0.1 --no-serve --reset
       KS_VAR_DIR=/tmp/ksdemo .venv/bin/python bench/portal_demo.py [--scale 0.1] [--profile]
                                                                    [--baseline] [--json]

Inside one transaction that is rolled back at the end: empties the portal's tables, runs
``portal.demo.build_demo`` at ``--scale`` and prints its seconds, rows, rows per second and
the extrapolation to scale 1 (the builder is linear in the scale), in wall-clock and CPU
seconds (the machine is shared: CPU seconds are the steadier figure).

``--baseline-rev REV`` first runs the builder as it was in git revision ``REV`` (loaded from
``git show REV:src/koncernservice/portal/demo.py``, same database, same rollback) and prints
the ratio. ``--deadlines`` times one timer deadline the naive way (``add_business_seconds``
walking the calendar) against the builder's business-clock table for ``--sample`` timers.
``--profile`` prints the top of a cProfile of the build.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import subprocess
import sys
import time
import types
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

PORTAL_TABLES_IN_DELETE_ORDER = [
    "portal_webhookdelivery",
    "portal_deflection",
    "portal_idempotencykey",
    "portal_caseattachment",
    "portal_caselink",
    "portal_caseaccess",
    "portal_caseentry",
    "portal_slatimer",
    "portal_call",
    "portal_telephonyrecord",
    "portal_case_watchers",
    "portal_case",
    "portal_casecounter",
    "portal_savedview",
    "portal_macro",
    "portal_articlefeedback",
    "portal_articleversion",
    "portal_article",
    "portal_routingrule",
    "portal_serviceform",
    "portal_service",
    "portal_queuemember",
    "portal_queue",
    "portal_servicearea",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="0.1")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--baseline-rev")
    parser.add_argument("--deadlines", action="store_true")
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koncernservice.settings")
    import django

    django.setup()
    import datetime as dt
    import random

    from django.db import connection, transaction
    from django.utils import timezone

    from koncernservice.core.rules.calendar import add_business_seconds
    from koncernservice.core.selectors import calendar_spec
    from koncernservice.portal import demo

    scale = Decimal(args.scale)
    result: dict[str, object] = {
        "scale": str(scale),
        "machine": f"{os.cpu_count()} CPU, Python {platform.python_version()}, {connection.vendor}",
    }

    def build(module: object, profile: bool) -> tuple[dict[str, int], float, float]:
        with transaction.atomic():
            existing = set(connection.introspection.table_names())
            with connection.cursor() as cursor:
                for table in PORTAL_TABLES_IN_DELETE_ORDER:
                    if table in existing:
                        cursor.execute(f"DELETE FROM {table}")
            profiler = cProfile.Profile() if profile else None
            started = time.perf_counter()
            cpu = time.process_time()
            if profiler:
                profiler.enable()
            counts = module.build_demo(scale=scale, seed=20260101)  # type: ignore[attr-defined]
            if profiler:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            transaction.set_rollback(True)
        return counts, seconds, cpu

    if args.baseline_rev:
        source = subprocess.run(
            ["git", "show", f"{args.baseline_rev}:src/koncernservice/portal/demo.py"],
            check=True,
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout
        old = types.ModuleType("koncernservice.portal.demo_baseline")
        exec(compile(source, "demo_baseline.py", "exec"), old.__dict__)
        _counts, old_seconds, old_cpu = build(old, False)
        result["baseline_rev"] = args.baseline_rev
        result["baseline_seconds"] = round(old_seconds, 2)
        result["baseline_cpu_seconds"] = round(old_cpu, 2)
    counts, seconds, cpu = build(demo, args.profile)
    rows = sum(counts.values())
    result.update(
        {
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2),
            "counts": counts,
            "rows_per_second": round(rows / seconds),
            "extrapolated_scale_1_seconds": round(seconds / float(scale), 1),
            "extrapolated_scale_1_cpu_seconds": round(cpu / float(scale), 1),
        }
    )
    if args.baseline_rev:
        result["cpu_ratio_baseline_to_now"] = round(old_cpu / cpu, 2)
        result["wall_ratio_baseline_to_now"] = round(old_seconds / seconds, 2)
    if args.deadlines:
        spec = calendar_spec("standard")
        rng = random.Random(1)
        tz = timezone.get_current_timezone()
        start = dt.datetime(2025, 3, 3, 9, tzinfo=tz)
        moments = [start + dt.timedelta(minutes=rng.randrange(300_000)) for _ in range(args.sample)]
        began = time.perf_counter()
        for moment in moments:
            add_business_seconds(spec, moment, 8 * 3600)
        naive = (time.perf_counter() - began) / args.sample
        clock = demo.BusinessClock(spec, dt.date(2025, 1, 1), dt.date(2026, 6, 1))
        began = time.perf_counter()
        for moment in moments:
            clock.instant(clock.position(moment) + 8 * 3600)
        table = (time.perf_counter() - began) / args.sample
        result["deadline_naive_us"] = round(naive * 1e6, 1)
        result["deadline_table_us"] = round(table * 1e6, 2)
        result["deadline_ratio"] = round(naive / table, 1)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
