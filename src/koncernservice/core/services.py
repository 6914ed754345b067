"""Business operations of the core: each is one transaction, validated, audited.

Services are keyword-only, take the acting user where access matters, and raise
:class:`DomainError` (nothing written) on bad input.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koncernservice.core import access
from koncernservice.core.audit import audit_context, record_event
from koncernservice.core.errors import DomainError
from koncernservice.core.models import (
    ApiToken,
    CostCentre,
    Employment,
    LoginFailure,
    OrgUnit,
    Person,
    Role,
    RoleAssignment,
    User,
)
from koncernservice.core.rules import identifiers

# --- Validation helpers (shared by forms, API, imports) -------------------------------------


def clean_cpr(value: str, *, field: str = "cpr") -> identifiers.CprInfo:
    try:
        return identifiers.parse_cpr(value)
    except identifiers.IdentifierError as exc:
        messages = {
            "cpr_format": _("A CPR number has ten digits (DDMMYY-SSSS)."),
            "cpr_date": _("The CPR number does not contain a valid birth date."),
            "cpr_future": _("The CPR number's birth date lies in the future."),
        }
        raise DomainError.single(messages[exc.code], field=field, code=exc.code) from exc


def clean_gln(value: str | None, *, field: str = "gln") -> str | None:
    if value in (None, ""):
        return None
    try:
        return identifiers.parse_gln(str(value))
    except identifiers.IdentifierError as exc:
        messages = {
            "gln_format": _("A GLN/EAN location number has exactly 13 digits."),
            "gln_check_digit": _("The GLN/EAN location number's check digit is wrong."),
        }
        raise DomainError.single(messages[exc.code], field=field, code=exc.code) from exc


def clean_weekly_hours(value: Any, *, field: str = "weekly_hours") -> Decimal:
    try:
        hours = Decimal(str(value).replace(",", ".")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError.single(_("Weekly hours must be a number."), field=field) from exc
    if not Decimal(0) < hours <= Decimal(80):
        raise DomainError.single(_("Weekly hours must be above 0 and at most 80."), field=field)
    return hours


def clean_date(value: Any, *, field: str, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise DomainError.single(_("This field is required."), field=field, code="required")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if not dt.date(1900, 1, 1) <= day <= dt.date(2100, 12, 31):
            break
        return day
    raise DomainError.single(
        _("Not a valid date (use YYYY-MM-DD) or outside 1900–2100."), field=field, code="date"
    )


def _required(value: Any, field: str, max_length: int) -> str:
    text = str(value or "").strip()
    if not text:
        raise DomainError.single(_("This field is required."), field=field, code="required")
    if len(text) > max_length:
        raise DomainError.single(
            _("At most %(n)d characters.") % {"n": max_length}, field=field, code="too_long"
        )
    return text


def _collect(*checks: Any) -> list[Any]:
    """Run each zero-argument check and gather every DomainError into one."""
    results, errors = [], []
    for check in checks:
        try:
            results.append(check())
        except DomainError as exc:
            errors.extend(exc.errors)
            results.append(None)
    if errors:
        raise DomainError(_("The data is not valid."), errors)
    return results


# --- Organisation -----------------------------------------------------------------------------


def _path_for(unit: OrgUnit) -> str:
    parent_path = unit.parent.path if unit.parent is not None else "/"
    return f"{parent_path}{unit.pk}/"


@transaction.atomic
def org_unit_create(
    *,
    actor: Any,
    code: str,
    name: str,
    parent: OrgUnit | None,
    kind: str = OrgUnit.Kind.UNIT,
    abbreviation: str = "",
    gln: str | None = None,
    cost_centre: CostCentre | None = None,
) -> OrgUnit:
    if parent is None:
        if not access.user_is_superuser(actor):
            raise access.AccessDenied(_("Only an administrator may create a top-level unit."))
    else:
        access.require_on_unit_path(actor, access.CHANGE_ORG, parent.path)
    code, name = _collect(lambda: _required(code, "code", 40), lambda: _required(name, "name", 200))
    gln = clean_gln(gln)
    if OrgUnit.objects.filter(code=code).exists():
        raise DomainError.single(_("A unit with this code already exists."), field="code")
    if gln and OrgUnit.objects.filter(gln=gln).exists():
        raise DomainError.single(_("Another unit already has this GLN number."), field="gln")
    unit = OrgUnit(
        code=code,
        name=name,
        parent=parent,
        kind=kind,
        abbreviation=abbreviation,
        gln=gln,
        cost_centre=cost_centre,
        depth=(parent.depth + 1) if parent else 0,
        path=f"/tmp-{secrets.token_hex(8)}/",
    )
    with audit_context(actor=actor):
        unit.save()
        unit.path = _path_for(unit)
        unit.save(update_fields=["path"])
    return unit


UNIT_FIELDS = {"name", "abbreviation", "gln", "cost_centre", "is_active"}


@transaction.atomic
def org_unit_update(*, actor: Any, unit: OrgUnit, reason: str = "", **changes: Any) -> OrgUnit:
    access.require(actor, access.CHANGE_ORG, unit)
    unknown = set(changes) - UNIT_FIELDS
    if unknown:
        raise DomainError.single(_("Unknown field: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if "name" in changes:
        changes["name"] = _required(changes["name"], "name", 200)
    if "gln" in changes:
        changes["gln"] = clean_gln(changes["gln"])
        if (
            changes["gln"]
            and OrgUnit.objects.filter(gln=changes["gln"]).exclude(pk=unit.pk).exists()
        ):
            raise DomainError.single(_("Another unit already has this GLN number."), field="gln")
    for name, value in changes.items():
        setattr(unit, name, value)
    with audit_context(actor=actor, reason=reason):
        unit.save()
    return unit


# --- People and employments -------------------------------------------------------------------


def person_fields(*, first_name: Any, last_name: Any, cpr: Any, email: Any = "") -> dict[str, Any]:
    """Validate a person's fields, all errors at once."""
    first, last, info = _collect(
        lambda: _required(first_name, "first_name", 100),
        lambda: _required(last_name, "last_name", 100),
        lambda: clean_cpr(str(cpr or "")),
    )
    return {
        "first_name": first,
        "last_name": last,
        "cpr": info.number,
        "birth_date": info.birth_date,
        "legal_sex": info.legal_sex,
        "email": str(email or "").strip(),
    }


