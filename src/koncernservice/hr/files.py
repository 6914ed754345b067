"""Reading pay-table files (CSV or Excel) into rows; every bad cell named by row and column.

Columns (first row, any order, case-insensitive): ``agreement``, ``version``, ``valid_from``
(YYYY-MM-DD), ``regulation_percent``, ``step``, ``area_group``, ``annual_amount`` (kroner at the
base level, comma or point as decimal separator); optional ``agreement_name`` (creates the
agreement when it is new) and ``weekly_hours`` (full time, default 37).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from koncernservice.core.errors import DomainError, ErrorDetail

REQUIRED = (
    "agreement",
    "version",
    "valid_from",
    "regulation_percent",
    "step",
    "area_group",
    "annual_amount",
)
OPTIONAL = ("agreement_name", "weekly_hours")
MAX_ROWS = 20_000


@dataclass(frozen=True)
class PayRow:
    row: int
    agreement: str
    agreement_name: str
    version: str
    valid_from: dt.date
    regulation_percent: Decimal
    weekly_hours: Decimal
    step: int
    area_group: str
    annual_amount: Decimal


@dataclass
class _Cells:
    cells: dict[str, Any]
    row: int
    errors: list[ErrorDetail]

    def text(self, column: str, required: bool = True) -> str:
        value = self.cells.get(column)
        value = "" if value is None else str(value).strip()
        if required and not value:
            self.errors.append(
                ErrorDetail(message=_("A value is required."), field=column, row=self.row)
            )
        return value

    def number(self, column: str, default: str | None = None) -> Decimal:
        value = self.cells.get(column)
        if value in (None, "") and default is not None:
            value = default
        try:
            result = Decimal(str(value).strip().replace(" ", "").replace(",", "."))
            if not result.is_finite():
                raise InvalidOperation
            return result
        except (InvalidOperation, ValueError):
            self.errors.append(
                ErrorDetail(
                    message=_("Not a number: %(v)s") % {"v": value},
                    field=column,
                    row=self.row,
                    code="number",
                )
            )
            return Decimal(0)


def _raw_rows(name: str, content: bytes) -> list[list[Any]]:
    if name.lower().endswith((".xlsx", ".xlsm")):
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise DomainError.single(
                _("The file is not a readable Excel workbook."), field="file", code="file"
            ) from exc
        sheet = book.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252")
    dialect: Any = csv.excel
    with contextlib.suppress(csv.Error):
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def read_pay_rows(path: Path | str, content: bytes | None = None) -> list[PayRow]:
    """Parse a pay-table file; raise one DomainError listing every bad row and column."""
    name = str(path)
    if content is None:
        try:
            content = Path(path).read_bytes()
        except OSError as exc:
            raise DomainError.single(
                _("The file cannot be read: %(e)s") % {"e": exc.strerror},
                field="file",
                code="file",
            ) from exc
    raw = _raw_rows(name, content)
    raw = [r for r in raw if any(c not in (None, "") for c in r)]
    if not raw:
        raise DomainError.single(_("The file is empty."), field="file", code="empty")
    header = [str(c or "").strip().lower() for c in raw[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DomainError(
            _("Columns are missing."),
            [
                ErrorDetail(message=_("The column is missing."), field=c, row=1, code="column")
                for c in missing
            ],
        )
    if len(raw) - 1 > MAX_ROWS:
        raise DomainError.single(
            _("At most %(n)d rows in one file.") % {"n": MAX_ROWS}, field="file", code="too_many"
        )
    errors: list[ErrorDetail] = []
    rows: list[PayRow] = []
    for number, values in enumerate(raw[1:], start=2):
        cells = {h: values[i] if i < len(values) else None for i, h in enumerate(header)}
        before = len(errors)

        text = _Cells(cells, number, errors).text
        number_of = _Cells(cells, number, errors).number

        agreement = text("agreement")
        version = text("version")
        valid_raw = cells.get("valid_from")
        valid_from = dt.date(2000, 1, 1)
        if isinstance(valid_raw, dt.datetime):
            valid_from = valid_raw.date()
        elif isinstance(valid_raw, dt.date):
            valid_from = valid_raw
        else:
            try:
                valid_from = dt.date.fromisoformat(str(valid_raw or "").strip())
            except ValueError:
                errors.append(
                    ErrorDetail(
                        message=_("Not a valid date (use YYYY-MM-DD)."),
                        field="valid_from",
                        row=number,
                        code="date",
                    )
                )
        regulation = number_of("regulation_percent")
        hours = number_of("weekly_hours", "37")
        step = number_of("step")
        amount = number_of("annual_amount")
        group = text("area_group")
        if len(errors) == before:
            if step != step.to_integral_value() or not (1 <= step <= 99):
                errors.append(
                    ErrorDetail(
                        message=_("A pay step is a whole number 1-99."), field="step", row=number
                    )
                )
            if amount <= 0:
                errors.append(
                    ErrorDetail(
                        message=_("The amount must be above 0."),
                        field="annual_amount",
                        row=number,
                    )
                )
            if not (Decimal(-50) < regulation < Decimal(500)):
                errors.append(
                    ErrorDetail(
                        message=_("The regulation percentage is out of range."),
                        field="regulation_percent",
                        row=number,
                    )
                )
            if not (Decimal(0) < hours <= 80):
                errors.append(
                    ErrorDetail(
                        message=_("Weekly hours must be above 0 and at most 80."),
                        field="weekly_hours",
                        row=number,
                    )
                )
        if len(errors) == before:
            rows.append(
                PayRow(
                    row=number,
                    agreement=agreement,
                    agreement_name=text("agreement_name", required=False),
                    version=version,
                    valid_from=valid_from,
                    regulation_percent=regulation,
                    weekly_hours=hours,
                    step=int(step),
                    area_group=group,
                    annual_amount=amount.quantize(Decimal("0.01")),
                )
            )
    if errors:
        raise DomainError(_("The file has errors; nothing was imported."), errors)
    return rows
