"""Reads of the core that need more than one line; every one goes through ``restrict``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from koncernservice.core import access
from koncernservice.core.models import (
    AuditEntry,
    BusinessCalendar,
    Employment,
    OrgUnit,
    Person,
    subtree_q,
)
from koncernservice.core.rules import calendar as calendar_rules


def units_visible(*, user: Any) -> QuerySet[OrgUnit]:
    return access.restrict(OrgUnit.objects.all(), user, access.VIEW_ORG)


def unit_get(*, user: Any, pk: int) -> OrgUnit:
    """The unit, or 404 when it does not exist or lies outside the user's scope."""
    unit = units_visible(user=user).select_related("cost_centre", "parent").filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def unit_roots(*, user: Any) -> QuerySet[OrgUnit]:
    """The top units of the user's scope: the root for a municipality-wide role."""
    paths = access.scope_paths(user, access.VIEW_ORG)
    if paths == ["/"]:
        return OrgUnit.objects.filter(parent__isnull=True)
    return OrgUnit.objects.filter(path__in=paths)


def unit_children(*, user: Any, unit: OrgUnit) -> QuerySet[OrgUnit]:
    return (
        units_visible(user=user)
        .filter(parent=unit)
        .annotate(child_count=Count("children", distinct=True))
        .order_by("name")
    )


def unit_ancestors(*, user: Any, unit: OrgUnit) -> list[tuple[OrgUnit, bool]]:
    """The units above, from the top, each with whether the user may open it (a manager's
    breadcrumbs show the administration above as text, not as a link to a 404)."""
    ids = unit.ancestor_ids[:-1]
    by_id = OrgUnit.objects.in_bulk(ids)
    return [
        (by_id[i], access.holds_on_path(user, access.VIEW_ORG, by_id[i].path))
        for i in ids
        if i in by_id
    ]


def _current(on: dt.date | None = None) -> Q:
    day = on or timezone.localdate()
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def unit_employments(
    *, user: Any, unit: OrgUnit, include_subunits: bool = False, current_only: bool = True
) -> QuerySet[Employment]:
    qs = access.restrict(Employment.objects.all(), user, access.VIEW_EMPLOYMENT)
    qs = (
        qs.filter(subtree_q("unit__path", [unit.path]))
        if include_subunits
        else qs.filter(unit=unit)
    )
    if current_only:
        qs = qs.filter(_current())
    return qs.select_related("person", "unit")


def unit_headcount(*, unit: OrgUnit) -> int:
    return (
        Employment.objects.filter(subtree_q("unit__path", [unit.path])).filter(_current()).count()
    )


def people_visible(*, user: Any) -> QuerySet[Person]:
    return access.restrict(Person.objects.all(), user, access.VIEW_PERSON)


def person_get(*, user: Any, pk: int) -> Person:
    person = people_visible(user=user).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def person_employments(*, user: Any, person: Person) -> QuerySet[Employment]:
    return (
        access.restrict(Employment.objects.filter(person=person), user, access.VIEW_EMPLOYMENT)
        .select_related("unit", "unit__cost_centre")
        .order_by("-start_date")
    )


def employment_get(*, user: Any, pk: int) -> Employment:
    employment = (
        access.restrict(Employment.objects.all(), user, access.VIEW_EMPLOYMENT)
        .select_related("person", "unit")
        .filter(pk=pk)
        .first()
    )
    if employment is None:
        raise Http404
    return employment


def audit_entries(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[AuditEntry]:
    qs = access.restrict(AuditEntry.objects.all(), user, access.VIEW_AUDIT).select_related(
        "content_type"
    )
    filters = filters or {}
    if filters.get("actor"):
        qs = qs.filter(actor_label__icontains=filters["actor"])
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    if filters.get("content_type"):
        qs = qs.filter(content_type__model=filters["content_type"])
    if filters.get("object_id"):
        qs = qs.filter(object_id=str(filters["object_id"]))
    if filters.get("date_from"):
        qs = qs.filter(at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(at__date__lte=filters["date_to"])
    return qs


def object_audit(*, user: Any, obj: Any) -> QuerySet[AuditEntry]:
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(obj)
    return audit_entries(user=user).filter(content_type=content_type, object_id=str(obj.pk))


# --- Business calendars -----------------------------------------------------------------------


def calendar_spec(name: str = "standard") -> calendar_rules.CalendarSpec:
    """The calendar by name from the database; ``standard`` falls back to the KS default."""
    from koncernservice.core.calendars import spec_from_model

    calendar = BusinessCalendar.objects.prefetch_related("closing_days").filter(name=name).first()
    if calendar is None:
        if name == "standard":
            return calendar_rules.copenhagen_standard()
        raise LookupError(name)
    return spec_from_model(calendar)
