"""Danish business calendar rules: worked examples (computed by hand) and properties.

Pure tests: no Django. The standard calendar is Mon-Thu 08:00-16:00, Fri 08:00-15:30,
Danish public holidays, 24 and 31 Dec closed, 5 June closed from 12:00, Europe/Copenhagen.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from koncernservice.core.rules.calendar import (
    WHOLE_DAY,
    CalendarSpec,
    add_business_days,
    add_business_hours,
    add_business_seconds,
    business_hours_between,
    business_seconds_between,
    copenhagen_standard,
    danish_public_holidays,
    is_business_day,
    open_intervals,
)


def instant(moment: datetime) -> float:
    """The moment on the time line (UTC seconds): what orders and equates aware datetimes."""
    return moment.timestamp()


CPH = ZoneInfo("Europe/Copenhagen")
HOUR = 3600

STANDARD = copenhagen_standard()
LUNCH = CalendarSpec(
    name="lunch",
    tz=CPH,
    opening_hours={d: ((time(8), time(12)), (time(12, 30), time(16))) for d in range(5)},
    closures={},
)
ALWAYS = CalendarSpec(
    name="24/7",
    tz=CPH,
    opening_hours={d: WHOLE_DAY for d in range(7)},
    closures={},
    include_public_holidays=False,
)
# Weekend nights that touch midnight and the DST hour (02:00-03:00 local on Sundays).
NIGHTS = CalendarSpec(
    name="nights",
    tz=CPH,
    opening_hours={5: ((time(22), time.max),), 6: ((time(0, 30), time(3, 30)),)},
    closures={(12, 24): WHOLE_DAY, date(2026, 10, 25): ((time(1), time(2)),)},
    include_public_holidays=False,
)
SPECS = [STANDARD, LUNCH, ALWAYS, NIGHTS]


def cph(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CPH)


def assert_local(value: datetime, expected_iso: str) -> None:
    """Same instant, same wall time and offset, and in the spec's timezone."""
    assert value.isoformat() == expected_iso
    assert value.tzinfo == CPH


# --- Public holidays ----------------------------------------------------------------------


def test_store_bededag_is_a_holiday_in_2023_only() -> None:
    # Store Bededag = 4th Friday after Easter (Easter Sunday + 26 days); abolished from 2024.
    assert danish_public_holidays(2023)[date(2023, 5, 5)] == "Store bededag"
    for year, friday in [
        (2024, date(2024, 4, 26)),
        (2025, date(2025, 5, 16)),
        (2026, date(2026, 5, 1)),
        (2027, date(2027, 4, 23)),
        (2028, date(2028, 5, 12)),
    ]:
        found = danish_public_holidays(year)
        assert friday not in found
        assert not any("bededag" in name.lower() for name in found.values())


def test_store_bededag_2023_is_closed_but_its_2026_friday_is_an_ordinary_business_day() -> None:
    assert not is_business_day(STANDARD, date(2023, 5, 5))
    # Fri 1 May 2026 (Easter 5 Apr + 26 days; also Workers' Day, which is no public holiday).
    assert is_business_day(STANDARD, date(2026, 5, 1))
    assert open_intervals(STANDARD, date(2026, 5, 1)) == [
        (cph(2026, 5, 1, 8), cph(2026, 5, 1, 15, 30))
    ]


@pytest.mark.parametrize("year", range(2023, 2030))
def test_christmas_eve_new_years_eve_and_constitution_day_are_not_public_holidays(
    year: int,
) -> None:
    found = danish_public_holidays(year)
    assert date(year, 12, 24) not in found
    assert date(year, 12, 31) not in found
    # Except when a real holiday falls on 5 June: Whit Monday 2028 (Easter 16 Apr + 50 days).
    if year == 2028:
        assert found[date(2028, 6, 5)] == "Anden pinsedag"
    else:
        assert date(year, 6, 5) not in found


