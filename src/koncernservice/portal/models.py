"""Service catalogue, queues, cases, timeline, SLA timers and the knowledge base."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from koncernservice.core.models import AuditedModel, OrgUnit, Person, TimeStampedModel, subtree_q


def _hidden(_value: Any) -> str:
    return "***"


# --- Catalogue -------------------------------------------------------------------------------


class ServiceArea(AuditedModel, TimeStampedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Queue(AuditedModel, TimeStampedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    calendar_name = models.SlugField(_("business calendar"), max_length=50, default="standard")
    restricted = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("Cases are visible only to the team, the requester and persons added."),
    )
    ola_hours = models.DecimalField(
        _("internal target (OLA), business hours"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
    )
    phone_queues = models.JSONField(
        _("telephony queues"),
        default=list,
        blank=True,
        help_text=_("The telephony system's queues this team answers (names, as in its files)."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="QueueMember",
        verbose_name=_("team"),
        related_name="portal_queues",
    )

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class QueueMember(AuditedModel, TimeStampedModel):
    queue = models.ForeignKey(
        Queue, verbose_name=_("queue"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="portal_memberships",
    )
    is_lead = models.BooleanField(_("team lead"), default=False)

    class Meta:
        verbose_name = _("queue member")
        verbose_name_plural = _("queue members")
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "user"],
                name="portal_queuemember_unique",
                violation_error_message=_("The user is already in this queue's team."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.queue} – {self.user}"


class Service(AuditedModel, TimeStampedModel):
    class Audience(models.TextChoices):
        ALL = "all", _("All employees")
        MANAGERS = "managers", _("Managers")

    area = models.ForeignKey(
        ServiceArea, verbose_name=_("area"), on_delete=models.PROTECT, related_name="services"
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(
        _("who may request"), max_length=20, choices=Audience.choices, default=Audience.ALL
    )
    requester_units = models.ManyToManyField(
        "core.OrgUnit",
        verbose_name=_("only employees of"),
        blank=True,
        related_name="+",
        help_text=_(
            "Empty: everyone the audience allows. Otherwise only employees of these units "
            "and the units below them."
        ),
    )
    default_queue = models.ForeignKey(
        Queue, verbose_name=_("default queue"), on_delete=models.PROTECT, related_name="services"
    )
    first_response_hours = models.DecimalField(
        _("first response, business hours"), max_digits=7, decimal_places=2, default=8
    )
    resolution_hours = models.DecimalField(
        _("resolution, business hours"), max_digits=7, decimal_places=2, default=40
    )
    confidential = models.BooleanField(_("confidential"), default=False)
    retention_days = models.PositiveIntegerField(
        _("retention after closure (days)"), default=5 * 365
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["area__position", "name"]

    def __str__(self) -> str:
        return self.name


class ServiceForm(AuditedModel, TimeStampedModel):
    """One version of a service's form definition; cases keep the version they were made with."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="forms"
    )
    version = models.PositiveIntegerField(_("version"))
    fields = models.JSONField(_("fields"), default=list, blank=True)

    class Meta:
        verbose_name = _("service form")
        verbose_name_plural = _("service forms")
        ordering = ["service", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "version"],
                name="portal_serviceform_version_unique",
                violation_error_message=_("This form version already exists."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} v{self.version}"


class RoutingRule(AuditedModel, TimeStampedModel):
    """Sends a new case to a queue when all its given conditions match; lowest position wins."""

    position = models.PositiveIntegerField(_("position"), default=100)
    queue = models.ForeignKey(
        Queue, verbose_name=_("queue"), on_delete=models.CASCADE, related_name="routing_rules"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, null=True, blank=True
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit or administration"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    keywords = models.CharField(
        _("keywords"), max_length=500, blank=True, help_text=_("Comma-separated.")
    )
    assign_least_loaded = models.BooleanField(_("assign to least-loaded member"), default=False)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.position}: {self.queue}"


# --- Cases -----------------------------------------------------------------------------------


