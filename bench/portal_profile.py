"""In-process profile of the portal's read pages at one year of cases (the pages the load
test mixes), without a server: Django's test client with the production settings against the
load test's database, the sessions ``bench/portal_load.py`` prepared.

Per page: requests, CPU ms of this process (``time.process_time``; mean, and the lowest
mean of a batch of 10, less moved by other work on the machine) and of the PostgreSQL
backend serving it (``/proc/<pg_backend_pid>/stat``), wall ms, queries per request,
repeated identical queries and Python function calls per request (deterministic: compares
code before and after on a busy machine) and the lowest batch against the login page's;
``--profile NAME`` prints cProfile's top functions (process
time) for that page.

Usage (after one ``bench/portal_load.py`` run, which writes ``load_data.json``)::

    .venv/bin/python bench/portal_profile.py [--repeat 40] [--profile "caseworker: queue list"]
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import json
import os
import pstats
import random
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://ks@127.0.0.1:55432/ks_load_year"
CLOCK = os.sysconf("SC_CLK_TCK")


def _backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK


def pages(data: dict, rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    """name -> [(session, url)], the load test's read actions."""
    worker = data["worker"]["session"]
    employees = data["employees"]
    result: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    for _ in range(200):
        me = rng.choice(employees)
        result["baseline: login page"].append(("", "/login/"))
        result["employee: my cases"].append((me["session"], "/portal/mine/"))
        result["employee: open case"].append(
            (me["session"], f"/portal/sager/{rng.choice(me['cases'])}/")
        )
        term = rng.choice(data["search_terms"])
        q = urllib.parse.quote(term)
        result["employee: search"].append((me["session"], f"/portal/soeg/?q={q}"))
        code = rng.choice(data["worker"]["queues"])
        variant = rng.choice(data["queue_variants"])
        result["caseworker: queue list"].append((worker, f"/portal/koeer/{code}/{variant}"))
        result["caseworker: open case"].append(
            (worker, f"/portal/sager/{rng.choice(data['worker']['cases'])}/")
        )
        result["caseworker: search"].append((worker, f"/portal/soeg/?q={q}"))
        service = rng.choice(data["services"])
        result["employee: new-case form"].append((me["session"], f"/portal/ny/{service['code']}/"))
    return result


def _calls(get: Any, requests: list[tuple[str, str]]) -> float:
    """Python function calls per request (cProfile's count): a CPU figure other work on
    the machine does not move, to compare code before and after."""
    profiler = cProfile.Profile()
    profiler.enable()
    for session, url in requests:
        get(session, url)
    profiler.disable()
    stats = pstats.Stats(profiler)
    return stats.total_calls / len(requests)  # type: ignore[attr-defined]


AREAS = (
    ("django/template", "templates"),
    ("django/db", "ORM"),
    ("psycopg", "psycopg"),
    ("django/utils/translation", "translation"),
    ("asgiref", "asgiref (thread-locals)"),
    ("django/contrib/sessions", "sessions"),
    ("django/contrib/auth", "auth"),
    ("django/middleware", "middleware"),
    ("koncernservice", "koncernservice"),
    ("django/", "django (other)"),
)


