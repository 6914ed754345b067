"""Set-based posting of approved invoices and payments to the double-entry journal, in DKK.

One posting claims every approved, routed invoice with a single UPDATE (which also records
each invoice's exchange rate: DKK per 100 units on the posting date, 100 for DKK), then
writes the journal with five ``INSERT … SELECT`` statements (expense lines per invoice
line, input VAT, the supplier payable, the reverse-charge VAT, and the difference from
document-level allowances and charges together with the øre of rounding the converted
lines) and marks the invoices
posted with one more UPDATE: no ORM save per line. Debit is positive, credit negative; a
credit note posts with the opposite sign. ``amount`` is DKK; ``currency`` and
``currency_amount`` keep the original. The batch is refused (rolled back) unless its lines
sum to zero, in DKK and in the original amounts.

Foreign-currency invoices without a usable rate (``exchange.posting_rates``) are left
approved and unposted and reported (``unposted``), so a missing EUR rate never holds up the
DKK invoices. A payment debits the payable at the rate its invoice was posted at, credits
the bank at the rate of the payment's posting date and posts the difference to the
exchange-difference account; a missing rate refuses the whole reconciliation.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, DecimalField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from koncernservice.core.access import require
from koncernservice.core.audit import audit_context, record_events
from koncernservice.core.errors import DomainError, ErrorDetail
from koncernservice.finance import access, exchange, rules
from koncernservice.finance.models import Invoice, InvoiceLine, JournalLine, Payment, PostingBatch

PAYABLE_ACCOUNT = getattr(settings, "FINANCE_PAYABLE_ACCOUNT", "95580")
VAT_ACCOUNT = getattr(settings, "FINANCE_VAT_ACCOUNT", "90180")
# VAT the municipality owes on purchases under reverse charge (EU services and goods): the
# counterpart of the input VAT posted for them; check the account in the municipality's chart.
REVERSE_CHARGE_VAT_ACCOUNT = getattr(settings, "FINANCE_REVERSE_CHARGE_VAT_ACCOUNT", "90181")
ADJUSTMENT_ACCOUNT = getattr(settings, "FINANCE_ADJUSTMENT_ACCOUNT", "95590")
# The bank account paid from (8.22.05 "indskud i pengeinstitutter" in the municipal chart)
# and the expense account for bank charges; settings, as each municipality's chart differs.
BANK_ACCOUNT = getattr(settings, "FINANCE_BANK_ACCOUNT", "82205")
BANK_CHARGES_ACCOUNT = getattr(settings, "FINANCE_BANK_CHARGES_ACCOUNT", "64551")
# Realised exchange gains and losses: 7.58.79 "Kurstab og kursgevinster" in the municipal
# chart (hovedfunktion 7.58); each municipality must check the account in its own chart.
EXCHANGE_DIFFERENCE_ACCOUNT = getattr(settings, "FINANCE_EXCHANGE_DIFFERENCE_ACCOUNT", "75879")
COLUMNS = (
    "batch_id, invoice_id, unit_id, posted_on, account, cost_centre, amount, currency, "
    "currency_amount, text"
)
CURRENCY = "COALESCE(NULLIF(i.currency, ''), 'DKK')"


def _dkk(amount: str, rate: str) -> str:
    """SQL: ``amount`` (in a currency) in DKK at ``rate`` (DKK per 100), rounded to øre half
    away from zero as ``rules.to_dkk`` (ROUND_HALF_UP). PostgreSQL's numeric ROUND does
    exactly that; SQLite computes in binary floating point, where 2.675 is 2.67499…, so a
    nudge of 1e-9 (far below the 1e-8 steps of a 2-decimal amount times a 4-decimal rate
    over 100) puts exact halves on the right side. With a percent as ``rate`` it is that
    percent of the amount, rounded the same way (``rules.reverse_charge_vat``)."""
    value = f"(({amount}) * ({rate}) / 100.0)"
    if connection.vendor == "sqlite":
        return f"ROUND({value} + (CASE WHEN {value} < 0 THEN -1e-9 ELSE 1e-9 END), 2)"
    return f"ROUND({value}, 2)"


def _literal(text: str) -> str:
    """A setting (an account number) as an SQL string literal, quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


