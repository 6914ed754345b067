"""Reads of the service portal. Every read of cases goes through :func:`cases_visible`.

Confidentiality needs more than unit scope: a case in a restricted queue (or of a
confidential service) is visible only to the queue's team, the requester, the person it is
on behalf of and users added explicitly; everyone else, administrators included, gets 404.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db import connections, router
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from koncernservice.core import access
from koncernservice.core.models import Employment, OrgUnit, Person, User
from koncernservice.core.prepared import PreparedValues
from koncernservice.core.worklist import WorkItem
from koncernservice.portal import config as portal_config
from koncernservice.portal import rules
from koncernservice.portal.models import (
    Article,
    Case,
    CaseAccess,
    CaseEntry,
    CaseLink,
    Deflection,
    Queue,
    QueueMember,
    Service,
    ServiceArea,
    ServiceForm,
    SlaTimer,
)
from koncernservice.portal.permissions import VIEW_CASE, VIEW_REPORTS, WORK_CASE


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _is_system(user: Any) -> bool:
    """The shell operator (``ks`` without ``--as``) has no database row and sees everything."""
    return _active(user) and user.pk is None and bool(getattr(user, "is_superuser", False))


def _unit_scope_q(user: Any, permission: str) -> Q | None:
    """Q for the cases in the user's unit scope for ``permission``; ``Q()`` = all; None = none."""
    paths = access.scope_paths(user, permission)
    if not paths:
        return None
    if paths == ["/"] or access.covers_everything(user, paths):
        return Q()
    return Case.scope_q(paths)


# Field first, then the annotation: the column order Django gives both parts. Compiled
# once per process (core.prepared): every portal page reads it.
_GRANTS_AND_TEAMS = PreparedValues(
    lambda user_id, member_id: (
        CaseAccess.objects.filter(user_id=user_id)
        .annotate(is_queue=Value(0))
        .values_list("case_id", "is_queue")
        .union(
            QueueMember.objects.filter(user_id=member_id)
            .annotate(is_queue=Value(1))
            .values_list("queue_id", "is_queue"),
            all=True,
        )
    ),
    arguments=2,
)


def _grants_and_teams(user: Any) -> tuple[list[int], list[int]]:
    """The cases the user was added to and the queues of the user's teams (one query),
    cached on the user object for the request as the roles are (``access._assignments``):
    a case page reads the visible cases three times."""
    if not user.pk:
        return [], []
    cached = getattr(user, "_portal_grants_and_teams", None)
    if cached is not None:
        return cached
    cases: list[int] = []
    queues: list[int] = []
    for pk, is_queue in _GRANTS_AND_TEAMS.rows(user.pk, user.pk):
        (queues if is_queue else cases).append(pk)
    user._portal_grants_and_teams = (cases, queues)
    return cases, queues


def case_visibility_q(user: Any) -> Q:
    """The one permission filter for cases: parties, team, or unit scope for open cases.

    The user's grants and teams are read first and enter the filter as plain values: every
    alternative is then a condition an index answers (requester, queue, primary key), so
    PostgreSQL combines them (BitmapOr) instead of testing a subquery on each of a year's
    cases (an employee's search took seconds that way).
    """
    if not _active(user):
        return Q(pk__in=[])
    if _is_system(user):
        return Q()
    granted, teams = _grants_and_teams(user)
    alternatives = []
    if granted:
        alternatives.append(Q(pk__in=granted))
    if teams:
        alternatives.append(Q(queue_id__in=teams))
    if user.person_id:
        alternatives += [Q(requester_id=user.person_id), Q(on_behalf_of_id=user.person_id)]
    scoped = _unit_scope_q(user, VIEW_CASE)
    if scoped is not None:
        alternatives.append(scoped & Q(confidential=False))
    if not alternatives:
        return Q(pk__in=[])
    q = alternatives[0]
    for alternative in alternatives[1:]:
        q |= alternative
    return q


def cases_visible(*, user: Any) -> QuerySet[Case]:
    if not _active(user):
        return Case.objects.none()
    # Built once per request and copied after (a case page asks three times; building the
    # filter cost ~0.6 ms, copying it 0.02 ms). Kept with what it was built from: the user's
    # person, flags and the request's cached roles, root units, grants and teams; when any
    # of them is read again (access.forget_cached_roles) the filter is built again.
    if _is_system(user):  # no row, nothing cached on it (a frozen object)
        return Case.objects.filter(case_visibility_q(user))
    basis = _visibility_basis(user)
    cached = getattr(user, "_portal_visible", None)
    if cached is not None and _same(cached[0], basis):
        return cached[1].all()
    visible = Case.objects.filter(case_visibility_q(user))
    user._portal_visible = (_visibility_basis(user), visible)
    return visible.all()


def _visibility_basis(user: Any) -> tuple[Any, ...]:
    return (
        user.pk,
        getattr(user, "person_id", None),
        user.is_active,
        getattr(user, "is_superuser", False),
        getattr(user, "_ks_role_cache", None),
        getattr(user, "_ks_root_paths", None),
        getattr(user, "_portal_grants_and_teams", None),
    )


