"""Scoped access: one mechanism for every queryset and check.

A user holds roles on units (``RoleAssignment``); each role grants permissions, and a
permission held on a unit covers that unit's whole subtree. ``restrict(queryset, user,
permission)`` narrows any queryset of a model that declares ``scope_q(paths)`` (and, for
self-service, ``self_q(person_id)``) to what the user may see. Pages, the API and the CLI
all go through it, so later apps get scoping for free by declaring ``scope_q``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from koncernservice.core.errors import AccessDenied
from koncernservice.core.models import OrgUnit, Role, RoleAssignment
from koncernservice.core.prepared import PreparedValues

VIEW_ORG = "view_orgunit"
CHANGE_ORG = "change_orgunit"
VIEW_PERSON = "view_person"
CHANGE_PERSON = "change_person"
VIEW_CPR = "view_cpr"
VIEW_EMPLOYMENT = "view_employment"
CHANGE_EMPLOYMENT = "change_employment"
IMPORT_DATA = "import_data"
VIEW_AUDIT = "view_audit"
MANAGE_ACCESS = "manage_access"

ALL_PERMISSIONS = frozenset(
    {
        VIEW_ORG,
        CHANGE_ORG,
        VIEW_PERSON,
        CHANGE_PERSON,
        VIEW_CPR,
        VIEW_EMPLOYMENT,
        CHANGE_EMPLOYMENT,
        IMPORT_DATA,
        VIEW_AUDIT,
        MANAGE_ACCESS,
    }
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.EMPLOYEE: frozenset({VIEW_ORG}),
    Role.MANAGER: frozenset({VIEW_ORG, VIEW_PERSON, VIEW_EMPLOYMENT}),
    Role.CASEWORKER: frozenset({VIEW_ORG, VIEW_PERSON, VIEW_EMPLOYMENT}),
    Role.HR: frozenset(
        {
            VIEW_ORG,
            VIEW_PERSON,
            CHANGE_PERSON,
            VIEW_CPR,
            VIEW_EMPLOYMENT,
            CHANGE_EMPLOYMENT,
            IMPORT_DATA,
        }
    ),
    Role.FINANCE: frozenset({VIEW_ORG}),
    Role.PROCUREMENT: frozenset({VIEW_ORG}),
    Role.ADMIN: ALL_PERMISSIONS,
    Role.AUDITOR: frozenset({VIEW_ORG, VIEW_PERSON, VIEW_EMPLOYMENT, VIEW_AUDIT}),
}


def register_role_permissions(grants: dict[str, set[str]]) -> None:
    """Let a business area add its permissions to roles (call from ``AppConfig.ready``)."""
    for role, permissions in grants.items():
        ROLE_PERMISSIONS[role] = ROLE_PERMISSIONS.get(role, frozenset()) | frozenset(permissions)


# Permissions a person always has on their own records, whatever their roles.
SELF_PERMISSIONS = frozenset({VIEW_PERSON, VIEW_EMPLOYMENT})


def _assignments(user: Any) -> list[tuple[str, str]]:
    """(role, unit path) pairs of the user, cached on the user object for the request."""
    cached = getattr(user, "_ks_role_cache", None)
    if cached is None:
        cached = [tuple(row) for row in _ASSIGNMENTS.rows(user.pk)]
        user._ks_role_cache = cached
    return cached


# Every page reads these: compiled once per process (core.prepared).
_ASSIGNMENTS = PreparedValues(
    lambda user_id: (
        RoleAssignment.objects.filter(user_id=user_id, unit__is_active=True)
        .values_list("role", "unit__path")
        .order_by()
    )
)
_ROOT_PATHS = PreparedValues(
    lambda: OrgUnit.objects.filter(parent__isnull=True).values_list("path").order_by(),
    arguments=0,
)


def forget_cached_roles(user: Any) -> None:
    for name in ("_ks_role_cache", "_ks_root_paths"):
        if hasattr(user, name):
            delattr(user, name)


def _is_active_user(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def collapse_paths(paths: Iterable[str]) -> list[str]:
    """Drop paths that lie inside another path of the set (``/1/5/`` inside ``/1/``)."""
    result: list[str] = []
    for path in sorted(set(paths)):
        if not result or not path.startswith(result[-1]):
            result.append(path)
    return result


def scope_paths(user: Any, permission: str) -> list[str]:
    """The unit subtrees in which the user holds ``permission``."""
    if not _is_active_user(user):
        return []
    if user.is_superuser:
        return ["/"]
    return collapse_paths(
        path for role, path in _assignments(user) if permission in ROLE_PERMISSIONS.get(role, ())
    )


def roles_of(user: Any) -> set[str]:
    if not _is_active_user(user):
        return set()
    if user.is_superuser:
        return {Role.ADMIN.value}
    return {role for role, _path in _assignments(user)}


def has_permission_anywhere(user: Any, permission: str) -> bool:
    return bool(scope_paths(user, permission))


def permissions_anywhere(user: Any) -> frozenset[str] | None:
    """The permissions the user holds on some unit (``None``: all, a superuser): what
    :func:`has_permission_anywhere` answers, for many permissions at once (navigation)."""
    if not _is_active_user(user):
        return frozenset()
    if user.is_superuser:
        return None
    return frozenset().union(
        *(ROLE_PERMISSIONS.get(role, ()) for role, _path in _assignments(user))
    )


def covers_everything(user: Any, paths: list[str]) -> bool:
    """True when the paths include every root unit: then there is nothing to filter by."""
    roots = getattr(user, "_ks_root_paths", None)
    if roots is None:
        roots = {path for (path,) in _ROOT_PATHS.rows()}
        user._ks_root_paths = roots
    return bool(roots) and roots <= set(paths)


def restrict[M: models.Model](
    queryset: models.QuerySet[M], user: Any, permission: str
) -> models.QuerySet[M]:
    """Narrow ``queryset`` to the rows ``user`` may act on with ``permission``."""
    if not _is_active_user(user):
        return queryset.none()
    model = queryset.model
    paths = scope_paths(user, permission)
    if paths == ["/"] or (paths and covers_everything(user, paths)):
        return queryset
    q = model.scope_q(paths) if paths else Q(pk__in=[])  # type: ignore[attr-defined]
    person_id = getattr(user, "person_id", None)
    if person_id and permission in SELF_PERMISSIONS and hasattr(model, "self_q"):
        q |= model.self_q(person_id)
    if not paths and not (person_id and permission in SELF_PERMISSIONS):
        return queryset.none()
    return queryset.filter(q)


def can(user: Any, permission: str, obj: models.Model) -> bool:
    """May ``user`` use ``permission`` on this one object?"""
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, permission).exists()


def require(user: Any, permission: str, obj: models.Model | None = None) -> None:
    """Raise :class:`AccessDenied` unless the user holds the permission (on ``obj``)."""
    allowed = (
        can(user, permission, obj) if obj is not None else has_permission_anywhere(user, permission)
    )
    if not allowed:
        raise AccessDenied(_("You do not have access to do this."))


def holds_on_path(user: Any, permission: str, path: str) -> bool:
    """Does one of the user's scopes for ``permission`` contain the unit ``path``?"""
    return any(path.startswith(scope) for scope in scope_paths(user, permission))


def require_on_unit_path(user: Any, permission: str, path: str) -> None:
    """Raise unless one of the user's scopes for ``permission`` contains the unit ``path``."""
    if not holds_on_path(user, permission, path):
        raise AccessDenied(_("You do not have access to this unit."))


def user_is_superuser(user: Any) -> bool:
    return _is_active_user(user) and bool(user.is_superuser)
