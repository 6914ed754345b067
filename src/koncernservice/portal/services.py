"""Business operations of the service portal: each is one transaction, validated, audited.

Keyword-only; the acting user is checked through :mod:`koncernservice.portal.selectors`
(visibility, team membership) and :mod:`koncernservice.core.access`; bad input raises one
:class:`DomainError` with every problem at once and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings as django_settings
from django.core.mail import EmailMessage
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from koncernservice.core import access
from koncernservice.core.audit import (
    audit_batch,
    audit_context,
    record_bulk_create,
    record_event,
    snapshot,
)
from koncernservice.core.errors import DomainError, ErrorDetail
from koncernservice.core.models import Employment, OrgUnit, Person, User
from koncernservice.portal import config as portal_config
from koncernservice.portal import rules, selectors
from koncernservice.portal.models import (
    Article,
    ArticleVersion,
    Call,
    Case,
    CaseAccess,
    CaseAttachment,
    CaseCounter,
    CaseEntry,
    CaseLink,
    Deflection,
    IdempotencyKey,
    InboundMail,
    Macro,
    Queue,
    QueueMember,
    RoutingRule,
    SavedView,
    Service,
    ServiceArea,
    ServiceForm,
    ShortcutPreference,
    SlaTimer,
    TelephonyRecord,
    WebhookDelivery,
    WebhookEndpoint,
)
from koncernservice.portal.permissions import MANAGE_CATALOGUE, WORK_CASE

log = logging.getLogger(__name__)

OPEN_STATES = ("new", "in_progress", "awaiting_requester")
REOPEN_BUSINESS_DAYS = 10
AUTO_CLOSE_BUSINESS_DAYS = 5


def _form_message(code: str) -> str:
    messages = {
        "required": _("This field is required."),
        "number": _("Enter a number."),
        "date": _("Enter a valid date (DD-MM-YYYY)."),
        "choice": _("Choose one of the options."),
        "email": _("Enter a valid e-mail address."),
        "definition": _("The field definition is not valid."),
    }
    return messages.get(code, _("Not valid."))


def _invalid(errors: list[ErrorDetail]) -> DomainError:
    return DomainError(_("The data is not valid."), errors)


def _not_found() -> DomainError:
    return DomainError.single(_("The case does not exist."), code="not_found", status=404)


def _require_work(actor: Any, case: Case) -> None:
    if not selectors.can_work(actor, case):
        if not selectors.cases_visible(user=actor).filter(pk=case.pk).exists():
            raise _not_found()
        raise access.AccessDenied(_("You do not have access to do this."))


def _require_visible(actor: Any, case: Case) -> None:
    if not selectors.cases_visible(user=actor).filter(pk=case.pk).exists():
        raise _not_found()


def _actor_user(actor: Any) -> User | None:
    return actor if isinstance(actor, User) else None


# --- Catalogue -------------------------------------------------------------------------------


@transaction.atomic
def service_form_publish(
    *, actor: Any, service: Service, fields: list[dict[str, Any]]
) -> ServiceForm:
    """A new version of the service's form; cases already made keep theirs."""
    access.require(actor, MANAGE_CATALOGUE)
    problems = rules.check_definition(fields)
    if problems:
        raise _invalid(
            [ErrorDetail(_form_message(p.code), field=p.field, code=p.code) for p in problems]
        )
    last = service.forms.order_by("-version").values_list("version", flat=True).first() or 0
    with audit_context(actor=actor):
        return ServiceForm.objects.create(service=service, version=last + 1, fields=fields)


SERVICE_FIELDS = {
    "name",
    "description",
    "audience",
    "default_queue",
    "first_response_hours",
    "resolution_hours",
    "confidential",
    "retention_days",
    "is_active",
    "requester_units",
}


def _requester_units(wanted: Any, errors: list[ErrorDetail]) -> list[OrgUnit] | None:
    """The active units a service is to be limited to, from ids (None: leave as is); an
    unknown or closed unit is named."""
    if wanted is None:
        return None
    ids = []
    for value in wanted:
        try:
            ids.append(int(getattr(value, "pk", value)))
        except (TypeError, ValueError):
            errors.append(
                ErrorDetail(
                    _("Unknown unit: %(unit)s") % {"unit": value},
                    field="requester_units",
                    code="unknown",
                )
            )
    units = list(OrgUnit.objects.filter(pk__in=ids, is_active=True))
    missing = sorted(set(ids) - {unit.pk for unit in units})
    if missing:
        errors.append(
            ErrorDetail(
                _("Unknown unit: %(unit)s") % {"unit": ", ".join(map(str, missing))},
                field="requester_units",
                code="unknown",
            )
        )
    return units


@transaction.atomic
def service_update(*, actor: Any, service: Service, reason: str = "", **changes: Any) -> Service:
    access.require(actor, MANAGE_CATALOGUE)
    unknown = set(changes) - SERVICE_FIELDS
    if unknown:
        raise DomainError.single(_("Unknown field: %(f)s") % {"f": ", ".join(sorted(unknown))})
    errors = []
    for name in ("first_response_hours", "resolution_hours"):
        if name not in changes:
            continue
        try:
            changes[name] = Decimal(str(changes[name]).replace(",", "."))
            valid = Decimal(0) < changes[name] <= Decimal(10000)
        except ArithmeticError:
            valid = False
        if not valid:
            errors.append(ErrorDetail(_("Must be above 0 hours."), field=name))
    if "audience" in changes and changes["audience"] not in Service.Audience.values:
        errors.append(ErrorDetail(_("Choose one of the options."), field="audience"))
    units = _requester_units(changes.pop("requester_units", None), errors)
    if errors:
        raise _invalid(errors)
    was_confidential = service.confidential
    for name, value in changes.items():
        setattr(service, name, value)
    with audit_context(actor=actor, reason=reason):
        service.save()
        if units is not None:
            before = sorted(service.requester_units.values_list("pk", flat=True))
            after = sorted(unit.pk for unit in units)
            if before != after:
                service.requester_units.set(units)
                record_event(
                    service,
                    "portal.service_requester_units",
                    data={"before": before, "after": after},
                )
        if bool(service.confidential) != was_confidential:
            # Visibility follows the service at once: re-flag its existing cases.
            cases = Case.objects.filter(service=service)
            if service.confidential:
                changed = cases.update(confidential=True)
            else:
                changed = cases.filter(queue__restricted=False).update(confidential=False)
            record_event(service, "portal.service_confidentiality", data={"cases": changed})
    return service


# --- Routing ---------------------------------------------------------------------------------


def route(
    *,
    service: Service,
    unit_path: str,
    text: str,
    config: portal_config.Config | None = None,
) -> tuple[Queue, bool]:
    """The queue for a new case (first matching rule, else the service's default queue) and
    whether to assign it to the least-loaded team member.

    The rules and queues come from the per-process configuration (:mod:`.config`), checked
    against the database with one statement (or none when ``config`` is given)."""
    config = config or portal_config.current()
    lowered = text.lower()
    for rule in config.rules:
        if rule.service_id and rule.service_id != service.pk:
            continue
        if rule.unit_path is not None and not unit_path.startswith(rule.unit_path):
            continue
        if rule.words and not any(w in lowered for w in rule.words):
            continue
        queue = config.queue(rule.queue_id)
        if queue is not None:
            return queue, rule.assign_least_loaded
    return config.queue(service.default_queue_id) or service.default_queue, False


def least_loaded(queue: Queue) -> User | None:
    """The team member with the fewest open cases assigned (ties: lowest id)."""
    return (
        User.objects.filter(portal_memberships__queue=queue, is_active=True)
        .annotate(load=Count("portal_assigned", filter=Q(portal_assigned__state__in=OPEN_STATES)))
        .order_by("load", "pk")
        .first()
    )


# --- Cases -----------------------------------------------------------------------------------


def next_number(year: int) -> str:
    """The year's next case number: one UPDATE that increments and returns the counter and
    holds its row lock until the transaction ends, so numbers never repeat."""
    qn = connection.ops.quote_name
    sql = "UPDATE {t} SET {last} = {last} + 1 WHERE {year} = %s RETURNING {last}".format(
        t=qn(CaseCounter._meta.db_table), last=qn("last"), year=qn("year")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [year])
        row = cursor.fetchone()
    if row is None:  # the year's first case
        CaseCounter.objects.get_or_create(year=year)
        return next_number(year)
    return rules.case_number(year, int(row[0]))


def _current_employment(person_id: int) -> Employment | None:
    """The person's current employment (a manager's first, then the latest started).

    The person's few employments are read (the columns used: the unit's path routes and
    scopes the case) and chosen here; the query with the date conditions and the order cost
    Django twice the time to build."""
    today = timezone.localdate()
    employments = (
        Employment.objects.filter(person_id=person_id)
        .select_related("unit")
        .only("person", "start_date", "end_date", "is_manager", "unit__path", "unit__name")
    )
    current = [e for e in employments if e.start_date <= today and (e.end_date or today) >= today]
    return max(current, key=lambda e: (e.is_manager, e.start_date), default=None)


def _timer_targets(case: Case) -> list[tuple[str, int]]:
    targets = [
        ("first_response", rules.target_seconds(case.service.first_response_hours, case.priority)),
        ("resolution", rules.target_seconds(case.service.resolution_hours, case.priority)),
    ]
    if case.queue.ola_hours:
        targets.append(("ola", rules.target_seconds(case.queue.ola_hours, case.priority)))
    return targets


def _refresh_timer(timer: SlaTimer, spec: Any, now: dt.datetime) -> rules.TimerState:
    state = rules.timer_state(
        spec,
        started_at=timer.started_at,
        target=timer.target_seconds,
        pauses=selectors.pauses_of(timer.pauses),
        stopped_at=timer.stopped_at,
        now=now,
    )
    timer.deadline_at = state.deadline
    timer.elapsed_seconds = state.elapsed_seconds
    timer.status = state.status.value
    timer.next_check_at = rules.next_check(state, stopped=timer.stopped_at is not None)
    if state.status is rules.TimerStatus.BREACHED and timer.breached_at is None:
        timer.breached_at = state.deadline or now
    return state


def _calendar(name: str) -> Any:
    """The business calendar by name, from the per-process configuration (:mod:`.config`)."""
    return portal_config.current().calendar(name)


def _start_timers(
    case: Case, now: dt.datetime, config: portal_config.Config | None = None
) -> list[SlaTimer]:
    """The case's SLA timers, written with one INSERT and audited as created."""
    spec = (config or portal_config.current()).calendar(case.queue.calendar_name)
    timers = []
    for kind, target in _timer_targets(case):
        timer = SlaTimer(case=case, kind=kind, target_seconds=target, started_at=case.created_at)
        timer._audit_scope = case.unit.path  # type: ignore[attr-defined]
        _refresh_timer(timer, spec, now)
        timers.append(timer)
    SlaTimer.objects.bulk_create(timers)
    record_bulk_create(timers)
    for timer in timers:
        snapshot(timer)
    return timers


