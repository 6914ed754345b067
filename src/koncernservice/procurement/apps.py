from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "koncernservice.procurement"
    label = "procurement"
    verbose_name = _("Procurement")
    # (url name, label, permission) entries shown in the main menu
    navigation: list[tuple[str, object, str | None]] = [
        ("procurement:orders", _("Purchase orders"), "procurement.view_order"),
    ]

    def ready(self) -> None:
        from koncernservice.core.access import register_role_permissions
        from koncernservice.procurement.access import GRANTS

        register_role_permissions(GRANTS)
