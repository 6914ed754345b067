"""Time registration: work patterns, daily entries and absences, approvals, month closing."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from koncernservice.core.models import (
    AuditedModel,
    Employment,
    OrgUnit,
    TimeStampedModel,
    User,
    subtree_q,
)


class Kind(models.TextChoices):
    """What an entry records: work or one type of absence."""

    WORK = "work", _("Work")
    SICKNESS = "sickness", _("Sickness")
    CHILD_SICK = "child_sick", _("Child's first sick day")
    CARE_DAY = "care_day", _("Care day")
    HOLIDAY = "holiday", _("Holiday")
    SPECIAL_HOLIDAY = "special_holiday", _("Special holiday day")
    LEAVE = "leave", _("Leave")
    COURSE = "course", _("Course")
    OTHER = "other", _("Other absence")


ABSENCE_KINDS = frozenset(k.value for k in Kind if k != Kind.WORK)
# Paid annual leave and sick leave are neutral in the 48-hour average (directive art. 16(b)).
NEUTRAL_KINDS = frozenset({Kind.SICKNESS, Kind.HOLIDAY, Kind.SPECIAL_HOLIDAY})
# A course is working time (training the employer asks for).
WORKING_KINDS = frozenset({Kind.WORK, Kind.COURSE})


class WorkPattern(AuditedModel, TimeStampedModel):
    """How one employment registers time, and its weekly schedule (norm from weekly hours)."""

    class Mode(models.TextChoices):
        FULL = "full", _("Full registration")
        DEVIATIONS = "deviations", _("Deviations only")
        EXEMPT = "exempt", _("Exempt")

    employment = models.OneToOneField(
        Employment,
        verbose_name=_("employment"),
        on_delete=models.CASCADE,
        related_name="work_pattern",
    )
    mode = models.CharField(_("registration mode"), max_length=12, choices=Mode.choices)
    exempt_reason = models.CharField(_("reason for exemption"), max_length=200, blank=True)
    work_days = models.CharField(
        _("working days"),
        max_length=7,
        default="01234",
        help_text=_("Weekday numbers, 0 = Monday: 01234 is Monday to Friday."),
    )
    day_start = models.TimeField(_("usual start of the day"), default=dt.time(8))
    reduced_rest_allowed = models.BooleanField(
        _("agreement permits daily rest reduced to 8 hours"), default=False
    )

    class Meta:
        verbose_name = _("work pattern")
        verbose_name_plural = _("work patterns")
        constraints = [
            models.CheckConstraint(
                condition=~Q(mode="exempt") | ~Q(exempt_reason=""),
                name="workpattern_exempt_has_reason",
                violation_error_message=_("An exemption needs a reason."),
            ),
            models.CheckConstraint(
                condition=Q(work_days__regex=r"^[0-6]{1,7}$"),
                name="workpattern_work_days_digits",
                violation_error_message=_("Working days are weekday numbers 0-6."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employment.employee_number} {self.get_mode_display()}"

    @property
    def weekdays(self) -> tuple[int, ...]:
        return tuple(sorted({int(c) for c in self.work_days}))

    def audit_scope_path(self) -> str:
        return self.employment.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("employment__unit__path", paths)

    @classmethod
    def self_q(cls, person_id: int) -> Q:
        return Q(employment__person_id=person_id)


class TimeEntry(AuditedModel, TimeStampedModel):
    """One period of work or absence on one day (a whole-day absence has no start and end)."""

    class Source(models.TextChoices):
        FORM = "form", _("Registered")
        IMPORT = "import", _("Imported")
        SCHEDULE = "schedule", _("From the schedule")

    employment = models.ForeignKey(
        Employment,
        verbose_name=_("employment"),
        on_delete=models.PROTECT,
        related_name="time_entries",
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.WORK)
    start = models.TimeField(_("start"), null=True, blank=True)
    end = models.TimeField(_("end"), null=True, blank=True)
    break_minutes = models.PositiveSmallIntegerField(_("break (minutes)"), default=0)
    minutes = models.PositiveIntegerField(
        _("minutes"), help_text=_("Worked minutes (after breaks) or absence minutes.")
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.FORM
    )

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        ordering = ["date", "start"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True))
                | (Q(start__isnull=False) & Q(end__isnull=False)),
                name="timeentry_start_and_end_together",
                violation_error_message=_("Give both start and end, or neither."),
            ),
            models.CheckConstraint(
                condition=Q(minutes__lte=24 * 60),
                name="timeentry_at_most_a_day",
                violation_error_message=_("An entry is at most 24 hours."),
            ),
        ]
        indexes = [models.Index(fields=["employment", "date"], name="timeentry_employment_date")]

    def __str__(self) -> str:
        return f"{self.employment.employee_number} {self.date} {self.get_kind_display()}"

    def audit_scope_path(self) -> str:
        known = getattr(self, "_audit_scope", None)
        return str(known) if known is not None else self.employment.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("employment__unit__path", paths)

    @classmethod
    def self_q(cls, person_id: int) -> Q:
        return Q(employment__person_id=person_id)


class PeriodApproval(AuditedModel, TimeStampedModel):
    """A manager's approval of one employment's registrations for one month."""

    employment = models.ForeignKey(
        Employment, verbose_name=_("employment"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    approved_by = models.ForeignKey(
        User,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    approved_by_label = models.CharField(_("approved by"), max_length=150)
    approved_at = models.DateTimeField(_("approved"))

    class Meta:
        verbose_name = _("period approval")
        verbose_name_plural = _("period approvals")
        constraints = [
            models.UniqueConstraint(
                fields=["employment", "month"],
                name="periodapproval_unique",
                violation_error_message=_("This month is already approved."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.employment.employee_number} {self.month:%Y-%m}"

    def audit_scope_path(self) -> str:
        return self.employment.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("employment__unit__path", paths)

    @classmethod
    def self_q(cls, person_id: int) -> Q:
        return Q(employment__person_id=person_id)


class MonthClosing(AuditedModel, TimeStampedModel):
    """A unit's month closed for payroll: its entries are locked until it is reopened."""

    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    is_closed = models.BooleanField(_("closed"), default=True)
    closed_by = models.ForeignKey(
        User,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    closed_by_label = models.CharField(_("closed by"), max_length=150)
    closed_at = models.DateTimeField(_("closed"))

    class Meta:
        verbose_name = _("month closing")
        verbose_name_plural = _("month closings")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "month"],
                name="monthclosing_unique",
                violation_error_message=_("This month already has a closing for the unit."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y-%m}"

    def audit_scope_path(self) -> str:
        return self.unit.path

    @classmethod
    def scope_q(cls, paths: list[str]) -> Q:
        return subtree_q("unit__path", paths)