def _event(case: Case, actor: Any, event: str, data: dict[str, Any] | None = None) -> CaseEntry:
    entry = CaseEntry.objects.create(
        case=case,
        kind=CaseEntry.Kind.EVENT,
        author=_actor_user(actor),
        event=event,
        data=data or {},
    )
    record_event(case, f"portal.case_{event}", data=data or {})
    return entry


@transaction.atomic
def case_create(
    *,
    actor: Any,
    service: Service,
    title: str,
    description: str = "",
    answers: dict[str, Any] | None = None,
    on_behalf_of: Person | None = None,
    priority: str = "normal",
    idempotency_key: str = "",
    form: ServiceForm | None = None,
    attach_deflection: bool = False,
    config: portal_config.Config | None = None,
) -> Case:
    """An employee asks KS for help; routed, numbered, timed and audited.

    ``form``: the service's current form when the caller has just read it (the new-case
    page), so that it is not read twice; otherwise it is read here. ``config``: the
    routing and catalogue configuration the caller has just read (the same; it is checked
    for freshness once a request, not three times). ``attach_deflection``:
    the case was typed on the new-case page with suggestions; the latest open suggestion
    is linked to it in the same transaction (:func:`deflection_attach`).
    """
    if not getattr(actor, "person_id", None):
        raise DomainError.single(
            _("Only an employee can create a case."), code="no_person", status=403
        )
    if idempotency_key:
        earlier = IdempotencyKey.objects.filter(user_id=actor.pk, key=idempotency_key).first()
        if earlier is not None:
            return earlier.case
    if not selectors.may_request(actor, service):
        raise DomainError.single(
            _("You may not request this service."), field="service", code="audience", status=403
        )
    errors: list[ErrorDetail] = []
    title = str(title or "").strip()
    if not title:
        errors.append(ErrorDetail(_("This field is required."), field="title", code="required"))
    elif len(title) > 200:
        errors.append(ErrorDetail(_("At most 200 characters."), field="title", code="too_long"))
    if priority not in Case.Priority.values:
        errors.append(ErrorDetail(_("Unknown priority."), field="priority", code="choice"))
    config = config or portal_config.current()
    if form is None or form.service_id != service.pk:
        form = selectors.current_form(service, config)
    cleaned, problems = rules.clean_answers(form.fields if form else [], answers or {})
    errors += [
        ErrorDetail(_form_message(p.code), field=f"answers.{p.field}", code=p.code)
        for p in problems
    ]
    subject = on_behalf_of.pk if on_behalf_of else actor.person_id
    employment = _current_employment(subject) or _current_employment(actor.person_id)
    if employment is None:
        errors.append(
            ErrorDetail(_("No current employment to attach the case to."), code="no_employment")
        )
    if errors:
        raise _invalid(errors)
    assert employment is not None
    queue, assign = route(
        service=service,
        unit_path=employment.unit.path,
        text=f"{title}\n{description}",
        config=config,
    )
    now = timezone.now()
    case = Case(
        number=next_number(timezone.localdate().year),
        requester_id=actor.person_id,
        on_behalf_of=on_behalf_of,
        unit=employment.unit,
        service=service,
        form=form,
        answers=cleaned,
        title=title,
        description=str(description or "")[:20000],
        priority=priority,
        queue=queue,
        confidential=service.confidential or queue.restricted,
        assignee=least_loaded(queue) if assign else None,
    )
    # The case, its timers and timeline event in three INSERTs, their audit entries in one.
    with audit_context(actor=actor), audit_batch():
        case.save()
        _start_timers(case, now, config)
        _event(case, actor, "created", {"queue": queue.code, "service": service.code})
        if idempotency_key:
            IdempotencyKey.objects.create(user_id=actor.pk, key=idempotency_key[:100], case=case)
    if attach_deflection:
        deflection_attach(actor=actor, service=service, case=case)
    notify_later(case.pk, "created")
    return case


def _set_state(case: Case, target: str, now: dt.datetime) -> None:
    """Move the case and keep its timers' pauses and stops in step with the new category."""
    before = rules.category_of(case.state)
    after = rules.category_of(target)
    case.state = target
    spec = _calendar(case.queue.calendar_name)
    for timer in case.timers.all():
        pauses = list(timer.pauses)
        if after is rules.Category.PAUSED and before is not rules.Category.PAUSED:
            pauses.append([now.isoformat(), None])
        if before is rules.Category.PAUSED and after is not rules.Category.PAUSED and pauses:
            pauses[-1] = [pauses[-1][0], now.isoformat()]
        timer.pauses = pauses
        if after is rules.Category.RESOLVED:
            timer.stopped_at = timer.stopped_at or now
        reopened = target == "in_progress" and before is rules.Category.RESOLVED
        if reopened and timer.kind != "first_response":
            timer.stopped_at = None  # reopened: the clock runs on from creation
        timer._audit_scope = case.unit.path  # type: ignore[attr-defined]
        _refresh_timer(timer, spec, now)
        timer.save()
    if target == "resolved":
        case.resolved_at = now
    if target == "closed":
        case.closed_at = now
    if target == "in_progress" and before is rules.Category.RESOLVED:
        case.resolved_at = None


@transaction.atomic
def case_transition(*, actor: Any, case: Case, state: str, reason: str = "") -> Case:
    """A caseworker moves the case through the state machine."""
    case = Case.objects.select_for_update().select_related("queue", "unit").get(pk=case.pk)
    _require_work(actor, case)
    if not rules.can_transition(case.state, state):
        raise DomainError.single(
            _("The case cannot go from %(a)s to %(b)s.")
            % {"a": case.get_state_display(), "b": dict(Case.State.choices).get(state, state)},
            field="state",
            code="transition",
        )
    now = timezone.now()
    before = case.state
    with audit_context(actor=actor, reason=reason):
        _set_state(case, state, now)
        case.save()
        _event(case, actor, "state", {"from": before, "to": state})
        webhook_enqueue(case=case, event="case.state_changed", extra={"from": before})
    event = "resolved" if state == "resolved" else "state"
    notify_later(case.pk, event)
    return case


def _stop_first_response(case: Case, now: dt.datetime) -> None:
    case.first_response_at = now
    spec = _calendar(case.queue.calendar_name)
    for timer in case.timers.filter(kind="first_response", stopped_at__isnull=True):
        timer.stopped_at = now
        timer._audit_scope = case.unit.path  # type: ignore[attr-defined]
        _refresh_timer(timer, spec, now)
        timer.save()


@transaction.atomic
def case_reply(*, actor: Any, case: Case, body: str, internal: bool = False) -> CaseEntry:
    """A public reply (caseworker or requester) or an internal note (caseworker only)."""
    case = Case.objects.select_for_update().select_related("queue", "unit").get(pk=case.pk)
    _require_visible(actor, case)
    worker = selectors.can_work(actor, case)
    party = selectors.is_party(actor, case)
    if internal and not worker:
        raise access.AccessDenied(_("Only caseworkers write internal notes."))
    if not worker and not party:
        raise access.AccessDenied(_("You do not have access to do this."))
    text = str(body or "").strip()
    if not text:
        raise DomainError.single(_("Write a text."), field="body", code="required")
    if case.state in ("closed", "cancelled"):
        raise DomainError.single(
            _("The case is closed; create a new case."), field="body", code="closed"
        )
    now = timezone.now()
    kind = CaseEntry.Kind.NOTE if internal else CaseEntry.Kind.REPLY
    with audit_context(actor=actor):
        entry = CaseEntry.objects.create(
            case=case, kind=kind, author=_actor_user(actor), body=text[:20000]
        )
        if not internal and worker and not party:
            if case.first_response_at is None:
                _stop_first_response(case, now)
            if case.state == "new":
                _set_state(case, "in_progress", now)
        elif not internal and party and case.state == "awaiting_requester":
            _set_state(case, "in_progress", now)
        case.save()
    if not internal:
        notify_later(case.pk, "reply")
    return entry


@transaction.atomic
def case_assign(*, actor: Any, case: Case, assignee: User | None, reason: str = "") -> Case:
    case = Case.objects.select_for_update().select_related("queue", "unit").get(pk=case.pk)
    _require_work(actor, case)
    if assignee is not None and not selectors.can_work(assignee, case):
        raise DomainError.single(
            _("The assignee cannot work this case."), field="assignee", code="assignee"
        )
    before = case.assignee_id
    with audit_context(actor=actor, reason=reason):
        case.assignee = assignee
        case.save()
        _event(case, actor, "assigned", {"from": before, "to": assignee.pk if assignee else None})
    return case


def case_bulk_assign(*, actor: Any, cases: list[Case], assignee: User | None) -> int:
    """Assign several cases in one transaction: all or none."""
    with transaction.atomic():
        for case in cases:
            case_assign(actor=actor, case=case, assignee=assignee)
    return len(cases)


@transaction.atomic
def case_move(*, actor: Any, case: Case, queue: Queue, reason: str = "") -> Case:
    """Reassign the case to another queue; the history stays in the timeline."""
    case = (
        Case.objects.select_for_update().select_related("queue", "unit", "service").get(pk=case.pk)
    )
    _require_work(actor, case)
    before = case.queue.code
    with audit_context(actor=actor, reason=reason):
        case.queue = queue
        case.confidential = case.service.confidential or queue.restricted
        case.assignee = None
        case.save()
        _event(case, actor, "moved", {"from": before, "to": queue.code})
    return case


@transaction.atomic
def case_change_priority(*, actor: Any, case: Case, priority: str, reason: str = "") -> Case:
    """A new priority gives new targets, applied retroactively from the case's creation."""
    case = (
        Case.objects.select_for_update().select_related("queue", "unit", "service").get(pk=case.pk)
    )
    _require_work(actor, case)
    if priority not in Case.Priority.values:
        raise DomainError.single(_("Unknown priority."), field="priority", code="choice")
    now = timezone.now()
    before = case.priority
    with audit_context(actor=actor, reason=reason):
        case.priority = priority
        case.save()
        spec = _calendar(case.queue.calendar_name)
        targets = dict(_timer_targets(case))
        for timer in case.timers.all():
            if timer.kind in targets:
                timer.target_seconds = targets[timer.kind]
                timer._audit_scope = case.unit.path  # type: ignore[attr-defined]
                _refresh_timer(timer, spec, now)
                timer.save()
        _event(case, actor, "priority", {"from": before, "to": priority})
    return case