def test_holidays_of_2026_and_2027() -> None:
    h26 = danish_public_holidays(2026)
    assert {date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 6)} <= h26.keys()  # Easter
    assert h26[date(2026, 5, 14)] == "Kristi himmelfartsdag"
    assert h26[date(2026, 5, 25)] == "Anden pinsedag"
    assert {date(2026, 1, 1), date(2026, 12, 25), date(2026, 12, 26)} <= h26.keys()
    h27 = danish_public_holidays(2027)
    assert {date(2027, 3, 25), date(2027, 3, 26), date(2027, 3, 29)} <= h27.keys()
    assert date(2027, 1, 1) in h27


def test_danish_public_holidays_returns_a_copy() -> None:
    danish_public_holidays(2026).clear()
    assert len(danish_public_holidays(2026)) == 10


# --- Worked examples ----------------------------------------------------------------------


def test_easter_2026() -> None:
    # Thu 2, Fri 3 and Mon 6 Apr are holidays, 4-5 Apr a weekend.
    for day in (2, 3, 4, 5, 6):
        assert not is_business_day(STANDARD, date(2026, 4, day))
    assert is_business_day(STANDARD, date(2026, 4, 7))
    # Wed 1 Apr 14:00-16:00 = 2 h, then Tue 7 Apr 08:00 + 2 h (DST since 29 Mar: +02:00).
    result = add_business_hours(STANDARD, cph(2026, 4, 1, 14), 4)
    assert_local(result, "2026-04-07T10:00:00+02:00")
    assert business_seconds_between(STANDARD, cph(2026, 4, 1, 14), result) == 4 * HOUR
    assert add_business_days(STANDARD, date(2026, 4, 1), 1) == date(2026, 4, 7)


def test_easter_2027_across_the_start_of_dst() -> None:
    # Thu 25, Fri 26, Mon 29 Mar 2027 are holidays; DST starts Sun 28 Mar (+01:00 -> +02:00).
    assert [is_business_day(STANDARD, date(2027, 3, d)) for d in range(24, 31)] == [
        True, False, False, False, False, False, True,
    ]  # fmt: skip
    start = cph(2027, 3, 24, 14)
    assert start.isoformat() == "2027-03-24T14:00:00+01:00"
    # Wed 14:00-16:00 = 2 h, then Tue 30 Mar 08:00 + 2 h.
    result = add_business_hours(STANDARD, start, 4)
    assert_local(result, "2027-03-30T10:00:00+02:00")
    # Across the holiday the wall clock moved one hour more than the real (UTC) clock.
    assert result.replace(tzinfo=None) - start.replace(tzinfo=None) == timedelta(days=5, hours=20)
    assert result.astimezone(UTC) - start.astimezone(UTC) == timedelta(days=5, hours=19)
    assert business_hours_between(STANDARD, start, result) == Decimal("4.0000")


def test_christmas_2026() -> None:
    # 24 Dec closed (Thu), 25 Dec holiday (Fri), 26-27 Dec weekend, 31 Dec closed,
    # 1 Jan 2027 holiday (Fri), 2-3 Jan weekend.
    closed = [date(2026, 12, d) for d in (24, 25, 26, 27, 31)] + [
        date(2027, 1, d) for d in (1, 2, 3)
    ]
    assert not any(is_business_day(STANDARD, d) for d in closed)
    assert all(is_business_day(STANDARD, date(2026, 12, d)) for d in (23, 28, 29, 30))
    start = cph(2026, 12, 23, 12)
    # Wed 23 Dec 12:00-16:00 = 4 h, then Mon 28 Dec 08:00 + 4 h.
    assert_local(add_business_hours(STANDARD, start, 8), "2026-12-28T12:00:00+01:00")
    # 4 + 8 (Mon 28) + 8 (Tue 29) + 8 (Wed 30) = 28 h ends exactly at Wed 30 Dec 16:00 ...
    assert_local(add_business_hours(STANDARD, start, 28), "2026-12-30T16:00:00+01:00")
    # ... and one more hour skips 31 Dec, 1 Jan and the weekend: Mon 4 Jan 2027 09:00.
    assert_local(add_business_hours(STANDARD, start, 29), "2027-01-04T09:00:00+01:00")
    assert add_business_days(STANDARD, date(2026, 12, 23), 4) == date(2027, 1, 4)


