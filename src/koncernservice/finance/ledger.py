"""Set-based posting of approved invoices to the double-entry journal.

One posting claims every approved, routed invoice with a single UPDATE, then writes the
journal with four ``INSERT … SELECT`` statements (expense lines per invoice line, the
difference from document-level allowances and charges, input VAT, and the supplier
payable) and marks the invoices posted with one more UPDATE: no ORM save per line. Debit
is positive, credit negative; a credit note posts with the opposite sign. The batch is
refused (rolled back) unless its lines sum to zero.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koncernservice.core.access import require
from koncernservice.core.audit import audit_context, record_events
from koncernservice.core.errors import DomainError
from koncernservice.finance import access
from koncernservice.finance.models import Invoice, InvoiceLine, JournalLine, Payment, PostingBatch

PAYABLE_ACCOUNT = getattr(settings, "FINANCE_PAYABLE_ACCOUNT", "95580")
VAT_ACCOUNT = getattr(settings, "FINANCE_VAT_ACCOUNT", "90180")
ADJUSTMENT_ACCOUNT = getattr(settings, "FINANCE_ADJUSTMENT_ACCOUNT", "95590")
# The bank account paid from (8.22.05 "indskud i pengeinstitutter" in the municipal chart)
# and the expense account for bank charges; settings, as each municipality's chart differs.
BANK_ACCOUNT = getattr(settings, "FINANCE_BANK_ACCOUNT", "82205")
BANK_CHARGES_ACCOUNT = getattr(settings, "FINANCE_BANK_CHARGES_ACCOUNT", "64551")


def invoices_post(
    *, actor: Any, on: dt.date | None = None, audit_each: bool = True
) -> dict[str, Any]:
    """Post every approved, routed invoice; ``audit_each`` writes one ``invoice.posted``
    event per invoice (the demo, which records one ``demo.built`` event, turns it off)."""
    require(actor, access.POST)
    posted_on = on or timezone.localdate()
    q = connection.ops.quote_name
    inv = q(Invoice._meta.db_table)
    line = q(InvoiceLine._meta.db_table)
    journal = q(JournalLine._meta.db_table)
    columns = "batch_id, invoice_id, unit_id, posted_on, account, cost_centre, amount, text"
    sign = "(CASE WHEN i.kind = 'credit_note' THEN -1 ELSE 1 END)"
    label = getattr(actor, "username", str(actor))
    with transaction.atomic(), audit_context(actor=actor):
        batch = PostingBatch.objects.create(posted_on=posted_on, posted_by=label[:150])
        claimed = Invoice.objects.filter(
            status=Invoice.Status.APPROVED, unit__isnull=False, posting_batch__isnull=True
        ).update(posting_batch=batch)
        if not claimed:
            batch.delete()
            return {"batch": None, "invoices": 0, "lines": 0}
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {journal} ({columns}) "
                f"SELECT %s, i.id, i.unit_id, %s, l.account, l.cost_centre, "
                f"l.net_amount * {sign}, i.number "
                f"FROM {line} l JOIN {inv} i ON l.invoice_id = i.id "
                f"WHERE i.posting_batch_id = %s",
                [batch.pk, posted_on, batch.pk],
            )
            cursor.execute(
                f"INSERT INTO {journal} ({columns}) "
                f"SELECT %s, i.id, i.unit_id, %s, %s, '', "
                f"(i.net_amount - i.line_total) * {sign}, i.number "
                f"FROM {inv} i WHERE i.posting_batch_id = %s AND i.net_amount <> i.line_total",
                [batch.pk, posted_on, ADJUSTMENT_ACCOUNT, batch.pk],
            )
            cursor.execute(
                f"INSERT INTO {journal} ({columns}) "
                f"SELECT %s, i.id, i.unit_id, %s, %s, '', i.vat_amount * {sign}, i.number "
                f"FROM {inv} i WHERE i.posting_batch_id = %s AND i.vat_amount <> 0",
                [batch.pk, posted_on, VAT_ACCOUNT, batch.pk],
            )
            cursor.execute(
                f"INSERT INTO {journal} ({columns}) "
                f"SELECT %s, i.id, i.unit_id, %s, %s, '', "
                f"-(i.net_amount + i.vat_amount) * {sign}, i.number "
                f"FROM {inv} i WHERE i.posting_batch_id = %s",
                [batch.pk, posted_on, PAYABLE_ACCOUNT, batch.pk],
            )
            cursor.execute(
                f"SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM {journal} WHERE batch_id = %s",
                [batch.pk],
            )
            lines, total = cursor.fetchone()
        if abs(Decimal(str(total))) >= Decimal("0.005"):
            raise DomainError.single(
                _("The journal does not balance; nothing was posted."), code="unbalanced"
            )
        Invoice.objects.filter(posting_batch=batch).update(status=Invoice.Status.POSTED)
        batch.invoices = claimed
        batch.lines = lines
        batch.save(update_fields=["invoices", "lines", "updated_at"])
        if audit_each:
            record_events(
                (
                    (invoice, {"batch": batch.pk, "posted_on": posted_on.isoformat()})
                    for invoice in Invoice.objects.filter(posting_batch=batch).select_related(
                        "unit"
                    )
                ),
                "invoice.posted",
            )
    return {"batch": batch.pk, "invoices": claimed, "lines": lines}


def payments_post(
    payment_ids: list[int], *, posted_by: str, on: dt.date | None = None
) -> PostingBatch | None:
    """Post what the bank paid for these payments, as one batch, set-based like the
    invoices: the amount paid (``Payment.paid_amount``) debited to the payable and credited
    to the bank, the bank's charges (``Payment.charges``) debited to the charges account
    against the bank: four ``INSERT … SELECT`` per 5,000 payments. ``on``: the posting date
    (default: each payment's date). The lines balance by construction."""
    if not payment_ids:
        return None
    q = connection.ops.quote_name
    pay = q(Payment._meta.db_table)
    inv = q(Invoice._meta.db_table)
    journal = q(JournalLine._meta.db_table)
    columns = "batch_id, invoice_id, unit_id, posted_on, account, cost_centre, amount, text"
    date = "%s" if on else "p.execution_date"
    batch = PostingBatch.objects.create(
        posted_on=on or timezone.localdate(), posted_by=posted_by[:150]
    )
    statements = [
        (PAYABLE_ACCOUNT, "p.paid_amount", "p.paid_amount"),
        (BANK_ACCOUNT, "-p.paid_amount", "p.paid_amount"),
        (BANK_CHARGES_ACCOUNT, "p.charges", "p.charges"),
        (BANK_ACCOUNT, "-p.charges", "p.charges"),
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(payment_ids), 5000):
            chunk = payment_ids[start : start + 5000]
            marks = ", ".join(["%s"] * len(chunk))
            for account, amount, nonzero in statements:
                cursor.execute(
                    f"INSERT INTO {journal} ({columns}) "
                    f"SELECT %s, p.invoice_id, i.unit_id, {date}, %s, '', {amount}, i.number "
                    f"FROM {pay} p JOIN {inv} i ON p.invoice_id = i.id "
                    f"WHERE p.id IN ({marks}) AND {nonzero} <> 0",
                    [batch.pk, *([on] if on else []), account, *chunk],
                )
        cursor.execute(
            f"SELECT COUNT(*), COUNT(DISTINCT invoice_id) FROM {journal} WHERE batch_id = %s",
            [batch.pk],
        )
        lines, invoices = cursor.fetchone()
    if not lines:
        batch.delete()
        return None
    batch.lines, batch.invoices = lines, invoices
    batch.save(update_fields=["lines", "invoices", "updated_at"])
    return batch
