"""Permissions of paygap, granted to roles in ``PaygapConfig.ready``."""

from __future__ import annotations

GRANTS: dict[str, set[str]] = {}
