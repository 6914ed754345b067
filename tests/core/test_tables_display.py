"""List cells show dates and times exactly as Django's short formats do, in local time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import translation

from koncernservice.core.tables import Display, _display

VALUES = [
    dt.datetime(2026, 11, 23, 13, 5, tzinfo=dt.UTC),  # 14:05 in Copenhagen
    dt.datetime(2026, 7, 1, 22, 30, tzinfo=dt.UTC),  # summer time: the next day, 00:30
    dt.datetime(2026, 3, 29, 0, 59, tzinfo=ZoneInfo("America/New_York")),
    dt.datetime(2026, 1, 2, 3, 4),  # naive: shown as it is
    dt.datetime(999, 1, 2, 3, 4, tzinfo=dt.UTC),
    dt.date(2026, 2, 3),
    dt.date(5, 2, 3),
    "KS-2026-000001",
    7,
]


def test_page_cells_are_formatted_as_djangos_short_formats_in_each_language() -> None:
    for language in ("da", "en"):
        with translation.override(language):
            display = Display()
            assert [display(value) for value in VALUES] == [_display(v) for v in VALUES]
    with translation.override("da"):
        display = Display()
        assert display(VALUES[0]) == "23.11.2026 14:05"
        assert display(VALUES[1]) == "02.07.2026 00:30"
        assert display(VALUES[5]) == "03.02.2026"
