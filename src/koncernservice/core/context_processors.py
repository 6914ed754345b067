"""Navigation by role: each entry is shown only to users who hold its permission somewhere."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from koncernservice.core import access

NAVIGATION = [
    ("home", _("Overview"), None),
    ("core:org_tree", _("Organisation"), access.VIEW_ORG),
    ("core:person_list", _("People"), access.VIEW_PERSON),
    ("core:audit_list", _("Audit trail"), access.VIEW_AUDIT),
    ("core:calendar_list", _("Business calendars"), access.VIEW_ORG),
]


def navigation_entries() -> list[tuple[str, Any, str | None]]:
    """Core's entries, then each app's ``navigation`` attribute on its AppConfig."""
    from django.apps import apps

    entries = list(NAVIGATION)
    for config in apps.get_app_configs():
        entries.extend(getattr(config, "navigation", []))
    return entries


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for url_name, label, permission in navigation_entries():
        if permission is None or access.has_permission_anywhere(user, permission):
            url = reverse(url_name)
            items.append({"url": url, "label": label, "current": request.path == url})
    if user.person_id:
        url = reverse("core:person_detail", args=[user.person_id])
        items.append({"url": url, "label": _("My profile"), "current": request.path == url})
    return {"nav_items": items, "user_roles": sorted(access.roles_of(user))}
