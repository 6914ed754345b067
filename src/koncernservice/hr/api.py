"""HR API: agreements and pay tables, placement (compute; an employment's pay), annual pay,
requisitions, postings, applications (stages, extraction, confirmed placement, hire).

Scoped like the pages: pay within ``hr.view_pay`` (one's own always), recruitment within
``hr.recruit``; outside the scope is 404. The public careers feed is on the pages
(``/hr/karriere/feed.json``), not here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from koncernservice.core import selectors as core_selectors
from koncernservice.core.errors import DomainError
from koncernservice.hr import selectors, services
from koncernservice.hr.models import Agreement, Application, JobCategory, JobPosting, Requisition

router = Router(tags=["hr"])


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


# --- Schemas ------------------------------------------------------------------------------------


class VersionOut(Schema):
    id: int
    version: str
    valid_from: dt.date
    weekly_hours: Decimal
    regulation_percent: Decimal
    part_time: str
    irrelevant_share: Decimal
    min_weekly_hours: Decimal
    categories: list[dict[str, Any]]


class AgreementOut(Schema):
    code: str
    name: str
    parties: str
    is_synthetic: bool
    versions: list[VersionOut]


class PayStepOut(Schema):
    step: int
    area_group: str
    annual_amount: Decimal
    monthly: Decimal


class PeriodIn(Schema):
    employer: str
    title: str = ""
    start: str
    end: str
    weekly_hours: Decimal = Decimal(37)
    relevant: bool = True


class OverrideIn(Schema):
    value: str
    reason: str


class PlacementIn(Schema):
    agreement: str
    job_category: str
    start_date: dt.date | None = None
    weekly_hours: Decimal | None = None
    area_group: str = "1"
    education: list[str] = []
    periods: list[PeriodIn] = []
    overrides: dict[str, OverrideIn] = {}


class LineOut(Schema):
    code: str
    label: str
    value: str
    rule: str
    inputs: str
    monthly: Decimal | None
    overridden: bool
    reason: str


class PlacementOut(Schema):
    agreement: str
    version: str
    job_category: str
    seniority_days: int
    seniority_years: int
    pay_step: int
    pension_percent: Decimal
    monthly_full_time: Decimal
    monthly: Decimal
    hourly: Decimal
    pension_monthly: Decimal
    lines: list[LineOut]


class PayOut(Schema):
    employment_id: int
    agreement: str | None
    job_category: str | None
    pay_step: int | None
    allowances: list[dict[str, Any]]
    monthly: Decimal | None
    hourly: Decimal | None
    history: list[dict[str, Any]]


class AnnualPayOut(Schema):
    employment_id: int
    basic: Decimal
    complementary: Decimal
    hours: Decimal
    agreement: str
    job_category: str
    pay_step: int | None


class RequisitionIn(Schema):
    unit_id: int
    title: str
    agreement: str
    job_category: str
    weekly_hours: Decimal
    annual_budget: Decimal
    justification: str = ""


class RequisitionOut(Schema):
    id: int
    unit_id: int
    title: str
    agreement: str
    job_category: str
    weekly_hours: Decimal
    annual_budget: Decimal
    state: str


class DecisionIn(Schema):
    approve: bool
    note: str = ""


class PostingIn(Schema):
    requisition_id: int
    title: str
    description: str
    pay_min: Decimal
    pay_max: Decimal
    deadline: dt.date
    publish: bool = False


class PostingOut(Schema):
    id: int
    public_key: str
    title: str
    unit: str
    agreement: str
    agreement_name: str
    job_category: str
    weekly_hours: Decimal
    pay_min: Decimal
    pay_max: Decimal
    deadline: dt.date
    state: str
    title_warnings: list[str]


class ApplicationOut(Schema):
    id: int
    posting_id: int
    first_name: str
    last_name: str
    email: str
    stage: str
    received_at: dt.datetime


class StageIn(Schema):
    stage: str
    note: str = ""


class ExtractIn(Schema):
    text: str | None = None
    use_model: bool = True


class DraftOut(Schema):
    application_id: int
    extraction_source: str
    items: list[dict[str, Any]]
    result: dict[str, Any]


class ConfirmIn(Schema):
    items: list[dict[str, Any]]
    area_group: str = "1"
    start_date: dt.date | None = None
    overrides: dict[str, OverrideIn] = {}


class HireIn(Schema):
    cpr: str
    start_date: dt.date
    position_title: str = ""


class HireOut(Schema):
    id: int
    person_id: int
    employment_id: int
    employee_number: str
    placement_id: int
    pay_step: int
    onboarding_case: str
    onboarding_note: str
    letter_url: str


# --- Agreements and pay tables --------------------------------------------------------------


@router.get("/agreements", response=list[AgreementOut], summary="Agreements and their versions")
def agreement_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": a.code,
            "name": a.name,
            "parties": a.parties,
            "is_synthetic": a.is_synthetic,
            "versions": list(a.versions.order_by("valid_from")),
        }
        for a in selectors.agreements().prefetch_related("versions")
    ]


@router.get(
    "/agreements/{code}/paytable",
    response=list[PayStepOut],
    summary="An agreement's pay table in force on a date",
)
def paytable(request: HttpRequest, code: str, on: dt.date | None = None) -> list[dict]:
    agreement = Agreement.objects.filter(code=code).first()
    if agreement is None:
        raise Http404
    version = selectors.version_on(agreement, on or timezone.localdate())
    if version is None:
        raise Http404
    _groups, rows = selectors.pay_table(version)
    return [
        {"step": row["step"], "area_group": g, "annual_amount": a, "monthly": m}
        for row in rows
        for g, (a, m) in sorted(row["groups"].items())
    ]


def _overrides(data: dict[str, OverrideIn]) -> dict[str, tuple[str, str]]:
    return {code: (o.value, o.reason) for code, o in data.items()}


@router.post(
    "/placements/compute",
    response=PlacementOut,
    summary="Compute a placement with its explanation (nothing stored)",
)
def placement_compute(request: HttpRequest, payload: PlacementIn) -> dict[str, Any]:
    data = payload.dict(exclude={"overrides"})
    data["periods"] = [{**p, "start": p["start"], "end": p["end"]} for p in data["periods"]]
    data = _jsonable(data)
    result = services.placement_compute(
        actor=_user(request), data=data, overrides=_overrides(payload.overrides)
    )
    return result.as_dict()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@router.get(
    "/employments/{employment_id}/pay",
    response=PayOut,
    summary="An employment's placement, pay on a date (default today) and pay history",
)
def employment_pay(
    request: HttpRequest, employment_id: int, on: dt.date | None = None
) -> dict[str, Any]:
    employment = selectors.employment_get(user=_user(request), pk=employment_id)
    today = on or timezone.localdate()
    placement = selectors.current_placement(employment, today)
    pay = selectors.pay_on(placement, employment, today) if placement else None
    return {
        "employment_id": employment.pk,
        "agreement": placement.agreement.code if placement else None,
        "job_category": placement.job_category.code if placement else None,
        "pay_step": placement.pay_step if placement else None,
        "allowances": pay["allowances"] if pay else [],
        "monthly": pay["monthly"] if pay else None,
        "hourly": pay["hourly"] if pay else None,
        "history": [
            {k: v for k, v in row.items() if k != "placement"}
            for row in selectors.pay_history(employment, until=today)
        ],
    }


@router.get("/annual-pay", response=list[AnnualPayOut], summary="Annual pay per employment")
def annual_pay(request: HttpRequest, year: int) -> list[Any]:
    return list(selectors.annual_pay(_user(request), year).values())


# --- Recruitment ----------------------------------------------------------------------------


def _requisition_out(r: Requisition) -> dict[str, Any]:
    return {
        "id": r.pk,
        "unit_id": r.unit_id,
        "title": r.title,
        "agreement": r.agreement.code,
        "job_category": r.job_category.code,
        "weekly_hours": r.weekly_hours,
        "annual_budget": r.annual_budget,
        "state": r.state,
    }


@router.post("/requisitions", response={201: RequisitionOut}, summary="Request a position")
def requisition_create(request: HttpRequest, payload: RequisitionIn) -> Status:
    unit = core_selectors.unit_get(user=_user(request), pk=payload.unit_id)
    category = JobCategory.objects.filter(
        agreement__code=payload.agreement, code=payload.job_category
    ).first()
    requisition = services.requisition_create(
        actor=_user(request),
        unit=unit,
        title=payload.title,
        job_category=category,
        weekly_hours=payload.weekly_hours,
        annual_budget=payload.annual_budget,
        justification=payload.justification,
    )
    return Status(201, _requisition_out(requisition))


@router.get("/requisitions", response=list[RequisitionOut], summary="Position requests")
def requisition_list(request: HttpRequest) -> list[dict]:
    qs = selectors.requisitions_visible(_user(request)).select_related("agreement", "job_category")
    return [_requisition_out(r) for r in qs.order_by("-created_at")[:500]]


def _requisition(request: HttpRequest, pk: int) -> Requisition:
    found = selectors.requisitions_visible(_user(request)).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@router.post(
    "/requisitions/{requisition_id}/decision",
    response=RequisitionOut,
    summary="Approve or reject a position request (HR)",
)
def requisition_decide(request: HttpRequest, requisition_id: int, payload: DecisionIn) -> dict:
    requisition = services.requisition_decide(
        actor=_user(request),
        requisition=_requisition(request, requisition_id),
        approve=payload.approve,
        note=payload.note,
    )
    return _requisition_out(requisition)


def _posting_out(p: JobPosting) -> dict[str, Any]:
    return {
        "id": p.pk,
        "public_key": p.public_key,
        "title": p.title,
        "unit": p.unit.name,
        "agreement": p.agreement.code,
        "agreement_name": p.agreement.name,
        "job_category": p.job_category.code,
        "weekly_hours": p.weekly_hours,
        "pay_min": p.pay_min,
        "pay_max": p.pay_max,
        "deadline": p.deadline,
        "state": p.state,
        "title_warnings": p.title_warnings,
    }


@router.post("/postings", response={201: PostingOut}, summary="Create (and publish) a posting")
def posting_create(request: HttpRequest, payload: PostingIn) -> Status:
    posting = services.posting_create(
        actor=_user(request),
        requisition=_requisition(request, payload.requisition_id),
        title=payload.title,
        description=payload.description,
        pay_min=payload.pay_min,
        pay_max=payload.pay_max,
        deadline=payload.deadline,
    )
    if payload.publish:
        posting = services.posting_publish(actor=_user(request), posting=posting)
    return Status(201, _posting_out(posting))


@router.get("/postings", response=list[PostingOut], summary="Postings in scope")
def posting_list(request: HttpRequest, state: str | None = None) -> list[dict]:
    qs = selectors.postings_visible(_user(request)).select_related(
        "unit", "agreement", "job_category"
    )
    if state:
        qs = qs.filter(state=state)
    return [_posting_out(p) for p in qs[:500]]


def _posting(request: HttpRequest, pk: int) -> JobPosting:
    found = selectors.postings_visible(_user(request)).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@router.post("/postings/{posting_id}/publish", response=PostingOut, summary="Publish a posting")
def posting_publish(request: HttpRequest, posting_id: int) -> dict:
    return _posting_out(
        services.posting_publish(actor=_user(request), posting=_posting(request, posting_id))
    )


@router.get(
    "/postings/{posting_id}/applications",
    response=list[ApplicationOut],
    summary="Applications to a posting",
)
def application_list(request: HttpRequest, posting_id: int) -> list[Application]:
    posting = _posting(request, posting_id)
    return list(selectors.applications_visible(_user(request)).filter(posting=posting))


def _application(request: HttpRequest, pk: int) -> Application:
    found = (
        selectors.applications_visible(_user(request))
        .select_related("posting__unit", "posting__agreement", "posting__job_category")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


@router.post(
    "/applications/{application_id}/stage",
    response=ApplicationOut,
    summary="Move an application to another stage",
)
def application_stage(request: HttpRequest, application_id: int, payload: StageIn) -> Application:
    return services.application_move(
        actor=_user(request),
        application=_application(request, application_id),
        stage=payload.stage,
        note=payload.note,
    )


def _draft_out(draft: Any) -> dict[str, Any]:
    return {
        "application_id": draft.application_id,
        "extraction_source": draft.extraction_source,
        "items": draft.items,
        "result": draft.result,
    }


@router.post(
    "/applications/{application_id}/extract",
    response=DraftOut,
    summary="Let the assistant propose placement input from the CV (to be confirmed)",
)
def application_extract(request: HttpRequest, application_id: int, payload: ExtractIn) -> dict:
    draft = services.draft_extract(
        actor=_user(request),
        application=_application(request, application_id),
        text=payload.text,
        use_model=payload.use_model,
    )
    return _draft_out(draft)


@router.post(
    "/applications/{application_id}/placement",
    response=DraftOut,
    summary="Confirm or correct each item; the rules compute the placement",
)
def application_placement(request: HttpRequest, application_id: int, payload: ConfirmIn) -> dict:
    application = _application(request, application_id)
    draft = getattr(application, "placement_draft", None)
    if draft is None:
        raise DomainError.single(_("Read the CV first."), code="no_draft")
    draft = services.draft_confirm(
        actor=_user(request),
        draft=draft,
        items=payload.items,
        area_group=payload.area_group,
        start_date=payload.start_date,
        overrides=_overrides(payload.overrides),
    )
    return _draft_out(draft)


@router.post(
    "/applications/{application_id}/hire",
    response={201: HireOut},
    summary="Hire from an accepted offer: person, employment, placement, letter, onboarding",
)
def application_hire(request: HttpRequest, application_id: int, payload: HireIn) -> Status:
    hire = services.hire_create(
        actor=_user(request),
        application=_application(request, application_id),
        cpr=payload.cpr,
        start_date=payload.start_date,
        position_title=payload.position_title,
    )
    return Status(
        201,
        {
            "id": hire.pk,
            "person_id": hire.person_id,
            "employment_id": hire.employment_id,
            "employee_number": hire.employment.employee_number,
            "placement_id": hire.placement_id,
            "pay_step": hire.placement.pay_step,
            "onboarding_case": hire.onboarding_case,
            "onboarding_note": hire.onboarding_note,
            "letter_url": f"/hr/ansaettelser/{hire.pk}/brev.pdf",
        },
    )
