"""Shared fixtures: a small municipality with two administrations and users with roles."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from koncernservice.core.models import Employment, OrgUnit, Role, User
from tests.factories import EmploymentFactory, PersonFactory, make_unit, make_user

# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM use.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """PBKDF2 is slow by design; tests need no protection against password cracking."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    root: OrgUnit
    buf: OrgUnit
    suf: OrgUnit
    school: OrgUnit
    classroom: OrgUnit
    nursing_home: OrgUnit
    teacher: Employment
    pupil_helper: Employment
    nurse: Employment
    manager: User
    employee: User
    hr: User
    auditor: User
    admin: User
    nobody: User


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def live_world(transactional_db: None) -> World:
    """The same world, committed, for a live server in another thread (browser tests)."""
    return build_world()


def build_world() -> World:
    root = make_unit("Københavns Kommune", code="KK")
    buf = make_unit(
        "Børne- og Ungdomsforvaltningen",
        root,
        kind=OrgUnit.Kind.ADMINISTRATION,
        abbreviation="BUF",
        code="BUF",
    )
    suf = make_unit(
        "Sundheds- og Omsorgsforvaltningen",
        root,
        kind=OrgUnit.Kind.ADMINISTRATION,
        abbreviation="SUF",
        code="SUF",
    )
    school = make_unit("Husum Skole", buf, code="BUF-HS")
    classroom = make_unit("Husum Skole, indskoling", school, code="BUF-HS-1")
    nursing_home = make_unit("Plejecenter Sølund", suf, code="SUF-PS")
    boss = PersonFactory(first_name="Mette", last_name="Leder")
    EmploymentFactory(person=boss, unit=school, is_manager=True, position_title="Skoleleder")
    teacher = EmploymentFactory(
        unit=school,
        position_title="Lærer",
        person=PersonFactory(first_name="Lars", last_name="Lærer"),
    )
    pupil_helper = EmploymentFactory(unit=classroom, position_title="Pædagog")
    nurse = EmploymentFactory(
        unit=nursing_home,
        position_title="Sygeplejerske",
        person=PersonFactory(first_name="Sofie", last_name="Sygeplejerske"),
    )
    return World(
        root=root,
        buf=buf,
        suf=suf,
        school=school,
        classroom=classroom,
        nursing_home=nursing_home,
        teacher=teacher,
        pupil_helper=pupil_helper,
        nurse=nurse,
        manager=make_user("leder", person=boss, roles=[(Role.MANAGER, school)]),
        employee=make_user("laerer", person=teacher.person, roles=[(Role.EMPLOYEE, school)]),
        hr=make_user("hr", roles=[(Role.HR, root)]),
        auditor=make_user("revisor", roles=[(Role.AUDITOR, root)]),
        admin=make_user("admin", roles=[(Role.ADMIN, root)]),
        nobody=make_user("ingen"),
    )
