"""The audit trail: automatic change log for every ``AuditedModel`` plus named events.

Who acted comes from a context variable set by the request middleware, the CLI and the
demo builder; services add a reason with ``audit_context(reason=...)``. Bulk paths that
bypass model signals call :func:`record_bulk_create`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from koncernservice.core.models import AuditedModel, AuditEntry


@dataclass(frozen=True)
class AuditContext:
    actor: Any = None  # a User, or None for the system
    actor_label: str = "system"
    reason: str = ""
    request_id: str = ""


_context: ContextVar[AuditContext] = ContextVar("ks_audit_context", default=AuditContext())  # noqa: B039 (frozen)
# The entries of an open ``audit_batch`` block (None: each entry is written at once).
_batch: ContextVar[list[AuditEntry] | None] = ContextVar("ks_audit_batch", default=None)


def current_context() -> AuditContext:
    return _context.get()


@contextlib.contextmanager
def audit_context(
    *, actor: Any = None, actor_label: str | None = None, reason: str | None = None
) -> Iterator[AuditContext]:
    """Set who acts and why for everything audited inside the block."""
    ctx = _context.get()
    changes: dict[str, Any] = {}
    if actor is not None:
        changes["actor"] = actor if getattr(actor, "pk", None) else None
        changes["actor_label"] = actor_label or getattr(actor, "username", str(actor))
    elif actor_label is not None:
        changes["actor_label"] = actor_label
    if reason is not None:
        changes["reason"] = reason
    new = replace(ctx, **changes)
    if not new.request_id:
        new = replace(new, request_id=uuid.uuid4().hex)
    token = _context.set(new)
    try:
        yield new
    finally:
        _context.reset(token)


@contextlib.contextmanager
def audit_batch() -> Iterator[None]:
    """Write the audit entries made inside the block with one INSERT when it ends.

    The same entries, in the same order, as without the block (saves and deletes through the
    signals, ``record_event``, ``record_bulk_create``); they get their ids at the end of the
    block. An exception in the block writes none (the transaction around it is rolled back
    anyway). Nested blocks write with the outermost.
    """
    if _batch.get() is not None:
        yield
        return
    entries: list[AuditEntry] = []
    token = _batch.set(entries)
    try:
        yield
    finally:
        _batch.reset(token)
    if entries:
        AuditEntry.objects.bulk_create(entries)


def _write(entries: list[AuditEntry], batch_size: int | None = None) -> None:
    pending = _batch.get()
    if pending is not None:
        pending.extend(entries)
    elif len(entries) == 1:
        entries[0].save()
    elif entries:
        AuditEntry.objects.bulk_create(entries, batch_size=batch_size)


def _plain(value: Any) -> Any:
    """A JSON-safe representation of a field value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def _values(instance: AuditedModel) -> dict[str, Any]:
    values = {}
    for field in instance._meta.concrete_fields:
        if (
            field.attname in instance.audit_ignored_fields
            or field.name in instance.audit_ignored_fields
        ):
            continue
        if field.attname in instance.get_deferred_fields():
            continue
        values[field.attname] = getattr(instance, field.attname)
    return values


def _mask(instance: AuditedModel, name: str, value: Any) -> Any:
    masker = instance.audit_masked_fields.get(name)
    return masker(value) if masker and value else _plain(value)


def _entry(
    instance: AuditedModel, action: str, changes: dict[str, Any], event: str = "", reason: str = ""
) -> AuditEntry:
    ctx = current_context()
    actor = ctx.actor if ctx.actor is not None and getattr(ctx.actor, "pk", None) else None
    try:
        scope_path = instance.audit_scope_path()
    except Exception:  # an object mid-delete may have lost its relations
        scope_path = ""
    return AuditEntry(
        actor=actor,
        actor_label=ctx.actor_label[:150],
        action=action,
        event=event,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
        reason=reason or ctx.reason,
        scope_path=scope_path,
        request_id=ctx.request_id,
    )


def snapshot(instance: AuditedModel) -> None:
    """Mark the current values as the 'before' of the next save (after a manual create)."""
    instance._audit_loaded = _values(instance)  # type: ignore[attr-defined]


@receiver(post_save)
def _on_save(sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or not isinstance(instance, AuditedModel):
        return
    after = _values(instance)
    if created:
        changes = {
            k: [None, _mask(instance, k, v)] for k, v in after.items() if v not in (None, "")
        }
        _write([_entry(instance, AuditEntry.Action.CREATE, changes)])
    else:
        before = getattr(instance, "_audit_loaded", None) or {}
        changes = {
            k: [_mask(instance, k, before.get(k)), _mask(instance, k, v)]
            for k, v in after.items()
            if k in before and _plain(before.get(k)) != _plain(v)
        }
        if changes:
            _write([_entry(instance, AuditEntry.Action.UPDATE, changes)])
    instance._audit_loaded = after


@receiver(post_delete)
def _on_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    if not isinstance(instance, AuditedModel):
        return
    before = _values(instance)
    changes = {k: [_mask(instance, k, v), None] for k, v in before.items() if v not in (None, "")}
    _write([_entry(instance, AuditEntry.Action.DELETE, changes)])


def record_event(
    instance: AuditedModel, event: str, *, data: dict[str, Any] | None = None, reason: str = ""
) -> AuditEntry:
    """A named business event (``"role.granted"``, ``"import.completed"``) on an object."""
    entry = _entry(instance, AuditEntry.Action.EVENT, data or {}, event=event, reason=reason)
    _write([entry])
    return entry


def record_events(
    items: Iterable[tuple[AuditedModel, dict[str, Any]]], event: str, *, batch_size: int = 2000
) -> int:
    """The same named event on many objects at once (one INSERT per batch)."""
    entries = [_entry(obj, AuditEntry.Action.EVENT, data, event=event) for obj, data in items]
    _write(entries, batch_size)
    return len(entries)


def record_bulk_create(instances: Iterable[AuditedModel], *, batch_size: int = 2000) -> int:
    """Audit objects written with ``bulk_create`` (which sends no signals)."""
    entries = []
    for instance in instances:
        values = _values(instance)
        changes = {
            k: [None, _mask(instance, k, v)] for k, v in values.items() if v not in (None, "")
        }
        entries.append(_entry(instance, AuditEntry.Action.CREATE, changes))
    _write(entries, batch_size)
    return len(entries)
