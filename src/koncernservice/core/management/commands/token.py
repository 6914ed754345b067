"""``ks token create|revoke``: API tokens for systems (the token is shown once)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from koncernservice.core import services
from koncernservice.core.errors import DomainError
from koncernservice.core.management.base import KsCommand
from koncernservice.core.models import ApiToken, User


class Command(KsCommand):
    help = "Create or revoke an API token for a user (a system account)."

    def add_command_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("--user", required=True)
        create.add_argument("--name", required=True)
        create.add_argument("--expires-days", type=int, default=365)
        revoke = sub.add_parser("revoke")
        revoke.add_argument("prefix")
        for action in (create, revoke):
            action.add_argument("--json", action="store_true", help="Print the result as JSON.")
            action.add_argument("--as", dest="as_user", metavar="USER", help="Act as this user.")

    def run(self, **options: Any) -> tuple[dict[str, Any], str]:
        actor = self.actor(options)
        if options["action"] == "create":
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise DomainError.single(_("Unknown or inactive user."), field="--user")
            if not 1 <= options["expires_days"] <= 3650:
                raise DomainError.single(
                    _("The token must expire within 1 to 3650 days."), field="--expires-days"
                )
            expires = timezone.now() + dt.timedelta(days=options["expires_days"])
            token, raw = services.api_token_create(
                actor=actor, user=user, name=options["name"], expires_at=expires
            )
            data = {"token": raw, "prefix": token.prefix, "expires_at": expires.isoformat()}
            return data, _("Token (shown only now): %(t)s") % {"t": raw}
        token = ApiToken.objects.filter(prefix=options["prefix"], revoked_at=None).first()
        if token is None:
            raise DomainError.single(_("Unknown token."), field="prefix", code="not_found")
        services.api_token_revoke(actor=actor, token=token)
        return {"prefix": token.prefix, "revoked": True}, _("Token revoked.")
