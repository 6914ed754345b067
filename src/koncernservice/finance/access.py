"""Permissions of finance, granted to roles in ``FinanceConfig.ready``."""

from __future__ import annotations

GRANTS: dict[str, set[str]] = {}