def _rounded(value: str) -> str:
    return f"ROUND({value}, 2)" if connection.vendor == "sqlite" else value


def _unposted(waiting: Any, missing: list[rules.RateMissing]) -> list[dict[str, Any]]:
    """Per currency without a rate: the invoices left unposted and the Danish reason."""
    report = []
    for exc in missing:
        numbers = list(
            waiting.filter(currency=exc.currency).order_by("pk").values_list("number", flat=True)
        )
        report.append(
            {
                "currency": exc.currency,
                "date": exc.on.isoformat(),
                "latest_rate_date": exc.latest.isoformat() if exc.latest else None,
                "invoices": len(numbers),
                "numbers": numbers[:100],
                "message": exchange.missing_message(exc, numbers, len(numbers)),
            }
        )
    return report


def invoices_post(
    *, actor: Any, on: dt.date | None = None, audit_each: bool = True
) -> dict[str, Any]:
    """Post every approved, routed invoice in DKK at its posting date's rate; ``audit_each``
    writes one ``invoice.posted`` event per invoice (the demo, which records one
    ``demo.built`` event, turns it off). Invoices in a currency without a usable rate are
    left approved and listed in ``unposted`` (currency, date, invoice numbers, message)."""
    require(actor, access.POST)
    posted_on = on or timezone.localdate()
    q = connection.ops.quote_name
    inv = q(Invoice._meta.db_table)
    line = q(InvoiceLine._meta.db_table)
    journal = q(JournalLine._meta.db_table)
    sign = "(CASE WHEN i.kind = 'credit_note' THEN -1 ELSE 1 END)"
    label = getattr(actor, "username", str(actor))
    with transaction.atomic(), audit_context(actor=actor):
        waiting = Invoice.objects.filter(
            status=Invoice.Status.APPROVED, unit__isnull=False, posting_batch__isnull=True
        )
        currencies = set(waiting.order_by().values_list("currency", flat=True).distinct())
        rates, missing = exchange.posting_rates((c, posted_on) for c in currencies)
        unposted = _unposted(waiting, missing)
        refused = {exc.currency for exc in missing}
        batch = PostingBatch.objects.create(posted_on=posted_on, posted_by=label[:150])
        claimed = (
            waiting.filter(currency__in=currencies - refused).update(
                posting_batch=batch,
                exchange_rate=Case(
                    *(When(currency=c, then=Value(r)) for (c, _on), r in rates.items()),
                    default=Value(rules.PER),
                    output_field=DecimalField(max_digits=12, decimal_places=4),
                ),
            )
            if currencies - refused
            else 0
        )
        if not claimed:
            batch.delete()
            return {"batch": None, "invoices": 0, "lines": 0, "unposted": unposted}

        # A batch of DKK invoices only (the usual case) needs no conversion.
        def dkk(amount: str) -> str:
            return _dkk(amount, "i.exchange_rate") if rates else amount

        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {journal} ({COLUMNS}) "
                f"SELECT %s, i.id, i.unit_id, %s, l.account, l.cost_centre, "
                f"{dkk(f'l.net_amount * {sign}')}, {CURRENCY}, "
                f"l.net_amount * {sign}, i.number "
                f"FROM {line} l JOIN {inv} i ON l.invoice_id = i.id "
                f"WHERE i.posting_batch_id = %s",
                [batch.pk, posted_on, batch.pk],
            )
            cursor.execute(
                f"INSERT INTO {journal} ({COLUMNS}) "
                f"SELECT %s, i.id, i.unit_id, %s, %s, '', "
                f"{dkk(f'i.vat_amount * {sign}')}, {CURRENCY}, "
                f"i.vat_amount * {sign}, i.number "
                f"FROM {inv} i WHERE i.posting_batch_id = %s AND i.vat_amount <> 0",
                [batch.pk, posted_on, VAT_ACCOUNT, batch.pk],
            )
            cursor.execute(
                f"INSERT INTO {journal} ({COLUMNS}) "
                f"SELECT %s, i.id, i.unit_id, %s, %s, '', "
                f"-{dkk(f'(i.net_amount + i.vat_amount) * {sign}')}, {CURRENCY}, "
                f"-(i.net_amount + i.vat_amount) * {sign}, i.number "
                f"FROM {inv} i WHERE i.posting_batch_id = %s",
                [batch.pk, posted_on, PAYABLE_ACCOUNT, batch.pk],
            )
            # Reverse charge: 25 % of the base in DKK as input VAT (debit) and as VAT owed
            # (credit), so the payable stays the invoice's amount (rules.reverse_charge_vat).
            owed = _dkk(dkk(f"i.reverse_charge_base * {sign}"), str(rules.DANISH_VAT_PERCENT))
            owed_original = _dkk(f"i.reverse_charge_base * {sign}", str(rules.DANISH_VAT_PERCENT))
            cursor.execute(
                f"INSERT INTO {journal} ({COLUMNS}) "
                f"SELECT %s, i.id, i.unit_id, %s, s.account, '', s.side * {owed}, {CURRENCY}, "
                f"s.side * {owed_original}, i.number "
                f"FROM {inv} i CROSS JOIN (SELECT %s AS account, 1 AS side "
                f"UNION ALL SELECT %s, -1) s "
                f"WHERE i.posting_batch_id = %s AND i.reverse_charge_base <> 0",
                [batch.pk, posted_on, VAT_ACCOUNT, REVERSE_CHARGE_VAT_ACCOUNT, batch.pk],
            )
            # Document-level allowances and charges (net amount less the sum of the lines)
            # in the currency; in DKK whatever balances the invoice, so the øre of
            # rounding each converted line land here too (for DKK invoices the same).
            difference = f"(i.net_amount - i.line_total) * {sign}"
            if rates:
                cursor.execute(
                    f"INSERT INTO {journal} ({COLUMNS}) "
                    f"SELECT %s, i.id, i.unit_id, %s, %s, '', {_rounded('-s.total')}, "
                    f"{CURRENCY}, {difference}, i.number "
                    f"FROM {inv} i JOIN (SELECT invoice_id, SUM(amount) AS total "
                    f"FROM {journal} WHERE batch_id = %s GROUP BY invoice_id) s "
                    f"ON s.invoice_id = i.id WHERE i.posting_batch_id = %s "
                    f"AND (ABS(s.total) >= 0.005 OR i.net_amount <> i.line_total)",
                    [batch.pk, posted_on, ADJUSTMENT_ACCOUNT, batch.pk, batch.pk],
                )
            else:
                cursor.execute(
                    f"INSERT INTO {journal} ({COLUMNS}) "
                    f"SELECT %s, i.id, i.unit_id, %s, %s, '', {difference}, {CURRENCY}, "
                    f"{difference}, i.number FROM {inv} i "
                    f"WHERE i.posting_batch_id = %s AND i.net_amount <> i.line_total",
                    [batch.pk, posted_on, ADJUSTMENT_ACCOUNT, batch.pk],
                )
            cursor.execute(
                f"SELECT COUNT(*), COALESCE(SUM(amount), 0), COALESCE(SUM(currency_amount), 0) "
                f"FROM {journal} WHERE batch_id = %s",
                [batch.pk],
            )
            lines, total, original = cursor.fetchone()
        if max(abs(Decimal(str(total))), abs(Decimal(str(original)))) >= Decimal("0.005"):
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
                    (
                        invoice,
                        {
                            "batch": batch.pk,
                            "posted_on": posted_on.isoformat(),
                            "exchange_rate": str(invoice.exchange_rate),
                        },
                    )
                    for invoice in Invoice.objects.filter(posting_batch=batch).select_related(
                        "unit"
                    )
                ),
                "invoice.posted",
            )
    return {"batch": batch.pk, "invoices": claimed, "lines": lines, "unposted": unposted}


