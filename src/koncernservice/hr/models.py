"""HR: collective agreements with versioned pay tables, pay placements per employment,
recruitment (requisitions, postings, applications) and hiring.

Stable interface for other apps (paygap): :class:`Placement` links an employment to its
agreement, job category, pay step and pay-area group over a period (``valid_from`` –
``valid_to``); :class:`Agreement` and :class:`JobCategory` carry the codes to group by.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from koncernservice.core.models import (
    AuditedModel,
    CostCentre,
    Employment,
    OrgUnit,
    Person,
    TimeStampedModel,
    User,
    subtree_q,
)

MONEY = {"max_digits": 14, "decimal_places": 2}


# --- Agreements and pay tables ---------------------------------------------------------------


class Agreement(AuditedModel, TimeStampedModel):
    """A collective agreement (overenskomst), e.g. HK office staff or nurses."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parties = models.CharField(_("parties"), max_length=200, blank=True)
    is_synthetic = models.BooleanField(
        _("synthetic"), default=False, help_text=_("Made-up figures for the demo, not official.")
    )

    class Meta:
        verbose_name = _("collective agreement")
        verbose_name_plural = _("collective agreements")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AgreementVersion(AuditedModel, TimeStampedModel):
    """One version of an agreement from a date (an OK round); earlier versions stay as they were.

    ``categories`` holds the job categories' rules (base step, seniority steps, allowances,
    pension %) as plain data read by :func:`koncernservice.hr.rules.version_from_data`.
    """

    class PartTime(models.TextChoices):
        FULL = "full", _("Part-time counts fully")
        PROPORTIONAL = "proportional", _("Part-time counts in proportion")

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="versions"
    )
    version = models.CharField(_("version"), max_length=40)
    valid_from = models.DateField(_("valid from"))
    weekly_hours = models.DecimalField(
        _("full-time weekly hours"), max_digits=5, decimal_places=2, default=37
    )
    regulation_percent = models.DecimalField(
        _("regulation percentage"), max_digits=8, decimal_places=4, default=0
    )
    irrelevant_share = models.DecimalField(
        _("share of non-relevant experience counted"), max_digits=4, decimal_places=2, default=0
    )
    min_weekly_hours = models.DecimalField(
        _("minimum weekly hours that count"), max_digits=5, decimal_places=2, default=8
    )
    part_time = models.CharField(
        _("part-time seniority"), max_length=20, choices=PartTime.choices, default=PartTime.FULL
    )
    categories = models.JSONField(_("job category rules"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        ordering = ["agreement__code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "valid_from"],
                name="agreementversion_unique_date",
                violation_error_message=_("The agreement already has a version from this date."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement.code} {self.version} ({self.valid_from})"


class PayStep(models.Model):
    """The annual amount of a pay step (løntrin) for a pay-area group, at the base level."""

    version = models.ForeignKey(
        AgreementVersion,
        verbose_name=_("agreement version"),
        on_delete=models.CASCADE,
        related_name="pay_steps",
    )
    step = models.PositiveSmallIntegerField(_("pay step"))
    area_group = models.CharField(_("pay-area group"), max_length=10, default="1")
    annual_amount = models.DecimalField(_("annual amount (base level)"), **MONEY)

    class Meta:
        verbose_name = _("pay step")
        verbose_name_plural = _("pay steps")
        ordering = ["version", "step", "area_group"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "step", "area_group"],
                name="paystep_unique",
                violation_error_message=_("This pay step is already in the table."),
            ),
            models.CheckConstraint(
                condition=Q(annual_amount__gt=0),
                name="paystep_amount_positive",
                violation_error_message=_("A pay step amount must be above 0."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} trin {self.step}/{self.area_group}"


class JobCategory(AuditedModel, TimeStampedModel):
    """A job category of an agreement (stable across versions; its rules live per version)."""

    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        related_name="job_categories",
    )
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    employment_category = models.CharField(
        _("job category on employments"),
        max_length=100,
        blank=True,
        help_text=_("The job category text used on employments, e.g. Sygeplejerske."),
    )

    class Meta:
        verbose_name = _("job category")
        verbose_name_plural = _("job categories")
        ordering = ["agreement__code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "code"],
                name="jobcategory_unique",
                violation_error_message=_("The agreement already has this job category."),
            )
        ]

    def __str__(self) -> str:
        return self.name


# --- Placements ---------------------------------------------------------------------------------


class Placement(AuditedModel, TimeStampedModel):
    """An employment's pay placement from a date: agreement, job category, step, allowances.

    ``allowances`` is a list of ``{"code", "name", "annual": "<base-level amount>"}`` (regulated
    month by month like the steps); ``explanation`` the placement's lines; ``overrides`` the
    caseworker's changed lines with their written reasons.
    """

    employment = models.ForeignKey(
        Employment,
        verbose_name=_("employment"),
        on_delete=models.CASCADE,
        related_name="hr_placements",
    )
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="+"
    )
    job_category = models.ForeignKey(
        JobCategory, verbose_name=_("job category"), on_delete=models.PROTECT, related_name="+"
    )
    pay_step = models.PositiveSmallIntegerField(_("pay step"))
    area_group = models.CharField(_("pay-area group"), max_length=10, default="1")
    seniority_years = models.PositiveSmallIntegerField(_("seniority (years)"), default=0)
    allowances = models.JSONField(_("allowances"), default=list, blank=True)
    pension_percent = models.DecimalField(
        _("pension percentage"), max_digits=5, decimal_places=2, default=0
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    explanation = models.JSONField(_("explanation"), default=list, blank=True)
    overrides = models.JSONField(_("overrides"), default=dict, blank=True)

    class Meta:
        verbose_name = _("pay placement")
        verbose_name_plural = _("pay placements")
        ordering = ["employment", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="placement_valid_to_after_from",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]
        indexes = [
            models.Index(fields=["employment", "valid_from"], name="placement_employment_from")
        ]

    def __str__(self) -> str:
        return f"{self.employment_id} {self.agreement_id} trin {self.pay_step}"

    def audit_scope_path(self) -> str:
        known = getattr(self, "_audit_scope", None)
        return str(known) if known is not None else self.employment.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("employment__unit__path", paths)

    @classmethod
    def self_q(cls, person_id: int) -> Q:
        return Q(employment__person_id=person_id)


# --- Recruitment ------------------------------------------------------------------------------


class Requisition(AuditedModel, TimeStampedModel):
    """A manager's request for a position, approved (or not) by HR."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("position title"), max_length=200)
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="+"
    )
    job_category = models.ForeignKey(
        JobCategory, verbose_name=_("job category"), on_delete=models.PROTECT, related_name="+"
    )
    weekly_hours = models.DecimalField(_("weekly hours"), max_digits=5, decimal_places=2)
    cost_centre = models.ForeignKey(
        CostCentre,
        verbose_name=_("cost centre"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    annual_budget = models.DecimalField(_("annual budget"), **MONEY)
    justification = models.TextField(_("justification"), blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.SUBMITTED
    )
    requested_by = models.ForeignKey(
        User, verbose_name=_("requested by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("position request")
        verbose_name_plural = _("position requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.unit})"

    def audit_scope_path(self) -> str:
        return self.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("unit__path", paths)


def _public_key() -> str:
    return secrets.token_urlsafe(9)


class JobPosting(AuditedModel, TimeStampedModel):
    """A published vacancy with its agreement and pay range (EU pay transparency Art. 5)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")

    requisition = models.ForeignKey(
        Requisition,
        verbose_name=_("position request"),
        on_delete=models.PROTECT,
        related_name="postings",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    public_key = models.CharField(
        _("public key"), max_length=20, unique=True, default=_public_key, editable=False
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="+"
    )
    job_category = models.ForeignKey(
        JobCategory, verbose_name=_("job category"), on_delete=models.PROTECT, related_name="+"
    )
    weekly_hours = models.DecimalField(_("weekly hours"), max_digits=5, decimal_places=2)
    pay_min = models.DecimalField(_("monthly pay from"), **MONEY)
    pay_max = models.DecimalField(_("monthly pay up to"), **MONEY)
    deadline = models.DateField(_("application deadline"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    title_warnings = models.JSONField(_("title warnings"), default=list, blank=True)

    class Meta:
        verbose_name = _("job posting")
        verbose_name_plural = _("job postings")
        ordering = ["-published_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pay_max__gte=models.F("pay_min")) & Q(pay_min__gt=0),
                name="jobposting_pay_range",
                violation_error_message=_("The pay range must be above 0 and from ≤ up to."),
            )
        ]
        indexes = [models.Index(fields=["state", "deadline"], name="jobposting_state_deadline")]

    def __str__(self) -> str:
        return self.title

    def audit_scope_path(self) -> str:
        return self.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("unit__path", paths)

    @property
    def is_open(self) -> bool:
        return self.state == self.State.PUBLISHED and self.deadline >= dt.date.today()


class Application(TimeStampedModel):
    """An application to a posting. Never holds pay history; deleted after retention.

    Not an ``AuditedModel``: the audit trail cannot be deleted, so applicants' personal data
    must not go into it. Business events are recorded on the posting with the application's id.
    """

    class Stage(models.TextChoices):
        RECEIVED = "received", _("Received")
        SCREENING = "screening", _("Screening")
        INTERVIEW = "interview", _("Interview")
        OFFER = "offer", _("Offer")
        HIRED = "hired", _("Hired")
        REJECTED = "rejected", _("Rejected")

    posting = models.ForeignKey(
        JobPosting,
        verbose_name=_("job posting"),
        on_delete=models.CASCADE,
        related_name="applications",
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    motivation = models.TextField(_("application text"), blank=True)
    cv_text = models.TextField(_("CV text"), blank=True)
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.RECEIVED
    )
    stage_changed_at = models.DateTimeField(_("stage changed"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    receipt_key = models.CharField(
        _("receipt"), max_length=20, unique=True, default=_public_key, editable=False
    )

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["posting", "stage"], name="application_posting_stage"),
            models.Index(fields=["closed_at"], name="application_closed"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def audit_scope_path(self) -> str:
        known = getattr(self, "_audit_scope", None)
        return str(known) if known is not None else self.posting.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("posting__unit__path", paths)


class ApplicationDocument(models.Model):
    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content = models.BinaryField(_("content"))

    class Meta:
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")

    def __str__(self) -> str:
        return self.name


class ApplicationNote(models.Model):
    """A note, stage change, interview or letter in an application's history."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        STAGE = "stage", _("Stage changed")
        INTERVIEW = "interview", _("Interview")
        LETTER = "letter", _("Letter")

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="notes"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        User, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    author_label = models.CharField(_("author"), max_length=150)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    interview_at = models.DateTimeField(_("interview time"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("application note")
        verbose_name_plural = _("application notes")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


class PlacementDraft(TimeStampedModel):
    """A caseworker's salary placement for an application (before the hire).

    ``items`` are the extracted periods and education, each with its ``source`` (``rules`` or
    the model's name) and ``confirmed``; only confirmed items reach the placement rules.
    """

    application = models.OneToOneField(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="placement_draft",
    )
    items = models.JSONField(_("extracted items"), default=list, blank=True)
    extraction_source = models.CharField(_("extracted by"), max_length=200, blank=True)
    area_group = models.CharField(_("pay-area group"), max_length=10, default="1")
    overrides = models.JSONField(_("overrides"), default=dict, blank=True)
    result = models.JSONField(_("placement"), default=dict, blank=True)

    class Meta:
        verbose_name = _("placement draft")
        verbose_name_plural = _("placement drafts")

    def __str__(self) -> str:
        return str(self.application)

    def audit_scope_path(self) -> str:
        return self.application.posting.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("application__posting__unit__path", paths)


class Hire(AuditedModel, TimeStampedModel):
    """The result of an accepted offer: person, employment, placement and the letter (PDF)."""

    application = models.OneToOneField(
        Application,
        verbose_name=_("application"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hire",
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    employment = models.OneToOneField(
        Employment, verbose_name=_("employment"), on_delete=models.PROTECT, related_name="hr_hire"
    )
    placement = models.ForeignKey(
        Placement, verbose_name=_("pay placement"), on_delete=models.PROTECT, related_name="+"
    )
    letter_pdf = models.BinaryField(_("employment letter (PDF)"))
    onboarding_case = models.CharField(_("onboarding case"), max_length=40, blank=True)
    onboarding_note = models.CharField(_("onboarding"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("hire")
        verbose_name_plural = _("hires")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.employment)

    def audit_scope_path(self) -> str:
        return self.employment.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("employment__unit__path", paths)