@transaction.atomic
def case_reopen(*, actor: Any, case: Case, reason: str = "") -> Case:
    """The requester reopens a resolved case within the window."""
    case = Case.objects.select_for_update().select_related("queue", "unit").get(pk=case.pk)
    _require_visible(actor, case)
    if not selectors.is_party(actor, case) and not selectors.can_work(actor, case):
        raise access.AccessDenied(_("You do not have access to do this."))
    if case.state != "resolved" or case.resolved_at is None:
        raise DomainError.single(_("Only a resolved case can be reopened."), code="transition")
    spec = _calendar(case.queue.calendar_name)
    if timezone.now() > rules.auto_close_due(spec, case.resolved_at, REOPEN_BUSINESS_DAYS):
        raise DomainError.single(
            _("The case can no longer be reopened; create a new case."), code="window"
        )
    with audit_context(actor=actor, reason=reason):
        _set_state(case, "in_progress", timezone.now())
        case.save()
        _event(case, actor, "reopened", {})
    return case


@transaction.atomic
def case_survey(*, actor: Any, case: Case, rating: Any, comment: str = "") -> Case:
    """The requester rates a resolved or closed case 1–5."""
    case = Case.objects.select_for_update().select_related("unit").get(pk=case.pk)
    _require_visible(actor, case)
    if not selectors.is_party(actor, case):
        raise access.AccessDenied(_("Only the requester answers the survey."))
    errors = []
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        errors.append(ErrorDetail(_("Choose from 1 to 5."), field="rating", code="range"))
    if case.state not in ("resolved", "closed"):
        errors.append(ErrorDetail(_("The case is not resolved yet."), code="state"))
    if case.satisfaction is not None:
        errors.append(ErrorDetail(_("The survey is already answered."), code="answered"))
    if errors:
        raise _invalid(errors)
    with audit_context(actor=actor):
        case.satisfaction = value
        case.satisfaction_comment = str(comment or "")[:2000]
        case.save()
        record_event(case, "portal.case_survey", data={"rating": value})
    return case


@transaction.atomic
def case_grant_access(*, actor: Any, case: Case, user: User, reason: str = "") -> CaseAccess:
    """Add a person explicitly to a case (the way into a confidential case)."""
    case = Case.objects.select_related("queue", "unit").get(pk=case.pk)
    _require_work(actor, case)
    with audit_context(actor=actor, reason=reason):
        grant, _created = CaseAccess.objects.get_or_create(case=case, user=user)
        _event(case, actor, "access_granted", {"user": user.pk})
    return grant


@transaction.atomic
def case_watch(*, actor: Any, case: Case, user: User) -> None:
    """Add a watcher; a confidential case only takes watchers who may see it."""
    _require_work(actor, case)
    if not selectors.cases_visible(user=user).filter(pk=case.pk).exists():
        raise DomainError.single(
            _("This person cannot see the case; add them explicitly first."), code="not_visible"
        )
    case.watchers.add(user)


@transaction.atomic
def case_link(*, actor: Any, case: Case, other: Case) -> CaseLink:
    _require_work(actor, case)
    _require_work(actor, other)
    if case.pk == other.pk:
        raise DomainError.single(_("A case cannot be linked to itself."), code="self")
    with audit_context(actor=actor):
        link, _created = CaseLink.objects.get_or_create(source=case, target=other)
        _event(case, actor, "linked", {"case": other.number})
    return link


@transaction.atomic
def case_merge(*, actor: Any, case: Case, into: Case, reason: str = "") -> Case:
    """Merge ``case`` into ``into``: its timeline is copied, it is cancelled and its number
    resolves to ``into`` from then on."""
    case = Case.objects.select_for_update().select_related("queue", "unit").get(pk=case.pk)
    into = Case.objects.select_for_update().select_related("queue", "unit").get(pk=into.pk)
    _require_work(actor, case)
    _require_work(actor, into)
    if case.pk == into.pk or case.requester_id != into.requester_id:
        raise DomainError.single(_("Only cases of the same requester can be merged."), code="merge")
    if case.state in ("closed", "cancelled"):
        raise DomainError.single(_("The case is already closed."), code="merge")
    now = timezone.now()
    with audit_context(actor=actor, reason=reason):
        for entry in case.entries.exclude(kind=CaseEntry.Kind.EVENT):
            CaseEntry.objects.create(
                case=into,
                kind=entry.kind,
                author=entry.author,
                body=entry.body,
                data={"merged_from": case.number},
            )
        _set_state(case, "cancelled", now)
        case.merged_into = into
        case.save()
        _event(case, actor, "merged", {"into": into.number})
        _event(into, actor, "merged_in", {"from": case.number})
    return into


@transaction.atomic
def case_unlink(*, actor: Any, case: Case, other: Case) -> int:
    """Remove the link between two cases (either direction); returns how many were removed."""
    _require_work(actor, case)
    with audit_context(actor=actor):
        removed = 0
        for link in CaseLink.objects.filter(
            Q(source=case, target=other) | Q(source=other, target=case)
        ):
            link.delete()
            removed += 1
        if removed:
            _event(case, actor, "unlinked", {"case": other.number})
    return removed


MAX_CASE_DEPTH = 10


@transaction.atomic
def case_set_parent(*, actor: Any, case: Case, parent: Case | None) -> Case:
    """Make ``case`` a child of ``parent`` (``None``: no parent). No loops, at most
    ``MAX_CASE_DEPTH`` levels; both cases must be workable by the actor."""
    case = Case.objects.select_for_update().select_related("queue", "unit").get(pk=case.pk)
    _require_work(actor, case)
    if parent is not None:
        _require_work(actor, parent)
        ancestor: int | None = parent.pk
        depth = 0
        while ancestor is not None:
            if ancestor == case.pk:
                raise DomainError.single(
                    _("A case cannot be its own parent or the parent of its parent."),
                    field="parent",
                    code="loop",
                )
            depth += 1
            if depth >= MAX_CASE_DEPTH:
                raise DomainError.single(
                    _("Cases can be nested at most %(n)d levels.") % {"n": MAX_CASE_DEPTH},
                    field="parent",
                    code="depth",
                )
            ancestor = Case.objects.filter(pk=ancestor).values_list("parent_id", flat=True)[0]
    before = case.parent.number if case.parent_id and case.parent else None
    after = parent.number if parent is not None else None
    if before == after:
        return case
    with audit_context(actor=actor):
        case.parent = parent
        case.save()
        _event(case, actor, "parent", {"from": before, "to": after})
        if parent is not None:
            _event(parent, actor, "child_added", {"case": case.number})
    return case


def case_split(
    *,
    actor: Any,
    case: Case,
    title: str,
    description: str = "",
    entries: Sequence[int] = (),
    attachments: Sequence[int] = (),
    notify: bool = True,
) -> Case:
    """Split a new case off ``case``: same requester, unit, service, queue, priority and
    confidentiality, the chosen replies, notes and attachments copied (each file copied
    through the storage, checked against today's size and type limits), explicit access
    copied, the two cases linked. The new case gets its own number and SLA timers from now.
    ``notify``: tell the requester about the new case (not for the demo's history).

    The storage is not part of the database transaction: if anything fails after files were
    copied, including the commit itself, the copies are deleted again, so a failed split
    leaves neither rows nor files. (Called inside a caller's own transaction, a rollback
    the caller makes later is beyond this function; the pages, API and commands call it
    outside any.)"""
    copies: list[CaseAttachment] = []
    try:
        with transaction.atomic():
            return _case_split(
                actor, case, title, description, entries, attachments, notify, copies
            )
    except BaseException:
        _delete_files(copies)
        raise


def _case_split(
    actor: Any,
    case: Case,
    title: str,
    description: str,
    entries: Sequence[int],
    attachments: Sequence[int],
    notify: bool,
    copies: list[CaseAttachment],
) -> Case:
    case = (
        Case.objects.select_for_update().select_related("queue", "unit", "service").get(pk=case.pk)
    )
    _require_work(actor, case)
    errors: list[ErrorDetail] = []
    if case.state in ("closed", "cancelled"):
        errors.append(ErrorDetail(_("The case is already closed."), code="closed"))
    title = str(title or "").strip()
    if not title:
        errors.append(ErrorDetail(_("This field is required."), field="title", code="required"))
    elif len(title) > 200:
        errors.append(ErrorDetail(_("At most 200 characters."), field="title", code="too_long"))
    wanted = {int(pk) for pk in entries}
    chosen = list(
        case.entries.filter(pk__in=wanted).exclude(kind=CaseEntry.Kind.EVENT).order_by("pk")
    )
    if len(chosen) != len(wanted):
        errors.append(
            ErrorDetail(_("Choose replies or notes of this case."), field="entries", code="unknown")
        )
    files = _split_files(case, attachments, errors)
    if errors:
        raise _invalid(errors)
    now = timezone.now()
    new = Case(
        number=next_number(timezone.localdate().year),
        requester_id=case.requester_id,
        on_behalf_of_id=case.on_behalf_of_id,
        unit=case.unit,
        service=case.service,
        form_id=case.form_id,
        answers=dict(case.answers),
        title=title,
        description=str(description or "")[:20000],
        priority=case.priority,
        queue=case.queue,
        confidential=case.confidential,
        assignee_id=case.assignee_id,
    )
    _split_write(actor, case, new, now, chosen, files, copies)
    if notify:
        notify_later(new.pk, "created")
    return new


def _split_write(
    actor: Any,
    case: Case,
    new: Case,
    now: Any,
    chosen: list[CaseEntry],
    files: list[tuple[CaseAttachment, bytes]],
    copies: list[CaseAttachment],
) -> None:
    """The rows of a split, with the copied files appended to ``copies`` as they are stored."""
    with audit_context(actor=actor):
        new.save()
        _start_timers(new, now)
        for entry in chosen:
            CaseEntry.objects.create(
                case=new,
                kind=entry.kind,
                author=entry.author,
                body=entry.body,
                data={"split_from": case.number},
            )
        for grant in CaseAccess.objects.filter(case=case):
            CaseAccess.objects.create(case=new, user_id=grant.user_id)
        CaseLink.objects.create(source=new, target=case)
        _copy_attachments(files, new, copies)
        counts = {"entries": len(chosen), "attachments": len(copies)}
        _event(
            new,
            actor,
            "split_from",
            {"case": case.number, **counts, "copied": [c.pk for c in copies]},
        )
        _event(
            case,
            actor,
            "split_to",
            {"case": new.number, **counts, "originals": [a.pk for a, _content in files]},
        )


