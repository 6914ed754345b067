"""API of the service portal: catalogue, cases and replies; scoped like the pages.

Every case read goes through ``selectors.cases_visible``; a case outside it is 404.
``POST /cases`` honours an ``Idempotency-Key`` header: the same key from the same user
returns the case created the first time instead of a second one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from koncernservice.portal import selectors, services
from koncernservice.portal.models import Case

router = Router(tags=["portal"])


class ServiceOut(Schema):
    code: str
    name: str
    area: str
    audience: str
    confidential: bool
    first_response_hours: float
    resolution_hours: float
    fields: list[dict[str, Any]]


class TimerOut(Schema):
    kind: str
    status: str
    deadline: dt.datetime | None
    target_seconds: int


class CaseOut(Schema):
    number: str
    title: str
    description: str
    service: str
    state: str
    priority: str
    queue: str
    answers: dict[str, Any]
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    timers: list[TimerOut]


class CaseIn(Schema):
    service: str
    title: str
    description: str = ""
    answers: dict[str, Any] = {}
    priority: str = "normal"


class ReplyIn(Schema):
    body: str
    internal: bool = False


class EntryOut(Schema):
    kind: str
    body: str
    event: str
    created_at: dt.datetime
    author: str | None


def _case_out(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "title": case.title,
        "description": case.description,
        "service": case.service.code,
        "state": case.state,
        "priority": case.priority,
        "queue": case.queue.code,
        "answers": case.answers,
        "created_at": case.created_at,
        "resolved_at": case.resolved_at,
        "timers": [
            {
                "kind": t.kind,
                "status": t.status,
                "deadline": t.deadline_at,
                "target_seconds": t.target_seconds,
            }
            for t in case.timers.all()
        ],
    }


def _entry_out(entry: Any) -> dict[str, Any]:
    return {
        "kind": entry.kind,
        "body": entry.body,
        "event": entry.event,
        "created_at": entry.created_at,
        "author": entry.author.username if entry.author else None,
    }


@router.get("/services", response=list[ServiceOut], summary="The service catalogue")
def list_services(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.auth  # type: ignore[attr-defined]
    result = []
    for area, items in selectors.catalogue(user=user):
        for service in items:
            form = selectors.current_form(service)
            result.append(
                {
                    "code": service.code,
                    "name": service.name,
                    "area": area.name,
                    "audience": service.audience,
                    "confidential": service.confidential,
                    "first_response_hours": float(service.first_response_hours),
                    "resolution_hours": float(service.resolution_hours),
                    "fields": form.fields if form else [],
                }
            )
    return result


@router.get("/cases", response=list[CaseOut], summary="Cases visible to the caller")
@paginate(LimitOffsetPagination)
def list_cases(request: HttpRequest, q: str = "", mine: bool = False, queue: str = ""):  # type: ignore[no-untyped-def]
    user = request.auth  # type: ignore[attr-defined]
    qs = selectors.case_search(user=user, text=q) if q else selectors.cases_visible(user=user)
    if mine:
        qs = qs.filter(requester_id=getattr(user, "person_id", None))
    if queue:
        qs = qs.filter(queue__code=queue)
    qs = qs.select_related("service", "queue").prefetch_related("timers").order_by("-created_at")
    return _LazyCases(qs)


class _LazyCases:
    """Paginate the queryset first, then shape only the page's rows."""

    def __init__(self, qs: Any) -> None:
        self.qs = qs

    def __len__(self) -> int:
        return self.qs.count()

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [_case_out(case) for case in self.qs[item]]


@router.get("/cases/{number}", response=CaseOut, summary="One case")
def get_case(request: HttpRequest, number: str) -> dict[str, Any]:
    case = selectors.case_get(user=request.auth, number=number.upper())  # type: ignore[attr-defined]
    return _case_out(case)


@router.post("/cases", response={201: CaseOut}, summary="Create a case (Idempotency-Key)")
def create_case(request: HttpRequest, payload: CaseIn):  # type: ignore[no-untyped-def]
    user = request.auth  # type: ignore[attr-defined]
    service = selectors.service_get(user=user, code=payload.service)
    case = services.case_create(
        actor=user,
        service=service,
        title=payload.title,
        description=payload.description,
        answers=payload.answers,
        priority=payload.priority,
        idempotency_key=request.headers.get("Idempotency-Key", "")[:100],
    )
    return Status(201, _case_out(case))


@router.get("/cases/{number}/entries", response=list[EntryOut], summary="The case's timeline")
def list_entries(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    user = request.auth  # type: ignore[attr-defined]
    case = selectors.case_get(user=user, number=number.upper())
    return [_entry_out(e) for e in selectors.case_timeline(user=user, case=case)]


@router.post("/cases/{number}/entries", response={201: EntryOut}, summary="Reply or note")
def create_entry(request: HttpRequest, number: str, payload: ReplyIn):  # type: ignore[no-untyped-def]
    user = request.auth  # type: ignore[attr-defined]
    case = selectors.case_get(user=user, number=number.upper())
    entry = services.case_reply(actor=user, case=case, body=payload.body, internal=payload.internal)
    return Status(201, _entry_out(entry))