def test_constitution_day_afternoon_is_closed() -> None:
    # Fri 5 June 2026: Friday hours 08:00-15:30, closed from 12:00.
    assert open_intervals(STANDARD, date(2026, 6, 5)) == [(cph(2026, 6, 5, 8), cph(2026, 6, 5, 12))]
    # Fri 11:00-12:00 = 1 h, then Mon 8 Jun 08:00 + 1 h.
    assert_local(add_business_hours(STANDARD, cph(2026, 6, 5, 11), 2), "2026-06-08T09:00:00+02:00")
    # Mon 5 June 2028 is also Whit Monday: closed the whole day.
    assert open_intervals(STANDARD, date(2028, 6, 5)) == []
    # Closures recur every year: 5 June 2029 is a Tuesday, open 08:00-12:00.
    assert open_intervals(STANDARD, date(2029, 6, 5)) == [(cph(2029, 6, 5, 8), cph(2029, 6, 5, 12))]


def test_ascension_day_and_whit_monday() -> None:
    # Ascension Thu 14 May 2026: Wed 15:30-16:00 = 0.5 h, then Fri 15 May 08:00 + 0.5 h.
    assert not is_business_day(STANDARD, date(2026, 5, 14))
    assert_local(
        add_business_hours(STANDARD, cph(2026, 5, 13, 15, 30), 1), "2026-05-15T08:30:00+02:00"
    )
    # Whit Monday 25 May 2026: Fri 22 May 15:00-15:30 = 0.5 h, then Tue 26 May 08:00 + 1.5 h.
    assert not is_business_day(STANDARD, date(2026, 5, 25))
    assert_local(add_business_hours(STANDARD, cph(2026, 5, 22, 15), 2), "2026-05-26T09:30:00+02:00")


def test_dst_autumn_day_has_25_hours() -> None:
    # Sun 25 Oct 2026: clocks go back from 03:00 +02:00 to 02:00 +01:00.
    day = date(2026, 10, 25)
    assert open_intervals(ALWAYS, day) == [
        (datetime(2026, 10, 24, 22, tzinfo=UTC), datetime(2026, 10, 25, 23, tzinfo=UTC))
    ]
    start = cph(2026, 10, 25)
    assert start.isoformat() == "2026-10-25T00:00:00+02:00"
    # 24 h of business time from local midnight end at 23:00 local wall time the same day.
    assert_local(add_business_hours(ALWAYS, start, 24), "2026-10-25T23:00:00+01:00")
    assert business_seconds_between(ALWAYS, start, cph(2026, 10, 26)) == 25 * HOUR
    # Real hours, not wall-clock hours: Sat 23:00 +02:00 (21:00 UTC) + 5 h = 02:00 UTC.
    late = cph(2026, 10, 24, 23)
    assert_local(add_business_hours(ALWAYS, late, 5), "2026-10-25T03:00:00+01:00")
    assert business_seconds_between(ALWAYS, late, cph(2026, 10, 25, 3)) == 5 * HOUR
    # Within one interval too: 01:00 +02:00 (23:00 UTC) + 3 h = 02:00 UTC = 03:00 +01:00, and
    # 01:00 to 04:00 local that night are 4 real hours.
    one_am = cph(2026, 10, 25, 1)
    assert_local(add_business_hours(ALWAYS, one_am, 3), "2026-10-25T03:00:00+01:00")
    assert business_seconds_between(ALWAYS, one_am, cph(2026, 10, 25, 4)) == 4 * HOUR
    # Standard calendar: Fri 23 Oct 15:00-15:30 (+02:00), then Mon 26 Oct 08:00 +01:00 + 0.5 h.
    assert_local(
        add_business_hours(STANDARD, cph(2026, 10, 23, 15), 1), "2026-10-26T08:30:00+01:00"
    )


