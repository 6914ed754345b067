"""Permissions of pay transparency, granted to roles in ``PaygapConfig.ready``.

Every worker always sees their own pay and may ask for information (Art. 7) without a
permission: selectors and services add the person's own rows. Individual pay of others is
visible to their manager in scope and HR (``VIEW_PAY``); statistics (suppressed below the
smallest group) to managers, HR and auditors in scope (``VIEW_STATISTICS``).
"""

from __future__ import annotations

VIEW_PAY = "paygap.view_pay"
VIEW_STATISTICS = "paygap.view_statistics"
MANAGE = "paygap.manage"
APPROVE_REPORT = "paygap.approve_report"

GRANTS: dict[str, set[str]] = {
    "manager": {VIEW_PAY, VIEW_STATISTICS, APPROVE_REPORT},
    "hr": {VIEW_PAY, VIEW_STATISTICS, MANAGE},
    "admin": {VIEW_PAY, VIEW_STATISTICS, MANAGE, APPROVE_REPORT},
    "auditor": {VIEW_STATISTICS},
}
