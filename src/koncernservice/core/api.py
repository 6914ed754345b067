"""API endpoints for organisation, people and employments: thin, scoped, typed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from koncernservice.core import selectors, services
from koncernservice.core.models import OrgUnit

router = Router(tags=["organisation"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    abbreviation: str
    kind: str
    parent_id: int | None
    depth: int
    gln: str | None
    cost_centre: str | None = Field(None, alias="cost_centre.code")


class PersonOut(Schema):
    id: int
    first_name: str
    last_name: str
    cpr_masked: str = Field(..., alias="masked_cpr")
    birth_date: dt.date
    legal_sex: str
    email: str


class EmploymentOut(Schema):
    id: int
    person_id: int
    unit_id: int
    employee_number: str
    position_title: str
    job_category: str
    weekly_hours: Decimal
    start_date: dt.date
    end_date: dt.date | None
    is_manager: bool


class EmploymentIn(Schema):
    person_id: int
    unit_id: int
    employee_number: str
    position_title: str
    job_category: str
    weekly_hours: Decimal
    start_date: dt.date
    end_date: dt.date | None = None
    is_manager: bool = False


class EmploymentNewIn(Schema):
    unit_id: int
    employee_number: str
    position_title: str
    job_category: str
    weekly_hours: Decimal
    start_date: dt.date
    end_date: dt.date | None = None
    is_manager: bool = False


class PersonIn(Schema):
    first_name: str
    last_name: str
    cpr: str
    email: str = ""
    employment: EmploymentNewIn


class EmploymentEndIn(Schema):
    end_date: dt.date
    reason: str = ""


@router.get("/org/units", response=list[UnitOut], summary="Units in scope")
@paginate(LimitOffsetPagination)
def list_units(request: HttpRequest, parent_id: int | None = None, q: str = ""):  # type: ignore[no-untyped-def]
    units = selectors.units_visible(user=request.auth).select_related("cost_centre")  # type: ignore[attr-defined]
    if parent_id is not None:
        units = units.filter(parent_id=parent_id)
    if q:
        units = units.filter(name__icontains=q[:100])
    return units.order_by("path")


@router.get("/org/units/{unit_id}", response=UnitOut, summary="One unit")
def get_unit(request: HttpRequest, unit_id: int) -> OrgUnit:
    return selectors.unit_get(user=request.auth, pk=unit_id)  # type: ignore[attr-defined]


@router.get("/org/units/{unit_id}/employments", response=list[EmploymentOut], tags=["people"])
@paginate(LimitOffsetPagination)
def unit_employments(request: HttpRequest, unit_id: int, include_subunits: bool = False):  # type: ignore[no-untyped-def]
    unit = selectors.unit_get(user=request.auth, pk=unit_id)  # type: ignore[attr-defined]
    return selectors.unit_employments(
        user=request.auth,
        unit=unit,
        include_subunits=include_subunits,  # type: ignore[attr-defined]
    ).order_by("pk")


@router.get("/people", response=list[PersonOut], tags=["people"], summary="People in scope")
@paginate(LimitOffsetPagination)
def list_people(request: HttpRequest, q: str = ""):  # type: ignore[no-untyped-def]
    people = selectors.people_visible(user=request.auth)  # type: ignore[attr-defined]
    for term in q.split()[:5]:
        people = people.filter(last_name__icontains=term) | people.filter(
            first_name__icontains=term
        )
    return people.order_by("last_name", "first_name", "pk")


@router.post("/people", response={201: PersonOut}, tags=["people"], summary="Hire a person")
def create_person(request: HttpRequest, payload: PersonIn):  # type: ignore[no-untyped-def]
    user = request.auth  # type: ignore[attr-defined]
    unit = selectors.unit_get(user=user, pk=payload.employment.unit_id)
    person, _employment = services.person_hire(
        actor=user,
        unit=unit,
        person=payload.dict(exclude={"employment"}),
        employment=payload.employment.dict(exclude={"unit_id"}),
    )
    return Status(201, person)


@router.get("/people/{person_id}", response=PersonOut, tags=["people"])
def get_person(request: HttpRequest, person_id: int):  # type: ignore[no-untyped-def]
    return selectors.person_get(user=request.auth, pk=person_id)  # type: ignore[attr-defined]


@router.get("/people/{person_id}/employments", response=list[EmploymentOut], tags=["people"])
def person_employments(request: HttpRequest, person_id: int):  # type: ignore[no-untyped-def]
    person = selectors.person_get(user=request.auth, pk=person_id)  # type: ignore[attr-defined]
    return list(selectors.person_employments(user=request.auth, person=person))  # type: ignore[attr-defined]


@router.get("/employments/{employment_id}", response=EmploymentOut, tags=["people"])
def get_employment(request: HttpRequest, employment_id: int):  # type: ignore[no-untyped-def]
    return selectors.employment_get(user=request.auth, pk=employment_id)  # type: ignore[attr-defined]


@router.post("/employments", response={201: EmploymentOut}, tags=["people"])
def create_employment(request: HttpRequest, payload: EmploymentIn):  # type: ignore[no-untyped-def]
    user = request.auth  # type: ignore[attr-defined]
    unit = selectors.unit_get(user=user, pk=payload.unit_id)
    person = selectors.person_get(user=user, pk=payload.person_id)
    data = payload.dict(exclude={"person_id", "unit_id"})
    return Status(201, services.employment_create(actor=user, person=person, unit=unit, **data))


@router.post("/employments/{employment_id}/end", response=EmploymentOut, tags=["people"])
def end_employment(request: HttpRequest, employment_id: int, payload: EmploymentEndIn):  # type: ignore[no-untyped-def]
    user = request.auth  # type: ignore[attr-defined]
    employment = selectors.employment_get(user=user, pk=employment_id)
    return services.employment_end(
        actor=user, employment=employment, end_date=payload.end_date, reason=payload.reason
    )