@transaction.atomic
def person_create(*, actor: Any, unit: OrgUnit, **fields: Any) -> Person:
    """Create a person; the unit is where they will be employed (it decides the scope)."""
    access.require_on_unit_path(actor, access.CHANGE_PERSON, unit.path)
    data = person_fields(**fields)
    if Person.objects.filter(cpr=data["cpr"]).exists():
        raise DomainError.single(_("A person with this CPR number already exists."), field="cpr")
    person = Person(**data)
    person._audit_scope = unit.path  # type: ignore[attr-defined]
    with audit_context(actor=actor):
        person.save()
    return person


@transaction.atomic
def person_update(*, actor: Any, person: Person, reason: str = "", **changes: Any) -> Person:
    access.require(actor, access.CHANGE_PERSON, person)
    current = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "cpr": person.cpr,
        "email": person.email,
    }
    unknown = set(changes) - set(current)
    if unknown:
        raise DomainError.single(_("Unknown field: %(f)s") % {"f": ", ".join(sorted(unknown))})
    data = person_fields(**{**current, **changes})
    if Person.objects.filter(cpr=data["cpr"]).exclude(pk=person.pk).exists():
        raise DomainError.single(_("A person with this CPR number already exists."), field="cpr")
    for name, value in data.items():
        setattr(person, name, value)
    with audit_context(actor=actor, reason=reason):
        person.save()
    return person


def employment_fields(
    *,
    employee_number: Any,
    position_title: Any,
    job_category: Any,
    weekly_hours: Any,
    start_date: Any,
    end_date: Any = None,
    is_manager: Any = False,
) -> dict[str, Any]:
    number, title, category, hours, start, end = _collect(
        lambda: _required(employee_number, "employee_number", 20),
        lambda: _required(position_title, "position_title", 200),
        lambda: _required(job_category, "job_category", 100),
        lambda: clean_weekly_hours(weekly_hours),
        lambda: clean_date(start_date, field="start_date"),
        lambda: clean_date(end_date, field="end_date", required=False),
    )
    if start and end and end < start:
        raise DomainError.single(
            _("The end date cannot be before the start date."), field="end_date"
        )
    return {
        "employee_number": number,
        "position_title": title,
        "job_category": category,
        "weekly_hours": hours,
        "start_date": start,
        "end_date": end,
        "is_manager": parse_bool(is_manager),
    }


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"1", "true", "ja", "yes", "x", "sand"}


