"""Permissions of procurement, granted to roles in ``ProcurementConfig.ready``."""

from __future__ import annotations

VIEW_ORDER = "procurement.view_order"
CHANGE_ORDER = "procurement.change_order"
RECEIVE_GOODS = "procurement.receive_goods"

GRANTS: dict[str, set[str]] = {
    "procurement": {VIEW_ORDER, CHANGE_ORDER, RECEIVE_GOODS},
    "manager": {VIEW_ORDER, RECEIVE_GOODS},
    "finance": {VIEW_ORDER},
    "admin": {VIEW_ORDER, CHANGE_ORDER, RECEIVE_GOODS},
    "auditor": {VIEW_ORDER},
}
