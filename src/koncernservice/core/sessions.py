"""Database sessions read together with their user: one statement a request, not two.

Every request of a signed-in user reads its session and then, through the authentication
backend, its user. The sessions live in :class:`~koncernservice.core.models.UserSession`,
which keeps the user's id as a column, so one ``SELECT … LEFT JOIN`` written once per process
reads both. The user read with the session is handed to the backend only while Django's own
``get_user`` runs for that request (:func:`koncernservice.core.auth.get_user`), so Django still
checks the backend path, ``is_active`` and the session's password hash as it always does.
Storage, expiry, key cycling and writes are Django's own (``SESSION_ENGINE``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

Converter = Callable[[Any, Any, Any], Any]


@functools.cache
def _select(alias: str) -> tuple[str, tuple[tuple[str, Any, tuple[Converter, ...]], ...]]:
    """The statement, and per user column its field name, column and the ORM's converters
    (a raw cursor gives SQLite's naive datetimes and 0/1 booleans)."""
    from koncernservice.core.models import User, UserSession

    connection = connections[alias]
    qn = connection.ops.quote_name
    users = User._meta.db_table
    columns = []
    for field in User._meta.concrete_fields:
        col = field.get_col(users)
        converters = tuple(
            connection.ops.get_db_converters(col) + field.get_db_converters(connection)
        )
        columns.append((field.attname, col, converters))
    selected = ", ".join(f"u.{qn(field.column)}" for field in User._meta.concrete_fields)
    sql = (
        f"SELECT s.{qn('session_data')}, {selected} "
        f"FROM {qn(UserSession._meta.db_table)} s "
        f"LEFT JOIN {qn(users)} u ON u.{qn(User._meta.pk.column)} = s.{qn('user_id')} "
        f"WHERE s.{qn('session_key')} = %s AND s.{qn('expire_date')} > %s"
    )
    return sql, tuple(columns)


class SessionStore(db.SessionStore):
    #: The user whose id the session row holds, read with it (None: nobody or not read).
    user: Any = None

    @classmethod
    def get_model_class(cls) -> Any:
        from koncernservice.core.models import UserSession

        return UserSession

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        session = super().create_model_instance(data)
        try:
            session.user_id = int(data.get(SESSION_KEY))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            session.user_id = None
        return session

    def _get_session_from_db(self) -> Any:
        from koncernservice.core.models import User

        self.user = None
        key = self.session_key
        if not key:
            self._session_key = None
            return None
        model = self.get_model_class()
        alias = router.db_for_read(model)
        connection = connections[alias]
        sql, columns = _select(alias)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        if row[1] is not None:
            values = []
            for value, (_name, col, converters) in zip(row[1:], columns, strict=True):
                for convert in converters:
                    value = convert(value, col, connection)
                values.append(value)
            self.user = User.from_db(alias, [name for name, _c, _v in columns], values)
        return model(session_key=key, session_data=row[0])
