"""Pure rules of accounts payable: identifiers, matching tolerances, approval limits,
escalation and payment methods. No database, no Django: easy to test with numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

CENT = Decimal("0.01")


def money(value: Decimal | int | str) -> Decimal:
    """Round to øre, half up (the one rounding rule for amounts)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- Identifiers ------------------------------------------------------------------------------

CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


_CVR_SEPARATORS = re.compile(r"[\s-]")
_CVR_DIGITS = re.compile(r"[0-9]{8}")


@lru_cache(maxsize=8192)  # the ingest asks for the same suppliers' numbers all day
def clean_cvr(value: str | None) -> str:
    """The CVR digits of ``DK12345678``, ``12 34 56 78`` or ``12345678`` (else '')."""
    text = _CVR_SEPARATORS.sub("", value or "").upper()
    if text.startswith("DK"):
        text = text[2:]
    return text if _CVR_DIGITS.fullmatch(text) else ""


@lru_cache(maxsize=8192)
def cvr_is_valid(value: str | None) -> bool:
    """Modulus 11 with weights 2,7,6,5,4,3,2,1: the weighted sum is divisible by 11.

    No official e-invoice rule checks this; a wrong CVR is a typo or a fake supplier.
    """
    digits = clean_cvr(value)
    if not digits or digits[0] == "0":
        return False
    return sum(int(d) * w for d, w in zip(digits, CVR_WEIGHTS, strict=True)) % 11 == 0


def fik_check_digit(payload: str) -> int:
    """FIK (Fælles Indbetalingskort) check digit: modulus 10, weights 1,2,1,2… from the left,
    the digits of each product summed; check = (10 − s mod 10) mod 10."""
    if not payload.isdigit():
        raise ValueError("A FIK payment id has digits only.")
    total = 0
    for index, digit in enumerate(payload):
        product = int(digit) * (1 if index % 2 == 0 else 2)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def fik_payment_id_is_valid(payment_id: str | None) -> bool:
    """A payment id (card types 71: 15 digits, 75: 16 digits) whose last digit checks."""
    text = (payment_id or "").strip()
    if not text.isdigit() or len(text) < 2:
        return False
    return fik_check_digit(text[:-1]) == int(text[-1])


def make_fik_payment_id(payload: str) -> str:
    """Complete a payload with its check digit (the demo uses it)."""
    return payload + str(fik_check_digit(payload))


FIK_LINE = re.compile(r"^\+?(?P<card>\d{2})<(?P<pid>\d*)\s*\+\s*(?P<creditor>\d{8})<?$")


@dataclass(frozen=True)
class FikReference:
    card_type: str  # 71, 73, 75 (FIK) or 01, 04, 15 (giro)
    payment_id: str  # may be empty for 73 and 01
    creditor: str  # 8-digit FI creditor number (giro: account number)


def parse_fik(text: str) -> FikReference | None:
    """Read ``+71<000000000012347+87654321<`` (the OCR line), or None."""
    found = FIK_LINE.match((text or "").replace(" ", ""))
    if not found:
        return None
    return FikReference(found["card"], found["pid"], found["creditor"])


def fik_problems(card_type: str, payment_id: str, creditor: str) -> list[str]:
    """What is wrong with a FIK/giro reference: codes ``fik_card``, ``fik_length``,
    ``fik_check_digit``, ``fik_creditor`` (empty when all is well)."""
    problems: list[str] = []
    lengths = {"71": 15, "75": 16, "04": 16, "15": 16}
    if card_type not in {"01", "04", "15", "71", "73", "75"}:
        return ["fik_card"]
    if not re.fullmatch(r"[0-9]{7,8}", creditor or ""):
        problems.append("fik_creditor")
    if card_type in lengths:
        if len(payment_id) != lengths[card_type] or not payment_id.isdigit():
            problems.append("fik_length")
        elif not fik_payment_id_is_valid(payment_id):
            problems.append("fik_check_digit")
    return problems


# --- Matching -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tolerance:
    """Both limits apply (the stricter one wins): a deviation is accepted when it is at most
    ``absolute`` kroner and at most ``percent`` % of the expected amount."""

    absolute: Decimal = Decimal("50.00")
    percent: Decimal = Decimal("2.0")

    def accepts(self, expected: Decimal, actual: Decimal) -> bool:
        deviation = abs(actual - expected)
        return deviation <= self.absolute and deviation <= abs(expected) * self.percent / 100


@dataclass(frozen=True)
class OrderLineFacts:
    key: str  # the order line number
    item_id: str
    quantity: Decimal
    unit_price: Decimal
    received: Decimal  # goods received so far
    invoiced: Decimal  # already invoiced on earlier invoices
    account: str
    cost_centre: str


@dataclass(frozen=True)
class InvoiceLineFacts:
    position: int
    order_line_ref: str
    item_id: str
    quantity: Decimal
    unit_price: Decimal
    net_amount: Decimal


