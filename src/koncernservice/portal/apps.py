from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "koncernservice.portal"
    label = "portal"
    verbose_name = _("Service portal")
    worklist = "koncernservice.portal.selectors.worklist"  # core.worklist
    # (url name, label, permission) entries shown in the main menu
    navigation: list = [
        ("portal:catalogue", _("Service portal"), None),
        ("portal:my_cases", _("My cases"), None),
        ("portal:queues", _("Queues"), "portal_work_case"),
        ("portal:calls", _("Calls"), "portal_work_case"),
        ("portal:articles", _("Knowledge base"), None),
        ("portal:reports", _("Portal reports"), "portal_view_reports"),
        ("portal:catalogue_admin", _("Service catalogue"), "portal_manage_catalogue"),
    ]

    def ready(self) -> None:
        from koncernservice.core.access import register_role_permissions
        from koncernservice.portal.permissions import ROLE_GRANTS

        register_role_permissions(ROLE_GRANTS)

        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_shortcuts_into_session, dispatch_uid="portal_shortcuts")


def _shortcuts_into_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """The user's own keyboard shortcuts follow them to any browser: read once at login."""
    from koncernservice.portal import services

    prefs = services.shortcuts_of(user)
    if prefs is not None and request is not None and hasattr(request, "session"):
        request.session[services.SHORTCUTS_SESSION_KEY] = prefs
