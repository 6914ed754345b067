"""Template filters of pay transparency: ``pct`` (``12,34 %``, ``–`` when withheld), ``kr``."""

from __future__ import annotations

from typing import Any

from django import template

from koncernservice.paygap import documents

register = template.Library()


@register.filter
def pct(value: Any) -> str:
    return documents.pct(value)


@register.filter
def kr(value: Any) -> str:
    return documents.kr(value)
