"""Page and API response times with the demo municipality (default: all 45,000 employees).

Usage: .venv/bin/python bench/pages.py [--scale 1] [--repeat 5]

Builds the demo in a throwaway SQLite database (or DATABASE_URL, if set), then requests the
main pages in-process as the demo users and prints, per page, the median time, the number of
SQL queries, and the ratio against the baseline measured in the same run: the login page,
which renders a template and touches no business data.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="1")
    parser.add_argument("--repeat", type=int, default=5)
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

    from koncernservice.core.models import Employment, OrgUnit, User
    from koncernservice.demo.services import demo_build

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    summary = demo_build(scale=args.scale)
    print(f"demo scale {args.scale}: {summary.counts} ({time.perf_counter() - started:.1f} s)")

    leader = User.objects.get(username="leder")
    leader_unit = leader.role_assignments.get(role="manager").unit
    administration = OrgUnit.objects.filter(depth=1).order_by("path").first()
    some_employment = Employment.objects.filter(unit=leader_unit).first()
    cases = [
        ("login page (baseline)", None, "/login/"),
        ("landing page, admin", "admin", "/"),
        ("landing page, manager", "leder", "/"),
        ("landing page, caseworker", "sagsbehandler", "/"),
        ("landing page, finance", "oekonomi", "/"),
        ("landing page, employee", "medarbejder", "/"),
        ("organisation tree, admin", "admin", "/organisation/"),
        ("administration page, hr", "hr", f"/organisation/{administration.pk}/"),
        (
            "administration incl. units below, hr (sorted)",
            "hr",
            f"/organisation/{administration.pk}/?sub=1&sort=-start_date",
        ),
        ("unit page, manager", "leder", f"/organisation/{leader_unit.pk}/"),
        ("people list, hr (all)", "hr", "/people/"),
        ("people search, hr", "hr", "/people/?q=Jensen"),
        ("person page, manager", "leder", f"/people/{some_employment.person_id}/"),
        ("audit trail, auditor", "revisor", "/audit/"),
        ("API people, hr", "hr", "/api/people?limit=100"),
        ("API unit employments, manager", "leder", f"/api/org/units/{leader_unit.pk}/employments"),
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
                timings.append(time.perf_counter() - t0)
            assert response.status_code == 200, (url, response.status_code)
        results.append((label, statistics.median(timings) * 1000, len(queries)))
    baseline = results[0][1]
    print(f"\n{'page':<50} {'median ms':>10} {'queries':>8} {'× baseline':>11}")
    for label, ms, count in results:
        print(f"{label:<50} {ms:>10.1f} {count:>8} {ms / baseline:>11.1f}")


if __name__ == "__main__":
    main()
