"""Report periods from the query string (``?fra=…&til=…``) and the Danish number format of
amounts on pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import translation

from koncernservice.core.charts import columns
from koncernservice.core.periods import Period, period_from_query
from koncernservice.core.tables import amount

END = dt.date(2026, 1, 1)


def ask(**query: str) -> tuple[Period, list[str]]:
    with translation.override("da"):
        return period_from_query(query, default_end=END)


def test_default_is_30_days_ending_on_the_given_day() -> None:
    period, errors = ask()
    assert (period.start, period.end, period.days, errors) == (dt.date(2025, 12, 3), END, 30, [])


def test_one_end_given_takes_30_days_from_or_to_it() -> None:
    assert ask(fra="2025-02-01")[0] == Period(dt.date(2025, 2, 1), dt.date(2025, 3, 2))
    assert ask(til="2025-03-02")[0] == Period(dt.date(2025, 2, 1), dt.date(2025, 3, 2))
    whole_year, errors = ask(fra="2025-01-01", til="2025-12-31")
    assert whole_year.days == 365 and not errors


def test_a_wrong_date_is_named_and_the_default_is_shown() -> None:
    period, errors = ask(fra="2025-13-01", til="2025-12-31")
    assert period == ask()[0]
    assert errors == ["'fra' er ikke en gyldig dato: 2025-13-01 (brug ÅÅÅÅ-MM-DD)."]


def test_start_after_end_and_too_long_periods_are_refused() -> None:
    assert ask(fra="2025-12-31", til="2025-12-01")[1] == [
        "'fra' (2025-12-31) ligger efter 'til' (2025-12-01)."
    ]
    period, errors = ask(fra="2024-01-01", til="2025-01-01")  # 367 days
    assert period == ask()[0]
    assert errors == ["Perioden er 367 dage; der kan højst vises 366 dage."]


def test_amounts_are_grouped_with_a_decimal_comma() -> None:
    with translation.override("da"):
        assert amount(Decimal("6997905"), 2) == "6.997.905,00"
        assert amount(Decimal("158625.00")) == "158.625,00"
        assert amount(Decimal("-1234.5"), 2) == "-1.234,50"
        assert amount(None) == "–"


def test_columns_scale_to_the_highest_value() -> None:
    chart = columns(
        [{"received": 10, "rejected": 1}, {"received": 5, "rejected": 0}],
        ["received", "rejected"],
        width=100,
        height=50,
    )
    first, second = chart["bars"]
    assert chart["top"] == 10
    assert [r["h"] for r in first["rects"]] == [50.0, 5.0]
    assert [r["h"] for r in second["rects"]] == [25.0, 0.0]
    assert first["rects"][0]["y"] == 0.0 and second["rects"][0]["x"] == 50.0