def _same(first: tuple[Any, ...], second: tuple[Any, ...]) -> bool:
    """Equal ids and flags, and the very same cached objects (not merely equal ones)."""
    return first[:4] == second[:4] and all(
        a is b for a, b in zip(first[4:], second[4:], strict=True)
    )


def case_get(*, user: Any, number: str) -> Case:
    """The case by number, or 404 when missing or not visible. A merged case's number
    resolves to the case it was merged into (if that one is visible)."""
    # Four joins, no ordering: with the assignee and the merged-into case joined too,
    # PostgreSQL spent 8-10 ms planning the query (0.3 ms executing it) on every case page;
    # those two load on access (only when set: rarely).
    case = (
        cases_visible(user=user)
        .select_related("service", "queue", "requester", "unit")
        .filter(number=number)
        .order_by()[:1]
    )
    found = list(case)
    if not found:
        raise Http404
    return found[0]


def case_find(*, user: Any, number: str) -> Case | None:
    """The visible case with this number, or ``None`` (missing and invisible alike)."""
    number = (number or "").strip().upper()
    if not rules.find_case_number(number):
        return None
    return cases_visible(user=user).select_related("queue", "unit").filter(number=number).first()


_LINKS = PreparedValues(
    lambda source, target: (
        CaseLink.objects.filter(Q(source_id=source) | Q(target_id=target))
        .values_list("source_id", "target_id")
        .order_by()
    ),
    arguments=2,
)


def related_cases(*, user: Any, case: Case) -> dict[str, list[Case]]:
    """The case's parent, children, linked and merged-in cases that the user may see."""
    visible = cases_visible(user=user).only(
        "pk", "number", "title", "state", "parent_id", "merged_into_id"
    )
    # The linked cases' ids first (indexed on both ends), then those of them the user sees:
    # joining the links into the case query made PostgreSQL scan every case.
    linked = {
        target if source == case.pk else source for source, target in _LINKS.rows(case.pk, case.pk)
    }
    # One query for all four lists (each alternative indexed), sorted into them here.
    condition = Q(parent_id=case.pk) | Q(merged_into_id=case.pk)
    if case.parent_id:
        condition |= Q(pk=case.parent_id)
    if linked:
        condition |= Q(pk__in=linked)
    related = list(visible.filter(condition).order_by("number"))
    return {
        "parent": [c for c in related if c.pk == case.parent_id],
        "children": [c for c in related if c.parent_id == case.pk],
        "links": [c for c in related if c.pk in linked],
        "merged": [c for c in related if c.merged_into_id == case.pk],
    }


def can_work(user: Any, case: Case) -> bool:
    """May the user handle the case (note, reply as KS, change state, assign)?"""
    if _is_system(user):
        return True
    if not _active(user) or not user.pk:
        return False
    if case.queue_id in _grants_and_teams(user)[1]:  # the team (read once per request)
        return True
    if case.confidential:
        return False
    return access.holds_on_path(user, WORK_CASE, case.unit.path)


def is_party(user: Any, case: Case) -> bool:
    person_id = getattr(user, "person_id", None)
    return bool(person_id) and person_id in (case.requester_id, case.on_behalf_of_id)


def my_cases(*, user: Any) -> QuerySet[Case]:
    """The user's own cases (requester or on behalf of), with the columns the list shows."""
    if getattr(user, "person_id", None):
        qs = cases_visible(user=user).filter(
            Q(requester_id=user.person_id) | Q(on_behalf_of_id=user.person_id)
        )
    else:  # no person, no cases; the same columns (the list reads them as values)
        qs = Case.objects.none()
    return _with_resolution_sla(
        qs.select_related("service").only("number", "title", "state", "created_at", "service__name")
    )


