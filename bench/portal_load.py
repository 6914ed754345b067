"""Load test of the service portal: locust against the production server on PostgreSQL
holding one full year of cases (``ks demo --scale 1``: ~706,000 cases).

Usage:
    .venv/bin/python bench/portal_load.py                 # build the year if missing, then run
    .venv/bin/python bench/portal_load.py --users 40 --rate 220 --duration 60 --workers 3

The year lives in its own database (default ``postgres://ks@127.0.0.1:55432/ks_load_year``,
``--database-url`` or ``KS_LOAD_DATABASE_URL``). When the database is missing or has no
cases it is created and filled once with::

    DATABASE_URL=postgres://ks@127.0.0.1:55432/ks_load_year KS_VAR_DIR=/tmp/ks_load_year \\
        .venv/bin/ks demo --scale 1 --no-serve

(about 5-10 minutes); later runs reuse it. Each run then:

1. applies migrations and prepares the load: employee users for people who have cases
   (``bench-<person id>``, unusable password, role ``employee`` on their unit, as a production
   user created on first login would be), and a Django session per user made with Django's
   session machinery (the session a login creates). Nothing in the application is changed
   for the test: there is no test login path.
2. starts the production server as ``ks serve`` does (gunicorn, ``KS_ENV=production``, DEBUG
   off, static files through whitenoise), behind which locust plays the TLS proxy
   (``X-Forwarded-Proto: https``). E-mail goes to Django's dummy backend (the messages are
   built, not sent).
3. runs ``locust --headless`` with ``bench/portal_locustfile.py`` at a fixed offered load:
   ``--users`` users, together ``--rate`` requests per second, for ``--duration`` seconds;
   the first ``--warmup`` seconds are not counted. The mix: employees (my cases, open a
   case, reply, create a case, search) and caseworkers (queue list, open a case, reply or
   internal note, search), and the baseline: the anonymous login page under the same load.
4. searches sequentially (one client, server otherwise idle) ``--search-repeat`` times over
   cases and articles, as an employee and as a caseworker: the full-text search figure.
5. prints throughput, p50/p95/p99 per action and overall, errors, the CPU seconds of
   gunicorn, PostgreSQL's backends and locust, the load average, and each action's p95 as a
   ratio to the baseline's; then stops the server.

Writes into the database: the bench users and sessions, and the cases, replies and notes the
load creates (a few thousand rows per run next to 706,000 cases).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_URL = "postgres://ks@127.0.0.1:55432/ks_load_year"
OPEN_STATES = ("new", "in_progress", "awaiting_requester")


# --- The database ---------------------------------------------------------------------------


def _admin_url(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    return urllib.parse.urlunsplit(parts._replace(path="/postgres")), name


def ensure_year(url: str, var_dir: Path, *, scale: str) -> dict[str, Any]:
    """Create and fill the year database when it is missing or empty; else reuse it."""
    import psycopg

    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'create database "{name}"')
    with psycopg.connect(url) as conn:
        has_table = conn.execute("select to_regclass('portal_case')").fetchone()
        cases = 0
        if has_table and has_table[0]:
            row = conn.execute("select count(*) from portal_case").fetchone()
            cases = int(row[0]) if row else 0
    built = None
    if cases == 0:
        print(f"Building one year of portal data (ks demo --scale {scale}) in {name} ...")
        started = time.perf_counter()
        subprocess.run(
            [str(VENV_BIN / "ks"), "demo", "--scale", scale, "--no-serve"],
            env={**os.environ, "DATABASE_URL": url, "KS_VAR_DIR": str(var_dir)},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("vacuum analyze")  # statistics for the planner, as autovacuum would
        built = round(time.perf_counter() - started, 1)
    subprocess.run(
        [str(VENV_BIN / "ks"), "migrate", "portal", "--no-input", "-v", "0"],
        env={**os.environ, "DATABASE_URL": url, "KS_VAR_DIR": str(var_dir)},
        check=True,
    )
    return {"built_seconds": built}


def prepare(*, employees: int, seed: int) -> dict[str, Any]:
    """Bench users with sessions, and the case numbers, services and words the load uses."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import connection
    from django.middleware.csrf import _get_new_csrf_string  # the secret a cookie holds
    from django.utils import timezone

    from koncernservice.core.models import Employment, Role, RoleAssignment, User
    from koncernservice.core.sessions import SessionStore
    from koncernservice.portal import selectors
    from koncernservice.portal.models import Article, Case, Queue, Service

    rng = random.Random(seed)
    backend = "koncernservice.core.auth.ModelBackend"

    def session_for(user: User) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.set_expiry(8 * 3600)
        store.create()
        assert store.session_key
        return store.session_key

    # Requesters with at least three cases in the year, one of them open: a spread of people.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            select requester_id from portal_case
            where not confidential
            group by requester_id
            having count(*) >= 3 and count(*) filter (where state = any(%s)) >= 1
            order by md5(requester_id::text || %s) limit %s
            """,
            [list(OPEN_STATES), str(seed), employees],
        )
        people = [row[0] for row in cursor.fetchall()]
    units = dict(
        Employment.objects.filter(person_id__in=people)
        .order_by("person_id", "-start_date")
        .values_list("person_id", "unit_id")
    )
    existing = {u.person_id: u for u in User.objects.filter(person_id__in=people)}
    new_users = [
        User(username=f"bench-{pid}", person_id=pid, is_active=True)
        for pid in people
        if pid not in existing
    ]
    for user in new_users:
        user.set_unusable_password()
    User.objects.bulk_create(new_users)
    users = {u.person_id: u for u in User.objects.filter(person_id__in=people)}
    have_role = set(
        RoleAssignment.objects.filter(user__in=users.values(), role=Role.EMPLOYEE).values_list(
            "user_id", flat=True
        )
    )
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=u, role=Role.EMPLOYEE, unit_id=units[pid])
        for pid, u in users.items()
        if u.pk not in have_role and pid in units
    )
    cases_of: dict[int, list[tuple[str, str]]] = {}
    for requester, number, state in Case.objects.filter(requester_id__in=people).values_list(
        "requester_id", "number", "state"
    ):
        cases_of.setdefault(requester, []).append((number, state))
    employee_data = []
    for pid in people:
        mine = cases_of.get(pid, [])
        employee_data.append(
            {
                "session": session_for(users[pid]),
                "cases": [n for n, _s in mine],
                "open": [n for n, s in mine if s in OPEN_STATES],
            }
        )

    worker = User.objects.get(username="sagsbehandler")
    queues = list(selectors.queues_for(user=worker).values_list("code", flat=True))
    visible = selectors.cases_visible(user=worker)
    open_numbers = list(
        visible.filter(state__in=OPEN_STATES).order_by("?").values_list("number", flat=True)[:2000]
    )
    recent = list(visible.order_by("-created_at").values_list("number", flat=True)[:2000])
    any_numbers = list(visible.order_by("?").values_list("number", flat=True)[:2000])

    services = []
    # Services every employee may request (managers' services answer 404 to the others).
    for service in Service.objects.filter(is_active=True, audience=Service.Audience.ALL):
        form = selectors.current_form(service)
        answers = _answers(form.fields if form else [], rng)
        services.append({"code": service.code, "answers": answers})
    titles = list(Case.objects.order_by("?").values_list("title", flat=True)[:200])
    return {
        "csrf": _get_new_csrf_string(),
        "employees": employee_data,
        "worker": {
            "session": session_for(worker),
            "queues": queues,
            "cases": open_numbers[:1000] + recent[:500] + any_numbers[:500],
            "open": open_numbers,
        },
        "queue_variants": ["", "", "?sort=-created_at", "?state=all", "?page=2", "?sort=priority"],
        "services": services,
        "titles": titles,
        "search_terms": search_terms(rng),
        "counts": {
            "cases": Case.objects.count(),
            "open_cases": Case.objects.filter(state__in=OPEN_STATES).count(),
            "articles": Article.objects.count(),
            "queues": Queue.objects.count(),
            "services": Service.objects.count(),
            "bench_employees": len(employee_data),
        },
        "prepared_at": timezone.now().isoformat(),
    }


def _answers(fields: list[dict[str, Any]], rng: random.Random) -> dict[str, str]:
    """Valid answers for a service's form (every field filled; hidden ones are dropped)."""
    values: dict[str, str] = {}
    for spec in fields:
        kind = spec.get("type", "text")
        if kind == "number":
            values[spec["name"]] = str(rng.randint(1, 40))
        elif kind == "date":
            values[spec["name"]] = "2026-12-01"
        elif kind == "choice":
            values[spec["name"]] = str(rng.choice(spec.get("choices") or [""]))
        elif kind == "boolean":
            values[spec["name"]] = "on"
        elif kind == "email":
            values[spec["name"]] = "leder@example.dk"
        else:
            values[spec["name"]] = "Se beskrivelsen"
    return values