def _split_files(
    case: Case, wanted: Sequence[int], errors: list[ErrorDetail]
) -> list[tuple[CaseAttachment, bytes]]:
    """The chosen attachments of ``case`` with their stored content, each checked as a new
    upload would be (a file stored before a limit was lowered is refused by name)."""
    pks = {int(pk) for pk in wanted}
    if not pks:
        return []
    found = list(CaseAttachment.objects.filter(case=case, pk__in=pks).order_by("pk"))
    if len(found) != len(pks):
        errors.append(
            ErrorDetail(_("Choose attachments of this case."), field="attachments", code="unknown")
        )
        return []
    files = []
    for attachment in found:
        problem: str | None = "missing"
        content = b""
        try:
            with attachment.file.open("rb") as stored:
                content = stored.read(rules.MAX_ATTACHMENT_BYTES + 1)
        except OSError:
            pass
        else:
            problem, _type = rules.check_attachment(attachment.name, len(content), content[:64])
        if problem:
            reason = (
                _("The stored file is missing.")
                if problem == "missing"
                else _attachment_message(problem)
            )
            errors.append(
                ErrorDetail(
                    _("%(name)s: %(reason)s") % {"name": attachment.name, "reason": reason},
                    field="attachments",
                    code=problem,
                )
            )
        else:
            files.append((attachment, content))
    return files


def _copy_attachments(
    files: list[tuple[CaseAttachment, bytes]], new: Case, copies: list[CaseAttachment]
) -> None:
    """Store a copy of each file for ``new`` (Django storage: file system or S3), appending
    each to ``copies`` as soon as its file is stored, so the caller can delete them again
    if anything fails before the transaction ends."""
    from django.core.files.base import ContentFile

    for original, content in files:
        copy = CaseAttachment(
            case=new,
            name=original.name,
            size=len(content),
            content_type=original.content_type,
            uploaded_by_id=original.uploaded_by_id,
        )
        copy.file.save(original.name, ContentFile(content), save=False)
        copies.append(copy)
        copy.save()


def _delete_files(attachments: list[CaseAttachment]) -> None:
    for attachment in attachments:
        attachment.file.delete(save=False)


@transaction.atomic
def case_bulk_transition(*, actor: Any, cases: list[Case], state: str) -> int:
    """Move several cases to ``state`` in one transaction: all or none; every case that
    cannot move is named in the error."""
    errors: list[ErrorDetail] = []
    for case in cases:
        try:
            case_transition(actor=actor, case=case, state=state)
        except DomainError as exc:
            errors.append(ErrorDetail(f"{case.number}: {exc.message}", code="transition"))
    if errors:
        raise _invalid(errors)
    return len(cases)


# --- Workspace: saved views and canned replies ----------------------------------------------


def _is_queue_lead(actor: Any, queue_id: int) -> bool:
    pk = getattr(actor, "pk", None)
    return pk is not None and (
        QueueMember.objects.filter(queue_id=queue_id, user_id=pk, is_lead=True).exists()
    )


def queue_lead(*, actor: Any, queue: Queue) -> bool:
    """Whether the actor leads the queue's team (may share views with it)."""
    return bool(getattr(actor, "is_active", False)) and _is_queue_lead(actor, queue.pk)


def saved_view_may_change(*, actor: Any, view: SavedView) -> bool:
    """The owner changes and deletes a view; a shared view also the queue's team leads."""
    if not getattr(actor, "pk", None) or not getattr(actor, "is_active", False):
        return False
    if view.user_id == actor.pk:
        return True
    return view.shared and _is_queue_lead(actor, view.queue_id)


@transaction.atomic
def saved_view_save(
    *, actor: Any, queue: Queue, name: str, filters: dict[str, Any], shared: bool = False
) -> SavedView:
    """Save (or overwrite) a named view of a queue list: the actor's own, or, for a team lead
    with ``shared``, one listed for the whole team. A lead saving a shared view under the
    name of an existing shared view of the queue changes that view."""
    if not selectors.queues_for(user=actor).filter(pk=queue.pk).exists():
        raise _not_found()
    name = str(name or "").strip()
    if not name or len(name) > 80:
        raise DomainError.single(
            _("Give the view a name of at most 80 characters."), field="name", code="name"
        )
    if shared and not _is_queue_lead(actor, queue.pk):
        raise DomainError.single(
            _("Only a team lead of the queue may share a view with the team."),
            field="shared",
            code="not_lead",
            status=403,
        )
    cleaned = rules.clean_view_filters(filters)
    with audit_context(actor=actor):
        existing = None
        if shared:
            existing = (
                SavedView.objects.select_for_update()
                .filter(queue=queue, name=name, shared=True)
                .order_by("pk")
                .first()
            )
        if existing is None:
            existing = (
                SavedView.objects.select_for_update()
                .filter(user_id=actor.pk, queue=queue, name=name)
                .first()
            )
        if existing is None:
            return SavedView.objects.create(
                user_id=actor.pk, queue=queue, name=name, filters=cleaned, shared=shared
            )
        existing.filters, existing.shared = cleaned, shared
        existing.save(update_fields=["filters", "shared", "updated_at"])
    return existing


@transaction.atomic
def saved_view_rename(*, actor: Any, view: SavedView, name: Any) -> SavedView:
    """Give a saved view a new name (its owner; a shared view also the queue's team leads,
    as for changing and deleting it). The name must not be empty and must differ from the
    owner's other views of the queue and, for a shared view, from the team's other shared
    views (letter case aside), or the list would show two views of the same name."""
    locked = SavedView.objects.select_for_update().filter(pk=view.pk).first()
    if locked is None or not saved_view_may_change(actor=actor, view=locked):
        raise _not_found()
    view = locked
    name = " ".join(str(name or "").split())
    if not name:
        raise DomainError.single(_("Give the view a name."), field="name", code="required")
    if len(name) > 80:
        raise DomainError.single(
            _("Give the view a name of at most 80 characters."), field="name", code="name"
        )
    clash = Q(user_id=view.user_id)
    if view.shared:
        clash |= Q(shared=True)
    others = (
        SavedView.objects.filter(clash, queue_id=view.queue_id)
        .exclude(pk=view.pk)
        .values_list("name", flat=True)
    )
    if name.casefold() in {other.casefold() for other in others}:  # Æ/æ too, on any database
        raise DomainError.single(
            _("There is already a view named %(name)s in this queue. Choose another name.")
            % {"name": name},
            field="name",
            code="duplicate",
        )
    if name != view.name:
        with audit_context(actor=actor):
            view.name = name
            view.save(update_fields=["name", "updated_at"])
    return view


@transaction.atomic
def saved_view_delete(*, actor: Any, view: SavedView) -> None:
    if not saved_view_may_change(actor=actor, view=view):
        raise _not_found()
    with audit_context(actor=actor):
        view.delete()


SHORTCUTS_SESSION_KEY = "portal_shortcuts"
"""The user's shortcut keys in the session (set at login and on save): pages read them with
the session they load anyway."""


def shortcuts_of(user: Any) -> dict[str, Any] | None:
    """The user's saved keys (all actions, the standard ones filled in) and whether
    shortcuts are off; None when the user never changed them."""
    if not getattr(user, "pk", None):
        return None
    pref = ShortcutPreference.objects.filter(user_id=user.pk).first()
    if pref is None:
        return None
    return {"keys": {**rules.SHORTCUT_DEFAULTS, **pref.keys}, "off": pref.off}


