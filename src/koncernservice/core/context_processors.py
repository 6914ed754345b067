"""Navigation by role: each entry is shown only to users who hold its permission somewhere."""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _

from koncernservice.core import access
from koncernservice.core.models import Role

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


@functools.cache
def _entries(script_prefix: str) -> tuple[tuple[str, Any, str | None], ...]:
    """(url, label, permission) of every entry, reversed once per process and prefix."""
    return tuple(
        (reverse(name), label, permission) for name, label, permission in navigation_entries()
    )


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    held = access.permissions_anywhere(user)  # None: all
    items = []
    for url, label, permission in _entries(get_script_prefix()):
        if permission is None or held is None or permission in held:
            items.append({"url": url, "label": label, "current": request.path == url})
    if user.person_id:
        url = reverse("core:person_detail", args=[user.person_id])
        items.append({"url": url, "label": _("My profile"), "current": request.path == url})
    held_roles = access.roles_of(user)
    roles = [role.label for role in Role if role.value in held_roles]  # Danish names, in order
    return {"nav_items": items, "user_roles": roles}
