"""What a case creation costs, and the per-process configuration it reads without a query.

A new case is routed by the routing rules and queues and timed on the queue's business
calendar; these are kept per process (``portal.config``) and checked with one statement per
case. Every test that changes one of them checks that the next case uses the change, also
when the change was made without the ORM's ``save()`` (as another process's committed change
looks to this one: a newer ``updated_at`` or a different row count).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from koncernservice.core import audit
from koncernservice.core.models import AuditEntry, BusinessCalendar, ClosingDay
from koncernservice.core.selectors import calendar_spec
from koncernservice.portal import config, rules, selectors, services
from koncernservice.portal.models import (
    Case,
    CaseEntry,
    Deflection,
    RoutingRule,
    Service,
    ServiceForm,
    SlaTimer,
)

pytestmark = pytest.mark.django_db

GOOD = {"month": "01-03-2026", "kind": "løn"}
FORM = {"title": "Forkert løn", "answers.month": "01-03-2026", "answers.kind": "løn"}


def make_case(portal, **kwargs) -> Case:
    kwargs.setdefault("service", portal.salary)
    kwargs.setdefault("title", "Forkert løn i marts")
    kwargs.setdefault("answers", GOOD)
    return services.case_create(actor=portal.world.employee, **kwargs)


def _statements(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"].split()[0].upper() for q in captured.captured_queries]


# --- Statements ------------------------------------------------------------------------------


def test_new_case_form_post_sends_ten_statements(
    portal, django_capture_on_commit_callbacks
) -> None:
    """The employee's form POST: session with its user (middleware), the configuration stamp
    (service, form, routing and calendars come from the per-process configuration while
    unchanged), employment, number, case, timers, timeline event, audit trail, deflection
    link. The notification is queued after the commit (one callback)."""
    client = Client()
    client.force_login(portal.world.employee)
    client.post("/portal/ny/loen-fejl/", {**FORM, "title": "Første"})  # reads the configuration
    with (
        CaptureQueriesContext(connection) as captured,
        django_capture_on_commit_callbacks() as callbacks,
    ):
        response = client.post("/portal/ny/loen-fejl/", FORM)
    assert response.status_code == 302
    statements = [s for s in _statements(captured) if s not in ("SAVEPOINT", "RELEASE")]
    assert statements == [
        "SELECT",  # session, joined with its user
        "SELECT",  # configuration stamp (catalogue, rules, queues, calendars unchanged)
        "SELECT",  # current employment
        "UPDATE",  # case counter, returning the number
        "INSERT",  # case
        "INSERT",  # both SLA timers
        "INSERT",  # timeline event
        "INSERT",  # the five audit entries
        "UPDATE",  # deflection link
    ], captured.captured_queries
    assert len(callbacks) == 1  # the notification, queued after the commit
    assert Case.objects.count() == 2


def test_case_create_writes_the_same_audit_trail_in_one_insert(portal) -> None:
    make_case(portal)
    with CaptureQueriesContext(connection) as captured:
        case = make_case(portal)
    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert sum('"core_auditentry"' in sql for sql in inserts) == 1
    timers = {t.kind: t for t in case.timers.all()}
    entry = CaseEntry.objects.get(case=case)
    trail = list(
        AuditEntry.objects.filter(request_id=AuditEntry.objects.latest("id").request_id).order_by(
            "id"
        )
    )
    assert [(e.action, e.event, e.object_id) for e in trail] == [
        ("create", "", str(case.pk)),
        ("create", "", str(timers["first_response"].pk)),
        ("create", "", str(timers["resolution"].pk)),
        ("create", "", str(entry.pk)),
        ("event", "portal.case_created", str(case.pk)),
    ]
    assert all(e.actor == portal.world.employee for e in trail)
    assert trail[0].changes["title"] == [None, "***"]  # case content stays masked
    assert trail[1].changes["kind"] == [None, "first_response"]
    assert "deadline_at" in trail[1].changes
    assert {e.scope_path for e in trail} == {case.unit.path}


def test_audit_batch_writes_nothing_when_the_block_fails(portal) -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), audit.audit_batch():
        audit.record_event(portal.salary, "test.one")
        with audit.audit_batch():  # nested: written with the outer block
            audit.record_event(portal.salary, "test.two")
        assert AuditEntry.objects.count() == before
        raise RuntimeError
    assert AuditEntry.objects.count() == before
    with audit.audit_batch():
        first = audit.record_event(portal.salary, "test.one")
        second = audit.record_event(portal.salary, "test.two")
    assert first.pk and second.pk and first.pk < second.pk
    assert AuditEntry.objects.count() == before + 2


def test_numbers_follow_each_other_from_the_years_first(portal) -> None:
    year = timezone.localdate().year
    assert services.next_number(year) == f"KS-{year}-000001"
    assert services.next_number(year) == f"KS-{year}-000002"
    assert services.next_number(year + 1) == f"KS-{year + 1}-000001"


def test_deflection_link_goes_to_the_latest_open_suggestion(portal) -> None:
    user, service = portal.world.employee, portal.salary
    old = Deflection.objects.create(user=user, service=service, articles=["a"])
    new = Deflection.objects.create(user=user, service=service, articles=["b"])
    Deflection.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    other = Deflection.objects.create(user=portal.caseworker, service=service, articles=["c"])
    case = make_case(portal)
    services.deflection_attach(actor=user, service=service, case=case)
    linked = {d.pk: d.case_id for d in Deflection.objects.all()}
    assert linked == {old.pk: None, new.pk: case.pk, other.pk: None}
    second = make_case(portal)
    services.deflection_attach(actor=user, service=service, case=second)
    assert Deflection.objects.get(pk=old.pk).case_id == second.pk


def test_deflection_link_reads_the_open_suggestions_index(portal) -> None:
    """A year of suggestions is ~100,000 deflection rows; a case links the user's latest open
    one through index ``portal_deflection_open`` (user, service, newest first; open rows
    only), not by reading every open deflection (15-35 ms per case at one year)."""
    user = portal.world.employee
    # A realistic spread, with statistics gathered: on a handful of rows PostgreSQL's planner
    # may as well take any index on service, so the plan is asked of a table where the choice
    # matters (2,100 other open suggestions for the same service, three of this user's).
    Deflection.objects.bulk_create(
        Deflection(user=other, service=portal.salary, articles=["x"])
        for other in (portal.caseworker, portal.lawyer, portal.lead)
        for _ in range(700)
    )
    for _ in range(3):
        Deflection.objects.create(user=user, service=portal.salary, articles=["a"])
    sql = services._deflection_attach_sql()
    select = sql[sql.index("(SELECT") + 1 : -1]
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Deflection._meta.db_table)}")
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(explain + select, [user.pk, portal.salary.pk])
        plan = " ".join(str(part) for row in cursor.fetchall() for part in row)
    assert "portal_deflection_open" in plan, plan


# --- The configuration kept per process ------------------------------------------------------


def test_routing_rule_created_changed_and_deleted_reaches_the_next_case(portal) -> None:
    admin = portal.world.admin
    assert make_case(portal).queue == portal.general
    rule = services.routing_rule_save(
        actor=admin, rule=None, queue=portal.law, service=portal.salary, position=1
    )
    assert make_case(portal).queue == portal.law
    services.routing_rule_save(
        actor=admin, rule=rule, queue=portal.law, service=portal.salary, keywords="advarsel"
    )
    assert make_case(portal).queue == portal.general
    assert make_case(portal, title="En advarsel").queue == portal.law
    services.routing_rule_delete(actor=admin, rule=rule)
    assert make_case(portal, title="En advarsel").queue == portal.general


def test_rule_changed_by_another_process_reaches_the_next_case(portal) -> None:
    """No signal in this process: only what the database shows (as another process's commit)."""
    rule = RoutingRule.objects.create(queue=portal.law, keywords="advarsel", position=1)
    assert make_case(portal, title="En advarsel").queue == portal.law
    RoutingRule.objects.filter(pk=rule.pk).update(keywords="opsigelse", updated_at=timezone.now())
    portal.general.save()  # a later change elsewhere: the rule's is no longer the latest
    assert make_case(portal, title="En advarsel").queue == portal.general
    assert make_case(portal, title="En opsigelse").queue == portal.law
    RoutingRule.objects.filter(pk=rule.pk).delete()  # one row fewer, the latest change the same
    assert make_case(portal, title="En opsigelse").queue == portal.general


def test_catalogue_change_reaches_the_next_lookup(portal) -> None:
    """Services and their current forms come from the per-process configuration: an admin's
    edit, a new form version, a deactivation or a deleted version is seen by the next
    lookup; what a caller changes on its copy is not."""
    admin, employee = portal.world.admin, portal.world.employee
    code = portal.salary.code
    found = selectors.service_get(user=employee, code=code)
    assert (found.name, found.area.code) == (portal.salary.name, portal.salary.area.code)
    found.name = "Ændret i en kopi"
    assert selectors.service_get(user=employee, code=code).name == portal.salary.name
    services.service_update(
        actor=admin, service=Service.objects.get(pk=portal.salary.pk), name="Løn og lønsedler"
    )
    assert selectors.service_get(user=employee, code=code).name == "Løn og lønsedler"

    assert selectors.current_form(found).version == 1
    fields = selectors.current_form(found).fields
    services.service_form_publish(actor=admin, service=portal.salary, fields=fields)
    assert selectors.current_form(found).version == 2
    ServiceForm.objects.filter(service=portal.salary, version=2).delete()
    assert selectors.current_form(found).version == 1
    services.service_form_publish(actor=admin, service=portal.salary, fields=fields)
    assert make_case(portal).form.version == 2

    services.service_update(
        actor=admin, service=Service.objects.get(pk=portal.salary.pk), is_active=False
    )
    with pytest.raises(Http404):
        selectors.service_get(user=employee, code=code)


def test_new_case_page_reads_service_and_form_without_a_query_of_their_own(portal) -> None:
    """Every new-case page, suggestion and creation looks up its service and form; while
    the catalogue is unchanged that costs the configuration's one stamp statement each."""
    employee = portal.world.employee
    selectors.service_get(user=employee, code=portal.salary.code)
    with CaptureQueriesContext(connection) as queries:
        service = selectors.service_get(user=employee, code=portal.salary.code)
        form = selectors.current_form(service)
    assert form is not None and form.service_id == portal.salary.pk
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert len(queries.captured_queries) == 2, tables
    assert "portal_service" in tables and "UNION ALL" in tables  # the stamp, nothing else


def test_queue_change_reaches_the_next_case(portal) -> None:
    assert set(make_case(portal).timers.values_list("kind", flat=True)) == {
        "first_response",
        "resolution",
    }
    portal.general.ola_hours = 4
    portal.general.save()
    case = make_case(portal)
    assert set(case.timers.values_list("kind", flat=True)) == {
        "first_response",
        "resolution",
        "ola",
    }


def _expected_deadline(timer: SlaTimer) -> dt.datetime | None:
    """The deadline computed from the calendar as the database holds it now."""
    spec = calendar_spec(timer.case.queue.calendar_name)
    state = rules.timer_state(
        spec,
        started_at=timer.started_at,
        target=timer.target_seconds,
        pauses=[],
        stopped_at=None,
        now=timer.started_at,
    )
    return state.deadline


def _resolution(case: Case) -> SlaTimer:
    return case.timers.select_related("case__queue").get(kind="resolution")


def test_calendar_change_reaches_the_next_case(portal) -> None:
    calendar = BusinessCalendar.objects.create(
        name="standard",
        title="Standard",
        opening_hours={str(d): [["08:00", "16:00"]] for d in range(5)},
    )
    wide = _resolution(make_case(portal))
    assert wide.deadline_at == _expected_deadline(wide)
    calendar.opening_hours = {str(d): [["08:00", "09:00"]] for d in range(5)}
    calendar.save()
    narrow = _resolution(make_case(portal))
    assert narrow.deadline_at == _expected_deadline(narrow)
    assert narrow.deadline_at - narrow.started_at > 3 * (wide.deadline_at - wide.started_at)

    # A closing day added (the next ten days closed) and removed again.
    today = timezone.localdate()
    days = [
        ClosingDay.objects.create(calendar=calendar, name="Lukket", date=today + dt.timedelta(i))
        for i in range(10)
    ]
    closed = _resolution(make_case(portal))
    assert closed.deadline_at == _expected_deadline(closed)
    assert closed.deadline_at > narrow.deadline_at + dt.timedelta(days=7)
    ClosingDay.objects.filter(pk__in=[d.pk for d in days]).delete()
    reopened = _resolution(make_case(portal))
    assert reopened.deadline_at == _expected_deadline(reopened)
    assert reopened.deadline_at < closed.deadline_at


def test_calendar_changed_by_another_process_reaches_the_next_case(portal) -> None:
    calendar = BusinessCalendar.objects.create(
        name="standard",
        title="Standard",
        opening_hours={str(d): [["08:00", "16:00"]] for d in range(5)},
    )
    before = _resolution(make_case(portal))
    BusinessCalendar.objects.filter(pk=calendar.pk).update(
        opening_hours={str(d): [["08:00", "09:00"]] for d in range(5)},
        updated_at=timezone.now(),
    )
    after = _resolution(make_case(portal))
    assert after.deadline_at == _expected_deadline(after)
    assert after.deadline_at - after.started_at > 3 * (before.deadline_at - before.started_at)


def test_unchanged_configuration_is_read_once(portal) -> None:
    make_case(portal)
    kept = config.current()
    make_case(portal)
    assert config.current() is kept
    portal.law.name = "Personalejura (ny)"
    portal.law.save()
    assert config.current() is not kept
    assert config.current().queues[portal.law.pk].name == "Personalejura (ny)"


def test_standard_calendar_without_a_row_is_the_ks_default(portal) -> None:
    assert not BusinessCalendar.objects.exists()
    assert config.current().calendar("standard") == calendar_spec("standard")
    with pytest.raises(LookupError):
        config.current().calendar("findes-ikke")


def test_a_broken_calendar_fails_only_its_own_queues(portal) -> None:
    BusinessCalendar.objects.create(
        name="skaev", title="Skæv", opening_hours={"9": [["08:00", "16:00"]]}
    )
    assert make_case(portal).queue == portal.general  # the standard calendar: unaffected
    portal.general.calendar_name = "skaev"
    portal.general.save()
    with pytest.raises(ValueError):
        make_case(portal)
    with pytest.raises(ValueError):  # the same error each time
        make_case(portal)
