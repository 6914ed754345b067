"""The demo's accounts payable: real XML stored, a few percent rejected with responses,
orders matched, approvals, posting that balances and payments mostly on time."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from koncernservice.core.models import User
from koncernservice.core.system import system_operator
from koncernservice.demo.services import demo_build
from koncernservice.finance import demo, selectors, services
from koncernservice.finance.demo import CHUNK, MAX_INVOICES, invoice_count
from koncernservice.finance.einvoice import validate_bytes
from koncernservice.finance.models import (
    ApprovalStep,
    ExchangeRate,
    Invoice,
    InvoiceDocument,
    InvoiceResponse,
    JournalLine,
    Payment,
    Supplier,
)


def test_demo_volume_is_a_year_of_invoices_times_scale() -> None:
    """Issue 4: a year of invoices (KS: ~1,000,000) × scale; the default ``./dev demo``
    (0.02) writes all 20,000; from scale 0.03 the documented cap applies."""
    assert invoice_count(Decimal("0.02")) == 20_000
    assert invoice_count(Decimal("0.002")) == 2_000
    assert invoice_count(Decimal("0.03")) == 30_000 == MAX_INVOICES
    assert invoice_count(Decimal("0.1")) == MAX_INVOICES
    assert invoice_count(Decimal("1")) == MAX_INVOICES
    assert invoice_count(Decimal("0.000001")) == 20


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
    # the paid invoices' payable is settled in the journal: paid amount out of the bank
    paid = Invoice.objects.filter(status="paid", kind="invoice")
    payable = JournalLine.objects.filter(invoice__in=paid, account="95580")
    assert payable.aggregate(s=Sum("amount"))["s"] == 0
    bank = JournalLine.objects.filter(account="82205").aggregate(s=Sum("amount"))["s"]
    assert bank == -Payment.objects.aggregate(s=Sum("paid_amount"))["s"]
    assert (
        Supplier.objects.filter(status="new").exists()
        and Supplier.objects.filter(is_blocked=True).exists()
    )
    # segregation of duties in the demo's approvals too
    for invoice in Invoice.objects.filter(steps__step="approve")[:50]:
        attest = invoice.steps.get(step=ApprovalStep.Step.ATTEST)
        approve = invoice.steps.get(step=ApprovalStep.Step.APPROVE)
        assert attest.user_id != approve.user_id
    # the clean documents are stored as the ingest stores a batch: one pack file a chunk
    # of up to CHUNK invoices, each document its offset and size in it
    clean = InvoiceDocument.objects.filter(channel="demo").exclude(filename__startswith="demo-")
    faulty = InvoiceDocument.objects.filter(channel="demo", filename__startswith="demo-")
    assert clean.count() + faulty.count() == counts["invoices"]
    assert not clean.filter(offset__isnull=True).exists()
    assert clean.values("storage_name").distinct().count() == -(-clean.count() // CHUNK) == 1
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
    # approximate demo rates, labelled so, up to today: a EUR invoice posts in the demo
    rates = ExchangeRate.objects.filter(currency="EUR")
    assert set(ExchangeRate.objects.values_list("source", flat=True)) == {demo.DEMO_RATE_SOURCE}
    assert not rates.filter(date__week_day__in=[1, 7]).exists()  # no weekend rates
    assert all(Decimal(745) < r < Decimal(747) for r in rates.values_list("rate", flat=True))
    waiting = Invoice.objects.filter(status="to_approve").first()
    assert waiting is not None
    Invoice.objects.filter(pk=waiting.pk).update(status="approved", currency="EUR")
    posted = services.invoices_post(actor=system_operator())
    assert posted["invoices"] >= 1 and posted["unposted"] == []
    assert Invoice.objects.get(pk=waiting.pk).exchange_rate > 745
