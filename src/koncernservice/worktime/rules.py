"""Working-time and holiday rules: pure functions, no database.

Working time (Arbejdstidsloven / directive 2003/88/EC, Arbejdsmiljøloven §§ 50-51):

- **Daily rest** (art. 3): at least 11 consecutive hours of rest in every 24-hour period.
  The period is rolling and counted from each start of work, as the Danish Working
  Environment Authority does: for every work start ``s`` the interval ``[s, s + 24 h)`` must
  hold 11 consecutive hours without work. Where an agreement permits it, the rest may be
  reduced to 8 hours; such a reduction is reported as a *deviation*, not a violation.
- **Weekly rest** (art. 5): in every 7-day period an uninterrupted rest of 24 hours plus the
  11 hours of daily rest, i.e. 35 hours; rolling from each start of work like the daily rest.
- **48-hour average** (art. 6 and 16(b)): the average weekly working time over a reference
  period of 4 months may not exceed 48 hours. Periods of paid annual leave and sick leave
  "shall not be included or shall be neutral in the calculation of the average" (art. 16(b)):
  we *exclude* those days from both the hours and the length of the period, so that the
  average is taken over the days that count (equivalent to extending the reference period by
  the excluded days at the same pace). Reference periods are rolling: every 4-month period
  that lies wholly within the data is checked. An average of 46 hours or more (but not above
  48) is reported as a near-violation trend.

Times are local wall-clock times (Europe/Copenhagen) without a zone; a period whose end is
not after its start runs over midnight. Hours worked are attributed to the day the period
starts.

Holiday (Ferieloven, lov nr. 60 of 30 January 2018, in force from 1 September 2020, and the
municipal holiday agreement):

- A holiday year (ferieår) runs 1 September to 31 August; 25 days are earned per full year,
  2.08 per month (we use 25/12 per month so that a full year gives exactly 25.00).
- Days earned in a month may be used from the first day of the next month (samtidighedsferie).
- The holiday-taking period (ferieafholdelsesperiode) of holiday year Y runs from 1 September
  Y to 31 December Y+1.
- A month with employment on only some of its days earns pro rata by calendar days. Part-time
  employees earn the same number of days; a day is worth their weekly hours / 5 in hours.
- Days beyond 4 weeks (20 days, "the 5th week") left at the end of the taking period may be
  transferred or paid out; days within the 4 weeks expire (to Arbejdsmarkedets Feriefond).
- Special holiday days (særlige feriedage, "the 6th week", 5 per holiday year in the municipal
  agreement) are a separate account with the same years; untaken days are transferable or
  payable, never expiring.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from koncernservice.core.rules.calendar import danish_public_holidays

MINUTE = dt.timedelta(minutes=1)
_EPOCH = dt.datetime(2000, 1, 1)
TWO_PLACES = Decimal("0.01")

DAILY_REST_HOURS = 11
REDUCED_DAILY_REST_HOURS = 8
WEEKLY_REST_HOURS = 35
AVERAGE_LIMIT_HOURS = 48
AVERAGE_TREND_HOURS = 46
REFERENCE_MONTHS = 4

RULE_DAILY_REST = "daily_rest_11h"
RULE_DAILY_REST_REDUCED = "daily_rest_11h_reduced"
RULE_WEEKLY_REST = "weekly_rest_35h"
RULE_AVERAGE_48 = "max_48h_average"
RULE_AVERAGE_TREND = "max_48h_average_trend"


def hours(minutes: int) -> Decimal:
    """Minutes as hours with two decimals (half up)."""
    return (Decimal(minutes) / 60).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def weekly_average(minutes: int, days: int) -> Decimal:
    """Hours a week of ``minutes`` worked over ``days`` days, two decimals (half up)."""
    return (Decimal(minutes) * 7 / days / 60).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def to_minutes(moment: dt.datetime) -> int:
    """A wall-clock instant as whole minutes since 2000-01-01 (fast arithmetic)."""
    return int((moment - _EPOCH) // MINUTE)


def from_minutes(value: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(minutes=value)


def period_instants(day: dt.date, start: dt.time, end: dt.time) -> tuple[dt.datetime, dt.datetime]:
    """The start and end instants of a period on ``day``; an end not after the start is the
    next day (a night shift 22:00-06:00)."""
    begin = dt.datetime.combine(day, start)
    finish = dt.datetime.combine(day, end)
    if finish <= begin:
        finish += dt.timedelta(days=1)
    return begin, finish


@dataclass(frozen=True, slots=True)
class Finding:
    """A violation (or deviation, or trend) of a working-time rule, for one employee."""

    rule: str
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date
    value: Decimal  # hours: the longest rest found, or the average weekly hours
    limit: Decimal  # hours


# --- Rest periods -----------------------------------------------------------------------------


def merge_periods(periods: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort and merge overlapping or touching periods (minutes); empty periods are dropped."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(p for p in periods if p[1] > p[0]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def longest_rests(periods: Sequence[tuple[int, int]], window: int) -> list[int]:
    """For each merged period i, the longest rest (minutes) inside ``[start_i, start_i + window)``.

    Rest after the last period reaches to the window's end (no registered work is rest).
    """
    result = []
    count = len(periods)
    for i in range(count):
        window_end = periods[i][0] + window
        longest = 0
        j = i
        while j < count and periods[j][0] < window_end:
            rest_end = periods[j + 1][0] if j + 1 < count else window_end
            rest = min(rest_end, window_end) - periods[j][1]
            if rest > longest:
                longest = rest
            j += 1
        result.append(longest)
    return result


def _windows(
    periods: Sequence[tuple[int, int]], window: int, minimum: int, rule: str, limit_hours: int
) -> list[Finding]:
    """Findings for every window with less than ``minimum`` rest; overlapping windows that
    fail are reported as one finding (from the first window's start to the last one's end,
    with the smallest longest rest)."""
    findings: list[Finding] = []
    current: list[int] | None = None  # [start, end, smallest rest]
    for (start, _end), rest in zip(periods, longest_rests(periods, window), strict=True):
        if rest >= minimum:
            continue
        if current is not None and start < current[1]:
            current[1] = start + window
            current[2] = min(current[2], rest)
            continue
        if current is not None:
            findings.append(_finding(rule, current, limit_hours))
        current = [start, start + window, rest]
    if current is not None:
        findings.append(_finding(rule, current, limit_hours))
    return findings


def _finding(rule: str, window: list[int], limit_hours: int) -> Finding:
    return Finding(
        rule=rule,
        start=from_minutes(window[0]),
        end=from_minutes(window[1]),
        value=hours(window[2]),
        limit=Decimal(limit_hours),
    )


def daily_rest_findings(
    periods: Iterable[tuple[int, int]],
    *,
    minimum_hours: int = DAILY_REST_HOURS,
    reduced_hours: int | None = None,
) -> list[Finding]:
    """Violations of the 11-hour daily rest in every 24 hours (rolling from each work start).

    With ``reduced_hours`` (an agreement permits a reduction, e.g. to 8 hours) a rest between
    the reduced and the normal minimum is a ``daily_rest_11h_reduced`` deviation and only a rest
    below the reduced minimum is a violation.
    """
    merged = merge_periods(periods)
    day = 24 * 60
    if reduced_hours is None:
        return _windows(merged, day, minimum_hours * 60, RULE_DAILY_REST, minimum_hours)
    violations = _windows(merged, day, reduced_hours * 60, RULE_DAILY_REST, reduced_hours)
    short = _windows(merged, day, minimum_hours * 60, RULE_DAILY_REST_REDUCED, minimum_hours)
    deviations = [f for f in short if f.value >= reduced_hours]
    return sorted(violations + deviations, key=lambda f: (f.start, f.rule))


def weekly_rest_findings(
    periods: Iterable[tuple[int, int]], *, minimum_hours: int = WEEKLY_REST_HOURS
) -> list[Finding]:
    """Violations of the 35-hour weekly rest (24 + 11 hours) in every 7 days (rolling)."""
    merged = merge_periods(periods)
    return _windows(merged, 7 * 24 * 60, minimum_hours * 60, RULE_WEEKLY_REST, minimum_hours)


# --- 48-hour average --------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


@lru_cache(maxsize=8192)
def reference_period_start(last_day: dt.date, months: int = REFERENCE_MONTHS) -> dt.date:
    """The first day of the reference period of ``months`` months that ends on ``last_day``."""
    return add_months(last_day + dt.timedelta(days=1), -months)


def average_weekly_hours(
    day_minutes: Mapping[dt.date, int],
    neutral_days: Iterable[dt.date],
    first: dt.date,
    last: dt.date,
) -> Decimal | None:
    """Average weekly hours over ``first..last`` with neutral days (paid annual leave, sick
    leave) left out of both the hours and the number of days; None when no day counts."""
    neutral = {d for d in neutral_days if first <= d <= last}
    counted = (last - first).days + 1 - len(neutral)
    if counted <= 0:
        return None
    total = sum(m for d, m in day_minutes.items() if first <= d <= last and d not in neutral)
    return weekly_average(total, counted)


def average_findings(
    day_minutes: Mapping[dt.date, int],
    neutral_days: Iterable[dt.date],
    span: tuple[dt.date, dt.date],
    *,
    months: int = REFERENCE_MONTHS,
    limit_hours: int = AVERAGE_LIMIT_HOURS,
    trend_hours: int = AVERAGE_TREND_HOURS,
) -> list[Finding]:
    """Rolling ``months``-month reference periods wholly inside ``span`` whose average weekly
    hours exceed ``limit_hours`` (violation) or reach ``trend_hours`` (trend).

    Consecutive failing periods are reported as one finding (first period's start, last
    period's end, highest average). Prefix sums keep this linear in the number of days.
    """
    first_day, last_day = span
    neutral = set(neutral_days)
    length = (last_day - first_day).days + 1
    if length <= 0:
        return []
    worked = [0] * (length + 1)  # prefix sums of minutes on counted days
    counted = [0] * (length + 1)  # prefix sums of counted days
    for i in range(length):
        day = first_day + dt.timedelta(days=i)
        is_neutral = day in neutral
        worked[i + 1] = worked[i] + (0 if is_neutral else day_minutes.get(day, 0))
        counted[i + 1] = counted[i] + (0 if is_neutral else 1)
    findings: list[Finding] = []
    open_: dict[str, _Open] = {}
    floor_hours = min(trend_hours, limit_hours)
    for i, j in _reference_offsets(first_day, length, months):
        days = counted[i + 1] - counted[j]
        minutes = worked[i + 1] - worked[j]
        # Exact integer pre-check of "rounded average >= the lower threshold" (rounding half
        # up to two places): most periods are far below it and need no Decimal arithmetic.
        if days <= 0 or minutes * 7 * 200 < (floor_hours * 200 - 1) * days * 60:
            average = Decimal(0)
        else:
            average = weekly_average(minutes, days)
        if average > limit_hours:
            rule, limit = RULE_AVERAGE_48, limit_hours
        elif average >= trend_hours:
            rule, limit = RULE_AVERAGE_TREND, trend_hours
        else:
            rule, limit = "", 0
        for name in list(open_):
            if name != rule:
                findings.append(open_.pop(name).finding(name))
        if rule:
            current = open_.get(rule)
            end_day = first_day + dt.timedelta(days=i)
            if current is None:
                open_[rule] = _Open(first_day + dt.timedelta(days=j), end_day, average, limit)
            else:
                current.end = end_day
                current.value = max(current.value, average)
    findings += [current.finding(name) for name, current in open_.items()]
    return sorted(findings, key=lambda f: (f.start, f.rule))


@lru_cache(maxsize=64)
def _reference_offsets(first_day: dt.date, length: int, months: int) -> tuple[tuple[int, int], ...]:
    """(end, start) day offsets from ``first_day`` of every reference period inside the span:
    the same for every employee checked over the same span, so computed once."""
    offsets = []
    for i in range(length):
        start_day = reference_period_start(first_day + dt.timedelta(days=i), months)
        if start_day >= first_day:
            offsets.append((i, (start_day - first_day).days))
    return tuple(offsets)


@dataclass(slots=True)
class _Open:
    start: dt.date
    end: dt.date
    value: Decimal
    limit: int

    def finding(self, rule: str) -> Finding:
        return Finding(rule, self.start, self.end, self.value, Decimal(self.limit))


@dataclass
class EmployeeDays:
    """What one employee registered: work periods (minutes) and neutral days."""

    periods: list[tuple[int, int]] = field(default_factory=list)
    day_minutes: dict[dt.date, int] = field(default_factory=dict)
    neutral_days: set[dt.date] = field(default_factory=set)

    def add_work(self, day: dt.date, start: int, end: int, break_minutes: int) -> None:
        self.periods.append((start, end))
        worked = max(0, end - start - break_minutes)
        self.day_minutes[day] = self.day_minutes.get(day, 0) + worked


def check_employee(
    days: EmployeeDays, span: tuple[dt.date, dt.date], *, reduced_daily_rest: bool = False
) -> list[Finding]:
    """Every working-time finding for one employee, ordered by start."""
    findings = daily_rest_findings(
        days.periods, reduced_hours=REDUCED_DAILY_REST_HOURS if reduced_daily_rest else None
    )
    findings += weekly_rest_findings(days.periods)
    findings += average_findings(days.day_minutes, days.neutral_days, span)
    return sorted(findings, key=lambda f: (_as_datetime(f.start), f.rule))


def _as_datetime(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time())


# --- Norm hours and supplements ---------------------------------------------------------------


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(danish_public_holidays(year))


def is_public_holiday(day: dt.date) -> bool:
    return day in public_holidays(day.year)


def norm_minutes(day: dt.date, weekly_hours: Decimal, work_days: Sequence[int]) -> int:
    """The norm (scheduled) minutes of ``day``: weekly hours spread evenly over the pattern's
    weekdays (0 = Monday); none on a public holiday."""
    if day.weekday() not in work_days or is_public_holiday(day) or not work_days:
        return 0
    return int((Decimal(weekly_hours) * 60 / len(work_days)).to_integral_value(ROUND_HALF_UP))


EVENING = (17 * 60, 23 * 60)  # 17:00-23:00 on every day
NIGHT = ((0, 6 * 60), (23 * 60, 24 * 60))  # 23:00-06:00


def supplement_minutes(start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    """Minutes of a work period in each supplement band.

    ``evening`` 17-23, ``night`` 23-06, ``weekend`` Saturday and Sunday (whole days),
    ``holiday`` Danish public holidays (whole days). Bands overlap: a Sunday evening counts
    as evening and weekend. The bands are the defaults of the payroll export; agreements
    that pay other bands are mapped by payroll.
    """
    result = {"evening": 0, "night": 0, "weekend": 0, "holiday": 0}
    cursor = start
    while cursor < end:
        day = cursor.date()
        next_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
        piece_end = min(end, next_midnight)
        a = cursor.hour * 60 + cursor.minute
        b = a + int((piece_end - cursor) // MINUTE)
        result["evening"] += _overlap(a, b, *EVENING)
        result["night"] += sum(_overlap(a, b, lo, hi) for lo, hi in NIGHT)
        if day.weekday() >= 5:
            result["weekend"] += b - a
        if is_public_holiday(day):
            result["holiday"] += b - a
        cursor = piece_end
    return result


def _overlap(a: int, b: int, lo: int, hi: int) -> int:
    return max(0, min(b, hi) - max(a, lo))


# --- Holiday ----------------------------------------------------------------------------------

HOLIDAY_DAYS_PER_YEAR = Decimal(25)
SPECIAL_DAYS_PER_YEAR = Decimal(5)
FOUR_WEEKS = Decimal(20)


def holiday_year_of(day: dt.date) -> int:
    """The holiday year (ferieår, 1 Sep Y - 31 Aug Y+1) that ``day`` falls in, as Y."""
    return day.year if day.month >= 9 else day.year - 1


def taking_period(year: int) -> tuple[dt.date, dt.date]:
    """The holiday-taking period of holiday year Y: 1 September Y to 31 December Y+1."""
    return dt.date(year, 9, 1), dt.date(year + 1, 12, 31)


@lru_cache(maxsize=64)
def _months_of(year: int) -> tuple[tuple[dt.date, dt.date], ...]:
    result = []
    for index in range(12):
        first = add_months(dt.date(year, 9, 1), index)
        last = dt.date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
        result.append((first, last))
    return tuple(result)


@lru_cache(maxsize=65536)  # charged per holiday day: the same few arguments over and over
def earned_days(
    year: int,
    employed_from: dt.date,
    employed_until: dt.date | None,
    *,
    usable_on: dt.date | None = None,
    per_year: Decimal = HOLIDAY_DAYS_PER_YEAR,
) -> Decimal:
    """Days earned in holiday year ``year``, pro rata for months with employment on only
    some days. With ``usable_on`` only months that ended before that date count (days earned
    in a month can be used from the first of the next month)."""
    fraction = Decimal(0)
    for first, last in _months_of(year):
        if usable_on is not None and last >= usable_on:
            break
        lo = max(first, employed_from)
        hi = min(last, employed_until) if employed_until else last
        if hi < lo:
            continue
        fraction += Decimal((hi - lo).days + 1) / Decimal((last - first).days + 1)
    return (per_year * fraction / 12).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass
class HolidayYearBalance:
    """One holiday year's account as seen on a date (days)."""

    year: int
    earned: Decimal  # usable on the date
    earned_full_year: Decimal  # what the whole holiday year gives with the current employment
    taken: Decimal  # charged on days up to and including the date
    planned: Decimal  # charged on days after the date
    expires_on: dt.date
    four_weeks: Decimal = FOUR_WEEKS  # for the special account: 0 (nothing expires)

    @property
    def remaining(self) -> Decimal:
        return self.earned - self.taken - self.planned

    @property
    def transferable(self) -> Decimal:
        """Remaining days beyond the first four weeks (the 5th week): transferable/payable."""
        used = self.taken + self.planned
        fifth = max(Decimal(0), self.earned - self.four_weeks)
        used_fifth = max(Decimal(0), used - min(self.earned, self.four_weeks))
        return max(Decimal(0), fifth - used_fifth)

    @property
    def expiring(self) -> Decimal:
        """Remaining days within the four weeks: lost (to the Feriefond) if not taken by
        ``expires_on``."""
        return max(Decimal(0), self.remaining - self.transferable)

    def as_dict(self) -> dict[str, object]:
        return {
            "holiday_year": f"{self.year}/{self.year + 1}",
            "earned": self.earned,
            "earned_full_year": self.earned_full_year,
            "taken": self.taken,
            "planned": self.planned,
            "remaining": self.remaining,
            "transferable": self.transferable,
            "expiring": self.expiring,
            "expires_on": self.expires_on,
        }


def holiday_balance(
    *,
    on: dt.date,
    employed_from: dt.date,
    employed_until: dt.date | None,
    days_taken: Iterable[tuple[dt.date, Decimal]],
    per_year: Decimal = HOLIDAY_DAYS_PER_YEAR,
    four_weeks: Decimal = FOUR_WEEKS,
) -> list[HolidayYearBalance]:
    """The accounts (oldest first) whose taking period has begun and not ended on ``on``.

    Each holiday day (date, days; half days 0.5) is charged to the oldest holiday year whose
    taking period covers it and that has usable days left on that date; what no year covers
    is charged to the newest year (holiday in advance: its remaining goes below zero).
    """
    charged: dict[int, list[Decimal]] = {}  # year -> [taken, planned]
    for day, amount in sorted(days_taken):
        candidates = [y for y in (day.year - 1, day.year) if taking_period(y)[0] <= day]
        candidates = [y for y in candidates if day <= taking_period(y)[1]]
        left = Decimal(amount)
        slot = 0 if day <= on else 1
        for year in candidates:
            usable = earned_days(
                year, employed_from, employed_until, usable_on=day, per_year=per_year
            )
            free = usable - sum(charged.get(year, [Decimal(0), Decimal(0)]))
            part = min(left, max(Decimal(0), free))
            if part > 0:
                charged.setdefault(year, [Decimal(0), Decimal(0)])[slot] += part
                left -= part
        if left > 0 and candidates:
            charged.setdefault(candidates[-1], [Decimal(0), Decimal(0)])[slot] += left
    result = []
    for year in (holiday_year_of(on) - 1, holiday_year_of(on)):
        begins, ends = taking_period(year)
        if not begins <= on <= ends:
            continue
        taken, planned = charged.get(year, [Decimal(0), Decimal(0)])
        if employed_from > dt.date(year + 1, 8, 31) and not taken and not planned:
            continue  # not employed in that holiday year
        result.append(
            HolidayYearBalance(
                year=year,
                earned=earned_days(
                    year, employed_from, employed_until, usable_on=on, per_year=per_year
                ),
                earned_full_year=earned_days(
                    year, employed_from, employed_until, per_year=per_year
                ),
                taken=taken,
                planned=planned,
                expires_on=ends,
                four_weeks=four_weeks,
            )
        )
    return result


def special_holiday_balance(
    *,
    on: dt.date,
    employed_from: dt.date,
    employed_until: dt.date | None,
    days_taken: Iterable[tuple[dt.date, Decimal]],
) -> list[HolidayYearBalance]:
    """The special holiday days (6th week) account: 5 days a year, nothing expires."""
    return holiday_balance(
        on=on,
        employed_from=employed_from,
        employed_until=employed_until,
        days_taken=days_taken,
        per_year=SPECIAL_DAYS_PER_YEAR,
        four_weeks=Decimal(0),
    )
