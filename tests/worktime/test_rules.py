"""Worked examples (numbers from the law, stated in comments) and properties of worktime.rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from koncernservice.worktime import rules

D = Decimal


def span(day: dt.date, start: str, end: str) -> tuple[int, int]:
    begin, finish = rules.period_instants(
        day, dt.time.fromisoformat(start), dt.time.fromisoformat(end)
    )
    return rules.to_minutes(begin), rules.to_minutes(finish)


MON = dt.date(2026, 3, 2)  # a Monday


def day(n: int) -> dt.date:
    return MON + dt.timedelta(days=n)


# --- Daily rest (11 hours in every 24, Arbejdsmiljøloven § 50, directive art. 3) ---------------


def test_normal_office_week_has_no_findings() -> None:
    periods = [span(day(i), "08:00", "16:00") for i in range(5)]
    assert rules.daily_rest_findings(periods) == []
    assert rules.weekly_rest_findings(periods) == []


def test_late_shift_followed_by_early_shift_breaks_the_11_hours() -> None:
    # Monday 14-22, Tuesday 06-14: in the 24 hours from Monday 14:00 the longest rest is
    # 22:00-06:00 = 8 hours < 11. From Tuesday 06:00 the rest 14:00-06:00 is 16 hours: fine.
    periods = [span(day(0), "14:00", "22:00"), span(day(1), "06:00", "14:00")]
    assert rules.daily_rest_findings(periods) == [
        rules.Finding(
            "daily_rest_11h",
            dt.datetime(2026, 3, 2, 14),
            dt.datetime(2026, 3, 3, 14),
            D("8.00"),
            D(11),
        )
    ]


def test_reduction_to_8_hours_is_a_deviation_where_an_agreement_permits_it() -> None:
    periods = [span(day(0), "14:00", "22:00"), span(day(1), "06:00", "14:00")]
    findings = rules.daily_rest_findings(periods, reduced_hours=8)
    assert [(f.rule, f.value, f.limit) for f in findings] == [
        ("daily_rest_11h_reduced", D("8.00"), D(11))
    ]
    # 7 hours is below even the reduced minimum: a violation against the limit of 8.
    periods = [span(day(0), "14:00", "23:00"), span(day(1), "06:00", "14:00")]
    findings = rules.daily_rest_findings(periods, reduced_hours=8)
    assert [(f.rule, f.value, f.limit) for f in findings] == [("daily_rest_11h", D("7.00"), D(8))]


def test_night_shift_runs_over_midnight() -> None:
    start, end = span(day(0), "22:00", "06:00")
    assert end - start == 8 * 60
    nights = [span(day(i), "22:00", "06:00") for i in range(4)]
    assert rules.daily_rest_findings(nights) == []  # 06:00-22:00 = 16 hours of rest


def test_a_split_shift_is_judged_on_the_rolling_24_hours() -> None:
    # 06-10 and 18-22 every day: rests of 8 hours only, every window fails; the overlapping
    # windows are reported as one finding from the first start to 24 hours after the last.
    periods = [
        p
        for i in range(3)
        for p in (span(day(i), "06:00", "10:00"), span(day(i), "18:00", "22:00"))
    ]
    findings = rules.daily_rest_findings(periods)
    assert len(findings) == 1
    assert findings[0].start == dt.datetime(2026, 3, 2, 6)
    assert findings[0].value == D("8.00")


# --- Weekly rest (35 hours in every 7 days, directive art. 5) ---------------------------------


def test_seven_days_in_a_row_break_the_weekly_rest() -> None:
    # Mon-Sun 08-16: from Monday 08:00 the 7 days hold rests of 16 hours only (< 35).
    # From Tuesday 08:00 the rest Sunday 16:00 - Tuesday 08:00 (40 hours) lies in the window.
    periods = [span(day(i), "08:00", "16:00") for i in range(7)]
    assert rules.weekly_rest_findings(periods) == [
        rules.Finding(
            "weekly_rest_35h",
            dt.datetime(2026, 3, 2, 8),
            dt.datetime(2026, 3, 9, 8),
            D("16.00"),
            D(35),
        )
    ]


# --- 48-hour average over 4 months (directive art. 6 and 16(b)) ------------------------------

JAN1, APR30 = dt.date(2026, 1, 1), dt.date(2026, 4, 30)  # 120 days, 86 weekdays


def weekdays(first: dt.date, last: dt.date) -> list[dt.date]:
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    return [d for d in days if d.weekday() < 5]


def test_ten_hours_every_weekday_for_four_months_is_above_48() -> None:
    # 86 weekdays x 10 h = 860 h over 120 days: 860 x 7 / 120 = 50.17 h a week > 48.
    minutes = {d: 600 for d in weekdays(JAN1, APR30)}
    assert rules.average_weekly_hours(minutes, [], JAN1, APR30) == D("50.17")
    findings = rules.average_findings(minutes, [], (JAN1, APR30))
    assert [(f.rule, f.start, f.end, f.value, f.limit) for f in findings] == [
        ("max_48h_average", JAN1, APR30, D("50.17"), D(48))
    ]


def test_annual_leave_is_neutral_and_does_not_dilute_the_average() -> None:
    # Three weeks of holiday (21 days, 15 of them weekdays): counted as zero hours they would
    # dilute the average to 710 x 7 / 120 = 41.42 h. Neutral (left out of hours and days):
    # 710 x 7 / 99 = 50.20 h, still a violation.
    holiday = [dt.date(2026, 2, 2) + dt.timedelta(days=i) for i in range(21)]
    minutes = {d: 600 for d in weekdays(JAN1, APR30) if d not in holiday}
    assert rules.average_weekly_hours(minutes, holiday, JAN1, APR30) == D("50.20")
    assert rules.average_weekly_hours(minutes, [], JAN1, APR30) == D("41.42")
    findings = rules.average_findings(minutes, holiday, (JAN1, APR30))
    assert [(f.rule, f.value) for f in findings] == [("max_48h_average", D("50.20"))]


def test_46_hours_on_average_is_a_trend_not_a_violation() -> None:
    # 9.3 h every weekday: 86 x 558 min = 799.8 h; x 7 / 120 = 46.66 h: above 46, not above 48.
    minutes = {d: 558 for d in weekdays(JAN1, APR30)}
    findings = rules.average_findings(minutes, [], (JAN1, APR30))
    assert [(f.rule, f.value, f.limit) for f in findings] == [
        ("max_48h_average_trend", D("46.66"), D(46))
    ]


def test_no_average_is_judged_before_a_whole_reference_period_is_known() -> None:
    minutes = {d: 720 for d in weekdays(JAN1, dt.date(2026, 3, 31))}  # 60 h a week
    assert rules.average_findings(minutes, [], (JAN1, dt.date(2026, 3, 31))) == []


def test_reference_period_start_is_four_calendar_months_back() -> None:
    assert rules.reference_period_start(dt.date(2026, 4, 30)) == dt.date(2026, 1, 1)
    assert rules.reference_period_start(dt.date(2026, 6, 30)) == dt.date(2026, 3, 1)
    assert rules.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)


# --- Norm hours and supplements ---------------------------------------------------------------


def test_norm_hours_follow_weekly_hours_and_the_pattern() -> None:
    assert rules.norm_minutes(MON, D("37"), (0, 1, 2, 3, 4)) == 444  # 7.4 h
    assert rules.norm_minutes(MON, D("37"), (0, 1, 2, 3)) == 555  # 4-day week: 9.25 h
    assert rules.norm_minutes(MON, D("18.5"), (0, 1, 2, 3, 4)) == 222  # part-time
    assert rules.norm_minutes(day(5), D("37"), (0, 1, 2, 3, 4)) == 0  # Saturday
    assert rules.norm_minutes(dt.date(2026, 12, 25), D("37"), (0, 1, 2, 3, 4)) == 0  # juledag


def test_supplement_bands() -> None:
    # Saturday 20:00 - Sunday 02:00: evening 20-23 (3 h), night 23-02 (3 h), all weekend.
    result = rules.supplement_minutes(dt.datetime(2026, 3, 7, 20), dt.datetime(2026, 3, 8, 2))
    assert result == {"evening": 180, "night": 180, "weekend": 360, "holiday": 0}
    result = rules.supplement_minutes(dt.datetime(2026, 12, 25, 8), dt.datetime(2026, 12, 25, 16))
    assert result == {"evening": 0, "night": 0, "weekend": 0, "holiday": 480}


# --- Holiday (Ferieloven 2020) ----------------------------------------------------------------


def test_holiday_year_and_taking_period() -> None:
    assert rules.holiday_year_of(dt.date(2025, 8, 31)) == 2024
    assert rules.holiday_year_of(dt.date(2025, 9, 1)) == 2025
    assert rules.taking_period(2024) == (dt.date(2024, 9, 1), dt.date(2025, 12, 31))


def test_full_year_earns_25_days_at_2_08_a_month() -> None:
    start = dt.date(2020, 1, 1)
    assert rules.earned_days(2024, start, None) == D("25.00")
    # Usable from the month after earning: on 15 October only September's 2.08 days.
    assert rules.earned_days(2024, start, None, usable_on=dt.date(2024, 10, 15)) == D("2.08")
    assert rules.earned_days(2024, start, None, usable_on=dt.date(2024, 9, 30)) == D("0.00")


def test_partial_months_are_pro_rata() -> None:
    # Hired 16 September: 15 of 30 days = 1.04 days; on 1 November + October's 2.08 = 3.13.
    start = dt.date(2024, 9, 16)
    assert rules.earned_days(2024, start, None, usable_on=dt.date(2024, 10, 1)) == D("1.04")
    assert rules.earned_days(2024, start, None, usable_on=dt.date(2024, 11, 1)) == D("3.13")
    # Left 31 March: September-March = 7 months = 14.58 days.
    assert rules.earned_days(2024, dt.date(2020, 1, 1), dt.date(2025, 3, 31)) == D("14.58")


def test_balance_with_fifth_week_transferable_and_four_weeks_expiring() -> None:
    # 25 days earned in 2024/25; 18 taken by 1 December 2025: 7 remain, of which the 5th week
    # (5 days) may be transferred or paid out, and 2 days of the 4 weeks expire on 31 Dec.
    taken = [(dt.date(2025, 7, 1) + dt.timedelta(days=i), D(1)) for i in range(18)]
    accounts = rules.holiday_balance(
        on=dt.date(2025, 12, 1),
        employed_from=dt.date(2020, 1, 1),
        employed_until=None,
        days_taken=taken,
    )
    old, new = accounts
    assert (old.year, old.earned, old.taken, old.remaining) == (2024, D(25), D(18), D(7))
    assert (old.transferable, old.expiring, old.expires_on) == (
        D(5),
        D(2),
        dt.date(2025, 12, 31),
    )
    assert (new.year, new.earned, new.taken) == (2025, D("6.25"), D(0))  # Sep-Nov


def test_holiday_is_charged_to_the_oldest_year_first_and_future_days_are_planned() -> None:
    days = [(dt.date(2025, 10, 6), D(1)), (dt.date(2025, 12, 29), D("0.5"))]
    old, new = rules.holiday_balance(
        on=dt.date(2025, 11, 1),
        employed_from=dt.date(2020, 1, 1),
        employed_until=None,
        days_taken=days,
    )
    assert (old.taken, old.planned, new.taken, new.planned) == (D(1), D("0.5"), D(0), D(0))


def test_holiday_before_it_is_earned_is_taken_in_advance() -> None:
    (account,) = rules.holiday_balance(
        on=dt.date(2025, 9, 15),
        employed_from=dt.date(2025, 9, 1),
        employed_until=None,
        days_taken=[(dt.date(2025, 9, 10), D(1))],
    )
    assert (account.earned, account.taken, account.remaining) == (D(0), D(1), D(-1))


def test_special_holiday_days_are_their_own_account_and_never_expire() -> None:
    accounts = rules.special_holiday_balance(
        on=dt.date(2025, 12, 1),
        employed_from=dt.date(2020, 1, 1),
        employed_until=None,
        days_taken=[(dt.date(2025, 3, 3), D(2))],
    )
    old = accounts[0]
    assert (old.earned, old.taken, old.transferable, old.expiring) == (D(5), D(2), D(3), D(0))


# --- Properties -------------------------------------------------------------------------------

shifts = st.lists(
    st.tuples(st.integers(0, 60 * 24 * 28), st.integers(30, 60 * 14)), min_size=1, max_size=20
)


@settings(max_examples=200, deadline=None)
@given(shifts, st.data())
def test_removing_work_never_creates_a_rest_violation(raw, data) -> None:
    periods = [(start, start + length) for start, length in raw]
    if rules.daily_rest_findings(periods) or rules.weekly_rest_findings(periods):
        return
    index = data.draw(st.integers(0, len(periods) - 1))
    fewer = periods[:index] + periods[index + 1 :]
    assert rules.daily_rest_findings(fewer) == []
    assert rules.weekly_rest_findings(fewer) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(30, 11 * 60), st.integers(13 * 60, 40 * 60)), max_size=30))
def test_shifts_of_at_most_11_hours_with_13_hours_between_keep_the_daily_rest(raw) -> None:
    periods, cursor = [], 0
    for length, rest in raw:
        periods.append((cursor, cursor + length))
        cursor += length + rest
    assert rules.daily_rest_findings(periods) == []


@settings(max_examples=100, deadline=None)
@given(
    st.dates(dt.date(2020, 1, 1), dt.date(2026, 12, 31)),
    st.dates(dt.date(2020, 1, 1), dt.date(2026, 12, 31)),
)
def test_earned_days_grow_with_time_and_never_exceed_25(hired, on) -> None:
    year = rules.holiday_year_of(on)
    earlier = rules.earned_days(year, hired, None, usable_on=on)
    later = rules.earned_days(year, hired, None, usable_on=on + dt.timedelta(days=40))
    assert D(0) <= earlier <= later <= D(25)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 500), min_size=1, max_size=20))
def test_every_holiday_day_in_the_taking_periods_is_charged_once(offsets) -> None:
    on = dt.date(2025, 10, 1)
    days = [(dt.date(2025, 9, 1) + dt.timedelta(days=o % 120), D("0.5")) for o in offsets]
    accounts = rules.holiday_balance(
        on=on, employed_from=dt.date(2019, 1, 1), employed_until=None, days_taken=days
    )
    assert sum(a.taken + a.planned for a in accounts) == D("0.5") * len(days)
