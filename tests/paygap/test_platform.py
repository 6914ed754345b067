"""Pay data from the platform's own pay tables (the HR app's ``annual_pay``)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from koncernservice.core.errors import AccessDenied
from koncernservice.hr import services as hr_services
from koncernservice.paygap import services
from koncernservice.paygap.models import PayRecord
from tests.hr.conftest import SYSTEM, load_agreements


def test_sync_takes_annual_pay_from_hr(world) -> None:
    load_agreements()
    for employment, agreement, category in [
        (world.teacher, "laerere", "laerer"),
        (world.nurse, "sygeplejersker", "sygeplejerske"),
    ]:
        hr_services.placement_save(
            actor=SYSTEM,
            employment=employment,
            data={"agreement": agreement, "job_category": category, "start_date": "2025-01-01"},
        )
    result = services.pay_sync_from_platform(actor=world.hr, year=2026)
    assert result["records"] == 2
    teacher = PayRecord.objects.get(employment=world.teacher, year=2026)
    # the HR app's worked example (tests/hr/test_pay.py): step 31 across the OK round
    assert (teacher.basic_pay, teacher.complementary_pay, teacher.hours) == (
        D("422529.60"),
        D("3936.00"),
        D("1923.96"),
    )
    assert teacher.source == "platform"
    assert teacher.category.code == "laerere / laerer / 29-32"
    # again: replaced, not doubled
    assert services.pay_sync_from_platform(actor=world.hr, year=2026)["replaced"] == 2
    assert PayRecord.objects.filter(year=2026).count() == 2
    with pytest.raises(AccessDenied):
        services.pay_sync_from_platform(actor=world.manager, year=2026)
