"""Permissions of hr, granted to roles in ``HrConfig.ready``."""

from __future__ import annotations

GRANTS: dict[str, set[str]] = {}
