"""Pay placements on employments, pay at a date, pay history and the annual-pay interface."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from koncernservice.core.errors import AccessDenied, DomainError
from koncernservice.core.models import AuditEntry
from koncernservice.hr import selectors, services
from koncernservice.hr.models import Placement
from tests.factories import EmploymentFactory
from tests.hr.conftest import SYSTEM


def place(employment, agreement, category, start, **extra):
    return services.placement_save(
        actor=SYSTEM,
        employment=employment,
        data={"agreement": agreement, "job_category": category, "start_date": start, **extra},
    )


@pytest.fixture
def placed(world, agreements):
    teacher = place(world.teacher, "laerere", "laerer", "2025-01-01")
    nurse = place(world.nurse, "sygeplejersker", "sygeplejerske", "2025-01-01")
    return teacher, nurse


def test_placement_on_an_employment_stores_step_allowances_and_explanation(placed) -> None:
    teacher, _nurse = placed
    assert (teacher.agreement.code, teacher.job_category.code, teacher.pay_step) == (
        "laerere",
        "laerer",
        31,
    )
    assert teacher.allowances == [
        {"code": "koebenhavn", "name": "Lokalt tillæg, København", "annual": "3000"}
    ]
    assert teacher.explanation[1]["code"] == "pay_step"
    assert teacher.pension_percent == D("17.30")


def test_annual_pay_month_by_month_across_an_ok_round(world, placed) -> None:
    """Step 31 = 322,050/yr base. Jan–Mar OK24 (×1.285), Apr–Dec OK26 (×1.321):
    322,050 × (3·1.285 + 9·1.321) / 12 = 322,050 × 1.312 = 422,529.60; the local allowance
    3,000 × 1.312 = 3,936.00; hours 12 × 160.33 = 1,923.96."""
    pay = selectors.annual_pay(world.hr, 2026)
    teacher = pay[world.teacher.pk]
    assert teacher.basic == D("422529.60")
    assert teacher.complementary == D("3936.00")
    assert teacher.hours == D("1923.96")
    assert (teacher.agreement, teacher.job_category, teacher.pay_step) == ("laerere", "laerer", 31)


def test_annual_pay_part_year_and_part_time(world, agreements) -> None:
    """Half time from 17 March 2026, HK step 21 (256,050): March 15/31 at ×1.285, then
    9 months at ×1.321: 256,050 × 0.5 / 12 × (1.285·15/31 + 9·1.321) = 133,474.32."""
    new = EmploymentFactory(
        unit=world.school, weekly_hours=D("18.50"), start_date=dt.date(2026, 3, 17)
    )
    place(new, "hk-kontor", "kontorfuldmaegtig", "2026-03-17")
    pay = selectors.annual_pay(world.hr, 2026, employment_ids=[new.pk])
    assert list(pay) == [new.pk]
    expected = D(256050) * D("0.5") / 12 * (D("1.285") * 15 / 31 + 9 * D("1.321"))
    assert pay[new.pk].basic == expected.quantize(D("0.01")) == D("133474.32")
    assert pay[new.pk].hours == (D("160.33") * D("0.5") * (D(15) / 31 + 9)).quantize(D("0.01"))
    assert pay[new.pk].complementary == 0


def test_annual_pay_is_scoped(world, placed) -> None:
    assert set(selectors.annual_pay(world.manager, 2026)) == {world.teacher.pk}
    assert set(selectors.annual_pay(world.hr, 2026)) == {world.teacher.pk, world.nurse.pk}
    assert selectors.annual_pay(world.nobody, 2026) == {}
    assert selectors.annual_pay(world.employee, 2026) == {}
    assert selectors.annual_pay(world.hr, 2026, employment_ids=[world.nurse.pk]).keys() == {
        world.nurse.pk
    }


def test_annual_pay_queries_do_not_grow_with_employees(
    world, placed, django_assert_max_num_queries
) -> None:
    for _ in range(20):
        e = EmploymentFactory(unit=world.school)
        place(e, "hk-kontor", "kontorfuldmaegtig", "2025-01-01")
    with django_assert_max_num_queries(8):
        pay = selectors.annual_pay(world.hr, 2026)
    assert len(pay) == 22


def test_pay_on_and_history(world, placed) -> None:
    teacher, _ = placed
    on = selectors.pay_on(teacher, world.teacher, dt.date(2026, 5, 1))
    # 322,050 × 1.321 / 12 = 35,452.34; + 3,000 × 1.321 / 12 = 330.25
    assert on["basic_monthly"] == D("35452.34")
    assert on["monthly"] == D("35782.59")
    history = selectors.pay_history(world.teacher, until=dt.date(2026, 12, 31))
    assert [row["version"] for row in history] == ["OK24", "OK26"]


def test_new_placement_ends_the_previous_one(world, placed) -> None:
    place(world.teacher, "laerere", "laerer", "2026-01-01", education=["master"])
    rows = list(Placement.objects.filter(employment=world.teacher).order_by("valid_from"))
    assert [(p.valid_from, p.valid_to) for p in rows] == [
        (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        (dt.date(2026, 1, 1), None),
    ]
    with pytest.raises(DomainError):
        place(world.teacher, "laerere", "laerer", "2025-06-01")


def test_override_is_audited_with_its_reason(world, agreements) -> None:
    placement = services.placement_save(
        actor=world.hr,
        employment=world.nurse,
        data={
            "agreement": "sygeplejersker",
            "job_category": "sygeplejerske",
            "start_date": "2025-01-01",
        },
        overrides={"pay_step": ("33", "Erfaring fra privat klinik godkendt af chef")},
    )
    assert placement.pay_step == 33
    event = AuditEntry.objects.get(event="hr.placement_overridden")
    assert event.reason == "pay_step: Erfaring fra privat klinik godkendt af chef"
    with pytest.raises(DomainError) as exc:
        services.placement_save(
            actor=world.hr,
            employment=world.teacher,
            data={"agreement": "laerere", "job_category": "laerer", "start_date": "2025-01-01"},
            overrides={"pay_step": ("33", "")},
        )
    assert exc.value.errors[0].field == "pay_step"
    assert not Placement.objects.filter(employment=world.teacher).exists()


def test_outside_scope_cannot_place(world, agreements) -> None:
    with pytest.raises(AccessDenied):
        services.placement_save(
            actor=world.manager,
            employment=world.teacher,
            data={"agreement": "laerere", "job_category": "laerer", "start_date": "2025-01-01"},
        )
    assert not Placement.objects.exists()
