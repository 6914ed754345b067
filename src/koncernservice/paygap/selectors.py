"""Reads of pay transparency: pay data within scope, indicators per unit with suppression.

Indicators are computed by :mod:`koncernservice.paygap.rules` over the pay records of a unit's
subtree: a *legal entity* is a root unit (Københavns Kommune has one CVR number, so the
municipality is the legal entity); an *administration* is a unit of kind administration
(the units right below the root).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from koncernservice.core import access as core_access
from koncernservice.core.errors import AccessDenied, DomainError
from koncernservice.core.models import Employment, OrgUnit, subtree_q
from koncernservice.paygap import access, rules
from koncernservice.paygap.models import (
    AnnualReport,
    CategoryFlag,
    InfoRequest,
    JointPayAssessment,
    PayRecord,
    WorkerCategory,
)


def min_group() -> int:
    """The smallest group (of each sex) whose figures are published (``KS_PAYGAP_MIN_GROUP``)."""
    return int(getattr(settings, "PAYGAP_MIN_GROUP", rules.DEFAULT_MIN_GROUP))


def plain(value: Any) -> Any:
    """JSON-safe: Decimals as strings, recursively."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def legal_entity_of(unit: OrgUnit) -> OrgUnit:
    return OrgUnit.objects.get(pk=unit.ancestor_ids[0])


def legal_entities() -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(parent__isnull=True).order_by("name"))


def administrations_of(entity: OrgUnit) -> list[OrgUnit]:
    return list(
        OrgUnit.objects.filter(parent=entity, kind=OrgUnit.Kind.ADMINISTRATION).order_by("name")
    )


def years() -> list[int]:
    return sorted(set(PayRecord.objects.values_list("year", flat=True).distinct()), reverse=True)


def latest_year() -> int | None:
    found = years()
    return found[0] if found else None


def workers(*, unit: OrgUnit, year: int) -> list[rules.Worker]:
    """The pay records of the unit's subtree in ``year`` as workers (no access check)."""
    rows = (
        PayRecord.objects.filter(year=year)
        .filter(subtree_q("employment__unit__path", [unit.path]))
        .values_list(
            "employment__employee_number",
            "employment__person__legal_sex",
            "category__name",
            "basic_pay",
            "complementary_pay",
            "hours",
        )
        .order_by("employment__employee_number")
    )
    return [rules.Worker(*row) for row in rows]


def require_statistics(user: Any, unit: OrgUnit) -> None:
    if not core_access.holds_on_path(user, access.VIEW_STATISTICS, unit.path):
        raise AccessDenied(_("You do not have access to this unit."))


def statistics_units(user: Any) -> list[OrgUnit]:
    """Legal entities and administrations whose statistics the user may see."""
    result = []
    for entity in legal_entities():
        for unit in [entity, *administrations_of(entity)]:
            if core_access.holds_on_path(user, access.VIEW_STATISTICS, unit.path):
                result.append(unit)
    return result


def unit_indicators(*, user: Any, unit: OrgUnit, year: int) -> dict[str, Any]:
    """Art. 9 indicators for the unit's subtree, too-small groups suppressed."""
    require_statistics(user, unit)
    return section(unit=unit, year=year, smallest=min_group())


def section(*, unit: OrgUnit, year: int, smallest: int) -> dict[str, Any]:
    """One unit's part of a report: indicators (suppressed) and category figures."""
    found = workers(unit=unit, year=year)
    data = rules.suppressed_indicators(found, smallest)
    figures = rules.category_figures(found)
    data["category_rows"] = [
        {
            "category": f.category,
            "count": f.count,
            "published": rules.publishable(f.count, smallest),
            "gap": f.gap if rules.publishable(f.count, smallest) else None,
            "basic_gap": f.basic_gap if rules.publishable(f.count, smallest) else None,
            "complementary_gap": f.complementary_gap
            if rules.publishable(f.count, smallest)
            else None,
            "mean_hourly": f.mean_hourly
            if rules.publishable(f.count, smallest)
            else {s: None for s in rules.SEXES},
        }
        for f in figures.values()
    ]
    data["unit"] = {"id": unit.pk, "name": unit.name, "code": unit.code}
    data["year"] = year
    data["min_group"] = smallest
    return data


def headline(*, unit: OrgUnit, year: int, smallest: int) -> dict[str, Any]:
    """Counts and the mean and median gap of a unit (the overview page), suppressed."""
    found = workers(unit=unit, year=year)
    count = rules.counts(found)
    published = rules.publishable(count, smallest)
    return {
        "count": count,
        "mean_gap": rules.mean_gap(found) if published else None,
        "median_gap": rules.median_gap(found) if published else None,
    }