def _with_resolution_sla(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate ``sla_deadline`` and ``sla_status`` of each case's resolution timer (read
    for the listed page only; no timer objects are built)."""
    resolution = SlaTimer.objects.filter(case=OuterRef("pk"), kind="resolution")
    return qs.annotate(
        sla_deadline=resolution.values("deadline_at")[:1],
        sla_status=resolution.values("status")[:1],
    )


def queues_for(*, user: Any, counted: bool = True) -> QuerySet[Queue]:
    """The queues whose lists the user may open: their teams, or all open queues with the
    work permission municipality-wide; restricted queues only for their own team.
    ``counted``: annotate ``open_count`` (the overview shows it; a queue's page need not)."""
    if _is_system(user):
        return Queue.objects.all()
    if not _active(user) or not user.pk:
        return Queue.objects.none()
    team = Q(pk__in=_grants_and_teams(user)[1])  # the user's teams, read once per request
    if access.has_permission_anywhere(user, WORK_CASE):
        team |= Q(restricted=False)
    # A correlated count answered from index portal_case_queue (queue, state, ...), not a join
    # of every case of the queue: with a year of cases that join cost ~250 ms per queue page.
    open_cases = (
        Case.objects.filter(
            queue=OuterRef("pk"), state__in=["new", "in_progress", "awaiting_requester"]
        )
        .order_by()
        .values("queue")
        .annotate(n=Count("pk"))
        .values("n")
    )
    queues = Queue.objects.filter(team)
    if counted:
        queues = queues.annotate(open_count=Coalesce(Subquery(open_cases), 0))
    return queues.order_by("pk")  # as before, when the GROUP BY of the join dropped ordering


def _is_team_member(user: Any, queue: Queue) -> bool:
    if not _active(user) or not user.pk:
        return False
    return queue.pk in _grants_and_teams(user)[1]


def queue_get(*, user: Any, code: str, counted: bool = True) -> Queue:
    queue = queues_for(user=user, counted=counted).filter(code=code).first()
    if queue is None:
        raise Http404
    return queue


def queue_cases(
    *, user: Any, queue: Queue, filters: dict[str, Any] | None = None
) -> QuerySet[Case]:
    filters = filters or {}
    if _is_team_member(user, queue):
        # The team sees every case of its queue (the team clause of case_visibility_q), so
        # the queue alone is the filter: counting a year's cases of a big queue through the
        # whole visibility filter read every row (~40 ms); by the queue it is an index scan.
        qs = Case.objects.filter(queue=queue)
    else:
        qs = cases_visible(user=user).filter(queue=queue)
    state = filters.get("state") or "open"
    if state == "open":
        qs = qs.filter(state__in=["new", "in_progress", "awaiting_requester"])
    elif state != "all":
        qs = qs.filter(state=state)
    if filters.get("assignee") == "me":
        qs = qs.filter(assignee_id=user.pk)
    elif filters.get("assignee") == "none":
        qs = qs.filter(assignee__isnull=True)
    if filters.get("priority"):
        qs = qs.filter(priority=filters["priority"])
    # The listed columns only, and the related names as subqueries in the select list, which
    # PostgreSQL evaluates for the page's rows only (after the sort and limit): joined, it
    # joined every open case of the queue to the persons (a hash of 45,000 people) before
    # sorting by SLA deadline, ~3/4 of the query's time; prefetched, three more queries and
    # Django's prefetch machinery cost more Python than the page's rows.
    person = Person.objects.filter(pk=OuterRef("requester_id"))
    qs = qs.only("number", "title", "priority", "state", "created_at").annotate(
        service_name=Subquery(Service.objects.filter(pk=OuterRef("service_id")).values("name")),
        requester_name=Subquery(
            person.annotate(name=Trim(Concat("first_name", Value(" "), "last_name"))).values("name")
        ),
        assignee_name=Subquery(
            User.objects.filter(pk=OuterRef("assignee_id"))
            .annotate(name=_full_name_or_username())
            .values("name")
        ),
    )
    return _with_resolution_sla(qs).order_by("created_at")


def _full_name_or_username() -> Any:
    """SQL: the user's "first last" name, or the username when the user has no name."""
    name = Trim(Concat("first_name", Value(" "), "last_name"))
    return Coalesce(NullIf(name, Value("")), "username")


SEARCH_CONFIG = "danish"
"""PostgreSQL's text-search configuration: Danish Snowball stemming and stop words."""


def full_text_search() -> bool:
    """Whether searches use PostgreSQL full-text search (GIN indexes, migration 0002)."""
    return connections[router.db_for_read(Case)].vendor == "postgresql"


def case_search_vector() -> Any:
    """The indexed document of a case: the stored column ``search_document`` (title and
    description, Danish configuration; PostgreSQL only, migration 0005) under GIN index
    ``portal_case_fts``. For top-level case queries (the table is not aliased)."""
    from django.contrib.postgres.search import SearchVectorField

    return RawSQL('"portal_case"."search_document"', [], output_field=SearchVectorField())


def article_search_vector() -> Any:
    """The indexed document of an article, the title weighing more than the text."""
    from django.contrib.postgres.search import SearchVector

    return SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "body", weight="B", config=SEARCH_CONFIG
    )


def case_search(*, user: Any, text: str) -> QuerySet[Case]:
    """Cases matching every word (number, title, description), within visibility.

    On PostgreSQL: full-text search with the Danish configuration over the GIN index
    (``websearch`` syntax: ``"exact phrase"``, ``or``, ``-word``); elsewhere every light stem
    must occur in the title or description.
    """
    qs = cases_visible(user=user)
    number = rules.find_case_number(text.upper())
    if number:
        return qs.filter(number=number)
    if not rules.search_terms(text):
        return qs.select_related("service", "queue")
    if full_text_search():
        from django.contrib.postgres.search import SearchQuery

        query = SearchQuery(text[:200], config=SEARCH_CONFIG, search_type="websearch")
        qs = qs.annotate(document=case_search_vector()).filter(document=query)
        return qs.select_related("service", "queue")
    for term in rules.search_terms(text)[:6]:
        qs = qs.filter(Q(title__icontains=term) | Q(description__icontains=term))
    return qs.select_related("service", "queue")


RECENT_SEARCH_DAYS = 14
"""The search page looks for the newest matches among this many days' cases first."""


