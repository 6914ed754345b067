"""Organisation, people, users, roles, audit trail and business calendars."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from koncernservice.core.rules import identifiers


def subtree_q(lookup: str, paths: list[str]) -> Q:
    """Rows whose unit path lies in any of the given subtrees.

    A range (``path >= p AND path < p'``) instead of ``LIKE 'p%'`` so that a plain B-tree
    index serves it on both SQLite and PostgreSQL whatever the collation.
    """
    q = Q(pk__in=[])
    for path in paths:
        upper = path[:-1] + chr(ord(path[-1]) + 1)
        q |= Q(**{f"{lookup}__gte": path, f"{lookup}__lt": upper})
    return q


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class AuditedModel(models.Model):
    """A business object whose every create, change and delete is written to the audit trail.

    The values loaded from the database are kept so that a save can record before/after.
    ``audit_masked_fields`` names fields whose values are masked in the trail (CPR).
    """

    audit_masked_fields: ClassVar[dict[str, Any]] = {}
    audit_ignored_fields: ClassVar[set[str]] = {"created_at", "updated_at"}

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values, *args, **kwargs):  # type: ignore[no-untyped-def]
        instance = super().from_db(db, field_names, values, *args, **kwargs)
        instance._audit_loaded = dict(zip(field_names, values, strict=False))
        return instance

    def audit_scope_path(self) -> str:
        """The unit path that decides which auditors may see this object's trail."""
        return ""


# --- Organisation ---------------------------------------------------------------------------


class CostCentre(AuditedModel, TimeStampedModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("cost centre")
        verbose_name_plural = _("cost centres")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class OrgUnit(AuditedModel, TimeStampedModel):
    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        ADMINISTRATION = "administration", _("Administration")
        UNIT = "unit", _("Unit")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.UNIT)
    code = models.CharField(
        _("unit code"), max_length=40, unique=True, help_text=_("Stable key used by imports.")
    )
    name = models.CharField(_("name"), max_length=200)
    abbreviation = models.CharField(_("abbreviation"), max_length=20, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(_("tree path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    cost_centre = models.ForeignKey(
        CostCentre,
        verbose_name=_("cost centre"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
    )
    gln = models.CharField(
        _("GLN/EAN location number"), max_length=13, unique=True, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gln__isnull=True) | Q(gln__regex=r"^[0-9]{13}$"),
                name="orgunit_gln_13_digits",
                violation_error_message=_("A GLN/EAN location number has exactly 13 digits."),
            ),
        ]
        indexes = [models.Index(fields=["parent", "name"], name="orgunit_parent_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.gln:
            try:
                self.gln = identifiers.parse_gln(self.gln)
            except identifiers.IdentifierError as exc:
                raise ValidationError({"gln": _("The GLN/EAN number is not valid.")}) from exc

    def audit_scope_path(self) -> str:
        # Computed rather than read: at its first save a new unit still has a temporary path.
        parent_path = self.parent.path if self.parent_id else "/"
        return f"{parent_path}{self.pk}/"

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def subtree_q(self, lookup: str = "path") -> Q:
        return subtree_q(lookup, [self.path])

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("path", paths)


# --- People ---------------------------------------------------------------------------------


class Person(AuditedModel, TimeStampedModel):
    class LegalSex(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    cpr = models.CharField(_("CPR number"), max_length=10, unique=True)
    birth_date = models.DateField(_("birth date"), editable=False)
    legal_sex = models.CharField(
        _("legal sex"), max_length=1, choices=LegalSex.choices, editable=False
    )
    email = models.EmailField(_("e-mail"), blank=True)

    audit_masked_fields: ClassVar[dict[str, Any]] = {"cpr": identifiers.mask_cpr}

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["last_name", "first_name"], name="person_name")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def masked_cpr(self) -> str:
        return identifiers.mask_cpr(self.cpr)

    def audit_scope_path(self) -> str:
        known = getattr(self, "_audit_scope", None)  # set by bulk paths to spare a query
        if known is not None:
            return str(known)
        employment = self.employments.select_related("unit").order_by("-start_date").first()
        return employment.unit.path if employment else ""

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return Q(
            Exists(
                Employment.objects.filter(person=OuterRef("pk")).filter(
                    subtree_q("unit__path", paths)
                )
            )
        )

    @classmethod
    def self_q(cls, person_id: int) -> Q:
        return Q(pk=person_id)


class Employment(AuditedModel, TimeStampedModel):
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="employments"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="employments"
    )
    employee_number = models.CharField(_("employee number"), max_length=20, unique=True)
    position_title = models.CharField(_("position title"), max_length=200)
    job_category = models.CharField(_("job category"), max_length=100)
    weekly_hours = models.DecimalField(_("weekly hours"), max_digits=5, decimal_places=2)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    is_manager = models.BooleanField(_("manager"), default=False)

    class Meta:
        verbose_name = _("employment")
        verbose_name_plural = _("employments")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="employment_end_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(weekly_hours__gt=0) & Q(weekly_hours__lte=80),
                name="employment_weekly_hours_range",
                violation_error_message=_("Weekly hours must be above 0 and at most 80."),
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "end_date"], name="employment_unit_end"),
            models.Index(fields=["person", "start_date"], name="employment_person_start"),
        ]

    def __str__(self) -> str:
        return f"{self.position_title}, {self.unit}"

    def audit_scope_path(self) -> str:
        return self.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("unit__path", paths)

    @classmethod
    def self_q(cls, person_id: int) -> Q:
        return Q(person_id=person_id)


