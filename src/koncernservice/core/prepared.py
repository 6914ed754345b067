"""Read queries that run on every request, compiled to SQL once per process.

Django compiles a queryset to SQL on every evaluation; for the few small queries every page
sends (the user's roles, the portal's grants and teams, the root units) that compiling cost
about 0.8 ms of CPU each against 0.2 ms for sending the same SQL (``bench/portal_profile.py``).
A :class:`PreparedValues` builds its queryset once per database alias with sentinel
arguments, keeps the SQL, and afterwards only puts the real arguments where the sentinels
were. The queryset stays the single definition of the query (filters, joins, quoting).

Only for ``values_list`` queries of integer and text columns: the rows come straight from
the database cursor, without the ORM's converters (a boolean or date column would come back
as SQLite stores it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

# Integers no primary key reaches; each argument gets its own.
_SENTINEL = -7_340_033_000


class PreparedValues:
    """``PreparedValues(lambda user_id: Model.objects.filter(user_id=user_id).values_list(...))``
    then ``.rows(user.pk)``: the rows as tuples. The arguments must be integers (ids)."""

    def __init__(self, build: Callable[..., QuerySet[Any]], arguments: int = 1) -> None:
        self.build = build
        self.arguments = arguments
        self._compiled: dict[str, tuple[str, list[Any]]] = {}

    def _compile(self, using: str) -> tuple[str, list[Any]]:
        sentinels = [_SENTINEL - index for index in range(self.arguments)]
        queryset = self.build(*sentinels)
        sql, params = queryset.query.get_compiler(using).as_sql()
        # Each param is either a fixed value (kept) or a sentinel (replaced by an argument).
        template: list[Any] = []
        seen = set()
        for param in params:
            if type(param) is int and param in sentinels:
                index = sentinels.index(param)
                seen.add(index)
                template.append(_Argument(index))
            else:
                template.append(param)
        if len(seen) != self.arguments:
            raise ValueError("every argument must reach the SQL's parameters unchanged")
        return sql, template

    def rows(self, *arguments: int, using: str = DEFAULT_DB_ALIAS) -> list[tuple[Any, ...]]:
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        sql, template = compiled
        params = [arguments[item.index] if type(item) is _Argument else item for item in template]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


class _Argument:
    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index