@transaction.atomic
def shortcuts_save(
    *, actor: Any, keys: Any = None, off: Any = None, reset: bool = False
) -> dict[str, Any]:
    """Save the actor's own keyboard shortcuts: ``keys`` one page's keys by action (merged
    into those saved), ``off`` on or off, ``reset`` back to the standard keys. Refused with
    a Danish message, nothing saved, when a key is not one character, is ``?`` or a space,
    or is used twice."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise access.AccessDenied(_("You do not have access to do this."))
    if keys is not None:
        problem = rules.shortcut_key_problem(keys) if isinstance(keys, Mapping) else "one_key"
        if problem == "twice":
            twice = sorted({k for k in keys.values() if list(keys.values()).count(k) > 1})
            message = _("Each key can be used for one thing only:") + " " + ", ".join(twice)
        elif problem == "unknown_action":
            message = _("Unknown keyboard shortcut.")
        else:
            message = _("Type one key (not ? or a space) in each field.")
        if problem:
            raise DomainError.single(message, field="keys", code=problem)
    pref, _created = ShortcutPreference.objects.select_for_update().get_or_create(user=actor)
    if reset:
        pref.keys = {}
    if keys is not None:
        pref.keys = {**pref.keys, **keys}
    if off is not None:
        pref.off = bool(off)
    pref.save()
    return {"keys": {**rules.SHORTCUT_DEFAULTS, **pref.keys}, "off": pref.off}


@transaction.atomic
def macro_save(
    *,
    actor: Any,
    macro: Macro | None,
    name: Any,
    body: Any,
    queue: Queue | None = None,
    state: Any = "",
    is_active: bool = True,
) -> Macro:
    """Create or change a canned reply (catalogue managers; audited)."""
    access.require(actor, MANAGE_CATALOGUE)
    errors: list[ErrorDetail] = []
    name = _clean_name(name, errors)[:100]
    text = str(body or "").strip()
    if not text:
        errors.append(ErrorDetail(_("This field is required."), field="body", code="required"))
    unknown = rules.macro_unknown_placeholders(text)
    if unknown:
        errors.append(
            ErrorDetail(
                _("Unknown placeholders: %(names)s. Use %(known)s.")
                % {
                    "names": ", ".join("{" + u + "}" for u in unknown),
                    "known": ", ".join("{" + k + "}" for k in rules.MACRO_PLACEHOLDERS),
                },
                field="body",
                code="placeholder",
            )
        )
    state = str(state or "")
    if state and state not in Case.State.values:
        errors.append(ErrorDetail(_("Choose one of the options."), field="state", code="choice"))
    if errors:
        raise _invalid(errors)
    macro = macro or Macro()
    macro.name, macro.body, macro.queue, macro.state = name, text, queue, state
    macro.is_active = bool(is_active)
    with audit_context(actor=actor):
        macro.save()
    return macro


@transaction.atomic
def macro_delete(*, actor: Any, macro: Macro) -> None:
    access.require(actor, MANAGE_CATALOGUE)
    with audit_context(actor=actor):
        macro.delete()


@transaction.atomic
def case_apply_macro(*, actor: Any, case: Case, macro: Macro) -> CaseEntry:
    """Send a canned reply (placeholders filled) and change the state if the macro says so;
    both or neither."""
    case = Case.objects.select_related("queue", "unit", "requester").get(pk=case.pk)
    _require_work(actor, case)
    if not macro.is_active or (macro.queue_id and macro.queue_id != case.queue_id):
        raise DomainError.single(
            _("This canned reply cannot be used on this case."), field="macro", code="macro"
        )
    user = _actor_user(actor)
    body = rules.render_macro(
        macro.body,
        {
            "sag": case.number,
            "titel": case.title,
            "anmoder": case.requester.full_name,
            "sagsbehandler": (user.get_full_name() or user.username) if user else "",
        },
    )
    entry = case_reply(actor=actor, case=case, body=body)
    if macro.state and macro.state != case.state:
        case_transition(actor=actor, case=case, state=macro.state)
    return entry


# --- SLA sweep -------------------------------------------------------------------------------


def sla_sweep(*, now: dt.datetime | None = None, limit: int = 5000) -> dict[str, int]:
    """Look at the timers whose next check is due (indexed), record warnings and breaches."""
    now = now or timezone.now()
    counts = {"checked": 0, "warning_50": 0, "warning_75": 0, "breached": 0}
    due = list(
        SlaTimer.objects.filter(next_check_at__lte=now, stopped_at__isnull=True)
        .select_related("case", "case__queue", "case__unit")
        .order_by("next_check_at")[:limit]
    )
    config = portal_config.current()
    with audit_context(actor_label="system:sla"):
        for timer in due:
            with transaction.atomic():
                case = timer.case
                spec = config.calendar(case.queue.calendar_name)
                before = timer.status
                timer._audit_scope = case.unit.path  # type: ignore[attr-defined]
                state = _refresh_timer(timer, spec, now)
                timer.save()
                counts["checked"] += 1
                if timer.status != before and timer.status in counts:
                    counts[timer.status] += 1
                    record_event(
                        case,
                        f"portal.sla_{timer.status}",
                        data={"timer": timer.kind, "percent": state.percent},
                    )
                    if timer.status == "breached":
                        transaction.on_commit(
                            functools.partial(notify, case_id=case.pk, event="breached")
                        )
    return counts


def auto_close(*, now: dt.datetime | None = None) -> int:
    """Close resolved cases whose window has passed."""
    now = now or timezone.now()
    closed = 0
    config = portal_config.current()
    for case in Case.objects.filter(state="resolved", resolved_at__isnull=False).select_related(
        "queue", "unit"
    )[:5000]:
        spec = config.calendar(case.queue.calendar_name)
        assert case.resolved_at is not None
        if rules.auto_close_due(spec, case.resolved_at, AUTO_CLOSE_BUSINESS_DAYS) <= now:
            with transaction.atomic(), audit_context(actor_label="system:auto-close"):
                _set_state(case, "closed", now)
                case.save()
                record_event(case, "portal.case_closed", data={"auto": True})
                closed += 1
    return closed


# --- Notifications ---------------------------------------------------------------------------


def notification_recipients(case: Case, event: str) -> list[User]:
    """Who is told: requester, assignee, watchers, and the team lead on a breach; each only
    if they may still see the case (no confidential case reaches a watcher outside it)."""
    candidates: dict[int, User] = {}
    for user in User.objects.filter(person_id=case.requester_id, is_active=True):
        candidates[user.pk] = user
    if case.assignee_id and case.assignee is not None:
        candidates[case.assignee_id] = case.assignee
    for user in case.watchers.filter(is_active=True):
        candidates[user.pk] = user
    if event == "breached":
        for member in QueueMember.objects.filter(
            queue_id=case.queue_id, is_lead=True
        ).select_related("user"):
            candidates[member.user_id] = member.user
    return [
        user
        for user in candidates.values()
        if user.email and selectors.cases_visible(user=user).filter(pk=case.pk).exists()
    ]


NOTIFICATION_EVENTS = ("created", "reply", "state", "resolved", "breached")


def _notification_heading(event: str) -> str:
    headings = {
        "created": _("Your case has been received"),
        "reply": _("New reply on your case"),
        "state": _("Your case has changed state"),
        "resolved": _("Your case has been resolved"),
        "breached": _("SLA breached"),
    }
    return headings.get(event, _("Case updated"))


def case_url(case: Case) -> str:
    """The case page, absolute when ``KS_PUBLIC_URL`` is set (e-mails), else the path."""
    from django.conf import settings
    from django.urls import reverse

    base = str(getattr(settings, "KS_PUBLIC_URL", "") or "").rstrip("/")
    return base + reverse("portal:case_detail", args=[case.number])


def notification_text(case: Case, event: str) -> tuple[str, str]:
    """Danish subject (``portal/mail/notification_subject.txt``) and plain-text body
    (``portal/mail/notification.txt``), both templates with the same context, in which a
    confidential case has no title and no service: its title never leaves the system."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    context = _notification_context(case, event)
    # A subject is plain text: its values are never HTML-escaped, whatever the template says.
    plain = {k: mark_safe(v) if isinstance(v, str) else v for k, v in context.items()}
    subject = rules.mail_subject(
        render_to_string("portal/mail/notification_subject.txt", plain), case.number
    )
    return subject, render_to_string("portal/mail/notification.txt", context)


def notification_html(case: Case, event: str) -> str:
    """The HTML part of a notification (``portal/mail/notification.html``): the same facts as
    the plain text, with a link to the case; a confidential case shows neither its title nor
    its service, only the number and state."""
    from django.template.loader import render_to_string

    return render_to_string("portal/mail/notification.html", _notification_context(case, event))


def _notification_context(case: Case, event: str) -> dict[str, Any]:
    """What both parts of a notification may show (the templates are edited without code)."""
    return {
        "number": case.number,
        "heading": _notification_heading(event),
        "event": event,
        "state": case.get_state_display(),
        "url": case_url(case),
        "confidential": case.confidential,
        "title": "" if case.confidential else case.title,
        "service": "" if case.confidential else case.service.name,
    }


def notification_messages(case: Case, event: str) -> list[Any]:
    """One multipart/alternative message (plain text + HTML) per recipient, so no recipient
    sees another's address; each Message-ID carries the case number for threading replies."""
    from django.core.mail import EmailMultiAlternatives
    from django.utils import translation

    recipients = notification_recipients(case, event)
    if not recipients:
        return []
    with translation.override(django_settings.LANGUAGE_CODE):
        subject, body = notification_text(case, event)
        html = notification_html(case, event)
    messages = []
    for user in recipients:
        message = EmailMultiAlternatives(
            subject,
            body,
            None,
            [user.email],
            headers={
                "Message-ID": f"<{case.number}.{uuid.uuid4().hex}@{MAIL_DOMAIN}>",
                "Auto-Submitted": "auto-generated",
            },
        )
        message.attach_alternative(html, "text/html")
        messages.append(message)
    return messages


def notify_later(case_id: int, event: str) -> None:
    """Send the case's notifications through the ``send_notification`` task: in production a
    worker (``ks db_worker``) renders and sends them, so a request does not wait for templates
    and the mail server (a third of a case creation's time). With the database task backend
    (production) the task row is written in the case's transaction (an outbox row: committed
    with the case or not at all); with another backend, e.g. the immediate one of development
    and tests, the task is enqueued after the commit (sent at once)."""

    from koncernservice.portal.tasks import send_notification

    def enqueue() -> None:
        try:
            send_notification.enqueue(case_id=case_id, event=event)
        except DatabaseError:
            raise  # in the case's transaction: the case is not saved without its notification
        except Exception:  # the case is saved; a failing queue must not turn it into a 500
            log.exception("Notification %s for case id %s could not be queued", event, case_id)

    if connection.in_atomic_block and _queues_in_database(send_notification.get_backend()):
        # An outbox row in the case's own transaction (one commit fewer; the worker sees it
        # only once the case is committed, and never for a case that was rolled back).
        enqueue()
    else:
        transaction.on_commit(enqueue)


def _queues_in_database(backend: Any) -> bool:
    """Whether the task backend stores its tasks as rows of our default database."""
    try:
        from django_tasks_db.backend import DatabaseBackend
    except ImportError:  # pragma: no cover - the package is a dependency
        return False
    return isinstance(backend, DatabaseBackend) and connection.alias == "default"


def notify(*, case_id: int, event: str) -> int:
    """Send the case's e-mail notifications; failures are logged, never raised."""
    from django.core.mail import mailers

    case = Case.objects.select_related("assignee", "queue", "service").filter(pk=case_id).first()
    if case is None:
        return 0
    messages = notification_messages(case, event)
    if not messages:
        return 0
    try:
        return mailers.default.send_messages(messages) or 0
    except Exception:  # the case is saved; a failing mail server must not undo it
        log.exception("Notification for case %s failed", case.number)
        return 0


# --- Inbound e-mail --------------------------------------------------------------------------

MAIL_DOMAIN = "koncernservice.kk.dk"


def _plain_text(message: Any) -> str:
    """The new text of a reply: the plain part (else the HTML part read as text, see
    :func:`rules.html_to_text`), cut at the quoted earlier mail."""
    part = message.get_body(preferencelist=("plain", "html"))
    text = part.get_content() if part is not None else ""
    if part is not None and part.get_content_type() == "text/html":
        text = rules.html_to_text(str(text))
    lines = []
    for line in str(text).splitlines():
        if line.startswith(">") or line.strip().startswith("-----Original"):
            break  # the quoted earlier mail
        lines.append(line)
    return "\n".join(lines).strip()[:20000]


def mail_key(message: Any, raw: bytes) -> str:
    """The idempotency key of an inbound e-mail: its Message-ID, else its bytes, hashed."""
    message_id = str(message.get("Message-ID", "") or "").strip()
    source = message_id.encode("utf-8", "replace") if message_id else raw
    return hashlib.sha256(source).hexdigest()


def _unreadable() -> DomainError:
    return DomainError.single(
        _("The e-mail cannot be read (broken headers or an unknown character set)."),
        code="unreadable",
    )


