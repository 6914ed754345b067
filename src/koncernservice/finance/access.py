"""Permissions of accounts payable, granted to roles in ``FinanceConfig.ready``.

Invoices are scoped to their receiving unit's subtree; invoices that could not be routed
(unknown buyer GLN) have no unit and are seen only by roles held on the whole municipality.
Suppliers are master data: a permission on any unit sees all of them.
"""

from __future__ import annotations

VIEW_INVOICE = "finance.view_invoice"
IMPORT_INVOICE = "finance.import_invoice"
CODE_INVOICE = "finance.code_invoice"
ATTEST_INVOICE = "finance.attest_invoice"
APPROVE_INVOICE = "finance.approve_invoice"
HANDLE_REJECTED = "finance.handle_rejected"
VIEW_SUPPLIER = "finance.view_supplier"
MANAGE_SUPPLIER = "finance.manage_supplier"
PAY = "finance.pay"
POST = "finance.post"
MANAGE_LIMITS = "finance.manage_limits"

GRANTS: dict[str, set[str]] = {
    "finance": {
        VIEW_INVOICE,
        IMPORT_INVOICE,
        CODE_INVOICE,
        ATTEST_INVOICE,
        HANDLE_REJECTED,
        VIEW_SUPPLIER,
        MANAGE_SUPPLIER,
        PAY,
        POST,
        MANAGE_LIMITS,
    },
    "manager": {VIEW_INVOICE, CODE_INVOICE, ATTEST_INVOICE, APPROVE_INVOICE, VIEW_SUPPLIER},
    "procurement": {VIEW_SUPPLIER},
    "auditor": {VIEW_INVOICE, VIEW_SUPPLIER},
    "admin": {
        VIEW_INVOICE,
        IMPORT_INVOICE,
        CODE_INVOICE,
        ATTEST_INVOICE,
        APPROVE_INVOICE,
        HANDLE_REJECTED,
        VIEW_SUPPLIER,
        MANAGE_SUPPLIER,
        PAY,
        POST,
        MANAGE_LIMITS,
    },
}
