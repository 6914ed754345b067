"""Test data built through the real services and models (no mocks of our own database)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import factory

from koncernservice.core import services
from koncernservice.core.models import Employment, OrgUnit, Person, RoleAssignment, User
from koncernservice.core.rules.identifiers import make_gln
from koncernservice.core.system import system_operator

SYSTEM = system_operator()
_unit_numbers = itertools.count(1)
_cpr_numbers = itertools.count(1)


def make_unit(
    name: str,
    parent: OrgUnit | None = None,
    *,
    kind: str | None = None,
    gln: str | None = None,
    **extra: Any,
) -> OrgUnit:
    number = next(_unit_numbers)
    if kind is None:
        kind = OrgUnit.Kind.MUNICIPALITY if parent is None else OrgUnit.Kind.UNIT
    return services.org_unit_create(
        actor=SYSTEM,
        code=extra.pop("code", f"U{number:05d}"),
        name=name,
        parent=parent,
        kind=kind,
        gln=gln if gln is not None else make_gln(f"579800{number:06d}"),
        **extra,
    )


def next_cpr(birth: dt.date = dt.date(1985, 3, 14), female: bool = True) -> str:
    """A synthetic CPR number (century digit 0–3 → 1900s); the last digit gives the sex."""
    n = next(_cpr_numbers)
    serial = (n * 2) % 1000
    last = serial % 10
    if female and last % 2:
        serial -= 1
    if not female and not last % 2:
        serial += 1
    return f"{birth:%d%m%y}{serial % 4000:04d}"[:10]


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Sequence(lambda n: f"Anna{n}")
    last_name = factory.Sequence(lambda n: f"Jensen{n}")
    cpr = factory.LazyFunction(next_cpr)
    birth_date = dt.date(1985, 3, 14)
    legal_sex = "F"
    email = factory.LazyAttribute(lambda o: f"{o.first_name.lower()}@example.kk.dk")

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Person:
        info = services.clean_cpr(kwargs["cpr"])
        kwargs.update(birth_date=info.birth_date, legal_sex=info.legal_sex, cpr=info.number)
        return super()._create(model_class, *args, **kwargs)


class EmploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employment

    person = factory.SubFactory(PersonFactory)
    unit = None
    employee_number = factory.Sequence(lambda n: f"T{n:06d}")
    position_title = "Kontorfuldmægtig"
    job_category = "Kontor"
    weekly_hours = Decimal("37.00")
    start_date = dt.date(2020, 1, 1)
    end_date = None
    is_manager = False


def make_user(
    username: str,
    *,
    person: Person | None = None,
    roles: list[tuple[str, OrgUnit]] = (),
    password: str = "Korrekt-hest-42",
) -> User:  # type: ignore[assignment]
    user = User.objects.create_user(
        username=username,
        password=password,
        person=person,
        first_name=person.first_name if person else username,
    )
    for role, unit in roles:
        RoleAssignment.objects.create(user=user, role=role, unit=unit)
    return user