def mail_ingest(
    *, raw: bytes, default_service: Service, source: str = InboundMail.Source.FOLDER
) -> dict[str, str]:
    """One inbound e-mail: a reply on its case (threaded by Message-ID/In-Reply-To/References
    or the case number in the subject), else a new case of ``default_service``.

    The sender must be a known, active user (by e-mail) who can see the case; anything else
    is refused and nothing is written. Automatic replies (RFC 3834 ``Auto-Submitted``, out of
    office) are refused so they never loop. Idempotent: a message already read (same
    Message-ID, or the same bytes when there is none) returns ``"duplicate"`` and changes
    nothing, so a poll interrupted after the database commit can simply run again.
    A reply from the requester to a closed or cancelled case becomes a new case linked to it
    (``"created"`` with reason ``"follow_up"``); others cannot write to a closed case.
    Returns ``{"status": ..., "case": ..., "reason": ...}``; an unreadable or refused message
    raises :class:`DomainError` (code ``unreadable``, ``closed``, ...).
    """
    import email
    import email.errors
    import email.policy
    from email.utils import parseaddr

    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        sender = parseaddr(str(message.get("From", "")))[1].strip().lower()
        subject = str(message.get("Subject", "") or "").strip()
        thread = " ".join(
            str(message.get(name, "") or "") for name in ("In-Reply-To", "References", "Subject")
        )
        auto = str(message.get("Auto-Submitted", "no") or "no").strip().lower()
        precedence = str(message.get("Precedence", "") or "").strip().lower()
        text = _plain_text(message)
        key = mail_key(message, raw)
    except (
        LookupError,
        UnicodeError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        email.errors.MessageError,
    ) as exc:
        raise _unreadable() from exc
    user = None
    if sender:
        user = (
            User.objects.filter(email__iexact=sender, is_active=True).first()
            or User.objects.filter(person__email__iexact=sender, is_active=True).first()
        )
    if user is None:
        return {"status": "rejected", "reason": "unknown_sender", "case": ""}
    if auto not in ("", "no") or precedence in ("auto_reply", "bulk", "junk"):
        return {"status": "rejected", "reason": "auto_reply", "case": ""}
    with transaction.atomic():
        try:
            # Claimed first: a second poller running at the same time waits on this row.
            with transaction.atomic():
                record = InboundMail.objects.create(key=key, source=source, status="")
        except IntegrityError:
            earlier = InboundMail.objects.select_related("case").filter(key=key).first()
            found = earlier.case.number if earlier and earlier.case else ""
            return {"status": "duplicate", "case": found, "reason": ""}
        number = rules.find_case_number(thread)
        reason = ""
        if number:
            case = selectors.cases_visible(user=user).filter(number=number).first()
            if case is None:
                transaction.set_rollback(True)
                return {"status": "rejected", "reason": "not_visible", "case": ""}
            if case.state in ("closed", "cancelled") and _is_party(user, case):
                case = _follow_up_case(
                    user, case, default_service=default_service, subject=subject, text=text
                )
                status, reason = "created", "follow_up"
            else:
                try:
                    case_reply(actor=user, case=case, body=text or subject)
                except access.AccessDenied:
                    transaction.set_rollback(True)
                    return {"status": "rejected", "reason": "not_allowed", "case": ""}
                status = "reply"
        else:
            case = case_create(
                actor=user,
                service=default_service,
                title=(subject or _("E-mail without subject"))[:200],
                description=text,
                answers={},
            )
            status = "created"
        record.status, record.case = status, case
        record.save(update_fields=["status", "case", "updated_at"])
    return {"status": status, "case": case.number, "reason": reason}


def _is_party(user: Any, case: Case) -> bool:
    person = getattr(user, "person_id", None)
    return person is not None and person in (case.requester_id, case.on_behalf_of_id)


def _follow_up_case(
    user: Any, closed: Case, *, default_service: Service, subject: str, text: str
) -> Case:
    """The requester wrote again about a closed (or cancelled) case: a new case of the same
    service with the same answers, linked to the old one, which stays closed. When that
    service no longer takes the case as it was (withdrawn, form changed), the mailbox's
    default service takes it."""
    title = (subject or closed.title)[:200]
    try:
        with transaction.atomic():
            new = case_create(
                actor=user,
                service=closed.service,
                title=title,
                description=text,
                answers=dict(closed.answers or {}),
            )
    except DomainError:
        new = case_create(
            actor=user, service=default_service, title=title, description=text, answers={}
        )
    with audit_context(actor=user):
        CaseLink.objects.get_or_create(source=new, target=closed)
        _event(new, user, "linked", {"case": closed.number})
    return new


# --- Knowledge base --------------------------------------------------------------------------


def _search_text(title: str, body: str) -> str:
    return " ".join(rules.search_terms(f"{title} {title} {body}"))


@transaction.atomic
def article_save(
    *,
    actor: Any,
    slug: str,
    title: str,
    body: str,
    service: Service | None = None,
    review_date: dt.date | None = None,
    is_published: bool | None = None,
    owner: User | None = None,
) -> Article:
    """Create an article or write its next version (the old text is kept). ``owner`` and
    ``is_published`` stay as they were when not given; a new review date re-arms the
    review reminder."""
    access.require(actor, MANAGE_CATALOGUE)
    errors = []
    if not str(title or "").strip():
        errors.append(ErrorDetail(_("This field is required."), field="title", code="required"))
    elif len(str(title).strip()) > 200:
        errors.append(ErrorDetail(_("At most 200 characters."), field="title", code="too_long"))
    if not str(body or "").strip():
        errors.append(ErrorDetail(_("This field is required."), field="body", code="required"))
    if not slug:
        errors.append(ErrorDetail(_("This field is required."), field="slug", code="required"))
    elif not re.match(r"^[a-z0-9][a-z0-9-]{0,99}$", slug):
        errors.append(
            ErrorDetail(
                _("Use 1–100 lower-case letters a–z, digits and hyphens."),
                field="slug",
                code="slug",
            )
        )
    if review_date is not None and review_date < timezone.localdate():
        errors.append(
            ErrorDetail(_("The review date must not be in the past."), field="review_date")
        )
    if errors:
        raise _invalid(errors)
    with audit_context(actor=actor):
        article = Article.objects.select_for_update().filter(slug=slug).first()
        if article is None:
            article = Article(slug=slug, version=1, owner=owner or _actor_user(actor))
        else:
            article.version += 1
            if owner is not None:
                article.owner = owner
        if is_published is not None:
            article.is_published = is_published
        if review_date != article.review_date:
            article.review_reminded_on = None
        article.title = title.strip()
        article.body = body
        article.service = service
        article.review_date = review_date
        article.search_text = _search_text(article.title, body)
        article.save()
        ArticleVersion.objects.create(
            article=article,
            version=article.version,
            title=article.title,
            body=body,
            author=_actor_user(actor),
        )
    return article


def article_review_reminders(*, today: dt.date | None = None, days: int = 14) -> dict[str, int]:
    """E-mail each published article's owner once when its review date is ``days`` or fewer
    days away (or past). Run daily (``ks portal review-reminders``)."""
    today = today or timezone.localdate()
    due = list(
        Article.objects.filter(
            is_published=True,
            review_date__isnull=False,
            review_date__lte=today + dt.timedelta(days=days),
            review_reminded_on__isnull=True,
        )
        .select_related("owner")
        .order_by("review_date", "slug")
    )
    counts = {"due": len(due), "reminded": 0, "no_owner": 0, "overdue": 0}
    with audit_context(actor_label="system:articles"):
        for article in due:
            if article.review_date and article.review_date < today:
                counts["overdue"] += 1
            owner = article.owner
            if owner is None or not owner.is_active or not owner.email:
                counts["no_owner"] += 1
                continue
            subject, body = _article_reminder_text(article, today)
            try:
                EmailMessage(subject, body, to=[owner.email]).send()
            except Exception:  # a failing mail server must not stop the job
                log.exception("Review reminder for article %s failed", article.slug)
                continue
            Article.objects.filter(pk=article.pk).update(review_reminded_on=today)
            record_event(
                article,
                "portal.article_review_reminder",
                data={"owner": owner.pk, "review_date": str(article.review_date)},
            )
            counts["reminded"] += 1
    return counts


def _article_reminder_text(article: Article, today: dt.date) -> tuple[str, str]:
    """The Danish reminder text (subject, body) for an article due for review."""
    from django.urls import reverse

    when = article.review_date.strftime("%d-%m-%Y") if article.review_date else ""
    subject = _("Knowledge article due for review: %(title)s") % {"title": article.title}
    body = _(
        'The article "%(title)s" (version %(version)d) is due for review on %(date)s.\n'
        "Read it through, correct it if needed and set a new review date:\n%(url)s\n"
    ) % {
        "title": article.title,
        "version": article.version,
        "date": when,
        "url": reverse("portal:article_edit", args=[article.slug]),
    }
    return subject, body


def article_feedback(*, article: Article, helpful: bool) -> None:
    from django.db.models import F

    field = "helpful_count" if helpful else "not_helpful_count"
    Article.objects.filter(pk=article.pk).update(**{field: F(field) + 1})


def deflection_record(
    *, actor: Any, service: Service, articles: list[Article]
) -> Deflection | None:
    """Articles were shown while the employee typed; the case (if any) is attached later."""
    if not articles or not getattr(actor, "pk", None):
        return None
    return Deflection.objects.create(
        user=actor, service=service, articles=[a.slug for a in articles]
    )


def deflection_attach(*, actor: Any, service: Service, case: Case) -> None:
    """The employee created the case anyway: the latest open suggestion was not enough."""
    with connection.cursor() as cursor:
        cursor.execute(_deflection_attach_sql(), [case.pk, actor.pk, service.pk])


@functools.cache
def _deflection_attach_sql() -> str:
    """One UPDATE of the user's latest open deflection for the service (the ORM's update
    with a subquery cost about 1 ms to build, a tenth of a case creation)."""
    qn = connection.ops.quote_name
    table = qn(Deflection._meta.db_table)

    columns = {field.name: str(field.column) for field in Deflection._meta.concrete_fields}

    def column(name: str) -> str:
        return qn(columns[name])

    return (
        f"UPDATE {table} SET {column('case')} = %s WHERE {column('id')} = ("
        f"SELECT {column('id')} FROM {table} WHERE {column('user')} = %s"
        f" AND {column('service')} = %s AND {column('case')} IS NULL"
        f" ORDER BY {column('created_at')} DESC LIMIT 1)"
    )


# --- Queues ----------------------------------------------------------------------------------


@transaction.atomic
def queue_member_add(*, actor: Any, queue: Queue, user: User, is_lead: bool = False) -> QueueMember:
    access.require(actor, MANAGE_CATALOGUE)
    with audit_context(actor=actor):
        try:
            with transaction.atomic():
                return QueueMember.objects.create(queue=queue, user=user, is_lead=is_lead)
        except IntegrityError as exc:
            raise DomainError.single(
                _("The user is already in this queue's team."), code="duplicate"
            ) from exc


@transaction.atomic
def queue_member_remove(*, actor: Any, member: QueueMember) -> None:
    access.require(actor, MANAGE_CATALOGUE)
    with audit_context(actor=actor):
        member.delete()


# --- Setup without code: areas, queues, routing rules ------------------------------------------

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def _clean_code(value: Any, errors: list[ErrorDetail]) -> str:
    code = str(value or "").strip().lower()
    if not SLUG.match(code):
        errors.append(
            ErrorDetail(
                _("Use 1–40 lower-case letters a–z, digits and hyphens."),
                field="code",
                code="slug",
            )
        )
    return code


