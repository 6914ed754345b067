"""Pages of pay transparency: thin views that parse, call a selector or service, and render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from koncernservice.core import access as core_access
from koncernservice.core.errors import DomainError, ErrorDetail
from koncernservice.core.forms import posted_id_or_404
from koncernservice.core.models import OrgUnit
from koncernservice.core.tables import Column, Table, excel_response, render_table
from koncernservice.paygap import access, documents, rules, selectors, services
from koncernservice.paygap.files import read_extract
from koncernservice.paygap.models import AnnualReport, InfoRequest, PayRecord


def _year(request: HttpRequest) -> int | None:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return selectors.latest_year()


def _errors(exc: DomainError) -> list[ErrorDetail]:
    return exc.errors or [ErrorDetail(str(exc.message))]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    units = selectors.statistics_units(request.user)
    if not units:
        return redirect("paygap:mine")
    year = _year(request)
    rows = []
    if year is not None:
        for unit in units:
            data = selectors.headline(unit=unit, year=year, smallest=selectors.min_group())
            rows.append({"unit": unit, "data": data})
    may_manage = core_access.has_permission_anywhere(request.user, access.MANAGE)
    return render(
        request,
        "paygap/home.html",
        {
            "year": year,
            "years": selectors.years(),
            "rows": rows,
            "may_manage": may_manage,
            # An auditor sees the statistics, not individual pay: no link to a 404.
            "may_view_pay": core_access.has_permission_anywhere(request.user, access.VIEW_PAY),
            "open_flags": selectors.flags(user=request.user).filter(status="open").count(),
        },
    )


@login_required
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    found = OrgUnit.objects.filter(pk=pk).first()
    if found is None or not core_access.holds_on_path(
        request.user, access.VIEW_STATISTICS, found.path
    ):
        raise Http404
    year = _year(request)
    if year is None:
        return render(request, "paygap/no_data.html")
    data = selectors.plain(selectors.unit_indicators(user=request.user, unit=found, year=year))
    if request.GET.get("export") == "xlsx":
        return excel_response(
            f"loenforskelle-{found.code}-{year}",
            {
                _("Categories"): [
                    [
                        _("Category"),
                        _("Women"),
                        _("Men"),
                        _("Gap %"),
                        _("Basic pay gap %"),
                        _("Complementary pay gap %"),
                    ],
                    *[
                        [
                            r["category"],
                            r["count"]["F"],
                            r["count"]["M"],
                            documents._num(r["gap"]),
                            documents._num(r["basic_gap"]),
                            documents._num(r["complementary_gap"]),
                        ]
                        for r in data["category_rows"]
                    ],
                ]
            },
        )
    return render(
        request,
        "paygap/unit.html",
        {
            "unit": found,
            "year": year,
            "years": selectors.years(),
            "data": data,
            **_charts(data),
        },
    )


def _charts(data: dict[str, Any]) -> dict[str, Any]:
    rows = data.get("category_rows", [])
    return {
        "quartile_bars": documents.quartile_bars(data.get("quartiles", [])),
        "gap_chart": documents.gap_bars(rows, "gap"),
        "share": data.get("share_receiving_complementary", {}),
    }


# --- Individual pay --------------------------------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    errors: list[ErrorDetail] = []
    if request.method == "POST":
        try:
            created = services.info_request_create(actor=request.user, year=_year(request))
            if created.status == InfoRequest.Status.ANSWERED:
                messages.success(request, _("Your request is answered: the letter is ready."))
            else:
                messages.success(
                    request, _("Your request is registered; HR answers within two months.")
                )
            return redirect("paygap:mine")
        except DomainError as exc:
            errors = _errors(exc)
    records = selectors.own_pay(user=request.user)
    rows = [
        {
            "record": r,
            "annual": r.basic_pay + r.complementary_pay,
            "hourly": rules.round_half_up(
                rules.Worker("", "F", "", r.basic_pay, r.complementary_pay, r.hours).hourly
            ),
        }
        for r in records
    ]
    person_id = getattr(request.user, "person_id", None)
    requests = InfoRequest.objects.filter(person_id=person_id) if person_id else []
    return render(
        request,
        "paygap/mine.html",
        {
            "rows": rows,
            "requests": requests,
            "errors": errors,
            "employment": selectors.own_employment(request.user),
        },
    )


@login_required
def pay(request: HttpRequest) -> HttpResponse:
    """Individual pay within the user's scope (managers, HR)."""
    if not core_access.has_permission_anywhere(request.user, access.VIEW_PAY):
        raise Http404
    year = _year(request)
    qs = core_access.restrict(
        PayRecord.objects.filter(year=year or 0), request.user, access.VIEW_PAY
    ).select_related("employment__person", "employment__unit", "category")
    table = Table(
        request=request,
        queryset=qs,
        columns=[
            Column(
                "employment__employee_number", _("Employee number"), "employment__employee_number"
            ),
            Column("employment__person__full_name", _("Name"), "employment__person__last_name"),
            Column("employment__unit__name", _("Unit"), "employment__unit__name"),
            Column(
                "category__name",
                _("Category"),
                "category__name",
                link=(
                    (lambda record: reverse("paygap:record_category", args=[record.pk]))
                    if core_access.has_permission_anywhere(request.user, access.MANAGE)
                    else None
                ),
            ),
            Column("basic_pay", _("Basic pay"), "basic_pay"),
            Column("complementary_pay", _("Complementary pay"), "complementary_pay"),
            Column("hours", _("Hours paid"), "hours"),
        ],
        search_fields=[
            "employment__employee_number",
            "employment__person__last_name",
            "category__name",
        ],
        default_sort="employment__employee_number",
        title=f"loen-{year}",
        page_size=50,
    )
    return render_table(request, "paygap/pay.html", table, year=year, years=selectors.years())


