"""The time file: ``employee,date,start,end,break_minutes,type`` (CSV, UTF-8, comma or semicolon).

- ``employee``: the employment's employee number;
- ``date``: ``YYYY-MM-DD``, the day the period starts;
- ``start``, ``end``: ``HH:MM`` local time; an end not after the start is the next day (night
  shift). Both empty for a whole-day absence;
- ``break_minutes``: unpaid break in minutes (empty = 0);
- ``type``: ``work`` or an absence type (``sickness``, ``child_sick``, ``care_day``,
  ``holiday``, ``special_holiday``, ``leave``, ``course``, ``other``); the Danish names
  (``arbejde``, ``sygdom``, ``barns_første_sygedag``, ``omsorgsdag``, ``ferie``,
  ``særlig_feriedag``, ``orlov``, ``kursus``, ``andet``) are accepted too.

:func:`read_time_file` validates every row and raises one :class:`DomainError` that names
each bad row (spreadsheet row number, column, reason). :func:`check_rows` applies the
working-time rules of :mod:`koncernservice.worktime.rules` per employee.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from koncernservice.core.errors import DomainError, ErrorDetail
from koncernservice.worktime import rules
from koncernservice.worktime.models import Kind

COLUMNS = ("employee", "date", "start", "end", "break_minutes", "type")
MAX_ERRORS = 200
_EPOCH_ORDINAL = dt.date(2000, 1, 1).toordinal()

KIND_ALIASES = {k.value: k.value for k in Kind} | {
    "arbejde": Kind.WORK,
    "sygdom": Kind.SICKNESS,
    "barns_første_sygedag": Kind.CHILD_SICK,
    "barns_foerste_sygedag": Kind.CHILD_SICK,
    "barn_syg": Kind.CHILD_SICK,
    "omsorgsdag": Kind.CARE_DAY,
    "ferie": Kind.HOLIDAY,
    "særlig_feriedag": Kind.SPECIAL_HOLIDAY,
    "saerlig_feriedag": Kind.SPECIAL_HOLIDAY,
    "orlov": Kind.LEAVE,
    "kursus": Kind.COURSE,
    "andet": Kind.OTHER,
}


@dataclass(slots=True)
class Row:
    """One valid row: times as minutes after midnight; ``end`` may exceed 24 h (next day)."""

    line: int
    employee: str
    date: dt.date
    kind: str
    start: int | None
    end: int | None
    break_minutes: int

    @property
    def is_working(self) -> bool:
        return self.kind in (Kind.WORK, Kind.COURSE)

    @property
    def worked_minutes(self) -> int:
        if self.start is None or self.end is None:
            return 0
        return self.end - self.start - self.break_minutes

    def instants(self) -> tuple[int, int]:
        """Start and end in minutes since 2000-01-01 (see :func:`rules.to_minutes`)."""
        base = (self.date.toordinal() - _EPOCH_ORDINAL) * 1440
        return base + (self.start or 0), base + (self.end or 0)

    def start_time(self) -> dt.time | None:
        return None if self.start is None else dt.time(self.start // 60, self.start % 60)

    def end_time(self) -> dt.time | None:
        if self.end is None:
            return None
        end = self.end % 1440
        return dt.time(end // 60, end % 60)


def _clock(text: str) -> int:
    hh, sep, mm = text.partition(":")
    if not sep or not (1 <= len(hh) <= 2 and len(mm) == 2 and hh.isdigit() and mm.isdigit()):
        raise ValueError(text)
    value = int(hh) * 60 + int(mm)
    if int(hh) > 24 or int(mm) > 59 or value > 1440:
        raise ValueError(text)
    return value


def parse_row(line: int, cells: list[str], source: str) -> tuple[Row | None, list[ErrorDetail]]:
    """A row and no errors, or None and every error of the row."""
    errors: list[ErrorDetail] = []

    def bad(field: str, message: str, code: str = "invalid") -> None:
        errors.append(ErrorDetail(message=message, field=field, code=code, row=line, source=source))

    if len(cells) != len(COLUMNS):
        bad("", _("Expected %(n)d columns, found %(m)d.") % {"n": len(COLUMNS), "m": len(cells)})
        return None, errors
    employee, date_text, start_text, end_text, break_text, kind_text = (c.strip() for c in cells)
    if not employee:
        bad("employee", _("The employee number is missing."), "required")
    elif len(employee) > 20:
        bad("employee", _("An employee number has at most 20 characters."), "too_long")
    day = None
    try:
        day = dt.date.fromisoformat(date_text)
        if not dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31):
            raise ValueError(date_text)
    except ValueError:
        bad("date", _("Not a valid date (use YYYY-MM-DD)."), "date")
    kind = KIND_ALIASES.get(kind_text.lower().replace(" ", "_").replace("'", ""))
    if kind is None:
        bad("type", _("Unknown type '%(t)s'.") % {"t": kind_text[:40]}, "type")
    start = end = None
    try:
        start = _clock(start_text) if start_text else None
    except ValueError:
        bad("start", _("Not a time of day (use HH:MM)."), "time")
    try:
        end = _clock(end_text) if end_text else None
    except ValueError:
        bad("end", _("Not a time of day (use HH:MM)."), "time")
    breaks = 0
    if break_text:
        try:
            breaks = int(break_text)
            if not 0 <= breaks <= 1440:
                raise ValueError(break_text)
        except ValueError:
            bad("break_minutes", _("The break is a whole number of minutes (0-1440)."), "number")
    if start is not None and end is not None:
        if end <= start:
            end += 1440  # runs over midnight
        if end - start > 1440:
            bad("end", _("A period is at most 24 hours."), "too_long")
        elif breaks >= end - start:
            bad("break_minutes", _("The break is as long as the period or longer."), "break")
    elif (start is None) != (end is None) and not errors:
        missing = "end" if end is None else "start"
        bad(missing, _("Give both start and end, or neither (a whole day)."), "required")
    elif kind in (Kind.WORK, Kind.COURSE) and start is None and not errors:
        bad("start", _("Work needs a start and an end."), "required")
    if errors:
        return None, errors
    assert day is not None and kind is not None
    return Row(line, employee, day, kind, start, end, breaks if start is not None else 0), []


def _dialect(header: str) -> str:
    return ";" if header.count(";") > header.count(",") else ","


def read_time_file(path: Path) -> list[Row]:
    """Every row of the file, or a DomainError listing every bad row (the first 200)."""
    source = path.name
    if not path.exists():
        raise DomainError(
            _("File not found: %(f)s") % {"f": str(path)},
            [ErrorDetail(_("File not found."), source=source, code="not_found")],
        )
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
            header = [
                c.strip().lower() for c in next(csv.reader([first], delimiter=_dialect(first)), [])
            ]
            if tuple(header) != COLUMNS:
                message = _("The first row must be the header: %(h)s") % {"h": ",".join(COLUMNS)}
                detail = ErrorDetail(message, row=1, source=source, code="header")
                raise DomainError(message, [detail])
            return _read(csv.reader(handle, delimiter=_dialect(first)), source)
    except UnicodeDecodeError:
        message = _("The file is not UTF-8 text.")
        raise DomainError(message, [ErrorDetail(message, source=source, code="encoding")]) from None


def read_time_rows(lines: Iterable[list[str]], source: str = "") -> list[Row]:
    """Rows already split into cells (the header excluded), numbered from spreadsheet row 2."""
    return _read(iter(lines), source)


def _read(reader: Any, source: str) -> list[Row]:
    rows: list[Row] = []
    errors: list[ErrorDetail] = []
    error_count = 0
    for line, cells in enumerate(reader, start=2):
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        row, row_errors = parse_row(line, cells, source)
        if row is not None:
            rows.append(row)
        elif row_errors:
            error_count += 1
            if len(errors) < MAX_ERRORS:
                errors.extend(row_errors)
    if errors:
        raise DomainError(
            _("%(n)d rows are not valid; nothing was done.") % {"n": error_count}, errors
        )
    return rows


def by_employee(rows: Iterable[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row.employee].append(row)
    return grouped


def employee_days(rows: Iterable[Row]) -> rules.EmployeeDays:
    days = rules.EmployeeDays()
    for row in rows:
        if row.is_working and row.start is not None:
            start, end = row.instants()
            days.add_work(row.date, start, end, row.break_minutes)
        elif row.kind in (Kind.SICKNESS, Kind.HOLIDAY, Kind.SPECIAL_HOLIDAY) and row.start is None:
            days.neutral_days.add(row.date)
    return days


def finding_as_dict(employee: str, finding: rules.Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "employee": employee,
        "start": finding.start.isoformat(),
        "end": finding.end.isoformat(),
        "value": float(finding.value),
        "limit": float(finding.limit),
    }


VIOLATION_RULES = frozenset({rules.RULE_DAILY_REST, rules.RULE_WEEKLY_REST, rules.RULE_AVERAGE_48})


def check_rows(
    rows: list[Row], *, reduced_rest: frozenset[str] = frozenset()
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(violations, warnings) of every employee in the rows, by employee then start.

    Warnings are near-violation trends (46+ hours on average) and agreed rest reductions.
    The 48-hour average is judged on reference periods within the span of the whole file.
    """
    if not rows:
        return [], []
    span = (min(r.date for r in rows), max(r.date for r in rows))
    violations: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    for employee, own in sorted(by_employee(rows).items()):
        findings = rules.check_employee(
            employee_days(own), span, reduced_daily_rest=employee in reduced_rest
        )
        for finding in findings:
            target = violations if finding.rule in VIOLATION_RULES else warnings
            target.append(finding_as_dict(employee, finding))
    return violations, warnings


def overlapping_rows(rows: Iterable[Row]) -> list[tuple[Row, Row]]:
    """Pairs of periods of the same employee that overlap in time."""
    pairs = []
    for own in by_employee(rows).values():
        timed = sorted((r for r in own if r.start is not None), key=lambda r: r.instants())
        latest: Row | None = None
        for row in timed:
            if latest is not None and row.instants()[0] < latest.instants()[1]:
                pairs.append((latest, row))
            if latest is None or row.instants()[1] > latest.instants()[1]:
                latest = row
    return pairs
