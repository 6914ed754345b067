"""Timing shared by both drivers of bench/portal_peer.py (standard library only).

Each driver runs in its own virtual environment (ours: Django 6, theirs: django-helpdesk on
Django 5.2) and imports this file, so both systems are timed by the same code: wall time per
operation, CPU time of the driver process (Django, templates, ORM) and CPU time of the
PostgreSQL backend serving that process (the queries), read from /proc on this machine, and
the number of SQL statements sent.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

_TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) used so far by one PostgreSQL backend process."""
    if not pid:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def measure(
    name: str, operation: Callable[[int], dict[str, float] | None], repeat: int, warmup: int
) -> dict[str, Any]:
    """Run ``operation(i)`` ``warmup`` times untimed, then ``repeat`` times timed.

    ``operation`` may return named part durations (seconds), which are kept per sample.
    """
    for i in range(warmup):
        operation(-1 - i)
    from django.db import connection

    pid = backend_pid()
    samples: list[float] = []
    parts: dict[str, list[float]] = {}
    queries = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries[0] += 1
        return execute(sql, params, many, context)

    cpu_start, db_start = time.process_time(), backend_cpu(pid)
    with connection.execute_wrapper(count):
        for i in range(repeat):
            started = time.perf_counter()
            split = operation(i)
            samples.append(time.perf_counter() - started)
            for key, value in (split or {}).items():
                parts.setdefault(key, []).append(value)
    cpu = time.process_time() - cpu_start
    db_cpu = backend_cpu(pid) - db_start
    return {
        "operation": name,
        "samples_s": samples,
        "parts_s": parts,
        "cpu_s": cpu,
        "db_cpu_s": db_cpu,
        "queries": queries[0],
    }


def emit(result: dict[str, Any]) -> None:
    """The driver's result as one JSON line on stdout, marked for the orchestrator."""
    sys.stdout.write("PORTAL_PEER_RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()
