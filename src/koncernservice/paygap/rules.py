"""The gender pay gap indicators of the EU pay transparency directive (2023/970, Art. 9).

Pure functions, no database. Amounts come in as :class:`~decimal.Decimal`; every computation
runs on exact fractions (:class:`~fractions.Fraction`) and only the published percentage is
rounded, half-up (away from zero on an exact half, as ``Decimal``'s ``ROUND_HALF_UP``) to two
decimals. A value that cannot be computed is ``None``.

Definitions (the same as ``ks paygap compute`` and ``docs/paygap.md``):

- a worker's **pay level** is the gross hourly pay ``(basic + complementary) / hours``
  (Art. 3(1)(g)-(h): annual pay over hours paid);
- **gap** = (men's level − women's level) ÷ men's level × 100; ``None`` when there are no men,
  no women, or the men's level is 0;
- (a) ``mean_gap`` and (c) ``median_gap``: on the workers' hourly pay levels;
- (b) ``mean_gap_complementary`` and (d) ``median_gap_complementary``: on the *annual
  complementary amounts* of the workers who receive any (amount > 0), as in the UK bonus-gap
  rules;
- (e) ``share_receiving_complementary``: per sex, the share of the workers of that sex who
  receive any complementary pay;
- (f) ``quartiles``: the workers sorted by hourly pay level (see :func:`quartile_order` for
  ties), band ``q`` (0 = lowest) holding positions ``floor(q·n/4)`` to ``floor((q+1)·n/4) − 1``;
  per band the share of women and of men;
- (g) ``categories``: per category of workers the gap on mean *hourly basic* pay
  (basic / hours) and on mean *hourly complementary* pay (complementary / hours, every worker
  of the category counted, those without complementary pay with 0).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from typing import Any

FEMALE = "F"
MALE = "M"
SEXES = (FEMALE, MALE)
FLAG_THRESHOLD = Decimal("5")  # Art. 10(1)(a): a difference of at least 5 %
REMEDY_MONTHS = 6  # Art. 10(1)(c): not remedied within six months
ANSWER_MONTHS = 2  # Art. 7(4): within a reasonable period, at most two months
DEFAULT_MIN_GROUP = 5
PAY_STEP_BAND_WIDTH = 4  # pay steps 1–4, 5–8, … form one band in the default grouping


@dataclass(frozen=True, slots=True)
class Worker:
    """One worker's pay for one year: annual amounts in DKK, annual hours paid."""

    employee: str
    sex: str
    category: str
    basic_pay: Decimal
    complementary_pay: Decimal
    hours: Decimal

    @property
    def hourly(self) -> Fraction:
        """The pay level: gross hourly pay (basic + complementary) / hours, exact."""
        return (Fraction(self.basic_pay) + Fraction(self.complementary_pay)) / Fraction(self.hours)

    @property
    def hourly_basic(self) -> Fraction:
        return Fraction(self.basic_pay) / Fraction(self.hours)

    @property
    def hourly_complementary(self) -> Fraction:
        return Fraction(self.complementary_pay) / Fraction(self.hours)

    @property
    def receives_complementary(self) -> bool:
        return self.complementary_pay > 0


# --- Arithmetic -----------------------------------------------------------------------------


def round_half_up(value: Fraction | Decimal | int) -> Decimal:
    """``value`` rounded to two decimals, an exact half away from zero (``ROUND_HALF_UP``)."""
    exact = Fraction(value)
    sign = -1 if exact < 0 else 1
    hundredths = (abs(exact) * 100 + Fraction(1, 2)).__floor__()
    return (Decimal(sign * hundredths) / 100).quantize(Decimal("0.01"))


def mean(values: Sequence[Fraction]) -> Fraction | None:
    if not values:
        return None
    return sum(values, Fraction(0)) / len(values)


