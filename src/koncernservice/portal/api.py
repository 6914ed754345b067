"""API of the service portal: catalogue, cases, replies, attachments and calls; scoped like
the pages.

Every case read goes through ``selectors.cases_visible``; a case outside it is 404.
``POST /cases`` honours an ``Idempotency-Key`` header: the same key from the same user
returns the case created the first time instead of a second one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from koncernservice.core.errors import DomainError
from koncernservice.core.forms import RowId
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
    merged_into: str | None = None
    parent: str | None = None


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


def _case_out(case: Case, user: Any) -> dict[str, Any]:
    return _cases_out([case], user)[0]


def _cases_out(cases: list[Case], user: Any) -> list[dict[str, Any]]:
    """The API shape of ``cases``. The numbers of the cases they were merged into and of
    their parents are given only where the caller may see those cases (one query)."""
    related = {c.merged_into_id for c in cases} | {c.parent_id for c in cases}
    related.discard(None)
    numbers = (
        dict(selectors.cases_visible(user=user).filter(pk__in=related).values_list("pk", "number"))
        if related
        else {}
    )
    return [
        {
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
            "merged_into": numbers.get(case.merged_into_id),
            "parent": numbers.get(case.parent_id),
        }
        for case in cases
    ]


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
    return _LazyCases(qs, user)


class _LazyCases:
    """Paginate the queryset first, then shape only the page's rows."""

    def __init__(self, qs: Any, user: Any) -> None:
        self.qs = qs
        self.user = user

    def __len__(self) -> int:
        return self.qs.count()

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return _cases_out(list(self.qs[item]), self.user)


@router.get("/cases/{number}", response=CaseOut, summary="One case")
def get_case(request: HttpRequest, number: str) -> dict[str, Any]:
    case = selectors.case_get(user=request.auth, number=number.upper())  # type: ignore[attr-defined]
    return _case_out(case, request.auth)  # type: ignore[attr-defined]


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
    return Status(201, _case_out(case, user))


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


# --- Attachments -------------------------------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    created_at: dt.datetime
    uploaded_by: str | None


def _attachment_out(attachment: Any) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "created_at": attachment.created_at,
        "uploaded_by": attachment.uploaded_by.username if attachment.uploaded_by else None,
    }


