"""Pages of time registration: thin views that parse, call a selector or service, and render."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from koncernservice.core import access as core_access
from koncernservice.core import selectors as core_selectors
from koncernservice.core.errors import DomainError, ErrorDetail
from koncernservice.core.models import Employment, OrgUnit
from koncernservice.core.tables import excel_response
from koncernservice.worktime import access, rules, selectors, services
from koncernservice.worktime.models import Kind, TimeEntry, WorkPattern

KIND_CHOICES = [("", "–"), *Kind.choices]


def _parse_day(text: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _parse_month(text: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{text}-01") if text else timezone.localdate().replace(day=1)
    except ValueError:
        return timezone.localdate().replace(day=1)


def _employment_for_page(request: HttpRequest, permission: str) -> Employment | None:
    """``?employment=pk`` (someone the user may see or register for), else the user's own."""
    if request.GET.get("employment") or request.POST.get("employment"):
        raw = request.GET.get("employment") or request.POST.get("employment") or ""
        if not raw.isdigit():
            raise Http404
        return selectors.employment_get(user=request.user, pk=int(raw), permission=permission)
    own = selectors.own_employments(user=request.user, on=timezone.localdate())
    return own[0] if own else None


# --- The employee's week ----------------------------------------------------------------------


def parse_clock(value: str) -> dt.time:
    """A time of day typed quickly: ``14:00``, ``14.00``, ``1400``, ``930`` or ``14``."""
    text = value.strip().replace(".", ":")
    if ":" not in text and text.isdigit():
        text = f"{text}:00" if len(text) <= 2 else f"{text[:-2]}:{text[-2:]}"
    hours, _sep, minutes = text.partition(":")
    if not (hours.isascii() and hours.isdigit() and len(hours) <= 2):
        raise ValueError(value)  # also "99999999999999999999", which dt.time overflows on
    if not (minutes.isascii() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(value)
    if int(hours) == 24 and int(minutes) == 0:
        return dt.time(0)
    return dt.time(int(hours), int(minutes))


def _clock(value: str, field: str, errors: list[ErrorDetail]) -> dt.time | None:
    if not value.strip():
        return None
    try:
        return parse_clock(value)
    except ValueError:
        errors.append(ErrorDetail(_("Not a time of day (use HH:MM)."), field=field))
        return None


def _whole(value: str, field: str, errors: list[ErrorDetail]) -> int:
    value = value.strip()
    if not value:
        return 0
    if not value.isdigit():
        errors.append(ErrorDetail(_("The break is a whole number of minutes."), field=field))
        return 0
    return int(value)


def _hours(value: str, field: str, errors: list[ErrorDetail]) -> int | None:
    value = value.strip().replace(",", ".")
    if not value:
        return None
    try:
        return int(Decimal(value) * 60)
    except InvalidOperation:
        errors.append(ErrorDetail(_("Hours must be a number."), field=field))
        return None


def parse_week_form(
    data: Any, days: list[dt.date]
) -> tuple[dict[dt.date, list[services.EntryInput]], list[ErrorDetail]]:
    """The week form: one row per day (type, start, end, break, hours, half day)."""
    result: dict[dt.date, list[services.EntryInput]] = {}
    errors: list[ErrorDetail] = []
    for index, day in enumerate(days):
        if data.get(f"keep_{index}"):
            continue  # a day with several periods, shown but not edited here
        kind = data.get(f"kind_{index}", "")
        if not kind:
            result[day] = []
            continue
        start = _clock(data.get(f"start_{index}", ""), day.isoformat(), errors)
        end = _clock(data.get(f"end_{index}", ""), day.isoformat(), errors)
        result[day] = [
            services.EntryInput(
                kind=kind,
                start=start,
                end=end,
                break_minutes=_whole(data.get(f"break_{index}", ""), day.isoformat(), errors),
                minutes=_hours(data.get(f"hours_{index}", ""), day.isoformat(), errors)
                if start is None
                else None,
                half_day=bool(data.get(f"half_{index}")),
            )
        ]
    return result, errors


def _prefill(row: selectors.DayRow, pattern: Any) -> dict[str, Any]:
    """What the form shows for a day: its entry, else the schedule for a working day."""
    if len(row.entries) > 1:
        return {"keep": True}
    if row.entries:
        entry = row.entries[0]
        return {
            "kind": entry.kind,
            "start": f"{entry.start:%H:%M}" if entry.start else "",
            "end": f"{entry.end:%H:%M}" if entry.end else "",
            "break": entry.break_minutes or "",
            "hours": rules.hours(entry.minutes) if entry.start is None else "",
            "saved": True,
        }
    if row.norm_minutes and pattern.mode != "exempt":
        start = dt.datetime.combine(row.date, pattern.day_start)
        end = start + dt.timedelta(minutes=row.norm_minutes)
        return {"kind": "work", "start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "schedule": True}
    return {"kind": ""}


@login_required
def week(request: HttpRequest) -> HttpResponse:
    employment = _employment_for_page(request, access.VIEW_TIME)
    if employment is None:
        return render(request, "worktime/no_employment.html", status=200)
    monday = selectors.monday_of(_parse_day(request.GET.get("date") or request.POST.get("date")))
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    errors: list[ErrorDetail] = []
    if request.method == "POST":
        try:
            if request.POST.get("action") == "copy":
                _copy_last_week(request.user, employment, monday)
                messages.success(request, _("Last week was copied."))
            else:
                parsed, errors = parse_week_form(request.POST, days)
                if errors:
                    raise DomainError(_("The registration was not saved."), errors)
                services.days_register(
                    actor=request.user,
                    employment=employment,
                    days=parsed,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("The week is saved."))
            query = f"?date={monday.isoformat()}"
            if request.GET.get("employment") or request.POST.get("employment"):
                query += f"&employment={employment.pk}"
            return redirect(reverse("worktime:week") + query)
        except DomainError as exc:
            errors = exc.errors or [ErrorDetail(str(exc.message))]
    pattern = selectors.work_pattern(employment)
    rows = selectors.week_days(employment=employment, monday=monday)
    form_rows = []
    for index, row in enumerate(rows):
        values = _prefill(row, pattern)
        if request.method == "POST" and not values.get("keep"):
            values = {
                "kind": request.POST.get(f"kind_{index}", ""),
                "start": request.POST.get(f"start_{index}", ""),
                "end": request.POST.get(f"end_{index}", ""),
                "break": request.POST.get(f"break_{index}", ""),
                "hours": request.POST.get(f"hours_{index}", ""),
                "half": bool(request.POST.get(f"half_{index}")),
            }
        form_rows.append({"index": index, "row": row, "values": values})
    findings = selectors.findings_for(employments=[employment], first=days[0], last=days[-1])
    return render(
        request,
        "worktime/week.html",
        {
            "employment": employment,
            "pattern": pattern,
            "monday": monday,
            "previous": monday - dt.timedelta(days=7),
            "next": monday + dt.timedelta(days=7),
            "form_rows": form_rows,
            "kinds": KIND_CHOICES,
            "errors": errors,
            "worked": rules.hours(sum(r.worked_minutes for r in rows)),
            "norm": rules.hours(sum(r.norm_minutes for r in rows)),
            "findings": [
                (rule_names().get(f.rule, f.rule), f) for f in findings.get(employment.pk, [])
            ],
            "is_own": services.is_own(request.user, employment),
            "week_number": monday.isocalendar().week,
        },
        status=400 if errors else 200,
    )


def _copy_last_week(user: Any, employment: Employment, monday: dt.date) -> None:
    last = monday - dt.timedelta(days=7)
    days: dict[dt.date, list[services.EntryInput]] = {}
    for entry in TimeEntry.objects.filter(
        employment=employment, date__gte=last, date__lt=monday
    ).order_by("date", "start"):
        days.setdefault(entry.date + dt.timedelta(days=7), []).append(
            services.EntryInput(
                kind=entry.kind,
                start=entry.start,
                end=entry.end,
                break_minutes=entry.break_minutes,
                minutes=entry.minutes if entry.start is None else None,
            )
        )
    if not days:
        raise DomainError.single(_("Last week has no registrations to copy."), code="empty")
    services.days_register(actor=user, employment=employment, days=days)


# --- Holiday ----------------------------------------------------------------------------------


@login_required
def holiday(request: HttpRequest) -> HttpResponse:
    employment = _employment_for_page(request, access.VIEW_TIME)
    if employment is None:
        return render(request, "worktime/no_employment.html")
    on = _parse_day(request.GET.get("on"))
    balances = selectors.holiday_balances(employment=employment, on=on)
    return render(
        request,
        "worktime/holiday.html",
        {
            "employment": employment,
            "on": on,
            "holiday": balances["holiday"],
            "special": balances["special_holiday"],
        },
    )


# --- The manager's overview -------------------------------------------------------------------


def _overview_units(user: Any) -> list[OrgUnit]:
    paths = core_access.scope_paths(user, access.VIEW_TIME)
    if not paths:
        return []
    if paths == ["/"]:
        return list(OrgUnit.objects.filter(parent__isnull=True))
    return list(OrgUnit.objects.filter(path__in=paths).order_by("name"))


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    units = _overview_units(request.user)
    if not units:
        raise PermissionDenied
    month = f"{_parse_month(request.GET['month']):%Y-%m}" if request.GET.get("month") else ""
    if len(units) == 1:
        url = reverse("worktime:unit", args=[units[0].pk])
        return redirect(f"{url}?month={month}" if month else url)
    return render(request, "worktime/overview.html", {"units": units, "month": month})


def _unit(request: HttpRequest, pk: int, permission: str = access.VIEW_TIME) -> OrgUnit:
    unit = core_selectors.unit_get(user=request.user, pk=pk)
    if not core_access.holds_on_path(request.user, permission, unit.path):
        raise Http404
    return unit


@login_required
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    month = _parse_month(request.GET.get("month") or request.POST.get("month"))
    errors: list[ErrorDetail] = []
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("employment") if v.isdigit()]
        employments = list(
            core_access.restrict(Employment.objects.all(), request.user, access.APPROVE_TIME)
            .filter(pk__in=ids)
            .select_related("unit")
        )
        if len(employments) != len(set(ids)):
            raise Http404
        try:
            if not employments:
                raise DomainError.single(_("Choose at least one employee."), code="required")
            created = services.period_approve(
                actor=request.user, employments=employments, month=month
            )
            messages.success(
                request, _("%(n)d approved for %(m)s.") % {"n": len(created), "m": f"{month:%m-%Y}"}
            )
            return redirect(reverse("worktime:unit", args=[unit.pk]) + f"?month={month:%Y-%m}")
        except DomainError as exc:
            errors = exc.errors
    include_sub = request.GET.get("sub") == "1"
    today = timezone.localdate()
    rows = selectors.unit_overview(
        user=request.user, unit=unit, month=month, today=today, include_subunits=include_sub
    )
    if request.GET.get("export") == "xlsx":
        return _overview_xlsx(unit, month, rows)
    closing = selectors.month_closing(unit=unit, month=month)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    max_hours = max([max(r.worked_minutes, r.norm_minutes) for r in rows] or [1]) or 1
    absence = selectors.absence_figures(rows)
    return render(
        request,
        "worktime/unit.html",
        {
            "unit": unit,
            "month": month,
            # a month still running: the norm counts to today (selectors.unit_overview)
            "norm_until": today if month <= today < following else None,
            "include_sub": include_sub,
            "children": core_selectors.unit_children(user=request.user, unit=unit),
            "previous": previous,
            "following": following,
            "rows": rows,
            "errors": errors,
            "closing": closing,
            "can_approve": core_access.holds_on_path(request.user, access.APPROVE_TIME, unit.path),
            "can_close": core_access.holds_on_path(request.user, access.CLOSE_MONTH, unit.path),
            "can_change": core_access.holds_on_path(request.user, access.CHANGE_TIME, unit.path),
            "can_export": core_access.holds_on_path(request.user, access.EXPORT_PAYROLL, unit.path),
            "table_rows": [
                (
                    r,
                    round(100 * r.worked_minutes / max_hours),
                    min(99, round(100 * r.norm_minutes / max_hours)),
                )
                for r in rows
            ],
            "complete": sum(1 for r in rows if r.complete),
            "absence": absence,
            "absence_max": max([a.percent_of_norm for a in absence] or [Decimal(1)]) or 1,
            "sickness_rate": next(a.percent_of_norm for a in absence if a.kind == Kind.SICKNESS),
            "overtime_hours": rules.hours(sum(r.overtime_minutes for r in rows)),
            "violation_count": sum(len(r.violations) for r in rows),
        },
        status=400 if errors else 200,
    )


def _overview_xlsx(
    unit: OrgUnit, month: dt.date, rows: list[selectors.OverviewRow]
) -> HttpResponse:
    header = [
        _("Name"),
        _("Employee no."),
        _("Norm hours"),
        _("Worked hours"),
        _("Absence hours"),
        _("Balance"),
        _("Days missing"),
        _("Violations"),
        _("Approved"),
    ]
    lines = [
        [
            r.employment.person.full_name,
            r.employment.employee_number,
            float(r.norm_hours),
            float(r.worked_hours),
            float(r.absence_hours),
            float(r.balance_hours),
            r.days_missing,
            len(r.violations),
            _("Yes") if r.approved else _("No"),
        ]
        for r in rows
    ]
    absence = [
        [_("Type"), _("Hours"), _("Share of norm (%)")],
        *[
            [a.label, float(a.hours), float(a.percent_of_norm)]
            for a in selectors.absence_figures(rows)
        ],
    ]
    return excel_response(
        f"tid-{unit.code}-{month:%Y-%m}",
        {f"{month:%Y-%m}": [header, *lines], _("Absence by type"): absence},
    )


@login_required
def violations(request: HttpRequest, pk: int) -> HttpResponse:
    """The supervision list: every working-time finding in the unit's month."""
    unit = _unit(request, pk)
    month = _parse_month(request.GET.get("month"))
    include_sub = request.GET.get("sub") == "1"
    rows = selectors.unit_overview(
        user=request.user,
        unit=unit,
        month=month,
        today=timezone.localdate(),
        include_subunits=include_sub,
    )
    items = [
        {"employment": r.employment, "finding": f, "is_violation": f.rule in selectors.VIOLATIONS}
        for r in rows
        for f in r.findings
    ]
    return render(
        request,
        "worktime/violations.html",
        {
            "unit": unit,
            "month": month,
            "items": items,
            "rule_names": rule_names(),
            "sub_query": "&sub=1" if include_sub else "",
        },
    )


def rule_names() -> dict[str, str]:
    return {
        rules.RULE_DAILY_REST: _("Daily rest under 11 hours"),
        rules.RULE_DAILY_REST_REDUCED: _("Daily rest reduced (agreement)"),
        rules.RULE_WEEKLY_REST: _("Weekly rest under 35 hours"),
        rules.RULE_AVERAGE_48: _("Average above 48 hours a week"),
        rules.RULE_AVERAGE_TREND: _("Average near 48 hours a week"),
    }


@login_required
@require_POST
def close_month(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk, access.CLOSE_MONTH)
    month = _parse_month(request.POST.get("month"))
    try:
        if request.POST.get("action") == "reopen":
            services.month_reopen(
                actor=request.user, unit=unit, month=month, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The month is reopened."))
        else:
            services.month_close(actor=request.user, unit=unit, month=month)
            messages.success(request, _("The month is closed for payroll."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("worktime:unit", args=[unit.pk]) + f"?month={month:%Y-%m}")


@login_required
def payroll(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk, access.EXPORT_PAYROLL)
    month = _parse_month(request.GET.get("month"))
    try:
        lines = selectors.payroll_rows(user=request.user, unit=unit, month=month)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("worktime:unit", args=[unit.pk]) + f"?month={month:%Y-%m}")
    name = f"loen-{unit.code}-{month:%Y-%m}"
    if request.GET.get("format") == "xlsx":
        sheet = [selectors.PAYROLL_COLUMNS, *(list(line.values()) for line in lines)]
        return excel_response(name, {f"{month:%Y-%m}": sheet})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.DictWriter(response, fieldnames=selectors.PAYROLL_COLUMNS)
    writer.writeheader()
    writer.writerows(lines)
    return response


# --- Work pattern (how an employment registers time) -------------------------------------------

WEEKDAY_LABELS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


@login_required
def pattern(request: HttpRequest, pk: int) -> HttpResponse:
    """Registration mode, working days, exemption reason and rest reduction of an employment
    (HR): the law asks for the exemption's reason, and every change is audited."""
    employment = selectors.employment_get(user=request.user, pk=pk, permission=access.CHANGE_TIME)
    if not core_access.holds_on_path(request.user, access.CHANGE_TIME, employment.unit.path):
        raise Http404  # one's own time is registered on the week page, not re-classified here
    current = selectors.work_pattern(employment)
    errors: list[ErrorDetail] = []
    values = {
        "mode": current.mode,
        "work_days": current.work_days,
        "exempt_reason": current.exempt_reason,
        "reduced_rest_allowed": current.reduced_rest_allowed,
        "day_start": current.day_start.strftime("%H:%M") if current.day_start else "08:00",
        "reason": "",
    }
    if request.method == "POST":
        values = {
            "mode": request.POST.get("mode", ""),
            "work_days": "".join(request.POST.getlist("work_days")),
            "exempt_reason": request.POST.get("exempt_reason", ""),
            "reduced_rest_allowed": request.POST.get("reduced_rest_allowed") == "on",
            "day_start": request.POST.get("day_start", ""),
            "reason": request.POST.get("reason", ""),
        }
        day_start = _clock(str(values["day_start"]), "day_start", errors)
        if not errors:
            try:
                services.pattern_set(
                    actor=request.user,
                    employment=employment,
                    mode=str(values["mode"]),
                    work_days=str(values["work_days"]),
                    exempt_reason=str(values["exempt_reason"]),
                    reduced_rest_allowed=bool(values["reduced_rest_allowed"]),
                    day_start=day_start,
                    reason=str(values["reason"]),
                )
            except DomainError as exc:
                errors.extend(exc.errors)
            else:
                messages.success(request, _("The registration settings are saved."))
                return redirect(reverse("worktime:unit", args=[employment.unit_id]))
    days = [
        (str(number), label, str(number) in str(values["work_days"]))
        for number, label in enumerate(WEEKDAY_LABELS)
    ]
    return render(
        request,
        "worktime/pattern.html",
        {
            "employment": employment,
            "values": values,
            "days": days,
            "modes": WorkPattern.Mode.choices,
            "errors": errors,
        },
        status=400 if errors else 200,
    )