@login_required
def pay_import(request: HttpRequest) -> HttpResponse:
    """HR uploads the payroll's annual extract (CSV or Excel); all or nothing."""
    if not core_access.has_permission_anywhere(request.user, access.MANAGE):
        raise Http404
    errors: list[ErrorDetail] = []
    year_text = request.POST.get("year", "")
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise DomainError.single(_("Choose a file."), field="file", code="required")
            if not year_text.isdigit():
                raise DomainError.single(_("Give the year."), field="year", code="required")
            rows = read_extract(upload.name, upload.read())
            result = services.pay_import(
                actor=request.user, rows=rows, year=int(year_text), source=upload.name
            )
            messages.success(
                request,
                _("%(file)s: %(rows)d rows for %(year)d (%(replaced)d replaced).") % result,
            )
            return redirect(reverse("paygap:pay") + f"?year={year_text}")
        except DomainError as exc:
            errors = _errors(exc)
    return render(request, "paygap/import.html", {"errors": errors, "year": year_text})


# --- Categories ------------------------------------------------------------------------------


@login_required
def categories(request: HttpRequest) -> HttpResponse:
    if not core_access.has_permission_anywhere(request.user, access.MANAGE):
        raise Http404
    table = Table(
        request=request,
        queryset=selectors.categories(user=request.user),
        columns=[
            Column(
                "name", _("Name"), "name", link=lambda c: reverse("paygap:category", args=[c.pk])
            ),
            Column("agreement", _("Agreement"), "agreement"),
            Column("job_category", _("Job category"), "job_category"),
            Column("pay_band", _("Pay-step band"), "pay_band"),
            Column(
                "evaluated",
                _("Job evaluation recorded"),
                value=lambda c: _("Yes") if c.has_evaluation else _("No"),
            ),
        ],
        search_fields=["name", "agreement", "job_category"],
        default_sort="name",
        title="kategorier",
        page_size=50,
    )
    return render_table(request, "paygap/categories.html", table)


