"""Audit trail: who, when, what changed (before/after) and why; it cannot be edited."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from koncernservice.core import access, services
from koncernservice.core.models import AuditEntry, Person

pytestmark = pytest.mark.django_db


def entries_for(obj) -> list[AuditEntry]:
    content_type = ContentType.objects.get_for_model(obj)
    return list(
        AuditEntry.objects.filter(content_type=content_type, object_id=str(obj.pk)).order_by("id")
    )


def test_change_records_actor_before_after_and_reason(world) -> None:
    person = world.teacher.person
    services.person_update(
        actor=world.hr, person=person, last_name="Lærersen", reason="Navneændring efter vielse"
    )
    last = entries_for(person)[-1]
    assert last.action == AuditEntry.Action.UPDATE
    assert last.actor == world.hr
    assert last.changes == {"last_name": ["Lærer", "Lærersen"]}
    assert last.reason == "Navneændring efter vielse"
    assert last.scope_path == world.school.path


def test_cpr_is_masked_in_the_trail(world) -> None:
    person = world.teacher.person
    services.person_update(actor=world.hr, person=person, cpr="0101902001")
    last = entries_for(person)[-1]
    _before, after = last.changes["cpr"]
    assert after == "010190-****"
    assert "2001" not in str(last.changes)


def test_create_and_end_of_employment_are_audited(world) -> None:
    import datetime as dt

    services.employment_end(
        actor=world.hr,
        employment=world.nurse,
        end_date=dt.date(2026, 12, 31),
        reason="Opsagt af medarbejderen",
    )
    entries = entries_for(world.nurse)
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[-1].changes == {"end_date": [None, "2026-12-31"]}


def test_audit_entries_cannot_be_changed_or_deleted(world) -> None:
    entry = AuditEntry.objects.first()
    entry.reason = "forfalsket"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(reason="forfalsket")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert not AuditEntry.objects.filter(reason="forfalsket").exists()


def test_only_auditors_in_scope_see_the_trail(world) -> None:
    assert access.restrict(AuditEntry.objects.all(), world.auditor, access.VIEW_AUDIT).count() == (
        AuditEntry.objects.count()
    )
    assert access.restrict(AuditEntry.objects.all(), world.manager, access.VIEW_AUDIT).count() == 0
    assert access.restrict(AuditEntry.objects.all(), world.nobody, access.VIEW_AUDIT).count() == 0


def test_refused_change_writes_nothing(world) -> None:
    from koncernservice.core.errors import DomainError

    before = AuditEntry.objects.count()
    with pytest.raises(DomainError):
        services.person_update(actor=world.hr, person=world.nurse.person, cpr="3102901234")
    assert AuditEntry.objects.count() == before
    assert Person.objects.get(pk=world.nurse.person.pk).cpr != "3102901234"