def case_search_newest(*, user: Any, text: str, limit: int = 50) -> list[Case]:
    """The newest ``limit`` cases of :func:`case_search`, as the search page lists them.

    On PostgreSQL in two bounded steps instead of one query whose plan depends on a guess:
    ordered by date with a LIMIT, the planner walks the date index backwards and tests each
    case, which is quick for a common word but reads the whole year when the matches are
    few or invisible to the user (seconds). So: first the last ``RECENT_SEARCH_DAYS`` days
    (a common word fills the page here at once); when they hold fewer than ``limit``
    matches, the older ones come from the GIN index (all matches, then the newest of them),
    which costs in proportion to how common the words are.
    """
    # The page shows number, title and state: no joins, no long descriptions read.
    qs = (
        case_search(user=user, text=text)
        .select_related(None)
        .only("number", "title", "state", "created_at")
    )
    if not full_text_search() or not rules.search_terms(text):
        return list(qs[:limit])
    if rules.find_case_number(text.upper()):
        return list(qs[:limit])
    since = timezone.now() - dt.timedelta(days=RECENT_SEARCH_DAYS)
    found = list(qs.filter(created_at__gte=since)[:limit])
    if len(found) < limit:
        # An expression, not the column: the date index cannot serve this order, so the
        # matches come from the GIN index.
        older_first = ExpressionWrapper(
            F("created_at") + dt.timedelta(0), output_field=DateTimeField()
        )
        older = qs.filter(created_at__lt=since).order_by(older_first.desc(), "-pk")
        found += list(older[: limit - len(found)])
    return found


def case_timeline(*, user: Any, case: Case, worker: bool | None = None) -> list[CaseEntry]:
    """The timeline; internal notes only for those who may work the case (``worker``: the
    caller's :func:`can_work`, when already known)."""
    qs = case.entries.select_related("author")
    if not (can_work(user, case) if worker is None else worker):
        qs = qs.exclude(kind=CaseEntry.Kind.NOTE)
    return list(qs)


def case_sla(
    *, case: Case, now: dt.datetime | None = None, config: portal_config.Config | None = None
) -> list[dict[str, Any]]:
    """Each timer's live state for display (countdown, percent, status)."""
    now = now or timezone.now()
    # The calendar as kept per process (one stamp query), not read and built per page.
    spec = (config or portal_config.current()).calendar(case.queue.calendar_name)
    result = []
    for timer in case.timers.all():
        state = rules.timer_state(
            spec,
            started_at=timer.started_at,
            target=timer.target_seconds,
            pauses=pauses_of(timer.pauses),
            stopped_at=timer.stopped_at,
            now=now,
        )
        result.append({"timer": timer, "state": state})
    return result


def pauses_of(data: list[list[str | None]]) -> list[rules.Pause]:
    return [
        (dt.datetime.fromisoformat(str(a)), dt.datetime.fromisoformat(b) if b else None)
        for a, b in data
    ]


def requester_context(*, user: Any, case: Case) -> dict[str, Any]:
    """The requester's employments and other open cases (for those who may work the case)."""
    # Only the columns the case page shows: every column of the employment, its unit, the
    # cases and their services cost more Python to compile and build than the query itself.
    employments = (
        Employment.objects.filter(person_id=case.requester_id)
        .select_related("unit")
        .only("position_title", "employee_number", "start_date", "end_date", "unit__name")
        .order_by("-start_date")
    )
    others = (
        cases_visible(user=user)
        .filter(
            requester_id=case.requester_id, state__in=["new", "in_progress", "awaiting_requester"]
        )
        .exclude(pk=case.pk)
        .only("number", "title")[:10]
    )
    return {"employments": list(employments), "other_cases": list(others)}


# --- Catalogue -----------------------------------------------------------------------------


def is_manager(user: Any) -> bool:
    if not getattr(user, "person_id", None):
        return False
    today = timezone.localdate()
    return Employment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today),
        person_id=user.person_id,
        is_manager=True,
    ).exists()


def _current_unit_paths(user: Any) -> list[str]:
    """The paths of the units the user is employed in today."""
    if not getattr(user, "person_id", None):
        return []
    today = timezone.localdate()
    return list(
        Employment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today),
            person_id=user.person_id,
            start_date__lte=today,
        ).values_list("unit__path", flat=True)
    )


def requester_paths(service: Service) -> tuple[str, ...]:
    """The unit paths a service is limited to (empty: none), from the per-process catalogue
    when the service came from it, else read."""
    paths = getattr(service, "_requester_paths", None)
    if paths is None:
        paths = tuple(service.requester_units.values_list("path", flat=True))
    return paths


def services_for(*, user: Any) -> QuerySet[Service]:
    """The active services the user may request: the audience (all employees or managers)
    and, where a service is limited to units, an employment in one of them or below."""
    qs = Service.objects.filter(is_active=True).select_related("area")
    if _is_system(user):
        return qs
    if not is_manager(user):
        qs = qs.filter(audience=Service.Audience.ALL)
    through = Service.requester_units.through
    ancestors = {
        int(part) for path in _current_unit_paths(user) for part in path.strip("/").split("/")
    }
    limited = Exists(through.objects.filter(service_id=OuterRef("pk")))
    allowed = Exists(through.objects.filter(service_id=OuterRef("pk"), orgunit_id__in=ancestors))
    return qs.filter(~limited | allowed)