def search_terms(rng: random.Random) -> list[str]:
    """Words to search for: frequent, medium and rare words of the year's case titles, words
    of the knowledge articles, two-word queries and case numbers."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            select word, ndoc from ts_stat(
                'select to_tsvector(''simple'', title) from portal_case
                 where id % 50 = 0')
            where length(word) >= 4 and word !~ '[0-9]'
            order by ndoc desc
            """
        )
        words = [row[0] for row in cursor.fetchall()]
        cursor.execute("select title from portal_article where is_published")
        article_words = sorted(
            {
                w.lower()
                for (t,) in cursor.fetchall()
                for w in t.split()
                if len(w) >= 5 and w.isalpha()
            }
        )
        cursor.execute("select number from portal_case where id % 997 = 0 limit 20")
        numbers = [row[0] for row in cursor.fetchall()]
    frequent, medium, rare = words[:10], words[10:40], words[40:]
    terms = frequent + medium[:20] + rng.sample(rare, min(20, len(rare)))
    terms += rng.sample(article_words, min(15, len(article_words)))
    terms += [f"{a} {b}" for a, b in zip(frequent[:5], medium[:5], strict=False)]
    terms += numbers[:5]
    return terms


# --- Processes and CPU ----------------------------------------------------------------------

CLOCK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0


