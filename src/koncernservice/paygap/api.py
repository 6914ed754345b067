"""Pay transparency API: compute the indicators of posted pay rows (nothing stored), a unit's
indicators (too-small groups withheld), one's own pay and Art. 7 requests, flags, reports.
Scoped like the pages; outside the scope is 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from koncernservice.core import access as core_access
from koncernservice.core.errors import DomainError, ErrorDetail
from koncernservice.core.models import OrgUnit
from koncernservice.paygap import access, rules, selectors, services
from koncernservice.paygap.models import InfoRequest

router = Router(tags=["paygap"])


def _numbers(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


class WorkerIn(Schema):
    employee: str = Field(..., min_length=1, max_length=50)
    sex: Literal["F", "M"]
    category: str = Field(..., min_length=1, max_length=200)
    basic_pay: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    complementary_pay: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    hours: Decimal = Field(..., gt=0, max_digits=8, decimal_places=2)


class ComputeIn(Schema):
    workers: list[WorkerIn] = Field(..., max_length=200_000)


class RequestOut(Schema):
    id: int
    year: int
    requested_on: dt.date
    due_on: dt.date
    status: str
    answer: dict[str, Any]


class FlagOut(Schema):
    id: int
    year: int
    category: str
    gap: Decimal
    status: str
    deadline: dt.date


@router.post(
    "/compute",
    summary="The Art. 9 indicators of the posted workers (as `ks paygap compute`; not stored)",
)
def compute(request: HttpRequest, payload: ComputeIn) -> dict[str, Any]:
    seen: dict[str, int] = {}
    errors = []
    for index, item in enumerate(payload.workers):
        if item.employee in seen:
            errors.append(
                ErrorDetail(
                    _("The employee is already in the list."),
                    field=f"workers[{index}].employee",
                    code="duplicate",
                )
            )
        seen[item.employee] = index
    if errors:
        raise DomainError(_("The workers are not valid."), errors)
    workers = [
        rules.Worker(w.employee, w.sex, w.category, w.basic_pay, w.complementary_pay, w.hours)
        for w in payload.workers
    ]
    return _numbers(rules.indicators(workers))  # type: ignore[no-any-return]


@router.get("/units/{unit_id}/indicators", summary="A unit's indicators, small groups withheld")
def unit_indicators(request: HttpRequest, unit_id: int, year: int) -> dict[str, Any]:
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    user = request.auth  # type: ignore[attr-defined]
    if unit is None or not core_access.holds_on_path(user, access.VIEW_STATISTICS, unit.path):
        raise Http404
    return _numbers(selectors.unit_indicators(user=user, unit=unit, year=year))  # type: ignore[no-any-return]


@router.get("/me/pay", summary="One's own pay per year")
def my_pay(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "year": r.year,
            "employee": r.employment.employee_number,
            "category": r.category.name,
            "basic_pay": float(r.basic_pay),
            "complementary_pay": float(r.complementary_pay),
            "hours": float(r.hours),
            "hourly": float(
                rules.round_half_up(
                    rules.Worker("", "F", "", r.basic_pay, r.complementary_pay, r.hours).hourly
                )
            ),
        }
        for r in selectors.own_pay(user=request.auth)  # type: ignore[attr-defined]
    ]


@router.get("/me/requests", response=list[RequestOut], summary="One's own Art. 7 requests")
def my_requests(request: HttpRequest) -> Any:
    person_id = getattr(request.auth, "person_id", None)  # type: ignore[attr-defined]
    return list(InfoRequest.objects.filter(person_id=person_id)) if person_id else []


@router.post(
    "/me/requests",
    response={201: RequestOut},
    summary="Ask for one's pay level and the category's averages by sex (Art. 7)",
)
def create_request(request: HttpRequest) -> Any:
    return Status(201, services.info_request_create(actor=request.auth))  # type: ignore[attr-defined]


@router.get("/flags", response=list[FlagOut], summary="Categories with a gap of 5 % or more")
def flags(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": f.pk,
            "year": f.year,
            "category": f.category.name,
            "gap": f.gap,
            "status": f.status,
            "deadline": f.deadline,
        }
        for f in selectors.flags(user=request.auth).order_by("-year", "pk")  # type: ignore[attr-defined]
    ]


@router.get("/reports/{report_id}", summary="An annual report's figures")
def report(request: HttpRequest, report_id: int) -> dict[str, Any]:
    found = selectors.reports(user=request.auth).filter(pk=report_id).first()  # type: ignore[attr-defined]
    if found is None:
        raise Http404
    return {
        "id": found.pk,
        "year": found.year,
        "status": found.status,
        "approved_by": found.approved_by_label or None,
        "approved_at": found.approved_at.isoformat() if found.approved_at else None,
        **found.data,
    }
