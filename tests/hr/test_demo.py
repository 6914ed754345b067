"""The demo's HR data: every employment placed by the rules, a year of recruitment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from koncernservice.core.models import Employment
from koncernservice.hr import demo, paytables, rules, selectors, services
from koncernservice.hr.models import Application, Hire, JobPosting, Placement
from tests.factories import EmploymentFactory

pytestmark = pytest.mark.django_db


def test_build_demo_places_every_employment_by_the_rules(world) -> None:
    for i in range(6):  # recent starts become hires
        EmploymentFactory(
            unit=world.nursing_home,
            job_category="Sygeplejerske",
            start_date=dt.date(2025, 3 + i, 1),
        )
    counts = demo.build_demo(scale=Decimal("0.001"), seed=7)
    assert counts["hr_placements"] == Employment.objects.count() == Placement.objects.count()
    assert counts["hr_postings"] == JobPosting.objects.count() == 7
    assert counts["hr_applications"] == Application.objects.count() > 7
    assert counts["hr_hires"] == Hire.objects.count() == 6
    nurse = Placement.objects.get(employment=world.nurse)
    assert (nurse.agreement.code, nurse.job_category.code) == ("sygeplejersker", "sygeplejerske")
    # consistent with the rules: the stored step is what the rules give for the stored lines
    for placement in Placement.objects.select_related("agreement", "job_category"):
        version = rules.version_from_data(paytables.agreement_data(placement.agreement.code))
        category = version.categories[placement.job_category.code]
        assert category.base_step <= placement.pay_step <= (category.max_step or 99)
        assert placement.explanation[1]["value"] == str(placement.pay_step)
    # every posting states its agreement and pay range
    assert all(p.pay_min > 0 and p.pay_max >= p.pay_min for p in JobPosting.objects.all())
    # pay of the demo year through the paygap interface
    pay = selectors.annual_pay(world.hr, 2025)
    assert len(pay) == Employment.objects.filter(start_date__lte=dt.date(2025, 12, 31)).count()
    # a demo hire's letter is written on demand
    hire = Hire.objects.filter(application__isnull=False).first()
    assert services.hire_letter(hire).startswith(b"%PDF")
    assert hire.application.stage == "hired"


def test_build_demo_writes_no_audit_rows(world) -> None:
    from koncernservice.core.models import AuditEntry

    before = AuditEntry.objects.count()
    demo.build_demo(scale=Decimal("0.001"), seed=1)
    assert AuditEntry.objects.count() == before