def _clean_name(value: Any, errors: list[ErrorDetail]) -> str:
    name = str(value or "").strip()
    if not name:
        errors.append(ErrorDetail(_("This field is required."), field="name", code="required"))
    elif len(name) > 200:
        errors.append(ErrorDetail(_("At most 200 characters."), field="name", code="too_long"))
    return name


def _clean_int(value: Any, field: str, errors: list[ErrorDetail], top: int = 32767) -> int:
    try:
        number = int(str(value if value not in (None, "") else 0).strip())
        if not 0 <= number <= top:
            raise ValueError
    except ValueError:
        errors.append(
            ErrorDetail(
                _("Enter a whole number from 0 to %(n)d.") % {"n": top}, field=field, code="number"
            )
        )
        return 0
    return number


@transaction.atomic
def area_save(
    *, actor: Any, area: ServiceArea | None, code: Any, name: Any, position: Any = 0
) -> ServiceArea:
    """Create or change a service area (administrators, audited)."""
    access.require(actor, MANAGE_CATALOGUE)
    errors: list[ErrorDetail] = []
    code = _clean_code(code, errors)
    name = _clean_name(name, errors)
    number = _clean_int(position, "position", errors)
    taken = ServiceArea.objects.filter(code=code)
    if area is not None:
        taken = taken.exclude(pk=area.pk)
    if code and taken.exists():
        errors.append(ErrorDetail(_("The code is already in use."), field="code", code="unique"))
    if errors:
        raise _invalid(errors)
    area = area or ServiceArea()
    area.code, area.name, area.position = code, name, number
    with audit_context(actor=actor):
        area.save()
    return area


@transaction.atomic
def area_delete(*, actor: Any, area: ServiceArea) -> None:
    """Delete an area without services (administrators, audited)."""
    access.require(actor, MANAGE_CATALOGUE)
    services_count = area.services.count()
    if services_count:
        raise DomainError.single(
            ngettext(
                "The area still has %(n)d service: move it to another area first.",
                "The area still has %(n)d services: move them to another area first.",
                services_count,
            )
            % {"n": services_count},
            code="in_use",
        )
    with audit_context(actor=actor):
        area.delete()


@transaction.atomic
def queue_delete(*, actor: Any, queue: Queue) -> None:
    """Delete a queue that no case, service or routing rule uses (administrators, audited);
    its team, saved views and the queue's own canned replies go with it. A queue that has
    had cases stays (the cases and their statistics refer to it): rename it instead."""
    access.require(actor, MANAGE_CATALOGUE)
    cases = Case.objects.filter(queue=queue).count()
    services_count = queue.services.count()
    rules_count = queue.routing_rules.count()
    uses = [
        text % {"n": count}
        for count, text in (
            (cases, ngettext("%(n)d case", "%(n)d cases", cases)),
            (
                services_count,
                ngettext(
                    "%(n)d service (default queue)",
                    "%(n)d services (default queue)",
                    services_count,
                ),
            ),
            (rules_count, ngettext("%(n)d routing rule", "%(n)d routing rules", rules_count)),
        )
        if count
    ]
    if uses:
        raise DomainError.single(
            _("The queue is in use and cannot be deleted: %(uses)s.") % {"uses": ", ".join(uses)},
            code="in_use",
        )
    with audit_context(actor=actor):
        queue.delete()


@transaction.atomic
def queue_save(
    *,
    actor: Any,
    queue: Queue | None,
    code: Any,
    name: Any,
    calendar_name: Any = "standard",
    restricted: bool = False,
    ola_hours: Any = None,
    phone_queues: Any = None,
) -> Queue:
    """Create or change a queue. Making a queue confidential (or not) re-flags its cases at
    once, so visibility follows the queue from the moment it is saved. ``phone_queues``: the
    telephony system's queues the team answers (one name a line, or a list; None: as they
    are); the telephony records already imported follow at once."""
    from koncernservice.core.models import BusinessCalendar

    access.require(actor, MANAGE_CATALOGUE)
    errors: list[ErrorDetail] = []
    code = _clean_code(code, errors)
    name = _clean_name(name, errors)
    calendar = str(calendar_name or "").strip()
    # "standard" is always there (the KS default when no row overrides it).
    if calendar != "standard" and not BusinessCalendar.objects.filter(name=calendar).exists():
        errors.append(
            ErrorDetail(_("Unknown business calendar."), field="calendar_name", code="unknown")
        )
    ola: Decimal | None = None
    if ola_hours not in (None, ""):
        try:
            ola = Decimal(str(ola_hours).replace(",", "."))
            if not Decimal(0) < ola <= Decimal(10000):
                raise ArithmeticError
        except ArithmeticError:
            errors.append(ErrorDetail(_("Must be above 0 hours."), field="ola_hours"))
    taken = Queue.objects.filter(code=code)
    if queue is not None:
        taken = taken.exclude(pk=queue.pk)
    if code and taken.exists():
        errors.append(ErrorDetail(_("The code is already in use."), field="code", code="unique"))
    phones = _clean_phone_queues(phone_queues, queue, errors)
    if errors:
        raise _invalid(errors)
    was_restricted = queue.restricted if queue is not None else None
    queue = queue or Queue()
    queue.code, queue.name, queue.calendar_name = code, name, calendar
    queue.restricted, queue.ola_hours = bool(restricted), ola
    phones_changed = phones is not None and phones != queue.phone_queues
    if phones is not None:
        queue.phone_queues = phones
    with audit_context(actor=actor):
        queue.save()
        if phones_changed:
            record_event(
                queue,
                "portal.queue_phone_queues",
                data={"phone_queues": phones, "records": telephony_resolve()},
            )
        if was_restricted is not None and was_restricted != queue.restricted:
            cases = Case.objects.filter(queue=queue)
            if queue.restricted:
                changed = cases.update(confidential=True)
            else:
                changed = cases.filter(service__confidential=False).update(confidential=False)
            record_event(queue, "portal.queue_confidentiality", data={"cases": changed})
    return queue


@transaction.atomic
def routing_rule_save(
    *,
    actor: Any,
    rule: RoutingRule | None,
    queue: Queue | None,
    position: Any = 100,
    service: Service | None = None,
    unit: Any = None,
    keywords: Any = "",
    assign_least_loaded: bool = False,
) -> RoutingRule:
    """Create or change a routing rule; it needs a queue and at least one condition."""
    access.require(actor, MANAGE_CATALOGUE)
    errors: list[ErrorDetail] = []
    if queue is None:
        errors.append(ErrorDetail(_("Choose one of the options."), field="queue", code="choice"))
    number = _clean_int(position, "position", errors, top=100_000)
    words = ", ".join(w.strip() for w in str(keywords or "").split(",") if w.strip())
    if len(words) > 500:
        errors.append(ErrorDetail(_("At most 500 characters."), field="keywords"))
    if service is None and unit is None and not words:
        errors.append(
            ErrorDetail(
                _("Give a service, a unit or keywords: a rule without conditions takes all."),
                code="no_condition",
            )
        )
    if errors or queue is None:
        raise _invalid(errors)
    rule = rule or RoutingRule()
    rule.queue, rule.position, rule.service, rule.unit = queue, number, service, unit
    rule.keywords, rule.assign_least_loaded = words, bool(assign_least_loaded)
    with audit_context(actor=actor):
        rule.save()
    return rule


@transaction.atomic
def routing_rule_delete(*, actor: Any, rule: RoutingRule) -> None:
    access.require(actor, MANAGE_CATALOGUE)
    with audit_context(actor=actor):
        rule.delete()


# --- Retention -------------------------------------------------------------------------------

ANONYMISED_TITLE = "[anonymiseret]"


def retention_run(*, now: dt.datetime | None = None, limit: int = 10_000) -> dict[str, int]:
    """Anonymise closed and cancelled cases whose service's retention period has run out.

    The case row stays (numbers, dates, service, unit and SLA figures feed the statistics);
    its title, description, answers and survey comment are blanked, its timeline entries
    (replies, notes) are deleted and its attachments deleted from storage. The audit trail
    gets one event per case with the counts of what was removed, never the content; the row
    deletes bypass the per-row audit signal on purpose, so that the removed text is not
    copied into the trail.
    """
    now = now or timezone.now()
    counts = {"cases": 0, "entries": 0, "access_grants": 0, "attachments": 0}
    candidates = (
        Case.objects.filter(
            state__in=("closed", "cancelled"), closed_at__isnull=False, anonymised_at__isnull=True
        )
        .select_related("service", "unit")
        .order_by("closed_at")[:limit]
    )
    with audit_context(actor_label="system:retention"):
        for case in candidates:
            assert case.closed_at is not None
            if case.closed_at + dt.timedelta(days=case.service.retention_days) > now:
                continue
            with transaction.atomic():
                entries = CaseEntry.objects.filter(case=case)
                grants = CaseAccess.objects.filter(case=case)
                files = list(CaseAttachment.objects.filter(case=case))
                removed = {
                    "entries": entries.count(),
                    "access_grants": grants.count(),
                    "attachments": len(files),
                }
                for attachment in files:
                    attachment.file.delete(save=False)
                attached = CaseAttachment.objects.filter(case=case)
                attached._raw_delete(attached.db)
                entries._raw_delete(entries.db)
                grants._raw_delete(grants.db)
                case.watchers.clear()
                Case.objects.filter(pk=case.pk).update(
                    title=ANONYMISED_TITLE,
                    description="",
                    answers={},
                    satisfaction_comment="",
                    anonymised_at=now,
                )
                record_event(case, "portal.case_anonymised", data=removed)
                counts["cases"] += 1
                counts["entries"] += removed["entries"]
                counts["access_grants"] += removed["access_grants"]
                counts["attachments"] += removed["attachments"]
    return counts


# --- Attachments -----------------------------------------------------------------------------


def _attachment_message(code: str) -> str:
    messages = {
        "type": _("Allowed file types: PDF, PNG, JPG, Word, Excel, text, CSV and e-mail."),
        "size": _("A file may be at most 10 MB."),
        "empty": _("The file is empty."),
        "content": _("The file's content does not match its type."),
    }
    return messages.get(code, _("Not valid."))


