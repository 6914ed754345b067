"""``ks calendar due`` and ``ks calendar between``: business time on a named calendar.

A start or end without a UTC offset is read as Europe/Copenhagen (the calendar's zone).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from koncernservice.core import selectors
from koncernservice.core.errors import DomainError
from koncernservice.core.management.base import KsCommand
from koncernservice.core.rules import calendar as calendar_rules


class Command(KsCommand):
    help = "Business-time calculations on a business calendar (Danish holidays included)."
    acts_as_user = False

    def add_command_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser("due", help="The instant N business hours after START.")
        due.add_argument("--start", required=True, help="ISO 8601 instant, e.g. 2026-04-01T14:00")
        due.add_argument("--business-hours", required=True, dest="business_hours")
        between = sub.add_parser("between", help="Business hours between START and END.")
        between.add_argument("--start", required=True)
        between.add_argument("--end", required=True)
        for action in (due, between):
            action.add_argument("--calendar", default="standard")
            action.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def run(self, **options: Any) -> tuple[dict[str, Any], str]:
        try:
            spec = selectors.calendar_spec(options["calendar"])
        except LookupError:
            raise DomainError.single(
                _("Unknown calendar: %(c)s") % {"c": options["calendar"]},
                field="--calendar",
                code="unknown_calendar",
            ) from None
        start = parse_instant(options["start"], "--start", spec.tz)
        if options["action"] == "due":
            hours = parse_hours(options["business_hours"])
            due = calendar_rules.add_business_hours(spec, start, hours)
            return {"due": due.isoformat()}, due.isoformat()
        end = parse_instant(options["end"], "--end", spec.tz)
        value = calendar_rules.business_hours_between(spec, start, end)
        number = int(value) if value == value.to_integral_value() else float(value)
        return {"business_hours": number}, str(number)


def parse_instant(text: str, field: str, tz: dt.tzinfo) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise DomainError.single(
            _("Not an ISO 8601 date and time: %(v)s") % {"v": text}, field=field, code="datetime"
        ) from None
    if not dt.datetime(1900, 1, 1) <= value.replace(tzinfo=None) <= dt.datetime(2200, 1, 1):
        raise DomainError.single(_("The date lies outside 1900–2200."), field=field, code="range")
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def parse_hours(text: str) -> Decimal:
    try:
        hours = Decimal(str(text).replace(",", "."))
    except InvalidOperation:
        raise DomainError.single(
            _("Business hours must be a number."), field="--business-hours", code="number"
        ) from None
    if not hours.is_finite() or hours < 0 or hours > 1_000_000:
        raise DomainError.single(
            _("Business hours must be between 0 and 1,000,000."),
            field="--business-hours",
            code="range",
        )
    return hours
