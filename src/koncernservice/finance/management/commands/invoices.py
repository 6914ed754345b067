"""``ks invoices validate FILE...``, ``import PATH...``, ``inbox``, ``escalate``, ``post``.

``validate`` checks files only (nothing is stored) and prints one JSON object per file:
``file``, ``format`` (``oioubl``/``peppol``/null), ``valid`` (no fatal errors) and
``errors`` (``rule``, ``severity``, ``location``, ``message``); it exits 0 when every file
could be read, valid or not, and 2 (after printing the results) when a file could not be
opened. ``import`` ingests files and the XML files of folders;
``inbox`` processes the access point's drop folder (a scheduled job).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from koncernservice.core.management.base import EXIT_INVALID, KsCommand, date_option
from koncernservice.finance import services
from koncernservice.finance.einvoice import validate_files


class Command(KsCommand):
    help = "E-invoices: validate files, import files or folders, process the inbox folder."

    def add_command_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        validate = sub.add_parser("validate", help="Validate e-invoice files (nothing stored).")
        validate.add_argument("files", nargs="+", type=Path)
        imp = sub.add_parser("import", help="Import e-invoice files or folders.")
        imp.add_argument("paths", nargs="+", type=Path)
        imp.add_argument("--batch-size", type=int, default=500)
        imp.add_argument(
            "--workers", type=int, default=1, help="Processes (PostgreSQL; e.g. one per core)."
        )
        inbox = sub.add_parser("inbox", help="Process the inbox folder (access point drop).")
        inbox.add_argument("--dir", type=Path, default=None, help="Default: KS_EINVOICE_INBOX.")
        inbox.add_argument(
            "--large", action="store_true", help="Process the large/ queue (time limit per file)."
        )
        escalate = sub.add_parser("escalate", help="Escalate invoices close to their due date.")
        escalate.add_argument("--days", type=int, default=3)
        post = sub.add_parser("post", help="Post approved invoices to the journal.")
        post.add_argument("--on", help="Posting date (YYYY-MM-DD); default today.")
        for action in (validate, imp, inbox, escalate, post):
            action.add_argument("--json", action="store_true", help="Print the result as JSON.")
            action.add_argument("--as", dest="as_user", metavar="USER", help="Act as this user.")

    def run(self, **options: Any) -> tuple[Any, str]:
        return getattr(self, f"run_{options['action']}")(**options)

    def run_validate(self, **options: Any) -> tuple[Any, str]:
        results = validate_files([str(p) for p in options["files"]])
        lines = []
        for result in results:
            verdict = _("valid") if result["valid"] else _("not valid")
            lines.append(f"{result['file']}: {result['format'] or '-'} {verdict}")
            for error in result["errors"]:
                lines.append(
                    f"  {error['severity']} {error['rule']} {error['location']}: {error['message']}"
                )
        if any(e["rule"] == "KS-READ" for r in results for e in r["errors"]):
            # A file that could not be opened: print the results, then exit 2.
            if options.get("json"):
                self.stdout.write(json.dumps(results, ensure_ascii=False, indent=2))
            else:
                self.stdout.write("\n".join(lines))
            sys.exit(EXIT_INVALID)
        return results, "\n".join(lines)

    def run_import(self, **options: Any) -> tuple[Any, str]:
        actor = self.actor(options)
        results = services.invoices_import(
            actor=actor,
            paths=options["paths"],
            batch_size=max(1, options["batch_size"]),
            workers=max(1, options["workers"]),
        )
        return results, _summary(results)

    def run_inbox(self, **options: Any) -> tuple[Any, str]:
        actor = self.actor(options)
        result = services.inbox_process(
            actor=actor, folder=options["dir"], large=options.get("large", False)
        )
        return result, _summary(result["results"])

    def run_escalate(self, **options: Any) -> tuple[Any, str]:
        count = services.invoices_escalate(actor=self.actor(options), days=options["days"])
        return {"escalated": count}, _("%(n)d invoices escalated.") % {"n": count}

    def run_post(self, **options: Any) -> tuple[Any, str]:
        on = date_option(options.get("on"), "--on")
        result = services.invoices_post(actor=self.actor(options), on=on)
        text = _("%(invoices)d invoices posted in %(lines)d journal lines.") % result
        return result, "\n".join([text, *(u["message"] for u in result["unposted"])])


def _summary(results: list[dict[str, Any]]) -> str:
    lines = []
    for result in results:
        reasons = ", ".join(
            sorted({e["rule"] for e in result["errors"] if e["severity"] == "fatal"})
        )
        lines.append(f"{result['file']}: {result['status']} {reasons}".rstrip())
    counts = {
        s: sum(1 for r in results if r["status"] == s) for s in ("received", "rejected", "error")
    }
    lines.append(
        _("%(received)d received, %(rejected)d rejected, %(error)d not readable.") % counts
    )
    return "\n".join(lines)
