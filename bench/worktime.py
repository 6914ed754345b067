"""Time registration at volume: generate a year's time file, read, check, import, balances.

Usage: .venv/bin/python bench/worktime.py [--employees 12000] [--import-employees 1000]
                                          [--year 2025] [--json]

Generates a file in the documented format (``employee,date,start,end,break_minutes,type``)
with one row per working day for a year (about 261 rows per employee: 12,000 employees give
about 3.1 million rows, the KS volume), with sickness, holiday and a few 11-hour rest
violations. Then, in one run on a throwaway SQLite database (a temporary ``KS_VAR_DIR``):

- baseline: reading the same file into a list of tuples with the ``csv`` module;
- ``read``: parsing and validating every row (``worktime.files.read_time_file``);
- ``check``: the working-time rules for every employee (``worktime.files.check_rows``);
- ``import``: ``services.entries_import`` (all or nothing, audited per row with
  ``record_bulk_create``) of the first ``--import-employees`` employees' rows;
- ``balances``: holiday and special-holiday balances of every imported employee.

Prints rows per second and the ratio to the baseline (time / baseline time, per row).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parent.parent / "src"
sys.path.insert(0, str(SRC))


def generate(path: Path, employees: int, year: int, seed: int = 5) -> int:
    """Write the file; return the number of data rows."""
    import holidays

    public = set(holidays.country_holidays("DK", years=year))
    rng = random.Random(seed)
    days = [dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range(366)]
    days = [d for d in days if d.year == year and d.weekday() < 5 and d not in public]
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["employee", "date", "start", "end", "break_minutes", "type"])
        for n in range(employees):
            number = f"B{n:06d}"
            summer = {dt.date(year, 7, 6) + dt.timedelta(days=i) for i in range(19)}
            late = False
            for day in days:
                text = day.isoformat()
                roll = rng.random()
                if day in summer or roll < 0.02:
                    out.writerow([number, text, "", "", "", "holiday"])
                elif roll < 0.06:
                    out.writerow([number, text, "", "", "", "sickness"])
                elif late:
                    out.writerow([number, text, "06:00", "14:00", "30", "work"])
                    late = False
                elif roll < 0.065:
                    out.writerow([number, text, "14:00", "22:00", "30", "work"])
                    late = True
                else:
                    start = rng.choice(["07:30", "08:00", "08:00", "08:30"])
                    end = rng.choice(["15:30", "16:00", "16:00", "16:30"])
                    out.writerow([number, text, start, end, "30", "work"])
                rows += 1
    return rows


def measure(args: argparse.Namespace) -> dict[str, Any]:
    var = tempfile.mkdtemp(prefix="ks-bench-worktime-")
    os.environ["KS_VAR_DIR"] = var
    os.environ["DJANGO_SETTINGS_MODULE"] = "koncernservice.settings"
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command

    from koncernservice.core.models import Employment, OrgUnit, Person
    from koncernservice.core.system import system_operator
    from koncernservice.worktime import selectors, services
    from koncernservice.worktime.files import check_rows, read_time_file

    path = Path(var) / "tid.csv"
    started = time.perf_counter()
    rows = generate(path, args.employees, args.year)
    result: dict[str, Any] = {
        "employees": args.employees,
        "rows": rows,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "generate_s": round(time.perf_counter() - started, 2),
    }

    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        baseline = [tuple(row) for row in reader]
    base = time.perf_counter() - started
    del baseline
    result["baseline_s"] = round(base, 2)

    def phase(name: str, seconds: float, count: int) -> None:
        result[f"{name}_s"] = round(seconds, 2)
        result[f"{name}_rows_per_s"] = round(count / seconds) if seconds else None
        result[f"{name}_ratio_to_baseline"] = round((seconds / count) / (base / rows), 1)

    started = time.perf_counter()
    parsed = read_time_file(path)
    phase("read", time.perf_counter() - started, rows)

    started = time.perf_counter()
    violations, warnings = check_rows(parsed)
    phase("check", time.perf_counter() - started, rows)
    result["violations"] = len(violations)
    result["warnings"] = len(warnings)

    call_command("migrate", verbosity=0)
    unit = OrgUnit.objects.create(code="B", name="Bench", path="/1/", kind="municipality")
    count = min(args.import_employees, args.employees)
    people = Person.objects.bulk_create(
        Person(
            first_name="B",
            last_name=str(n),
            cpr=f"0101{80 + n // 10000 % 20:02d}{n % 10000:04d}",
            birth_date=dt.date(1980, 1, 1),
            legal_sex="F",
        )
        for n in range(count)
    )
    employments = Employment.objects.bulk_create(
        Employment(
            person=person,
            unit=unit,
            employee_number=f"B{n:06d}",
            position_title="Bench",
            job_category="Bench",
            weekly_hours=Decimal(37),
            start_date=dt.date(2000, 1, 1),
        )
        for n, person in enumerate(people)
    )
    numbers = {e.employee_number for e in employments}
    subset = [r for r in parsed if r.employee in numbers]
    del parsed
    started = time.perf_counter()
    services.entries_import(actor=system_operator(), rows=subset, source=path.name)
    phase("import", time.perf_counter() - started, len(subset))
    result["import_rows"] = len(subset)

    started = time.perf_counter()
    on = dt.date(args.year, 12, 31)
    everyone = list(Employment.objects.all())
    for i in range(0, len(everyone), 2000):
        selectors.holiday_balances_many(employments=everyone[i : i + 2000], on=on)
    seconds = time.perf_counter() - started
    result["balances"] = count
    result["balances_s"] = round(seconds, 2)
    result["balances_per_s"] = round(count / seconds) if seconds else None
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=12_000)
    parser.add_argument("--import-employees", type=int, default=1_000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args)
    result["date"] = dt.date.today().isoformat()
    result["machine"] = f"{platform.machine()}, Python {platform.python_version()}, SQLite"
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key:32} {value}")


if __name__ == "__main__":
    main()
