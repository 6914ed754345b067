"""``ks approvals limits``, ``limit set``, ``substitutes``, ``substitute add|end``.

Amount limits per role and unit, and substitutes during an absence: the same services and
selectors as the approval settings page and the API (``finance.services``,
``finance.selectors``), so the same access rules: limits are read and set by who manages
limits on the unit (finance, admin); a substitute is named by the absent person themself or
by who manages limits. Without ``--as USER`` the system operator acts. Bad input exits 2 and
missing access 3, with a Danish message, and nothing is changed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.http import Http404
from django.utils.translation import gettext as _

from koncernservice.core.errors import DomainError
from koncernservice.core.management.base import KsCommand, date_option
from koncernservice.core.models import OrgUnit, User
from koncernservice.finance import selectors, services
from koncernservice.finance.models import ApprovalLimit, Substitution


def _unit(code: str) -> OrgUnit:
    unit = OrgUnit.objects.filter(code=code, is_active=True).first()
    if unit is None:
        raise DomainError.single(
            _("Unknown unit: %(c)s") % {"c": code}, field="--unit", code="unknown_unit"
        )
    return unit


def _user(username: str, field: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise DomainError.single(
            _("Unknown or inactive user: %(u)s") % {"u": username},
            field=field,
            code="unknown_user",
        )
    return user


def _limit_out(limit: ApprovalLimit) -> dict[str, Any]:
    return {
        "unit": limit.unit.code,
        "unit_name": limit.unit.name,
        "role": limit.role,
        "max_amount": str(limit.max_amount),
    }


def _substitution_out(substitution: Substitution) -> dict[str, Any]:
    return {
        "id": substitution.pk,
        "absent": substitution.absent.username,
        "substitute": substitution.substitute.username,
        "starts_on": substitution.starts_on.isoformat(),
        "ends_on": substitution.ends_on.isoformat(),
    }


def _substitution_text(row: dict[str, Any]) -> str:
    return _("%(id)s: %(substitute)s for %(absent)s, %(starts_on)s to %(ends_on)s") % row


class Command(KsCommand):
    help = "Approval limits per role and unit, and substitutes during an absence."

    def add_command_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        limits = sub.add_parser("limits", help="List amount limits (the units you manage).")
        limits.add_argument("--unit", metavar="CODE", help="Only this unit and those under it.")
        limit = sub.add_parser("limit", help="Set an amount limit.")
        limit_sub = limit.add_subparsers(dest="limit_action", required=True)
        limit_set = limit_sub.add_parser("set", help="Set a role's amount limit on a unit.")
        limit_set.add_argument("--unit", metavar="CODE", required=True)
        limit_set.add_argument("--role", required=True, help="e.g. manager, finance.")
        limit_set.add_argument("--amount", required=True, help="Largest amount in DKK.")
        substitutes = sub.add_parser("substitutes", help="List substitutions.")
        substitutes.add_argument(
            "--user", metavar="USER", help="This person's (default: your own)."
        )
        substitute = sub.add_parser("substitute", help="Name or end a substitute.")
        substitute_sub = substitute.add_subparsers(dest="substitute_action", required=True)
        add = substitute_sub.add_parser("add", help="Name a substitute during an absence.")
        add.add_argument("--substitute", metavar="USER", required=True)
        add.add_argument("--absent", metavar="USER", help="Who is away (default: the acting user).")
        add.add_argument("--from", dest="starts_on", metavar="YYYY-MM-DD", required=True)
        add.add_argument("--to", dest="ends_on", metavar="YYYY-MM-DD", required=True)
        end = substitute_sub.add_parser("end", help="End a substitution early (from today).")
        end.add_argument("id", type=int, help="Substitution id (see `substitutes`).")
        for action in (limits, limit_set, substitutes, add, end):
            action.add_argument("--json", action="store_true", help="Print the result as JSON.")
            action.add_argument("--as", dest="as_user", metavar="USER", help="Act as this user.")

    def run(self, **options: Any) -> tuple[Any, str]:
        action = options["action"]
        if action == "limit":
            action = f"limit_{options['limit_action']}"
        elif action == "substitute":
            action = f"substitute_{options['substitute_action']}"
        return getattr(self, f"run_{action}")(**options)

    def run_limits(self, **options: Any) -> tuple[Any, str]:
        actor = self.actor(options)
        unit = _unit(options["unit"]) if options.get("unit") else None
        rows = [_limit_out(x) for x in selectors.approval_limits(user=actor, unit=unit)]
        text = "\n".join(
            f"{r['unit']} {r['unit_name']}: {r['role']} {r['max_amount']} DKK" for r in rows
        )
        return rows, text or _("No approval limits.")

    def run_limit_set(self, **options: Any) -> tuple[Any, str]:
        actor = self.actor(options)
        limit = services.approval_limit_set(
            actor=actor,
            unit=_unit(options["unit"]),
            role=options["role"],
            max_amount=options["amount"].replace(",", "."),
        )
        row = _limit_out(limit)
        return row, _("Limit saved: %(unit)s %(role)s %(max_amount)s DKK.") % row

    def run_substitutes(self, **options: Any) -> tuple[Any, str]:
        actor = self.actor(options)
        person = _user(options["user"], "--user") if options.get("user") else None
        rows = [_substitution_out(x) for x in selectors.substitutions(user=actor, person=person)]
        return rows, "\n".join(_substitution_text(r) for r in rows) or _("No substitutions.")

    def run_substitute_add(self, **options: Any) -> tuple[Any, str]:
        actor = self.actor(options)
        if options.get("absent"):
            absent = _user(options["absent"], "--absent")
        elif getattr(actor, "pk", None):
            absent = actor
        else:
            raise DomainError.single(
                _("Name who is away (--absent)."), field="--absent", code="required"
            )
        made = services.substitution_create(
            actor=actor,
            absent=absent,
            substitute=_user(options["substitute"], "--substitute"),
            starts_on=date_option(options["starts_on"], "--from"),
            ends_on=date_option(options["ends_on"], "--to"),
        )
        row = _substitution_out(made)
        return row, _("Saved: %(text)s") % {"text": _substitution_text(row)}

    def run_substitute_end(self, **options: Any) -> tuple[Any, str]:
        actor = self.actor(options)
        try:  # one's own, or any for who manages limits (as the page and the API)
            substitution = selectors.substitution_get(user=actor, pk=options["id"])
        except Http404:
            substitution = None
        if substitution is None:
            raise DomainError.single(
                _("Unknown substitution: %(id)s") % {"id": options["id"]},
                field="id",
                code="unknown_substitution",
            )
        ended = services.substitution_end(actor=actor, substitution=substitution)
        if ended is None:
            return {"id": options["id"], "removed": True}, _("Removed (it had not begun).")
        row = _substitution_out(ended)
        return row, _("Ended: %(text)s") % {"text": _substitution_text(row)}