def _completing_parts(chunk: list[int]) -> list[int]:
    """The paid payments of the chunk that complete a foreign invoice paid earlier in part
    (a partly paid payment of it outside the chunk), with no credit note set off in them or
    credited to the invoice and no other payment of the invoice in the chunk: for these the
    payable's DKK balance is cleared as it stands."""
    q = connection.ops.quote_name
    pay, inv = q(Payment._meta.db_table), q(Invoice._meta.db_table)
    notes = q(Payment.credit_notes.through._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, p.invoice_id, e.id FROM {pay} p JOIN {inv} i ON p.invoice_id = i.id "
            f"JOIN {pay} e ON e.invoice_id = p.invoice_id AND e.id <> p.id "
            f"WHERE p.id IN ({', '.join(['%s'] * len(chunk))}) AND p.status = %s "
            f"AND i.currency NOT IN ('', 'DKK') "
            f"AND NOT EXISTS (SELECT 1 FROM {notes} t WHERE t.payment_id = p.id) "
            f"AND NOT EXISTS (SELECT 1 FROM {inv} n WHERE n.credited_invoice_id = i.id)",
            [*chunk, Payment.Status.PAID],
        )
        rows = cursor.fetchall()
    in_chunk = set(chunk)
    others: dict[int, set[int]] = defaultdict(set)
    payment_of: dict[int, int] = {}
    for pk, invoice_id, other in rows:
        payment_of[pk] = invoice_id
        others[pk].add(other)
    partly = set(
        Payment.objects.filter(
            pk__in={o for os in others.values() for o in os}, status=Payment.Status.PARTIAL
        ).values_list("pk", flat=True)
    )
    return sorted(pk for pk, theirs in others.items() if not theirs & in_chunk and theirs & partly)


