"""Purchase orders and goods receipts: the minimal part that invoice matching needs."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from koncernservice.core.models import AuditedModel, OrgUnit, TimeStampedModel, User, subtree_q


class PurchaseOrder(AuditedModel, TimeStampedModel):
    """An order to a supplier (known by CVR: suppliers' master data lives in finance)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("order number"), max_length=40, unique=True)
    supplier_cvr = models.CharField(_("supplier CVR"), max_length=8, db_index=True)
    supplier_name = models.CharField(_("supplier name"), max_length=200)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    ordered_on = models.DateField(_("ordered on"))
    requires_receipt = models.BooleanField(
        _("goods receipt required"),
        default=True,
        help_text=_("Invoices are matched 3-way (order, receipt, invoice) when set, else 2-way."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        ordering = ["-ordered_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(supplier_cvr__regex=r"^[0-9]{8}$"),
                name="purchaseorder_cvr_8_digits",
                violation_error_message=_("A CVR number has 8 digits."),
            )
        ]

    def __str__(self) -> str:
        return self.number

    def audit_scope_path(self) -> str:
        return self.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("unit__path", paths)


class OrderLine(TimeStampedModel):
    order = models.ForeignKey(
        PurchaseOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    line_no = models.CharField(_("line number"), max_length=20)
    item_id = models.CharField(_("item number"), max_length=60, blank=True)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=4)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=4)
    account = models.CharField(_("GL account"), max_length=20)
    cost_centre = models.CharField(_("cost centre"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "line_no"],
                name="orderline_unique_no",
                violation_error_message=_("The order already has a line with this number."),
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="orderline_quantity_positive",
                violation_error_message=_("The quantity must be above 0."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.line_no}"

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("order__unit__path", paths)


class GoodsReceipt(AuditedModel, TimeStampedModel):
    order = models.ForeignKey(
        PurchaseOrder, verbose_name=_("order"), on_delete=models.PROTECT, related_name="receipts"
    )
    received_on = models.DateField(_("received on"))
    received_by = models.ForeignKey(
        User,
        verbose_name=_("received by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("goods receipt")
        verbose_name_plural = _("goods receipts")
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.order} {self.received_on}"

    def audit_scope_path(self) -> str:
        return self.order.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("order__unit__path", paths)


class GoodsReceiptLine(models.Model):
    receipt = models.ForeignKey(
        GoodsReceipt,
        verbose_name=_("goods receipt"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    order_line = models.ForeignKey(
        OrderLine, verbose_name=_("order line"), on_delete=models.PROTECT, related_name="receipts"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=4)

    class Meta:
        verbose_name = _("goods receipt line")
        verbose_name_plural = _("goods receipt lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="goodsreceiptline_quantity_positive",
                violation_error_message=_("The quantity must be above 0."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id}: {self.quantity}"
