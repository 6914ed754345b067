"""Payment proposals, the pain.001 file and reconciliation from camt.054/053.

A proposal takes every posted invoice due by a date whose payment is not held and whose
supplier is not blocked, nets linked credit notes against their invoice, sets free credit
notes (naming no invoice, or one already paid) off against the supplier's next invoice that
is larger (``rules.set_off_credit_notes``), and pays on the due date (at once when overdue).
Partial payments leave the rest to the next proposal; a returned (failed) payment puts the
invoice and its credit notes back so they can be proposed again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from koncernservice.core.access import require
from koncernservice.core.audit import audit_context, record_event, record_events
from koncernservice.core.errors import DomainError
from koncernservice.finance import access, iso20022, ledger, rules
from koncernservice.finance.models import Invoice, Payment, PaymentRun

DEBTOR = iso20022.Debtor(
    name=getattr(settings, "FINANCE_DEBTOR_NAME", "Københavns Kommune"),
    iban=getattr(settings, "FINANCE_DEBTOR_IBAN", "DK5000400440116243"),
    bic=getattr(settings, "FINANCE_DEBTOR_BIC", "DABADKKK"),
    org_id=getattr(settings, "FINANCE_DEBTOR_CVR", "64942212"),
)


def payment_proposal(
    *, actor: Any, until: dt.date, run_date: dt.date | None = None
) -> dict[str, Any]:
    """Propose payment of posted invoices due by ``until``."""
    require(actor, access.PAY)
    run_date = run_date or timezone.localdate()
    candidates = list(
        Invoice.objects.filter(
            status=Invoice.Status.POSTED,
            kind=Invoice.Kind.INVOICE,
            on_hold=False,
            supplier__is_blocked=False,
            due_date__lte=until,
        )
        .select_related("supplier", "unit")
        .order_by("due_date", "pk")
    )
    credits = _credit_notes(candidates)
    label = getattr(actor, "username", str(actor))
    skipped: list[dict[str, Any]] = []
    with transaction.atomic(), audit_context(actor=actor):
        run = PaymentRun.objects.create(run_date=run_date, until=until, created_by=label[:150])
        payments: list[Payment] = []
        settled: list[Invoice] = []
        set_off: list[tuple[int, Invoice]] = []
        for invoice in candidates:
            supplier = invoice.supplier
            assert supplier is not None
            notes = credits.get(invoice.pk, [])
            amount = (
                invoice.payable_amount
                - invoice.paid_amount
                - sum((n.payable_amount for n in notes), Decimal(0))
            )
            if amount <= 0:
                skipped.append({"invoice": invoice.pk, "reason": "nothing_to_pay"})
                continue
            target = rules.payment_target(
                means_code=invoice.payment_means_code,
                payment_id=invoice.payment_id,
                account_id=invoice.payment_account,
                branch_id=invoice.payment_branch,
                supplier_reg_no=supplier.reg_no,
                supplier_account_no=supplier.account_no,
                supplier_iban=supplier.iban,
                supplier_bic=supplier.bic,
            )
            if target is None:
                skipped.append({"invoice": invoice.pk, "reason": "no_payee_account"})
                continue
            payments.append(
                Payment(
                    run=run,
                    invoice=invoice,
                    supplier=supplier,
                    amount=rules.money(amount),
                    execution_date=rules.payment_date(invoice.due_date, run_date),
                    method=target.method,
                    target={k: v for k, v in target.__dict__.items() if v},
                    end_to_end_id=f"KS{run.pk:06d}I{invoice.pk:010d}P{len(payments):04d}"[:35],
                )
            )
            settled.extend([invoice, *notes])
            set_off.extend((len(payments) - 1, note) for note in notes)
        Payment.objects.bulk_create(payments, batch_size=2000)
        Payment.credit_notes.through.objects.bulk_create(
            [
                Payment.credit_notes.through(payment_id=payments[i].pk, invoice_id=note.pk)
                for i, note in set_off
            ],
            batch_size=2000,
        )
        Invoice.objects.filter(pk__in=[i.pk for i in settled]).update(
            status=Invoice.Status.IN_PAYMENT, updated_at=timezone.now()
        )
        record_events(
            ((i, {"run": run.pk}) for i in settled if i.kind == Invoice.Kind.INVOICE),
            "invoice.payment_proposed",
        )
        record_event(run, "payment_run.proposed", data={"payments": len(payments)})
    total = sum((p.amount for p in payments), Decimal(0))
    return {
        "run": run.pk,
        "run_date": run_date.isoformat(),
        "until": until.isoformat(),
        "payments": len(payments),
        "total": str(total),
        "by_method": {
            m: sum(1 for p in payments if p.method == m)
            for m in sorted({p.method for p in payments})
        },
        "skipped": skipped,
        "credit_notes_set_off": len(set_off),
    }


def _credit_notes(candidates: list[Invoice]) -> dict[int, list[Invoice]]:
    """The posted credit notes to net against each candidate invoice: those that name it,
    and free ones (naming no invoice, or one already paid) of the same supplier and currency,
    set off by ``rules.set_off_credit_notes`` (oldest note first, earliest due invoice)."""
    credits: dict[int, list[Invoice]] = defaultdict(list)
    notes = Invoice.objects.filter(
        status=Invoice.Status.POSTED, kind=Invoice.Kind.CREDIT_NOTE, on_hold=False
    )
    for note in notes.filter(credited_invoice_id__in=[i.pk for i in candidates]):
        assert note.credited_invoice_id is not None
        credits[note.credited_invoice_id].append(note)
    free = list(
        notes.filter(supplier_id__in={i.supplier_id for i in candidates})
        .filter(Q(credited_invoice__isnull=True) | Q(credited_invoice__status=Invoice.Status.PAID))
        .order_by("issue_date", "pk")
    )
    if not free:
        return credits
    open_items = [
        rules.OpenItem(
            i.pk,
            i.supplier_id or 0,
            i.currency,
            i.payable_amount
            - i.paid_amount
            - sum((n.payable_amount for n in credits[i.pk]), Decimal(0)),
        )
        for i in candidates
    ]
    by_pk = {note.pk: note for note in free}
    chosen = rules.set_off_credit_notes(
        open_items,
        [rules.OpenItem(n.pk, n.supplier_id or 0, n.currency, n.payable_amount) for n in free],
    )
    for note_pk, invoice_pk in chosen.items():
        credits[invoice_pk].append(by_pk[note_pk])
    return credits


def payment_file(*, actor: Any, run: PaymentRun) -> bytes:
    """The pain.001 file of a proposed run; the run's payments are then sent."""
    require(actor, access.PAY)
    if run.status == PaymentRun.Status.DONE:
        raise DomainError.single(_("The payment run is already reconciled."), field="run")
    payments = list(
        run.payments.select_related("supplier", "invoice")
        .prefetch_related("credit_notes")
        .order_by("pk")
    )
    if not payments:
        raise DomainError.single(_("The payment run has no payments."), field="run")
    now = timezone.now()
    message_id = run.message_id or f"KS-{run.pk:06d}-{now:%Y%m%d%H%M%S}"
    transfers = [
        iso20022.Transfer(
            end_to_end_id=p.end_to_end_id,
            amount=p.amount,
            currency=p.invoice.currency or "DKK",
            execution_date=p.execution_date,
            method=p.method,
            creditor_name=p.supplier.name,
            card_type=p.target.get("card_type", ""),
            payment_id=p.target.get("payment_id", ""),
            creditor=p.target.get("creditor", ""),
            reg_no=p.target.get("reg_no", ""),
            account_no=p.target.get("account_no", ""),
            iban=p.target.get("iban", ""),
            bic=p.target.get("bic", ""),
            remittance=rules.remittance_text(
                p.invoice.number, [n.number for n in p.credit_notes.all()]
            ),
        )
        for p in payments
    ]
    content = iso20022.build_pain001(
        message_id=message_id, created=now, debtor=DEBTOR, transfers=transfers
    )
    with transaction.atomic(), audit_context(actor=actor):
        run.message_id = message_id
        run.file_content = content.decode("utf-8")
        run.status = PaymentRun.Status.FILE_CREATED
        run.save()
        run.payments.filter(status=Payment.Status.PROPOSED).update(status=Payment.Status.SENT)
        record_event(run, "payment_run.file", data={"message_id": message_id})
    return content


