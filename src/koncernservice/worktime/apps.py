from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorktimeConfig(AppConfig):
    name = "koncernservice.worktime"
    label = "worktime"
    verbose_name = _("Time registration")
    worklist = "koncernservice.worktime.selectors.worklist"  # core.worklist
    # (url name, label, permission) entries shown in the main menu
    navigation = [
        ("worktime:week", _("Time registration"), None),
        ("worktime:holiday", _("Holiday balance"), None),
        ("worktime:overview", _("Approve time"), "worktime.approve_time"),
    ]

    def ready(self) -> None:
        from koncernservice.core.access import register_role_permissions
        from koncernservice.worktime.access import GRANTS

        register_role_permissions(GRANTS)