def _children(pid: int) -> list[int]:
    result = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == pid:
                result.append(int(entry.name))
    return result


def _backends(database: str) -> list[int]:
    """PostgreSQL backend processes connected to the bench database."""
    result = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().decode(errors="replace")
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
            if cmd.startswith("postgres:") and f" {database} " in cmd:
                result.append(int(entry.name))
    return result


def _system_cpu() -> tuple[float, float]:
    """(busy, total) seconds of all cores since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / CLOCK, sum(values) / CLOCK


class CpuMeter:
    def __init__(self, groups: dict[str, Any]) -> None:
        self.groups = groups  # name -> callable returning pids

    def snapshot(self) -> dict[str, Any]:
        return {
            "groups": {
                name: {pid: _proc_cpu(pid) for pid in pids()} for name, pids in self.groups.items()
            },
            "system": _system_cpu(),
            "wall": time.monotonic(),
        }

    def follow(self, seconds: float) -> dict[str, Any]:
        """Snapshots every 0.5 s for ``seconds``; the last one, where a process that ended
        on the way (a database connection closed after CONN_MAX_AGE) keeps the CPU time it
        was last seen with."""
        seen: dict[str, dict[int, float]] = {}
        end = time.monotonic() + seconds
        while True:
            snap = self.snapshot()
            for name, pids in snap["groups"].items():
                group = seen.setdefault(name, {})
                for pid, cpu in pids.items():
                    group[pid] = max(group.get(pid, 0.0), cpu)
            if time.monotonic() >= end:
                break
            time.sleep(min(0.5, max(0.0, end - time.monotonic())))
        snap["groups"] = seen
        return snap

    @staticmethod
    def delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, pids in after["groups"].items():
            old = before["groups"].get(name, {})
            result[f"{name}_cpu_s"] = round(
                sum(cpu - old.get(pid, 0.0) for pid, cpu in pids.items()), 1
            )
        busy = after["system"][0] - before["system"][0]
        total = after["system"][1] - before["system"][1]
        result["machine_busy_pct"] = round(100 * busy / total, 1) if total else None
        result["wall_s"] = round(after["wall"] - before["wall"], 1)
        return result


def start_server(
    env: dict[str, str], port: int, workers: int, threads: int, log: Path
) -> subprocess.Popen:
    """gunicorn with the configuration of ``ks serve`` (which also runs collectstatic on every
    start: that takes minutes with the compressed manifest, so it runs here only once)."""
    static = Path(env["KS_VAR_DIR"]) / "static" / "staticfiles.json"
    if not static.exists():
        subprocess.run(
            [str(VENV_BIN / "ks"), "collectstatic", "--no-input", "-v", "0"], env=env, check=True
        )
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "koncernservice.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "120",
            "--access-logfile",
            "-",
        ],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped; see {log}")
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/login/", headers={"X-Forwarded-Proto": "https"}
            )
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"the server did not answer within 60 s; see {log}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- Figures --------------------------------------------------------------------------------


def pct(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (ms)."""
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))
    return round(ordered[index], 1)


