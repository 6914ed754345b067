from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "koncernservice.portal"
    label = "portal"
    verbose_name = _("Service portal")
    navigation: list = []  # (url name, label, permission) entries shown in the main menu