def test_dst_spring_day_has_23_hours() -> None:
    # Sun 28 Mar 2027: clocks jump from 02:00 +01:00 to 03:00 +02:00.
    assert business_seconds_between(ALWAYS, cph(2027, 3, 28), cph(2027, 3, 29)) == 23 * HOUR
    assert_local(add_business_hours(ALWAYS, cph(2027, 3, 28), 23), "2027-03-29T00:00:00+02:00")
    # NIGHTS: Sun 00:30 +01:00 (23:30 UTC) to 03:30 +02:00 (01:30 UTC) is only 2 h.
    assert business_seconds_between(NIGHTS, cph(2027, 3, 28), cph(2027, 3, 28, 12)) == 2 * HOUR


def test_lunch_break() -> None:
    # 08:00-12:00 and 12:30-16:00. 10:00-12:00 = 2 h, then 12:30 + 2 h.
    start = cph(2026, 6, 10, 10)
    assert_local(add_business_hours(LUNCH, start, 4), "2026-06-10T14:30:00+02:00")
    # Exactly 2 h ends at the start of the break, not at 12:30.
    assert_local(add_business_hours(LUNCH, start, 2), "2026-06-10T12:00:00+02:00")
    # A start inside the break waits for 12:30.
    assert_local(
        add_business_hours(LUNCH, cph(2026, 6, 10, 12, 10), 2), "2026-06-10T14:30:00+02:00"
    )
    assert business_hours_between(LUNCH, start, cph(2026, 6, 10, 14, 30)) == Decimal("4.0000")


def test_result_at_the_end_of_an_interval_stays_there() -> None:
    # 8 h from Mon 8 Jun 2026 08:00 is Mon 16:00, not Tue 08:00; Friday closes at 15:30.
    assert_local(add_business_hours(STANDARD, cph(2026, 6, 8, 8), 8), "2026-06-08T16:00:00+02:00")
    assert_local(
        add_business_hours(STANDARD, cph(2026, 6, 12, 8), 7.5), "2026-06-12T15:30:00+02:00"
    )


def test_start_outside_opening_hours_and_adding_zero() -> None:
    saturday = cph(2026, 6, 13, 10)
    # The clock starts Mon 15 Jun 08:00.
    assert_local(add_business_hours(STANDARD, saturday, 1), "2026-06-15T09:00:00+02:00")
    # Adding 0 returns the start itself, even when closed, in the spec's timezone.
    assert_local(add_business_seconds(STANDARD, saturday, 0), "2026-06-13T10:00:00+02:00")
    in_utc = saturday.astimezone(UTC)
    assert_local(add_business_hours(STANDARD, in_utc, 0), "2026-06-13T10:00:00+02:00")


def test_hours_are_converted_to_whole_seconds_half_up() -> None:
    start = cph(2026, 6, 8, 8)
    assert add_business_hours(STANDARD, start, Decimal("0.5")) == cph(2026, 6, 8, 8, 30)
    assert add_business_hours(STANDARD, start, 0.1) == cph(2026, 6, 8, 8, 6)  # 360 s exactly
    # 0.00125 h = 4.5 s -> 5 s; 0.000625 h = 2.25 s -> 2 s.
    assert add_business_hours(STANDARD, start, Decimal("0.00125")) == start + timedelta(seconds=5)
    assert add_business_hours(STANDARD, start, Decimal("0.000625")) == start + timedelta(seconds=2)


