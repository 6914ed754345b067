"""The demo's pay: written fast, deterministic, with gaps that raise flags."""

from __future__ import annotations

from decimal import Decimal

import pytest

from koncernservice.core.models import AuditEntry
from koncernservice.paygap import demo
from koncernservice.paygap.models import AnnualReport, CategoryFlag, PayRecord
from tests.paygap.conftest import hire

pytestmark = pytest.mark.django_db


def test_build_demo_writes_pay_flags_and_a_draft_report(world) -> None:
    for i in range(24):
        hire(world.school, female=i % 2 == 0, job="Ingeniør", number=f"I{i:03d}")
        hire(world.nursing_home, female=i % 2 == 0, job="Sygeplejerske", number=f"N{i:03d}")
    audited = AuditEntry.objects.count()
    counts = demo.build_demo(scale=1, seed=3)
    assert AuditEntry.objects.count() == audited  # the demo audits one event for everything
    assert counts["pay_records"] == PayRecord.objects.filter(year=2025).count() == 52
    assert counts["paygap_flags"] == CategoryFlag.objects.count()
    engineers = [f for f in CategoryFlag.objects.all() if f.category.job_category == "Ingeniør"]
    assert engineers and all(f.gap >= 5 for f in engineers)
    assert AnnualReport.objects.get().status == "draft"
    assert CategoryFlag.objects.filter(status="open").count() == counts["paygap_flags"]
    record = PayRecord.objects.filter(employment__job_category="Sygeplejerske").first()
    assert record is not None
    # full year, 37 hours: 12 x 160.33
    assert record.hours == Decimal("1923.96")