@dataclass
class LineMatch:
    position: int
    order_line: str | None
    ok: bool
    reasons: list[str] = field(default_factory=list)


@dataclass
class MatchResult:
    mode: str  # "2-way" or "3-way"
    lines: list[LineMatch]

    @property
    def ok(self) -> bool:
        return bool(self.lines) and all(line.ok for line in self.lines)

    @property
    def reasons(self) -> list[str]:
        return sorted({r for line in self.lines for r in line.reasons})


def pair_lines(
    invoice_lines: Sequence[InvoiceLineFacts], order_lines: Sequence[OrderLineFacts]
) -> dict[int, OrderLineFacts | None]:
    """Each invoice line's order line: by the order line reference, else by the seller's
    item id, else by position when both have the same number of lines."""
    by_key = {o.key: o for o in order_lines}
    by_item = {o.item_id: o for o in order_lines if o.item_id}
    result: dict[int, OrderLineFacts | None] = {}
    same_count = len(invoice_lines) == len(order_lines)
    for index, line in enumerate(invoice_lines):
        found = by_key.get(line.order_line_ref) if line.order_line_ref else None
        if found is None and line.item_id:
            found = by_item.get(line.item_id)
        if found is None and same_count:
            found = order_lines[index]
        result[line.position] = found
    return result


def match_invoice(
    invoice_lines: Sequence[InvoiceLineFacts],
    order_lines: Sequence[OrderLineFacts],
    *,
    three_way: bool,
    tolerance: Tolerance,
    credit: bool = False,
) -> MatchResult:
    """2-way (price and quantity against the order) or 3-way (also quantity against goods
    received) matching. Reasons: ``no_order_line``, ``price``, ``quantity_ordered``,
    ``quantity_received``, ``amount``."""
    pairs = pair_lines(invoice_lines, order_lines)
    # Quantities already claimed by earlier lines of this invoice, per order line.
    claimed: dict[str, Decimal] = {}
    lines: list[LineMatch] = []
    for line in invoice_lines:
        order = pairs[line.position]
        if order is None:
            lines.append(LineMatch(line.position, None, False, ["no_order_line"]))
            continue
        reasons: list[str] = []
        if not tolerance.accepts(order.unit_price, line.unit_price):
            reasons.append("price")
        expected_amount = money(line.quantity * order.unit_price)
        if not tolerance.accepts(expected_amount, line.net_amount):
            reasons.append("amount")
        if not credit:
            total = order.invoiced + claimed.get(order.key, Decimal(0)) + line.quantity
            claimed[order.key] = claimed.get(order.key, Decimal(0)) + line.quantity
            if total > order.quantity:
                reasons.append("quantity_ordered")
            if three_way and total > order.received:
                reasons.append("quantity_received")
        lines.append(LineMatch(line.position, order.key, not reasons, reasons))
    return MatchResult("3-way" if three_way else "2-way", lines)