def test_business_hours_between_across_a_weekend_and_christmas() -> None:
    # Fri 12 Jun 2026 14:00-15:30 = 1.5 h, Mon 15 Jun 08:00-10:00 = 2 h.
    friday, monday = cph(2026, 6, 12, 14), cph(2026, 6, 15, 10)
    assert business_hours_between(STANDARD, friday, monday) == Decimal("3.5000")
    assert business_hours_between(STANDARD, monday, friday) == Decimal("-3.5000")
    assert business_seconds_between(STANDARD, monday, friday) == -int(3.5 * HOUR)
    # Wed 23 Dec 2026 08:00 to Mon 4 Jan 2027 08:00: 23, 28, 29, 30 Dec at 8 h = 32 h.
    assert business_hours_between(STANDARD, cph(2026, 12, 23, 8), cph(2027, 1, 4, 8)) == Decimal(
        "32.0000"
    )
    # 20 minutes = 0.3333 h; one second = 0.000277... h -> 0.0003 h.
    assert business_hours_between(STANDARD, monday, monday + timedelta(minutes=20)) == Decimal(
        "0.3333"
    )
    assert business_hours_between(STANDARD, monday, monday + timedelta(seconds=1)) == Decimal(
        "0.0003"
    )


def test_add_business_days() -> None:
    assert add_business_days(STANDARD, date(2026, 6, 12), 0) == date(2026, 6, 12)
    assert add_business_days(STANDARD, date(2026, 6, 12), 1) == date(2026, 6, 15)  # Fri -> Mon
    assert add_business_days(STANDARD, date(2026, 6, 13), 1) == date(2026, 6, 15)  # Sat -> Mon
    # 5 June 2026 (Fri, open until noon) counts as a business day.
    assert add_business_days(STANDARD, date(2026, 6, 4), 1) == date(2026, 6, 5)


def test_long_spans_are_fast() -> None:
    import time as clock

    begin = clock.perf_counter()
    result = add_business_hours(STANDARD, cph(2026, 1, 5, 8), 10_000)
    elapsed = clock.perf_counter() - begin
    assert business_seconds_between(STANDARD, cph(2026, 1, 5, 8), result) == 10_000 * HOUR
    assert elapsed < 0.1


# --- Errors -------------------------------------------------------------------------------


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2026, 6, 8, 8)
    with pytest.raises(ValueError, match="timezone"):
        add_business_seconds(STANDARD, naive, 10)
    with pytest.raises(ValueError, match="timezone"):
        add_business_hours(STANDARD, naive, 1)
    with pytest.raises(ValueError, match="timezone"):
        business_seconds_between(STANDARD, naive, cph(2026, 6, 8))
    with pytest.raises(ValueError, match="timezone"):
        business_hours_between(STANDARD, cph(2026, 6, 8), naive)


def test_negative_and_invalid_amounts_are_rejected() -> None:
    start = cph(2026, 6, 8, 8)
    with pytest.raises(ValueError, match="negative"):
        add_business_hours(STANDARD, start, -1)
    with pytest.raises(ValueError, match="negative"):
        add_business_hours(STANDARD, start, Decimal("-0.5"))
    with pytest.raises(ValueError, match="negative"):
        add_business_seconds(STANDARD, start, -1)
    with pytest.raises(ValueError, match="negative"):
        add_business_days(STANDARD, date(2026, 6, 8), -1)
    with pytest.raises(ValueError, match="finite"):
        add_business_hours(STANDARD, start, float("nan"))


def test_a_calendar_that_is_never_open_is_rejected_instead_of_looping() -> None:
    never = CalendarSpec(name="never", tz=CPH, opening_hours={}, closures={})
    with pytest.raises(ValueError, match="no opening hours"):
        add_business_hours(never, cph(2026, 6, 8), 1)
    with pytest.raises(ValueError, match="no opening hours"):
        add_business_days(never, date(2026, 6, 8), 1)
    assert business_seconds_between(never, cph(2026, 1, 1), cph(2027, 1, 1)) == 0
    # Opening hours, but every day of the year closed.
    leap_year = [date(2000, 1, 1) + timedelta(n) for n in range(366)]
    every_day: dict[date | tuple[int, int], tuple[tuple[time, time], ...]] = {
        (d.month, d.day): WHOLE_DAY for d in leap_year
    }
    closed = CalendarSpec(
        name="closed", tz=CPH, opening_hours=ALWAYS.opening_hours, closures=every_day
    )
    with pytest.raises(ValueError, match="no open time"):
        add_business_seconds(closed, cph(2026, 6, 8), 1)


