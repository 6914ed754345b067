"""``ks paygap compute FILE`` (indicators of any payroll extract, nothing stored), ``import FILE
--year Y`` (the payroll's annual extract, all or nothing), ``sync --year Y`` (from the
platform's pay tables), ``flags --year Y`` (Art. 10 flags), ``assess`` (start the joint pay
assessments that are due), ``requests`` (Art. 7 requests and their deadlines), ``remind
--year Y`` (the yearly reminder of the right to information) and ``report --year Y``.

Exit status: 0 done, 2 bad input (every bad row named; nothing stored), 3 no access.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from koncernservice.core.errors import DomainError
from koncernservice.core.management.base import KsCommand, date_option
from koncernservice.core.models import OrgUnit
from koncernservice.paygap import rules, selectors, services
from koncernservice.paygap.files import read_check_file, read_extract
from koncernservice.paygap.models import InfoRequest


def as_json_numbers(value: Any) -> Any:
    """Decimals as JSON numbers (two decimals print exactly as floats' shortest repr)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: as_json_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json_numbers(v) for v in value]
    return value


class Command(KsCommand):
    help = "Pay transparency: compute indicators of a pay file, import pay, flags, reports."

    def add_command_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        compute = sub.add_parser(
            "compute", help="Print the Art. 9 indicators of a CSV/Excel file (nothing stored)."
        )
        compute.add_argument("file", type=Path)
        imp = sub.add_parser("import", help="Import the payroll's annual extract (all or nothing).")
        imp.add_argument("file", type=Path)
        imp.add_argument("--year", type=int, required=True)
        sync = sub.add_parser("sync", help="Take a year's pay from the platform's pay tables.")
        sync.add_argument("--year", type=int, required=True)
        flags = sub.add_parser("flags", help="Flag categories with a gap of 5 % or more.")
        flags.add_argument("--year", type=int, required=True)
        assess = sub.add_parser(
            "assess", help="Start joint pay assessments for flags unresolved after the deadline."
        )
        assess.add_argument("--on", help="Date (YYYY-MM-DD); default today.")
        requests = sub.add_parser("requests", help="Art. 7 requests: open and overdue.")
        requests.add_argument("--on", help="Date (YYYY-MM-DD); default today.")
        remind = sub.add_parser("remind", help="Send the yearly reminder of the right to ask.")
        remind.add_argument("--year", type=int, required=True)
        report = sub.add_parser("report", help="Prepare the annual report (a draft).")
        report.add_argument("--year", type=int, required=True)
        for action in (compute, imp, sync, flags, assess, requests, remind, report):
            action.add_argument("--json", action="store_true", help="Print the result as JSON.")
            action.add_argument("--as", dest="as_user", metavar="USER", help="Act as this user.")

    def run(self, **options: Any) -> tuple[dict[str, Any], str]:
        return getattr(self, f"run_{options['action']}")(**options)  # type: ignore[no-any-return]

    def run_compute(self, **options: Any) -> tuple[dict[str, Any], str]:
        workers = read_check_file(options["file"])
        data = rules.indicators(workers)
        lines = [
            _("%(n)d workers (%(f)d women, %(m)d men).")
            % {"n": len(workers), **{k.lower(): v for k, v in rules.counts(workers).items()}}
        ]
        for key in ("mean_gap", "median_gap", "mean_gap_complementary", "median_gap_complementary"):
            lines.append(f"  {key}: {_fmt(data[key])}")
        share = data["share_receiving_complementary"]
        lines.append(f"  share_receiving_complementary: F {_fmt(share['F'])}, M {_fmt(share['M'])}")
        for number, band in enumerate(data["quartiles"], start=1):
            lines.append(f"  quartile {number}: F {_fmt(band['F'])}, M {_fmt(band['M'])}")
        for name, gaps in data["categories"].items():
            lines.append(
                f"  {name}: basic_gap {_fmt(gaps['basic_gap'])}, "
                f"complementary_gap {_fmt(gaps['complementary_gap'])}"
            )
        return as_json_numbers(data), "\n".join(lines)

    def run_import(self, **options: Any) -> tuple[dict[str, Any], str]:
        actor = self.actor(options)
        rows = read_extract(options["file"])
        result = services.pay_import(
            actor=actor, rows=rows, year=options["year"], source=options["file"].name
        )
        text = _("%(file)s: %(rows)d rows for %(year)d (%(replaced)d replaced).") % result
        return result, text

    def run_sync(self, **options: Any) -> tuple[dict[str, Any], str]:
        result = services.pay_sync_from_platform(actor=self.actor(options), year=options["year"])
        return result, _("%(records)d pay records for %(year)d.") % result

    def run_flags(self, **options: Any) -> tuple[dict[str, Any], str]:
        actor = self.actor(options)
        created = []
        for entity in selectors.legal_entities():
            created += services.flags_refresh(actor=actor, entity=entity, year=options["year"])
        items = [
            {"category": f.category.name, "gap": str(f.gap), "deadline": f.deadline.isoformat()}
            for f in created
        ]
        lines = [_("%(n)d new flags.") % {"n": len(items)}]
        lines += [f"  {i['category']}: {i['gap']} % ({i['deadline']})" for i in items]
        return {"year": options["year"], "flagged": items}, "\n".join(lines)

    def run_assess(self, **options: Any) -> tuple[dict[str, Any], str]:
        started = services.assessments_start_due(
            actor=self.actor(options), today=date_option(options.get("on"), "--on")
        )
        items = [{"category": a.flag.category.name, "year": a.flag.year} for a in started]
        return {"started": items}, _("%(n)d joint pay assessments started.") % {"n": len(items)}

    def run_requests(self, **options: Any) -> tuple[dict[str, Any], str]:
        actor = self.actor(options)
        on = date_option(options.get("on"), "--on") or timezone.localdate()
        open_requests = selectors.info_requests(user=actor).filter(status=InfoRequest.Status.OPEN)
        items = [
            {
                "id": r.pk,
                "employee": r.employment.employee_number,
                "requested_on": r.requested_on.isoformat(),
                "due_on": r.due_on.isoformat(),
                "overdue": r.due_on < on,
            }
            for r in open_requests.order_by("due_on", "pk")
        ]
        overdue = sum(1 for i in items if i["overdue"])
        text = _("%(n)d open requests, %(o)d overdue.") % {"n": len(items), "o": overdue}
        return {"open": items, "overdue": overdue}, text

    def run_remind(self, **options: Any) -> tuple[dict[str, Any], str]:
        reminder = services.reminder_send(actor=self.actor(options), year=options["year"])
        return {"year": reminder.year, "recipients": reminder.recipients}, _(
            "Reminder sent to %(n)d employees."
        ) % {"n": reminder.recipients}

    def run_report(self, **options: Any) -> tuple[dict[str, Any], str]:
        actor = self.actor(options)
        entity = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
        if entity is None:
            raise DomainError.single(_("There is no organisation."), code="no_entity")
        report = services.report_prepare(actor=actor, entity=entity, year=options["year"])
        head = report.data["sections"][0]
        return {"id": report.pk, "status": report.status, **head}, _(
            "Report %(y)d for %(u)s prepared (draft)."
        ) % {"y": report.year, "u": entity.name}


def _fmt(value: Decimal | None) -> str:
    return "–" if value is None else f"{value} %"