@login_required
def category(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.categories(user=request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    errors: list[ErrorDetail] = []
    if request.method == "POST":
        try:
            services.category_update(
                actor=request.user,
                category=found,
                name=request.POST.get("name", ""),
                skills=request.POST.get("skills", ""),
                effort=request.POST.get("effort", ""),
                responsibility=request.POST.get("responsibility", ""),
                working_conditions=request.POST.get("working_conditions", ""),
            )
            messages.success(request, _("The category is saved."))
            return redirect("paygap:category", pk=found.pk)
        except DomainError as exc:
            errors = _errors(exc)
    return render(request, "paygap/category.html", {"category": found, "errors": errors})


# --- Art. 10 flags and assessments ------------------------------------------------------------


@login_required
def flags(request: HttpRequest) -> HttpResponse:
    if not core_access.has_permission_anywhere(request.user, access.VIEW_STATISTICS):
        raise Http404
    errors: list[ErrorDetail] = []
    if request.method == "POST":
        year = _year(request)
        try:
            if year is None:
                raise DomainError.single(_("There is no pay data."), field="year")
            created = []
            for entity in selectors.legal_entities():
                if core_access.holds_on_path(request.user, access.MANAGE, entity.path):
                    created += services.flags_refresh(actor=request.user, entity=entity, year=year)
            messages.success(request, _("%(n)d new flags.") % {"n": len(created)})
            return redirect("paygap:flags")
        except DomainError as exc:
            errors = _errors(exc)
    return render(
        request,
        "paygap/flags.html",
        {
            "flags": selectors.flags(user=request.user).order_by("-year", "status", "-gap"),
            "errors": errors,
            "year": _year(request),
            "may_manage": core_access.has_permission_anywhere(request.user, access.MANAGE),
        },
    )


@login_required
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        found = selectors.flag_get(user=request.user, pk=pk)
    except DomainError:
        raise Http404 from None
    errors: list[ErrorDetail] = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "justify":
                services.flag_justify(
                    actor=request.user,
                    flag=found,
                    justification=request.POST.get("justification", ""),
                )
                messages.success(request, _("The justification is recorded."))
            elif action == "remedy":
                deadline = None
                if request.POST.get("deadline"):
                    try:
                        deadline = dt.date.fromisoformat(request.POST["deadline"])
                    except ValueError:
                        raise DomainError.single(
                            _("Not a valid date (use YYYY-MM-DD)."), field="deadline"
                        ) from None
                services.flag_remedy(
                    actor=request.user,
                    flag=found,
                    remedy=request.POST.get("remedy", ""),
                    deadline=deadline,
                )
                messages.success(request, _("The remedy is recorded."))
            elif action == "remedied":
                services.flag_remedied(actor=request.user, flag=found)
                messages.success(request, _("The flag is marked as remedied."))
            elif action == "assessment" and hasattr(found, "assessment"):
                services.assessment_update(
                    actor=request.user,
                    assessment=found.assessment,
                    reasons=request.POST.get("reasons", ""),
                    measures=request.POST.get("measures", ""),
                    follow_up=request.POST.get("follow_up", ""),
                    representatives=request.POST.get("representatives", ""),
                    complete=bool(request.POST.get("complete")),
                )
                messages.success(request, _("The joint pay assessment is saved."))
            else:
                raise DomainError.single(_("Unknown action."), field="action")
            return redirect("paygap:flag", pk=found.pk)
        except DomainError as exc:
            errors = _errors(exc)
    assessment = getattr(found, "assessment", None)
    return render(
        request,
        "paygap/flag.html",
        {
            "flag": found,
            "assessment": assessment,
            "errors": errors,
            "may_manage": core_access.holds_on_path(request.user, access.MANAGE, found.unit.path),
            "limit": rules.add_months(found.flagged_on, rules.REMEDY_MONTHS),
        },
    )


# --- Art. 7 requests --------------------------------------------------------------------------


@login_required
def requests_list(request: HttpRequest) -> HttpResponse:
    if not core_access.has_permission_anywhere(request.user, access.MANAGE):
        raise Http404
    qs = core_access.restrict(
        InfoRequest.objects.all(), request.user, access.MANAGE
    ).select_related("person", "employment__unit")
    return render(
        request,
        "paygap/requests.html",
        {"items": qs.order_by("status", "due_on", "pk")[:500], "today": dt.date.today()},
    )


@login_required
@require_POST
def request_answer(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.info_requests(user=request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    try:
        services.info_request_answer(actor=request.user, request=found)
        messages.success(request, _("The request is answered."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("paygap:requests")


@login_required
def letter(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.info_requests(user=request.user).filter(pk=pk).first()
    if found is None or found.status != InfoRequest.Status.ANSWERED:
        raise Http404
    response = HttpResponse(documents.letter_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="loenoplysninger-{found.pk}.pdf"'
    return response


# --- Reports ----------------------------------------------------------------------------------


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    if not core_access.has_permission_anywhere(request.user, access.VIEW_STATISTICS):
        raise Http404
    errors: list[ErrorDetail] = []
    if request.method == "POST":
        year = _year(request)
        entity = OrgUnit.objects.filter(pk=posted_id_or_404(request.POST.get("unit", "0"))).first()
        try:
            if entity is None or year is None:
                raise DomainError.single(_("Choose a legal entity and a year."), field="unit")
            report = services.report_prepare(actor=request.user, entity=entity, year=year)
            messages.success(request, _("The report is prepared."))
            return redirect("paygap:report", pk=report.pk)
        except DomainError as exc:
            errors = _errors(exc)
    return render(
        request,
        "paygap/reports.html",
        {
            "reports": selectors.reports(user=request.user),
            "entities": [
                e
                for e in selectors.legal_entities()
                if core_access.holds_on_path(request.user, access.MANAGE, e.path)
            ],
            "years": selectors.years(),
            "errors": errors,
        },
    )


def _report_for(request: HttpRequest, pk: int) -> AnnualReport:
    found = selectors.reports(user=request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    found = _report_for(request, pk)
    errors: list[ErrorDetail] = []
    if request.method == "POST":
        try:
            if request.POST.get("action") == "approve":
                services.report_approve(actor=request.user, report=found)
                messages.success(request, _("The report is approved and frozen."))
            else:
                services.report_prepare(actor=request.user, entity=found.unit, year=found.year)
                messages.success(request, _("The report is recomputed."))
            return redirect("paygap:report", pk=found.pk)
        except DomainError as exc:
            errors = _errors(exc)
    sections = [{"data": s, **_charts(s)} for s in found.data.get("sections", [])]
    return render(
        request,
        "paygap/report.html",
        {
            "report": found,
            "sections": sections,
            "errors": errors,
            "may_approve": found.status == AnnualReport.Status.DRAFT
            and core_access.holds_on_path(request.user, access.APPROVE_REPORT, found.unit.path),
            "may_manage": found.status == AnnualReport.Status.DRAFT
            and core_access.holds_on_path(request.user, access.MANAGE, found.unit.path),
        },
    )


@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    found = _report_for(request, pk)
    response = HttpResponse(documents.report_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="loenrapport-{found.year}.pdf"'
    return response


@login_required
def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    found = _report_for(request, pk)
    response = HttpResponse(
        documents.report_xlsx(found),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="loenrapport-{found.year}.xlsx"'
    return response


@login_required
def record_category(request: HttpRequest, pk: int) -> HttpResponse:
    """HR moves one worker's pay record to another category of workers, with a reason
    (audited): the default grouping is a starting point, the job evaluation decides."""
    record = (
        core_access.restrict(PayRecord.objects.all(), request.user, access.MANAGE)
        .select_related("employment__person", "employment__unit", "category")
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise Http404
    choices = selectors.categories(user=request.user).order_by("name")
    errors: list[ErrorDetail] = []
    if request.method == "POST":
        target = choices.filter(pk=posted_id_or_404(request.POST.get("category", ""))).first()
        try:
            if target is None:
                raise DomainError.single(_("Choose a category."), field="category")
            services.record_assign_category(
                actor=request.user,
                record=record,
                category=target,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("The worker is moved to %(c)s.") % {"c": target.name})
            return redirect(reverse("paygap:pay") + f"?year={record.year}")
        except DomainError as exc:
            errors = _errors(exc)
    return render(
        request,
        "paygap/record_category.html",
        {"record": record, "choices": choices, "errors": errors},
        status=400 if errors else 200,
    )
