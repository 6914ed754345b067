"""``ks rates import FILE...``, ``ks rates fetch [--url URL]`` and ``ks rates list
[--currency EUR]``: exchange rates.

``fetch`` downloads the day's rates (``FINANCE_EXCHANGE_RATES_URL``, by default Danmarks
Nationalbank's XML) and imports them the same way; a failed download is named and exits 2.
Schedule it daily after 16:00, when the bank publishes.

``import`` reads Danmarks Nationalbank's daily XML (English or Danish variant, ``746.08``
or ``746,08``) or a CSV of ``date;currency;rate`` lines (DKK per 100 units) and stores it in
one transaction per file: a bad file is named with its lines in Danish, exits 2 and changes
nothing; the same day again is a no-op (or updates the rates that changed; the output says
which). Only the finance roles that may post (``finance.post``) may import: exit 3 without.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from koncernservice.core.errors import DomainError
from koncernservice.core.management.base import KsCommand
from koncernservice.finance import selectors, services


class Command(KsCommand):
    help = "Exchange rates (Danmarks Nationalbank): import a file, list the stored rates."

    def add_command_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import", help="Import Danmarks Nationalbank's XML or a date;currency;rate CSV."
        )
        imp.add_argument("files", nargs="+", type=Path)
        fetch = sub.add_parser("fetch", help="Download the day's rates and import them.")
        fetch.add_argument("--url", default="", help="Address (default: Danmarks Nationalbank).")
        listing = sub.add_parser("list", help="List stored rates, newest first.")
        listing.add_argument("--currency", metavar="CODE", help="Only this currency (EUR).")
        listing.add_argument("--limit", type=int, default=50)
        for action in (imp, fetch, listing):
            action.add_argument("--json", action="store_true", help="Print the result as JSON.")
            action.add_argument("--as", dest="as_user", metavar="USER", help="Act as this user.")

    def run(self, **options: Any) -> tuple[Any, str]:
        return getattr(self, f"run_{options['action']}")(**options)

    def run_import(self, **options: Any) -> tuple[Any, str]:
        actor = self.actor(options)
        files: list[Path] = options["files"]
        for path in files:  # every file must be there before any is stored
            if not path.is_file():
                raise DomainError.single(_("No such file or folder."), field=str(path))
        with transaction.atomic():  # all the files or none
            results = [
                services.rates_import(actor=actor, data=path.read_bytes(), filename=str(path))
                for path in files
            ]
        return results, "\n".join(services.rates_import_summary(r) for r in results)

    def run_fetch(self, **options: Any) -> tuple[Any, str]:
        result = services.rates_fetch(actor=self.actor(options), url=options.get("url") or "")
        return result, services.rates_import_summary(result)

    def run_list(self, **options: Any) -> tuple[Any, str]:
        actor = self.actor(options)
        rates = selectors.exchange_rates(user=actor, currency=options.get("currency") or "")
        rows = [
            {
                "currency": r.currency,
                "date": r.date.isoformat(),
                "rate": str(r.rate),
                "source": r.source,
            }
            for r in rates[: max(1, options["limit"])]
        ]
        text = "\n".join(f"{r['date']} {r['currency']} {r['rate']}" for r in rows)
        return rows, text or _("No exchange rates.")
