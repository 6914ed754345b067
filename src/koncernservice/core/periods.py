"""Report periods from a page's query string: ``?fra=2025-12-01&til=2025-12-31``.

Pages with figures over time (dashboards, reports) take the period the user picked, or a
default one; a date that is not a date, a start after the end or a period that is too long
gives a message saying which field and why, and the default period is shown instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

START, END = "fra", "til"


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]


def period_from_query(
    query: Mapping[str, str],
    *,
    default_end: dt.date,
    default_days: int = 30,
    max_days: int = 366,
) -> tuple[Period, list[str]]:
    """The period asked for (``fra``/``til`` as YYYY-MM-DD; either may be left out), or the
    ``default_days`` ending ``default_end``; with the messages for what was wrong."""
    default = Period(default_end - dt.timedelta(days=default_days - 1), default_end)
    errors: list[str] = []
    given: dict[str, dt.date] = {}
    for key in (START, END):
        text = (query.get(key) or "").strip()
        if not text:
            continue
        try:
            given[key] = dt.date.fromisoformat(text)
        except ValueError:
            errors.append(
                _("'%(field)s' is not a valid date: %(value)s (use YYYY-MM-DD).")
                % {"field": key, "value": text[:40]}
            )
    if errors:
        return default, errors
    end = given.get(END) or (
        given[START] + dt.timedelta(days=default_days - 1) if START in given else default_end
    )
    start = given.get(START) or end - dt.timedelta(days=default_days - 1)
    if start > end:
        return default, [
            _("'fra' (%(start)s) is after 'til' (%(end)s).")
            % {
                "start": start.isoformat(),
                "end": end.isoformat(),
            }
        ]
    period = Period(start, end)
    if period.days > max_days:
        return default, [
            _("The period is %(days)d days; at most %(max)d days can be shown.")
            % {"days": period.days, "max": max_days}
        ]
    return period, []
