"""Pure rules of accounts payable, stated with numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from koncernservice.finance import rules
from koncernservice.finance.einvoice import parse_document
from koncernservice.finance.rules import InvoiceLineFacts, OrderLineFacts, Tolerance


def test_cvr_modulus_11() -> None:
    # 2*2+7*5+6*3+5*1+4*3+3*7+2*6+1*3 = 110 = 10 * 11
    assert rules.cvr_is_valid("25313763")
    assert rules.cvr_is_valid("DK25313763")
    assert rules.cvr_is_valid("25 31 37 63")
    assert not rules.cvr_is_valid("25313764")  # last digit off by one
    assert not rules.cvr_is_valid("1234567")  # seven digits
    assert not rules.cvr_is_valid("05313763")  # no CVR starts with 0
    assert not rules.cvr_is_valid("")


def test_fik_check_digit_worked_example() -> None:
    # payload 00000000001234, weights 1,2,1,2,… from the left: the digits 1,2,3,4 sit at
    # positions 10..13 (weights 1,2,1,2): 1 + 4 + 3 + 8 = 16
    # check = (10 - 16 % 10) % 10 = 4
    assert rules.fik_check_digit("00000000001234") == 4
    assert rules.fik_payment_id_is_valid("000000000012344")
    assert not rules.fik_payment_id_is_valid("000000000012345")
    # a product of two digits counts as its digit sum: 9*2 = 18 -> 1+8 = 9
    assert rules.fik_check_digit("09") == (10 - 9) % 10


@given(st.text(alphabet="0123456789", min_size=14, max_size=15))
def test_fik_made_ids_always_check(payload: str) -> None:
    full = rules.make_fik_payment_id(payload)
    assert rules.fik_payment_id_is_valid(full)
    wrong = full[:-1] + str((int(full[-1]) + 1) % 10)
    assert not rules.fik_payment_id_is_valid(wrong)


def test_fik_problems() -> None:
    good = rules.make_fik_payment_id("00000000001234")
    assert rules.fik_problems("71", good, "87654321") == []
    assert rules.fik_problems("71", good[:-1] + "9", "87654321") == ["fik_check_digit"]
    assert rules.fik_problems("71", "123", "87654321") == ["fik_length"]
    assert rules.fik_problems("71", good, "876") == ["fik_creditor"]
    assert rules.fik_problems("99", good, "87654321") == ["fik_card"]
    assert rules.fik_problems("73", "", "87654321") == []  # card 73 has no payment id


def test_parse_fik_ocr_line() -> None:
    ref = rules.parse_fik("+71<000000000012344+87654321<")
    assert ref == rules.FikReference("71", "000000000012344", "87654321")
    assert rules.parse_fik("not a fik line") is None


def test_tolerance_both_limits_apply() -> None:
    tol = Tolerance(absolute=D("50"), percent=D("2"))
    assert tol.accepts(D("1000"), D("1020"))  # 20 kr = 2 %
    assert not tol.accepts(D("1000"), D("1020.01"))  # over 2 %
    assert not tol.accepts(D("10000"), D("10060"))  # 0.6 % but over 50 kr
    assert tol.accepts(D("10000"), D("9950"))  # 50 kr under, 0.5 %


def _order(
    key: str, qty: str, price: str, received: str = "0", invoiced: str = "0"
) -> OrderLineFacts:
    return OrderLineFacts(
        key, f"I{key}", D(qty), D(price), D(received), D(invoiced), "22110", "CC1"
    )


def _line(pos: int, ref: str, qty: str, price: str) -> InvoiceLineFacts:
    return InvoiceLineFacts(pos, ref, "", D(qty), D(price), rules.money(D(qty) * D(price)))


def test_two_way_match_price_and_quantity() -> None:
    orders = [_order("1", "10", "40"), _order("2", "5", "12")]
    tol = Tolerance(D("50"), D("2"))
    ok = rules.match_invoice(
        [_line(1, "1", "10", "40.50"), _line(2, "2", "5", "12")],
        orders,
        three_way=False,
        tolerance=tol,
    )
    assert ok.ok and ok.mode == "2-way"
    dear = rules.match_invoice([_line(1, "1", "10", "41")], orders, three_way=False, tolerance=tol)
    assert not dear.ok and "price" in dear.reasons  # 1 kr on 40 kr = 2.5 %
    many = rules.match_invoice([_line(1, "1", "11", "40")], orders, three_way=False, tolerance=tol)
    assert many.reasons == ["quantity_ordered"]


def test_three_way_needs_goods_received() -> None:
    orders = [_order("1", "10", "40", received="6")]
    tol = Tolerance(D("50"), D("2"))
    assert rules.match_invoice([_line(1, "1", "6", "40")], orders, three_way=True, tolerance=tol).ok
    result = rules.match_invoice([_line(1, "1", "7", "40")], orders, three_way=True, tolerance=tol)
    assert result.reasons == ["quantity_received"]
    # already invoiced 4 of 10 (11 received): 7 more exceeds the order, not the receipt
    orders = [_order("1", "10", "40", received="11", invoiced="4")]
    result = rules.match_invoice([_line(1, "1", "7", "40")], orders, three_way=True, tolerance=tol)
    assert result.reasons == ["quantity_ordered"]


def test_lines_pair_by_reference_then_item_then_position() -> None:
    orders = [_order("10", "1", "5"), _order("20", "1", "7")]
    by_item = InvoiceLineFacts(1, "", "I20", D(1), D(7), D(7))
    pairs = rules.pair_lines([by_item], orders)
    assert pairs[1] is not None and pairs[1].key == "20"
    unknown = rules.match_invoice(
        [_line(1, "99", "1", "5"), _line(2, "98", "1", "5"), _line(3, "97", "1", "5")],
        orders,
        three_way=False,
        tolerance=Tolerance(),
    )
    assert unknown.reasons == ["no_order_line"]


def test_suggest_coding_most_used_then_newest() -> None:
    history = [("22110", "A"), ("22120", "B"), ("22110", "A"), ("22120", "B")]
    assert rules.suggest_coding(history) == ("22110", "A")  # tie: newest first wins
    assert rules.suggest_coding([("1", "x"), ("2", "y"), ("2", "y")]) == ("2", "y")
    assert rules.suggest_coding([]) is None


def test_approval_limit_deepest_configuration_wins() -> None:
    limits = [("manager", 1, D("200000")), ("manager", 3, D("25000")), ("finance", 1, D("5000"))]
    assert rules.approval_limit(limits, ["manager"]) == D("25000")
    assert rules.approval_limit(limits, ["manager", "finance"]) == D("25000")
    assert rules.approval_limit([], ["manager"]) == D("100000.00")  # default
    assert rules.approval_limit([], ["employee"]) == D("0")


def test_escalation_three_days_before_due() -> None:
    today = dt.date(2026, 3, 2)
    assert rules.needs_escalation(dt.date(2026, 3, 5), today, days=3)
    assert not rules.needs_escalation(dt.date(2026, 3, 6), today, days=3)
    assert rules.needs_escalation(dt.date(2026, 2, 1), today)  # overdue
    assert not rules.needs_escalation(None, today)


def test_payment_targets() -> None:
    fik = rules.payment_target(
        means_code="93", payment_id="71#000000000012344", account_id="87654321", branch_id=""
    )
    assert fik == rules.PaymentTarget("fik", "71", "000000000012344", "87654321")
    giro = rules.payment_target(
        means_code="50", payment_id="04#1234567890123456", account_id="1234567", branch_id=""
    )
    assert giro is not None and giro.method == "giro"
    domestic = rules.payment_target(
        means_code="31", payment_id="F-1", account_id="1234567890", branch_id="1234"
    )
    assert domestic == rules.PaymentTarget("domestic", reg_no="1234", account_no="1234567890")
    iban = rules.payment_target(
        means_code="58", payment_id="", account_id="DK50 0040 0440 1162 43", branch_id=""
    )
    assert iban is not None and iban.iban == "DK5000400440116243"
    fallback = rules.payment_target(
        means_code="",
        payment_id="",
        account_id="",
        branch_id="",
        supplier_iban="DK5000400440116243",
    )
    assert fallback is not None and fallback.method == "iban"
    assert rules.payment_target(means_code="", payment_id="", account_id="", branch_id="") is None


def test_payment_date_never_before_run() -> None:
    run = dt.date(2026, 3, 2)
    assert rules.payment_date(dt.date(2026, 3, 10), run) == dt.date(2026, 3, 10)
    assert rules.payment_date(dt.date(2026, 2, 1), run) == run
    assert rules.money(D("2.345")) == D("2.35")


def test_free_credit_notes_are_set_off_whole_against_a_larger_invoice_of_the_payee() -> None:
    item = rules.OpenItem
    invoices = [
        item(1, supplier=7, currency="DKK", amount=D("300.00")),  # due first
        item(2, supplier=7, currency="DKK", amount=D("1000.00")),
        item(3, supplier=8, currency="DKK", amount=D("5000.00")),  # another supplier
        item(4, supplier=7, currency="EUR", amount=D("900.00")),  # another currency
    ]
    notes = [
        item(10, supplier=7, currency="DKK", amount=D("250.00")),  # fits the first: 300 > 250
        item(11, supplier=7, currency="DKK", amount=D("400.00")),  # 50 left there: the second
        item(12, supplier=7, currency="DKK", amount=D("600.00")),  # 1000 - 400 = 600: not > 600
        item(13, supplier=9, currency="DKK", amount=D("10.00")),  # no invoice of supplier 9
        item(14, supplier=7, currency="EUR", amount=D("899.99")),  # 900 > 899.99: one cent paid
    ]
    assert rules.set_off_credit_notes(invoices, notes) == {10: 1, 11: 2, 14: 4}
    # a note as large as the invoice would make a payment of 0: it waits
    assert rules.set_off_credit_notes(invoices[:1], [item(20, 7, "DKK", D("300.00"))]) == {}


@given(
    st.lists(st.integers(1, 100_000), min_size=0, max_size=6),
    st.lists(st.integers(1, 100_000), min_size=0, max_size=6),
)
def test_set_off_never_makes_a_payment_zero_or_negative(invoice_cents, note_cents) -> None:
    invoices = [rules.OpenItem(i, 1, "DKK", D(c) / 100) for i, c in enumerate(invoice_cents)]
    notes = [rules.OpenItem(100 + i, 1, "DKK", D(c) / 100) for i, c in enumerate(note_cents)]
    chosen = rules.set_off_credit_notes(invoices, notes)
    for invoice in invoices:
        taken = sum((n.amount for n in notes if chosen.get(n.key) == invoice.key), D(0))
        assert invoice.amount - taken > 0


def test_amount_paid_is_compared_in_the_payments_currency() -> None:
    # the instructed EUR amount the bank repeats beats the DKK it booked
    paid = rules.amount_paid(
        currency="EUR",
        booked=D("4288.50"),
        booked_currency="DKK",
        instructed=D("575.00"),
        instructed_currency="EUR",
    )
    assert paid == D("575.00")
    assert rules.amount_paid(currency="DKK", booked=D("500.00"), booked_currency="DKK") == D("500")
    assert rules.amount_paid(currency="DKK", booked=D("500.00"), booked_currency="") == D("500")
    # only a converted amount: cannot be compared
    assert rules.amount_paid(currency="EUR", booked=D("4288.50"), booked_currency="DKK") is None


def test_reverse_charge_base_is_the_taxable_amount_of_the_buyer_pays_categories() -> None:
    """AE (reverse charge), K (intra-community goods) and OIOUBL's ReverseCharge put the
    VAT on the buyer; standard (S), zero-rated (Z) and exempt (E) do not."""
    breakdown = [
        ("S", D("1000.00")),
        ("AE", D("400.00")),
        ("K", D("60.50")),
        (" ReverseCharge ", D("39.50")),
        ("Z", D("10.00")),
        ("E", D("5.00")),
        ("AE", None),
    ]
    assert rules.reverse_charge_base(breakdown) == D("500.00")
    assert rules.reverse_charge_base([("S", D("1000.00"))]) == 0


def test_reverse_charge_vat_is_25_percent_to_the_ore_half_up() -> None:
    assert rules.reverse_charge_vat(D("296.10")) == D("74.03")  # 74.025
    assert rules.reverse_charge_vat(D("140000")) == D("35000.00")
    assert rules.reverse_charge_vat(D("-296.10")) == D("-74.03")  # a credit note


def test_the_official_reverse_charge_example_has_its_whole_net_as_base(einvoice_data) -> None:
    """The Swedish BIS Billing 3 example of reverse charge (omvänd betalningsskyldighet):
    140,000 SEK under category AE, no VAT charged."""
    path = einvoice_data / "en16931/test/testfiles/BIS_Billing_30-OmvandSkattskyldighet.xml"
    doc = parse_document(path.read_bytes(), filename=path.name).document
    assert doc.totals.vat_total == 0
    breakdown = [(b.category, b.taxable_amount) for b in doc.vat_breakdown]
    assert rules.reverse_charge_base(breakdown) == D("140000")
