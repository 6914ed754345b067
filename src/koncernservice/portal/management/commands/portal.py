"""``ks portal sweep-sla``, ``case``, ``catalogue``, ``mail-import [DIR | --imap]``, ...: the
portal's CLI."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from koncernservice.core.errors import DomainError
from koncernservice.core.management.base import KsCommand
from koncernservice.portal import selectors, services


class Command(KsCommand):
    help = "Service portal: SLA sweep, case look-up and the service catalogue."

    def add_command_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sweep = sub.add_parser("sweep-sla", help="Record due SLA warnings and breaches.")
        retention = sub.add_parser("retention", help="Anonymise cases past their retention period.")
        mail = sub.add_parser(
            "mail-import",
            help="Read inbound e-mail into cases: .eml files from a folder (then moved), or "
            "the IMAP mailbox of the KS_MAIL_IMAP_* settings with --imap.",
        )
        mail.add_argument("folder", nargs="?", help="Folder of .eml files (not with --imap).")
        mail.add_argument(
            "--imap", action="store_true", help="Poll the IMAP mailbox (KS_MAIL_IMAP_*)."
        )
        mail.add_argument(
            "--limit", type=int, default=200, help="At most this many IMAP messages per run."
        )
        mail.add_argument("--service", default="andet", help="Service of new cases.")
        hooks = sub.add_parser("webhooks", help="Send due webhook deliveries (outbox).")
        telephony = sub.add_parser(
            "calls-import", help="Import the telephony system's call records (CSV)."
        )
        telephony.add_argument("file", help="CSV with columns time;queue;wait;talk")
        show = sub.add_parser("case", help="Show one case (within the user's access).")
        show.add_argument("number")
        catalogue = sub.add_parser("catalogue", help="List the service catalogue.")
        reviews = sub.add_parser(
            "review-reminders",
            help="E-mail owners of knowledge articles due for review (run daily).",
        )
        reviews.add_argument(
            "--days", type=int, default=14, help="Remind this many days before the review date."
        )
        for action in (sweep, retention, mail, hooks, telephony, show, catalogue, reviews):
            action.add_argument("--json", action="store_true", help="Print the result as JSON.")
            action.add_argument("--as", dest="as_user", metavar="USER")

    def run(self, **options: Any) -> tuple[dict[str, Any], str]:
        actor = self.actor(options)
        action = options["action"]
        if action == "sweep-sla":
            counts = services.sla_sweep()
            counts["closed"] = services.auto_close()
            text = (
                _("Checked %(checked)d timers: %(breached)d breached, %(closed)d closed.") % counts
            )
            return counts, text
        if action == "retention":
            counts = services.retention_run()
            text = _("Anonymised %(cases)d cases, removed %(entries)d timeline entries.") % counts
            return counts, text
        if action == "review-reminders":
            if not 0 <= options["days"] <= 365:
                raise DomainError.single(_("Give 0 to 365 days."), field="days")
            counts = services.article_review_reminders(days=options["days"])
            text = (
                _(
                    "%(due)d articles due for review: %(reminded)d owners reminded, %(no_owner)d "
                    "without an owner with e-mail."
                )
                % counts
            )
            return counts, text
        if action == "webhooks":
            counts = services.webhook_deliver()
            text = _("%(sent)d sent, %(retry)d to retry, %(failed)d failed.") % counts
            return counts, text
        if action == "calls-import":
            import csv
            from pathlib import Path

            path = Path(options["file"])
            if not path.is_file():
                raise DomainError.single(_("File not found: %(f)s") % {"f": path}, field="file")
            try:
                lines = path.read_text(encoding="utf-8-sig").splitlines()
            except UnicodeDecodeError:
                raise DomainError.single(_("The file is not UTF-8 text."), field="file") from None
            if not lines:
                raise DomainError.single(_("The file is empty."), field="file")
            delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
            counts = services.telephony_import(
                rows=list(csv.DictReader(lines, delimiter=delimiter))
            )
            text = _("%(imported)d imported, %(skipped)d already there.") % counts
            if counts["unknown"]:
                text += " " + _(
                    "%(n)d calls from a telephony queue no team answers: %(names)s "
                    "(set it on the team's queue page)."
                ) % {"n": counts["unknown"], "names": ", ".join(counts["unknown_queues"])}
            return counts, text
        if action == "mail-import":
            return self.mail_import(options)
        if action == "case":
            case = (
                selectors.cases_visible(user=actor)
                .select_related("service", "queue")
                .filter(number=options["number"].upper())
                .first()
            )
            if case is None:
                raise DomainError.single(
                    _("The case does not exist."), field="number", code="not_found", status=404
                )
            data = {
                "number": case.number,
                "title": case.title,
                "state": case.state,
                "priority": case.priority,
                "service": case.service.code,
                "queue": case.queue.code,
                "created_at": case.created_at.isoformat(),
                "timers": [
                    {
                        "kind": item["timer"].kind,
                        "status": item["state"].status.value,
                        "deadline": item["state"].deadline.isoformat()
                        if item["state"].deadline
                        else None,
                        "percent": item["state"].percent,
                    }
                    for item in selectors.case_sla(case=case)
                ],
            }
            return data, f"{case.number} {case.title} ({case.get_state_display()})"
        rows = [
            {"area": area.name, "code": s.code, "name": s.name, "queue": s.default_queue_id}
            for area, items in selectors.catalogue(user=actor)
            for s in items
        ]
        return {"services": rows}, "\n".join(f"{r['code']:30} {r['name']}" for r in rows)

    def mail_import(self, options: dict[str, Any]) -> tuple[dict[str, Any], str]:
        from pathlib import Path

        from koncernservice.portal.models import Service

        service = Service.objects.filter(code=options["service"]).first()
        if options["imap"]:
            return self.mail_imap(options, service)
        folder = Path(options["folder"] or "")
        if not options["folder"] or not folder.is_dir() or service is None:
            raise DomainError.single(
                _("Unknown folder or service."), field="folder", code="not_found"
            )
        done = folder / "behandlet"
        failed = folder / "afvist"
        done.mkdir(exist_ok=True)
        failed.mkdir(exist_ok=True)
        results = []
        for path in sorted(folder.glob("*.eml")):
            try:
                result = services.mail_ingest(raw=path.read_bytes(), default_service=service)
            except DomainError as exc:
                result = {
                    "status": "rejected",
                    "reason": exc.errors[0].code if exc.errors else "invalid",
                    "case": "",
                }
            target = done if result["status"] != "rejected" else failed
            path.rename(target / path.name)
            results.append({"file": path.name, **result})
        counts = {
            status: sum(1 for r in results if r["status"] == status)
            for status in ("reply", "created", "duplicate", "rejected")
        }
        text = _("%(reply)d replies, %(created)d new cases, %(rejected)d refused.") % counts
        return {"files": results, **counts}, text

    def mail_imap(self, options: dict[str, Any], service: Any) -> tuple[dict[str, Any], str]:
        from koncernservice.portal import mailbox

        if options["folder"]:
            raise DomainError.single(_("Give a folder or --imap, not both."), field="folder")
        if service is None:
            raise DomainError.single(
                _("Unknown folder or service."), field="service", code="not_found"
            )
        if not 1 <= options["limit"] <= 10_000:
            raise DomainError.single(_("Give a limit of 1 to 10,000."), field="limit")
        result = mailbox.poll(default_service=service, limit=options["limit"])
        text = (
            _(
                "%(reply)d replies, %(created)d new cases, %(duplicate)d already read, "
                "%(failed)d refused (kept in the failed folder or flagged)."
            )
            % result
        )
        return result, text
