"""``ks org units`` and ``ks org employees``: the organisation and its people, scoped by --as."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from koncernservice.core import selectors
from koncernservice.core.errors import DomainError
from koncernservice.core.management.base import KsCommand
from koncernservice.core.models import OrgUnit, subtree_q


class Command(KsCommand):
    help = "List units or a unit's employees (what the acting user may see)."

    def add_command_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        units = sub.add_parser("units", help="Units in scope, optionally below a unit.")
        units.add_argument("--under", metavar="CODE", help="Only this unit and those below it.")
        employees = sub.add_parser("employees", help="Current employments of a unit.")
        employees.add_argument("code", metavar="CODE")
        employees.add_argument("--subunits", action="store_true", help="Include units below.")
        for action in (units, employees):
            action.add_argument("--json", action="store_true", help="Print the result as JSON.")
            action.add_argument("--as", dest="as_user", metavar="USER", help="Act as this user.")

    def run(self, **options: Any) -> tuple[dict[str, Any], str]:
        actor = self.actor(options)
        if options["action"] == "units":
            units = selectors.units_visible(user=actor).select_related("cost_centre")
            if options.get("under"):
                root = self._unit(actor, options["under"])
                units = units.filter(subtree_q("path", [root.path]))
            rows = [
                {
                    "code": u.code,
                    "name": u.name,
                    "kind": u.kind,
                    "depth": u.depth,
                    "parent_id": u.parent_id,
                    "id": u.pk,
                    "gln": u.gln,
                    "cost_centre": u.cost_centre.code if u.cost_centre else None,
                }
                for u in units.order_by("path")
            ]
            text = "\n".join(f"{'  ' * r['depth']}{r['code']}  {r['name']}" for r in rows)
            return {"units": rows}, text
        unit = self._unit(actor, options["code"])
        employments = selectors.unit_employments(
            user=actor, unit=unit, include_subunits=options["subunits"]
        ).order_by("person__last_name", "person__first_name", "pk")
        rows = [
            {
                "employee_number": e.employee_number,
                "name": e.person.full_name,
                "cpr": e.person.masked_cpr,
                "unit": e.unit.code,
                "position_title": e.position_title,
                "job_category": e.job_category,
                "weekly_hours": str(e.weekly_hours),
                "start_date": e.start_date.isoformat(),
                "is_manager": e.is_manager,
            }
            for e in employments
        ]
        text = "\n".join(
            f"{r['employee_number']}  {r['name']}  {r['position_title']}  {r['weekly_hours']}"
            for r in rows
        )
        return {"unit": unit.code, "employments": rows}, text

    def _unit(self, actor: Any, code: str) -> OrgUnit:
        unit = selectors.units_visible(user=actor).filter(code=code).first()
        if unit is None:
            raise DomainError.single(
                _("Unknown unit, or you do not have access to it: %(c)s") % {"c": code},
                field="code",
                code="not_found",
                status=404,
            )
        return unit
