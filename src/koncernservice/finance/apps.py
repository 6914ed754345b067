from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "koncernservice.finance"
    label = "finance"
    verbose_name = _("Accounts payable")
    worklist = "koncernservice.finance.selectors.worklist"  # core.worklist
    # (url name, label, permission) entries shown in the main menu
    navigation: list[tuple[str, object, str | None]] = [
        ("finance:inbox", _("Invoices"), "finance.view_invoice"),
        ("finance:suppliers", _("Suppliers"), "finance.view_supplier"),
        ("finance:payments", _("Payments"), "finance.pay"),
    ]

    def ready(self) -> None:
        from koncernservice.core.access import register_role_permissions
        from koncernservice.finance.access import GRANTS

        register_role_permissions(GRANTS)
