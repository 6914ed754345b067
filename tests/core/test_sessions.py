"""A signed-in request reads its session and its user with one statement (core.sessions,
core.auth), and Django's checks still hold: an expired session, a deactivated user, a
password changed elsewhere and a deleted user all sign the browser out."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from koncernservice.core import auth
from koncernservice.core.models import User, UserSession
from koncernservice.core.sessions import SessionStore


def _signed_in(client, user) -> str:
    client.force_login(user)
    assert client.get("/").status_code == 200
    return client.cookies["sessionid"].value


def _signed_out(response) -> bool:
    return response.status_code == 302 and "/login/" in response["Location"]


def test_session_and_user_are_read_with_one_statement(client, world) -> None:
    _signed_in(client, world.manager)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    users = User._meta.db_table
    reading_users = [q["sql"] for q in queries.captured_queries if f'FROM "{users}"' in q["sql"]]
    session_reads = [q["sql"] for q in queries.captured_queries if "core_usersession" in q["sql"]]
    assert len(session_reads) == 1 and "LEFT JOIN" in session_reads[0], session_reads
    assert reading_users == [], reading_users


def test_the_user_read_with_the_session_is_the_users_row(client, world) -> None:
    """Same values as the ORM's, converters applied (aware datetimes, booleans, ids)."""
    key = _signed_in(client, world.manager)
    assert UserSession.objects.get(pk=key).user_id == world.manager.pk
    store = SessionStore(key)
    assert store[SESSION_KEY] == str(world.manager.pk)
    expected = User.objects.get(pk=world.manager.pk)
    for field in User._meta.concrete_fields:
        assert getattr(store.user, field.attname) == getattr(expected, field.attname), field.name
    assert store.user.date_joined.tzinfo is not None
    assert store.user.is_active is True


def test_expired_session_signs_nobody_in(client, world) -> None:
    key = _signed_in(client, world.manager)
    UserSession.objects.filter(pk=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert _signed_out(client.get("/"))


def test_deactivated_user_is_signed_out_at_the_next_request(client, world) -> None:
    _signed_in(client, world.manager)
    User.objects.filter(pk=world.manager.pk).update(is_active=False)
    assert _signed_out(client.get("/"))


def test_password_changed_elsewhere_ends_the_session(client, world) -> None:
    """Django's session hash: the session was signed with the old password's hash."""
    key = _signed_in(client, world.manager)
    user = User.objects.get(pk=world.manager.pk)
    user.set_password("et-helt-nyt-kodeord-2026")
    user.save()
    assert _signed_out(client.get("/"))
    assert not UserSession.objects.filter(pk=key).exists()  # flushed


def test_deleting_the_user_deletes_their_sessions(client, world) -> None:
    key = _signed_in(client, world.nobody)
    User.objects.filter(pk=world.nobody.pk).delete()
    assert not UserSession.objects.filter(pk=key).exists()
    assert _signed_out(client.get("/"))


def test_logout_removes_the_session_and_nothing_is_remembered_between_requests(
    client, world
) -> None:
    key = _signed_in(client, world.manager)
    client.post("/logout/")
    assert not UserSession.objects.filter(pk=key).exists()
    assert _signed_out(client.get("/"))
    assert auth._read_with_session.get() is None


def test_backend_reads_another_user_from_the_database(world) -> None:
    """The user read with the session only answers for its own id."""
    backend = auth.ModelBackend()
    token = auth._read_with_session.set(world.manager)
    try:
        assert backend.get_user(world.nobody.pk) == world.nobody
        assert backend.get_user(world.manager.pk) is world.manager
    finally:
        auth._read_with_session.reset(token)