def report_data(*, entity: OrgUnit, year: int, smallest: int) -> dict[str, Any]:
    """The annual report: the legal entity and each administration (JSON-safe)."""
    sections = [section(unit=entity, year=year, smallest=smallest)]
    for unit in administrations_of(entity):
        sections.append(section(unit=unit, year=year, smallest=smallest))
    return plain({"year": year, "min_group": smallest, "sections": sections})


# --- Individual pay -------------------------------------------------------------------------


def pay_records(*, user: Any) -> QuerySet[PayRecord]:
    """Pay records the user may see: in scope for managers and HR, and always their own."""
    qs = core_access.restrict(PayRecord.objects.all(), user, access.VIEW_PAY)
    person_id = getattr(user, "person_id", None)
    if person_id:
        qs = qs | PayRecord.objects.filter(employment__person_id=person_id)
    return qs.select_related("employment__person", "employment__unit", "category")


def own_pay(*, user: Any) -> list[PayRecord]:
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return []
    return list(
        PayRecord.objects.filter(employment__person_id=person_id)
        .select_related("employment__unit", "category")
        .order_by("-year", "employment__employee_number")
    )


def own_employment(user: Any) -> Employment | None:
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return None
    return (
        Employment.objects.filter(person_id=person_id, end_date__isnull=True)
        .select_related("unit")
        .order_by("-start_date", "pk")
        .first()
        or Employment.objects.filter(person_id=person_id)
        .select_related("unit")
        .order_by("-start_date", "pk")
        .first()
    )


# --- Categories, flags, requests, reports ----------------------------------------------------


def require_manage(user: Any, unit: OrgUnit | None = None) -> None:
    if unit is None:
        core_access.require(user, access.MANAGE)
    elif not core_access.holds_on_path(user, access.MANAGE, unit.path):
        raise AccessDenied(_("You do not have access to this unit."))


def categories(*, user: Any) -> QuerySet[WorkerCategory]:
    if not core_access.has_permission_anywhere(user, access.MANAGE):
        return WorkerCategory.objects.none()
    return WorkerCategory.objects.all()


def flags(*, user: Any) -> QuerySet[CategoryFlag]:
    return core_access.restrict(
        CategoryFlag.objects.select_related("category", "unit"), user, access.VIEW_STATISTICS
    )


def flag_get(*, user: Any, pk: int) -> CategoryFlag:
    flag = flags(user=user).filter(pk=pk).first()
    if flag is None:
        raise DomainError.single(_("Not found."), code="not_found", status=404)
    return flag


def assessments(*, user: Any) -> QuerySet[JointPayAssessment]:
    return core_access.restrict(
        JointPayAssessment.objects.select_related("flag__category", "flag__unit"),
        user,
        access.VIEW_STATISTICS,
    )


def info_requests(*, user: Any) -> QuerySet[InfoRequest]:
    """Requests HR answers (in scope), plus the user's own."""
    qs = core_access.restrict(InfoRequest.objects.all(), user, access.MANAGE)
    person_id = getattr(user, "person_id", None)
    if person_id:
        qs = qs | InfoRequest.objects.filter(person_id=person_id)
    return qs.select_related("person", "employment__unit")


def reports(*, user: Any) -> QuerySet[AnnualReport]:
    return core_access.restrict(
        AnnualReport.objects.select_related("unit"), user, access.VIEW_STATISTICS
    )


def category_figures_for(*, category: WorkerCategory, entity: OrgUnit, year: int) -> dict[str, Any]:
    """Counts, average pay levels by sex and gaps of one category in a legal entity."""
    found = [w for w in workers(unit=entity, year=year) if w.category == category.name]
    figures = rules.category_figures(found).get(category.name)
    if figures is None:
        return {"count": {s: 0 for s in rules.SEXES}}
    return figures_dict(figures)


def figures_dict(figures: rules.CategoryFigures) -> dict[str, Any]:
    """JSON-safe figures of a category: counts, shares, averages by sex, gaps."""
    total = sum(figures.count.values())
    return plain(
        {
            "count": figures.count,
            "share": {s: rules.share(figures.count[s], total) for s in rules.SEXES},
            "mean_hourly": figures.mean_hourly,
            "mean_annual": figures.mean_annual,
            "gap": figures.gap,
            "basic_gap": figures.basic_gap,
            "complementary_gap": figures.complementary_gap,
        }
    )