def catalogue(*, user: Any) -> list[tuple[ServiceArea, list[Service]]]:
    grouped: dict[int, tuple[ServiceArea, list[Service]]] = {}
    for service in services_for(user=user):
        grouped.setdefault(service.area_id, (service.area, []))[1].append(service)
    return sorted(grouped.values(), key=lambda pair: (pair[0].position, pair[0].name))


def may_request(user: Any, service: Service) -> bool:
    """Whether ``service`` is in ``services_for(user=user)``, without reading the catalogue:
    an active service for all employees needs no query, one for managers or limited to
    units one each."""
    if not service.is_active:
        return False
    if _is_system(user):
        return True
    if service.audience != Service.Audience.ALL and not is_manager(user):
        return False
    limits = requester_paths(service)
    if not limits:
        return True
    return any(path.startswith(limit) for path in _current_unit_paths(user) for limit in limits)


def service_get(*, user: Any, code: str, config: portal_config.Config | None = None) -> Service:
    """The service with its area, from the per-process catalogue (:mod:`.config`);
    ``config``: the configuration the caller has just read (no second freshness check)."""
    service = (config or portal_config.current()).service(code)
    if service is None or not may_request(user, service):
        raise Http404
    return service


def current_form(
    service: Service, config: portal_config.Config | None = None
) -> ServiceForm | None:
    """The service's form at its highest version, from the per-process catalogue."""
    return (config or portal_config.current()).form(service.pk)


def prefill(*, user: Any, fields: list[dict[str, Any]]) -> dict[str, Any]:
    """Initial answers taken from the requester's current employment."""
    if not getattr(user, "person_id", None):
        return {}
    employment = (
        Employment.objects.filter(person_id=user.person_id)
        .select_related("unit", "person")
        .order_by("-start_date")
        .first()
    )
    if employment is None:
        return {}
    sources = {
        "employee_number": employment.employee_number,
        "position_title": employment.position_title,
        "unit": employment.unit.name,
        "weekly_hours": str(employment.weekly_hours),
        "full_name": employment.person.full_name,
        "email": employment.person.email,
    }
    return {f["name"]: sources[f["prefill"]] for f in fields if f.get("prefill") in sources}


# --- Knowledge base ------------------------------------------------------------------------


def article_search(*, text: str, limit: int = 5) -> list[Article]:
    """Published articles matching any of the query's words, best first.

    On PostgreSQL ranked by full-text relevance (Danish stemming, the title weighing more);
    elsewhere by how many of the query's light stems occur in the article.
    """
    terms = rules.search_terms(text)[:8]
    if not terms:
        return []
    qs = Article.objects.filter(is_published=True)
    if full_text_search():
        from django.contrib.postgres.search import SearchQuery, SearchRank

        words = re.findall(r"\w+", text.lower())[:12]
        query = SearchQuery(words[0], config=SEARCH_CONFIG)
        for word in words[1:]:
            query |= SearchQuery(word, config=SEARCH_CONFIG)
        vector = article_search_vector()
        return list(
            qs.annotate(document=vector, rank=SearchRank(vector, query))
            .filter(document=query)
            .order_by("-rank", "title")[:limit]
        )
    condition = Q()
    for term in terms:
        condition |= Q(search_text__contains=term)
    candidates = list(qs.filter(condition)[:200])
    scored = sorted(
        candidates,
        key=lambda a: (-sum(term in a.search_text for term in terms), a.title),
    )
    return scored[:limit]


def article_get(*, slug: str) -> Article:
    article = Article.objects.filter(slug=slug, is_published=True).first()
    if article is None:
        raise Http404
    return article


# --- Reports -------------------------------------------------------------------------------


