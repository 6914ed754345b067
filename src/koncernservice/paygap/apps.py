from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaygapConfig(AppConfig):
    name = "koncernservice.paygap"
    label = "paygap"
    verbose_name = _("Pay transparency")
    # (url name, label, permission) entries shown in the main menu
    navigation: list[tuple[str, object, str | None]] = [
        ("paygap:mine", _("My pay"), None),
        ("paygap:home", _("Pay gap"), "paygap.view_statistics"),
    ]

    def ready(self) -> None:
        from koncernservice.core.access import register_role_permissions
        from koncernservice.paygap.access import GRANTS

        register_role_permissions(GRANTS)
