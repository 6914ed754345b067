"""Bulk inserts for the ingest: PostgreSQL's COPY where available (one stream per table and
batch, ~20× faster than ``executemany`` through psycopg's client cursor), else
``executemany``.

``copy_insert(objs)`` has ``core.bulk.fast_insert``'s contract: model instances, primary keys
assigned here (max + 1 …, inside the caller's transaction, the table locked) and the
sequence moved past them. ``copy_rows(model, columns, rows)`` takes plain tuples (no model
instances: ~10× less CPU a row) and ``reserve_ids`` hands out keys from the sequences, so
nothing is locked for them. No signals (callers audit what they wrote)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

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
        columns = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in fields)
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


@lru_cache(maxsize=64)
def _layout(model: type[Model], columns: tuple[str, ...]) -> tuple[list[Any], list[int], list[int]]:
    """The fields of ``columns`` (attnames) and the positions of the JSON and the datetime
    ones; refuses a column list that leaves out a field the database needs (not null, no
    default there)."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    chosen = [by_attname[name] for name in columns]
    missing = [
        f.attname
        for f in model._meta.concrete_fields
        if f.attname not in columns and not f.null and not f.primary_key
    ]
    if missing:
        raise ValueError(f"{model.__name__}: columns missing for {', '.join(missing)}")
    kinds = [f.get_internal_type() for f in chosen]
    return (
        chosen,
        [i for i, kind in enumerate(kinds) if kind == "JSONField"],
        [i for i, kind in enumerate(kinds) if kind == "DateTimeField"],
    )


def copy_rows(model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Insert plain rows: values in the order of ``columns`` (attnames), Python values as a
    model field holds them (JSON fields as lists/dicts). No model instances, no signals.
    PostgreSQL: one ``COPY``; a primary key left out comes from the table's sequence.
    Elsewhere: one ``executemany``."""
    if not rows:
        return 0
    columns = tuple(columns)
    chosen, json_at, datetime_at = _layout(model, columns)
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column or f.attname) for f in chosen)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            dumps = json.dumps
            # A batch repeats the same few timestamps: their text is made once (psycopg's
            # datetime dumper costs ~2 µs a value, a third of a typical row).
            stamps: dict[Any, str] = {}
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                write = copy.write_row
                if not json_at and not datetime_at:
                    for row in rows:
                        write(row)
                    return len(rows)
                for row in rows:
                    values = list(row)
                    for i in json_at:
                        value = values[i]
                        values[i] = "[]" if value == [] else dumps(value)
                    for i in datetime_at:
                        value = values[i]
                        if value is not None:
                            text = stamps.get(value)
                            if text is None:
                                text = stamps[value] = value.isoformat()
                            values[i] = text
                    write(values)
        else:
            convert = [
                f.get_db_prep_save
                if f.get_internal_type()
                in {"DateTimeField", "DateField", "DecimalField", "JSONField", "UUIDField"}
                else None
                for f in chosen
            ]
            placeholders = ", ".join(["%s"] * len(chosen))
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({placeholders})",
                [
                    [
                        c(v, connection=connection) if c is not None and v is not None else v
                        for v, c in zip(row, convert, strict=True)
                    ]
                    for row in rows
                ],
            )
    return len(rows)


_SEQUENCES: dict[tuple[str, str], str] = {}


def reserve_ids(models: Sequence[type[Model]], count: int) -> list[list[int]]:
    """``count`` new primary keys for each model, in ascending order, inside the caller's
    transaction. PostgreSQL: from the tables' sequences in one query (safe next to any
    other writer); elsewhere max + 1 … (single-writer databases)."""
    if count <= 0:
        return [[] for _ in models]
    connection = connections[router.db_for_write(models[0])]
    if connection.vendor != "postgresql":
        result = []
        for model in models:
            start = (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
            result.append(list(range(start, start + count)))
        return result
    with connection.cursor() as cursor:
        names = []
        for model in models:
            key = (connection.settings_dict["NAME"], model._meta.db_table)
            if key not in _SEQUENCES:
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, %s)",
                    [model._meta.db_table, model._meta.pk.column],
                )
                _SEQUENCES[key] = cursor.fetchone()[0]
            names.append(_SEQUENCES[key])
        select = ", ".join("nextval(%s::regclass)" for _ in names)
        cursor.execute(f"SELECT {select} FROM generate_series(1, %s)", [*names, count])
        rows = cursor.fetchall()
    return [sorted(column) for column in zip(*rows, strict=True)]
