"""Permissions of hr, granted to roles in ``HrConfig.ready``.

Agreements and pay tables are readable by every signed-in user (they are public agreements).
Pay placements are scoped to units (``view_pay``); an employee always sees their own.
"""

from __future__ import annotations

VIEW_PAY = "hr.view_pay"
MANAGE_PAY = "hr.manage_pay"  # import pay tables, place, override
REQUEST_POSITION = "hr.request_position"
APPROVE_POSITION = "hr.approve_position"
RECRUIT = "hr.recruit"  # postings, applications, stages, notes, letters
HIRE = "hr.hire"

GRANTS: dict[str, set[str]] = {
    "manager": {VIEW_PAY, REQUEST_POSITION, RECRUIT},
    "hr": {VIEW_PAY, MANAGE_PAY, REQUEST_POSITION, APPROVE_POSITION, RECRUIT, HIRE},
    "admin": {VIEW_PAY, MANAGE_PAY, REQUEST_POSITION, APPROVE_POSITION, RECRUIT, HIRE},
    "auditor": {VIEW_PAY},
}