# --- Users, roles and tokens ------------------------------------------------------------------


class Role(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    MANAGER = "manager", _("Manager")
    CASEWORKER = "caseworker", _("Caseworker")
    HR = "hr", _("HR")
    FINANCE = "finance", _("Finance")
    PROCUREMENT = "procurement", _("Procurement")
    ADMIN = "admin", _("Administrator")
    AUDITOR = "auditor", _("Auditor")


class User(AuditedModel, AbstractUser):
    person = models.OneToOneField(
        Person,
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="user",
    )

    audit_masked_fields: ClassVar[dict[str, Any]] = {"password": lambda _value: "********"}
    audit_ignored_fields: ClassVar[set[str]] = {"last_login", "date_joined"}

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.username

    def audit_scope_path(self) -> str:
        first = self.role_assignments.select_related("unit").order_by("unit__depth").first()
        return first.unit.path if first else ""


class UserSession(AbstractBaseSession):
    """A session with its user's id as a column of its own (Django's session keeps it only
    inside the encoded data), so that a request reads its session and its user with one
    statement instead of two (:mod:`koncernservice.core.sessions`)."""

    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls) -> Any:
        from koncernservice.core.sessions import SessionStore

        return SessionStore


class RoleAssignment(AuditedModel, TimeStampedModel):
    """A role granted to a user on a unit and everything below it."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="role_assignments"
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                name="roleassignment_unique",
                violation_error_message=_("The user already has this role on this unit."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.unit}"

    def audit_scope_path(self) -> str:
        return self.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("unit__path", paths)


class ApiToken(TimeStampedModel):
    """A bearer token for a system; only its SHA-256 hash is stored."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginFailure(models.Model):
    """One failed login; enough of them within a window locks the username."""

    username = models.CharField(_("username"), max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"


# --- Audit trail ------------------------------------------------------------------------------


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit trail cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit trail cannot be deleted (only by retention rules).")


class AuditEntry(models.Model):
    """One immutable line of the audit trail."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        EVENT = "event", _("Event")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,  # audit_actor (actor, at) leads with it
    )
    actor_label = models.CharField(_("actor"), max_length=150)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    event = models.CharField(_("event"), max_length=100, blank=True)
    content_type = models.ForeignKey(  # audit_object (content_type, object_id, at) leads with it
        ContentType,
        verbose_name=_("object type"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    scope_path = models.CharField(_("scope"), max_length=255, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"], name="audit_object"),
            models.Index(fields=["scope_path", "at"], name="audit_scope"),
            models.Index(fields=["actor", "at"], name="audit_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The audit trail cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit trail cannot be deleted (only by retention rules).")

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        # Entries with no unit (configuration) belong to the whole municipality: only a
        # scope that includes the root may see them.
        q = subtree_q("scope_path", paths)
        if any(path.count("/") == 2 for path in paths):
            q |= Q(scope_path="")
        return q


# --- Business calendars -----------------------------------------------------------------------


class BusinessCalendar(AuditedModel, TimeStampedModel):
    """Opening hours, public holidays and local closing days that SLA clocks run on."""

    name = models.SlugField(_("name"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    timezone = models.CharField(_("time zone"), max_length=50, default="Europe/Copenhagen")
    opening_hours = models.JSONField(
        _("opening hours"),
        help_text=_('Per weekday (0 = Monday) a list of ["HH:MM", "HH:MM"] intervals.'),
        default=dict,
    )
    include_public_holidays = models.BooleanField(_("Danish public holidays closed"), default=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.title


class ClosingDay(AuditedModel, TimeStampedModel):
    """A local closing day, once (``date``) or every year (``month`` + ``day``)."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.CASCADE,
        related_name="closing_days",
    )
    name = models.CharField(_("name"), max_length=100)
    date = models.DateField(_("date"), null=True, blank=True)
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    day = models.PositiveSmallIntegerField(_("day"), null=True, blank=True)
    closed_from = models.TimeField(_("closed from"), null=True, blank=True)
    closed_until = models.TimeField(_("closed until"), null=True, blank=True)

    class Meta:
        verbose_name = _("closing day")
        verbose_name_plural = _("closing days")
        constraints = [
            models.CheckConstraint(
                condition=(Q(date__isnull=False) & Q(month__isnull=True) & Q(day__isnull=True))
                | (Q(date__isnull=True) & Q(month__isnull=False) & Q(day__isnull=False)),
                name="closingday_date_or_recurring",
                violation_error_message=_(
                    "Give either a date or a recurring month and day, not both."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name