def _payment_rates(chunk: list[int], on: dt.date | None) -> tuple[str, str, bool, list[int]]:
    """SQL ``CASE`` expressions giving, per payment, the rate (DKK per 100) of the invoice's
    currency and of the charges' currency on the payment's posting date, by
    ``exchange.posting_rates``; whether any is foreign; and the paid payments that settle
    credit notes. One query for the chunk (only its foreign or credit-note payments come
    back), one for the rates. The values are written into the SQL: rates are numbers, dates
    ISO dates and currencies stored ones (three capital letters, a constraint of
    ``ExchangeRate``). A pair without a usable rate refuses the posting, naming its
    invoices."""
    q = connection.ops.quote_name
    notes = q(Payment.credit_notes.through._meta.db_table)
    pay, inv = q(Payment._meta.db_table), q(Invoice._meta.db_table)
    dkk = "('', 'DKK')"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, i.currency, p.charges_currency, p.charges, p.execution_date, "
            f"i.number, p.status = %s AND EXISTS (SELECT 1 FROM {notes} t "
            f"WHERE t.payment_id = p.id) FROM {pay} p JOIN {inv} i ON p.invoice_id = i.id "
            f"WHERE p.id IN ({', '.join(['%s'] * len(chunk))}) AND (i.currency NOT IN {dkk} "
            f"OR (p.charges <> 0 AND p.charges_currency NOT IN {dkk}) OR (p.status = %s "
            f"AND EXISTS (SELECT 1 FROM {notes} t WHERE t.payment_id = p.id)))",
            [Payment.Status.PAID, *chunk, Payment.Status.PAID],
        )
        rows = cursor.fetchall()
    pairs: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    settling = []
    for pk, currency, charges_currency, charges, paid_on, number, settles in rows:
        when = on or (
            paid_on if isinstance(paid_on, dt.date) else dt.date.fromisoformat(str(paid_on))
        )
        if not rules.is_dkk(currency):
            pairs[(currency, when)].add(number)
        if charges and Decimal(str(charges)) != 0 and not rules.is_dkk(charges_currency):
            pairs[(charges_currency, when)].add(number)
        if settles:
            settling.append(pk)
    rates, missing = exchange.posting_rates(pairs)
    if missing:
        raise DomainError(
            _("Exchange rates are missing; nothing was booked."),
            [
                ErrorDetail(
                    exchange.missing_message(
                        exc,
                        sorted(pairs[(exc.currency, exc.on)]),
                        len(pairs[(exc.currency, exc.on)]),
                    ),
                    code="exchange_rate_missing",
                )
                for exc in missing
            ],
        )

    def case(column: str) -> str:
        sql = f"CASE WHEN {column} IN ('', 'DKK') THEN 100"
        for (currency, when), value in sorted(rates.items()):
            if not (len(currency) == 3 and currency.isascii() and currency.isalpha()) or (
                not currency.isupper()
            ):
                raise ValueError(f"Not a stored currency code: {currency!r}")  # never in SQL
            day = "" if on else f" AND p.execution_date = '{when.isoformat()}'"
            sql += f" WHEN {column} = '{currency}'{day} THEN {Decimal(value):f}"
        return sql + " END"

    return case("i.currency"), case("p.charges_currency"), bool(pairs), settling


