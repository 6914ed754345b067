"""Queries compiled once per process (core.prepared) and the session read (core.sessions):
the same answers as the ORM's, and a session past its expiry date signs nobody in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from koncernservice.core import access
from koncernservice.core.models import OrgUnit, RoleAssignment, UserSession
from koncernservice.core.prepared import PreparedValues

ROLES = PreparedValues(
    lambda user_id: RoleAssignment.objects.filter(user_id=user_id).values_list("role").order_by()
)


def test_prepared_rows_are_the_querysets_rows_for_each_argument(world) -> None:
    for user in (world.manager, world.hr, world.nobody):
        expected = sorted(
            RoleAssignment.objects.filter(user_id=user.pk).values_list("role").order_by()
        )
        assert sorted(ROLES.rows(user.pk)) == expected
    assert ROLES.rows(world.nobody.pk) == []


def test_roles_of_a_deactivated_unit_are_not_read_and_a_new_role_counts_at_once(world) -> None:
    assert access.roles_of(world.nobody) == set()
    RoleAssignment.objects.create(user=world.nobody, role="hr", unit=world.school)
    access.forget_cached_roles(world.nobody)
    assert access.roles_of(world.nobody) == {"hr"}
    OrgUnit.objects.filter(pk=world.school.pk).update(is_active=False)
    access.forget_cached_roles(world.nobody)
    assert access.roles_of(world.nobody) == set()


def test_an_argument_the_sql_does_not_take_unchanged_is_refused(db) -> None:
    unused = PreparedValues(lambda user_id: RoleAssignment.objects.values_list("role"))
    with pytest.raises(ValueError):
        unused.rows(1)


def test_session_signs_in_until_its_expiry_date_and_not_after(client, world) -> None:
    client.force_login(world.manager)
    assert client.get("/").status_code == 200
    key = client.cookies["sessionid"].value
    UserSession.objects.filter(pk=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
