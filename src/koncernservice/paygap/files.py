"""Reading pay files: the check file of ``ks paygap compute`` and the payroll's annual extract.

Both are CSV (UTF-8, with or without BOM, comma or semicolon separated) or Excel (``.xlsx``,
the first sheet), with a header row naming the columns (in any order):

- check file (``compute``): ``employee,sex,category,basic_pay,complementary_pay,hours``;
- annual extract (``import``): ``employee,basic_pay,complementary_pay,hours`` and, optional,
  ``agreement``, ``pay_step`` and ``category``. ``employee`` is the employment's employee
  number; the sex comes from the person (legal sex from the CPR number).

Amounts are annual DKK with a decimal point (a decimal comma too in semicolon files), at
least 0; hours are annual hours paid, above 0. Every bad row is named with its row number in
the file (the header is row 1) and its column; one :class:`DomainError` carries them all.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from koncernservice.core.errors import DomainError, ErrorDetail
from koncernservice.paygap.rules import SEXES, Worker

CHECK_COLUMNS = ("employee", "sex", "category", "basic_pay", "complementary_pay", "hours")
EXTRACT_COLUMNS = ("employee", "basic_pay", "complementary_pay", "hours")
EXTRACT_OPTIONAL = ("agreement", "pay_step", "category")
MAX_ERRORS = 200
MAX_AMOUNT = Decimal("999999999999.99")


@dataclass(frozen=True, slots=True)
class ExtractRow:
    line: int
    employee: str
    basic_pay: Decimal
    complementary_pay: Decimal
    hours: Decimal
    agreement: str
    pay_step: int | None
    category: str


def read_table(path: Path | str, content: bytes | None = None) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) for every non-empty row after the header."""
    path = Path(path)
    source = path.name
    if content is None:
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise DomainError.single(
                _("The file cannot be read: %(e)s") % {"e": exc.strerror or exc},
                field="file",
                code="unreadable",
            ) from None
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _excel_rows(content, source)
    else:
        rows = _csv_rows(content, source)
    if not rows:
        raise DomainError.single(_("The file is empty."), field="file", code="empty")
    header = [cell.strip().lower() for cell in rows[0]]
    result = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        padded = list(cells) + [""] * (len(header) - len(cells))
        result.append((number, dict(zip(header, (c.strip() for c in padded), strict=False))))
    return [(0, dict.fromkeys(header, "")), *result]


def _csv_rows(content: bytes, source: str) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError.single(
            _("The file is not UTF-8 text."), field="file", code="encoding"
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _excel_rows(content: bytes, source: str) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise DomainError.single(
            _("The file is not a valid Excel workbook."), field="file", code="excel"
        ) from None
    sheet = book.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        rows.append(["" if v is None else _cell_text(v) for v in values])
    book.close()
    return rows


def _cell_text(value: Any) -> str:
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value)


def _check_header(header: list[str], required: tuple[str, ...], source: str) -> None:
    missing = [name for name in required if name not in header]
    if missing:
        raise DomainError(
            _("The header row lacks columns."),
            [
                ErrorDetail(
                    message=_("Missing column '%(c)s'.") % {"c": name},
                    field=name,
                    code="missing_column",
                    row=1,
                    source=source,
                )
                for name in missing
            ],
        )


class _Row:
    """Collects the errors of one row while its cells are parsed."""

    def __init__(self, line: int, cells: dict[str, str], source: str) -> None:
        self.line, self.cells, self.source = line, cells, source
        self.errors: list[ErrorDetail] = []

    def bad(self, field: str, message: str, code: str = "invalid") -> None:
        self.errors.append(
            ErrorDetail(message=message, field=field, code=code, row=self.line, source=self.source)
        )

    def text(self, field: str, *, required: bool = True, max_length: int = 200) -> str:
        value = self.cells.get(field, "")
        if required and not value:
            self.bad(field, _("The value is missing."), "required")
        elif len(value) > max_length:
            self.bad(field, _("At most %(n)d characters.") % {"n": max_length}, "too_long")
        return value

    def amount(self, field: str, *, positive: bool = False, comma: bool = False) -> Decimal:
        raw = self.cells.get(field, "").replace(" ", "")
        if comma and "," in raw and "." not in raw:
            raw = raw.replace(",", ".")
        if not raw:
            self.bad(field, _("The value is missing."), "required")
            return Decimal(0)
        try:
            value = Decimal(raw)
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.bad(field, _("Not a number: '%(v)s'.") % {"v": raw[:30]}, "number")
            return Decimal(0)
        if positive and value <= 0:
            self.bad(field, _("Must be above 0."), "not_positive")
        elif value < 0:
            self.bad(field, _("Cannot be negative."), "negative")
        elif value > MAX_AMOUNT:
            self.bad(field, _("The number is too large."), "too_large")
        elif value.as_tuple().exponent < -2:  # type: ignore[operator]
            self.bad(field, _("At most two decimals."), "decimals")
        return value


