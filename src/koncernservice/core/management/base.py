"""Base for ``ks`` commands: ``--json`` output, ``--as USER`` access, clear errors.

A command implements ``run(**options)`` and returns a dict (printed as JSON with ``--json``)
and a human text. A :class:`DomainError` is printed to stderr (as JSON with ``--json``) and
the command exits with status 2, having written nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from koncernservice.core.errors import DomainError
from koncernservice.core.system import system_operator

EXIT_INVALID = 2


def date_option(value: str | None, field: str) -> dt.date | None:
    """A date option (``YYYY-MM-DD``); None when not given; a bad one names the option."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError.single(
            _("Not a valid date (use YYYY-MM-DD)."), field=field, code="date"
        ) from None


class KsCommand(BaseCommand):
    acts_as_user = True  # adds --as USER

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        if self.acts_as_user:
            parser.add_argument(
                "--as",
                dest="as_user",
                metavar="USER",
                help="Act as this user (checked against their roles); default: system operator.",
            )
        self.add_command_arguments(parser)

    def add_command_arguments(self, parser: CommandParser) -> None:
        """Subclasses add their own arguments here."""

    def actor(self, options: dict[str, Any]) -> Any:
        username = options.get("as_user")
        if not username:
            return system_operator()
        from koncernservice.core.models import User

        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise DomainError.single(
                _("Unknown or inactive user: %(u)s") % {"u": username},
                field="--as",
                code="unknown_user",
            )
        return user

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate("da")
        as_json = options.get("json", False)
        try:
            data, text = self.run(**options)
        except DomainError as exc:
            if as_json:
                payload = {"error": str(exc.message), "errors": [e.as_dict() for e in exc.errors]}
                sys.stderr.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
            else:
                sys.stderr.write(f"Fejl: {exc}\n")
            sys.exit(EXIT_INVALID if exc.status != 403 else 3)
        except CommandError:
            raise
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False, default=str, indent=2))
        elif text:
            self.stdout.write(text)

    def run(self, **options: Any) -> tuple[dict[str, Any], str]:
        raise NotImplementedError