def report(
    *, user: Any, since: dt.date | None = None, until: dt.date | None = None
) -> dict[str, Any]:
    """Key figures over the visible cases created from ``since`` (default: a year ago) to
    ``until`` (default: today): per service and week, SLA compliance, backlog age (of those
    still open), satisfaction and deflection."""
    if not access.has_permission_anywhere(user, VIEW_REPORTS):
        raise access.AccessDenied(_("You do not have access to do this."))
    until = until or timezone.localdate()
    since = since or until - dt.timedelta(days=365)
    qs = cases_visible(user=user).filter(created_at__date__gte=since, created_at__date__lte=until)
    per_service = list(
        qs.values("service__name")
        .annotate(created=Count("pk"), resolved=Count("pk", filter=Q(resolved_at__isnull=False)))
        .order_by("-created")[:20]
    )
    per_administration: dict[str, int] = {}
    for path, count in qs.values_list("unit__path").annotate(n=Count("pk")):
        parts = path.strip("/").split("/")
        key = "/".join(parts[:2])
        per_administration[key] = per_administration.get(key, 0) + count
    names = dict(
        OrgUnit.objects.filter(path__in=[f"/{key}/" for key in per_administration]).values_list(
            "path", "name"
        )
    )
    administrations: list[dict[str, Any]] = [
        {"name": names.get(f"/{key}/", key), "path": f"/{key}/", "created": count}
        for key, count in sorted(
            per_administration.items(), key=lambda item: (-item[1], names.get(f"/{item[0]}/", ""))
        )
    ]
    timers = SlaTimer.objects.filter(case__in=qs, kind="resolution")
    met = timers.filter(status="met").count()
    breached = timers.filter(status="breached").count()
    now = timezone.now()
    backlog = qs.filter(state__in=["new", "in_progress", "awaiting_requester"])
    ages = {"0-2": 0, "3-7": 0, "8-30": 0, "31+": 0}
    for created in backlog.values_list("created_at", flat=True).iterator():
        days = (now - created).days
        key = "0-2" if days <= 2 else "3-7" if days <= 7 else "8-30" if days <= 30 else "31+"
        ages[key] += 1
    deflections = Deflection.objects.filter(
        created_at__date__gte=since, created_at__date__lte=until
    )
    shown = deflections.count()
    deflected = deflections.filter(case__isnull=True).count()
    ratings = qs.filter(satisfaction__isnull=False).values_list("satisfaction", flat=True)
    rating_list = [int(r) for r in ratings if r is not None]
    return {
        "since": since,
        "until": until,
        "created": qs.count(),
        "per_service": per_service,
        "per_administration": per_administration,
        "administrations": administrations,
        "per_week": _per_week(qs, since, until),
        "per_service_week": _per_service_week(
            qs, [row["service__name"] for row in per_service], since, until
        ),
        "sla_met": met,
        "sla_breached": breached,
        "sla_compliance": round(100 * met / (met + breached), 1) if met + breached else None,
        "backlog_age": ages,
        "suggestions_shown": shown,
        "deflected": deflected,
        "satisfaction": round(sum(rating_list) / len(rating_list), 2) if rating_list else None,
    }


def _weeks(since: dt.date, until: dt.date) -> list[tuple[dt.date, str]]:
    """Every ISO week (its Monday and label ``2026-U05``) from ``since`` to ``until``."""
    week = since - dt.timedelta(days=since.weekday())
    last = until - dt.timedelta(days=until.weekday())
    weeks = []
    while week <= last:
        year, number, _day = week.isocalendar()
        weeks.append((week, f"{year}-U{number:02d}"))
        week += dt.timedelta(days=7)
    return weeks


def _monday(value: Any) -> dt.date:
    day = value.date() if isinstance(value, dt.datetime) else value
    return day - dt.timedelta(days=day.weekday())


def _per_service_week(
    qs: QuerySet[Case], services: list[str], since: dt.date, until: dt.date
) -> dict[str, Any]:
    """Cases created per ISO week for each of ``services`` (the report's top services, by
    name as in its per-service figures): every week listed, one count per service."""
    from django.db.models.functions import TruncWeek

    counts: dict[tuple[str, dt.date], int] = {}
    if services:
        grouped = (
            qs.filter(service__name__in=services)
            .annotate(week=TruncWeek("created_at"))
            .values_list("service__name", "week")
            .annotate(n=Count("pk"))
        )
        for name, week, n in grouped:
            if week is not None:
                key = (name, _monday(week))
                counts[key] = counts.get(key, 0) + n
    return {
        "services": services,
        "rows": [
            {"week": week, "label": label, "created": [counts.get((s, week), 0) for s in services]}
            for week, label in _weeks(since, until)
        ],
    }


def _per_week(qs: QuerySet[Case], since: dt.date, until: dt.date) -> list[dict[str, Any]]:
    """Cases created and resolved per ISO week (Monday) from ``since`` to ``until``, every
    week listed."""
    from django.db.models.functions import TruncWeek

    created = dict(
        qs.annotate(week=TruncWeek("created_at")).values_list("week").annotate(n=Count("pk"))
    )
    resolved = dict(
        qs.filter(resolved_at__isnull=False)
        .annotate(week=TruncWeek("resolved_at"))
        .values_list("week")
        .annotate(n=Count("pk"))
    )

    created_by = {_monday(k): v for k, v in created.items() if k is not None}
    resolved_by = {_monday(k): v for k, v in resolved.items() if k is not None}
    return [
        {
            "week": week,
            "label": label,
            "created": created_by.get(week, 0),
            "resolved": resolved_by.get(week, 0),
        }
        for week, label in _weeks(since, until)
    ]


def users_in_team(queue: Queue) -> QuerySet[User]:
    return User.objects.filter(portal_memberships__queue=queue, is_active=True)


# --- Serviceindgangen --------------------------------------------------------------------------


