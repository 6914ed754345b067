"""Scoped access: a role held on a unit covers its subtree and nothing else."""

from __future__ import annotations

import pytest

from koncernservice.core import access, services
from koncernservice.core.errors import AccessDenied
from koncernservice.core.models import AuditEntry, Employment, OrgUnit, Person, Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_manager_sees_own_unit_and_below_only(world) -> None:
    employments = access.restrict(Employment.objects.all(), world.manager, access.VIEW_EMPLOYMENT)
    visible_units = set(employments.values_list("unit__code", flat=True))
    assert visible_units == {"BUF-HS", "BUF-HS-1"}
    assert not employments.filter(pk=world.nurse.pk).exists()
    units = access.restrict(OrgUnit.objects.all(), world.manager, access.VIEW_ORG)
    assert set(units.values_list("code", flat=True)) == {"BUF-HS", "BUF-HS-1"}


def test_employee_sees_only_own_person_and_employments(world) -> None:
    people = access.restrict(Person.objects.all(), world.employee, access.VIEW_PERSON)
    assert list(people) == [world.teacher.person]
    employments = access.restrict(Employment.objects.all(), world.employee, access.VIEW_EMPLOYMENT)
    assert list(employments) == [world.teacher]


def test_user_without_roles_sees_nothing(world) -> None:
    for model, permission in [
        (OrgUnit, access.VIEW_ORG),
        (Person, access.VIEW_PERSON),
        (Employment, access.VIEW_EMPLOYMENT),
        (AuditEntry, access.VIEW_AUDIT),
    ]:
        assert access.restrict(model.objects.all(), world.nobody, permission).count() == 0


def test_anonymous_and_inactive_users_see_nothing(world) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert access.restrict(OrgUnit.objects.all(), AnonymousUser(), access.VIEW_ORG).count() == 0
    world.hr.is_active = False
    assert access.restrict(Person.objects.all(), world.hr, access.VIEW_PERSON).count() == 0


def test_root_role_sees_everything(world) -> None:
    assert access.restrict(Person.objects.all(), world.hr, access.VIEW_PERSON).count() == (
        Person.objects.count()
    )


def test_manager_cannot_change_people_or_see_full_cpr(world) -> None:
    assert not access.can(world.manager, access.CHANGE_PERSON, world.teacher.person)
    assert not access.can(world.manager, access.VIEW_CPR, world.teacher.person)
    assert access.can(world.hr, access.VIEW_CPR, world.teacher.person)
    with pytest.raises(AccessDenied):
        services.person_update(actor=world.manager, person=world.teacher.person, first_name="X")
    world.teacher.person.refresh_from_db()
    assert world.teacher.person.first_name == "Lars"


def test_role_on_two_subtrees_is_the_union(world) -> None:
    user = make_user(
        "to-enheder", roles=[(Role.MANAGER, world.classroom), (Role.MANAGER, world.nursing_home)]
    )
    codes = set(
        access.restrict(Employment.objects.all(), user, access.VIEW_EMPLOYMENT).values_list(
            "unit__code", flat=True
        )
    )
    assert codes == {"BUF-HS-1", "SUF-PS"}


def test_collapse_paths_keeps_outermost_subtrees() -> None:
    assert access.collapse_paths(["/1/5/", "/1/", "/2/7/", "/2/70/"]) == ["/1/", "/2/7/", "/2/70/"]


def test_subtree_of_unit_10_does_not_include_unit_100(world) -> None:
    # Paths are compared as ranges ["/1/10/", "/1/100"): "/1/100/" must fall outside.
    from koncernservice.core.models import subtree_q

    assert OrgUnit.objects.filter(subtree_q("path", ["/999/"])).count() == 0
    inside = OrgUnit.objects.filter(subtree_q("path", [world.buf.path]))
    assert set(inside.values_list("code", flat=True)) == {"BUF", "BUF-HS", "BUF-HS-1"}
