"""``ks access grant|revoke|list``: roles on units, the only source of rights."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from koncernservice.core import access, services
from koncernservice.core.errors import DomainError
from koncernservice.core.management.base import KsCommand
from koncernservice.core.models import OrgUnit, Role, RoleAssignment, User


class Command(KsCommand):
    help = "Grant, revoke and list roles on units."

    def add_command_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name in ("grant", "revoke"):
            action = sub.add_parser(name)
            action.add_argument("--user", required=True)
            action.add_argument("--role", required=True, choices=Role.values)
            action.add_argument("--unit", required=True, metavar="CODE")
            action.add_argument("--reason", default="")
        listing = sub.add_parser("list")
        listing.add_argument("--user")
        for action in sub.choices.values():
            action.add_argument("--json", action="store_true", help="Print the result as JSON.")
            action.add_argument("--as", dest="as_user", metavar="USER", help="Act as this user.")

    def run(self, **options: Any) -> tuple[dict[str, Any], str]:
        actor = self.actor(options)
        if options["action"] == "list":
            assignments = access.restrict(
                RoleAssignment.objects.select_related("user", "unit"), actor, access.MANAGE_ACCESS
            )
            if options.get("user"):
                assignments = assignments.filter(user__username=options["user"])
            rows = [
                {"user": a.user.username, "role": a.role, "unit": a.unit.code}
                for a in assignments.order_by("user__username", "role", "unit__path")
            ]
            return {"assignments": rows}, "\n".join(
                f"{r['user']}  {r['role']}  {r['unit']}" for r in rows
            )
        user = User.objects.filter(username=options["user"]).first()
        unit = OrgUnit.objects.filter(code=options["unit"]).first()
        if user is None or unit is None:
            field = "--user" if user is None else "--unit"
            raise DomainError.single(_("Unknown user or unit."), field=field, code="not_found")
        if options["action"] == "grant":
            services.role_grant(
                actor=actor, user=user, role=options["role"], unit=unit, reason=options["reason"]
            )
        else:
            assignment = RoleAssignment.objects.filter(
                user=user, role=options["role"], unit=unit
            ).first()
            if assignment is None:
                raise DomainError.single(_("The user does not have this role on this unit."))
            services.role_revoke(actor=actor, assignment=assignment, reason=options["reason"])
        result = {"user": user.username, "role": options["role"], "unit": unit.code}
        return {**result, "action": options["action"]}, _("Done.")