@router.get(
    "/cases/{number}/attachments", response=list[AttachmentOut], summary="The case's attachments"
)
def list_attachments(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    case = selectors.case_get(user=request.auth, number=number.upper())  # type: ignore[attr-defined]
    return [_attachment_out(a) for a in case.attachments.select_related("uploaded_by")]


@router.post(
    "/cases/{number}/attachments",
    response={201: AttachmentOut},
    summary="Attach a file (multipart field 'file'; at most 10 MB; PDF, images, Office, text)",
)
def create_attachment(request: HttpRequest, number: str, file: File[UploadedFile]):  # type: ignore[no-untyped-def]
    user = request.auth  # type: ignore[attr-defined]
    case = selectors.case_get(user=user, number=number.upper())
    attachment = services.case_attach(actor=user, case=case, upload=file)
    return Status(201, _attachment_out(attachment))


@router.get(
    "/cases/{number}/attachments/{attachment_id}",
    summary="Download an attachment (through the case's visibility check)",
    response={200: None},
)
def download_attachment(request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
    case = selectors.case_get(user=request.auth, number=number.upper())  # type: ignore[attr-defined]
    attachment = case.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Calls (Serviceindgangen) ------------------------------------------------------------------


class CallOut(Schema):
    id: int
    created_at: dt.datetime
    caller: str | None
    unit: str | None
    service: str | None
    outcome: str
    duration_seconds: int
    taken_by: str | None
    team: str | None = None
    case: str | None


class CallIn(Schema):
    caller_employee_number: str = ""
    service: str = ""
    outcome: str
    duration_seconds: int = 0
    title: str = ""
    note: str = ""
    case: str = ""
    team: str = ""


def _call_out(call: Any, visible_cases: set[int]) -> dict[str, Any]:
    return {
        "id": call.pk,
        "created_at": call.created_at,
        "caller": call.caller.full_name if call.caller else None,
        "unit": call.unit.name if call.unit else None,
        "service": call.service.code if call.service else None,
        "outcome": call.outcome,
        "duration_seconds": call.duration_seconds,
        "taken_by": call.taken_by.username if call.taken_by else None,
        "team": call.team.code if call.team_id and call.team else None,
        # A case the caller of the API cannot see is not named.
        "case": call.case.number if call.case_id in visible_cases else None,
    }


class _LazyCalls:
    def __init__(self, qs: Any, user: Any) -> None:
        self.qs = qs
        self.user = user

    def __len__(self) -> int:
        return self.qs.count()

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        calls = list(self.qs[item])
        ids = {c.case_id for c in calls if c.case_id}
        visible = set(
            selectors.cases_visible(user=self.user).filter(pk__in=ids).values_list("pk", flat=True)
        )
        return [_call_out(call, visible) for call in calls]


@router.get("/calls", response=list[CallOut], summary="Logged calls visible to the caller")
@paginate(LimitOffsetPagination)
def list_calls(request: HttpRequest, outcome: str = ""):  # type: ignore[no-untyped-def]
    user = request.auth  # type: ignore[attr-defined]
    qs = selectors.calls_visible(user=user).order_by("-created_at", "-pk")
    if outcome:
        qs = qs.filter(outcome=outcome)
    return _LazyCalls(qs, user)


@router.post(
    "/calls", response={201: CallOut}, summary="Log a call (optionally create or link a case)"
)
def create_call(request: HttpRequest, payload: CallIn):  # type: ignore[no-untyped-def]
    from koncernservice.core.models import Employment
    from koncernservice.portal.models import Service

    user = request.auth  # type: ignore[attr-defined]
    caller = None
    if payload.caller_employee_number:
        employment = (
            Employment.objects.filter(employee_number=payload.caller_employee_number)
            .select_related("person")
            .first()
        )
        caller = employment.person if employment else None
        if caller is None:
            raise DomainError.single(
                _("No employee with that employee number."),
                field="caller_employee_number",
                code="unknown_caller",
            )
    existing = None
    if payload.case:
        existing = selectors.case_find(user=user, number=payload.case)
        if existing is None:
            raise DomainError.single(
                _("No case with that number that you can see."), field="case", code="unknown_case"
            )
    service = None
    if payload.service:
        service = Service.objects.filter(code=payload.service, is_active=True).first()
        if service is None:
            raise DomainError.single(_("Unknown service."), field="service", code="unknown")
    call = services.call_log(
        actor=user,
        caller=caller,
        service=service,
        outcome=payload.outcome,
        duration_seconds=payload.duration_seconds,
        title=payload.title,
        note=payload.note,
        existing_case=existing,
        team=services.call_team(payload.team),
    )
    visible = {call.case_id} if call.case_id else set()
    return Status(201, _call_out(call, visible))


# --- Related cases -------------------------------------------------------------------------------


class OtherCaseIn(Schema):
    case: str


class ParentIn(Schema):
    parent: str | None = None


class SplitIn(Schema):
    title: str
    description: str = ""
    entries: list[RowId] = []
    attachments: list[RowId] = []


def _other(user: Any, number: str, field: str) -> Case:
    other = selectors.case_find(user=user, number=number)
    if other is None:
        raise DomainError.single(
            _("No case with that number that you can see."), field=field, code="unknown_case"
        )
    return other


@router.post("/cases/{number}/links", response={201: CaseOut}, summary="Link another case")
def link_case(request: HttpRequest, number: str, payload: OtherCaseIn):  # type: ignore[no-untyped-def]
    user = request.auth  # type: ignore[attr-defined]
    case = selectors.case_get(user=user, number=number.upper())
    services.case_link(actor=user, case=case, other=_other(user, payload.case, "case"))
    return Status(201, _case_out(case, user))


@router.post(
    "/cases/{number}/merge",
    response=CaseOut,
    summary="Merge this case into another (same requester); returns the case merged into",
)
def merge_case(request: HttpRequest, number: str, payload: OtherCaseIn) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    case = selectors.case_get(user=user, number=number.upper())
    into = services.case_merge(actor=user, case=case, into=_other(user, payload.case, "case"))
    return _case_out(into, user)


@router.put("/cases/{number}/parent", response=CaseOut, summary="Set or clear the parent case")
def set_parent(request: HttpRequest, number: str, payload: ParentIn) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    case = selectors.case_get(user=user, number=number.upper())
    parent = _other(user, payload.parent, "parent") if payload.parent else None
    return _case_out(services.case_set_parent(actor=user, case=case, parent=parent), user)


@router.post(
    "/cases/{number}/split", response={201: CaseOut}, summary="Split a new case off this one"
)
def split_case(request: HttpRequest, number: str, payload: SplitIn):  # type: ignore[no-untyped-def]
    user = request.auth  # type: ignore[attr-defined]
    case = selectors.case_get(user=user, number=number.upper())
    new = services.case_split(
        actor=user,
        case=case,
        title=payload.title,
        description=payload.description,
        entries=payload.entries,
        attachments=payload.attachments,
    )
    return Status(201, _case_out(new, user))