def caller_search(*, user: Any, text: str, limit: int = 10) -> list[dict[str, Any]]:
    """Callers by name, employee number or full CPR number (shown masked), for the desk."""
    from koncernservice.core.models import Person

    if not access.has_permission_anywhere(user, WORK_CASE):
        return []
    text = text.strip()
    digits = text.replace("-", "")
    qs = Person.objects.all()
    if len(digits) == 10 and digits.isdigit():
        qs = qs.filter(cpr=digits)
    elif text:
        for term in text.split()[:3]:
            qs = qs.filter(
                Q(first_name__icontains=term)
                | Q(last_name__icontains=term)
                | Q(employments__employee_number=term)
            )
    else:
        return []
    return [
        {"id": p.pk, "name": p.full_name, "cpr": p.masked_cpr}
        for p in qs.distinct().order_by("last_name", "first_name")[:limit]
    ]


def call_report(*, user: Any, since: dt.date | None = None) -> dict[str, Any]:
    """Calls per hour, wait and handle time, and first-contact resolution rate."""
    from django.db.models import Avg
    from django.db.models.functions import ExtractHour

    from koncernservice.portal.models import Call, TelephonyRecord

    if not access.has_permission_anywhere(user, VIEW_REPORTS):
        raise access.AccessDenied(_("You do not have access to do this."))
    since = since or timezone.localdate() - dt.timedelta(days=30)
    unknown = _("Unknown queue")  # records from a telephony queue no team answers
    records = TelephonyRecord.objects.filter(at__date__gte=since)
    averages = records.aggregate(wait=Avg("wait_seconds"), talk=Avg("talk_seconds"))
    # One grouping per team and hour; the hours of all teams are its sums.
    per_hour: dict[int, int] = {}
    per_team_hour: dict[str | None, dict[int, int]] = {}
    for team, hour, n in (
        records.annotate(hour=ExtractHour("at"))
        .values_list("team__name", "hour")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        per_team_hour.setdefault(team, {})[hour] = n
        per_hour[hour] = per_hour.get(hour, 0) + n
    hours = sorted(per_hour)
    calls = Call.objects.filter(created_at__date__gte=since)
    total = calls.count()
    resolved = calls.filter(outcome=Call.Outcome.RESOLVED).count()
    return {
        "since": since,
        "records": records.count(),
        "per_hour": per_hour,
        "phone_hours": hours,
        # Telephony calls per hour of the day per team, in the order of ``phone_hours``.
        "per_team_hour": [
            {"team": team or unknown, "counts": [counts.get(hour, 0) for hour in hours]}
            for team, counts in sorted(
                per_team_hour.items(), key=lambda item: (item[0] is None, item[0] or "")
            )
        ],
        "avg_wait_seconds": round(averages["wait"] or 0, 1),
        "avg_talk_seconds": round(averages["talk"] or 0, 1),
        "calls": total,
        "first_contact_resolution": round(100 * resolved / total, 1) if total else None,
        "avg_handle_seconds": round(calls.aggregate(a=Avg("duration_seconds"))["a"] or 0, 1),
        "per_team": _calls_per_team(calls),
        "per_team_phone": [
            {
                "team": row["team__name"] or unknown,
                "records": row["n"],
                "avg_wait_seconds": round(row["wait"] or 0, 1),
                "avg_talk_seconds": round(row["talk"] or 0, 1),
            }
            for row in records.values("team__name")
            .annotate(n=Count("pk"), wait=Avg("wait_seconds"), talk=Avg("talk_seconds"))
            .order_by(F("team__name").asc(nulls_last=True))  # "Ukendt kø" last
        ],
        "per_phone_queue": [
            {
                "queue": row["queue"],
                "team": row["team__name"] or unknown,
                "records": row["n"],
                "avg_wait_seconds": round(row["wait"] or 0, 1),
                "avg_talk_seconds": round(row["talk"] or 0, 1),
            }
            for row in records.values("queue", "team__name")
            .annotate(n=Count("pk"), wait=Avg("wait_seconds"), talk=Avg("talk_seconds"))
            .order_by("queue")
        ],
    }


def team_of(user: Any) -> Queue | None:
    """The user's team: the queue they are a member of (the first by name when several)."""
    if not getattr(user, "pk", None):
        return None
    return Queue.objects.filter(memberships__user_id=user.pk).order_by("name").first()


def _calls_per_team(calls: QuerySet[Any]) -> list[dict[str, Any]]:
    """Logged calls per team: the team that took the call; for calls logged without one,
    the team of the topic's default queue (no topic either: "–")."""
    from django.db.models import Avg

    from koncernservice.portal.models import Call

    rows = (
        calls.annotate(team_name=Coalesce("team__name", "service__default_queue__name"))
        .values("team_name")
        .annotate(
            n=Count("pk"),
            resolved=Count("pk", filter=Q(outcome=Call.Outcome.RESOLVED)),
            handle=Avg("duration_seconds"),
        )
        .order_by("team_name")
    )
    result = [
        {
            "team": row["team_name"] or "–",
            "calls": row["n"],
            "first_contact_resolution": round(100 * row["resolved"] / row["n"], 1),
            "avg_handle_seconds": round(row["handle"] or 0, 1),
        }
        for row in rows
    ]
    return sorted(result, key=lambda row: (row["team"] == "–", row["team"]))


def calls_visible(*, user: Any) -> QuerySet[Any]:
    """Logged calls: those the user took, and calls from units where the user may view cases."""
    from koncernservice.portal.models import Call

    qs = Call.objects.select_related("caller", "unit", "service", "taken_by", "team", "case")
    if _is_system(user):
        return qs
    if not _active(user) or not user.pk:
        return qs.none()
    condition = Q(taken_by_id=user.pk)
    paths = access.scope_paths(user, VIEW_CASE)
    if paths == ["/"] or (paths and access.covers_everything(user, paths)):
        return qs
    for path in paths:
        condition |= Q(unit__path__startswith=path)
    return qs.filter(condition)


def saved_views(*, user: Any, queue: Queue) -> QuerySet[Any]:
    """The user's own views of the queue and, for members of its team, the shared ones."""
    from koncernservice.portal.models import SavedView

    if not _active(user) or not user.pk:
        return SavedView.objects.none()
    member = _is_team_member(user, queue)
    condition = Q(user_id=user.pk) | Q(shared=True) if member else Q(user_id=user.pk)
    return SavedView.objects.filter(condition, queue=queue).order_by("-shared", "name")


def macros_for(*, case: Case) -> QuerySet[Any]:
    """Active canned replies for the case's queue (and those for every queue)."""
    from koncernservice.portal.models import Macro

    return Macro.objects.filter(Q(queue__isnull=True) | Q(queue_id=case.queue_id), is_active=True)


def articles_due_for_review(*, days: int = 30) -> list[Article]:
    """Published articles whose review date is within ``days`` days or past, soonest first."""
    limit = timezone.localdate() + dt.timedelta(days=days)
    return list(
        Article.objects.filter(is_published=True, review_date__lte=limit)
        .select_related("owner")
        .order_by("review_date", "slug")[:100]
    )


def worklist(user: Any) -> list[WorkItem]:
    """What waits for the user in the service portal (core.worklist): the user's own cases
    awaiting their answer; open cases assigned to the user, per queue; new cases nobody has
    taken in the user's teams' queues, per queue. Counts only: no title reaches the page."""
    if not _active(user) or not user.pk:
        return []
    items = []
    if getattr(user, "person_id", None):
        # the parties always see their cases (case_visibility_q): no need for the whole filter
        party = Q(requester_id=user.person_id) | Q(on_behalf_of_id=user.person_id)
        waiting = Case.objects.filter(party, state=Case.State.AWAITING_REQUESTER).count()
        mine = reverse("portal:my_cases")
        label = _("Your cases awaiting your answer")
        items.append(WorkItem(label, waiting, f"{mine}?state={Case.State.AWAITING_REQUESTER}"))
    queues = {q.pk: q for q in queues_for(user=user, counted=False).only("code", "name")}
    if not queues:
        return items
    open_states = [Case.State.NEW, Case.State.IN_PROGRESS]
    assigned = Case.objects.filter(assignee_id=user.pk, state__in=open_states)
    teams = [pk for pk in _grants_and_teams(user)[1] if pk in queues]
    untaken = Case.objects.filter(queue_id__in=teams, assignee__isnull=True, state=Case.State.NEW)
    for cases, label, query in (
        (assigned, _("Assigned to you in %(queue)s"), "assignee=me"),
        (untaken, _("New cases nobody has taken in %(queue)s"), "assignee=none&state=new"),
    ):
        counts = cases.filter(queue_id__in=list(queues)).values("queue_id").annotate(n=Count("pk"))
        for row in sorted(counts, key=lambda r: queues[r["queue_id"]].name):
            queue = queues[row["queue_id"]]
            url = reverse("portal:queue_detail", args=[queue.code])
            items.append(WorkItem(label % {"queue": queue.name}, row["n"], f"{url}?{query}"))
    return items


def case_answers(*, case: Case, config: portal_config.Config) -> list[tuple[str, str]]:
    """The form answers as (label, text) in the order of the form version the case was made
    with: dates as 01.03.2026, yes/no in words; an answer the form does not name keeps its
    key (e.g. from an older import); numbers with a decimal comma."""
    form = config.form_versions.get(case.form_id) if case.form_id else None
    fields = {spec["name"]: spec for spec in (form.fields if form else [])}
    answers = case.answers or {}
    rows = []
    for name in [*[n for n in fields if n in answers], *[n for n in answers if n not in fields]]:
        spec, value = fields.get(name, {}), answers[name]
        if spec.get("type") == "boolean":
            text = _("Yes") if value else _("No")
        elif spec.get("type") == "date" and isinstance(value, str):
            try:
                text = formats.date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
            except ValueError:
                text = value
        elif spec.get("type") == "number" and isinstance(value, str):
            try:  # stored as "1234.5": shown "1.234,5"
                text = formats.number_format(Decimal(value), force_grouping=True)
            except ArithmeticError:
                text = value
        else:
            text = str(value)
        rows.append((str(spec.get("label") or name), text))
    return rows
