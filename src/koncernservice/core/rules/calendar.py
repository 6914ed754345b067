"""Danish business calendar: opening hours, public holidays and closures as pure functions.

A `CalendarSpec` describes opening hours in local wall-clock time. For every local day the
functions here turn that description into aware instants (normalised to UTC) and do all
arithmetic on those instants, so a DST change simply makes a day 23 or 25 hours long
instead of shifting or duplicating business time.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "WHOLE_DAY",
    "CalendarSpec",
    "add_business_days",
    "add_business_hours",
    "add_business_seconds",
    "business_hours_between",
    "business_seconds_between",
    "copenhagen_standard",
    "danish_public_holidays",
    "is_business_day",
    "open_intervals",
]

TimeRange = tuple[time, time]
TimeRanges = tuple[TimeRange, ...]
ClosureKey = date | tuple[int, int]
Interval = tuple[datetime, datetime]
Hours = int | float | Decimal

WHOLE_DAY: TimeRanges = ((time(0), time.max),)
"""Closure value for a full closing day."""

# Customary days off that are *not* public holidays in Denmark (Christmas Eve, New Year's
# Eve, Constitution Day), by their Danish names in `holidays`. The package only lists them
# in its "optional" category; they are filtered out defensively (by name, not by date, so
# Whit Monday on 5 June 2028 survives) and belong in `closures` instead.
_NOT_PUBLIC_HOLIDAYS = frozenset({"Juleaften", "Juleaftensdag", "Nytårsaften", "Grundlovsdag"})

# A calendar without a single open minute in this many consecutive days is treated as
# "never open", so adding time cannot loop forever (e.g. every day closed by closures).
_MAX_CLOSED_DAYS = 800

_ONE_SECOND = timedelta(seconds=1)
_HOURS_QUANTUM = Decimal("0.0001")


@dataclass(frozen=True)
class CalendarSpec:
    """Opening hours of one business calendar, in the local time of `tz`.

    `opening_hours` maps a weekday (0=Monday .. 6=Sunday) to its open ranges; a lunch break
    is two ranges, a missing weekday is closed. `closures` maps either a specific `date` or a
    recurring `(month, day)` tuple (every year) to closed ranges; `WHOLE_DAY` closes the
    day. In both mappings an end of `time.max` means the end of the day (next midnight).
    Danish public holidays close the whole day when `include_public_holidays` is true.
    """

    name: str
    tz: ZoneInfo
    opening_hours: Mapping[int, TimeRanges]
    closures: Mapping[ClosureKey, TimeRanges]
    include_public_holidays: bool = True

    def __post_init__(self) -> None:
        opening: dict[int, TimeRanges] = {}
        for weekday, ranges in self.opening_hours.items():
            if not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(
                    f"Calendar {self.name!r}: opening_hours key {weekday!r} must be a "
                    "weekday number 0 (Monday) to 6 (Sunday)."
                )
            opening[weekday] = _checked_ranges(self.name, f"weekday {weekday}", ranges)
        closures: dict[ClosureKey, TimeRanges] = {}
        for key, ranges in self.closures.items():
            _check_closure_key(self.name, key)
            closures[key] = _checked_ranges(self.name, f"closure {key!r}", ranges)
        # Freeze copies so that mutating the caller's dicts cannot change the spec.
        object.__setattr__(self, "opening_hours", MappingProxyType(opening))
        object.__setattr__(self, "closures", MappingProxyType(closures))


def _checked_ranges(name: str, where: str, ranges: TimeRanges) -> TimeRanges:
    checked = tuple((start, end) for start, end in ranges)
    for start, end in checked:
        if not start < end:
            raise ValueError(
                f"Calendar {name!r}, {where}: range {start.isoformat()}-{end.isoformat()} "
                "must start before it ends."
            )
    return checked


def _check_closure_key(name: str, key: object) -> None:
    if isinstance(key, datetime):
        raise ValueError(f"Calendar {name!r}: closure key {key!r} must be a date, not a datetime.")
    if isinstance(key, date):
        return
    if isinstance(key, tuple) and len(key) == 2 and all(isinstance(part, int) for part in key):
        try:
            date(2000, key[0], key[1])  # a leap year, so (2, 29) is accepted
        except ValueError:
            pass
        else:
            return
    raise ValueError(
        f"Calendar {name!r}: closure key {key!r} must be a date or a (month, day) tuple."
    )


def copenhagen_standard(name: str = "standard") -> CalendarSpec:
    """The Koncernservice default: Mon-Thu 08-16, Fri 08-15:30, Danish public holidays,
    24 and 31 December closed and Constitution Day (5 June) closed from noon."""
    full_day = ((time(8), time(16)),)
    return CalendarSpec(
        name=name,
        tz=ZoneInfo("Europe/Copenhagen"),
        opening_hours={
            0: full_day,
            1: full_day,
            2: full_day,
            3: full_day,
            4: ((time(8), time(15, 30)),),
        },
        closures={
            (12, 24): WHOLE_DAY,
            (12, 31): WHOLE_DAY,
            (6, 5): ((time(12), time.max),),
        },
        include_public_holidays=True,
    )


# --- Public holidays -----------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _public_holidays(year: int) -> Mapping[date, str]:
    found = holidays.country_holidays("DK", years=year, language="da")
    result: dict[date, str] = {}
    for day, names in sorted(found.items()):
        # `holidays` joins several holidays on one date with "; ".
        kept = [name for name in str(names).split("; ") if name not in _NOT_PUBLIC_HOLIDAYS]
        if kept:
            result[day] = "; ".join(kept)
    return MappingProxyType(result)


def danish_public_holidays(year: int) -> dict[date, str]:
    """Danish public holidays (helligdage) of `year`, with Danish names.

    From the `holidays` package (public category). Store Bededag is included up to 2023
    only (abolished from 2024). Christmas Eve, New Year's Eve and Constitution Day are not
    public holidays and never included; configure them as `closures` instead.
    """
    return dict(_public_holidays(year))


# --- Open intervals ------------------------------------------------------------------------


def _instant(day: date, moment: time, tz: ZoneInfo) -> datetime:
    """Local wall time `moment` on `day` as a UTC instant; `time.max` is next midnight."""
    if moment == time.max:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return datetime.combine(day, moment, tzinfo=tz).astimezone(UTC)


def _normalised(intervals: list[Interval]) -> list[Interval]:
    """Sort, drop empty and merge overlapping or touching intervals.

    Needed because wall times inside a DST gap can map to overlapping instants.
    """
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _subtracted(opened: list[Interval], closed: list[Interval]) -> list[Interval]:
    """`opened` minus `closed`; both sorted and non-overlapping."""
    result: list[Interval] = []
    for start, end in opened:
        cursor = start
        for closed_start, closed_end in closed:
            if closed_end <= cursor or closed_start >= end:
                continue
            if closed_start > cursor:
                result.append((cursor, closed_start))
            cursor = closed_end
            if cursor >= end:
                break
        if cursor < end:
            result.append((cursor, end))
    return result


def _check_day(day: date) -> None:
    if isinstance(day, datetime):
        raise ValueError(f"Expected a date, not a datetime: {day!r}.")


def _day_intervals(spec: CalendarSpec, day: date) -> list[Interval]:
    if spec.include_public_holidays and day in _public_holidays(day.year):
        return []
    ranges = spec.opening_hours.get(day.weekday(), ())
    if not ranges:
        return []
    tz = spec.tz
    opened = _normalised([(_instant(day, s, tz), _instant(day, e, tz)) for s, e in ranges])
    closing = spec.closures.get(day, ()) + spec.closures.get((day.month, day.day), ())
    if not closing:
        return opened
    closed = _normalised([(_instant(day, s, tz), _instant(day, e, tz)) for s, e in closing])
    return _subtracted(opened, closed)


def open_intervals(spec: CalendarSpec, day: date) -> list[tuple[datetime, datetime]]:
    """Open intervals of the local `day` as sorted `(start, end)` pairs of UTC instants.

    Holidays and closures are already removed; a closed day gives an empty list.
    """
    _check_day(day)
    return _day_intervals(spec, day)


def is_business_day(spec: CalendarSpec, day: date) -> bool:
    """True when the local `day` has any open time after holidays and closures."""
    _check_day(day)
    return bool(_day_intervals(spec, day))


# --- Arithmetic ----------------------------------------------------------------------------


def _require_aware(value: datetime, what: str) -> None:
    if not isinstance(value, datetime):
        raise ValueError(f"{what} must be a timezone-aware datetime, got {value!r}.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{what} must be a timezone-aware datetime (naive datetime {value.isoformat()} "
            "has no timezone)."
        )


def _require_opening_hours(spec: CalendarSpec) -> None:
    if not any(spec.opening_hours.values()):
        raise ValueError(f"Calendar {spec.name!r} has no opening hours; it is never open.")


def _intervals_from(spec: CalendarSpec, start: datetime) -> Iterator[Interval]:
    """Open intervals that end after `start`, in order, without end.

    Raises ValueError when the calendar stays closed for `_MAX_CLOSED_DAYS` days in a row.
    """
    # Start one local day early so a range ending at or after midnight cannot be missed.
    day = start.astimezone(spec.tz).date() - timedelta(days=1)
    closed_streak = 0
    while True:
        found = False
        for interval in _day_intervals(spec, day):
            if interval[1] > start:
                found = True
                yield interval
        if found:
            closed_streak = 0
        else:
            closed_streak += 1
            if closed_streak > _MAX_CLOSED_DAYS:
                raise ValueError(
                    f"Calendar {spec.name!r} has no open time in {_MAX_CLOSED_DAYS} "
                    f"consecutive days up to {day.isoformat()}."
                )
        day += timedelta(days=1)


def add_business_seconds(spec: CalendarSpec, start: datetime, seconds: int) -> datetime:
    """The instant `seconds` of open time after `start`, in the spec's timezone.

    Outside opening hours the clock starts at the next opening. A result that falls on the
    end of an open interval is that end, not the next opening. Adding 0 returns `start`
    itself (the same instant, expressed in the spec's timezone), even when it is closed.
    """
    _require_aware(start, "start")
    if seconds < 0:
        raise ValueError(f"Cannot add a negative amount of business time ({seconds} seconds).")
    if seconds == 0:
        return start.astimezone(spec.tz)
    _require_opening_hours(spec)
    # UTC, because aware arithmetic within one tzinfo is wall-clock arithmetic in Python.
    start = start.astimezone(UTC)
    remaining = timedelta(seconds=seconds)
    for interval_start, interval_end in _intervals_from(spec, start):
        cursor = max(interval_start, start)
        available = interval_end - cursor
        if remaining <= available:
            return (cursor + remaining).astimezone(spec.tz)
        remaining -= available
    raise AssertionError("unreachable: _intervals_from never ends")  # pragma: no cover


def _hours_to_seconds(hours: Hours) -> int:
    """Whole seconds, rounded half up; floats go through their shortest repr (0.1 -> 360)."""
    if isinstance(hours, bool) or not isinstance(hours, int | float | Decimal):
        raise ValueError(f"Hours must be a number, got {hours!r}.")
    value = Decimal(repr(hours)) if isinstance(hours, float) else Decimal(hours)
    if not value.is_finite():
        raise ValueError(f"Hours must be a finite number, got {hours!r}.")
    if value < 0:
        raise ValueError(f"Cannot add a negative amount of business time ({hours} hours).")
    return int((value * 3600).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def add_business_hours(spec: CalendarSpec, start: datetime, hours: Hours) -> datetime:
    """Like `add_business_seconds`, with `hours` converted to whole seconds (half up)."""
    _require_aware(start, "start")
    return add_business_seconds(spec, start, _hours_to_seconds(hours))


def add_business_days(spec: CalendarSpec, start: date, days: int) -> date:
    """The `days`-th business day after `start` (`start` itself is not counted; 0 -> start)."""
    _check_day(start)
    if days < 0:
        raise ValueError(f"Cannot add a negative number of business days ({days}).")
    if days == 0:
        return start
    _require_opening_hours(spec)
    day = start
    closed_streak = 0
    while days:
        day += timedelta(days=1)
        if _day_intervals(spec, day):
            days -= 1
            closed_streak = 0
        else:
            closed_streak += 1
            if closed_streak > _MAX_CLOSED_DAYS:
                raise ValueError(
                    f"Calendar {spec.name!r} has no business day in {_MAX_CLOSED_DAYS} "
                    f"consecutive days after {start.isoformat()}."
                )
    return day


def business_seconds_between(spec: CalendarSpec, start: datetime, end: datetime) -> int:
    """Open time between two instants in whole seconds (sub-second parts truncated).

    Negative when `end` is before `start`: the negated measure from `end` to `start`.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    # UTC, because aware arithmetic and comparison within one tzinfo is wall-clock in Python:
    # 02:55 summer time is "after" 02:00 winter time five minutes later, on the night the
    # clocks go back, and the measure came out 0 (found by the round-trip property).
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end < start:
        return -business_seconds_between(spec, end, start)
    total = timedelta(0)
    day = start.astimezone(spec.tz).date() - timedelta(days=1)
    last = end.astimezone(spec.tz).date()
    while day <= last:
        for interval_start, interval_end in _day_intervals(spec, day):
            overlap = min(interval_end, end) - max(interval_start, start)
            if overlap > timedelta(0):
                total += overlap
        day += timedelta(days=1)
    return total // _ONE_SECOND


def business_hours_between(spec: CalendarSpec, start: datetime, end: datetime) -> Decimal:
    """Open time between two instants in hours, rounded half up to 4 decimals.

    The exact quotient seconds/3600 rarely terminates, so a fixed scale is used. 0.0001 h is
    0.36 s, less than the half second that `add_business_hours` rounds to, so adding the
    result back to `start` gives the same instant as adding the exact seconds. Use
    `business_seconds_between` when an exact figure is needed.
    """
    seconds = business_seconds_between(spec, start, end)
    return (Decimal(seconds) / 3600).quantize(_HOURS_QUANTUM, rounding=ROUND_HALF_UP)
