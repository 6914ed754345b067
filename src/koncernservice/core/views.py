"""Pages of the core: thin views that parse, call a selector or service, and render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from koncernservice.core import access, selectors
from koncernservice.core.forms import AuditFilterForm, DueDateForm, LoginForm
from koncernservice.core.models import BusinessCalendar, Person
from koncernservice.core.rules import calendar as calendar_rules
from koncernservice.core.tables import Column, Table, render_table


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "oidc_enabled": settings.OIDC_ENABLED}


def _person_link(row: Any) -> str:
    person = row if isinstance(row, Person) else row.person
    return reverse("core:person_detail", args=[person.pk])


def employment_columns() -> list[Column]:
    return [
        Column("person__full_name", _("Name"), "person__last_name", link=_person_link),
        Column("employee_number", _("Employee no."), "employee_number"),
        Column("position_title", _("Position"), "position_title"),
        Column("job_category", _("Job category"), "job_category"),
        Column("weekly_hours", _("Weekly hours"), "weekly_hours"),
        Column("start_date", _("Start"), "start_date"),
        Column("is_manager", _("Manager"), "is_manager"),
    ]


@login_required
def org_tree(request: HttpRequest) -> HttpResponse:
    if not access.has_permission_anywhere(request.user, access.VIEW_ORG):
        raise PermissionDenied
    roots = selectors.unit_roots(user=request.user).order_by("path")
    return render(request, "core/org_tree.html", {"roots": roots})


@login_required
def org_children(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_get(user=request.user, pk=pk)
    children = selectors.unit_children(user=request.user, unit=unit)
    return render(request, "core/_org_children.html", {"unit": unit, "children": children})


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_get(user=request.user, pk=pk)
    context: dict[str, Any] = {
        "unit": unit,
        "ancestors": selectors.unit_ancestors(user=request.user, unit=unit),
        "children": selectors.unit_children(user=request.user, unit=unit),
        "can_view_employees": access.holds_on_path(request.user, access.VIEW_EMPLOYMENT, unit.path),
        "headcount": selectors.unit_headcount(unit=unit),
        "can_view_audit": access.holds_on_path(request.user, access.VIEW_AUDIT, unit.path),
    }
    include_sub = request.GET.get("sub") == "1"
    context["include_sub"] = include_sub
    if context["can_view_employees"]:
        table = Table(
            request,
            selectors.unit_employments(user=request.user, unit=unit, include_subunits=include_sub),
            employment_columns()
            + ([Column("unit__name", _("Unit"), "unit__name")] if include_sub else []),
            search_fields=[
                "person__first_name",
                "person__last_name",
                "position_title",
                "employee_number",
                "job_category",
            ],
            default_sort="person__full_name",
            title=f"Medarbejdere {unit.name}",
        )
        return render_table(request, "core/unit_detail.html", table, **context)
    return render(request, "core/unit_detail.html", context)


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    if not access.has_permission_anywhere(request.user, access.VIEW_PERSON):
        raise PermissionDenied
    table = Table(
        request,
        selectors.people_visible(user=request.user),
        [
            Column("full_name", _("Name"), "last_name", link=_person_link),
            Column("masked_cpr", _("CPR number"), None),
            Column("birth_date", _("Birth date"), "birth_date"),
            Column("email", _("E-mail"), "email"),
        ],
        search_fields=["first_name", "last_name", "email"],
        default_sort="full_name",
        title="Personer",
    )
    return render_table(request, "core/person_list.html", table)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    return render(
        request,
        "core/person_detail.html",
        {
            "person": person,
            "show_cpr": access.can(request.user, access.VIEW_CPR, person),
            "employments": selectors.person_employments(user=request.user, person=person),
            "can_view_audit": access.has_permission_anywhere(request.user, access.VIEW_AUDIT),
        },
    )


@login_required
def employment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    employment = selectors.employment_get(user=request.user, pk=pk)
    return render(request, "core/employment_detail.html", {"employment": employment})


AUDIT_TYPES = {"orgunit", "person", "employment", "roleassignment", "user", "businesscalendar"}


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    if not access.has_permission_anywhere(request.user, access.VIEW_AUDIT):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    if request.GET.get("object_id"):
        filters = {**filters, "object_id": request.GET["object_id"][:64]}
    table = Table(
        request,
        selectors.audit_entries(user=request.user, filters=filters),
        [
            Column("at", _("Time"), "at", value=lambda e: timezone.localtime(e.at)),
            Column("actor_label", _("Actor"), "actor_label"),
            Column("action", _("Action"), "action", value=lambda e: e.get_action_display()),
            Column("event", _("Event"), "event"),
            Column(
                "content_type",
                _("Object type"),
                None,
                value=lambda e: (
                    e.content_type.model_class()._meta.verbose_name
                    if e.content_type.model_class()
                    else e.content_type.model
                ),
            ),
            Column("object_repr", _("Object"), "object_repr"),
            Column("changes", _("Changes"), None, value=_format_changes),
            Column("reason", _("Reason"), None),
        ],
        search_fields=["object_repr", "reason", "event"],
        default_sort="-at",
        title="Revisionsspor",
    )
    return render_table(request, "core/audit_list.html", table, form=form)


def _format_changes(entry: Any) -> str:
    parts = []
    for name, pair in (entry.changes or {}).items():
        if isinstance(pair, list) and len(pair) == 2:
            before, after = pair
            parts.append(
                f"{name}: {'' if before is None else before} → {'' if after is None else after}"
            )
        else:
            parts.append(f"{name}: {pair}")
    return "; ".join(parts)


@login_required
def calendar_list(request: HttpRequest) -> HttpResponse:
    if not access.has_permission_anywhere(request.user, access.VIEW_ORG):
        raise PermissionDenied
    calendars = list(BusinessCalendar.objects.prefetch_related("closing_days"))
    year = timezone.localdate().year
    holidays = sorted(calendar_rules.danish_public_holidays(year).items())
    form = DueDateForm(request.GET or None)
    result = None
    if form.is_valid():
        spec = selectors.calendar_spec("standard")
        start = form.cleaned_data["start"]
        result = calendar_rules.add_business_hours(spec, start, form.cleaned_data["business_hours"])
    return render(
        request,
        "core/calendar_list.html",
        {
            "calendars": calendars,
            "holidays": holidays,
            "year": year,
            "form": form,
            "result": result,
        },
    )
