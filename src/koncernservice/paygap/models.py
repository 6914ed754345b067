"""Pay transparency: pay per employee and year, categories of workers, Art. 10 flags and joint
pay assessments, Art. 7 information requests and the annual report."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from koncernservice.core.models import (
    AuditedModel,
    Employment,
    OrgUnit,
    Person,
    TimeStampedModel,
    User,
    subtree_q,
)


class WorkerCategory(AuditedModel, TimeStampedModel):
    """A category of workers (Art. 4): same work or work of equal value.

    The default grouping (agreement + job category + pay-step band) creates these; HR may edit
    them, move pay records between them and records the job evaluation criteria.
    """

    code = models.CharField(_("code"), max_length=200, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    agreement = models.CharField(_("agreement"), max_length=100, blank=True)
    job_category = models.CharField(_("job category"), max_length=100, blank=True)
    pay_band = models.CharField(_("pay-step band"), max_length=20, blank=True)
    skills = models.TextField(_("skills"), blank=True)
    effort = models.TextField(_("effort"), blank=True)
    responsibility = models.TextField(_("responsibility"), blank=True)
    working_conditions = models.TextField(_("working conditions"), blank=True)
    is_default = models.BooleanField(_("from the default grouping"), default=True)

    class Meta:
        verbose_name = _("category of workers")
        verbose_name_plural = _("categories of workers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_evaluation(self) -> bool:
        return all([self.skills, self.effort, self.responsibility, self.working_conditions])


class PayRecord(AuditedModel, TimeStampedModel):
    """One employment's pay in one calendar year (Art. 3: pay level = gross annual/hourly pay)."""

    class Source(models.TextChoices):
        IMPORT = "import", _("Payroll extract")
        PLATFORM = "platform", _("Platform pay tables")

    employment = models.ForeignKey(
        Employment,
        verbose_name=_("employment"),
        on_delete=models.PROTECT,
        related_name="pay_records",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    basic_pay = models.DecimalField(_("basic pay"), max_digits=14, decimal_places=2)
    complementary_pay = models.DecimalField(
        _("complementary or variable pay"), max_digits=14, decimal_places=2
    )
    hours = models.DecimalField(_("hours paid"), max_digits=8, decimal_places=2)
    agreement = models.CharField(_("agreement"), max_length=100, blank=True)
    pay_step = models.PositiveSmallIntegerField(_("pay step"), null=True, blank=True)
    category = models.ForeignKey(
        WorkerCategory,
        verbose_name=_("category of workers"),
        on_delete=models.PROTECT,
        related_name="pay_records",
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)

    class Meta:
        verbose_name = _("pay record")
        verbose_name_plural = _("pay records")
        ordering = ["year", "employment_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["employment", "year"],
                name="payrecord_one_per_year",
                violation_error_message=_("The employment already has pay for this year."),
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(basic_pay__gte=0) & Q(complementary_pay__gte=0),
                name="payrecord_amounts_valid",
                violation_error_message=_("Hours must be above 0 and amounts at least 0."),
            ),
        ]
        indexes = [models.Index(fields=["year", "category"], name="payrecord_year_category")]

    def __str__(self) -> str:
        return f"{self.employment.employee_number} {self.year}"

    def audit_scope_path(self) -> str:
        return self.employment.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("employment__unit__path", paths)

    @classmethod
    def self_q(cls, person_id: int) -> Q:
        return Q(employment__person_id=person_id)


