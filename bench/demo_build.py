"""Time ``migrate`` + the demo municipality build at one or more scales.

Usage: .venv/bin/python bench/demo_build.py [--scales 0.01,1] [--sample 500]
                                            [--database-url postgres://user@host:port/any] [--json]

Each scale runs in a fresh process on a fresh throwaway database: SQLite in a temporary
``KS_VAR_DIR``, or, with ``--database-url`` (or ``DATABASE_URL``), a new PostgreSQL database
``ks_bench_<pid>_<n>`` created on that server and dropped afterwards (the database named in
the URL is only used to connect). Prints per scale the time of migrate and of the build, the
rows written per second, and the ratio against a baseline measured in the same run: the naive
path (``Person.objects.create`` + ``Employment.objects.create`` per employee, with the audit
signal per row) for ``--sample`` employees in one transaction that is then rolled back,
extrapolated to the scale's number of employees.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

SRC = Path(__file__).resolve().parent.parent / "src"
sys.path.insert(0, str(SRC))


# --- One scale, in a child process ------------------------------------------------------------


def measure(scale: str, sample: int) -> dict[str, Any]:
    """Migrate, build and measure the naive baseline in this process's (empty) database."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "koncernservice.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from koncernservice.core.models import (
        BusinessCalendar,
        ClosingDay,
        CostCentre,
        Employment,
        OrgUnit,
        Person,
        RoleAssignment,
        User,
    )
    from koncernservice.demo.services import _PeopleFactory, demo_build

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    summary = demo_build(scale=scale)
    build_seconds = time.perf_counter() - started
    rows = sum(
        model.objects.count()
        for model in (
            OrgUnit,
            CostCentre,
            Person,
            Employment,
            User,
            RoleAssignment,
            BusinessCalendar,
            ClosingDay,
        )
    )

    # The naive path: one audited save per person and per employment.
    leaves = list(OrgUnit.objects.filter(children__isnull=True).order_by("code")[:200])
    taken = set(Person.objects.values_list("cpr", flat=True))
    factory = _PeopleFactory(random.Random(1))
    factory.cprs = taken
    people = [factory.person(female_share=0.6) for _ in range(sample)]
    started = time.perf_counter()
    with transaction.atomic():
        for number, person in enumerate(people):
            saved = Person.objects.create(
                first_name=person.first_name,
                last_name=person.last_name,
                cpr=person.cpr,
                birth_date=person.birth_date,
                legal_sex=person.legal_sex,
                email=person.email,
            )
            Employment.objects.create(
                person=saved,
                unit=leaves[number % len(leaves)],
                employee_number=f"B{number:06d}",
                position_title="Kontorfuldmægtig",
                job_category="Kontorfuldmægtig",
                weekly_hours=37,
                start_date=dt.date(2020, 1, 1),
            )
        naive_seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    naive_per_employee = naive_seconds / sample
    employees = summary.counts["employees"]
    naive_estimate = naive_per_employee * employees
    return {
        "scale": float(summary.scale),
        "database": connection.vendor,
        "counts": summary.counts,
        "rows": rows,
        "migrate_seconds": round(migrate_seconds, 2),
        "build_seconds": round(build_seconds, 2),
        "total_seconds": round(migrate_seconds + build_seconds, 2),
        "rows_per_second": round(rows / build_seconds),
        "phases": {name: round(value, 2) for name, value in summary.seconds.items()},
        "naive_sample": sample,
        "naive_ms_per_employee": round(naive_per_employee * 1000, 2),
        "naive_estimate_seconds": round(naive_estimate, 1),
        "speedup": round(naive_estimate / build_seconds, 1),
    }


# --- The driver -------------------------------------------------------------------------------


def _postgres(url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def run_scale(scale: str, number: int, sample: int, database_url: str | None) -> dict[str, Any]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["KS_VAR_DIR"] = tempfile.mkdtemp(prefix=f"ks-bench-demo-{number}-")
    database = None
    if database_url:
        database = f"ks_bench_{os.getpid()}_{number}"
        _postgres(database_url, f'CREATE DATABASE "{database}"')
        env["DATABASE_URL"] = urlunsplit(urlsplit(database_url)._replace(path=f"/{database}"))
    try:
        output = subprocess.run(
            [sys.executable, __file__, "--child", scale, "--sample", str(sample)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        if database_url and database:
            _postgres(database_url, f'DROP DATABASE IF EXISTS "{database}"')
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="0.01,1", help="Comma-separated scales.")
    parser.add_argument("--sample", type=int, default=500, help="Employees in the naive baseline.")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.sample)))
        return
    results = []
    for number, scale in enumerate(s.strip() for s in args.scales.split(",") if s.strip()):
        results.append(run_scale(scale, number, args.sample, args.database_url))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"demo build benchmark, {dt.date.today()}, {platform.node()}, {os.cpu_count()} cores")
    header = (
        f"{'db':<10} {'scale':>6} {'employees':>9} {'rows':>7} {'migrate s':>9} {'build s':>8} "
        f"{'rows/s':>7} {'naive ms/emp':>12} {'naive est s':>11} {'speedup':>8}"
    )
    print(header)
    for r in results:
        print(
            f"{r['database']:<10} {r['scale']:>6g} {r['counts']['employees']:>9} {r['rows']:>7} "
            f"{r['migrate_seconds']:>9.2f} {r['build_seconds']:>8.2f} {r['rows_per_second']:>7} "
            f"{r['naive_ms_per_employee']:>12.2f} {r['naive_estimate_seconds']:>11.1f} "
            f"{r['speedup']:>7.1f}x"
        )
    for r in results:
        phases = ", ".join(f"{k} {v:.2f}" for k, v in r["phases"].items())
        print(f"  scale {r['scale']:g} phases (s): {phases}")


if __name__ == "__main__":
    main()