@transaction.atomic
def case_attach(*, actor: Any, case: Case, upload: Any) -> CaseAttachment:
    """Attach an uploaded file (``UploadedFile``) to the case, after checking size and type."""
    case = Case.objects.select_related("queue", "unit").get(pk=case.pk)
    _require_visible(actor, case)
    if not selectors.is_party(actor, case) and not selectors.can_work(actor, case):
        raise access.AccessDenied(_("You do not have access to do this."))
    if case.state in ("closed", "cancelled"):
        raise DomainError.single(_("The case is closed; create a new case."), code="closed")
    name = str(getattr(upload, "name", "") or "fil")[-200:]
    size = int(getattr(upload, "size", 0) or 0)
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    problem, content_type = rules.check_attachment(name, size, head)
    if problem:
        raise DomainError.single(_attachment_message(problem), field="file", code=problem)
    with audit_context(actor=actor):
        attachment = CaseAttachment(
            case=case,
            name=name,
            size=size,
            content_type=content_type,
            uploaded_by=_actor_user(actor),
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        _event(case, actor, "attached", {"attachment": attachment.pk})
    return attachment


# --- Webhooks (outbox) -----------------------------------------------------------------------


def webhook_enqueue(*, case: Case, event: str, extra: dict[str, Any] | None = None) -> int:
    """Write one outbox row per active endpoint, in the caller's transaction (never send here).

    The payload names the case by number and state only: no titles or personal data, so a
    confidential case leaks nothing to the receiving system.
    """
    payload = {
        "event": event,
        "case": case.number,
        "state": case.state,
        "service": case.service.code if case.service_id else "",
        "at": timezone.now().isoformat(),
        **(extra or {}),
    }
    rows = [
        WebhookDelivery(endpoint=endpoint, event=event, payload=payload, next_attempt_at=None)
        for endpoint in WebhookEndpoint.objects.filter(is_active=True)
    ]
    WebhookDelivery.objects.bulk_create(rows)
    return len(rows)


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    import urllib.request

    if not url.startswith(("https://", "http://")):
        raise ValueError("webhook URLs must be http(s)")  # never file:// or others
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def webhook_deliver(
    *, now: dt.datetime | None = None, limit: int = 200, post: Any = None
) -> dict[str, int]:
    """Send the due outbox rows; failures are retried with backoff, then marked failed."""
    import json as jsonlib

    post = post or _post
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    due = (
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .select_related("endpoint")
        .order_by("pk")[:limit]
    )
    for delivery in due:
        body = jsonlib.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            "X-KS-Event": delivery.event,
            "X-KS-Delivery": str(delivery.pk),
            "X-KS-Signature": rules.webhook_signature(delivery.endpoint.secret, body),
        }
        delivery.attempts += 1
        try:
            status = post(delivery.endpoint.url, body, headers)
            ok = 200 <= status < 300
            error = "" if ok else f"HTTP {status}"
        except Exception as exc:  # network errors are retried
            ok, error = False, type(exc).__name__
        if ok:
            delivery.status = WebhookDelivery.Status.SENT
            counts["sent"] += 1
        elif delivery.attempts >= rules.WEBHOOK_MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
            counts["failed"] += 1
        else:
            delivery.next_attempt_at = now + rules.webhook_backoff(delivery.attempts)
            counts["retry"] += 1
        delivery.last_error = error[:300]
        delivery.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])
    return counts


# --- Serviceindgangen (calls) ----------------------------------------------------------------


@transaction.atomic
def call_log(
    *,
    actor: Any,
    caller: Person | None,
    service: Service | None,
    outcome: str,
    duration_seconds: Any = 0,
    title: str = "",
    note: str = "",
    existing_case: Case | None = None,
    team: Queue | None = None,
) -> Call:
    """Log a call; with outcome ``case_created`` a case is created for the caller (on their
    behalf, by the caseworker) and linked to the call. ``existing_case`` links the call to a
    case the actor can see instead (a call about it): its timeline gets the call, and the
    note, if any, as an internal note. ``team``: the team that took the call (default: the
    actor's team, the first by name when they are on several)."""
    if not access.has_permission_anywhere(actor, WORK_CASE):
        raise access.AccessDenied(_("You do not have access to do this."))
    errors: list[ErrorDetail] = []
    if outcome not in Call.Outcome.values:
        errors.append(ErrorDetail(_("Choose one of the options."), field="outcome", code="choice"))
    try:
        seconds = int(duration_seconds or 0)
        if not 0 <= seconds <= 6 * 3600:
            raise ValueError
    except (TypeError, ValueError):
        errors.append(ErrorDetail(_("Enter a number."), field="duration_seconds", code="number"))
        seconds = 0
    if outcome == Call.Outcome.CASE_CREATED and (caller is None or service is None):
        errors.append(
            ErrorDetail(_("A case needs a caller and a topic."), field="caller", code="required")
        )
    if existing_case is not None:
        if outcome == Call.Outcome.CASE_CREATED:
            errors.append(
                ErrorDetail(
                    _("Either create a case or link an existing one, not both."),
                    field="case",
                    code="both",
                )
            )
        elif not selectors.cases_visible(user=actor).filter(pk=existing_case.pk).exists():
            errors.append(
                ErrorDetail(
                    _("No case with that number that you can see."),
                    field="case",
                    code="unknown_case",
                )
            )
    if errors:
        raise _invalid(errors)
    employment = _current_employment(caller.pk) if caller else None
    case = existing_case
    if outcome == Call.Outcome.CASE_CREATED:
        assert caller is not None and service is not None
        case = _case_for_caller(actor=actor, caller=caller, service=service, title=title, note=note)
    with audit_context(actor=actor):
        call = Call.objects.create(
            caller=caller,
            unit=employment.unit if employment else None,
            service=service,
            outcome=outcome,
            duration_seconds=seconds,
            taken_by=_actor_user(actor),
            team=team or selectors.team_of(actor),
            case=case,
        )
        if case is not None:
            _event(case, actor, "call", {"call": call.pk, "outcome": outcome})
            if existing_case is not None and str(note or "").strip():
                CaseEntry.objects.create(
                    case=case,
                    kind=CaseEntry.Kind.NOTE,
                    author=_actor_user(actor),
                    body=str(note).strip()[:20000],
                    data={"call": call.pk},
                )
    return call


def call_team(code: str) -> Queue | None:
    """The team chosen for a call by its queue code (empty: none chosen, the taker's own)."""
    if not code:
        return None
    team = Queue.objects.filter(code=code).first()
    if team is None:
        raise DomainError.single(_("Unknown team."), field="team", code="unknown_team")
    return team


def _case_for_caller(
    *, actor: Any, caller: Person, service: Service, title: str, note: str
) -> Case:
    """A case created by the service desk on the caller's behalf (the caller is requester)."""
    employment = _current_employment(caller.pk)
    if employment is None:
        raise DomainError.single(
            _("No current employment to attach the case to."), code="no_employment"
        )
    queue, assign = route(service=service, unit_path=employment.unit.path, text=title)
    case = Case(
        number=next_number(timezone.localdate().year),
        requester=caller,
        unit=employment.unit,
        service=service,
        form=selectors.current_form(service),
        answers={},
        title=(title or service.name)[:200],
        description=str(note or "")[:20000],
        queue=queue,
        confidential=service.confidential or queue.restricted,
        assignee=least_loaded(queue) if assign else None,
    )
    with audit_context(actor=actor):
        case.save()
        _start_timers(case, timezone.now())
        _event(
            case, actor, "created", {"queue": queue.code, "service": service.code, "via": "call"}
        )
    return case


def _clean_phone_queues(value: Any, queue: Queue | None, errors: list[ErrorDetail]) -> Any:
    """The telephony queue names (stripped, without repeats), each answered by one team."""
    if value is None:
        return None
    raw = value.splitlines() if isinstance(value, str) else list(value)
    names: list[str] = []
    for item in raw:
        name = str(item).strip()
        if not name or name.casefold() in {n.casefold() for n in names}:
            continue
        if len(name) > 100:
            errors.append(
                ErrorDetail(_("A telephony queue name has at most 100 characters."), "phone_queues")
            )
            continue
        names.append(name)
    taken = _phone_queue_teams(exclude=queue.pk if queue is not None else None)
    for name in names:
        if name.casefold() in taken:
            errors.append(
                ErrorDetail(
                    _("The telephony queue '%(phone)s' already rings the team %(team)s.")
                    % {"phone": name, "team": taken[name.casefold()][1]},
                    field="phone_queues",
                    code="unique",
                )
            )
    return names


def _phone_queue_teams(exclude: int | None = None) -> dict[str, tuple[int, str]]:
    """Telephony queue name (case-folded) -> (team id, team name)."""
    teams: dict[str, tuple[int, str]] = {}
    queues = Queue.objects.all() if exclude is None else Queue.objects.exclude(pk=exclude)
    for pk, name, phones in queues.values_list("pk", "name", "phone_queues"):
        for phone in phones or []:
            teams[str(phone).strip().casefold()] = (pk, name)
    return teams


def telephony_resolve() -> int:
    """Give every imported telephony record the team that answers its telephony queue now
    (none when no team does): one UPDATE per telephony queue name, not one per record.
    Returns the records changed."""
    teams = _phone_queue_teams()
    changed = 0
    for name in TelephonyRecord.objects.values_list("queue", flat=True).distinct():
        team = teams.get(name.strip().casefold(), (None, ""))[0]
        changed += (
            TelephonyRecord.objects.filter(queue=name).exclude(team_id=team).update(team_id=team)
        )
    return changed


def telephony_import(*, rows: list[dict[str, str]]) -> dict[str, Any]:
    """Import the telephony system's call records (time, queue, wait, talk), all or nothing.

    Every bad row is reported at once with its row number; a record already imported (same
    time and queue) is skipped, so the same file can be imported twice. Each record gets
    the team answering its telephony queue (``Queue.phone_queues``); records from a queue no
    team answers are imported without one, counted (``unknown``) and named
    (``unknown_queues``).
    """
    errors: list[ErrorDetail] = []
    records = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            at = dt.datetime.fromisoformat(str(row.get("time", "")).strip())
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
            wait = int(str(row.get("wait", "")).strip())
            talk = int(str(row.get("talk", "")).strip())
            queue = str(row.get("queue", "")).strip()[:100]
            if wait < 0 or talk < 0 or not queue:
                raise ValueError
        except (TypeError, ValueError):
            errors.append(
                ErrorDetail(_("Expected time, queue, wait and talk seconds."), row=number)
            )
            continue
        records.append(TelephonyRecord(at=at, queue=queue, wait_seconds=wait, talk_seconds=talk))
    if errors:
        raise _invalid(errors)
    teams = _phone_queue_teams()
    unknown: set[str] = set()
    for record in records:
        team = teams.get(record.queue.casefold())
        record.team_id = team[0] if team else None
        if team is None:
            unknown.add(record.queue)
    with transaction.atomic():
        before = TelephonyRecord.objects.count()
        TelephonyRecord.objects.bulk_create(records, ignore_conflicts=True, batch_size=2000)
        imported = TelephonyRecord.objects.count() - before
    return {
        "rows": len(records),
        "imported": imported,
        "skipped": len(records) - imported,
        "unknown": sum(1 for r in records if r.team_id is None),
        "unknown_queues": sorted(unknown),
    }