def payments_reconcile(*, actor: Any, data: bytes, filename: str = "") -> dict[str, Any]:
    """Book what the bank reports: paid in full, partly paid, or returned (failed). The
    amount paid is compared in the payment's currency (``rules.amount_paid``); a transaction
    the bank reports only as a converted amount is left for a person (``currency``). Bank
    charges are kept on the payment and totalled per currency (``charges``)."""
    require(actor, access.PAY)
    try:
        kind, transactions = iso20022.parse_camt(data)
    except iso20022.BankFileError as exc:
        raise DomainError.single(str(exc), field=filename or "file", code="bank_file") from None
    by_id = {
        p.end_to_end_id: p
        for p in Payment.objects.filter(
            end_to_end_id__in=[t.end_to_end_id for t in transactions]
        ).select_related("invoice", "run")
    }
    counts = {"paid": 0, "partial": 0, "failed": 0, "unknown": 0, "pending": 0, "currency": 0}
    charges: dict[str, Decimal] = defaultdict(Decimal)
    to_post: list[int] = []
    now = timezone.now()
    with transaction.atomic(), audit_context(actor=actor):
        for tx in transactions:
            payment = by_id.get(tx.end_to_end_id)
            if payment is None or payment.status not in {
                Payment.Status.SENT,
                Payment.Status.PROPOSED,
            }:
                counts["unknown"] += 1
                continue
            if not tx.booked:
                counts["pending"] += 1
                continue
            invoice = payment.invoice
            paid = rules.amount_paid(
                currency=invoice.currency or "DKK",
                booked=tx.amount,
                booked_currency=tx.currency,
                instructed=tx.instructed,
                instructed_currency=tx.instructed_currency,
            )
            if paid is None and not tx.returned:
                record_event(
                    invoice,
                    "invoice.payment_unmatched",
                    data={"amount": str(tx.amount), "currency": tx.currency},
                )
                counts["currency"] += 1
                continue
            if tx.charges:
                payment.charges = tx.charges
                payment.charges_currency = tx.charges_currency[:3]
                charges[tx.charges_currency] += tx.charges
            notes = Invoice.objects.filter(
                Q(credited_invoice=invoice) | Q(set_off_in=payment),
                status=Invoice.Status.IN_PAYMENT,
            )
            if tx.returned:
                payment.status = Payment.Status.FAILED
                payment.failure_reason = tx.reason or "returned"
                Invoice.objects.filter(pk=invoice.pk).update(
                    status=Invoice.Status.POSTED, updated_at=now
                )
                notes.update(status=Invoice.Status.POSTED, updated_at=now)
                record_event(
                    invoice, "invoice.payment_failed", data={"reason": payment.failure_reason}
                )
                counts["failed"] += 1
            else:
                assert paid is not None
                payment.paid_amount = paid
                payment.bank_amount_dkk = rules.booked_in_dkk(
                    currency=invoice.currency or "DKK",
                    booked=tx.amount,
                    booked_currency=tx.currency,
                    paid=paid,
                )
                full = paid >= payment.amount
                payment.status = Payment.Status.PAID if full else Payment.Status.PARTIAL
                Invoice.objects.filter(pk=invoice.pk).update(
                    paid_amount=F("paid_amount") + paid,
                    status=Invoice.Status.PAID if full else Invoice.Status.POSTED,
                    updated_at=now,
                )
                if full:
                    notes.update(status=Invoice.Status.PAID, updated_at=now)
                else:
                    notes.update(status=Invoice.Status.POSTED, updated_at=now)
                record_event(
                    invoice,
                    "invoice.paid" if full else "invoice.partly_paid",
                    data={"amount": str(paid), "file": filename[-100:]},
                )
                counts["paid" if full else "partial"] += 1
            to_post.append(payment.pk)
            payment.save(
                update_fields=[
                    "status",
                    "paid_amount",
                    "failure_reason",
                    "charges",
                    "charges_currency",
                    "bank_amount_dkk",
                ]
            )
        batch = ledger.payments_post(
            to_post, posted_by=getattr(actor, "username", str(actor)), on=timezone.localdate()
        )
        runs = {p.run for p in by_id.values()}
        for run in runs:
            if not run.payments.filter(
                status__in=[Payment.Status.PROPOSED, Payment.Status.SENT]
            ).exists():
                run.status = PaymentRun.Status.DONE
                run.save(update_fields=["status", "updated_at"])
    return {
        "kind": kind,
        "transactions": len(transactions),
        **counts,
        "charges": {currency: str(total) for currency, total in sorted(charges.items())},
        "posting_batch": batch.pk if batch else None,
    }


def reconcile_summary(result: dict[str, Any]) -> tuple[str, str]:
    """The Danish summary of a reconciliation for the page and the command: (what was
    booked, a warning or '' when transactions need a person)."""
    done = _("%(paid)d paid, %(partial)d partly paid, %(failed)d failed, %(unknown)d unknown.")
    warning = (
        _("%(currency)d transactions were booked only as a converted amount: check them by hand.")
        % result
        if result["currency"]
        else ""
    )
    return done % result, warning
