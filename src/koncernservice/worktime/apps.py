from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorktimeConfig(AppConfig):
    name = "koncernservice.worktime"
    label = "worktime"
    verbose_name = _("Time registration")
    navigation: list = []  # (url name, label, permission) entries shown in the main menu