def _by_area(stats: pstats.Stats, requests: int) -> None:
    """Own (tottime) CPU ms per request by package: where the page's Python goes."""
    totals: dict[str, float] = collections.Counter()
    for (filename, _line, _name), row in stats.stats.items():  # type: ignore[attr-defined]
        area = next((label for key, label in AREAS if key in filename), "other")
        totals[area] += row[2]
    whole = sum(totals.values()) or 1.0
    for area, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"    {area:26} {1000 * seconds / requests:7.2f} ms  {100 * seconds / whole:5.1f} %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("KS_LOAD_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--var-dir", default="/tmp/ks_load_year")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--only", default="", help="only pages whose name contains this")
    parser.add_argument("--profile", default="", help="cProfile this page (name)")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--queries", action="store_true", help="print one request's queries")
    args = parser.parse_args()

    var_dir = Path(args.var_dir)
    data = json.loads((var_dir / "load_data.json").read_text())
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "KS_VAR_DIR": str(var_dir),
            "SECRET_KEY": (var_dir / "secret_key").read_text().strip(),
            "DJANGO_SETTINGS_MODULE": "koncernservice.settings",
            "KS_ENV": "production",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "KS_LOG_LEVEL": "WARNING",
        }
    )
    # KS_PROFILE_SRC: another checkout's src/ (e.g. ``git archive HEAD src``), to compare.
    sys.path.insert(0, os.environ.get("KS_PROFILE_SRC", str(ROOT / "src")))
    import django
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # As gunicorn loads the application (koncernservice.wsgi: setup, URLconf, gc.freeze).
    import koncernservice.wsgi  # noqa: F401

    rng = random.Random(3)
    plan = pages(data, rng)
    # One client for every session: each Client has its own handler, and a handler's first
    # request loads the middleware (WhiteNoise scans the static files), which gunicorn does
    # once per worker; a client per employee made the employee pages look 3x dearer.
    client = Client(HTTP_X_FORWARDED_PROTO="https")

    def client_for(session: str) -> Client:
        client.cookies.pop("sessionid", None)
        if session:
            client.cookies["sessionid"] = session
        return client

    def get(session: str, url: str) -> None:
        response = client_for(session).get(url)
        assert response.status_code == 200, (url, response.status_code)

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("select pg_backend_pid()")
        backend = cursor.fetchone()[0]
    print(f"code {django.__file__ and sys.path[0]}; load average {os.getloadavg()}")
    print(
        f"{'page':28} {'n':>4} {'cpu ms':>7} {'min ms':>7} {'pg ms':>6} {'wall ms':>8} "
        f"{'queries':>7} {'repeated':>8} {'calls':>8} {'× login':>7}"
    )
    baseline: dict[str, float] = {}  # the login page's lowest batch mean (the first page)
    for name, requests in plan.items():
        if args.only and args.only not in name and not name.startswith("baseline"):
            continue
        for session, url in requests[:5]:  # warm up
            get(session, url)
        chosen = requests[5 : 5 + args.repeat]
        cpu0, pg0, wall0 = time.process_time(), _backend_cpu(backend), time.perf_counter()
        batches = []
        for start in range(0, len(chosen), 10):
            batch0 = time.process_time()
            for session, url in chosen[start : start + 10]:
                get(session, url)
            batches.append(1000 * (time.process_time() - batch0) / len(chosen[start : start + 10]))
        cpu = 1000 * (time.process_time() - cpu0) / len(chosen)
        calls = _calls(get, chosen[:5])
        pg = 1000 * (_backend_cpu(backend) - pg0) / len(chosen)
        wall = 1000 * (time.perf_counter() - wall0) / len(chosen)
        counts, repeated = [], 0
        sample_queries: list[str] = []
        for session, url in chosen[:10]:
            with CaptureQueriesContext(connection) as ctx:
                get(session, url)
            counts.append(len(ctx.captured_queries))
            sqls = collections.Counter(q["sql"] for q in ctx.captured_queries)
            repeated += sum(n - 1 for n in sqls.values())
            sample_queries = [q["sql"] for q in ctx.captured_queries]
        print(
            f"{name:28} {len(chosen):>4} {cpu:>7.1f} {min(batches):>7.1f} {pg:>6.1f} {wall:>8.1f} "
            f"{sum(counts) / len(counts):>7.1f} {repeated / len(counts):>8.1f} {calls:>8.0f} "
            f"{min(batches) / baseline.setdefault('min', min(batches)):>7.1f}"
        )
        if args.queries:
            for sql in sample_queries:
                print("    ", sql[:300])
        if args.profile and args.profile == name:
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for session, url in chosen:
                get(session, url)
            profiler.disable()
            stats = pstats.Stats(profiler)
            _by_area(stats, len(chosen))
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
