"""Pages of the service portal: thin views that parse, call a selector or service, render.

Every case is read through ``selectors.cases_visible``; a case outside it is 404 on every
page (list, detail, search, export), so a confidential case's existence is not revealed.
"""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from koncernservice.core import access
from koncernservice.core.charts import columns
from koncernservice.core.errors import DomainError
from koncernservice.core.forms import posted_id
from koncernservice.core.models import User
from koncernservice.core.periods import period_from_query
from koncernservice.core.tables import (
    Column,
    Filter,
    Table,
    excel_response,
    export_query,
    render_table,
)
from koncernservice.portal import config as portal_config
from koncernservice.portal import rules, selectors, services
from koncernservice.portal.models import Case
from koncernservice.portal.permissions import MANAGE_CATALOGUE, VIEW_REPORTS, WORK_CASE


def _case_link(case: Any) -> str:
    # One reverse() per process, then formatting: a list page links 50 cases.
    return _case_url_prefix() + quote(case.number) + "/"


@functools.cache
def _case_url_prefix() -> str:
    return reverse("portal:case_detail", args=["X"])[:-2]


def _countdown(deadline: Any, status: str | None) -> str:
    """A short Danish countdown: "2 t 15 m", "overskredet", "pause", "opfyldt"."""
    if status == "met":
        return str(_("met"))
    if status == "paused":
        return str(_("paused"))
    if deadline is None:
        return ""
    seconds = int((deadline - timezone.now()).total_seconds())
    if seconds <= 0 or status == "breached":
        return str(_("breached"))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    return _("%(h)d h %(m)d m") % {"h": hours, "m": rest // 60}


def _labels(choices: Any) -> dict[str, str]:
    """Value -> translated label of a choices enum, translated once per page: a model's
    ``get_FOO_display()`` per row rebuilt its choices dictionary every time."""
    return {value: str(label) for value, label in choices.choices}


def _domain_errors(exc: DomainError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for detail in exc.errors or []:
        errors.setdefault(detail.field or "__all__", []).append(str(detail.message))
    if not errors:
        errors["__all__"] = [str(exc.message)]
    return errors


# --- Employee self-service -------------------------------------------------------------------


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/catalogue.html",
        {"areas": selectors.catalogue(user=request.user)},
    )


def _form_fields(fields: list[dict[str, Any]], values: dict[str, Any], errors: dict) -> list:
    result = []
    for spec in fields:
        result.append(
            {
                **spec,
                "id": f"f-{spec['name']}",
                "input_name": f"answers.{spec['name']}",
                "value": values.get(spec["name"], ""),
                "errors": errors.get(f"answers.{spec['name']}", []),
                "visible": rules.field_visible(spec, values),
            }
        )
    return result


@login_required
def case_new(request: HttpRequest, code: str) -> HttpResponse:
    config = portal_config.current()
    service = selectors.service_get(user=request.user, code=code, config=config)
    form = selectors.current_form(service, config)
    fields = form.fields if form else []
    errors: dict[str, list[str]] = {}
    values: dict[str, Any]
    title, description = "", ""
    if request.method != "POST":
        values = selectors.prefill(user=request.user, fields=fields)
    else:
        values = {spec["name"]: request.POST.get(f"answers.{spec['name']}", "") for spec in fields}
        title = request.POST.get("title", "")
        description = request.POST.get("description", "")
        try:
            case = services.case_create(
                actor=request.user,
                service=service,
                title=title,
                description=description,
                answers=values,
                form=form,
                attach_deflection=True,
                config=config,
            )
        except DomainError as exc:
            errors = _domain_errors(exc)
        else:
            messages.success(request, _("Case %(n)s has been created.") % {"n": case.number})
            return redirect(_case_link(case))
    return render(
        request,
        "portal/case_new.html",
        {
            "service": service,
            "fields": _form_fields(fields, values, errors),
            "errors": errors,
            "general_errors": errors.get("__all__", []),
            "title_value": title,
            "description_value": description,
            "suggestions": selectors.article_search(text=title) if title else [],
        },
        status=400 if errors else 200,
    )


@login_required
def suggestions(request: HttpRequest, code: str) -> HttpResponse:
    """Knowledge articles matching what the employee types (htmx), recorded for deflection."""
    service = selectors.service_get(user=request.user, code=code)
    text = f"{request.GET.get('title', '')} {request.GET.get('description', '')}"[:500]
    found = selectors.article_search(text=text)
    services.deflection_record(actor=request.user, service=service, articles=found)
    return render(request, "portal/_suggestions.html", {"suggestions": found})


MY_CASES_VALUES = (
    "number",
    "title",
    "service__name",
    "state",
    "created_at",
    "sla_deadline",
    "sla_status",
)
QUEUE_VALUES = (
    "number",
    "title",
    "service_name",
    "requester_name",
    "priority",
    "state",
    "assignee_name",
    "sla_deadline",
    "sla_status",
    "created_at",
)
"""The columns the lists read (core.tables.Table.values: rows without model instances)."""


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    qs = selectors.my_cases(user=request.user)
    states = _labels(Case.State)
    table = Table(
        request,
        qs,
        [
            Column("number", gettext_lazy("Case"), "number", link=_case_link),
            Column("title", gettext_lazy("Title"), "title"),
            Column("service__name", gettext_lazy("Service"), "service__name"),
            Column(
                "state",
                gettext_lazy("State"),
                "state",
                value=lambda c: states.get(c.state, c.state),
            ),
            Column("created_at", gettext_lazy("Created"), "created_at"),
            Column("sla", gettext_lazy("Expected answer"), None, value=_my_sla),
        ],
        search_fields=["number", "title"],
        default_sort="-created_at",
        title=str(_("My cases")),
        values=MY_CASES_VALUES,
        # the landing page's "awaiting your answer" links to ?state=awaiting_requester
        filters=[Filter("state", gettext_lazy("State"), "state", Case.State.choices)],
    )
    return render_table(request, "portal/my_cases.html", table)


def _my_sla(case: Any) -> str:
    if case.sla_status is None or case.state in ("resolved", "closed", "cancelled"):
        return ""
    return _countdown(case.sla_deadline, case.sla_status)


@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = selectors.case_get(user=request.user, number=number.upper())
    if case.merged_into_id and case.merged_into is not None:
        target = selectors.cases_visible(user=request.user).filter(pk=case.merged_into_id)
        if target.exists():
            return redirect("portal:case_detail", number=case.merged_into.number)
    worker = selectors.can_work(request.user, case)
    party = selectors.is_party(request.user, case)
    config = portal_config.current()
    context: dict[str, Any] = {
        "case": case,
        "worker": worker,
        "party": party,
        "timeline": selectors.case_timeline(user=request.user, case=case, worker=worker),
        "attachments": list(case.attachments.all()),
        "sla": selectors.case_sla(case=case, config=config),
        "answers": selectors.case_answers(case=case, config=config),
        "states": [
            (value, label)
            for value, label in Case.State.choices
            if rules.can_transition(case.state, value)
        ],
        "priorities": Case.Priority.choices,
        "can_survey": party and case.state in ("resolved", "closed") and case.satisfaction is None,
        "can_reopen": party and case.state == "resolved",
        "can_reply": (worker or party) and case.state not in ("closed", "cancelled"),
    }
    context["related"] = selectors.related_cases(user=request.user, case=case)
    if worker:
        context["macros"] = list(selectors.macros_for(case=case))
        context["requester_context"] = selectors.requester_context(user=request.user, case=case)
        context["team"] = team = list(selectors.users_in_team(case.queue))
        # The assignee is nearly always in the team just read: no query of its own.
        member = next((m for m in team if m.pk == case.assignee_id), None)
        if member is not None:
            case.assignee = member
    return render(request, "portal/case_detail.html", context)


def _act(request: HttpRequest, number: str, action: Any) -> HttpResponse:
    case = selectors.case_get(user=request.user, number=number.upper())
    try:
        action(case)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        if exc.status == 403:
            raise PermissionDenied(str(exc.message)) from exc
        for message in _domain_errors(exc).values():
            for text in message:
                messages.error(request, text)
    return redirect("portal:case_detail", number=case.number)


@login_required
@require_POST
def case_reply(request: HttpRequest, number: str) -> HttpResponse:
    internal = request.POST.get("kind") == "note"

    def act(case: Case) -> None:
        services.case_reply(
            actor=request.user, case=case, body=request.POST.get("body", ""), internal=internal
        )
        messages.success(request, _("The note is saved.") if internal else _("The reply is sent."))

    return _act(request, number, act)


@login_required
@require_POST
def case_state(request: HttpRequest, number: str) -> HttpResponse:
    def act(case: Case) -> None:
        services.case_transition(
            actor=request.user,
            case=case,
            state=request.POST.get("state", ""),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("The state is changed."))

    return _act(request, number, act)


@login_required
@require_POST
def case_priority(request: HttpRequest, number: str) -> HttpResponse:
    def act(case: Case) -> None:
        services.case_change_priority(
            actor=request.user, case=case, priority=request.POST.get("priority", "")
        )
        messages.success(request, _("The priority is changed."))

    return _act(request, number, act)


@login_required
@require_POST
def case_assign(request: HttpRequest, number: str) -> HttpResponse:
    def act(case: Case) -> None:
        raw = request.POST.get("assignee", "")
        assignee = User.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        services.case_assign(actor=request.user, case=case, assignee=assignee)
        messages.success(request, _("The case is assigned."))

    return _act(request, number, act)


@login_required
@require_POST
def case_reopen(request: HttpRequest, number: str) -> HttpResponse:
    def act(case: Case) -> None:
        services.case_reopen(actor=request.user, case=case)
        messages.success(request, _("The case is reopened."))

    return _act(request, number, act)


@login_required
@require_POST
def case_survey(request: HttpRequest, number: str) -> HttpResponse:
    def act(case: Case) -> None:
        services.case_survey(
            actor=request.user,
            case=case,
            rating=request.POST.get("rating"),
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, _("Thank you for your answer."))

    return _act(request, number, act)


# --- Caseworker workspace --------------------------------------------------------------------


@login_required
def queues(request: HttpRequest) -> HttpResponse:
    if not access.has_permission_anywhere(request.user, WORK_CASE):
        raise PermissionDenied
    return render(
        request, "portal/queues.html", {"queues": selectors.queues_for(user=request.user)}
    )


OPEN_LIST_STATES = ("open", "new", "in_progress", "awaiting_requester")
QUEUE_COUNT_CAP = 1000
"""The queue list counts up to this many cases ("more than 1000 rows" beyond)."""


def queue_columns() -> list[Column]:
    priorities, states = _labels(Case.Priority), _labels(Case.State)
    return [
        Column("number", gettext_lazy("Case"), "number", link=_case_link),
        Column("title", gettext_lazy("Title"), "title"),
        # The names come as annotations of selectors.queue_cases (no related objects).
        Column(
            "service__name",
            gettext_lazy("Service"),
            "service__name",
            value=lambda c: c.service_name,
        ),
        Column(
            "requester__full_name",
            gettext_lazy("Requester"),
            "requester__last_name",
            value=lambda c: c.requester_name,
        ),
        Column(
            "priority",
            gettext_lazy("Priority"),
            "priority",
            value=lambda c: priorities.get(c.priority, c.priority),
        ),
        Column(
            "state", gettext_lazy("State"), "state", value=lambda c: states.get(c.state, c.state)
        ),
        Column(
            "assignee",
            gettext_lazy("Assignee"),
            "assignee__username",
            value=lambda c: c.assignee_name or "",
        ),
        Column(
            "sla",
            gettext_lazy("SLA"),
            "sla_deadline",
            value=lambda c: _countdown(c.sla_deadline, c.sla_status),
        ),
        Column("created_at", gettext_lazy("Created"), "created_at"),
    ]


@login_required
def queue_detail(request: HttpRequest, code: str) -> HttpResponse:
    if not access.has_permission_anywhere(request.user, WORK_CASE):
        raise PermissionDenied
    queue = selectors.queue_get(user=request.user, code=code, counted=False)
    filters = {
        "state": request.GET.get("state", "open"),
        "assignee": request.GET.get("assignee", ""),
        "priority": request.GET.get("priority", ""),
    }
    table = Table(
        request,
        selectors.queue_cases(user=request.user, queue=queue, filters=filters),
        queue_columns(),
        search_fields=["number", "title", "requester__first_name", "requester__last_name"],
        # The SLA countdown orders open work; with resolved and closed cases in the list the
        # newest come first (sorting a year's cases by deadline cost ~200 ms a page).
        default_sort="sla" if filters["state"] in OPEN_LIST_STATES else "-created_at",
        title=queue.name,
        # Counting all of a big queue's cases for the pager cost ~150 ms at a year of cases.
        count_cap=QUEUE_COUNT_CAP,
        values=QUEUE_VALUES,
        select_name="cases",
        select_label=_("Select"),
    )
    return render_table(
        request,
        "portal/queue_detail.html",
        table,
        queue=queue,
        filters=filters,
        states=[("open", _("Open")), ("all", _("All")), *Case.State.choices],
        priorities=Case.Priority.choices,
        team=selectors.users_in_team(queue),
        saved_views=[
            (
                view,
                urlencode(view.filters),
                services.saved_view_may_change(actor=request.user, view=view),
            )
            for view in selectors.saved_views(user=request.user, queue=queue)
        ],
        may_share=services.queue_lead(actor=request.user, queue=queue),
        bulk_states=[(v, label) for v, label in Case.State.choices if v != "new"],
        current_filters={
            **filters,
            "q": request.GET.get("q", ""),
            "sort": request.GET.get("sort", ""),
        },
    )


@login_required
@require_POST
def shortcuts_save(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own keyboard shortcuts (JSON: ``keys``, ``off``, ``reset``);
    answers the keys now in force, or 400 with the Danish reason."""
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return JsonResponse({"error": _("Not valid JSON.")}, status=400)
    try:
        prefs = services.shortcuts_save(
            actor=request.user,
            keys=data.get("keys"),
            off=data.get("off"),
            reset=data.get("reset") is True,
        )
    except DomainError as exc:
        return JsonResponse({"error": str(exc.message)}, status=400)
    request.session[services.SHORTCUTS_SESSION_KEY] = prefs
    return JsonResponse(prefs)


@login_required
@require_POST
def bulk_assign(request: HttpRequest, code: str) -> HttpResponse:
    queue = selectors.queue_get(user=request.user, code=code)
    numbers = request.POST.getlist("cases")[:500]
    cases = list(selectors.cases_visible(user=request.user).filter(queue=queue, number__in=numbers))
    raw = request.POST.get("assignee", "")
    assignee = User.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    try:
        count = services.case_bulk_assign(actor=request.user, cases=cases, assignee=assignee)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            ngettext("%(n)d case assigned.", "%(n)d cases assigned.", count) % {"n": count},
        )
    return redirect("portal:queue_detail", code=queue.code)


@login_required
@require_POST
def bulk_state(request: HttpRequest, code: str) -> HttpResponse:
    """Change the state of the selected cases: all or none."""
    queue = selectors.queue_get(user=request.user, code=code)
    numbers = request.POST.getlist("cases")[:500]
    cases = list(selectors.cases_visible(user=request.user).filter(queue=queue, number__in=numbers))
    try:
        count = services.case_bulk_transition(
            actor=request.user, cases=cases, state=request.POST.get("state", "")
        )
    except DomainError as exc:
        messages.error(request, _("No case was changed."))
        for detail in exc.errors or []:
            messages.error(request, str(detail.message))
    except access.AccessDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    else:
        messages.success(
            request,
            ngettext("%(n)d case changed.", "%(n)d cases changed.", count) % {"n": count},
        )
    return redirect("portal:queue_detail", code=queue.code)


@login_required
@require_POST
def saved_view_save(request: HttpRequest, code: str) -> HttpResponse:
    queue = selectors.queue_get(user=request.user, code=code)
    try:
        view = services.saved_view_save(
            actor=request.user,
            queue=queue,
            name=request.POST.get("name", ""),
            filters=request.POST.dict(),
            shared=request.POST.get("shared") == "1",
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("portal:queue_detail", code=queue.code)
    messages.success(request, _("The view is saved."))
    url = reverse("portal:queue_detail", args=[queue.code])
    return redirect(f"{url}?{urlencode(view.filters)}")


@login_required
@require_POST
def saved_view_rename(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Rename a saved view (its owner; a shared one also the queue's team leads; 404 for
    everyone else)."""
    queue = selectors.queue_get(user=request.user, code=code)
    view = selectors.saved_views(user=request.user, queue=queue).filter(pk=pk).first()
    if view is None or not services.saved_view_may_change(actor=request.user, view=view):
        raise Http404
    try:
        services.saved_view_rename(actor=request.user, view=view, name=request.POST.get("name"))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The view is renamed."))
    return redirect("portal:queue_detail", code=queue.code)


@login_required
@require_POST
def saved_view_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    queue = selectors.queue_get(user=request.user, code=code)
    view = selectors.saved_views(user=request.user, queue=queue).filter(pk=pk).first()
    if view is None or not services.saved_view_may_change(actor=request.user, view=view):
        raise Http404
    services.saved_view_delete(actor=request.user, view=view)
    messages.success(request, _("The view is deleted."))
    return redirect("portal:queue_detail", code=queue.code)


@login_required
@require_POST
def case_macro(request: HttpRequest, number: str) -> HttpResponse:
    def act(case: Case) -> None:
        raw = request.POST.get("macro", "")
        macro = selectors.macros_for(case=case).filter(pk=int(raw) if raw.isdigit() else 0).first()
        if macro is None:
            raise DomainError.single(_("Choose a canned reply."), field="macro")
        services.case_apply_macro(actor=request.user, case=case, macro=macro)
        messages.success(request, _("The reply is sent."))

    return _act(request, number, act)


@login_required
def search(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()[:100]
    found = selectors.case_search_newest(user=request.user, text=text, limit=50) if text else []
    states = _labels(Case.State)  # and the links by prefix: per row in the template cost more
    cases = [(case, _case_link(case), states.get(case.state, case.state)) for case in found]
    articles = selectors.article_search(text=text, limit=10) if text else []
    return render(request, "portal/search.html", {"q": text, "cases": cases, "articles": articles})


# --- Knowledge base --------------------------------------------------------------------------


@login_required
def articles(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()[:100]
    found = (
        selectors.article_search(text=text, limit=30)
        if text
        else list(selectors.Article.objects.filter(is_published=True)[:100])
    )
    manager = access.has_permission_anywhere(request.user, MANAGE_CATALOGUE)
    return render(
        request,
        "portal/articles.html",
        {
            "q": text,
            "articles": found,
            "manager": manager,
            "due": selectors.articles_due_for_review(days=30) if manager else [],
        },
    )


@login_required
def article_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Write a new article or the next version of one (catalogue managers)."""
    import datetime as dt

    from koncernservice.portal.models import Article, Service

    if not access.has_permission_anywhere(request.user, MANAGE_CATALOGUE):
        raise PermissionDenied
    article = None
    if slug is not None:
        article = Article.objects.filter(slug=slug).select_related("owner", "service").first()
        if article is None:
            raise Http404
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        raw_date = request.POST.get("review_date", "").strip()
        service_code = request.POST.get("service", "")
        owner_name = request.POST.get("owner", "").strip()
        try:
            try:
                review = dt.date.fromisoformat(raw_date) if raw_date else None
            except ValueError as exc:
                raise DomainError.single(
                    _("Enter a date as YYYY-MM-DD."), field="review_date"
                ) from exc
            owner = None
            if owner_name:
                owner = User.objects.filter(username=owner_name, is_active=True).first()
                if owner is None:
                    raise DomainError.single(
                        _("No active user with that user name."), field="owner"
                    )
            saved = services.article_save(
                actor=request.user,
                slug=article.slug if article else request.POST.get("slug", "").strip(),
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                service=Service.objects.filter(code=service_code).first() if service_code else None,
                review_date=review,
                is_published=request.POST.get("is_published") == "1",
                owner=owner,
            )
        except DomainError as exc:
            errors = _domain_errors(exc)
        else:
            messages.success(
                request, _("Version %(n)d of the article is saved.") % {"n": saved.version}
            )
            return redirect("portal:article_edit", slug=saved.slug)
    return render(
        request,
        "portal/article_edit.html",
        {
            "article": article,
            "errors": errors,
            "general_errors": errors.get("__all__", []),
            "form": request.POST,
            "services": Service.objects.filter(is_active=True).order_by("name"),
            "versions": article.versions.select_related("author").order_by("-version")[:20]
            if article
            else [],
            # The renderer escapes the text (a safe Markdown subset).
            "preview": mark_safe(rules.render_markdown(article.body)) if article else "",
        },
        status=400 if errors else 200,
    )


@login_required
def article_changes(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    """What a version changed against the one before it (catalogue managers)."""
    if not access.has_permission_anywhere(request.user, MANAGE_CATALOGUE):
        raise PermissionDenied
    from koncernservice.portal.models import Article

    article = Article.objects.filter(slug=slug).first()  # published or not, as the editor
    if article is None:
        raise Http404
    wanted = [version - 1, version]
    versions = {
        v.version: v for v in article.versions.filter(version__in=wanted).select_related("author")
    }
    if version not in versions:
        raise Http404
    current, before = versions[version], versions.get(version - 1)
    return render(
        request,
        "portal/article_changes.html",
        {
            "article": article,
            "current": current,
            "before": before,
            "title_changed": before is not None and before.title != current.title,
            "lines": rules.text_diff(before.body if before else "", current.body),
        },
    )


@login_required
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = selectors.article_get(slug=slug)
    if request.method == "POST":
        services.article_feedback(article=article, helpful=request.POST.get("helpful") == "1")
        messages.success(request, _("Thank you for your feedback."))
        return redirect("portal:article_detail", slug=slug)
    html = mark_safe(rules.render_markdown(article.body))  # escaped by the renderer
    return render(
        request,
        "portal/article_detail.html",
        {
            "article": article,
            "html": html,
            "can_edit": access.has_permission_anywhere(request.user, MANAGE_CATALOGUE),
        },
    )


# --- Reports ---------------------------------------------------------------------------------


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    """Figures for a period (``?fra=…&til=…``, by default the last 365 days), charts and
    ``?export=xlsx``."""
    if not access.has_permission_anywhere(request.user, VIEW_REPORTS):
        raise PermissionDenied
    period, errors = period_from_query(
        request.GET, default_end=timezone.localdate(), default_days=366
    )
    for error in errors:
        messages.error(request, error)
    data = selectors.report(user=request.user, since=period.start, until=period.end)
    if request.GET.get("export") == "xlsx" and not errors:
        return _report_export(data)
    top = max([row["created"] for row in data["per_service"]] or [1])
    for row in data["per_service"]:
        row["width"] = round(100 * row["created"] / top)
    top_age = max(list(data["backlog_age"].values()) or [1]) or 1
    ages = [
        {"label": key, "count": value, "width": round(100 * value / top_age)}
        for key, value in data["backlog_age"].items()
    ]
    top_admin = max([row["created"] for row in data["administrations"]] or [1]) or 1
    for row in data["administrations"]:
        row["width"] = round(100 * row["created"] / top_admin, 1)
    weeks = data["per_week"]
    return render(
        request,
        "portal/reports.html",
        {
            "data": data,
            "ages": ages,
            "weeks": {
                **columns(weeks, ["created", "resolved"]),
                "first": weeks[0]["label"] if weeks else "",
                "last": weeks[-1]["label"] if weeks else "",
            },
            "period": period,
            "export_query": export_query(request),
        },
    )


def _report_export(data: dict[str, Any]) -> HttpResponse:
    keys = (
        "created",
        "sla_met",
        "sla_breached",
        "sla_compliance",
        "satisfaction",
        "suggestions_shown",
        "deflected",
    )
    per_service = [
        [row["service__name"], row["created"], row["resolved"]] for row in data["per_service"]
    ]
    weeks = [[row["label"], row["created"], row["resolved"]] for row in data["per_week"]]
    administrations = [[row["name"], row["created"]] for row in data["administrations"]]
    by_service = data["per_service_week"]
    service_weeks = [
        [str(_("Week")), *by_service["services"]],
        *([row["label"], *row["created"]] for row in by_service["rows"]),
    ]
    return excel_response(
        "portal-rapport",
        {
            "Tjenester": [[str(_("Service")), str(_("Created")), str(_("Resolved"))], *per_service],
            "Uger": [[str(_("Week")), str(_("Created")), str(_("Resolved"))], *weeks],
            "Forvaltninger": [[str(_("Administration")), str(_("Created"))], *administrations],
            "Tjenester pr. uge": service_weeks,
            "Nøgletal": [[key, data[key]] for key in keys],
        },
    )


@login_required
@require_POST
def case_attach(request: HttpRequest, number: str) -> HttpResponse:
    upload = request.FILES.get("file")

    def act(case: Case) -> None:
        if upload is None:
            raise DomainError.single(_("Choose a file."), field="file", code="required")
        services.case_attach(actor=request.user, case=case, upload=upload)
        messages.success(request, _("The file is attached."))

    return _act(request, number, act)


def _other_case(request: HttpRequest, field: str = "other") -> Case:
    """The case named in the form, or a Danish error (unknown and invisible alike)."""
    other = selectors.case_find(user=request.user, number=request.POST.get(field, ""))
    if other is None:
        raise DomainError.single(
            _("No case with that number that you can see."), field=field, code="unknown_case"
        )
    return other


@login_required
@require_POST
def case_link(request: HttpRequest, number: str) -> HttpResponse:
    def act(case: Case) -> None:
        services.case_link(actor=request.user, case=case, other=_other_case(request))
        messages.success(request, _("The cases are linked."))

    return _act(request, number, act)


@login_required
@require_POST
def case_unlink(request: HttpRequest, number: str) -> HttpResponse:
    def act(case: Case) -> None:
        services.case_unlink(actor=request.user, case=case, other=_other_case(request))
        messages.success(request, _("The link is removed."))

    return _act(request, number, act)


@login_required
@require_POST
def case_merge(request: HttpRequest, number: str) -> HttpResponse:
    def act(case: Case) -> None:
        into = _other_case(request)
        services.case_merge(
            actor=request.user, case=case, into=into, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("The case is merged into %(n)s.") % {"n": into.number})

    return _act(request, number, act)


@login_required
@require_POST
def case_parent(request: HttpRequest, number: str) -> HttpResponse:
    def act(case: Case) -> None:
        raw = request.POST.get("parent", "").strip()
        parent = _other_case(request, "parent") if raw else None
        services.case_set_parent(actor=request.user, case=case, parent=parent)
        messages.success(request, _("The parent case is saved."))

    return _act(request, number, act)


@login_required
def case_split(request: HttpRequest, number: str) -> HttpResponse:
    """Split a new case off this one: a title, a text and the replies, notes and attachments
    to copy."""
    case = selectors.case_get(user=request.user, number=number.upper())
    if not selectors.can_work(request.user, case):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            new = services.case_split(
                actor=request.user,
                case=case,
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                entries=[int(v) for v in request.POST.getlist("entries") if v.isdigit()],
                attachments=[int(v) for v in request.POST.getlist("attachments") if v.isdigit()],
            )
        except DomainError as exc:
            errors = _domain_errors(exc)
        else:
            messages.success(request, _("Case %(n)s has been created.") % {"n": new.number})
            return redirect("portal:case_detail", number=new.number)
    entries = [
        e for e in selectors.case_timeline(user=request.user, case=case) if e.kind != "event"
    ]
    return render(
        request,
        "portal/case_split.html",
        {
            "case": case,
            "entries": entries,
            "attachments": list(case.attachments.all()),
            "chosen_entries": set(request.POST.getlist("entries")),
            "chosen_attachments": set(request.POST.getlist("attachments")),
            "errors": errors,
            "general_errors": errors.get("__all__", []),
            "form": request.POST,
        },
        status=400 if errors else 200,
    )


@login_required
def attachment_download(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """Served through the case's visibility check (404 otherwise), never from /media/."""
    from django.http import FileResponse

    case = selectors.case_get(user=request.user, number=number.upper())
    attachment = case.attachments.filter(pk=pk).first()
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


# --- Serviceindgangen ------------------------------------------------------------------------


@login_required
def calls(request: HttpRequest) -> HttpResponse:
    """Log a call: find the caller, pick the topic and the outcome, save (one form)."""
    if not access.has_permission_anywhere(request.user, WORK_CASE):
        raise PermissionDenied
    from koncernservice.core.models import Person
    from koncernservice.portal.models import Call, Queue, Service

    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        raw_caller = request.POST.get("caller", "")
        raw_service = request.POST.get("service", "")
        raw_case = request.POST.get("case", "").strip()
        try:
            existing = selectors.case_find(user=request.user, number=raw_case) if raw_case else None
            if raw_case and existing is None:
                raise DomainError.single(
                    _("No case with that number that you can see."),
                    field="case",
                    code="unknown_case",
                )
            call = services.call_log(
                actor=request.user,
                caller=Person.objects.filter(pk=int(raw_caller)).first()
                if raw_caller.isdigit()
                else None,
                service=Service.objects.filter(code=raw_service).first(),
                outcome=request.POST.get("outcome", ""),
                duration_seconds=request.POST.get("duration_seconds", "0"),
                title=request.POST.get("title", ""),
                note=request.POST.get("note", ""),
                existing_case=existing,
                team=services.call_team(request.POST.get("team", "")),
            )
        except DomainError as exc:
            errors = _domain_errors(exc)
        else:
            if existing is not None:
                messages.success(
                    request, _("The call is logged on case %(n)s.") % {"n": existing.number}
                )
            elif call.case is not None:
                messages.success(
                    request, _("Case %(n)s has been created.") % {"n": call.case.number}
                )
            else:
                messages.success(request, _("The call is logged."))
            return redirect("portal:calls")
    return render(
        request,
        "portal/calls.html",
        {
            "errors": errors,
            "services": Service.objects.filter(is_active=True).order_by("name"),
            "outcomes": Call.Outcome.choices,
            "teams": Queue.objects.order_by("name"),
            "my_team": selectors.team_of(request.user),
            "report": selectors.call_report(user=request.user)
            if access.has_permission_anywhere(request.user, VIEW_REPORTS)
            else None,
        },
        status=400 if errors else 200,
    )


@login_required
def caller_lookup(request: HttpRequest) -> HttpResponse:
    found = selectors.caller_search(user=request.user, text=request.GET.get("q", "")[:60])
    return render(request, "portal/_callers.html", {"callers": found})


def _positive_int(raw: Any, default: int) -> int:
    try:
        return max(1, int(str(raw)))
    except (TypeError, ValueError):
        return default


# --- Catalogue administration ----------------------------------------------------------------


@login_required
def catalogue_admin(request: HttpRequest) -> HttpResponse:
    if not access.has_permission_anywhere(request.user, MANAGE_CATALOGUE):
        raise PermissionDenied
    from koncernservice.portal.models import Service

    rows = Service.objects.select_related("area", "default_queue").order_by(
        "area__position", "name"
    )
    return render(request, "portal/catalogue_admin.html", {"services": rows})


@login_required
def service_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Edit a service and publish a new version of its form (JSON), without code."""
    import json

    if not access.has_permission_anywhere(request.user, MANAGE_CATALOGUE):
        raise PermissionDenied
    from koncernservice.core.models import OrgUnit
    from koncernservice.portal.models import Queue, Service

    service = Service.objects.filter(code=code).select_related("area").first()
    if service is None:
        raise Http404
    form = selectors.current_form(service)
    errors: dict[str, list[str]] = {}
    fields_text = json.dumps(form.fields if form else [], ensure_ascii=False, indent=2)
    if request.method == "POST":
        fields_text = request.POST.get("fields", "[]")
        queue = Queue.objects.filter(code=request.POST.get("default_queue", "")).first()
        try:
            try:
                fields = json.loads(fields_text)
                if not isinstance(fields, list):
                    raise ValueError
            except ValueError as exc:
                raise DomainError.single(
                    _("The form definition must be a JSON list of fields."), field="fields"
                ) from exc
            with transaction.atomic():  # the service and its form, or neither
                services.service_update(
                    actor=request.user,
                    service=service,
                    name=request.POST.get("name", service.name).strip() or service.name,
                    description=request.POST.get("description", ""),
                    audience=request.POST.get("audience", service.audience),
                    default_queue=queue or service.default_queue,
                    first_response_hours=request.POST.get("first_response_hours", "0"),
                    resolution_hours=request.POST.get("resolution_hours", "0"),
                    confidential=request.POST.get("confidential") == "1",
                    retention_days=_positive_int(
                        request.POST.get("retention_days"), service.retention_days
                    ),
                    is_active=request.POST.get("is_active") == "1",
                    requester_units=request.POST.getlist("requester_units"),
                )
                if form is None or fields != form.fields:
                    services.service_form_publish(
                        actor=request.user, service=service, fields=fields
                    )
        except DomainError as exc:
            errors = _domain_errors(exc)
        else:
            messages.success(request, _("The service is saved."))
            return redirect("portal:catalogue_admin")
    return render(
        request,
        "portal/service_edit.html",
        {
            "service": service,
            "form": form,
            "fields_text": fields_text,
            "errors": errors,
            "queues": Queue.objects.order_by("name"),
            "audiences": Service.Audience.choices,
            "units": [
                (str(pk), "\u2003" * depth + name)
                for pk, name, depth in OrgUnit.objects.filter(is_active=True)
                .order_by("path")
                .values_list("pk", "name", "depth")
            ],
            "chosen_units": set(
                map(str, request.POST.getlist("requester_units"))
                if request.method == "POST"
                else map(str, service.requester_units.values_list("pk", flat=True))
            ),
        },
        status=400 if errors else 200,
    )


# --- Setup without code: areas, queues and teams, routing rules ---------------------------------


def _require_setup(request: HttpRequest) -> None:
    if not access.has_permission_anywhere(request.user, MANAGE_CATALOGUE):
        raise PermissionDenied


def _setup_page(
    request: HttpRequest, template: str, context: dict[str, Any], errors: dict[str, list[str]]
) -> HttpResponse:
    context.update(
        {"errors": errors, "general_errors": errors.get("__all__", []), "form": request.POST}
    )
    return render(request, template, context, status=400 if errors else 200)


@login_required
def setup_areas(request: HttpRequest) -> HttpResponse:
    """Service areas: the list, a form for a new one, and ``?rediger=<code>`` to change one."""
    _require_setup(request)
    from koncernservice.portal.models import ServiceArea

    editing = None
    if code := request.GET.get("rediger"):
        editing = ServiceArea.objects.filter(code=code).first()
        if editing is None:
            raise Http404
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete" and editing is not None:
                services.area_delete(actor=request.user, area=editing)
                messages.success(request, _("The area is deleted."))
            else:
                services.area_save(
                    actor=request.user,
                    area=editing,
                    code=request.POST.get("code"),
                    name=request.POST.get("name"),
                    position=request.POST.get("position"),
                )
                messages.success(request, _("The area is saved."))
        except DomainError as exc:
            errors = _domain_errors(exc)
        else:
            return redirect("portal:setup_areas")
    areas = ServiceArea.objects.annotate(n=Count("services")).order_by("position", "name")
    return _setup_page(
        request, "portal/setup_areas.html", {"areas": areas, "editing": editing}, errors
    )


@login_required
def setup_queues(request: HttpRequest) -> HttpResponse:
    """Queues with their calendar, confidentiality, OLA and team; ``?rediger=<code>``."""
    _require_setup(request)
    from koncernservice.core.models import BusinessCalendar
    from koncernservice.portal.models import Queue, QueueMember

    editing = None
    if code := request.GET.get("rediger"):
        editing = Queue.objects.filter(code=code).first()
        if editing is None:
            raise Http404
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "member_add" and editing is not None:
                user = User.objects.filter(
                    username=request.POST.get("username", "").strip(), is_active=True
                ).first()
                if user is None:
                    raise DomainError.single(
                        _("No active user with that user name."), field="username"
                    )
                services.queue_member_add(
                    actor=request.user,
                    queue=editing,
                    user=user,
                    is_lead=request.POST.get("is_lead") == "1",
                )
                messages.success(request, _("The team member is added."))
            elif action == "member_remove" and editing is not None:
                member = QueueMember.objects.filter(
                    queue=editing, pk=posted_id(request.POST.get("member"))
                ).first()
                if member is None:
                    raise Http404
                services.queue_member_remove(actor=request.user, member=member)
                messages.success(request, _("The team member is removed."))
            elif action == "delete" and editing is not None:
                services.queue_delete(actor=request.user, queue=editing)
                messages.success(request, _("The queue is deleted."))
                return redirect("portal:setup_queues")
            else:
                editing = services.queue_save(
                    actor=request.user,
                    queue=editing,
                    code=request.POST.get("code"),
                    name=request.POST.get("name"),
                    calendar_name=request.POST.get("calendar_name"),
                    restricted=request.POST.get("restricted") == "1",
                    ola_hours=request.POST.get("ola_hours"),
                    phone_queues=request.POST.get("phone_queues"),
                )
                messages.success(request, _("The queue is saved."))
        except DomainError as exc:
            errors = _domain_errors(exc)
        else:
            return redirect(reverse("portal:setup_queues") + f"?rediger={editing.code}")
    queues = Queue.objects.annotate(n=Count("memberships")).order_by("name")
    return _setup_page(
        request,
        "portal/setup_queues.html",
        {
            "queues": queues,
            "editing": editing,
            "members": editing.memberships.select_related("user").order_by("user__username")
            if editing
            else [],
            "calendars": sorted(
                {"standard", *BusinessCalendar.objects.values_list("name", flat=True)}
            ),
            "phone_queues_text": "\n".join(editing.phone_queues) if editing else "",
        },
        errors,
    )


@login_required
def setup_routing(request: HttpRequest) -> HttpResponse:
    """Routing rules in order; ``?rediger=<id>`` to change or delete one."""
    _require_setup(request)
    from koncernservice.core.models import OrgUnit
    from koncernservice.portal.models import Queue, RoutingRule, Service

    editing = None
    if pk := request.GET.get("rediger"):
        editing = RoutingRule.objects.filter(pk=int(pk) if pk.isdigit() else 0).first()
        if editing is None:
            raise Http404
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete" and editing is not None:
                services.routing_rule_delete(actor=request.user, rule=editing)
                messages.success(request, _("The rule is deleted."))
            else:
                unit = OrgUnit.objects.filter(pk=posted_id(request.POST.get("unit"))).first()
                service_code = request.POST.get("service", "")
                services.routing_rule_save(
                    actor=request.user,
                    rule=editing,
                    queue=Queue.objects.filter(code=request.POST.get("queue", "")).first(),
                    position=request.POST.get("position"),
                    service=Service.objects.filter(code=service_code).first()
                    if service_code
                    else None,
                    unit=unit,
                    keywords=request.POST.get("keywords", ""),
                    assign_least_loaded=request.POST.get("assign_least_loaded") == "1",
                )
                messages.success(request, _("The rule is saved."))
        except DomainError as exc:
            errors = _domain_errors(exc)
        else:
            return redirect("portal:setup_routing")
    rules_list = RoutingRule.objects.select_related("queue", "service", "unit").order_by(
        "position", "pk"
    )
    return _setup_page(
        request,
        "portal/setup_routing.html",
        {
            "rules": rules_list,
            "editing": editing,
            "queues": Queue.objects.order_by("name"),
            "services": Service.objects.order_by("name"),
            "units": _routing_units(editing),
        },
        errors,
    )


def _routing_units(editing: Any) -> list[Any]:
    """The municipality and its administrations, plus the unit of the rule being edited."""
    from koncernservice.core.models import OrgUnit

    units = list(OrgUnit.objects.filter(parent__parent__isnull=True).order_by("path")[:500])
    if editing is not None and editing.unit is not None and editing.unit not in units:
        units.append(editing.unit)
    return units


@login_required
def setup_macros(request: HttpRequest) -> HttpResponse:
    """Canned replies: the list, a form for a new one, ``?rediger=<id>`` to change or delete."""
    _require_setup(request)
    from koncernservice.portal.models import Macro, Queue

    editing = None
    if pk := request.GET.get("rediger"):
        editing = Macro.objects.filter(pk=int(pk) if pk.isdigit() else 0).first()
        if editing is None:
            raise Http404
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete" and editing is not None:
                services.macro_delete(actor=request.user, macro=editing)
                messages.success(request, _("The canned reply is deleted."))
            else:
                queue_code = request.POST.get("queue", "")
                services.macro_save(
                    actor=request.user,
                    macro=editing,
                    name=request.POST.get("name"),
                    body=request.POST.get("body"),
                    queue=Queue.objects.filter(code=queue_code).first() if queue_code else None,
                    state=request.POST.get("state", ""),
                    is_active=request.POST.get("is_active") == "1",
                )
                messages.success(request, _("The canned reply is saved."))
        except DomainError as exc:
            errors = _domain_errors(exc)
        else:
            return redirect("portal:setup_macros")
    return _setup_page(
        request,
        "portal/setup_macros.html",
        {
            "macros": Macro.objects.select_related("queue").order_by("name"),
            "editing": editing,
            "queues": Queue.objects.order_by("name"),
            "states": [(v, label) for v, label in Case.State.choices if v != "new"],
            "placeholders": ", ".join("{" + p + "}" for p in rules.MACRO_PLACEHOLDERS),
        },
        errors,
    )
