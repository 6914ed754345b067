"""Time-registration pages with a full year loaded: the employee's week and the manager's unit
overview, p50 and p95 against a baseline measured in the same run.

Usage: .venv/bin/python bench/worktime_pages.py [--scale 1] [--repeat 40]

Builds the demo organisation and people at ``--scale`` (1 = 45,000 employees) plus the
time-registration demo (a year of entries for ~27 % of them: ~2.9 million rows at scale 1) in
a throwaway SQLite database (or DATABASE_URL), skipping the other areas' demo flows, which do
not touch these pages. Then requests each page in-process (Django test client) as the demo
users and prints the median and the 95th percentile, the SQL queries, and the ratio of the
p95 to the baseline's: the login page, which renders a template and reads no business data.
The issue's goal is p95 < 150 ms for the week view and the unit overview.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="1")
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    os.environ.setdefault("KS_VAR_DIR", tempfile.mkdtemp(prefix="ks-bench-"))
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "koncernservice.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from koncernservice.core.models import User
    from koncernservice.demo import services as demo_services
    from koncernservice.worktime.models import TimeEntry

    only_worktime = [b for b in demo_services.area_demo_builders() if b[0] == "worktime"]
    demo_services.area_demo_builders = lambda: only_worktime  # this bench's pages only
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    demo_services.demo_build(scale=args.scale)
    print(
        f"demo scale {args.scale} (foundation + worktime): "
        f"{TimeEntry.objects.count():,} time entries, {time.perf_counter() - started:.1f} s"
    )

    leader = User.objects.get(username="leder")
    unit = leader.role_assignments.get(role="manager").unit
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    cases = [
        ("login page (baseline)", None, "/login/"),
        ("week view, employee (this week)", "medarbejder", "/worktime/"),
        (
            "week view, employee (8 weeks ago)",
            "medarbejder",
            f"/worktime/?week={(monday - dt.timedelta(weeks=8)).isoformat()}",
        ),
        ("holiday balance, employee", "medarbejder", "/worktime/ferie/"),
        ("unit overview, manager (this month)", "leder", f"/worktime/enheder/{unit.pk}/"),
        (
            "unit overview, manager (last month)",
            "leder",
            f"/worktime/enheder/{unit.pk}/?month={last_month}",
        ),
        ("violations, manager", "leder", f"/worktime/enheder/{unit.pk}/overtraedelser/"),
    ]
    clients: dict[str | None, Client] = {None: Client()}
    for username in {c[1] for c in cases if c[1]}:
        client = Client()
        client.force_login(User.objects.get(username=username))
        clients[username] = client
    results = []
    for label, username, url in cases:
        client = clients[username]
        client.get(url)  # warm up
        timings = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        results.append((label, statistics.median(timings), percentile(timings, 0.95), len(queries)))
    baseline = results[0][2]
    print(f"\n{'page':<42} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'p95 × baseline':>15}")
    for label, p50, p95, count in results:
        print(f"{label:<42} {p50:>8.1f} {p95:>8.1f} {count:>8} {p95 / baseline:>15.1f}")


if __name__ == "__main__":
    main()