def _raise(errors: list[ErrorDetail], rows: int) -> None:
    if errors:
        shown = errors[:MAX_ERRORS]
        raise DomainError(
            _("%(n)d errors in the file; nothing was read.") % {"n": len(errors)}
            if len(errors) > 1
            else _("1 error in the file; nothing was read."),
            shown,
        )


def read_check_file(path: Path | str, content: bytes | None = None) -> list[Worker]:
    """The workers of a check file, or a :class:`DomainError` naming every bad row."""
    source = Path(path).name
    table = read_table(path, content)
    header = list(table[0][1])
    _check_header(header, CHECK_COLUMNS, source)
    comma = _semicolon(path, content)
    workers: list[Worker] = []
    errors: list[ErrorDetail] = []
    seen: dict[str, int] = {}
    for line, cells in table[1:]:
        row = _Row(line, cells, source)
        employee = row.text("employee", max_length=50)
        sex = row.text("sex").upper()
        if sex and sex not in SEXES:
            row.bad("sex", _("Sex must be F or M, not '%(v)s'.") % {"v": sex[:10]}, "sex")
        category = row.text("category")
        basic = row.amount("basic_pay", comma=comma)
        complementary = row.amount("complementary_pay", comma=comma)
        hours = row.amount("hours", positive=True, comma=comma)
        if employee in seen:
            row.bad(
                "employee",
                _("The employee is already on row %(n)d.") % {"n": seen[employee]},
                "duplicate",
            )
        elif employee:
            seen[employee] = line
        if row.errors:
            errors.extend(row.errors)
            continue
        workers.append(Worker(employee, sex, category, basic, complementary, hours))
    _raise(errors, len(table) - 1)
    return workers


def read_extract(path: Path | str, content: bytes | None = None) -> list[ExtractRow]:
    """The rows of a payroll annual extract, or a :class:`DomainError` naming every bad row."""
    source = Path(path).name
    table = read_table(path, content)
    header = list(table[0][1])
    _check_header(header, EXTRACT_COLUMNS, source)
    comma = _semicolon(path, content)
    result: list[ExtractRow] = []
    errors: list[ErrorDetail] = []
    seen: dict[str, int] = {}
    for line, cells in table[1:]:
        row = _Row(line, cells, source)
        employee = row.text("employee", max_length=20)
        basic = row.amount("basic_pay", comma=comma)
        complementary = row.amount("complementary_pay", comma=comma)
        hours = row.amount("hours", positive=True, comma=comma)
        agreement = row.text("agreement", required=False, max_length=100)
        category = row.text("category", required=False)
        step_text = cells.get("pay_step", "")
        pay_step = None
        if step_text:
            if step_text.isdigit() and 0 < int(step_text) < 1000:
                pay_step = int(step_text)
            else:
                row.bad("pay_step", _("A pay step is a whole number from 1."), "pay_step")
        if employee in seen:
            row.bad(
                "employee",
                _("The employee is already on row %(n)d.") % {"n": seen[employee]},
                "duplicate",
            )
        elif employee:
            seen[employee] = line
        if row.errors:
            errors.extend(row.errors)
            continue
        result.append(
            ExtractRow(line, employee, basic, complementary, hours, agreement, pay_step, category)
        )
    _raise(errors, len(table) - 1)
    return result


def _semicolon(path: Path | str, content: bytes | None) -> bool:
    if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        return False
    data = content if content is not None else Path(path).read_bytes()
    first = data.split(b"\n", 1)[0]
    return first.count(b";") > first.count(b",")