def suggest_coding(history: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """The (account, cost centre) used most often before; ties go to the most recent
    (``history`` is newest first)."""
    counts: dict[tuple[str, str], int] = {}
    order: dict[tuple[str, str], int] = {}
    for index, pair in enumerate(history):
        counts[pair] = counts.get(pair, 0) + 1
        order.setdefault(pair, index)
    if not counts:
        return None
    return max(counts, key=lambda p: (counts[p], -order[p]))


# --- Approval ---------------------------------------------------------------------------------

# Used when a unit (and its ancestors) configures no limit for the role.
DEFAULT_APPROVAL_LIMITS: dict[str, Decimal] = {
    "manager": Decimal("100000.00"),
    "finance": Decimal("50000.00"),
    "admin": Decimal("10000000.00"),
}


def approval_limit(
    role_limits: Iterable[tuple[str, int, Decimal]], roles: Iterable[str]
) -> Decimal:
    """The user's limit on an invoice's unit.

    ``role_limits`` are (role, depth, amount) configured on the unit or its ancestors; the
    deepest configuration for a role wins (a unit can lower or raise its parent's). A role with
    no configuration uses :data:`DEFAULT_APPROVAL_LIMITS`. The user's limit is the highest of
    their roles'.
    """
    best: dict[str, tuple[int, Decimal]] = {}
    for role, depth, amount in role_limits:
        if role not in best or depth > best[role][0]:
            best[role] = (depth, amount)
    result = Decimal(0)
    for role in roles:
        if role in best:
            result = max(result, best[role][1])
        else:
            result = max(result, DEFAULT_APPROVAL_LIMITS.get(role, Decimal(0)))
    return result


def needs_escalation(due: dt.date | None, today: dt.date, *, days: int = 3) -> bool:
    """An invoice awaiting attestation or approval is escalated ``days`` days before it falls
    due (and once overdue)."""
    return due is not None and (due - today).days <= days


# --- Payment ------------------------------------------------------------------------------------


class PaymentMethod:
    FIK = "fik"
    GIRO = "giro"
    DOMESTIC = "domestic"
    IBAN = "iban"


@dataclass(frozen=True)
class PaymentTarget:
    method: str
    card_type: str = ""
    payment_id: str = ""
    creditor: str = ""
    reg_no: str = ""
    account_no: str = ""
    iban: str = ""
    bic: str = ""


def payment_target(
    *,
    means_code: str,
    payment_id: str,
    account_id: str,
    branch_id: str,
    supplier_reg_no: str = "",
    supplier_account_no: str = "",
    supplier_iban: str = "",
    supplier_bic: str = "",
) -> PaymentTarget | None:
    """How to pay: from the invoice's payment means, else the supplier's master data.

    OIOUBL/Peppol DK codes: 93 with payment id 71/73/75 (FIK) or 01/04/15 (giro) and the
    creditor in the account id; 31/42 (bank transfer) with reg. no. (branch) + account or an
    IBAN; 58 (SEPA) with an IBAN.
    """
    code = (means_code or "").strip()
    pid = (payment_id or "").strip()
    account = re.sub(r"\s", "", account_id or "")
    if code in {"93", "50"} or re.fullmatch(r"(71|73|75|01|04|15)#.*", pid):
        card, _sep, ref = pid.partition("#")
        if not _sep:
            card, ref = pid[:2], pid[2:]
        if card in {"71", "73", "75"}:
            return PaymentTarget(PaymentMethod.FIK, card, ref, account)
        if card in {"01", "04", "15"}:
            return PaymentTarget(PaymentMethod.GIRO, card, ref, account)
    if re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", account.upper()):
        return PaymentTarget(PaymentMethod.IBAN, iban=account.upper(), bic=branch_id or "")
    if account.isdigit() and branch_id and branch_id.isdigit() and len(branch_id) == 4:
        return PaymentTarget(PaymentMethod.DOMESTIC, reg_no=branch_id, account_no=account)
    if supplier_reg_no and supplier_account_no:
        return PaymentTarget(
            PaymentMethod.DOMESTIC, reg_no=supplier_reg_no, account_no=supplier_account_no
        )
    if supplier_iban:
        return PaymentTarget(PaymentMethod.IBAN, iban=supplier_iban, bic=supplier_bic)
    return None


def payment_date(due: dt.date | None, run_date: dt.date) -> dt.date:
    """Pay on the due date, never before the run (an overdue invoice is paid at once)."""
    if due is None or due < run_date:
        return run_date
    return due


@dataclass(frozen=True)
class OpenItem:
    """An invoice to pay or a credit note to set off: who, in what currency, how much."""

    key: int
    supplier: int
    currency: str
    amount: Decimal


def set_off_credit_notes(invoices: Sequence[OpenItem], notes: Sequence[OpenItem]) -> dict[int, int]:
    """Which free credit note (one that names no open invoice) is set off against which
    invoice: each note, in the given order, against the first invoice (in the given order,
    i.e. by due date) of the same supplier and currency that is still larger than the note,
    so that every payment stays positive. A note is set off whole or not at all; a note no
    invoice can carry waits for the next proposal. Returns ``{note key: invoice key}``."""
    left = {item.key: item.amount for item in invoices}
    by_payee: dict[tuple[int, str], list[int]] = {}
    for item in invoices:
        by_payee.setdefault((item.supplier, item.currency), []).append(item.key)
    chosen: dict[int, int] = {}
    for note in notes:
        for key in by_payee.get((note.supplier, note.currency), ()):
            if left[key] > note.amount > 0:
                left[key] -= note.amount
                chosen[note.key] = key
                break
    return chosen


def remittance_text(invoice_number: str, credit_note_numbers: Sequence[str] = ()) -> str:
    """The payment's message to the supplier (at most 140 characters, pain.001 ``Ustrd``):
    the invoice paid and the credit notes set off in it, so the supplier sees why the
    amount is smaller."""
    text = f"Faktura {invoice_number}"
    if credit_note_numbers:
        text += " minus kreditnota " + ", ".join(credit_note_numbers)
    return text if len(text) <= 140 else text[:139] + "…"


def amount_paid(
    *,
    currency: str,
    booked: Decimal,
    booked_currency: str,
    instructed: Decimal | None = None,
    instructed_currency: str = "",
) -> Decimal | None:
    """How much of a payment in ``currency`` the bank paid: the instructed amount when the
    bank repeats it in that currency (a EUR transfer booked in DKK carries the EUR amount as
    ``InstdAmt``), else the booked amount when it is in that currency (an amount without a
    currency is taken as the payment's). ``None`` when the bank reports only a converted
    amount: it cannot be compared with the payment, so it must be checked by hand."""
    if instructed is not None and instructed_currency in ("", currency):
        return instructed
    if booked_currency in ("", currency):
        return booked
    return None


def booked_in_dkk(
    *, currency: str, booked: Decimal, booked_currency: str, paid: Decimal | None
) -> Decimal | None:
    """What a foreign payment cost in DKK when the bank booked it on a DKK account (its
    booked amount, with the payment's own currency repeated as the instructed amount): the
    bank side of the posting is that, not a conversion at the day's rate. None otherwise."""
    if paid is None or currency in ("", "DKK") or booked_currency != "DKK":
        return None
    return booked


# --- Exchange rates ---------------------------------------------------------------------------

DKK = "DKK"
PER = Decimal(100)  # Danmarks Nationalbank quotes DKK per 100 units of a currency
FIRST_RATE_DATE = dt.date(1970, 1, 1)
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class PublishedRate:
    """A rate as published: DKK per 100 units of the currency on a banking day."""

    on: dt.date
    rate: Decimal


class RateMissing(ValueError):
    """No usable rate for ``currency`` on ``on``: none published on or before it, or the
    latest (``latest``) is more than ``max_age_days`` days older."""

    def __init__(
        self, currency: str, on: dt.date, latest: dt.date | None, max_age_days: int
    ) -> None:
        self.currency, self.on, self.latest, self.max_age_days = currency, on, latest, max_age_days
        super().__init__(f"No exchange rate for {currency} on {on} (latest: {latest}).")


def is_dkk(currency: str) -> bool:
    """An invoice without a currency is in DKK (the payments treat it so too)."""
    return currency in ("", DKK)


def rate_for(
    currency: str, on: dt.date, published: Iterable[PublishedRate], *, max_age_days: int = 7
) -> Decimal:
    """DKK per 100 units of ``currency`` for a posting on ``on``: the latest rate published
    on or before that day (there are none on weekends and bank holidays, so a Saturday
    uses Friday's), refused (:class:`RateMissing`) when there is none or it is more than
    ``max_age_days`` days older than ``on``. DKK is 100."""
    if is_dkk(currency):
        return PER
    usable = [p for p in published if p.on <= on]
    if not usable:
        raise RateMissing(currency, on, None, max_age_days)
    latest = max(usable, key=lambda p: p.on)
    if (on - latest.on).days > max_age_days:
        raise RateMissing(currency, on, latest.on, max_age_days)
    return latest.rate


def to_dkk(amount: Decimal, rate: Decimal) -> Decimal:
    """An amount in a currency in DKK at ``rate`` (DKK per 100), rounded to øre half up:
    EUR 1,000.00 at 746.08 is DKK 7,460.80."""
    return money(amount * rate / PER)


def rate_problem(currency: str, on: dt.date, rate: Decimal, *, today: dt.date) -> str | None:
    """Why a published rate cannot be stored (a code), or None: ``currency`` (not three
    capital letters, ISO 4217, or DKK itself), ``rate`` (zero or negative), ``date`` (before
    1970 or after ``today``: rates are not published ahead)."""
    if not _CURRENCY_CODE.fullmatch(currency) or currency == DKK:
        return "currency"
    if not rate.is_finite() or rate <= 0:
        return "rate"
    if on < FIRST_RATE_DATE or on > today:
        return "date"
    return None


# --- VAT the buyer pays: reverse charge ----------------------------------------------------

# VAT categories under which the seller charges no VAT and the Danish buyer must account for
# it (momslovens § 46, stk. 1, nr. 2–3): UNCL 5305 "AE" (reverse charge, e.g. services
# bought from another EU country) and "K" (intra-community supply of goods: the buyer's
# acquisition VAT, erhvervelsesmoms), and OIOUBL's named category for the former.
REVERSE_CHARGE_CATEGORIES = frozenset({"AE", "K", "ReverseCharge"})
DANISH_VAT_PERCENT = Decimal(25)  # momslovens § 33


def reverse_charge_base(breakdown: Iterable[tuple[str, Decimal | None]]) -> Decimal:
    """The taxable amount on which the buyer owes Danish VAT: the sum of the VAT breakdown's
    taxable amounts (category, amount) in the reverse-charge categories."""
    return sum(
        (
            amount
            for category, amount in breakdown
            if amount is not None and category.strip() in REVERSE_CHARGE_CATEGORIES
        ),
        Decimal(0),
    )


def reverse_charge_vat(base: Decimal) -> Decimal:
    """Danish VAT on a reverse-charge base, to the øre: 25 % of DKK 1,234.50 is 308.63 (half
    up). Posted twice: as input VAT (deductible, debit) and as VAT owed (credit), so the
    supplier's payable is the invoice's own amount."""
    return money(base * DANISH_VAT_PERCENT / 100)
