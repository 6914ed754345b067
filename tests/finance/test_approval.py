"""Coding, attestation and approval by different persons, amount limits per role and unit,
substitutes, escalation near the due date; every step audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from koncernservice.core.errors import DomainError
from koncernservice.core.models import AuditEntry
from koncernservice.core.system import system_operator
from koncernservice.finance import services
from koncernservice.finance.models import ApprovalLimit, ApprovalStep, Invoice
from koncernservice.finance.services import CodingInput
from tests.factories import make_user
from tests.finance.ap import ingest_spec, invoice_of, spec_for


def coded(ap, **spec_changes) -> Invoice:
    invoice = invoice_of(ingest_spec(spec_for(ap.world.school, **spec_changes)))
    services.invoice_code(
        actor=ap.world.manager,
        invoice=invoice,
        lines=[CodingInput(line.pk, "22110", "CC-HS") for line in invoice.lines.all()],
    )
    invoice.refresh_from_db()
    return invoice


def test_code_attest_approve_by_two_people(ap) -> None:
    invoice = coded(ap)
    assert invoice.status == Invoice.Status.TO_ATTEST
    services.invoice_attest(actor=ap.world.manager, invoice=invoice)
    with pytest.raises(DomainError) as exc:
        services.invoice_approve(actor=ap.world.manager, invoice=invoice)
    assert exc.value.errors[0].code == "segregation_of_duties"
    services.invoice_approve(actor=ap.manager2, invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.APPROVED
    assert list(invoice.steps.values_list("step", flat=True)) == ["code", "attest", "approve"]
    events = set(
        AuditEntry.objects.filter(object_id=str(invoice.pk)).values_list("event", flat=True)
    )
    assert {"invoice.received", "invoice.coded", "invoice.attested", "invoice.approved"} <= events


def test_coding_needs_an_account_on_every_line(ap) -> None:
    invoice = invoice_of(ingest_spec(spec_for(ap.world.school)))
    first = invoice.lines.first()
    with pytest.raises(DomainError) as exc:
        services.invoice_code(
            actor=ap.world.manager, invoice=invoice, lines=[CodingInput(first.pk, "99999")]
        )
    assert len(exc.value.errors) == 2  # unknown account on line 1, none on line 2
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.TO_CODE
    assert set(invoice.lines.values_list("account", flat=True)) == {""}


def test_amount_limit_per_role_and_unit(ap) -> None:
    invoice = coded(ap)  # 575.00
    services.invoice_attest(actor=ap.world.manager, invoice=invoice)
    services.approval_limit_set(
        actor=ap.finance, unit=ap.world.school, role="manager", max_amount="500"
    )
    with pytest.raises(DomainError) as exc:
        services.invoice_approve(actor=ap.manager2, invoice=invoice)
    assert exc.value.errors[0].code == "over_limit"
    # a deeper unit's limit wins over its parent's; raising the school's limit lets it pass
    services.approval_limit_set(
        actor=ap.finance, unit=ap.world.buf, role="manager", max_amount="100"
    )
    services.approval_limit_set(
        actor=ap.finance, unit=ap.world.school, role="manager", max_amount="575"
    )
    services.invoice_approve(actor=ap.manager2, invoice=invoice)
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.APPROVED


def test_a_limit_beyond_the_amount_column_is_refused(ap) -> None:
    """Amounts are DecimalField(max_digits=14, decimal_places=2): 12 digits before the
    point. 10^12 kr. is refused with a message (PostgreSQL would raise a numeric overflow,
    SQLite would store it) and the limit already set stays."""
    services.approval_limit_set(
        actor=ap.finance, unit=ap.world.school, role="manager", max_amount="500"
    )
    for too_large in ("1" + "0" * 12, "9" * 20):
        with pytest.raises(DomainError) as exc:
            services.approval_limit_set(
                actor=ap.finance, unit=ap.world.school, role="manager", max_amount=too_large
            )
        assert str(exc.value) == "feltet 'max_amount': For stort: højst 12 cifre før kommaet."
    assert ApprovalLimit.objects.get(unit=ap.world.school).max_amount == Decimal("500.00")
    services.approval_limit_set(
        actor=ap.finance, unit=ap.world.school, role="manager", max_amount="999999999999.99"
    )


def test_substitute_acts_for_an_absent_approver(ap) -> None:
    invoice = coded(ap)
    services.invoice_attest(actor=ap.world.manager, invoice=invoice)
    helper = make_user("vikar")
    with pytest.raises(DomainError) as exc:
        services.invoice_approve(actor=helper, invoice=invoice)
    assert exc.value.status == 403
    today = timezone.localdate()
    services.substitution_create(
        actor=ap.manager2,
        absent=ap.manager2,
        substitute=helper,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
    )
    services.invoice_approve(actor=helper, invoice=invoice)
    step = invoice.steps.get(step=ApprovalStep.Step.APPROVE)
    assert step.user == helper and step.on_behalf_of == ap.manager2


def test_substitute_for_the_attester_cannot_approve(ap) -> None:
    invoice = coded(ap)
    helper = make_user("vikar")
    today = timezone.localdate()
    services.substitution_create(
        actor=ap.world.manager,
        absent=ap.world.manager,
        substitute=helper,
        starts_on=today,
        ends_on=today,
    )
    services.invoice_attest(actor=helper, invoice=invoice)  # for leder
    with pytest.raises(DomainError) as exc:
        services.invoice_approve(actor=ap.world.manager, invoice=invoice)
    assert exc.value.errors[0].code == "segregation_of_duties"


def test_escalation_near_due_date(ap) -> None:
    today = timezone.localdate()
    soon = invoice_of(ingest_spec(spec_for(ap.world.school, due_date=today + dt.timedelta(days=2))))
    later = invoice_of(
        ingest_spec(spec_for(ap.world.school, due_date=today + dt.timedelta(days=20)))
    )
    assert services.invoices_escalate(actor=system_operator(), days=3) == 1
    assert Invoice.objects.get(pk=soon.pk).escalated_at is not None
    assert Invoice.objects.get(pk=later.pk).escalated_at is None
    assert services.invoices_escalate(actor=system_operator(), days=3) == 0  # not twice
    for days in (-5, 366, 10**20):  # a window before today, or past any due date, is refused
        with pytest.raises(DomainError) as exc:
            services.invoices_escalate(actor=system_operator(), days=days)
        assert str(exc.value) == "feltet 'days': Antallet af dage skal være mellem 0 og 365."


def test_hold_needs_reason(ap) -> None:
    invoice = invoice_of(ingest_spec(spec_for(ap.world.school)))
    with pytest.raises(DomainError):
        services.invoice_hold(actor=ap.world.manager, invoice=invoice, on_hold=True)
    services.invoice_hold(actor=ap.world.manager, invoice=invoice, on_hold=True, reason="Fejl")
    assert Invoice.objects.get(pk=invoice.pk).on_hold
    assert invoice.payable_amount == Decimal("575.00")


def test_outsider_cannot_code_or_attest(ap) -> None:
    invoice = invoice_of(ingest_spec(spec_for(ap.world.school)))
    for user in (ap.world.nobody, ap.world.employee):
        with pytest.raises(DomainError) as exc:
            services.invoice_code(
                actor=user,
                invoice=invoice,
                lines=[CodingInput(line.pk, "22110") for line in invoice.lines.all()],
            )
        assert exc.value.status == 403
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.TO_CODE


def test_a_substitution_ends_early_and_the_substitute_can_no_longer_act(ap) -> None:
    """Ended early, a begun substitution ends yesterday (the substitute can no longer
    approve today); one not yet begun is removed; audited; a third person gets 404."""
    from django.http import Http404

    from koncernservice.finance import selectors
    from koncernservice.finance.models import Substitution

    invoice = coded(ap)
    services.invoice_attest(actor=ap.world.manager, invoice=invoice)
    helper = make_user("vikar")
    today = timezone.localdate()
    running = services.substitution_create(
        actor=ap.manager2,
        absent=ap.manager2,
        substitute=helper,
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=10),
    )
    later = services.substitution_create(
        actor=ap.manager2,
        absent=ap.manager2,
        substitute=helper,
        starts_on=today + dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=40),
    )
    with pytest.raises(Http404):  # not theirs, and no right to manage limits
        selectors.substitution_get(user=ap.world.manager, pk=running.pk)
    ended = services.substitution_end(actor=helper, substitution=running)  # the substitute
    assert ended is not None and ended.ends_on == today - dt.timedelta(days=1)
    with pytest.raises(DomainError) as refused:
        services.invoice_approve(actor=helper, invoice=invoice)
    assert refused.value.status == 403
    later_pk = later.pk
    assert services.substitution_end(actor=ap.manager2, substitution=later) is None
    assert not Substitution.objects.filter(pk=later_pk).exists()
    assert AuditEntry.objects.filter(object_id=str(later_pk), action="delete").exists()
    with pytest.raises(DomainError) as over:
        services.substitution_end(actor=ap.manager2, substitution=ended)
    assert over.value.errors[0].code == "ended"
