"""What new cases are routed and timed by, kept per process: routing rules, queues,
business calendars, and the service catalogue with each service's current form.

Read from the database once and reused while one cheap statement per use — the number of
rows and the latest ``updated_at`` in these tables — shows them unchanged. A rule, queue,
calendar or closing day created, saved or deleted through the ORM (services, admin) changes
that stamp in every process, so the next case anywhere uses the new configuration. (The
catalogue is here because every new-case page, suggestion and case creation looked its
service and form up with two queries; now they cost none beyond the stamp.) Changes
that bypass ``save()`` (``QuerySet.update``, raw SQL) must set ``updated_at`` themselves.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.db import connection

from koncernservice.core.calendars import spec_from_model
from koncernservice.core.models import BusinessCalendar, ClosingDay
from koncernservice.core.rules import calendar as calendar_rules
from koncernservice.portal.models import Queue, RoutingRule, Service, ServiceArea, ServiceForm


@dataclass(frozen=True)
class Rule:
    """A routing rule as plain values (see :func:`koncernservice.portal.services.route`)."""

    queue_id: int
    service_id: int | None
    unit_path: str | None
    words: tuple[str, ...]
    assign_least_loaded: bool


@dataclass(frozen=True)
class Config:
    stamp: tuple[Any, ...]
    rules: tuple[Rule, ...]
    queues: Mapping[int, Queue]
    # A calendar whose rows do not make a valid spec keeps its error, raised for its queues
    # only (as reading it per case did), not for every case.
    calendars: Mapping[str, calendar_rules.CalendarSpec | Exception]
    services: Mapping[str, Service] = MappingProxyType({})
    forms: Mapping[int, ServiceForm] = MappingProxyType({})
    # every version by its id (a case keeps the version it was made with; versions are
    # never changed, a change makes a new one)
    form_versions: Mapping[int, ServiceForm] = MappingProxyType({})

    def queue(self, pk: int) -> Queue | None:
        """A copy of the queue (callers may set attributes on it), or None if unknown."""
        queue = self.queues.get(pk)
        return copy.copy(queue) if queue is not None else None

    def service(self, code: str) -> Service | None:
        """A copy of the service with its area (as ``select_related``), or None if unknown."""
        service = self.services.get(code)
        return copy.copy(service) if service is not None else None

    def form(self, service_id: int) -> ServiceForm | None:
        """A copy of the service's current form (its highest version), or None."""
        form = self.forms.get(service_id)
        return copy.copy(form) if form is not None else None

    def calendar(self, name: str) -> calendar_rules.CalendarSpec:
        """As :func:`koncernservice.core.selectors.calendar_spec`: ``standard`` falls back to
        the KS default when the database has no such calendar; another unknown name raises."""
        spec = self.calendars.get(name)
        if isinstance(spec, Exception):
            raise type(spec)(*spec.args)
        if spec is not None:
            return spec
        if name == "standard":
            return _STANDARD
        raise LookupError(name)


_STANDARD = calendar_rules.copenhagen_standard()
_current: Config | None = None


def _stamp_sql() -> str:
    # One scan of seven small tables (about 0.1 ms of PostgreSQL's time; a subquery per table
    # and figure cost four times that). A delete lowers the count; a save or an insert
    # raises the latest ``updated_at`` (the rules' units are not watched: a unit's path is
    # fixed when it is made).
    qn = connection.ops.quote_name
    tables = " UNION ALL ".join(
        f"SELECT {qn('updated_at')} FROM {qn(model._meta.db_table)}"
        for model in (
            RoutingRule,
            Queue,
            BusinessCalendar,
            ClosingDay,
            ServiceArea,
            Service,
            ServiceForm,
        )
    )
    # A service's units have no timestamp of their own: their rows count (an edit through
    # services.service_update also saves the service).
    units = Service.requester_units.through._meta.db_table
    tables += f" UNION ALL SELECT NULL FROM {qn(units)}"
    return f"SELECT COUNT(*), MAX({qn('updated_at')}) FROM ({tables}) stamp"


def stamp() -> tuple[Any, ...]:
    """The row counts and latest changes of the tables the configuration is read from."""
    with connection.cursor() as cursor:
        cursor.execute(_stamp_sql())
        row = cursor.fetchone()
    return tuple(row)


def _load(stamp_now: tuple[Any, ...]) -> Config:
    rules = tuple(
        Rule(
            queue_id=rule.queue_id,
            service_id=rule.service_id,
            unit_path=rule.unit.path if rule.unit is not None else None,
            words=tuple(w.strip().lower() for w in rule.keywords.split(",") if w.strip()),
            assign_least_loaded=rule.assign_least_loaded,
        )
        for rule in RoutingRule.objects.select_related("unit").order_by("position", "pk")
    )
    queues = {queue.pk: queue for queue in Queue.objects.all()}
    calendars: dict[str, calendar_rules.CalendarSpec | Exception] = {}
    for calendar in BusinessCalendar.objects.prefetch_related("closing_days"):
        try:
            calendars[calendar.name] = spec_from_model(calendar)
        except (ValueError, TypeError, KeyError) as error:
            calendars[calendar.name] = error
    services = {s.code: s for s in Service.objects.select_related("area")}
    paths: dict[int, list[str]] = {}
    for service_id, path in Service.requester_units.through.objects.values_list(
        "service_id", "orgunit__path"
    ):
        paths.setdefault(service_id, []).append(path)
    for service in services.values():
        service._requester_paths = tuple(paths.get(service.pk, ()))  # type: ignore[attr-defined]
    versions = list(ServiceForm.objects.order_by("service_id", "version"))
    forms = {form.service_id: form for form in versions}
    return Config(
        stamp=stamp_now,
        rules=rules,
        queues=queues,
        calendars=calendars,
        services=MappingProxyType(services),
        forms=MappingProxyType(forms),
        form_versions=MappingProxyType({form.pk: form for form in versions}),
    )


def current() -> Config:
    """The configuration as the database holds it now (one statement when unchanged)."""
    global _current
    # The stamp is read before the rows: a change committed in between is newer than the
    # stamp kept, so the next call reads again (never a stale configuration under a new stamp).
    stamp_now = stamp()
    config = _current
    if config is None or config.stamp != stamp_now:
        config = _current = _load(stamp_now)
    return config
