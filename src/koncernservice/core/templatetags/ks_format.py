"""Number formats for pages: ``{% load ks_format %}{{ invoice.payable_amount|amount }}``
gives ``158.625,00`` (Danish grouping and decimal comma, as in the tables)."""

from __future__ import annotations

from typing import Any

from django import template

from koncernservice.core.tables import amount as _amount

register = template.Library()


@register.filter
def amount(value: Any, places: Any = None) -> str:
    return _amount(value, None if places in (None, "") else int(places))