def summarise(samples: list[dict[str, Any]], window: float) -> dict[str, Any]:
    by_name: dict[str, list[dict[str, Any]]] = {}
    for sample in samples:
        by_name.setdefault(sample["name"], []).append(sample)
    portal = [s for s in samples if not s["name"].startswith("baseline")]
    groups = {**dict(sorted(by_name.items())), "all portal actions": portal, "all": samples}
    rows = {}
    for name, items in groups.items():
        times = [s["ms"] for s in items]
        rows[name] = {
            "requests": len(items),
            "rps": round(len(items) / window, 1),
            "errors": sum(1 for s in items if not s["ok"]),
            "p50_ms": pct(times, 0.50),
            "p95_ms": pct(times, 0.95),
            "p99_ms": pct(times, 0.99),
            "max_ms": round(max(times), 1),
        }
    base = rows.get("baseline: login page", {}).get("p95_ms")
    for row in rows.values():
        row["p95_x_baseline"] = round(row["p95_ms"] / base, 1) if base else None
    return rows


def run_load(args: argparse.Namespace, data_file: Path, port: int, meter: CpuMeter) -> dict:
    out = Path(tempfile.mkstemp(prefix="portal_load_", suffix=".json")[1])
    env = {
        **os.environ,
        "KS_LOAD_DATA": str(data_file),
        "KS_LOAD_RATE": str(args.rate / args.users),
        "KS_LOAD_OUT": str(out),
    }
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "portal_locustfile.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.users),
        "--run-time",
        f"{args.warmup + args.duration}s",
        "--stop-timeout",
        "5",
        "--host",
        f"http://127.0.0.1:{port}",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    load_before = os.getloadavg()
    locust = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    meter.groups["locust"] = lambda: [locust.pid]
    time.sleep(args.warmup)
    before = meter.snapshot()
    after = meter.follow(args.duration)
    load_during = os.getloadavg()
    _stdout, stderr = locust.communicate(timeout=args.duration + 120)
    if locust.returncode not in (0, 1):  # 1: some requests failed (reported below)
        raise SystemExit(f"locust failed ({locust.returncode}): {stderr.decode()[-2000:]}")
    recorded = json.loads(out.read_text())
    out.unlink()
    start = recorded["started"] + args.warmup
    window = [s for s in recorded["samples"] if start <= s["t"] < start + args.duration]
    failures: dict[str, int] = {}
    for s in window:
        if not s["ok"]:
            failures[s["error"]] = failures.get(s["error"], 0) + 1
    return {
        "offered_rps": args.rate,
        "users": args.users,
        "window_s": args.duration,
        "actions": summarise(window, args.duration),
        "failures": dict(sorted(failures.items(), key=lambda kv: -kv[1])[:10]),
        "cpu": CpuMeter.delta(before, after),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_end": [round(x, 2) for x in load_during],
    }


def run_search(data: dict[str, Any], port: int, repeat: int, meter: CpuMeter) -> dict[str, Any]:
    """Sequential searches (cases and articles on one page) through the server."""
    rng = random.Random(7)
    who = {
        "caseworker": data["worker"]["session"],
        "employee": data["employees"][0]["session"],
    }
    results: dict[str, Any] = {}
    before = meter.snapshot()
    for role, session in who.items():
        times = []
        slowest: list[tuple[float, str]] = []
        terms = data["search_terms"]
        for i in range(repeat + 5):
            term = terms[i % len(terms)] if i < len(terms) else rng.choice(terms)
            url = f"http://127.0.0.1:{port}/portal/soeg/?q={urllib.parse.quote(term)}"
            request = urllib.request.Request(
                url,
                headers={"X-Forwarded-Proto": "https", "Cookie": f"sessionid={session}"},
            )
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
                assert response.status == 200, (url, response.status)
            elapsed = 1000 * (time.perf_counter() - started)
            if i >= 5:  # the first five warm up
                times.append(elapsed)
                slowest.append((elapsed, term))
        results[role] = {
            "searches": len(times),
            "p50_ms": pct(times, 0.5),
            "p95_ms": pct(times, 0.95),
            "p99_ms": pct(times, 0.99),
            "max_ms": round(max(times), 1),
            "slowest": [(round(ms, 1), t) for ms, t in sorted(slowest, reverse=True)[:3]],
        }
    results["cpu"] = CpuMeter.delta(before, meter.snapshot())
    results["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("KS_LOAD_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--var-dir", default="/tmp/ks_load_year")
    parser.add_argument("--scale", default="1", help="demo scale when building (1 = a year)")
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--rate", type=float, default=220, help="offered requests/s in total")
    parser.add_argument("--duration", type=int, default=60, help="measured seconds")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per worker (ks serve: 4; 1 = sync)"
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--employees", type=int, default=300, help="distinct employee users")
    parser.add_argument("--search-repeat", type=int, default=200)
    parser.add_argument("--skip-load", action="store_true", help="only the search phase")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    var_dir = Path(args.var_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    key_file = var_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
    database = urllib.parse.urlsplit(args.database_url).path.lstrip("/")
    # The same settings in this process (sessions) and in the server.
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "KS_VAR_DIR": str(var_dir),
            "SECRET_KEY": key_file.read_text().strip(),
            "DJANGO_SETTINGS_MODULE": "koncernservice.settings",
        }
    )
    sys.path.insert(0, str(ROOT / "src"))
    build = ensure_year(args.database_url, var_dir, scale=args.scale)
    started = time.process_time()
    data = prepare(employees=args.employees, seed=1)
    data_file = var_dir / "load_data.json"
    data_file.write_text(json.dumps(data))
    result: dict[str, Any] = {
        "database": args.database_url,
        **build,
        "counts": data["counts"],
        "prepare_cpu_s": round(time.process_time() - started, 1),
        "gunicorn_workers": args.workers,
        "threads_per_worker": args.threads,
    }
    server_env = {
        **os.environ,
        "KS_ENV": "production",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "KS_LOG_LEVEL": "WARNING",
    }
    server = start_server(server_env, args.port, args.workers, args.threads, var_dir / "server.log")
    try:
        meter = CpuMeter(
            {
                "gunicorn": lambda: [server.pid, *_children(server.pid)],
                "postgres_backends": lambda: _backends(database),
            }
        )
        if not args.skip_load:
            result["load"] = run_load(args, data_file, args.port, meter)
        result["search"] = run_search(data, args.port, args.search_repeat, meter)
    finally:
        stop_server(server)
    report(result, as_json=args.json)


