"""Bulk inserts for the ingest: PostgreSQL's COPY where available (one stream per table and
batch, ~20× faster than ``executemany`` through psycopg's client cursor), else
``core.bulk.fast_insert``. Same contract as ``fast_insert``: primary keys are assigned here
(max + 1 …, inside the caller's transaction) and the sequence is moved past them; no signals
(callers audit what they wrote)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.management.color import no_style
from django.db import connections, router
from django.db.models import Max, Model
from django.utils import timezone

from koncernservice.core.bulk import fast_insert


def copy_insert(objs: Sequence[Model]) -> int:
    if not objs:
        return 0
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return fast_insert(objs)
    meta = model._meta
    with connection.cursor() as cursor:
        if any(obj.pk is None for obj in objs):
            # lock the table against a concurrent ingest taking the same keys
            cursor.execute(
                f"LOCK TABLE {connection.ops.quote_name(meta.db_table)} IN EXCLUSIVE MODE"
            )
            next_pk = (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
            for obj in objs:
                if obj.pk is None:
                    obj.pk = next_pk
                    next_pk += 1
        fields = list(meta.concrete_fields)
        now = timezone.now()
        prepare = [
            (
                f.attname,
                getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False),
                f.get_db_prep_save
                if f.get_internal_type() in {"JSONField", "UUIDField", "DurationField"}
                else None,
            )
            for f in fields
        ]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(meta.db_table)
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                row = []
                for attname, is_auto, convert in prepare:
                    value = getattr(obj, attname)
                    if value is None and is_auto:
                        value = now
                        setattr(obj, attname, now)
                    row.append(convert(value, connection=connection) if convert else value)
                copy.write_row(row)
        for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(statement)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return len(objs)
