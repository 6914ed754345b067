"""A small paid workforce on top of ``world``: teachers at the school and carers at the
nursing home, 6 women and 6 men each, with pay for 2025 imported from a payroll extract."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from koncernservice.core.models import Employment
from koncernservice.core.system import system_operator
from koncernservice.paygap import services
from koncernservice.paygap.files import read_extract
from tests.factories import EmploymentFactory, PersonFactory, next_cpr

YEAR = 2025
EXTRACT_HEADER = "employee,basic_pay,complementary_pay,hours,agreement,pay_step\n"


@dataclass
class Paid:
    world: object
    teachers: list[Employment]
    carers: list[Employment]


def hire(unit, *, female: bool, job: str, number: str) -> Employment:
    person = PersonFactory(cpr=next_cpr(female=female), first_name=number)
    return EmploymentFactory(
        person=person, unit=unit, job_category=job, position_title=job, employee_number=number
    )


def extract_lines(paid: Paid) -> str:
    """Teachers: women 400,000 basic, men 440,000 (a 9.09 % basic gap); 1,600 hours each;
    teachers 0, 1, 4, 5, 8, 9 (3 women, 3 men) 20,000 in allowances.
    Carers: everyone 300,000 + 0 over 1,500 hours."""
    lines = []
    for index, employment in enumerate(paid.teachers):
        female = employment.person.legal_sex == "F"
        basic = 400000 if female else 440000
        extra = 20000 if index % 4 in (0, 1) else 0
        lines.append(f"{employment.employee_number},{basic},{extra},1600,OK24 Lærere,5\n")
    for employment in paid.carers:
        lines.append(f"{employment.employee_number},300000,0,1500,OK24 SOSU,2\n")
    return EXTRACT_HEADER + "".join(lines)


@pytest.fixture
def paid(world, tmp_path: Path) -> Paid:
    teachers = [
        hire(world.school, female=i % 2 == 0, job="Lærer", number=f"L{i:03d}") for i in range(12)
    ]
    carers = [
        hire(world.nursing_home, female=i % 2 == 0, job="Sosu", number=f"S{i:03d}")
        for i in range(12)
    ]
    result = Paid(world=world, teachers=teachers, carers=carers)
    path = tmp_path / "loen.csv"
    path.write_text(extract_lines(result), encoding="utf-8")
    services.pay_import(
        actor=system_operator(), rows=read_extract(path), year=YEAR, source="loen.csv"
    )
    return result


TEACHER_CATEGORY = "OK24 Lærere / Lærer / 5-8"
CARER_CATEGORY = "OK24 SOSU / Sosu / 1-4"
D = Decimal
