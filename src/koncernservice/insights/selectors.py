"""Key figures for the landing page, each scoped to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from koncernservice.core import access, selectors
from koncernservice.core.models import Employment, OrgUnit, subtree_q


def landing_figures(*, user: Any) -> dict[str, Any]:
    today = timezone.localdate()
    current = Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))
    figures: dict[str, Any] = {"roles": sorted(access.roles_of(user))}
    org_paths = access.scope_paths(user, access.VIEW_ORG)
    figures["scope_units"] = list(selectors.unit_roots(user=user).order_by("path")[:20])
    if org_paths:
        units = access.restrict(OrgUnit.objects.all(), user, access.VIEW_ORG)
        figures["unit_count"] = units.count()
    if access.has_permission_anywhere(user, access.VIEW_EMPLOYMENT):
        employments = access.restrict(Employment.objects.all(), user, access.VIEW_EMPLOYMENT)
        current_employments = employments.filter(current)
        figures["employment_count"] = current_employments.count()
        figures["manager_count"] = current_employments.filter(is_manager=True).count()
        by_admin = []
        roots = figures["scope_units"]
        if len(roots) == 1:  # one scope (often the whole municipality): show the level below
            roots = list(selectors.unit_children(user=user, unit=roots[0])) or roots
        for root in roots[:12]:
            count = current_employments.filter(subtree_q("unit__path", [root.path])).count()
            by_admin.append({"unit": root, "count": count})
        figures["by_unit"] = by_admin
        figures["max_by_unit"] = max((row["count"] for row in by_admin), default=0) or 1
        figures["job_categories"] = list(
            current_employments.values("job_category").annotate(n=Count("id")).order_by("-n")[:8]
        )
    if access.has_permission_anywhere(user, access.VIEW_AUDIT):
        figures["recent_audit"] = list(selectors.audit_entries(user=user)[:8])
    if user.person_id:
        figures["my_employments"] = list(
            Employment.objects.filter(person_id=user.person_id).select_related("unit")
        )
    return figures