@transaction.atomic
def employment_create(*, actor: Any, person: Person, unit: OrgUnit, **fields: Any) -> Employment:
    access.require_on_unit_path(actor, access.CHANGE_EMPLOYMENT, unit.path)
    data = employment_fields(**fields)
    if Employment.objects.filter(employee_number=data["employee_number"]).exists():
        raise DomainError.single(
            _("An employment with this employee number already exists."), field="employee_number"
        )
    with audit_context(actor=actor):
        return Employment.objects.create(person=person, unit=unit, **data)


@transaction.atomic
def person_hire(
    *, actor: Any, unit: OrgUnit, person: dict[str, Any], employment: dict[str, Any]
) -> tuple[Person, Employment]:
    """Create a person (or reuse the one with the same CPR) and their employment in one go."""
    access.require_on_unit_path(actor, access.CHANGE_EMPLOYMENT, unit.path)
    data = person_fields(**person)
    existing = Person.objects.filter(cpr=data["cpr"]).first()
    new_person = existing or person_create(actor=actor, unit=unit, **person)
    return new_person, employment_create(actor=actor, person=new_person, unit=unit, **employment)


@transaction.atomic
def employment_end(
    *, actor: Any, employment: Employment, end_date: dt.date, reason: str = ""
) -> Employment:
    access.require(actor, access.CHANGE_EMPLOYMENT, employment)
    if end_date < employment.start_date:
        raise DomainError.single(
            _("The end date cannot be before the start date."), field="end_date"
        )
    employment.end_date = end_date
    with audit_context(actor=actor, reason=reason):
        employment.save()
    return employment


# --- Users, roles, tokens ---------------------------------------------------------------------


@transaction.atomic
def role_grant(
    *, actor: Any, user: User, role: str, unit: OrgUnit, reason: str = ""
) -> RoleAssignment:
    access.require_on_unit_path(actor, access.MANAGE_ACCESS, unit.path)
    if role not in Role.values:
        raise DomainError.single(_("Unknown role: %(r)s") % {"r": role}, field="role")
    with audit_context(actor=actor, reason=reason):
        try:
            with transaction.atomic():
                assignment = RoleAssignment.objects.create(user=user, role=role, unit=unit)
        except IntegrityError as exc:
            raise DomainError.single(_("The user already has this role on this unit.")) from exc
    access.forget_cached_roles(user)
    return assignment


@transaction.atomic
def role_revoke(*, actor: Any, assignment: RoleAssignment, reason: str = "") -> None:
    access.require_on_unit_path(actor, access.MANAGE_ACCESS, assignment.unit.path)
    with audit_context(actor=actor, reason=reason):
        assignment.delete()
    access.forget_cached_roles(assignment.user)


TOKEN_PREFIX = "ks_"


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, actor: Any, user: User, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its plain text, which is shown once and never stored."""
    if actor != user:
        access.require(actor, access.MANAGE_ACCESS)
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=_required(name, "name", 100),
        prefix=prefix,
        key_hash=_hash_token(secret),
        expires_at=expires_at,
    )
    with audit_context(actor=actor):
        record_event(user, "api_token.created", data={"name": token.name, "prefix": prefix})
    return token, f"{TOKEN_PREFIX}{prefix}_{secret}"


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> None:
    if actor != token.user:
        access.require(actor, access.MANAGE_ACCESS)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    with audit_context(actor=actor):
        record_event(token.user, "api_token.revoked", data={"prefix": token.prefix})


def api_token_authenticate(raw: str) -> User | None:
    """The active user behind a bearer token, or None."""
    if not raw.startswith(TOKEN_PREFIX) or raw.count("_") < 2:
        return None
    prefix, _sep, secret = raw[len(TOKEN_PREFIX) :].partition("_")
    token = ApiToken.objects.select_related("user").filter(prefix=prefix, revoked_at=None).first()
    if token is None or not secrets.compare_digest(token.key_hash, _hash_token(secret)):
        return None
    now = timezone.now()
    if (token.expires_at and token.expires_at <= now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- Login lockout ----------------------------------------------------------------------------


def login_is_locked(username: str) -> bool:
    since = timezone.now() - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    failures = LoginFailure.objects.filter(username__iexact=username, at__gte=since).count()
    return failures >= settings.LOGIN_MAX_FAILURES


def login_failed(*, username: str, ip_address: str | None) -> None:
    LoginFailure.objects.create(username=username[:150], ip_address=ip_address)


def login_succeeded(*, username: str) -> None:
    LoginFailure.objects.filter(username__iexact=username).delete()
