"""``ks worktime check FILE`` (working-time rules), ``import FILE``, ``balance``, ``close``.

``check`` reads a time file (see :mod:`koncernservice.worktime.files`) and prints the
violations of the 11-hour daily rest, the 35-hour weekly rest and the 48-hour average; it
exits 0 whether or not there are violations, and 2 (naming every bad row) when the file is
not valid. ``import`` writes the file all or nothing, within the ``--as`` user's scope.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from koncernservice.core.errors import DomainError
from koncernservice.core.management.base import KsCommand, date_option
from koncernservice.core.models import Employment, OrgUnit
from koncernservice.worktime import selectors, services
from koncernservice.worktime.files import check_rows, read_time_file
from koncernservice.worktime.models import WorkPattern


class Command(KsCommand):
    help = "Time registration: check a time file against the working-time rules, import it."

    def add_command_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="List working-time violations in a time file.")
        check.add_argument("file", type=Path)
        check.add_argument(
            "--warnings",
            action="store_true",
            help="Also list near-violations (46+ h average) and agreed rest reductions.",
        )
        imp = sub.add_parser("import", help="Import a time file (all or nothing).")
        imp.add_argument("file", type=Path)
        imp.add_argument("--reason", default="", help="Needed to change approved months.")
        balance = sub.add_parser("balance", help="An employee's holiday balance.")
        balance.add_argument("employee", help="Employee number.")
        balance.add_argument("--on", help="Date (YYYY-MM-DD); default today.")
        close = sub.add_parser("close", help="Close a unit's month for payroll.")
        close.add_argument("unit", help="Unit code.")
        close.add_argument("month", help="YYYY-MM")
        for action in (check, imp, balance, close):
            action.add_argument("--json", action="store_true", help="Print the result as JSON.")
            action.add_argument("--as", dest="as_user", metavar="USER", help="Act as this user.")

    def run(self, **options: Any) -> tuple[dict[str, Any], str]:
        return getattr(self, f"run_{options['action']}")(**options)

    def run_check(self, **options: Any) -> tuple[dict[str, Any], str]:
        rows = read_time_file(options["file"])
        reduced = frozenset(
            WorkPattern.objects.filter(reduced_rest_allowed=True).values_list(
                "employment__employee_number", flat=True
            )
        )
        violations, warnings = check_rows(rows, reduced_rest=reduced)
        data: dict[str, Any] = {"violations": violations}
        if options["warnings"]:
            data["warnings"] = warnings
        lines = [_("%(rows)d rows, %(n)d violations.") % {"rows": len(rows), "n": len(violations)}]
        for item in violations + (warnings if options["warnings"] else []):
            lines.append(
                f"  {item['employee']} {item['rule']} {item['start']} – {item['end']}: "
                f"{item['value']} ({_('limit')} {item['limit']})"
            )
        return data, "\n".join(lines)

    def run_import(self, **options: Any) -> tuple[dict[str, Any], str]:
        actor = self.actor(options)
        rows = read_time_file(options["file"])
        result = services.entries_import(
            actor=actor, rows=rows, source=options["file"].name, reason=options["reason"]
        )
        text = _("%(file)s: %(rows)d rows, %(created)d entries for %(employees)d employees.") % (
            result
        )
        return result, text

    def run_balance(self, **options: Any) -> tuple[dict[str, Any], str]:
        actor = self.actor(options)
        on = date_option(options.get("on"), "--on") or timezone.localdate()
        employment = Employment.objects.filter(employee_number=options["employee"]).first()
        if employment is None or not selectors.may_view(actor, employment):
            raise DomainError.single(
                _("Unknown employee number, or one you may not see."),
                field="employee",
                code="unknown_employee",
            )
        data = selectors.holiday_balances(employment=employment, on=on)
        lines = [f"{employment.employee_number} {on}"]
        for account, years in data.items():
            for year in years:
                lines.append(
                    f"  {account} {year['holiday_year']}: {_('remaining')} {year['remaining']}"
                )
        return {"employee": employment.employee_number, "on": on.isoformat(), **data}, "\n".join(
            lines
        )

    def run_close(self, **options: Any) -> tuple[dict[str, Any], str]:
        actor = self.actor(options)
        unit = OrgUnit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise DomainError.single(_("Unknown unit code."), field="unit", code="unknown_unit")
        month = date_option(f"{options['month']}-01", "month")
        assert month is not None
        closing = services.month_close(actor=actor, unit=unit, month=month)
        return {"unit": unit.code, "month": f"{closing.month:%Y-%m}", "closed": True}, _("Closed.")
