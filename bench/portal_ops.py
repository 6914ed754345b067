"""Time the portal's main operations in-process on a demo database.

Usage: KS_VAR_DIR=/tmp/portal-bench .venv/bin/ks demo --no-serve --scale 0.02
       KS_VAR_DIR=/tmp/portal-bench .venv/bin/python bench/portal_ops.py [--repeat 50] [--json]

Measures, through Django's test client (no network, no server), p50/p95 of: the caseworker's
queue list (SLA countdown column), the employee's "my cases", one case page, case search, the
API case list, and case creation through the service (routing, numbering, SLA timers, audit);
then one SLA sweep over every timer due within the next 30 days (rolled back): far more
than the minute-by-minute task ever meets at once. Not a load test:
``portal_load`` (locust against the production server on PostgreSQL) is still to be written.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p95_ms": round(1000 * ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koncernservice.settings")
    import django

    django.setup()
    import datetime as dt

    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from koncernservice.core.models import User
    from koncernservice.portal import services
    from koncernservice.portal.models import Case, Service, SlaTimer

    worker = User.objects.get(username="sagsbehandler")
    employee = User.objects.get(username="medarbejder")
    cases = Case.objects.count()
    own = Case.objects.filter(queue__code="loen").order_by("-created_at").first()
    assert own is not None
    results: dict[str, Any] = {"cases": cases, "timers": SlaTimer.objects.count()}

    def timed(name: str, client: Client, url: str) -> None:
        client.get(url)  # warm up
        samples = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        results[name] = percentiles(samples)

    wc, ec = Client(HTTP_HOST="localhost"), Client(HTTP_HOST="localhost")
    wc.force_login(worker)
    ec.force_login(employee)
    timed("queue_list", wc, "/portal/koeer/loen/")
    timed("queue_list_sorted_by_sla", wc, "/portal/koeer/loen/?sort=-sla")
    timed("my_cases", ec, "/portal/mine/")
    timed("case_page", wc, f"/portal/sager/{own.number}/")
    timed("search_cases", wc, "/portal/soeg/?q=lønsedlen")
    timed("api_cases", wc, "/api/portal/cases?limit=50")
    service = Service.objects.get(code="loenseddel")
    samples = []
    for i in range(args.repeat):
        started = time.perf_counter()
        services.case_create(
            actor=employee, service=service, title=f"Bench {i}", answers={}, description="x"
        )
        samples.append(time.perf_counter() - started)
    results["case_create"] = percentiles(samples)
    with transaction.atomic():
        later = timezone.now() + dt.timedelta(days=30)
        due = SlaTimer.objects.filter(next_check_at__lte=later, stopped_at__isnull=True).count()
        started = time.perf_counter()
        counts = services.sla_sweep(now=later, limit=100_000)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    results["sla_sweep"] = {
        "due": due,
        "checked": counts["checked"],
        "seconds": round(seconds, 2),
        "timers_per_s": round(counts["checked"] / seconds) if seconds else None,
    }
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for key, value in results.items():
            print(f"{key:28} {value}")


if __name__ == "__main__":
    main()
