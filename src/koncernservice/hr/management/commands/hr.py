"""``ks hr place --input FILE.json``, ``ks hr import-paytable FILE``, ``ks hr extract FILE``,
``ks hr retention``.

``place`` prints a placement with its explanation (the input format is in docs/hr.md);
``import-paytable`` imports a pay table (CSV or Excel) all or nothing, naming every bad row and
column; ``extract`` runs the assistant on a CV text file and prints the proposed items (to be
confirmed by a caseworker; nothing is stored); ``retention`` deletes applicant data past the
retention period (for a scheduled job).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from koncernservice.core.errors import DomainError
from koncernservice.core.management.base import KsCommand
from koncernservice.hr import assistant, services
from koncernservice.hr.files import read_pay_rows


class Command(KsCommand):
    help = "HR: salary placement, pay-table import, CV extraction, applicant data retention."

    def add_command_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        place = sub.add_parser("place", help="Compute a salary placement with its explanation.")
        place.add_argument("--input", required=True, type=Path, help="Placement input (JSON).")
        imp = sub.add_parser("import-paytable", help="Import a pay table (CSV/xlsx).")
        imp.add_argument("file", type=Path)
        extract = sub.add_parser("extract", help="Propose placement input from a CV text.")
        extract.add_argument("file", type=Path)
        retention = sub.add_parser("retention", help="Delete applicant data past retention.")
        retention.add_argument(
            "--dry-run", action="store_true", help="Only count what would be deleted."
        )
        for action in (place, imp, extract, retention):
            action.add_argument("--json", action="store_true", help="Print the result as JSON.")
            action.add_argument("--as", dest="as_user", metavar="USER", help="Act as this user.")

    def run(self, **options: Any) -> tuple[dict[str, Any], str]:
        return getattr(self, "run_" + options["action"].replace("-", "_"))(**options)

    def run_place(self, **options: Any) -> tuple[dict[str, Any], str]:
        actor = self.actor(options)
        data = _read_json(options["input"])
        overrides = services.overrides_from_data(data.get("overrides"))
        result = services.placement_compute(actor=actor, data=data, overrides=overrides)
        out = result.as_dict()
        step_label, rule_label = _("pay step"), _("rule")
        input_label, reason_label = _("input"), _("reason")
        lines = [
            f"{result.agreement} {result.version} {result.job_category}: "
            f"{step_label} {result.pay_step}, {result.monthly} kr./md., "
            f"{result.hourly} kr./t"
        ]
        for line in result.lines:
            mark = " *" if line.overridden else ""
            lines.append(f"  {line.label}: {line.value}{mark}")
            lines.append(f"      {rule_label}: {line.rule}")
            lines.append(f"      {input_label}: {line.inputs}")
            if line.reason:
                lines.append(f"      {reason_label}: {line.reason}")
        return out, "\n".join(lines)

    def run_import_paytable(self, **options: Any) -> tuple[dict[str, Any], str]:
        actor = self.actor(options)
        rows = read_pay_rows(options["file"])
        result = services.paytable_import(actor=actor, rows=rows, source=options["file"].name)
        text = [_("%(rows)d rows imported.") % {"rows": result["rows"]}]
        for v in result["versions"]:
            text.append(f"  {v['agreement']} {v['version']} {v['valid_from']}: {v['steps']}")
        return result, "\n".join(text)

    def run_extract(self, **options: Any) -> tuple[dict[str, Any], str]:
        try:
            text = options["file"].read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DomainError.single(
                _("The file cannot be read: %(e)s") % {"e": exc}, field="file", code="file"
            ) from exc
        proposal = assistant.extract(text)
        data = proposal.as_dict()
        source_label = _("source")
        lines = [f"{source_label}: {proposal.source}"]
        for item in proposal.items:
            lines.append(f"  [{item.kind}] {item.describe()} ({item.source})")
        for warning in proposal.warnings:
            lines.append(f"  ! {warning}")
        return data, "\n".join(lines)

    def run_retention(self, **options: Any) -> tuple[dict[str, Any], str]:
        actor = self.actor(options)
        result = services.applications_retention(actor=actor, dry_run=options["dry_run"])
        return result, _("%(deleted)d applications deleted.") % result


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DomainError.single(
            _("The file cannot be read: %(e)s") % {"e": exc.strerror}, field="--input", code="file"
        ) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DomainError.single(
            _("The file is not valid JSON: %(e)s") % {"e": exc}, field="--input", code="json"
        ) from exc
    if not isinstance(data, dict):
        raise DomainError.single(_("The input must be a JSON object."), field="--input")
    return data