def payments_post(
    payment_ids: list[int], *, posted_by: str, on: dt.date | None = None
) -> PostingBatch | None:
    """Post what the bank paid for these payments, as one batch, set-based like the
    invoices: the amount paid (``Payment.paid_amount``, in the invoice's currency) debited to
    the payable at the rate the invoice was posted at and credited to the bank at the rate
    of the payment's posting date, the difference in DKK to the exchange-difference account;
    the bank's charges (``Payment.charges``, converted from their currency) debited to the
    charges account against the bank; a paid payment also settles the credit notes netted
    in it (each note's payable cleared at its own rate against the invoice's at the
    invoice's): eight ``INSERT … SELECT`` per 5,000 payments. ``on``:
    the posting date (default: each payment's date). Refused unless the batch balances in
    DKK, or when a rate is missing (:class:`DomainError`; the caller's transaction rolls
    back)."""
    if not payment_ids:
        return None
    q = connection.ops.quote_name
    pay = q(Payment._meta.db_table)
    inv = q(Invoice._meta.db_table)
    journal = q(JournalLine._meta.db_table)
    notes = q(Payment.credit_notes.through._meta.db_table)
    date = "%s" if on else "p.execution_date"
    booked = "COALESCE(i.exchange_rate, 100)"
    charges_currency = "COALESCE(NULLIF(p.charges_currency, ''), 'DKK')"
    with transaction.atomic():
        batch = PostingBatch.objects.create(
            posted_on=on or timezone.localdate(), posted_by=posted_by[:150]
        )
        with connection.cursor() as cursor:
            for start in range(0, len(payment_ids), 5000):
                chunk = payment_ids[start : start + 5000]
                bank, fee, foreign, settling = _payment_rates(chunk, on)

                def dkk(amount: str, rate: str, convert: bool = foreign) -> str:
                    return _dkk(amount, rate) if convert else amount  # DKK only: as it is

                # The bank side: what the bank booked in DKK when its file says so, else
                # the amount at the payment date's published rate.
                paid_out = (
                    f"COALESCE(p.bank_amount_dkk, {dkk('p.paid_amount', bank)})"
                    if foreign
                    else "p.paid_amount"
                )
                cleared = dkk("p.paid_amount", booked)
                completing = _completing_parts(chunk) if foreign else []
                if completing:
                    # The last of several parts clears what is left of the payable in DKK
                    # (each part converted by itself could leave an øre).
                    cleared = (
                        f"CASE WHEN p.id IN ({', '.join(map(str, completing))}) THEN "
                        f"(SELECT -SUM(j.amount) FROM {journal} j WHERE j.invoice_id = i.id "
                        f"AND j.account = {_literal(PAYABLE_ACCOUNT)} "
                        f"AND j.batch_id <> {int(batch.pk)}) "
                        f"ELSE {cleared} END"
                    )
                difference = _rounded(f"{paid_out} - {cleared}")
                statements: list[tuple[str, str, str, str, str]] = [
                    # account, DKK amount, currency, original amount, which payments
                    (
                        PAYABLE_ACCOUNT,
                        _rounded(cleared),
                        CURRENCY,
                        "p.paid_amount",
                        "p.paid_amount <> 0",
                    ),
                    (
                        BANK_ACCOUNT,
                        f"-{paid_out}",
                        CURRENCY,
                        "-p.paid_amount",
                        "p.paid_amount <> 0",
                    ),
                    (
                        EXCHANGE_DIFFERENCE_ACCOUNT,
                        difference,
                        CURRENCY,
                        "0",
                        f"p.paid_amount <> 0 AND ABS({difference}) >= 0.005",
                    ),
                    (
                        BANK_CHARGES_ACCOUNT,
                        dkk("p.charges", fee),
                        charges_currency,
                        "p.charges",
                        "p.charges <> 0",
                    ),
                    (
                        BANK_ACCOUNT,
                        f"-{dkk('p.charges', fee)}",
                        charges_currency,
                        "-p.charges",
                        "p.charges <> 0",
                    ),
                ]
                marks = ", ".join(["%s"] * len(chunk))
                for account, amount, currency, original, condition in statements:
                    if account == EXCHANGE_DIFFERENCE_ACCOUNT and not foreign:
                        continue  # DKK invoices (all posted at 100) paid in DKK: none
                    cursor.execute(
                        f"INSERT INTO {journal} ({COLUMNS}) "
                        f"SELECT %s, p.invoice_id, i.unit_id, {date}, %s, '', {amount}, "
                        f"{currency}, {original}, i.number "
                        f"FROM {pay} p JOIN {inv} i ON p.invoice_id = i.id "
                        f"WHERE p.id IN ({marks}) AND {condition}",
                        [batch.pk, *([on] if on else []), account, *chunk],
                    )
                # A paid payment settles the credit notes netted in it: each note's payable
                # is cleared at the note's rate against the invoice's at the invoice's, the
                # difference to the exchange-difference account (none in DKK).
                if not settling:
                    continue
                noted = _dkk("n.payable_amount", "COALESCE(n.exchange_rate, 100)")
                invoiced = _dkk("n.payable_amount", booked)
                settled = _rounded(f"{noted} - {invoiced}")
                for document, account, amount, original, condition in (
                    ("n", PAYABLE_ACCOUNT, f"-{noted}", "-n.payable_amount", "1 = 1"),
                    ("i", PAYABLE_ACCOUNT, invoiced, "n.payable_amount", "1 = 1"),
                    ("i", EXCHANGE_DIFFERENCE_ACCOUNT, settled, "0", f"ABS({settled}) >= 0.005"),
                ):
                    cursor.execute(
                        f"INSERT INTO {journal} ({COLUMNS}) "
                        f"SELECT %s, {document}.id, {document}.unit_id, {date}, %s, '', "
                        f"{amount}, {CURRENCY}, {original}, {document}.number "
                        f"FROM {notes} t JOIN {pay} p ON t.payment_id = p.id "
                        f"JOIN {inv} i ON p.invoice_id = i.id JOIN {inv} n ON t.invoice_id = n.id "
                        f"WHERE p.id IN ({', '.join(['%s'] * len(settling))}) "
                        f"AND n.payable_amount <> 0 AND {condition}",
                        [batch.pk, *([on] if on else []), account, *settling],
                    )
            cursor.execute(
                f"SELECT COUNT(*), COUNT(DISTINCT invoice_id), COALESCE(SUM(amount), 0) "
                f"FROM {journal} WHERE batch_id = %s",
                [batch.pk],
            )
            lines, invoices, total = cursor.fetchone()
        if abs(Decimal(str(total))) >= Decimal("0.005"):
            raise DomainError.single(
                _("The journal does not balance; nothing was posted."), code="unbalanced"
            )
        if not lines:
            batch.delete()
            return None
        batch.lines, batch.invoices = lines, invoices
        batch.save(update_fields=["lines", "invoices", "updated_at"])
    return batch