def test_invalid_specs_are_rejected() -> None:
    with pytest.raises(ValueError, match="weekday"):
        CalendarSpec(name="x", tz=CPH, opening_hours={7: ((time(8), time(16)),)}, closures={})
    with pytest.raises(ValueError, match="start before"):
        CalendarSpec(name="x", tz=CPH, opening_hours={0: ((time(16), time(8)),)}, closures={})
    with pytest.raises(ValueError, match="month, day"):
        CalendarSpec(name="x", tz=CPH, opening_hours={}, closures={(2, 30): WHOLE_DAY})
    with pytest.raises(ValueError, match="not a datetime"):
        CalendarSpec(name="x", tz=CPH, opening_hours={}, closures={cph(2026, 1, 1): WHOLE_DAY})


def test_spec_does_not_follow_later_changes_to_the_callers_dicts() -> None:
    hours = {0: ((time(8), time(16)),)}
    spec = CalendarSpec(name="x", tz=CPH, opening_hours=hours, closures={})
    hours[1] = ((time(8), time(16)),)
    assert not is_business_day(spec, date(2026, 6, 9))  # a Tuesday


# --- Properties ---------------------------------------------------------------------------

specs = st.sampled_from(SPECS)
starts = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2028, 12, 31, 23, 59, 59),
    timezones=st.sampled_from([CPH, UTC]),
    allow_imaginary=False,
).map(lambda value: value.replace(microsecond=0))
amounts = st.integers(min_value=0, max_value=2000 * HOUR)
positive_amounts = st.integers(min_value=1, max_value=2000 * HOUR)


def is_open_or_interval_end(spec: CalendarSpec, moment: datetime) -> bool:
    local_day = moment.astimezone(spec.tz).date()
    days = (local_day - timedelta(days=1), local_day)
    return any(start < moment <= end for day in days for start, end in open_intervals(spec, day))


@settings(deadline=None, max_examples=200)
@given(spec=specs, start=starts, seconds=amounts)
def test_measuring_an_addition_gives_back_the_amount(
    spec: CalendarSpec, start: datetime, seconds: int
) -> None:
    end = add_business_seconds(spec, start, seconds)
    assert instant(end) >= instant(start)
    assert business_seconds_between(spec, start, end) == seconds
    assert business_seconds_between(spec, end, start) == -seconds


@settings(deadline=None, max_examples=200)
@given(spec=specs, start=starts, seconds=amounts)
def test_hours_between_round_trips_through_add_business_hours(
    spec: CalendarSpec, start: datetime, seconds: int
) -> None:
    end = add_business_seconds(spec, start, seconds)
    hours = business_hours_between(spec, start, end)
    assert add_business_hours(spec, start, hours) == end


def test_five_minutes_across_the_autumn_clock_change_measure_five_minutes() -> None:
    """On 27 October 2024 the clocks go back at 03:00 CEST to 02:00 CET: five minutes after
    02:55 summer time is 02:00 winter time, earlier on the wall clock but later in time.
    Measured open time is 300 s both ways round (it was 0: found by the property below)."""
    spec = ALWAYS
    start = datetime(2024, 10, 27, 2, 55, tzinfo=CPH)
    end = add_business_seconds(spec, start, 300)
    assert (end.hour, end.minute, end.fold) == (2, 0, 1)
    assert business_seconds_between(spec, start, end) == 300
    assert business_seconds_between(spec, end, start) == -300
    assert business_hours_between(spec, start, end) == Decimal("0.0833")