class CategoryFlag(AuditedModel, TimeStampedModel):
    """Art. 10: a category whose average pay level differs by 5 % or more between the sexes."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        JUSTIFIED = "justified", _("Justified")
        REMEDY = "remedy", _("Remedy under way")
        REMEDIED = "remedied", _("Remedied")
        ASSESSMENT = "assessment", _("Joint pay assessment")

    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("legal entity"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.ForeignKey(
        WorkerCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="flags"
    )
    gap = models.DecimalField(_("gap (%)"), max_digits=7, decimal_places=2)
    basic_gap = models.DecimalField(
        _("basic pay gap (%)"), max_digits=7, decimal_places=2, null=True
    )
    complementary_gap = models.DecimalField(
        _("complementary pay gap (%)"), max_digits=9, decimal_places=2, null=True
    )
    figures = models.JSONField(_("figures"), default=dict)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    flagged_on = models.DateField(_("flagged on"))
    deadline = models.DateField(_("deadline"))
    justification = models.TextField(_("objective, gender-neutral justification"), blank=True)
    remedy = models.TextField(_("remedy"), blank=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_by_label = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True)

    class Meta:
        verbose_name = _("category flag")
        verbose_name_plural = _("category flags")
        ordering = ["-year", "-gap"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "category"],
                name="categoryflag_one_per_year",
                violation_error_message=_("The category is already flagged for this year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.year}"

    def audit_scope_path(self) -> str:
        return self.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("unit__path", paths)

    @property
    def unresolved(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.REMEDY)


class JointPayAssessment(AuditedModel, TimeStampedModel):
    """Art. 10(2): the joint pay assessment with the workers' representatives."""

    class Status(models.TextChoices):
        STARTED = "started", _("Started")
        COMPLETED = "completed", _("Completed")

    flag = models.OneToOneField(
        CategoryFlag,
        verbose_name=_("flag"),
        on_delete=models.PROTECT,
        related_name="assessment",
    )
    started_on = models.DateField(_("started on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.STARTED
    )
    # Art. 10(2)(a)-(c): shares by sex, average pay levels and complementary components.
    figures = models.JSONField(_("figures"), default=dict)
    # (d) the differences and (e) their reasons
    reasons = models.TextField(_("reasons for the differences"), blank=True)
    # (f) share of workers with pay improvement after parental leave (not in our data)
    # (g) measures, (h) evaluation of earlier measures: follow-up
    measures = models.TextField(_("measures to address the differences"), blank=True)
    follow_up = models.TextField(_("follow-up of earlier measures"), blank=True)
    representatives = models.TextField(_("workers' representatives involved"), blank=True)

    class Meta:
        verbose_name = _("joint pay assessment")
        verbose_name_plural = _("joint pay assessments")
        ordering = ["-started_on"]

    def __str__(self) -> str:
        return str(self.flag)

    def audit_scope_path(self) -> str:
        return self.flag.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("flag__unit__path", paths)


class InfoRequest(AuditedModel, TimeStampedModel):
    """Art. 7: a worker asks for their pay level and the average levels by sex in their
    category; answered within two months by a letter."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    employment = models.ForeignKey(
        Employment, verbose_name=_("employment"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("pay year"))
    requested_on = models.DateField(_("requested on"))
    due_on = models.DateField(_("answer due"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.JSONField(_("answer"), default=dict, blank=True)

    class Meta:
        verbose_name = _("information request")
        verbose_name_plural = _("information requests")
        ordering = ["-requested_on", "-id"]

    def __str__(self) -> str:
        return f"{self.person} {self.requested_on}"

    def audit_scope_path(self) -> str:
        return self.employment.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("employment__unit__path", paths)

    @classmethod
    def self_q(cls, person_id: int) -> Q:
        return Q(person_id=person_id)


class AnnualReport(AuditedModel, TimeStampedModel):
    """The yearly report (Art. 9) for a legal entity; frozen when management approves it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("legal entity"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    min_group = models.PositiveSmallIntegerField(_("smallest group published"))
    data = models.JSONField(_("figures"), default=dict)
    prepared_by = models.ForeignKey(
        User,
        verbose_name=_("prepared by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        User,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_by_label = models.CharField(_("approved by"), max_length=150, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("annual pay gap report")
        verbose_name_plural = _("annual pay gap reports")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"],
                name="annualreport_one_per_year",
                violation_error_message=_("There is already a report for this year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"

    def audit_scope_path(self) -> str:
        return self.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("unit__path", paths)


class RightReminder(AuditedModel, TimeStampedModel):
    """Art. 7(3): the yearly reminder to all workers of their right to information."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    recipients = models.PositiveIntegerField(_("recipients"))
    sent_by = models.CharField(_("sent by"), max_length=150)

    class Meta:
        verbose_name = _("reminder of the right to information")
        verbose_name_plural = _("reminders of the right to information")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)
