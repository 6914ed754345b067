"""Permissions of procurement, granted to roles in ``ProcurementConfig.ready``."""

from __future__ import annotations

GRANTS: dict[str, set[str]] = {}
