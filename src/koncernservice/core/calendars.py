"""Business calendars from the database, as pure :class:`CalendarSpec` values."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from koncernservice.core.models import BusinessCalendar
from koncernservice.core.rules.calendar import CalendarSpec

WHOLE_DAY = (dt.time(0, 0), dt.time.max)


def _interval(start: str, end: str) -> tuple[dt.time, dt.time]:
    return dt.time.fromisoformat(start), dt.time.fromisoformat(end)


def spec_from_model(calendar: BusinessCalendar) -> CalendarSpec:
    opening = {
        int(weekday): tuple(_interval(a, b) for a, b in intervals)
        for weekday, intervals in (calendar.opening_hours or {}).items()
    }
    closures: dict[object, tuple[tuple[dt.time, dt.time], ...]] = {}
    for day in calendar.closing_days.all():
        key: object = day.date if day.date else (day.month, day.day)
        part = (day.closed_from or dt.time(0, 0), day.closed_until or dt.time.max)
        closures[key] = (*closures.get(key, ()), part)
    return CalendarSpec(
        name=calendar.name,
        tz=ZoneInfo(calendar.timezone),
        opening_hours=opening,
        closures=closures,  # type: ignore[arg-type]
        include_public_holidays=calendar.include_public_holidays,
    )


STANDARD_OPENING_HOURS = {
    "0": [["08:00", "16:00"]],
    "1": [["08:00", "16:00"]],
    "2": [["08:00", "16:00"]],
    "3": [["08:00", "16:00"]],
    "4": [["08:00", "15:30"]],
}
