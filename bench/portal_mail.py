"""Inbound e-mail: the IMAP poll against the folder import of the same messages, in one run.

Usage: .venv/bin/python bench/portal_mail.py [--messages 300] [--json]
       DATABASE_URL=postgres://ks@127.0.0.1:55432/ks_bench_mail \
           .venv/bin/python bench/portal_mail.py

Builds a fresh database (SQLite in a temporary folder unless DATABASE_URL names a PostgreSQL
database, which is created and dropped), the tests' small municipality and portal, and N
messages: one third replies to existing cases (by In-Reply-To), one third new cases, and one
third refused (unknown sender). Then, timed:

* baseline: the N messages as ``.eml`` files through ``mail_ingest``, as the folder import
  (``ks portal mail-import DIR``) does them (without moving the files);
* the IMAP poll (``ks portal mail-import --imap``) of N *other* messages (new Message-IDs)
  through a real IMAP conversation over TLS with the tests' IMAP4rev1 server in a thread;
* a second IMAP poll of the same mailbox (nothing waiting: the cost of an idle minute);
* a re-poll of N messages already read (the interrupted-run case: all ``duplicate``).

Prints wall and CPU time (this process: the poller, Django and the fake server's thread), per
message, messages per second, the ratio IMAP/folder and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]


def timed(fn: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ks-bench-mail-"))
    os.environ.setdefault("KS_VAR_DIR", str(work))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koncernservice.settings")
    postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()  # e-mail to memory (locmem), like the tests
    import logging

    logging.getLogger("koncernservice.portal.mailbox").setLevel(logging.ERROR)
    created_db = None
    if postgres:  # a throw-away test_<name> database, dropped at the end
        created_db = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    else:
        call_command("migrate", verbosity=0)
    try:
        results = run(args.messages, work)
    finally:
        if created_db:
            connection.creation.destroy_test_db(created_db, verbosity=0)
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        report(results)


def run(n: int, work: Path) -> dict[str, Any]:
    from tests.conftest import build_world
    from tests.portal.conftest import build_portal
    from tests.portal.imap_server import FakeImapServer
    from tests.portal.test_views import make_case

    from koncernservice.portal import mailbox, services
    from koncernservice.portal.models import Case, Service

    portal = build_portal(build_world())
    other = Service.objects.create(
        area=portal.salary.area, code="andet", name="Andet", default_queue=portal.general
    )
    cases = [make_case(portal, title=f"Sag {i}") for i in range(20)]

    def message(batch: str, i: int) -> bytes:
        kind = i % 3
        sender = "ukendt@example.com" if kind == 2 else "laerer@example.kk.dk"
        headers = [f"From: {sender}", "To: ks@kk.dk", f"Message-ID: <{batch}-{i}@bench.kk.dk>"]
        if kind == 0:
            case = cases[i % len(cases)]
            headers += [f"Subject: SV: [{case.number}]", f"In-Reply-To: <{case.number}.x@kk>"]
        else:
            headers.append(f"Subject: Spørgsmål nummer {i} om løn og ferie")
        headers.append("Content-Type: text/plain; charset=utf-8")
        body = "Hej KS\r\n\r\n" + "Her er mere tekst om sagen. " * 20 + "\r\n> citat\r\n"
        return ("\r\n".join(headers) + "\r\n\r\n" + body).encode()

    folder = work / "mail-in"
    folder.mkdir()
    for i in range(n):
        (folder / f"{i:06d}.eml").write_bytes(message("folder", i))

    def folder_import() -> dict[str, int]:
        counts = {"reply": 0, "created": 0, "rejected": 0}
        for path in sorted(folder.glob("*.eml")):
            result = services.mail_ingest(raw=path.read_bytes(), default_service=other)
            counts[result["status"]] = counts.get(result["status"], 0) + 1
        return counts

    base_counts, base_wall, base_cpu = timed(folder_import)
    results: dict[str, Any] = {
        "messages": n,
        "folder": {"counts": base_counts, "wall_s": base_wall, "cpu_s": base_cpu},
    }
    with FakeImapServer(work, tls="starttls") as server:
        for i in range(n):
            server.add(message("imap", i))
        config = mailbox.ImapConfig(
            host="localhost",
            port=server.port,
            security="starttls",
            user=server.user,
            password=server.password,
            done_folder="Behandlet",
            failed_folder="Afvist",
            ca_file=str(server.cert_file),
        )
        poll = lambda: mailbox.poll(default_service=other, config=config, limit=n)  # noqa: E731
        first, wall, cpu = timed(poll)
        results["imap"] = {
            "counts": {k: first[k] for k in ("reply", "created", "duplicate", "failed")},
            "wall_s": wall,
            "cpu_s": cpu,
        }
        idle, wall, cpu = timed(poll)
        results["imap_idle"] = {"messages": len(idle["messages"]), "wall_s": wall, "cpu_s": cpu}
        # Put the handled messages back: an interrupted run read them, the next finds them.
        for _uid, raw, _flags in server.snapshot()["Behandlet"]:
            server.add(raw)
        cases_before = Case.objects.count()
        again, wall, cpu = timed(poll)
        results["imap_reread"] = {
            "duplicate": again["duplicate"],
            "new_cases": Case.objects.count() - cases_before,
            "wall_s": wall,
            "cpu_s": cpu,
        }
    results["ratio_imap_to_folder_wall"] = results["imap"]["wall_s"] / base_wall
    results["ratio_imap_to_folder_cpu"] = results["imap"]["cpu_s"] / base_cpu
    results["loadavg"] = os.getloadavg()
    from django.db import connection

    results["database"] = connection.vendor
    return results


def report(r: dict[str, Any]) -> None:
    n = r["messages"]
    print(f"inbound e-mail, {n} messages each (1/3 replies, 1/3 new cases, 1/3 refused)")
    print(f"database {r['database']}, load average {tuple(round(x, 2) for x in r['loadavg'])}")
    for key, label in (("folder", "folder import (baseline)"), ("imap", "IMAP poll (STARTTLS)")):
        row = r[key]
        print(
            f"  {label:28} {row['wall_s']:7.2f} s wall {row['cpu_s']:7.2f} s CPU  "
            f"{1000 * row['wall_s'] / n:6.1f} ms/message  {n / row['wall_s']:6.1f} messages/s  "
            f"{row['counts']}"
        )
    idle = r["imap_idle"]
    print(
        f"  IMAP poll, nothing waiting    {idle['wall_s']:7.3f} s wall {idle['cpu_s']:7.3f} s CPU"
    )
    again = r["imap_reread"]
    print(
        f"  IMAP re-read of {n} handled   {again['wall_s']:7.2f} s wall {again['cpu_s']:7.2f} s CPU"
        f"  duplicate {again['duplicate']}, new cases {again['new_cases']}"
    )
    print(
        f"  ratio IMAP/folder: wall {r['ratio_imap_to_folder_wall']:.2f}, "
        f"CPU {r['ratio_imap_to_folder_cpu']:.2f}"
    )


if __name__ == "__main__":
    main()
