"""Case creation and the caseworker's queue list: ours against django-helpdesk, one run.

Usage (PostgreSQL; ours must hold a portal demo, e.g. ``ks demo --no-serve --scale 1``):

    .venv/bin/python bench/portal_peer.py [--ours-db URL] [--peer-db URL]
        [--rounds 3] [--repeat 40] [--warmup 5] [--queue loen] [--reload] [--json]

1. Creates (or reuses) django-helpdesk's own virtual environment in bench/portal_peer/.venv
   (django-helpdesk 2.6.1 pinned, with the Django it needs; ``uv`` when present, else venv+pip).
2. Migrates the peer's database (``--peer-db``, created if missing) and loads the same volume
   as ours holds: every case becomes a ticket in the same queue, with the same state, priority,
   time and text, every timeline entry a follow-up; PostgreSQL COPY, once (``--reload`` again).
3. Times both systems the same way: each in its own Python process (its own virtualenv and
   Django), through Django's test client (the full middleware, view, ORM and template stack, no
   network), logged in as the employee and the caseworker, same page size (50), same warm-up.
   Operations: (a) the employee creates a case through the normal form (ours: POST
   /portal/ny/<service>/; theirs: POST /tickets/submit/), (b) the caseworker opens the queue
   list, open cases of one queue, first page (ours: /portal/koeer/<queue>/; theirs: the ticket
   list page filtered to the queue and its DataTable's JSON request for the rows).
   Rounds alternate which system goes first, so load from others hits both alike.
4. Prints per operation and system: count, mean, p50, p95, CPU per operation (driver process
   and PostgreSQL backend), the ratio peer/ours, whether ours is faster, and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
PEER_DIR = ROOT / "bench" / "portal_peer"
PEER_VENV = PEER_DIR / ".venv"
PEER_PYTHON = PEER_VENV / "bin" / "python"
HELPDESK = "django-helpdesk==2.6.1"
PEER_REQUIREMENTS = [HELPDESK, "psycopg[binary]==3.3.9"]
MARK = "PORTAL_PEER_RESULT "


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_peer_venv() -> None:
    """django-helpdesk in its own virtualenv (it pins another Django than ours)."""
    wanted = HELPDESK.split("==")[1]
    if PEER_PYTHON.exists():
        probe = subprocess.run(
            [
                str(PEER_PYTHON),
                "-c",
                "import importlib.metadata as m;print(m.version('django-helpdesk'))",
            ],
            capture_output=True,
            text=True,
        )
        if probe.stdout.strip() == wanted:
            return
    log(f"peer: creating {PEER_VENV} with {' '.join(PEER_REQUIREMENTS)}")
    # the project's own uv (./dev installs it) first; a `uv` on PATH may be a broken shim
    project_uv = ROOT / ".tools" / "bin" / "uv"
    uv = str(project_uv) if project_uv.exists() else shutil.which("uv")
    if uv:
        if not PEER_PYTHON.exists():
            # the interpreter our own venv was made from, not whatever `python` resolves to
            base = os.path.realpath(sys.executable)
            subprocess.run([uv, "venv", "--python", base, str(PEER_VENV)], check=True)
        install = [uv, "pip", "install", "--python", str(PEER_PYTHON)]
    else:
        if not PEER_PYTHON.exists():
            subprocess.run(["python3", "-m", "venv", str(PEER_VENV)], check=True)
        install = [str(PEER_PYTHON), "-m", "pip", "install", "-q"]
    subprocess.run([*install, *PEER_REQUIREMENTS], check=True)


def ensure_database(url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin = urlunparse(urlparse(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            log(f"creating database {name}")
            connection.execute(f'CREATE DATABASE "{name}"')


def run_driver(
    python: Path, script: str, arguments: list[str], env: dict[str, str]
) -> dict[str, Any]:
    completed = subprocess.run(
        [str(python), str(PEER_DIR / script), *arguments],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=ROOT,
    )
    if completed.returncode != 0:
        log(completed.stdout[-3000:])
        log(completed.stderr[-6000:])
        raise SystemExit(f"{script} failed with exit code {completed.returncode}")
    for line in completed.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    if completed.stderr.strip():
        log(completed.stderr.strip()[-2000:])
    return {}


def _commit() -> str:
    """The checked-out commit, marked when the working tree differs (it is shared)."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "src"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.strip()
    return f"{head}{'+changes' if dirty else ''}"


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "count": len(ordered),
        "mean_ms": round(1000 * statistics.fmean(ordered), 1),
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p95_ms": round(1000 * ordered[max(0, round(len(ordered) * 0.95) - 1)], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ours-db", default="postgres://ks@127.0.0.1:55432/ks_peer_ours")
    parser.add_argument("--peer-db", default="postgres://ks@127.0.0.1:55432/ks_peer_helpdesk")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=40, help="timed operations per round")
    parser.add_argument("--warmup", type=int, default=5, help="untimed operations per round")
    parser.add_argument("--queue", default="loen")
    parser.add_argument("--reload", action="store_true", help="load the peer's tickets again")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    ensure_peer_venv()
    ensure_database(args.peer_db)
    peer_env = {"PEER_DATABASE_URL": args.peer_db, "PYTHONPATH": str(PEER_DIR)}
    ours_env = {"DATABASE_URL": args.ours_db}
    setup_args = ["setup", "--ours-db", args.ours_db, *(["--reload"] if args.reload else [])]
    started = time.perf_counter()
    run_driver(PEER_PYTHON, "driver_helpdesk.py", setup_args, peer_env)
    log(f"peer: setup {time.perf_counter() - started:.0f} s")

    common = ["--repeat", str(args.repeat), "--warmup", str(args.warmup), "--queue", args.queue]
    load_before = os.getloadavg()
    wall_started = time.perf_counter()
    runs: dict[str, list[dict[str, Any]]] = {"ours": [], "peer": []}
    for round_no in range(args.rounds):
        order = ["ours", "peer"] if round_no % 2 == 0 else ["peer", "ours"]
        for system in order:
            label = f"r{round_no}"
            if system == "ours":
                result = run_driver(
                    Path(sys.executable), "driver_ours.py", [*common, "--label", label], ours_env
                )
            else:
                result = run_driver(
                    PEER_PYTHON,
                    "driver_helpdesk.py",
                    ["measure", *common, "--label", label],
                    peer_env,
                )
            runs[system].append(result)
            log(f"round {round_no + 1}/{args.rounds} {system}: done, load {os.getloadavg()[0]:.2f}")
    load_after = os.getloadavg()

    report: dict[str, Any] = {
        "benchmark": "portal_peer",
        "rounds": args.rounds,
        "repeat_per_round": args.repeat,
        "warmup_per_round": args.warmup,
        "commit": _commit(),
        "cpu_count": os.cpu_count(),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in load_after],
        "wall_s": round(time.perf_counter() - wall_started, 1),
        "systems": {},
        "operations": {},
    }
    for system, results in runs.items():
        meta = {k: v for k, v in results[0].items() if k != "results"}
        report["systems"][system] = meta
    for op in ("create", "queue_list"):
        entry: dict[str, Any] = {}
        for system, results in runs.items():
            chunks = [r for run in results for r in run["results"] if r["operation"] == op]
            samples = [s for c in chunks for s in c["samples_s"]]
            stats = summary(samples)
            stats["cpu_ms_per_op"] = round(1000 * sum(c["cpu_s"] for c in chunks) / len(samples), 1)
            stats["db_cpu_ms_per_op"] = round(
                1000 * sum(c["db_cpu_s"] for c in chunks) / len(samples), 1
            )
            stats["queries_per_op"] = round(sum(c["queries"] for c in chunks) / len(samples), 1)
            parts: dict[str, list[float]] = {}
            for chunk in chunks:
                for key, values in chunk["parts_s"].items():
                    parts.setdefault(key, []).extend(values)
            if parts:
                stats["parts"] = {key: summary(values) for key, values in parts.items()}
            entry[system] = stats
        ours, peer = entry["ours"], entry["peer"]
        entry["ratio_peer_over_ours"] = {
            key: round(peer[key] / ours[key], 2) if ours[key] else None
            for key in ("mean_ms", "p50_ms", "p95_ms", "cpu_ms_per_op", "db_cpu_ms_per_op")
        }
        entry["ours_faster"] = all(peer[key] > ours[key] for key in ("mean_ms", "p50_ms", "p95_ms"))
        report["operations"][op] = entry
    report["ours_faster_on_both"] = all(e["ours_faster"] for e in report["operations"].values())

    if args.json:
        print(json.dumps(report, indent=2))
        return
    for system, meta in report["systems"].items():
        print(
            f"{system:5} {meta['system']} (Django {meta['django']}): {meta['cases']:,} cases,"
            f" {meta['queues']} queues; queue {meta['queue']}: {meta['queue_cases']:,} cases,"
            f" {meta['queue_open']:,} open; page size {meta['page_size']},"
            f" rows on first page {meta['rows_on_page']};"
            f" e-mails per created case {meta['mails_per_create']}"
            + (
                f" (queued; the task worker sends each with {meta['worker_cpu_ms_per_mail']} ms"
                " CPU, outside the request)"
                if meta.get("worker_cpu_ms_per_mail")
                else ""
            )
        )
    print(
        f"{args.rounds} rounds x {args.repeat} timed (+{args.warmup} warm-up) per operation and"
        f" system, alternating order; {report['cpu_count']} CPUs; commit {report['commit']}"
    )
    header = (
        f"{'operation':11} {'system':5} {'n':>4} {'mean':>8} {'p50':>8} {'p95':>8}"
        f" {'cpu/op':>8} {'db cpu/op':>9} {'queries':>7}"
    )
    print(header)
    for op, entry in report["operations"].items():
        for system in ("ours", "peer"):
            s = entry[system]
            print(
                f"{op:11} {system:5} {s['count']:4} {s['mean_ms']:6.1f}ms {s['p50_ms']:6.1f}ms"
                f" {s['p95_ms']:6.1f}ms {s['cpu_ms_per_op']:6.1f}ms {s['db_cpu_ms_per_op']:7.1f}ms"
                f" {s['queries_per_op']:7}"
            )
            for part, p in s.get("parts", {}).items():
                print(
                    f"{'':17}   {part}: mean {p['mean_ms']} ms,"
                    f" p50 {p['p50_ms']} ms, p95 {p['p95_ms']} ms"
                )
        r = entry["ratio_peer_over_ours"]
        print(
            f"{op:11} ratio peer/ours: mean {r['mean_ms']}x, p50 {r['p50_ms']}x,"
            f" p95 {r['p95_ms']}x,"
            f" cpu {r['cpu_ms_per_op']}x, db cpu {r['db_cpu_ms_per_op']}x;"
            f" ours faster: {'yes' if entry['ours_faster'] else 'NO'}"
        )
    print(f"ours faster on both: {'yes' if report['ours_faster_on_both'] else 'NO'}")
    print(
        "load average before {} after {} (1/5/15 min); wall {} s".format(
            report["loadavg_before"], report["loadavg_after"], report["wall_s"]
        )
    )


if __name__ == "__main__":
    main()
