from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "koncernservice.core"
    label = "core"
    verbose_name = _("Core: organisation, people and access")

    def ready(self) -> None:
        from koncernservice.core import audit  # noqa: F401  (connects the audit signals)
