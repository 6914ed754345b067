"""``ks payments proposal``, ``ks payments file RUN``, ``ks payments reconcile FILE``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from koncernservice.core.errors import DomainError
from koncernservice.core.management.base import KsCommand, date_option
from koncernservice.finance import services
from koncernservice.finance.models import PaymentRun


class Command(KsCommand):
    help = "Payments: propose a payment run, write its pain.001 file, reconcile camt files."

    def add_command_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        proposal = sub.add_parser("proposal", help="Propose payment of invoices due by a date.")
        proposal.add_argument(
            "--until", help="Due date limit (YYYY-MM-DD); default today + 5 days."
        )
        proposal.add_argument("--run-date", help="Payment run date; default today.")
        file = sub.add_parser("file", help="Write the pain.001 file of a payment run.")
        file.add_argument("run", type=int, help="Payment run id.")
        file.add_argument("--out", type=Path, help="File to write; default stdout.")
        reconcile = sub.add_parser("reconcile", help="Reconcile a camt.054 or camt.053 file.")
        reconcile.add_argument("file", type=Path)
        for action in (proposal, file, reconcile):
            action.add_argument("--json", action="store_true", help="Print the result as JSON.")
            action.add_argument("--as", dest="as_user", metavar="USER", help="Act as this user.")

    def run(self, **options: Any) -> tuple[Any, str]:
        return getattr(self, f"run_{options['action']}")(**options)

    def run_proposal(self, **options: Any) -> tuple[Any, str]:
        today = timezone.localdate()
        until = date_option(options.get("until"), "--until") or today + dt.timedelta(days=5)
        run_date = date_option(options.get("run_date"), "--run-date") or today
        result = services.payment_proposal(
            actor=self.actor(options), until=until, run_date=run_date
        )
        text = _("Payment run %(run)s: %(payments)d payments, %(total)s DKK.") % result
        return result, text

    def run_file(self, **options: Any) -> tuple[Any, str]:
        run = PaymentRun.objects.filter(pk=options["run"]).first()
        if run is None:
            raise DomainError.single(_("Unknown payment run."), field="run", code="unknown_run")
        content = services.payment_file(actor=self.actor(options), run=run)
        if options.get("out"):
            options["out"].write_bytes(content)
            return {"run": run.pk, "file": str(options["out"]), "bytes": len(content)}, _(
                "Written: %(file)s"
            ) % {"file": options["out"]}
        return {"run": run.pk, "pain001": content.decode("utf-8")}, content.decode("utf-8")

    def run_reconcile(self, **options: Any) -> tuple[Any, str]:
        path: Path = options["file"]
        if not path.is_file():
            raise DomainError.single(_("No such file or folder."), field=str(path))
        result = services.payments_reconcile(
            actor=self.actor(options), data=path.read_bytes(), filename=str(path)
        )
        done, warning = services.reconcile_summary(result)
        return result, f"{done} {warning}".strip()
