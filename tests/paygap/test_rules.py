"""The Art. 9 indicators with every number written out, ties, rounding, and properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from koncernservice.paygap import rules
from koncernservice.paygap.rules import Worker


def w(employee: str, sex: str, category: str, basic: str, comp: str, hours: str = "1000") -> Worker:
    return Worker(employee, sex, category, D(basic), D(comp), D(hours))


# Eight workers, 1,000 hours each, so hourly pay = annual pay / 1,000:
#   W1 F A 200,000 + 0       -> 200/h      M1 M A 240,000 + 0       -> 240/h
#   W2 F A 220,000 + 10,000  -> 230/h      M2 M A 250,000 + 30,000  -> 280/h
#   W3 F B 300,000 + 0       -> 300/h      M3 M B 360,000 + 40,000  -> 400/h
#   W4 F B 330,000 + 20,000  -> 350/h      M4 M B 380,000 + 0       -> 380/h
EIGHT = [
    w("W1", "F", "A", "200000", "0"),
    w("W2", "F", "A", "220000", "10000"),
    w("W3", "F", "B", "300000", "0"),
    w("W4", "F", "B", "330000", "20000"),
    w("M1", "M", "A", "240000", "0"),
    w("M2", "M", "A", "250000", "30000"),
    w("M3", "M", "B", "360000", "40000"),
    w("M4", "M", "B", "380000", "0"),
]


def test_mean_gap_worked_example() -> None:
    # women: (200 + 230 + 300 + 350) / 4 = 270; men: (240 + 280 + 400 + 380) / 4 = 325
    # (325 - 270) / 325 * 100 = 16.923... -> 16.92
    assert rules.mean_gap(EIGHT) == D("16.92")


def test_median_gap_worked_example() -> None:
    # women sorted 200 230 | 300 350 -> (230 + 300) / 2 = 265
    # men sorted 240 280 | 380 400 -> (280 + 380) / 2 = 330
    # (330 - 265) / 330 * 100 = 19.6969... -> 19.70
    assert rules.median_gap(EIGHT) == D("19.70")


def test_complementary_gaps_count_only_recipients() -> None:
    # recipients: women 10,000 and 20,000 (mean = median = 15,000);
    # men 30,000 and 40,000 (mean = median = 35,000); W1, W3, M1, M4 receive none.
    # (35,000 - 15,000) / 35,000 * 100 = 57.142857... -> 57.14
    assert rules.mean_gap_complementary(EIGHT) == D("57.14")
    assert rules.median_gap_complementary(EIGHT) == D("57.14")


def test_share_receiving_complementary() -> None:
    # 2 of 4 women and 2 of 4 men receive complementary pay
    assert rules.share_receiving_complementary(EIGHT) == {"F": D("50.00"), "M": D("50.00")}
    # 1 of 3 women: 33.333... -> 33.33; 2 of 3 men: 66.666... -> 66.67
    three = [
        w("a", "F", "A", "1", "1"),
        w("b", "F", "A", "1", "0"),
        w("c", "F", "A", "1", "0"),
        w("d", "M", "A", "1", "1"),
        w("e", "M", "A", "1", "1"),
        w("f", "M", "A", "1", "0"),
    ]
    assert rules.share_receiving_complementary(three) == {"F": D("33.33"), "M": D("66.67")}


def test_quartiles_worked_example() -> None:
    # ranked: 200 W1, 230 W2 | 240 M1, 280 M2 | 300 W3, 350 W4 | 380 M4, 400 M3
    assert rules.quartiles(EIGHT) == [
        {"F": D("100.00"), "M": D("0.00")},
        {"F": D("0.00"), "M": D("100.00")},
        {"F": D("100.00"), "M": D("0.00")},
        {"F": D("0.00"), "M": D("100.00")},
    ]


def test_category_gaps_worked_example() -> None:
    # A: hourly basic women (200 + 220) / 2 = 210, men (240 + 250) / 2 = 245
    #    (245 - 210) / 245 * 100 = 14.2857... -> 14.29
    #    hourly complementary women (0 + 10) / 2 = 5, men (0 + 30) / 2 = 15 -> 66.666... -> 66.67
    # B: basic women (300 + 330) / 2 = 315, men (360 + 380) / 2 = 370
    #    -> 55 / 370 = 14.8648... -> 14.86
    #    complementary women (0 + 20) / 2 = 10, men (40 + 0) / 2 = 20 -> 50.00
    assert rules.category_gaps(EIGHT) == {
        "A": {"basic_gap": D("14.29"), "complementary_gap": D("66.67")},
        "B": {"basic_gap": D("14.86"), "complementary_gap": D("50.00")},
    }


def test_indicators_keys_exactly_as_the_issue_names_them() -> None:
    assert list(rules.indicators(EIGHT)) == [
        "mean_gap",
        "median_gap",
        "mean_gap_complementary",
        "median_gap_complementary",
        "share_receiving_complementary",
        "quartiles",
        "categories",
    ]


def test_hourly_pay_uses_hours_paid() -> None:
    # a part-timer: 150,000 + 6,000 over 780 hours = 200.00/h;
    # a full-timer: 296,000 + 0 over 1,480 hours = 200.00/h -> no gap
    part = w("p", "F", "A", "150000", "6000", "780")
    full = w("q", "M", "A", "296000", "0", "1480")
    assert part.hourly == Fraction(200) == full.hourly
    assert rules.mean_gap([part, full]) == D("0.00")


def test_published_example_shape_fifteen_and_fourteen_pounds() -> None:
    # The common published example (UK equal pay audit guidance): men's average hourly
    # pay 15, women's 14 -> (15 - 14) / 15 * 100 = 6.666... -> 6.67 %
    workers = [w("m", "M", "A", "15", "0", "1"), w("f", "F", "A", "14", "0", "1")]
    assert rules.mean_gap(workers) == D("6.67")
    assert rules.median_gap(workers) == D("6.67")


def test_rounding_is_half_up_not_bankers() -> None:
    # men 200.00/h, women 175.31/h: (200 - 175.31) / 200 * 100 = 12.345 exactly -> 12.35
    # (banker's rounding would give 12.34)
    workers = [w("m", "M", "A", "200", "0", "1"), w("f", "F", "A", "175.31", "0", "1")]
    assert rules.mean_gap(workers) == D("12.35")
    # women above men: (200 - 224.69) / 200 * 100 = -12.345 -> -12.35 (away from zero)
    workers = [w("m", "M", "A", "200", "0", "1"), w("f", "F", "A", "224.69", "0", "1")]
    assert rules.mean_gap(workers) == D("-12.35")
    assert rules.round_half_up(Fraction(1, 200)) == D("0.01")
    assert rules.round_half_up(Fraction(-1, 200)) == D("-0.01")
    assert rules.round_half_up(Fraction(1, 300)) == D("0.00")


def test_null_when_it_cannot_be_computed() -> None:
    women_only = [w("a", "F", "A", "100", "5"), w("b", "F", "A", "120", "0")]
    data = rules.indicators(women_only)
    assert data["mean_gap"] is None
    assert data["median_gap"] is None
    assert data["mean_gap_complementary"] is None
    assert data["share_receiving_complementary"] == {"F": D("50.00"), "M": None}
    assert data["categories"] == {"A": {"basic_gap": None, "complementary_gap": None}}
    # men and women, but no man receives complementary pay
    mixed = [w("a", "F", "A", "100", "5"), w("b", "M", "A", "120", "0")]
    data = rules.indicators(mixed)
    assert data["mean_gap"] is not None
    assert data["mean_gap_complementary"] is None
    assert data["median_gap_complementary"] is None
    # men's mean hourly complementary is 0 -> the category's complementary gap is null
    assert data["categories"]["A"]["complementary_gap"] is None
    # nobody at all
    empty = rules.indicators([])
    assert empty["quartiles"] == [{"F": None, "M": None}] * 4
    assert empty["categories"] == {}


def test_quartile_band_bounds() -> None:
    # band q holds positions floor(q*n/4) .. floor((q+1)*n/4) - 1
    assert rules.quartile_bounds(8) == [(0, 2), (2, 4), (4, 6), (6, 8)]
    assert rules.quartile_bounds(10) == [(0, 2), (2, 5), (5, 7), (7, 10)]
    assert rules.quartile_bounds(3) == [(0, 0), (0, 1), (1, 2), (2, 3)]
    # n = 3: the lowest band is empty -> null shares there
    three = [w("a", "F", "A", "1", "0"), w("b", "M", "A", "2", "0"), w("c", "F", "A", "3", "0")]
    assert rules.quartiles(three) == [
        {"F": None, "M": None},
        {"F": D("100.00"), "M": D("0.00")},
        {"F": D("0.00"), "M": D("100.00")},
        {"F": D("100.00"), "M": D("0.00")},
    ]


def test_ties_across_a_boundary_keep_the_same_mix() -> None:
    # eight workers on the same 100/h, 4 women and 4 men: interleaved F M F M F M F M, so
    # each band of two holds one woman and one man (the tie group's 50/50 mix)
    same = [w(f"F{i}", "F", "A", "100", "0", "1") for i in range(4)] + [
        w(f"M{i}", "M", "A", "100", "0", "1") for i in range(4)
    ]
    assert [x.sex for x in rules.quartile_order(same)] == list("FMFMFMFM")
    assert rules.quartiles(same) == [{"F": D("50.00"), "M": D("50.00")}] * 4
    # the input order does not matter
    assert rules.quartiles(list(reversed(same))) == rules.quartiles(same)


def test_tie_group_straddling_one_boundary() -> None:
    # n = 8: two women below at 50/h, a tie group of 4 at 100/h (2 F, 2 M) on positions 2-5,
    # two men above at 200/h. The boundary between band 1 and 2 falls after position 3,
    # i.e. after two of the four tied workers: prefix F_m = floor(m*2/4 + 1/2) -> F M F M,
    # so band 1 holds F, M (50/50) and band 2 holds F, M (50/50), the tie group's own mix.
    workers = [
        w("low1", "F", "A", "50", "0", "1"),
        w("low2", "F", "A", "50", "0", "1"),
        w("tie_f1", "F", "A", "100", "0", "1"),
        w("tie_f2", "F", "A", "100", "0", "1"),
        w("tie_m1", "M", "A", "100", "0", "1"),
        w("tie_m2", "M", "A", "100", "0", "1"),
        w("high1", "M", "A", "200", "0", "1"),
        w("high2", "M", "A", "200", "0", "1"),
    ]
    order = [x.employee for x in rules.quartile_order(workers)]
    assert order == ["low1", "low2", "tie_f1", "tie_m1", "tie_f2", "tie_m2", "high1", "high2"]
    assert rules.quartiles(workers) == [
        {"F": D("100.00"), "M": D("0.00")},
        {"F": D("50.00"), "M": D("50.00")},
        {"F": D("50.00"), "M": D("50.00")},
        {"F": D("0.00"), "M": D("100.00")},
    ]


def test_uneven_tie_group_spreads_the_minority() -> None:
    # 3 women and 1 man on the same rate: F_m = floor(m*3/4 + 1/2) = 1, 2, 2, 3 -> F F M F
    same = [w(f"F{i}", "F", "A", "1", "0", "1") for i in range(3)] + [
        w("M", "M", "A", "1", "0", "1")
    ]
    assert [x.sex for x in rules.quartile_order(same)] == list("FFMF")


def test_category_figures_and_flag_threshold() -> None:
    figures = rules.category_figures(EIGHT)
    a = figures["A"]
    # A: hourly women 200, 230 -> 215.00; men 240, 280 -> 260.00; gap (260-215)/260 = 17.31
    assert a.count == {"F": 2, "M": 2}
    assert a.mean_hourly == {"F": D("215.00"), "M": D("260.00")}
    assert a.mean_annual == {"F": D("215000.00"), "M": D("260000.00")}
    assert a.gap == D("17.31")
    assert a.flagged
    assert rules.is_flagged(D("5.00"))
    assert rules.is_flagged(D("-5.00"))
    assert not rules.is_flagged(D("4.99"))
    assert not rules.is_flagged(None)


def test_suppression_below_the_smallest_group() -> None:
    # 4 women and 4 men: below 5 of each -> everything withheld
    data = rules.suppressed_indicators(EIGHT, 5)
    assert data["suppressed"][0] == "all"
    assert data["mean_gap"] is None
    assert data["quartiles"] == [{"F": None, "M": None}] * 4
    assert data["categories"]["A"] == {"basic_gap": None, "complementary_gap": None}
    # threshold 2: published; the 2+2 recipients pass too
    data = rules.suppressed_indicators(EIGHT, 2)
    assert data["suppressed"] == []
    assert data["mean_gap"] == D("16.92")
    # threshold 3: whole group passes (4 and 4), recipients (2 and 2) and categories do not
    data = rules.suppressed_indicators(EIGHT, 3)
    assert data["mean_gap"] == D("16.92")
    assert data["mean_gap_complementary"] is None
    assert data["categories"]["B"]["basic_gap"] is None
    assert data["suppressed"] == ["complementary", "A", "B"]


def test_default_grouping_and_deadlines() -> None:
    assert rules.pay_step_band(1) == "1-4"
    assert rules.pay_step_band(4) == "1-4"
    assert rules.pay_step_band(5) == "5-8"
    assert rules.pay_step_band(None) == ""
    assert rules.default_category_code("OK24 Lærere", "Lærer", 6) == "OK24 Lærere / Lærer / 5-8"
    assert rules.default_category_code("", "Lærer", None) == "- / Lærer"
    assert rules.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert rules.add_months(dt.date(2026, 1, 15), 2) == dt.date(2026, 3, 15)


# --- Properties -------------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=2_000_000).map(lambda n: D(n) / 100)
hours = st.integers(min_value=100, max_value=200_000).map(lambda n: D(n) / 100)


@st.composite
def workforces(draw: st.DrawFn) -> list[Worker]:
    size = draw(st.integers(min_value=2, max_value=30))
    result = []
    for i in range(size):
        sex = "F" if i == 0 else "M" if i == 1 else draw(st.sampled_from("FM"))
        result.append(
            Worker(
                f"E{i:03d}",
                sex,
                draw(st.sampled_from(["A", "B", "C"])),
                draw(amounts) + D("0.01"),
                draw(st.one_of(st.just(D(0)), amounts)),
                draw(hours),
            )
        )
    return result


def swap(workers: list[Worker]) -> list[Worker]:
    return [
        Worker(
            x.employee,
            "M" if x.sex == "F" else "F",
            x.category,
            x.basic_pay,
            x.complementary_pay,
            x.hours,
        )
        for x in workers
    ]


@settings(max_examples=80, deadline=None)
@given(workforces())
def test_swapping_sexes_flips_the_sign_relation(workers: list[Worker]) -> None:
    # gap(men=a, women=b) = (a-b)/a; after the swap (b-a)/b: same sign flipped (or both 0),
    # and exactly: 1/(1 - g) + 1/(1 - g') ... checked on the exact values: g' = -g/(1 - g).
    levels = rules._by_sex(workers, rules.level)
    men, women = rules.mean_ratio(levels["M"]), rules.mean_ratio(levels["F"])
    g = rules.gap_exact(men, women)
    g_swapped = rules.gap_exact(women, men)
    assert g is not None and g_swapped is not None
    assert (g > 0) == (g_swapped < 0) and (g == 0) == (g_swapped == 0)
    assert g_swapped == -g / (1 - g / 100)
    # without ties, quartile shares swap places (within a tie group the interleaving puts a
    # woman first on an exact half, so there the swap is not a mirror image)
    if len({x.hourly for x in workers}) < len(workers):  # exact Fractions
        return
    q, q_swapped = rules.quartiles(workers), rules.quartiles(swap(workers))
    assert [{"F": b["M"], "M": b["F"]} for b in q] == q_swapped


@settings(max_examples=80, deadline=None)
@given(workforces(), st.integers(min_value=2, max_value=9))
def test_scaling_all_pay_leaves_gaps_unchanged(workers: list[Worker], factor: int) -> None:
    scaled = [
        Worker(
            x.employee,
            x.sex,
            x.category,
            x.basic_pay * factor,
            x.complementary_pay * factor,
            x.hours,
        )
        for x in workers
    ]
    assert rules.indicators(scaled) == rules.indicators(workers)


@settings(max_examples=80, deadline=None)
@given(workforces())
def test_quartile_shares_sum_to_100(workers: list[Worker]) -> None:
    # each share is rounded half-up on its own: the pair sums to 100.00, or to 100.01 when
    # both exact shares end in exactly half a hundredth (e.g. 3.125 and 96.875)
    for band in rules.quartiles(workers):
        if band["F"] is None:
            continue
        assert band["M"] is not None
        total = band["F"] + band["M"]
        exact_f = band["F"]  # rounded; check the tie case explicitly
        assert total in (D("100.00"), D("100.01"))
        if total == D("100.01"):
            assert (exact_f * 1000) % 10 == 0  # both were ties, rounded up
    assert sum(b - a for a, b in rules.quartile_bounds(len(workers))) == len(workers)


def test_quartile_shares_tie_case_written_out() -> None:
    # a band of 32 with 1 woman: 3.125 -> 3.13 and 96.875 -> 96.88 (sum 100.01)
    assert rules.share(1, 32) == D("3.13")
    assert rules.share(31, 32) == D("96.88")


@settings(max_examples=80, deadline=None)
@given(workforces())
def test_exact_means_and_medians_equal_the_naive_fraction_ones(workers: list[Worker]) -> None:
    # the fast path (integers per denominator, sort keys of 60 digits) is exact
    levels = [x.hourly for x in workers]
    assert rules.mean_ratio([rules.level(x) for x in workers]) == rules.mean(levels)
    assert rules.median_ratio([rules.level(x) for x in workers]) == rules.median(levels)
    assert [x.hourly for x in rules.quartile_order(workers)] == sorted(levels)
    # the published gaps from 60-digit decimals equal the exact ones rounded
    by_sex = rules._by_sex(workers, rules.level)
    for average, exact in (("mean", rules.mean), ("median", rules.median)):
        exact_levels = {
            s: exact([a / b for a, b in (map(Fraction, r) for r in by_sex[s])]) for s in "FM"
        }
        assert rules.gap_between(by_sex["M"], by_sex["F"], average) == rules.gap(
            exact_levels["M"], exact_levels["F"]
        )


def test_near_ties_fall_back_to_exact_fractions() -> None:
    # 200 vs 175.31 is an exact 12.345 %: the decimal approximation lies at the tie, so the
    # exact value decides (half-up -> 12.35); one third of a hundredth is never near a tie
    assert rules.certain_round(D("12.345"), lambda: Fraction(12345, 1000)) == D("12.35")
    assert rules.certain_round(D("12.345"), lambda: Fraction(123449, 10000)) == D("12.34")
    assert rules.certain_round(D("0.003333"), lambda: None) == D("0.00")