@settings(deadline=None, max_examples=200)
@given(spec=specs, start=starts, first=amounts, second=amounts)
def test_adding_is_monotonic_in_the_amount(
    spec: CalendarSpec, start: datetime, first: int, second: int
) -> None:
    small, large = sorted((first, second))
    # Compare instants: aware datetimes in the same zone compare by wall clock (fold ignored),
    # so 02:47 CEST and the later 02:00 CET on the night clocks go back would look reversed.
    assert instant(add_business_seconds(spec, start, small)) <= instant(
        add_business_seconds(spec, start, large)
    )


@settings(deadline=None, max_examples=200)
@given(spec=specs, first=starts, second=starts, seconds=amounts)
def test_adding_is_monotonic_in_the_start(
    spec: CalendarSpec, first: datetime, second: datetime, seconds: int
) -> None:
    early, late = sorted((first, second), key=instant)
    assert instant(add_business_seconds(spec, early, seconds)) <= instant(
        add_business_seconds(spec, late, seconds)
    )


@settings(deadline=None, max_examples=200)
@given(spec=specs, start=starts, first=positive_amounts, second=amounts)
def test_adding_is_additive(spec: CalendarSpec, start: datetime, first: int, second: int) -> None:
    stepwise = add_business_seconds(spec, add_business_seconds(spec, start, first), second)
    assert instant(stepwise) == instant(add_business_seconds(spec, start, first + second))


@settings(deadline=None, max_examples=200)
@given(spec=specs, moments=st.lists(starts, min_size=3, max_size=3))
def test_between_is_non_negative_and_additive(spec: CalendarSpec, moments: list[datetime]) -> None:
    a, b, c = sorted(moments, key=instant)
    assert business_seconds_between(spec, a, b) >= 0
    assert business_seconds_between(spec, a, b) + business_seconds_between(
        spec, b, c
    ) == business_seconds_between(spec, a, c)
    # Reversed order still adds up, with signs.
    assert business_seconds_between(spec, c, b) + business_seconds_between(
        spec, b, a
    ) == business_seconds_between(spec, c, a)


@settings(deadline=None, max_examples=200)
@given(spec=specs, start=starts, seconds=positive_amounts)
def test_a_positive_addition_ends_inside_or_at_the_end_of_an_open_interval(
    spec: CalendarSpec, start: datetime, seconds: int
) -> None:
    result = add_business_seconds(spec, start, seconds)
    assert result.tzinfo == spec.tz
    assert is_open_or_interval_end(spec, result)


@settings(deadline=None, max_examples=200)
@given(spec=specs, start=starts, days=st.integers(min_value=1, max_value=300))
def test_add_business_days_lands_on_the_nth_business_day(
    spec: CalendarSpec, start: datetime, days: int
) -> None:
    first = start.date()
    result = add_business_days(spec, first, days)
    assert is_business_day(spec, result)
    between = [first + timedelta(n) for n in range(1, (result - first).days + 1)]
    assert sum(is_business_day(spec, day) for day in between) == days


def test_thirteen_minutes_after_0247_summer_time_is_0200_winter_time_when_clocks_go_back() -> None:
    """27 October 2024: 02:47 CEST (00:47 UTC) + 13 minutes is 01:00 UTC = 02:00 CET, the
    second 02:00 of the night (fold=1): later on the time line, earlier on the wall clock."""
    start = datetime(2024, 10, 27, 2, 47, tzinfo=ZoneInfo("Europe/Copenhagen"))
    end = add_business_seconds(ALWAYS, start, 13 * 60)
    assert end.astimezone(UTC) == datetime(2024, 10, 27, 1, 0, tzinfo=UTC)
    assert (end.hour, end.minute, end.fold) == (2, 0, 1)
    assert instant(end) - instant(start) == 13 * 60
