"""Permissions of time registration, granted to roles in ``WorktimeConfig.ready``.

Employees always see and register their own time (selectors and services add the person's
own rows to what ``restrict`` allows); approving is never allowed on one's own time.
"""

from __future__ import annotations

VIEW_TIME = "worktime.view_time"
CHANGE_TIME = "worktime.change_time"
APPROVE_TIME = "worktime.approve_time"
CLOSE_MONTH = "worktime.close_month"
EXPORT_PAYROLL = "worktime.export_payroll"

GRANTS: dict[str, set[str]] = {
    "manager": {VIEW_TIME, APPROVE_TIME},
    "hr": {VIEW_TIME, CHANGE_TIME, CLOSE_MONTH, EXPORT_PAYROLL},
    "admin": {VIEW_TIME, CHANGE_TIME, APPROVE_TIME, CLOSE_MONTH, EXPORT_PAYROLL},
    "auditor": {VIEW_TIME},
}
