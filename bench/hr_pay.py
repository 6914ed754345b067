"""HR at volume: placement rules, the CV extractor and annual pay for every employee.

Usage: .venv/bin/python bench/hr_pay.py [--employees 45000] [--json]

On a throwaway SQLite database (a temporary ``KS_VAR_DIR``): the synthetic agreements, then
``--employees`` employments (bulk), each placed by ``rules.place`` (timed: placements per
second) and stored; ``assistant.extract_rules`` on 2,000 CV texts (CVs per second); and
``selectors.annual_pay`` for a year over all employments (timed), with as baseline reading the
same employment and placement rows with ``values_list`` (no computing): the ratio says what the
month-by-month computing costs on top of reading.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parent.parent / "src"
sys.path.insert(0, str(SRC))


def measure(employees: int) -> dict[str, Any]:
    os.environ["KS_VAR_DIR"] = tempfile.mkdtemp(prefix="ks-bench-hr-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "koncernservice.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from koncernservice.core.bulk import fast_insert
    from koncernservice.core.models import Employment, OrgUnit, Person
    from koncernservice.core.system import system_operator
    from koncernservice.hr import assistant, demo, paytables, selectors, services
    from koncernservice.hr.models import Agreement, JobCategory, Placement

    call_command("migrate", verbosity=0)
    actor = system_operator()
    for data in paytables.AGREEMENTS:
        services.agreement_load(
            actor=actor, data=paytables.agreement_data(data["code"]), versions=paytables.VERSIONS
        )
    unit = OrgUnit.objects.create(code="B", name="Bench", path="/1/", kind="municipality")
    rng = random.Random(3)
    people = [
        Person(
            first_name="B",
            last_name=str(n),
            cpr=f"0101{80 + n // 10000 % 20:02d}{n % 10000:04d}",
            birth_date=dt.date(1980, 1, 1),
            legal_sex="F",
        )
        for n in range(employees)
    ]
    fast_insert(people)
    categories = list(paytables.EMPLOYMENT_CATEGORIES)
    jobs = [
        Employment(
            person_id=p.pk,
            unit_id=unit.pk,
            employee_number=f"B{n:07d}",
            position_title="x",
            job_category=rng.choice(categories),
            weekly_hours=Decimal(rng.choice([37, 37, 30, 25])),
            start_date=dt.date(2000, 1, 1) + dt.timedelta(days=rng.randint(0, 9000)),
        )
        for n, p in enumerate(people)
    ]
    fast_insert(jobs)
    result: dict[str, Any] = {"employees": employees}

    agreements = {a.code: a for a in Agreement.objects.all()}
    cats = {(c.agreement.code, c.code): c for c in JobCategory.objects.select_related("agreement")}
    versions = {
        a.code: selectors.version_rules(v)
        for a in agreements.values()
        if (v := selectors.version_on(a, demo.REFERENCE_DATE))
    }
    started = time.perf_counter()
    placements, _by = demo._placements(rng, agreements, cats, versions)
    seconds = time.perf_counter() - started
    result["place_s"] = round(seconds, 2)
    result["placements_per_s"] = round(employees / seconds)
    fast_insert(placements)

    cv = (
        "jan. 2016 – dec. 2019: Lærer, Valby Skole, 37 timer/uge\n"
        "01.01.2020-30.06.2023 Lærer hos Husum Skole (deltid 30 t)\n"
        "2011–2015 Læreruddannelsen, professionsbachelor\n"
    )
    started = time.perf_counter()
    for _ in range(2000):
        assistant.extract_rules(cv, target_title="Lærer", today=dt.date(2025, 8, 1))
    result["extract_cvs_per_s"] = round(2000 / (time.perf_counter() - started))

    started = time.perf_counter()
    rows = list(Employment.objects.values_list("pk", "start_date", "end_date", "weekly_hours"))
    rows += list(
        Placement.objects.values_list(
            "employment_id", "valid_from", "valid_to", "agreement_id", "pay_step", "allowances"
        )
    )
    base = time.perf_counter() - started
    result["baseline_read_s"] = round(base, 2)
    started = time.perf_counter()
    pay = selectors.annual_pay(actor, 2025)
    seconds = time.perf_counter() - started
    result["annual_pay_s"] = round(seconds, 2)
    result["annual_pay_employments"] = len(pay)
    result["annual_pay_ratio_to_baseline"] = round(seconds / base, 1)
    result["python"] = platform.python_version()
    result["note"] = "2 shared CPU cores; other engineers' jobs ran at the same time"
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=45_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.employees)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
