"""``ks calendar due|between``: the interface other systems depend on."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from koncernservice.core.models import BusinessCalendar, ClosingDay
from tests.core.test_import import run

pytestmark = pytest.mark.django_db


def due(*args: str) -> str:
    code, out, err = run("calendar", "due", *args, "--json")
    assert code == 0, err
    return json.loads(out)["due"]


def test_due_over_easter_2026() -> None:
    # Wed 1 Apr 14:00 + 4 h: 2 h on Wednesday (until 16:00); Maundy Thursday 2 Apr, Good Friday
    # 3 Apr, the weekend and Easter Monday 6 Apr are closed; 2 h on Tue 7 Apr → 10:00.
    assert (
        due("--start", "2026-04-01T14:00", "--business-hours", "4") == "2026-04-07T10:00:00+02:00"
    )


def test_due_with_offset_given_in_utc() -> None:
    # 12:00Z is 14:00 in Copenhagen in April (UTC+2): the same answer as above.
    assert due("--start", "2026-04-01T12:00:00Z", "--business-hours", "4") == (
        "2026-04-07T10:00:00+02:00"
    )


def test_due_over_christmas_2026() -> None:
    # Wed 23 Dec 12:00: 4 h that day; 24 Dec (local closing day), 25–27 Dec closed; Mon 28 Dec
    # 8 h, Tue 29 Dec 8 h, Wed 30 Dec 8 h = 28 h by 16:00 on the 30th; 31 Dec closed; 1 Jan is a
    # holiday, then the weekend; the 29th hour ends Mon 4 Jan 2027 09:00 (+01:00, winter time).
    assert due("--start", "2026-12-23T12:00", "--business-hours", "29") == (
        "2027-01-04T09:00:00+01:00"
    )


def test_between_counts_business_hours() -> None:
    code, out, _err = run(
        "calendar", "between", "--start", "2026-12-23T12:00", "--end", "2027-01-04T09:00", "--json"
    )
    assert code == 0
    assert json.loads(out) == {"business_hours": 29}


def test_named_calendar_with_lunch_break() -> None:
    calendar = BusinessCalendar.objects.create(
        name="frokost",
        title="Med frokostpause",
        opening_hours={str(d): [["08:00", "12:00"], ["12:30", "16:00"]] for d in range(5)},
    )
    ClosingDay.objects.create(calendar=calendar, name="Juleaftensdag", month=12, day=24)
    # Mon 12 Jan 2026 10:00 + 4 h: 10–12 (2 h), lunch 12–12:30, 12:30–14:30 (2 h).
    assert due("--start", "2026-01-12T10:00", "--business-hours", "4", "--calendar", "frokost") == (
        "2026-01-12T14:30:00+01:00"
    )


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["due", "--start", "i går", "--business-hours", "4"], "--start"),
        (["due", "--start", "2026-01-12T10:00", "--business-hours", "-1"], "--business-hours"),
        (["due", "--start", "2026-01-12T10:00", "--business-hours", "fire"], "--business-hours"),
        (
            ["due", "--start", "2026-01-12T10:00", "--business-hours", "4", "--calendar", "nej"],
            "--calendar",
        ),
        (["due", "--start", "3026-01-12T10:00", "--business-hours", "4"], "--start"),
    ],
)
def test_bad_input_exits_non_zero_naming_the_option(args: list[str], field: str) -> None:
    code, _out, err = run("calendar", *args, "--json")
    assert code == 2
    assert json.loads(err)["errors"][0]["field"] == field


def test_store_bededag_is_a_working_day_from_2024() -> None:
    # The 4th Friday after Easter: 5 May 2023 was a holiday; 1 May 2026 is a working day.
    assert (
        due("--start", "2023-05-04T15:00", "--business-hours", "2") == "2023-05-08T09:00:00+02:00"
    )
    assert (
        due("--start", "2026-04-30T15:00", "--business-hours", "2") == "2026-05-01T09:00:00+02:00"
    )
    assert dt.date(2026, 5, 1).weekday() == 4
