"""``ks import org FILE`` and ``ks import employees FILE`` (CSV or .xlsx)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from koncernservice.core.importers import IMPORTERS
from koncernservice.core.management.base import KsCommand


class Command(KsCommand):
    help = "Import the organisation or employees from a CSV or Excel (.xlsx) file."

    def add_command_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(IMPORTERS), help="What the file holds.")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="Import the good rows and list the skipped ones (default: all or nothing).",
        )

    def run(self, **options: Any) -> tuple[dict[str, Any], str]:
        importer = IMPORTERS[options["kind"]]
        result = importer(
            options["file"], actor=self.actor(options), skip_bad_rows=options["skip_bad_rows"]
        )
        lines = [
            _(
                "%(file)s: %(rows)d rows, %(created)d created, %(updated)d updated, "
                "%(unchanged)d unchanged, %(skipped)d skipped."
            )
            % {**result.as_dict(), "skipped": len(result.skipped)}
        ]
        lines += [f"  {_('Skipped')}: {error}" for error in result.skipped]
        return result.as_dict(), "\n".join(lines)