class Case(AuditedModel, TimeStampedModel):
    class State(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        AWAITING_REQUESTER = "awaiting_requester", _("Awaiting requester")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    number = models.CharField(_("case number"), max_length=20, unique=True)
    # requester, service, queue, assignee: no single-column index, the composite indexes in
    # Meta lead with the column (an index fewer to write per case).
    requester = models.ForeignKey(
        Person,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="portal_cases",
        db_index=False,
    )
    on_behalf_of = models.ForeignKey(
        Person,
        verbose_name=_("on behalf of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="portal_cases_for",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="portal_cases"
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    form = models.ForeignKey(
        ServiceForm,
        verbose_name=_("form version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.NEW)
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("queue"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="portal_assigned",
        db_index=False,
    )
    confidential = models.BooleanField(_("confidential"), default=False)
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("watchers"),
        blank=True,
        related_name="portal_watching",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_cases",
    )
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    satisfaction_comment = models.TextField(_("satisfaction comment"), blank=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    # Case content is personal data and may be confidential: the audit trail records that it
    # changed, never what it says (auditors outside a confidential queue read the trail).
    audit_masked_fields: ClassVar[dict[str, Any]] = {
        "title": _hidden,
        "description": _hidden,
        "answers": _hidden,
        "satisfaction_comment": _hidden,
    }

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | (Q(satisfaction__gte=1) & Q(satisfaction__lte=5)),
                name="portal_case_satisfaction_1_5",
                violation_error_message=_("Satisfaction is from 1 to 5."),
            )
        ]
        indexes = [
            models.Index(fields=["queue", "state", "created_at"], name="portal_case_queue"),
            models.Index(fields=["requester", "created_at"], name="portal_case_requester"),
            models.Index(fields=["assignee", "state"], name="portal_case_assignee"),
            models.Index(fields=["service", "created_at"], name="portal_case_service"),
            models.Index(fields=["created_at"], name="portal_case_created"),
        ]

    def __str__(self) -> str:
        # The number only: titles of confidential cases must not reach the audit trail's
        # object column (auditors outside the team read it).
        return self.number

    def audit_scope_path(self) -> str:
        known = getattr(self, "_audit_scope", None)
        if known is not None:
            return str(known)
        return self.unit.path if self.unit_id else ""

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("unit__path", paths)

    @property
    def is_open(self) -> bool:
        return self.state in {self.State.NEW, self.State.IN_PROGRESS, self.State.AWAITING_REQUESTER}


class CaseAccess(AuditedModel, TimeStampedModel):
    """A person added explicitly to a (confidential) case."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="access_grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="portal_case_grants",
    )

    class Meta:
        verbose_name = _("case access")
        verbose_name_plural = _("case access")
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="portal_caseaccess_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case} – {self.user}"

    def audit_scope_path(self) -> str:
        return self.case.audit_scope_path()


class CaseEntry(AuditedModel, TimeStampedModel):
    """One line of a case's timeline: a public reply, an internal note or an event."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply")
        NOTE = "note", _("Internal note")
        EVENT = "event", _("Event")

    case = models.ForeignKey(  # indexed by portal_entry_case (case, created_at)
        Case,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="entries",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    body = models.TextField(_("text"), blank=True)
    event = models.CharField(_("event"), max_length=40, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    audit_masked_fields: ClassVar[dict[str, Any]] = {"body": _hidden}

    class Meta:
        verbose_name = _("case entry")
        verbose_name_plural = _("case entries")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"], name="portal_entry_case")]

    def __str__(self) -> str:
        return f"{self.case} {self.kind}"

    def audit_scope_path(self) -> str:
        known = getattr(self, "_audit_scope", None)
        return str(known) if known is not None else self.case.audit_scope_path()


class CaseLink(AuditedModel, TimeStampedModel):
    source = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="links_out"
    )
    target = models.ForeignKey(
        Case, verbose_name=_("linked case"), on_delete=models.CASCADE, related_name="links_in"
    )

    class Meta:
        verbose_name = _("case link")
        verbose_name_plural = _("case links")
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="portal_caselink_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source} ↔ {self.target}"

    def audit_scope_path(self) -> str:
        return self.source.audit_scope_path()


class SlaTimer(AuditedModel, TimeStampedModel):
    """One SLA timer of a case, with its next check indexed for the sweep."""

    class Kind(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("First response")
        RESOLUTION = "resolution", _("Resolution")
        OLA = "ola", _("Internal target (OLA)")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        WARNING_50 = "warning_50", _("50 % used")
        WARNING_75 = "warning_75", _("75 % used")
        BREACHED = "breached", _("Breached")
        MET = "met", _("Met")
        PAUSED = "paused", _("Paused")

    case = models.ForeignKey(  # indexed by portal_slatimer_unique (case, kind)
        Case,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="timers",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    target_seconds = models.PositiveIntegerField(_("target (business seconds)"))
    started_at = models.DateTimeField(_("started"))
    pauses = models.JSONField(_("pauses"), default=list, blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RUNNING
    )
    elapsed_seconds = models.PositiveIntegerField(_("elapsed (business seconds)"), default=0)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)

    audit_ignored_fields = {"created_at", "updated_at", "next_check_at", "elapsed_seconds"}

    class Meta:
        verbose_name = _("SLA timer")
        verbose_name_plural = _("SLA timers")
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], name="portal_slatimer_unique")
        ]
        indexes = [
            models.Index(fields=["next_check_at"], name="portal_timer_next_check"),
            models.Index(fields=["deadline_at"], name="portal_timer_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.kind}"

    def audit_scope_path(self) -> str:
        known = getattr(self, "_audit_scope", None)
        return str(known) if known is not None else self.case.audit_scope_path()


# --- Knowledge base --------------------------------------------------------------------------


class Article(AuditedModel, TimeStampedModel):
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"))
    version = models.PositiveIntegerField(_("version"), default=1)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    review_date = models.DateField(_("review date"), null=True, blank=True)
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    review_reminded_on = models.DateField(
        _("review reminder sent"), null=True, blank=True, editable=False
    )
    search_text = models.TextField(_("search text"), blank=True, editable=False)
    is_published = models.BooleanField(_("published"), default=True)
    helpful_count = models.PositiveIntegerField(_("found helpful"), default=0)
    not_helpful_count = models.PositiveIntegerField(_("not helpful"), default=0)

    audit_ignored_fields = {"created_at", "updated_at", "search_text"}

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ArticleVersion(TimeStampedModel):
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["article", "version"], name="portal_articlever_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article} v{self.version}"


class Deflection(TimeStampedModel):
    """Articles were suggested while an employee typed a case; did they still create it?"""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="+"
    )
    articles = models.JSONField(_("articles"), default=list)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("deflection")
        verbose_name_plural = _("deflections")
        indexes = [
            # The user's latest open deflection for a service, which a new case attaches
            # (services.deflection_attach): without it, a year of suggestions made that one
            # UPDATE scan every open deflection (15-35 ms per case).
            models.Index(
                fields=["user", "service", "-created_at"],
                condition=Q(case__isnull=True),
                name="portal_deflection_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.service_id}"


class IdempotencyKey(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("key"), max_length=100)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="portal_idempotency_unique")
        ]

    def __str__(self) -> str:
        return self.key


class InboundMail(TimeStampedModel):
    """An inbound e-mail that has become a case or a reply, by the hash of its Message-ID (or of
    its bytes when it has none): the same message read twice changes nothing. Only the hash is
    kept, never the sender, subject or content."""

    class Source(models.TextChoices):
        FOLDER = "folder", _("Folder")
        IMAP = "imap", _("IMAP")

    key = models.CharField(_("message key"), max_length=64, unique=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    status = models.CharField(_("result"), max_length=10)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")

    def __str__(self) -> str:
        return self.key


class CaseCounter(models.Model):
    """The last case number used per year (locked row, so numbers never repeat)."""

    year = models.PositiveIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case counter")
        verbose_name_plural = _("case counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CaseAttachment(AuditedModel, TimeStampedModel):
    """A file on a case, stored through Django's storage (file system or S3); served only
    through the case's visibility check, never from a public URL."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="portal/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    audit_masked_fields: ClassVar[dict[str, Any]] = {"name": _hidden, "file": _hidden}

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case} #{self.pk}"

    def audit_scope_path(self) -> str:
        return self.case.audit_scope_path()


class WebhookEndpoint(AuditedModel, TimeStampedModel):
    """A system that is told about case state changes (signed with HMAC-SHA256)."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    audit_masked_fields: ClassVar[dict[str, Any]] = {"secret": _hidden}

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(TimeStampedModel):
    """The outbox: written in the same transaction as the change, sent later with retries."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("webhook"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("event"), max_length=50)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="portal_webhook_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id}"


# --- Serviceindgangen (calls) -----------------------------------------------------------------


class Call(AuditedModel, TimeStampedModel):
    """One call to the service desk, logged by the caseworker who took it."""

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("Resolved on first contact")
        CASE_CREATED = "case_created", _("Case created")
        TRANSFERRED = "transferred", _("Transferred")

    caller = models.ForeignKey(
        Person,
        verbose_name=_("caller"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="portal_calls",
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("topic"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), default=0)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    # The team that took the call (a queue's team; by default the taker's). Calls logged
    # before there was one are counted under their topic's queue.
    team = models.ForeignKey(
        Queue,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
    )

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"], name="portal_call_created")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def audit_scope_path(self) -> str:
        return self.unit.path if self.unit_id and self.unit else ""


class TelephonyRecord(models.Model):
    """One call as the telephony system reports it (imported from CSV)."""

    at = models.DateTimeField(_("time"), db_index=True)
    queue = models.CharField(_("telephony queue"), max_length=100)
    team = models.ForeignKey(
        Queue,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="telephony_records",
        help_text=_("The team answering the telephony queue (Queue.phone_queues); empty: unknown."),
    )
    wait_seconds = models.PositiveIntegerField(_("wait (seconds)"))
    talk_seconds = models.PositiveIntegerField(_("talk time (seconds)"))

    class Meta:
        verbose_name = _("telephony record")
        verbose_name_plural = _("telephony records")
        constraints = [
            models.UniqueConstraint(fields=["at", "queue"], name="portal_telephony_unique")
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.queue}"


# --- Workspace -------------------------------------------------------------------------------


class ShortcutPreference(models.Model):
    """A caseworker's own keyboard shortcuts (WCAG 2.1.4), kept with the account so they
    follow the user to another browser; copied into the session at login (no query per
    page)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="portal_shortcuts",
    )
    keys = models.JSONField(_("keys"), default=dict, blank=True)
    off = models.BooleanField(_("shortcuts turned off"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("keyboard shortcut preference")
        verbose_name_plural = _("keyboard shortcut preferences")

    def __str__(self) -> str:
        return str(self.user_id)


class SavedView(AuditedModel, TimeStampedModel):
    """A caseworker's named filter and sort of a queue list."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="portal_saved_views",
    )
    queue = models.ForeignKey(
        Queue, verbose_name=_("queue"), on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("name"), max_length=80)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    shared = models.BooleanField(
        _("shared with the team"),
        default=False,
        help_text=_("Shared by a team lead: listed for every member of the queue's team."),
    )

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "queue", "name"],
                name="portal_savedview_unique",
                violation_error_message=_("You already have a view with this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Macro(AuditedModel, TimeStampedModel):
    """A canned reply: text with placeholders and, optionally, a state to move the case to."""

    name = models.CharField(_("name"), max_length=100)
    body = models.TextField(_("text"))
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("queue"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="macros",
        help_text=_("Empty: every queue."),
    )
    state = models.CharField(
        _("then change state to"), max_length=20, blank=True, choices=Case.State.choices
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
