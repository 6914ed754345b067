from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaygapConfig(AppConfig):
    name = "koncernservice.paygap"
    label = "paygap"
    verbose_name = _("Pay transparency")
    # (url name, label, permission) entries shown in the main menu
    navigation: list[tuple[str, object, str | None]] = [
        # Employees land on their own pay and Art. 7 requests; statistics for those with rights.
        ("paygap:home", _("Pay transparency"), None),
    ]

    def ready(self) -> None:
        from koncernservice.core.access import register_role_permissions
        from koncernservice.paygap.access import GRANTS

        register_role_permissions(GRANTS)