def median(values: Sequence[Fraction]) -> Fraction | None:
    """The middle value; of an even number of values the mean of the two middle ones."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def gap_exact(men: Fraction | None, women: Fraction | None) -> Fraction | None:
    """(men − women) / men × 100, exact; ``None`` without both levels or when men's is 0."""
    if men is None or women is None or men == 0:
        return None
    return (men - women) / men * 100


def gap(men: Fraction | None, women: Fraction | None) -> Decimal | None:
    """The published gap: :func:`gap_exact` rounded half-up to two decimals."""
    exact = gap_exact(men, women)
    return None if exact is None else round_half_up(exact)


def share(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in per cent, rounded half-up; ``None`` of nothing."""
    if whole == 0:
        return None
    return round_half_up(Fraction(part * 100, whole))


# A value as numerator and denominator (an hourly pay: amount / hours). Published figures are
# computed in two steps: first with 60-digit decimals (each quotient correctly rounded, so the
# error of a mean over a million workers stays below 1e-50); the rounding to two decimals is
# then certain unless the value lies within 1e-30 of an exact half (x.xx5), and only in that
# case is the value recomputed exactly with fractions. Exact fractions throughout would cost
# 20 s or more for 45,000 workers with hours in hundredths (the common denominator grows to
# thousands of digits); this way it takes about a second, and the result is the same.
Ratio = tuple[Decimal, Decimal]
_APPROX = Context(prec=60)
_TIE_MARGIN = Decimal("1e-30")
_HALF = Decimal("0.5")
HUNDREDTH = Decimal("0.01")


def ratio_key(value: Ratio) -> Decimal:
    """A ratio's quotient correctly rounded to 60 digits (a sort and grouping key).

    Decimal division is correctly rounded, so equal ratios get equal keys; ratios of amounts
    and hours with a few decimals that differ, differ far above the 60th digit.
    """
    return _APPROX.divide(value[0], value[1])


def mean_approx(items: Sequence[Ratio]) -> Decimal | None:
    if not items:
        return None
    total = Decimal(0)
    for numerator, denominator in items:
        total = _APPROX.add(total, _APPROX.divide(numerator, denominator))
    return _APPROX.divide(total, len(items))


def median_approx(items: Sequence[Ratio]) -> Decimal | None:
    if not items:
        return None
    keys = sorted(ratio_key(item) for item in items)
    middle = len(keys) // 2
    if len(keys) % 2:
        return keys[middle]
    return _APPROX.divide(_APPROX.add(keys[middle - 1], keys[middle]), 2)


def certain_round(approx: Decimal, exact: Callable[[], Fraction | None]) -> Decimal | None:
    """``approx`` rounded half-up to two decimals, or the exact value rounded when ``approx``
    lies so near an exact half that the approximation could round the wrong way."""
    scaled = _APPROX.multiply(abs(approx), 100)
    fraction = _APPROX.subtract(scaled, scaled.to_integral_value(rounding=ROUND_FLOOR))
    if abs(_APPROX.subtract(fraction, _HALF)) <= _TIE_MARGIN:
        value = exact()
        return None if value is None else round_half_up(value)
    return approx.quantize(HUNDREDTH, rounding=ROUND_HALF_UP, context=_APPROX)


def gap_between(men: Sequence[Ratio], women: Sequence[Ratio], average: str) -> Decimal | None:
    """The rounded gap between the ``average`` (``"mean"`` or ``"median"``) of two groups."""
    approx, exact = (
        (mean_approx, mean_ratio) if average == "mean" else (median_approx, median_ratio)
    )
    men_level, women_level = approx(men), approx(women)
    if men_level is None or women_level is None or men_level == 0:
        return None
    value = _APPROX.multiply(
        _APPROX.divide(_APPROX.subtract(men_level, women_level), men_level), 100
    )
    return certain_round(value, lambda: gap_exact(exact(men), exact(women)))


def average_money(items: Sequence[Ratio]) -> Decimal | None:
    """The mean of the ratios rounded half-up to øre."""
    approx = mean_approx(items)
    return None if approx is None else certain_round(approx, lambda: mean_ratio(items))


def mean_ratio(items: Sequence[Ratio]) -> Fraction | None:
    """The exact mean of the ratios, in integers: summed per denominator, then once over the
    least common multiple of the denominators (zeros contribute nothing but count)."""
    if not items:
        return None
    sums: dict[int, int] = defaultdict(int)
    for numerator, denominator in items:
        if not numerator:
            continue
        a_num, a_den = numerator.as_integer_ratio()
        h_num, h_den = denominator.as_integer_ratio()
        sums[a_den * h_num] += a_num * h_den
    common = math.lcm(*sums)
    total = sum(value * (common // den) for den, value in sums.items())
    return Fraction(total, common * len(items))


def median_ratio(items: Sequence[Ratio]) -> Fraction | None:
    """The exact median of the ratios (mean of the two middle ones for an even count)."""
    if not items:
        return None
    ordered = sorted(items, key=ratio_key)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[middle][0]) / Fraction(ordered[middle][1])
    low, high = ordered[middle - 1], ordered[middle]
    return (Fraction(low[0]) / Fraction(low[1]) + Fraction(high[0]) / Fraction(high[1])) / 2


ONE = Decimal(1)


def level(w: Worker) -> Ratio:
    """The pay level as a ratio: (basic + complementary) / hours."""
    return (w.basic_pay + w.complementary_pay, w.hours)


def _by_sex(workers: Iterable[Worker], value: Callable[[Worker], Ratio]) -> dict[str, list[Ratio]]:
    result: dict[str, list[Ratio]] = {FEMALE: [], MALE: []}
    for worker in workers:
        result[worker.sex].append(value(worker))
    return result


# --- The indicators -------------------------------------------------------------------------


def mean_gap(workers: Sequence[Worker]) -> Decimal | None:
    """(a) The gap between men's and women's mean hourly pay level."""
    levels = _by_sex(workers, level)
    return gap_between(levels[MALE], levels[FEMALE], "mean")


def median_gap(workers: Sequence[Worker]) -> Decimal | None:
    """(c) The gap between men's and women's median hourly pay level."""
    levels = _by_sex(workers, level)
    return gap_between(levels[MALE], levels[FEMALE], "median")


def _complementary(workers: Sequence[Worker]) -> dict[str, list[Ratio]]:
    recipients = [w for w in workers if w.receives_complementary]
    return _by_sex(recipients, lambda w: (w.complementary_pay, ONE))


def mean_gap_complementary(workers: Sequence[Worker]) -> Decimal | None:
    """(b) The gap in mean annual complementary pay among the workers who receive any."""
    amounts = _complementary(workers)
    return gap_between(amounts[MALE], amounts[FEMALE], "mean")


def median_gap_complementary(workers: Sequence[Worker]) -> Decimal | None:
    """(d) The gap in median annual complementary pay among the workers who receive any."""
    amounts = _complementary(workers)
    return gap_between(amounts[MALE], amounts[FEMALE], "median")


def share_receiving_complementary(workers: Sequence[Worker]) -> dict[str, Decimal | None]:
    """(e) Per sex, the share (%) of its workers who receive complementary pay."""
    total = counts(workers)
    receiving = counts(w for w in workers if w.receives_complementary)
    return {sex: share(receiving[sex], total[sex]) for sex in SEXES}


def quartile_order(workers: Sequence[Worker]) -> list[Worker]:
    """The workers from the lowest hourly pay level up, ties spread evenly by sex.

    Workers with the same hourly pay level form a *tie group*. Within it the sexes are
    interleaved so that every prefix of the group holds as near as possible the group's own
    share of women: the first ``m`` places hold ``F_m = floor(m·f/s + 1/2)`` women (``f``
    women among ``s`` workers in the group), i.e. place ``m`` (1-based) goes to a woman
    exactly when ``F_m > F_(m−1)``. A band boundary that cuts through a tie group therefore
    leaves both sides with the group's mix (to within one worker), which is what the
    directive's "ties at a boundary" and the UK guidance ("distribute the men and women
    evenly across the quartiles") ask. Within one sex the order is by employee identifier,
    so the result does not depend on the order of the input.
    """
    groups: dict[Decimal, list[Worker]] = defaultdict(list)
    for worker in workers:
        groups[ratio_key(level(worker))].append(worker)
    result: list[Worker] = []
    for key in sorted(groups):
        group = groups[key]
        if len(group) == 1:
            result.append(group[0])
            continue
        women = sorted((w for w in group if w.sex == FEMALE), key=lambda w: w.employee)
        men = sorted((w for w in group if w.sex != FEMALE), key=lambda w: w.employee)
        size, female = len(group), len(women)
        placed_women = 0
        for m in range(1, size + 1):
            target = (2 * m * female + size) // (2 * size)
            if target > placed_women:
                result.append(women[placed_women])
                placed_women += 1
            else:
                result.append(men[m - 1 - placed_women])
    return result


def quartile_bounds(n: int) -> list[tuple[int, int]]:
    """Band q holds positions ``floor(q·n/4)`` to ``floor((q+1)·n/4) − 1`` (0-based)."""
    return [(q * n // 4, (q + 1) * n // 4) for q in range(4)]


def quartiles(workers: Sequence[Worker]) -> list[dict[str, Decimal | None]]:
    """(f) Per quartile band, from the lowest up, the share (%) of women and of men."""
    ordered = quartile_order(workers)
    bands = []
    for start, end in quartile_bounds(len(ordered)):
        band = ordered[start:end]
        women = sum(1 for w in band if w.sex == FEMALE)
        bands.append({FEMALE: share(women, len(band)), MALE: share(len(band) - women, len(band))})
    return bands


def category_gaps(workers: Sequence[Worker]) -> dict[str, dict[str, Decimal | None]]:
    """(g) Per category of workers, the gap on mean hourly basic and complementary pay."""
    by_category: dict[str, list[Worker]] = defaultdict(list)
    for worker in workers:
        by_category[worker.category].append(worker)
    result = {}
    for category in sorted(by_category):
        members = by_category[category]
        basic = _by_sex(members, lambda w: (w.basic_pay, w.hours))
        complementary = _by_sex(members, lambda w: (w.complementary_pay, w.hours))
        result[category] = {
            "basic_gap": gap_between(basic[MALE], basic[FEMALE], "mean"),
            "complementary_gap": gap_between(complementary[MALE], complementary[FEMALE], "mean"),
        }
    return result


def indicators(workers: Sequence[Worker]) -> dict[str, Any]:
    """All of Art. 9(1)(a)-(g), keyed as ``ks paygap compute`` prints them."""
    return {
        "mean_gap": mean_gap(workers),
        "median_gap": median_gap(workers),
        "mean_gap_complementary": mean_gap_complementary(workers),
        "median_gap_complementary": median_gap_complementary(workers),
        "share_receiving_complementary": share_receiving_complementary(workers),
        "quartiles": quartiles(workers),
        "categories": category_gaps(workers),
    }


# --- Per category: what Art. 7 letters and Art. 10 flags need --------------------------------


@dataclass(frozen=True, slots=True)
class CategoryFigures:
    """Counts, average pay levels by sex and gaps for one category of workers."""

    category: str
    count: dict[str, int]
    mean_hourly: dict[str, Decimal | None]  # average pay level (hourly), rounded to øre
    mean_annual: dict[str, Decimal | None]  # average gross annual pay, rounded to øre
    gap: Decimal | None  # on mean hourly pay level (basic + complementary)
    basic_gap: Decimal | None
    complementary_gap: Decimal | None

    @property
    def flagged(self) -> bool:
        return is_flagged(self.gap)


def is_flagged(value: Decimal | None) -> bool:
    """Art. 10: a difference in average pay level of 5 % or more, either way."""
    return value is not None and abs(value) >= FLAG_THRESHOLD


def category_figures(workers: Sequence[Worker]) -> dict[str, CategoryFigures]:
    by_category: dict[str, list[Worker]] = defaultdict(list)
    for worker in workers:
        by_category[worker.category].append(worker)
    gaps = category_gaps(workers)
    result = {}
    for category in sorted(by_category):
        members = by_category[category]
        hourly = _by_sex(members, level)
        annual = _by_sex(members, lambda w: (w.basic_pay + w.complementary_pay, ONE))
        result[category] = CategoryFigures(
            category=category,
            count={sex: len(hourly[sex]) for sex in SEXES},
            mean_hourly={sex: average_money(hourly[sex]) for sex in SEXES},
            mean_annual={sex: average_money(annual[sex]) for sex in SEXES},
            gap=gap_between(hourly[MALE], hourly[FEMALE], "mean"),
            basic_gap=gaps[category]["basic_gap"],
            complementary_gap=gaps[category]["complementary_gap"],
        )
    return result


# --- Privacy --------------------------------------------------------------------------------


def publishable(count: dict[str, int], min_group: int = DEFAULT_MIN_GROUP) -> bool:
    """A group's figures are published only with at least ``min_group`` of each sex."""
    return all(count.get(sex, 0) >= min_group for sex in SEXES)


def counts(workers: Iterable[Worker]) -> dict[str, int]:
    result = {FEMALE: 0, MALE: 0}
    for worker in workers:
        result[worker.sex] += 1
    return result


def suppressed_indicators(workers: Sequence[Worker], min_group: int) -> dict[str, Any]:
    """The indicators with every figure of a too-small group replaced by ``None``.

    - a, c, e, f: published when the whole group has ``min_group`` women and men;
    - b, d: in addition, ``min_group`` women and men must receive complementary pay;
    - g: a category row is published when it has ``min_group`` women and men.

    ``suppressed`` lists what was withheld (``"all"``, ``"complementary"``, category names).
    """
    data = indicators(workers)
    suppressed: list[str] = []
    if not publishable(counts(workers), min_group):
        suppressed.append("all")
        for key in ("mean_gap", "median_gap", "mean_gap_complementary", "median_gap_complementary"):
            data[key] = None
        data["share_receiving_complementary"] = {sex: None for sex in SEXES}
        data["quartiles"] = [{sex: None for sex in SEXES} for _ in range(4)]
    elif not publishable(counts(w for w in workers if w.receives_complementary), min_group):
        suppressed.append("complementary")
        data["mean_gap_complementary"] = None
        data["median_gap_complementary"] = None
    by_category: dict[str, list[Worker]] = defaultdict(list)
    for worker in workers:
        by_category[worker.category].append(worker)
    for category, members in by_category.items():
        if not publishable(counts(members), min_group):
            suppressed.append(category)
            data["categories"][category] = {"basic_gap": None, "complementary_gap": None}
    data["suppressed"] = suppressed
    data["count"] = counts(workers)
    return data


# --- Default grouping and deadlines ---------------------------------------------------------


def pay_step_band(step: int | None, width: int = PAY_STEP_BAND_WIDTH) -> str:
    """The pay-step band of the default grouping: ``"1-4"``, ``"5-8"`` …; ``""`` without."""
    if step is None or step < 1:
        return ""
    low = (step - 1) // width * width + 1
    return f"{low}-{low + width - 1}"


def default_category_code(agreement: str, job_category: str, pay_step: int | None) -> str:
    """Agreement + job category + pay-step band: the default category of workers."""
    parts = [agreement.strip() or "-", job_category.strip() or "-"]
    band = pay_step_band(pay_step)
    if band:
        parts.append(band)
    return " / ".join(parts)[:200]


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the last day of a shorter month)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
