from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "koncernservice.portal"
    label = "portal"
    verbose_name = _("Service portal")
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
