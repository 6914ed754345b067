"""Permissions of the service portal, granted to roles in ``PortalConfig.ready``."""

from __future__ import annotations

VIEW_CASE = "portal_view_case"
WORK_CASE = "portal_work_case"
MANAGE_CATALOGUE = "portal_manage_catalogue"
VIEW_REPORTS = "portal_view_reports"

ROLE_GRANTS: dict[str, set[str]] = {
    "caseworker": {VIEW_CASE, WORK_CASE, VIEW_REPORTS},
    "hr": {VIEW_CASE, WORK_CASE, VIEW_REPORTS},
    "admin": {VIEW_CASE, WORK_CASE, MANAGE_CATALOGUE, VIEW_REPORTS},
    "auditor": {VIEW_CASE, VIEW_REPORTS},
}
