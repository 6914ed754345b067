"""HR pages: agreements and pay tables, my pay, pay in my units, recruitment (requests,
postings, applications, placement, hire) and the public careers page with its feeds.

Thin: read the request, call a selector or a service, render. Everything outside the user's
scope is 404. The careers pages need no login and show only published, open postings.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from xml.sax.saxutils import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from koncernservice.core import access as core_access
from koncernservice.core.errors import DomainError
from koncernservice.core.forms import posted_id
from koncernservice.core.models import OrgUnit
from koncernservice.core.tables import Column, Filter, Table, render_table
from koncernservice.hr import access, selectors, services
from koncernservice.hr.models import (
    AgreementVersion,
    Application,
    ApplicationDocument,
    JobCategory,
    JobPosting,
    Placement,
    Requisition,
)


def _errors(exc: DomainError) -> list[str]:
    return [str(e) for e in exc.errors] or [str(exc.message)]


# --- Agreements and pay tables -----------------------------------------------------------------


@login_required
def agreements(request: HttpRequest) -> HttpResponse:
    rows = [
        (agreement, list(agreement.versions.order_by("-valid_from")))
        for agreement in selectors.agreements().prefetch_related("versions")
    ]
    return render(request, "hr/agreements.html", {"rows": rows})


@login_required
def paytable(request: HttpRequest, pk: int) -> HttpResponse:
    version = AgreementVersion.objects.select_related("agreement").filter(pk=pk).first()
    if version is None:
        raise Http404
    groups, rows = selectors.pay_table(version)
    if request.GET.get("export") == "xlsx":
        from koncernservice.core.tables import excel_response

        group_label = _("Group")
        header = [_("Pay step")] + [
            f"{group_label} {g} {label}" for g in groups for label in (_("annual"), _("monthly"))
        ]
        body = [
            [row["step"]] + [v for g in groups for v in row["groups"].get(g, ("", ""))]
            for row in rows
        ]
        return excel_response(
            f"{version.agreement.code}-{version.version}", {"pay": [header, *body]}
        )
    rules_version = selectors.version_rules(version)
    return render(
        request,
        "hr/paytable.html",
        {
            "version": version,
            "groups": groups,
            "rows": rows,
            "categories": list(rules_version.categories.values()),
            "factor": rules_version.factor,
        },
    )


# --- Pay: self-service, units --------------------------------------------------------------------


@login_required
def my_pay(request: HttpRequest) -> HttpResponse:
    person_id = getattr(request.user, "person_id", None)
    today = timezone.localdate()
    cards = []
    if person_id:
        for employment in (
            selectors.employments_visible(request.user)
            .filter(person_id=person_id)
            .select_related("unit")
            .order_by("-start_date")
        ):
            cards.append(_pay_card(employment, today))
    return render(request, "hr/my_pay.html", {"cards": cards})


def _pay_card(employment: Any, today: dt.date) -> dict[str, Any]:
    placement = selectors.current_placement(employment, today)
    return {
        "employment": employment,
        "placement": placement,
        "pay": selectors.pay_on(placement, employment, today) if placement else None,
        "history": selectors.pay_history(employment, until=today),
    }


@login_required
def unit_pay(request: HttpRequest) -> HttpResponse:
    if not core_access.has_permission_anywhere(request.user, access.VIEW_PAY):
        raise Http404
    today = timezone.localdate()
    qs = (
        core_access.restrict(Placement.objects.all(), request.user, access.VIEW_PAY)
        .filter(valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("employment__person", "employment__unit", "agreement", "job_category")
    )
    table = Table(
        request,
        qs,
        [
            Column(
                "employment__person__last_name",
                gettext_lazy("Name"),
                "employment__person__last_name",
                value=lambda p: p.employment.person.full_name,
                link=lambda p: reverse("hr:employment_pay", args=[p.employment_id]),
            ),
            Column("employment__unit__name", gettext_lazy("Unit"), "employment__unit__name"),
            Column("agreement__name", gettext_lazy("Agreement"), "agreement__name"),
            Column("job_category__name", gettext_lazy("Job category"), "job_category__name"),
            Column("pay_step", gettext_lazy("Pay step"), "pay_step"),
            Column(
                "allowances",
                gettext_lazy("Allowances"),
                None,
                value=lambda p: ", ".join(a.get("name", a["code"]) for a in p.allowances),
            ),
            Column(
                "employment__weekly_hours", gettext_lazy("Weekly hours"), "employment__weekly_hours"
            ),
            Column("valid_from", gettext_lazy("From"), "valid_from"),
        ],
        search_fields=[
            "employment__person__first_name",
            "employment__person__last_name",
            "employment__unit__name",
        ],
        default_sort="employment__person__last_name",
        title=str(_("Pay in my units")),
    )
    return render_table(request, "hr/unit_pay.html", table)


@login_required
def employment_pay(request: HttpRequest, pk: int) -> HttpResponse:
    employment = selectors.employment_get(user=request.user, pk=pk)
    card = _pay_card(employment, timezone.localdate())
    return render(request, "hr/employment_pay.html", {"card": card})


# --- Recruitment: requests ------------------------------------------------------------------


def _request_units(user: Any) -> list[OrgUnit]:
    paths = core_access.scope_paths(user, access.REQUEST_POSITION)
    if not paths:
        return []
    return list(
        OrgUnit.objects.filter(OrgUnit.scope_q(paths), is_active=True).order_by("path")[:500]
    )


@login_required
def requisitions(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (
        core_access.has_permission_anywhere(user, access.REQUEST_POSITION)
        or core_access.has_permission_anywhere(user, access.APPROVE_POSITION)
    ):
        raise Http404
    errors: list[str] = []
    if request.method == "POST":
        unit = OrgUnit.objects.filter(pk=posted_id(request.POST.get("unit"))).first()
        category = JobCategory.objects.filter(
            pk=posted_id(request.POST.get("job_category"))
        ).first()
        if unit is None:
            errors.append(_("Choose a unit."))
        else:
            try:
                requisition = services.requisition_create(
                    actor=user,
                    unit=unit,
                    title=request.POST.get("title", ""),
                    job_category=category,
                    weekly_hours=request.POST.get("weekly_hours", ""),
                    annual_budget=request.POST.get("annual_budget", ""),
                    justification=request.POST.get("justification", ""),
                )
                messages.success(request, _("The position request was sent to HR."))
                return redirect("hr:requisition", requisition.pk)
            except DomainError as exc:
                errors = _errors(exc)
    table = Table(
        request,
        selectors.requisitions_visible(user).select_related("unit", "job_category", "agreement"),
        [
            Column(
                "title",
                gettext_lazy("Title"),
                "title",
                link=lambda r: reverse("hr:requisition", args=[r.pk]),
            ),
            Column("unit__name", gettext_lazy("Unit"), "unit__name"),
            Column("agreement__name", gettext_lazy("Agreement"), "agreement__name"),
            Column("job_category__name", gettext_lazy("Job category"), "job_category__name"),
            Column("annual_budget", gettext_lazy("Annual budget"), "annual_budget"),
            Column("state", gettext_lazy("State"), "state", value=lambda r: r.get_state_display()),
            Column("created_at", gettext_lazy("Requested"), "created_at"),
        ],
        search_fields=["title", "unit__name", "job_category__name"],
        default_sort="-created_at",
        title=str(_("Position requests")),
        filters=[Filter("state", gettext_lazy("State"), "state", Requisition.State.choices)],
    )
    return render_table(
        request,
        "hr/requisitions.html",
        table,
        errors=errors,
        units=_request_units(user),
        categories=JobCategory.objects.select_related("agreement").order_by(
            "agreement__code", "name"
        ),
        form=request.POST if request.method == "POST" else {},
    )


@login_required
def requisition(request: HttpRequest, pk: int) -> HttpResponse:
    found = (
        selectors.requisitions_visible(request.user)
        .select_related("unit", "job_category", "agreement", "cost_centre", "requested_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("approve", "reject"):
                services.requisition_decide(
                    actor=request.user,
                    requisition=found,
                    approve=action == "approve",
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("The decision was saved."))
                return redirect("hr:requisition", found.pk)
            if action == "posting":
                posting = services.posting_create(
                    actor=request.user,
                    requisition=found,
                    title=request.POST.get("title", ""),
                    description=request.POST.get("description", ""),
                    pay_min=request.POST.get("pay_min", ""),
                    pay_max=request.POST.get("pay_max", ""),
                    deadline=request.POST.get("deadline", ""),
                )
                if request.POST.get("publish"):
                    services.posting_publish(actor=request.user, posting=posting)
                return redirect("hr:posting", posting.pk)
        except DomainError as exc:
            errors = _errors(exc)
    user = request.user
    version = selectors.version_on(found.agreement, timezone.localdate())
    pay_hint = None
    if version is not None:
        category_rules = selectors.version_rules(version).categories.get(found.job_category.code)
        if category_rules is not None:
            _groups, table = selectors.pay_table(version)
            monthly = {row["step"]: row["groups"].get("1", (None, None))[1] for row in table}
            top = (
                category_rules.seniority_steps[-1].step if category_rules.seniority_steps else None
            )
            pay_hint = (monthly.get(category_rules.base_step), monthly.get(top) if top else None)
    return render(
        request,
        "hr/requisition.html",
        {
            "requisition": found,
            "errors": errors,
            "can_decide": found.state == Requisition.State.SUBMITTED
            and core_access.holds_on_path(user, access.APPROVE_POSITION, found.unit.path),
            "can_post": found.state == Requisition.State.APPROVED
            and core_access.holds_on_path(user, access.RECRUIT, found.unit.path),
            "postings": found.postings.all(),
            "pay_low": (pay_hint or (None, None))[0] or "",
            "pay_high": (pay_hint or (None, None))[1] or "",
            "form": request.POST if request.method == "POST" else {},
            "default_deadline": timezone.localdate() + dt.timedelta(days=21),
        },
    )


# --- Recruitment: postings and applications ---------------------------------------------------


@login_required
def postings(request: HttpRequest) -> HttpResponse:
    if not core_access.has_permission_anywhere(request.user, access.RECRUIT):
        raise Http404
    qs = selectors.postings_visible(request.user).select_related("unit", "agreement")
    table = Table(
        request,
        qs,
        [
            Column(
                "title",
                gettext_lazy("Title"),
                "title",
                link=lambda p: reverse("hr:posting", args=[p.pk]),
            ),
            Column("unit__name", gettext_lazy("Unit"), "unit__name"),
            Column("agreement__name", gettext_lazy("Agreement"), "agreement__name"),
            Column("pay_min", gettext_lazy("Pay from"), "pay_min"),
            Column("pay_max", gettext_lazy("Pay up to"), "pay_max"),
            Column("deadline", gettext_lazy("Deadline"), "deadline"),
            Column("state", gettext_lazy("State"), "state", value=lambda p: p.get_state_display()),
        ],
        search_fields=["title", "unit__name"],
        default_sort="-deadline",
        title=str(_("Job postings")),
    )
    return render_table(request, "hr/postings.html", table)


@login_required
def posting(request: HttpRequest, pk: int) -> HttpResponse:
    found = (
        selectors.postings_visible(request.user)
        .select_related("unit", "agreement", "job_category", "requisition")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    errors: list[str] = []
    if request.method == "POST":
        try:
            if request.POST.get("action") == "publish":
                services.posting_publish(actor=request.user, posting=found)
                messages.success(request, _("The posting is published."))
            elif request.POST.get("action") == "close":
                services.posting_close(actor=request.user, posting=found)
            return redirect("hr:posting", found.pk)
        except DomainError as exc:
            errors = _errors(exc)
    applications = selectors.applications_visible(request.user).filter(posting=found)
    return render(
        request,
        "hr/posting.html",
        {
            "posting": found,
            "errors": errors,
            "applications": applications.order_by("-received_at"),
            "public_url": request.build_absolute_uri(reverse("hr:career", args=[found.public_key])),
        },
    )


def _application(request: HttpRequest, pk: int) -> Application:
    found = (
        selectors.applications_visible(request.user)
        .select_related("posting__unit", "posting__agreement", "posting__job_category")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


@login_required
def application(request: HttpRequest, pk: int) -> HttpResponse:
    found = _application(request, pk)
    user = request.user
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action.startswith("stage:"):
                services.application_move(
                    actor=user,
                    application=found,
                    stage=action.split(":", 1)[1],
                    note=request.POST.get("note", ""),
                )
            elif action == "note":
                services.application_note_add(
                    actor=user, application=found, text=request.POST.get("text", "")
                )
            elif action == "interview":
                at = _local_datetime(request.POST.get("at", ""))
                services.interview_schedule(
                    actor=user,
                    application=found,
                    at=at,
                    location=request.POST.get("location", ""),
                )
            elif action == "letter":
                services.letter_send(
                    actor=user, application=found, template=request.POST.get("template", "")
                )
            elif action == "extract":
                services.draft_extract(
                    actor=user,
                    application=found,
                    text=request.POST.get("cv_text") or None,
                    use_model=request.POST.get("use_model") != "0",
                )
            elif action == "confirm":
                _confirm(request, found)
            elif action == "hire":
                hire = services.hire_create(
                    actor=user,
                    application=found,
                    cpr=request.POST.get("cpr", "").replace("-", "").strip(),
                    start_date=_date(request.POST.get("start_date", ""), "start_date"),
                    position_title=request.POST.get("position_title", ""),
                )
                messages.success(request, _("Hired. The employment letter is ready."))
                if hire.onboarding_note:
                    messages.info(request, hire.onboarding_note)
                return redirect("hr:application", found.pk)
            return redirect(reverse("hr:application", args=[found.pk]) + _anchor(action))
        except DomainError as exc:
            errors = _errors(exc)
        found = _application(request, pk)
    draft = getattr(found, "placement_draft", None)
    hire = getattr(found, "hire", None)
    unit_path = found.posting.unit.path
    return render(
        request,
        "hr/application.html",
        {
            "application": found,
            "errors": errors,
            "notes": found.notes.all(),
            "documents": found.documents.all().defer("content"),
            "next_stages": [
                (s, Application.Stage(s).label) for s in services.TRANSITIONS.get(found.stage, ())
            ],
            "draft": draft,
            "placement": (draft.result or {}).get("placement") if draft else None,
            "start_default": ((draft.result or {}).get("input") or {}).get("start_date", "")
            if draft
            else "",
            "education_codes": services.assistant.EDUCATION_CODES,
            "can_place": core_access.holds_on_path(user, access.MANAGE_PAY, unit_path),
            "can_hire": found.stage == Application.Stage.OFFER
            and core_access.holds_on_path(user, access.HIRE, unit_path),
            "hire": hire,
            # The employment letter is for those who hire (hires_visible); others see the
            # hire without a link that would answer 404.
            "may_read_letter": core_access.holds_on_path(user, access.HIRE, unit_path),
            "letters": services.LETTERS,
            "form": request.POST if request.method == "POST" else {},
        },
    )


def _anchor(action: str) -> str:
    if action in ("extract", "confirm"):
        return "#placement"
    return ""


def _confirm(request: HttpRequest, found: Application) -> None:
    draft = getattr(found, "placement_draft", None)
    if draft is None:
        raise DomainError.single(_("Read the CV first."), code="no_draft")
    post = request.POST
    items = []
    for index, stored in enumerate(draft.items):
        prefix = f"item-{index}-"
        if stored["kind"] == "education":
            items.append(
                {
                    "kind": "education",
                    "code": post.get(prefix + "code", stored.get("code", "")),
                    "title": post.get(prefix + "title", stored.get("title", "")),
                    "year": stored.get("year"),
                    "confirmed": post.get(prefix + "confirmed") == "on",
                }
            )
        else:
            items.append(
                {
                    "kind": "period",
                    "employer": post.get(prefix + "employer", ""),
                    "title": post.get(prefix + "title", ""),
                    "start": post.get(prefix + "start", ""),
                    "end": post.get(prefix + "end", ""),
                    "weekly_hours": post.get(prefix + "weekly_hours", ""),
                    "relevant": post.get(prefix + "relevant") == "on",
                    "confirmed": post.get(prefix + "confirmed") == "on",
                }
            )
    overrides = {}
    if post.get("override_step"):
        overrides["pay_step"] = (post["override_step"], post.get("override_reason", ""))
    start = post.get("start_date")
    services.draft_confirm(
        actor=request.user,
        draft=draft,
        items=items,
        area_group=post.get("area_group", "1") or "1",
        start_date=_date(start, "start_date") if start else None,
        overrides=overrides,
    )


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError.single(_("Not a valid date (use YYYY-MM-DD)."), field=field) from None


def _local_datetime(value: str) -> dt.datetime:
    try:
        naive = dt.datetime.fromisoformat(value)
    except ValueError:
        raise DomainError.single(_("Give date and time."), field="at") from None
    return timezone.make_aware(naive) if timezone.is_naive(naive) else naive


@login_required
def document(request: HttpRequest, pk: int) -> HttpResponse:
    found = ApplicationDocument.objects.filter(
        pk=pk, application__in=selectors.applications_visible(request.user)
    ).first()
    if found is None:
        raise Http404
    response = HttpResponse(bytes(found.content), content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def letter(request: HttpRequest, pk: int) -> HttpResponse:
    hire = selectors.hires_visible(request.user).filter(pk=pk).first()
    if hire is None:
        raise Http404
    response = HttpResponse(services.hire_letter(hire), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="ansaettelsesbrev-{hire.employment.employee_number}.pdf"'
    )
    return response


# --- Public careers page and feeds (no login) --------------------------------------------------


def careers(request: HttpRequest) -> HttpResponse:
    rows = selectors.public_postings(timezone.localdate())
    return render(request, "hr/careers.html", {"postings": rows})


def _public(key: str) -> JobPosting:
    found = selectors.public_postings(timezone.localdate()).filter(public_key=key).first()
    if found is None:
        raise Http404
    return found


def career(request: HttpRequest, key: str) -> HttpResponse:
    found = _public(key)
    errors: list[str] = []
    if request.method == "POST":
        uploads = [
            services.Upload(f.name, f.read(services.MAX_DOCUMENT_BYTES + 1))
            for f in request.FILES.getlist("documents")[: services.MAX_DOCUMENTS + 1]
        ]
        try:
            submitted = services.application_submit(
                posting=found,
                first_name=request.POST.get("first_name", ""),
                last_name=request.POST.get("last_name", ""),
                email=request.POST.get("email", ""),
                phone=request.POST.get("phone", ""),
                motivation=request.POST.get("motivation", ""),
                cv_text=request.POST.get("cv_text", ""),
                documents=uploads,
            )
            return redirect("hr:career_thanks", submitted.receipt_key)
        except DomainError as exc:
            errors = _errors(exc)
    return render(
        request,
        "hr/career.html",
        {
            "posting": found,
            "errors": errors,
            "form": request.POST if request.method == "POST" else {},
            "max_mb": services.MAX_DOCUMENT_BYTES // (1024 * 1024),
            "max_files": services.MAX_DOCUMENTS,
        },
    )


def career_thanks(request: HttpRequest, key: str) -> HttpResponse:
    found = Application.objects.select_related("posting").filter(receipt_key=key).first()
    if found is None:
        raise Http404
    return render(request, "hr/career_thanks.html", {"posting": found.posting})


def _feed_items(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": p.public_key,
            "title": p.title,
            "url": request.build_absolute_uri(reverse("hr:career", args=[p.public_key])),
            "unit": p.unit.name,
            "agreement": p.agreement.name,
            "pay_min": str(p.pay_min),
            "pay_max": str(p.pay_max),
            "weekly_hours": str(p.weekly_hours),
            "deadline": p.deadline.isoformat(),
            "published": p.published_at.isoformat() if p.published_at else None,
            "summary": p.description[:500],
        }
        for p in selectors.public_postings(timezone.localdate())[:500]
    ]


def feed_json(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Ledige stillinger – Københavns Kommune",
            "home_page_url": request.build_absolute_uri(reverse("hr:careers")),
            "items": [
                {
                    "id": i["id"],
                    "url": i["url"],
                    "title": i["title"],
                    "content_text": i["summary"],
                    "date_published": i["published"],
                    "_ks": {
                        k: i[k]
                        for k in (
                            "unit",
                            "agreement",
                            "pay_min",
                            "pay_max",
                            "weekly_hours",
                            "deadline",
                        )
                    },
                }
                for i in _feed_items(request)
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )


def feed_rss(request: HttpRequest) -> HttpResponse:
    items = []
    for i in _feed_items(request):
        description = (
            f"{i['unit']}. {i['agreement']}. Løn {i['pay_min']}–{i['pay_max']} kr./md., "
            f"{i['weekly_hours']} timer/uge. Frist {i['deadline']}. {i['summary']}"
        )
        items.append(
            "<item>"
            f"<title>{escape(i['title'])}</title><link>{escape(i['url'])}</link>"
            f'<guid isPermaLink="false">{escape(i["id"])}</guid>'
            f"<description>{escape(description)}</description>"
            "</item>"
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Ledige stillinger – Københavns Kommune</title>"
        f"<link>{escape(request.build_absolute_uri(reverse('hr:careers')))}</link>"
        "<description>Ledige stillinger</description><language>da</language>"
        + "".join(items)
        + "</channel></rss>"
    )
    return HttpResponse(body, content_type="application/rss+xml; charset=utf-8")