def report(result: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    counts = result["counts"]
    print(
        f"Database {result['database']}: {counts['cases']:,} cases ({counts['open_cases']:,} "
        f"open), {counts['articles']} articles, {counts['queues']} queues; "
        f"{counts['bench_employees']} employee users; gunicorn {result['gunicorn_workers']} "
        f"workers x {result['threads_per_worker']} threads"
    )
    if result.get("built_seconds"):
        print(f"Built the year in {result['built_seconds']} s")
    load = result.get("load")
    if load:
        print(
            f"\nLoad: {load['users']} users offering {load['offered_rps']:.0f} req/s, "
            f"{load['window_s']} s measured after warm-up"
        )
        print(
            f"{'action':32} {'req':>6} {'req/s':>6} {'err':>4} {'p50':>7} {'p95':>7} "
            f"{'p99':>7} {'max':>7} {'p95/base':>8}"
        )
        for name, row in load["actions"].items():
            print(
                f"{name:32} {row['requests']:>6} {row['rps']:>6} {row['errors']:>4} "
                f"{row['p50_ms']:>7} {row['p95_ms']:>7} {row['p99_ms']:>7} {row['max_ms']:>7} "
                f"{row['p95_x_baseline'] if row['p95_x_baseline'] is not None else '':>8}"
            )
        if load["failures"]:
            print("Failures:", json.dumps(load["failures"], ensure_ascii=False))
        cpu = load["cpu"]
        print(
            f"CPU seconds in {cpu['wall_s']} s: gunicorn {cpu['gunicorn_cpu_s']}, PostgreSQL "
            f"backends {cpu['postgres_backends_cpu_s']}, locust {cpu['locust_cpu_s']}; "
            f"machine busy {cpu['machine_busy_pct']} % of 2 cores"
        )
        print(f"Load average before {load['loadavg_before']}, at the end {load['loadavg_end']}")
    search = result["search"]
    print("\nSearch (cases and articles, one page; sequential, server otherwise idle):")
    for role in ("employee", "caseworker"):
        row = search[role]
        print(
            f"  {role:10} {row['searches']} searches: p50 {row['p50_ms']} ms, p95 "
            f"{row['p95_ms']} ms, p99 {row['p99_ms']} ms, max {row['max_ms']} ms; "
            f"slowest {row['slowest']}"
        )
    print(f"  CPU: {search['cpu']}; load average {search['loadavg']}")
    ok = load is not None and (
        load["actions"]["all"]["rps"] >= 200
        and load["actions"]["all portal actions"]["p95_ms"] < 150
        and load["actions"]["all"]["errors"] == 0
    )
    search_ok = all(search[r]["p95_ms"] < 200 for r in ("employee", "caseworker"))
    if load is not None:
        print(f"\nGoal >= 200 req/s, p95 < 150 ms, no errors: {'reached' if ok else 'NOT reached'}")
    print(f"Goal search p95 < 200 ms: {'reached' if search_ok else 'NOT reached'}")


if __name__ == "__main__":
    main()
