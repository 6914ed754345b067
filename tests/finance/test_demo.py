"""The demo's accounts payable: real XML stored, a few percent rejected with responses,
orders matched, approvals, posting that balances and payments mostly on time."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from koncernservice.core.models import User
from koncernservice.demo.services import demo_build
from koncernservice.finance import selectors
from koncernservice.finance.einvoice import validate_bytes
from koncernservice.finance.models import (
    ApprovalStep,
    Invoice,
    InvoiceResponse,
    JournalLine,
    Payment,
    Supplier,
)


@pytest.fixture(autouse=True)
def _folders(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EINVOICE_OUTBOX_DIR = tmp_path / "outbox"


def test_demo_accounts_payable(db) -> None:
    summary = demo_build(scale=Decimal("0.002"))
    counts = summary.counts
    assert counts["invoices"] == 2000
    assert 0.01 <= counts["invoices_rejected"] / counts["invoices"] <= 0.05
    rejected = Invoice.objects.filter(status="rejected")
    assert (
        InvoiceResponse.objects.filter(invoice__in=rejected).values("invoice").distinct().count()
        == rejected.count()
    )
    assert Invoice.objects.filter(match_status="matched", auto_approved=True).count() > 100
    assert Invoice.objects.filter(match_status="deviation").exists()
    assert JournalLine.objects.aggregate(s=Sum("amount"))["s"] == 0
    assert Payment.objects.filter(status="paid").count() == counts["payments"] > 0
    assert (
        Supplier.objects.filter(status="new").exists()
        and Supplier.objects.filter(is_blocked=True).exists()
    )
    # segregation of duties in the demo's approvals too
    for invoice in Invoice.objects.filter(steps__step="approve")[:50]:
        attest = invoice.steps.get(step=ApprovalStep.Step.ATTEST)
        approve = invoice.steps.get(step=ApprovalStep.Step.APPROVE)
        assert attest.user_id != approve.user_id
    # the stored documents are real e-invoices that pass validation
    for invoice in Invoice.objects.exclude(status="rejected").order_by("pk")[:30]:
        result = validate_bytes(invoice.document.read(), filename=invoice.document.filename)
        assert result["valid"], result["errors"]
    # the demo manager has work in the inbox
    leder = User.objects.get(username="leder")
    counts_for_leder = selectors.queue_counts(user=leder)
    assert (
        counts_for_leder["to_code"] + counts_for_leder["to_attest"] + counts_for_leder["to_approve"]
        > 0
    )
    dashboard = selectors.dashboard(user=User.objects.get(username="oekonomi"))
    assert dashboard["on_time_rate"] >= 85
