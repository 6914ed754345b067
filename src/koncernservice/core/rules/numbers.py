"""Numbers typed by people against the columns that hold them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def integer_digits(field: Any) -> int:
    """Digits a ``DecimalField`` holds before the point (``max_digits - decimal_places``)."""
    return int(field.max_digits) - int(field.decimal_places)


def fits(value: Decimal, field: Any) -> bool:
    """Whether a finite number fits the ``DecimalField``: PostgreSQL refuses a value with more
    digits before the point ("numeric field overflow"), SQLite stores it anyway, so this is
    checked where input is validated, not left to the database."""
    return value.is_finite() and abs(value) < Decimal(10) ** integer_digits(field)
