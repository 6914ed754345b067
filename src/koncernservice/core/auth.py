"""Signing in: the user each request acts as, read with its session (core.sessions).

:func:`get_user` is Django's ``auth.get_user`` with one difference: while it runs, the
backends below answer ``get_user(id)`` with the user the session store has just read with
the session, when the ids match, instead of reading it again. Everything else (the backend
path check, the backend's own ``is_active`` rule, the password-hash verification and key
cycling) is Django's unchanged. Outside that call nothing is remembered.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.contrib import auth
from django.contrib.auth import SESSION_KEY, backends
from django.contrib.auth import middleware as auth_middleware
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

_read_with_session: ContextVar[Any] = ContextVar("read_with_session", default=None)


class ReadWithSessionMixin:
    """For authentication backends: the user read with the session, when it is the one."""

    def get_user(self, user_id: Any) -> Any:
        user = _read_with_session.get()
        if user is None or str(user.pk) != str(user_id):
            return super().get_user(user_id)  # type: ignore[misc]
        may = getattr(self, "user_can_authenticate", None)
        return user if may is None or may(user) else None


class ModelBackend(ReadWithSessionMixin, backends.ModelBackend):
    """Django's ModelBackend (passwords), taking the user read with the session."""


def get_user(request: HttpRequest) -> Any:
    session = request.session
    session.get(SESSION_KEY)  # read the session (and so its user) before Django asks for it
    token = _read_with_session.set(getattr(session, "user", None))
    try:
        return auth.get_user(request)
    finally:
        _read_with_session.reset(token)


def _cached_user(request: HttpRequest) -> Any:
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)  # type: ignore[attr-defined]
    return request._cached_user  # type: ignore[attr-defined]


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with ``request.user`` from :func:`get_user` (``request.auser`` is Django's)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _cached_user(request))  # type: ignore[assignment]
