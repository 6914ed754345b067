from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HrConfig(AppConfig):
    name = "koncernservice.hr"
    label = "hr"
    verbose_name = _("HR")
    # (url name, label, permission) entries shown in the main menu
    navigation: list[tuple[str, object, str | None]] = [
        ("hr:my_pay", _("My pay"), None),
        ("hr:unit_pay", _("Pay"), "hr.view_pay"),
        ("hr:requisitions", _("Recruitment"), "hr.request_position"),
        ("hr:agreements", _("Agreements"), None),
    ]

    def ready(self) -> None:
        from koncernservice.core.access import register_role_permissions
        from koncernservice.hr.access import GRANTS

        register_role_permissions(GRANTS)
