"""Salary placement under a collective agreement: pure rules, no database.

Input: one agreement version's data (pay steps with annual amounts per pay-area group at the
base level, the general regulation percentage, the job categories with base step, seniority
steps, allowances with conditions and pension percentage, the full-time weekly hours and the
agreement's seniority rules) plus the candidate: job category, education, weekly hours and
the prior employment periods. Output: a :class:`Placement` with seniority, pay step,
allowances, pension and monthly/hourly pay, and an explanation: one :class:`Line` per result,
each naming the rule that produced it and the input it used.

Money: annual amounts in the tables are at the agreement's base level; the current amount is
``base × (1 + regulation % / 100)``; monthly = annual / 12; hourly = monthly / 160.33 (the
standard monthly hours of a 37-hour week). All amounts are rounded HALF_UP to øre once, at the
end of each line.

Seniority (anciennitet): the agreement's :class:`SeniorityRules` decide what counts:
relevant periods count fully, non-relevant ones with ``irrelevant_share`` (0 = not at all);
periods with fewer than ``min_weekly_hours`` do not count; part-time counts fully
(``part_time="full"``, the usual municipal rule) or in proportion to the hours
(``"proportional"``); overlapping periods count once (the highest weight wins); gaps do not
count. Completed years = counted days // 365.25.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

MONTHLY_HOURS = Decimal("160.33")
DAYS_PER_YEAR = Decimal("365.25")
CENT = Decimal("0.01")
MAX_PERIODS = 60
MAX_TEXT = 200


class PlacementError(ValueError):
    """Invalid placement input; ``errors`` lists (field, message) pairs, all at once."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- Agreement data -------------------------------------------------------------------------


@dataclass(frozen=True)
class SeniorityStep:
    after_years: int
    step: int


@dataclass(frozen=True)
class Allowance:
    """A central or local allowance: a fixed annual amount (base level) or extra pay steps.

    Conditions (all must hold; empty = always): ``education_any`` — the candidate holds one
    of these education codes; ``min_years`` — completed seniority years.
    """

    code: str
    name: str
    amount: Decimal = Decimal(0)  # annual, base level
    steps: int = 0
    education_any: tuple[str, ...] = ()
    min_years: int = 0
    local: bool = False
    pensionable: bool = True

    def condition_text(self) -> str:
        parts = []
        if self.education_any:
            parts.append("uddannelse i " + ", ".join(self.education_any))
        if self.min_years:
            parts.append(f"mindst {self.min_years} års anciennitet")
        return " og ".join(parts) or "ingen betingelse"


@dataclass(frozen=True)
class JobCategory:
    code: str
    name: str
    base_step: int
    seniority_steps: tuple[SeniorityStep, ...] = ()
    allowances: tuple[Allowance, ...] = ()
    pension_percent: Decimal = Decimal(0)
    max_step: int | None = None


@dataclass(frozen=True)
class SeniorityRules:
    irrelevant_share: Decimal = Decimal(0)
    min_weekly_hours: Decimal = Decimal(8)
    part_time: str = "full"  # "full" or "proportional"


@dataclass(frozen=True)
class AgreementVersion:
    """One version of an agreement (valid from ``valid_from``) with its pay table."""

    code: str
    name: str
    version: str
    valid_from: dt.date
    weekly_hours: Decimal
    regulation_percent: Decimal
    steps: Mapping[int, Mapping[str, Decimal]]  # step -> pay-area group -> annual base amount
    categories: Mapping[str, JobCategory]
    seniority: SeniorityRules = SeniorityRules()

    def step_amount(self, step: int, area_group: str) -> Decimal:
        try:
            return self.steps[step][area_group]
        except KeyError:
            raise PlacementError(
                [("pay_step", f"Løntrin {step} findes ikke for løngruppe {area_group}.")]
            ) from None

    @property
    def factor(self) -> Decimal:
        return 1 + self.regulation_percent / 100


# --- Candidate input ------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    employer: str
    title: str
    start: dt.date
    end: dt.date
    weekly_hours: Decimal
    relevant: bool = True


@dataclass(frozen=True)
class Candidate:
    job_category: str
    education: tuple[str, ...] = ()
    periods: tuple[Period, ...] = ()
    weekly_hours: Decimal | None = None  # None = the agreement's full time
    area_group: str = "1"
    start_date: dt.date | None = None  # placement date; default the version's valid_from


# --- Result -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Line:
    """One result of the placement and why: the rule that produced it and the input it used.

    (Not frozen: a frozen dataclass's ``__init__`` is several times slower, and the demo
    builds one placement per employee.)"""

    code: str
    label: str
    value: str
    rule: str
    inputs: str
    monthly: Decimal | None = None
    overridden: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Placement:
    agreement: str
    version: str
    job_category: str
    seniority_days: int
    seniority_years: int
    pay_step: int
    allowances: tuple[tuple[str, Decimal], ...]  # (code, monthly amount)
    pension_percent: Decimal
    monthly_full_time: Decimal
    occupancy: Decimal
    monthly: Decimal
    hourly: Decimal
    pension_monthly: Decimal
    lines: tuple[Line, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["allowances"] = [{"code": c, "monthly": str(a)} for c, a in self.allowances]
        return json.loads(json.dumps(data, default=str))


# --- Seniority --------------------------------------------------------------------------------


def _weight(period: Period, rules: SeniorityRules, full_hours: Decimal) -> Decimal:
    if period.weekly_hours < rules.min_weekly_hours:
        return Decimal(0)
    weight = Decimal(1)
    if rules.part_time == "proportional":
        weight = min(Decimal(1), period.weekly_hours / full_hours)
    if not period.relevant:
        weight *= rules.irrelevant_share
    return weight


def seniority_days(
    periods: Sequence[Period], rules: SeniorityRules, full_hours: Decimal, until: dt.date
) -> Decimal:
    """Weighted days of the periods (up to the day before ``until``), overlaps counted once."""
    events: dict[dt.date, list[tuple[int, Decimal]]] = {}
    for period in periods:
        end = min(period.end, until - dt.timedelta(days=1))
        weight = _weight(period, rules, full_hours)
        if end < period.start or weight <= 0:
            continue
        events.setdefault(period.start, []).append((1, weight))
        events.setdefault(end + dt.timedelta(days=1), []).append((-1, weight))
    active: list[Decimal] = []
    total = Decimal(0)
    previous: dt.date | None = None
    for day in sorted(events):
        if previous is not None and active:
            total += max(active) * (day - previous).days
        for sign, weight in events[day]:
            if sign > 0:
                active.append(weight)
            else:
                active.remove(weight)
        previous = day
    return total


# --- Placement --------------------------------------------------------------------------------


def _fmt(amount: Decimal) -> str:
    return f"{money(amount):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def _num(value: Decimal) -> str:
    """A number as Danish text without trailing zeros: 28.50 → "28,5", 100.00 → "100"."""
    return f"{value.normalize():f}".replace(".", ",")


def place(version: AgreementVersion, candidate: Candidate) -> Placement:
    """Place a candidate under an agreement version, with an explanation line for each result."""
    errors: list[tuple[str, str]] = []
    category = version.categories.get(candidate.job_category)
    if category is None:
        errors.append(
            (
                "job_category",
                f"Stillingskategorien '{candidate.job_category}' findes ikke i {version.code}.",
            )
        )
    hours = candidate.weekly_hours if candidate.weekly_hours is not None else version.weekly_hours
    if not (Decimal(0) < hours <= version.weekly_hours):
        errors.append(
            ("weekly_hours", f"Timetallet skal være over 0 og højst {version.weekly_hours}.")
        )
    for index, period in enumerate(candidate.periods):
        if period.end < period.start:
            errors.append((f"periods[{index}].end", "Slutdatoen ligger før startdatoen."))
        if not (Decimal(0) <= period.weekly_hours <= 80):
            errors.append((f"periods[{index}].weekly_hours", "Timetallet skal være 0-80."))
    if errors:
        raise PlacementError(errors)
    assert category is not None
    on = candidate.start_date or version.valid_from
    lines: list[Line] = []

    # Seniority
    rules = version.seniority
    days = seniority_days(candidate.periods, rules, version.weekly_hours, on)
    years = int((days / DAYS_PER_YEAR).to_integral_value(rounding=ROUND_FLOOR))
    counted = []
    for period in candidate.periods:
        weight = _weight(period, rules, version.weekly_hours)
        counted.append(
            f"{period.employer} {period.start.isoformat()}–{period.end.isoformat()} "
            f"{period.weekly_hours} t/uge {'relevant' if period.relevant else 'ikke relevant'}"
            f" (vægt {_num(weight)})"
        )
    part_rule = (
        "deltid tæller fuldt" if rules.part_time == "full" else "deltid tæller forholdsmæssigt"
    )
    lines.append(
        Line(
            code="seniority",
            label="Anciennitet",
            value=f"{years} år ({int(days)} dage)",
            rule=(
                f"{version.name}, anciennitetsregler: relevant erfaring tæller fuldt, "
                f"ikke-relevant med {_num(rules.irrelevant_share)}; under "
                f"{_num(rules.min_weekly_hours)} t/uge tæller ikke; {part_rule}; "
                "overlap tæller én gang; huller tæller ikke; "
                f"hele år = dage // 365,25"
            ),
            inputs="; ".join(counted) or "ingen tidligere ansættelser",
        )
    )

    # Pay step
    step = category.base_step
    step_rule = f"{category.name}: grundløn løntrin {category.base_step}"
    for rule in sorted(category.seniority_steps, key=lambda r: r.after_years):
        if years >= rule.after_years and rule.step > step:
            step = rule.step
            step_rule = (
                f"{category.name}: efter {rule.after_years} års anciennitet løntrin {rule.step}"
            )
    # Allowances
    allowance_amounts: list[tuple[Allowance, Decimal]] = []
    extra_steps = 0
    education = set(candidate.education)
    for allowance in category.allowances:
        if allowance.education_any and not education & set(allowance.education_any):
            continue
        if years < allowance.min_years:
            continue
        if allowance.steps:
            extra_steps += allowance.steps
        allowance_amounts.append((allowance, allowance.amount))
    final_step = step + extra_steps
    if category.max_step is not None and final_step > category.max_step:
        final_step = category.max_step
        step_rule += f"; loft løntrin {category.max_step}"
    occupancy = hours / version.weekly_hours
    factor = version.factor
    step_annual = version.step_amount(final_step, candidate.area_group)
    step_monthly_full = money(step_annual * factor / 12)
    lines.append(
        Line(
            code="pay_step",
            label="Løntrin",
            value=str(final_step),
            rule=step_rule + (f"; + {extra_steps} løntrin fra tillæg" if extra_steps else ""),
            inputs=f"anciennitet {years} år; stillingskategori {category.code}",
        )
    )
    lines.append(
        Line(
            code="base_pay",
            label="Grundløn",
            value=f"{_fmt(step_monthly_full)} kr./md. (fuld tid)",
            rule=(
                f"{version.name} {version.version}, lønskala: løntrin {final_step}, løngruppe "
                f"{candidate.area_group}: {_fmt(step_annual)} kr./år (grundbeløb) × "
                f"(1 + {_num(version.regulation_percent)} % regulering) / 12"
            ),
            inputs=f"løntrin {final_step}; løngruppe {candidate.area_group}",
            monthly=step_monthly_full,
        )
    )
    allowances: list[tuple[str, Decimal]] = []
    pensionable = step_monthly_full
    total_full = step_monthly_full
    for allowance, amount in allowance_amounts:
        if allowance.steps and not amount:
            lines.append(
                Line(
                    code=f"allowance:{allowance.code}",
                    label=allowance.name,
                    value=f"+{allowance.steps} løntrin",
                    rule=f"{'Lokalt' if allowance.local else 'Centralt'} tillæg: "
                    f"{allowance.condition_text()}",
                    inputs=_allowance_inputs(allowance, candidate, years),
                )
            )
            continue
        monthly_full = money(amount * factor / 12)
        allowances.append((allowance.code, money(monthly_full * occupancy)))
        total_full += monthly_full
        if allowance.pensionable:
            pensionable += monthly_full
        lines.append(
            Line(
                code=f"allowance:{allowance.code}",
                label=allowance.name,
                value=f"{_fmt(monthly_full)} kr./md. (fuld tid)",
                rule=(
                    f"{'Lokalt' if allowance.local else 'Centralt'} tillæg "
                    f"{_fmt(amount)} kr./år (grundbeløb) × (1 + "
                    f"{_num(version.regulation_percent)} %) / 12; betingelse: "
                    f"{allowance.condition_text()}"
                ),
                inputs=_allowance_inputs(allowance, candidate, years),
                monthly=monthly_full,
            )
        )
    monthly = money(total_full * occupancy)
    hourly = money(monthly / (MONTHLY_HOURS * occupancy))
    pension = money(pensionable * occupancy * category.pension_percent / 100)
    lines.append(
        Line(
            code="occupancy",
            label="Beskæftigelsesgrad",
            value=f"{_num(hours)}/{_num(version.weekly_hours)} timer",
            rule=f"Fuld tid i {version.name} er {_num(version.weekly_hours)} timer/uge",
            inputs=f"ugentlige timer {_num(hours)}",
        )
    )
    lines.append(
        Line(
            code="monthly",
            label="Månedsløn",
            value=f"{_fmt(monthly)} kr.",
            rule="(grundløn + tillæg) × beskæftigelsesgrad",
            inputs=f"{_fmt(total_full)} kr. × {_num(money(occupancy * 100))} %",
            monthly=monthly,
        )
    )
    lines.append(
        Line(
            code="hourly",
            label="Timeløn",
            value=f"{_fmt(hourly)} kr.",
            rule="månedsløn ved fuld tid / 160,33 timer",
            inputs=f"{_fmt(total_full)} kr.",
        )
    )
    lines.append(
        Line(
            code="pension",
            label="Pension (arbejdsgiverbidrag)",
            value=f"{_fmt(pension)} kr./md. ({_num(category.pension_percent)} %)",
            rule=(f"{category.name}: {_num(category.pension_percent)} % af pensionsgivende løn"),
            inputs=f"pensionsgivende løn {_fmt(money(pensionable * occupancy))} kr./md.",
            monthly=pension,
        )
    )
    return Placement(
        agreement=version.code,
        version=version.version,
        job_category=category.code,
        seniority_days=int(days),
        seniority_years=years,
        pay_step=final_step,
        allowances=tuple(allowances),
        pension_percent=category.pension_percent,
        monthly_full_time=money(total_full),
        occupancy=occupancy,
        monthly=monthly,
        hourly=hourly,
        pension_monthly=pension,
        lines=tuple(lines),
    )


def _allowance_inputs(allowance: Allowance, candidate: Candidate, years: int) -> str:
    parts = []
    if allowance.education_any:
        parts.append("uddannelse: " + (", ".join(candidate.education) or "ingen"))
    if allowance.min_years:
        parts.append(f"anciennitet {years} år")
    return "; ".join(parts) or "-"


# --- Overrides --------------------------------------------------------------------------------

OVERRIDABLE = ("seniority", "pay_step")


def place_with_overrides(
    version: AgreementVersion, candidate: Candidate, overrides: Mapping[str, tuple[str, str]]
) -> Placement:
    """Placement where a caseworker set a line's value, each with a written reason.

    ``overrides`` maps ``"pay_step"`` (a step number) or ``"allowance:<code>"`` (a monthly
    full-time amount in kroner, ``0`` removes it) to ``(value, reason)``. The override is
    shown on its line with the reason; the other lines are recomputed from it.
    """
    errors: list[tuple[str, str]] = []
    for code, (value, reason) in overrides.items():
        if not reason or not reason.strip():
            errors.append((code, "En ændring kræver en skriftlig begrundelse."))
        if code != "pay_step" and not code.startswith("allowance:"):
            errors.append((code, "Kun løntrin og tillæg kan ændres."))
        try:
            Decimal(value)
        except (InvalidOperation, TypeError):
            errors.append((code, "Værdien skal være et tal."))
    if errors:
        raise PlacementError(errors)
    base = place(version, candidate)
    if not overrides:
        return base
    category = version.categories[candidate.job_category]
    hours = candidate.weekly_hours if candidate.weekly_hours is not None else version.weekly_hours
    occupancy = hours / version.weekly_hours
    factor = version.factor
    step = base.pay_step
    lines = list(base.lines)
    if "pay_step" in overrides:
        value, reason = overrides["pay_step"]
        step = int(Decimal(value))
        if category.max_step is not None and step > category.max_step:
            raise PlacementError([("pay_step", f"Højst løntrin {category.max_step}.")])
        step_annual = version.step_amount(step, candidate.area_group)
        for i, line in enumerate(lines):
            if line.code == "pay_step":
                lines[i] = replace(line, value=str(step), overridden=True, reason=reason.strip())
            if line.code == "base_pay":
                monthly = money(step_annual * factor / 12)
                lines[i] = replace(
                    line,
                    value=f"{_fmt(monthly)} kr./md. (fuld tid)",
                    inputs=f"løntrin {step} (ændret); løngruppe {candidate.area_group}",
                    monthly=monthly,
                )
    step_monthly = money(version.step_amount(step, candidate.area_group) * factor / 12)
    amounts: dict[str, Decimal] = {}
    for line in lines:
        if line.code.startswith("allowance:") and line.monthly is not None:
            amounts[line.code] = line.monthly
    for code, (value, reason) in overrides.items():
        if code.startswith("allowance:"):
            amount = money(Decimal(value))
            amounts[code] = amount
            existing = [i for i, line in enumerate(lines) if line.code == code]
            new = Line(
                code=code,
                label=code.split(":", 1)[1],
                value=f"{_fmt(amount)} kr./md. (fuld tid)",
                rule="Ændret af sagsbehandler",
                inputs="-",
                monthly=amount,
                overridden=True,
                reason=reason.strip(),
            )
            if existing:
                lines[existing[0]] = replace(
                    lines[existing[0]],
                    value=new.value,
                    monthly=amount,
                    overridden=True,
                    reason=reason.strip(),
                )
            else:
                lines.insert(3, new)
    total_full = step_monthly + sum(amounts.values(), Decimal(0))
    not_pensionable = {f"allowance:{a.code}" for a in category.allowances if not a.pensionable}
    pensionable = step_monthly + sum(
        (a for c, a in amounts.items() if c not in not_pensionable), Decimal(0)
    )
    monthly = money(total_full * occupancy)
    hourly = money(monthly / (MONTHLY_HOURS * occupancy))
    pension = money(pensionable * occupancy * category.pension_percent / 100)
    for i, line in enumerate(lines):
        if line.code == "monthly":
            lines[i] = replace(
                line,
                value=f"{_fmt(monthly)} kr.",
                inputs=f"{_fmt(total_full)} kr. × {_num(money(occupancy * 100))} %",
                monthly=monthly,
            )
        elif line.code == "hourly":
            lines[i] = replace(line, value=f"{_fmt(hourly)} kr.", inputs=f"{_fmt(total_full)} kr.")
        elif line.code == "pension":
            lines[i] = replace(
                line,
                value=f"{_fmt(pension)} kr./md. ({_num(category.pension_percent)} %)",
                monthly=pension,
            )
    return replace(
        base,
        pay_step=step,
        allowances=tuple((c.split(":", 1)[1], money(a * occupancy)) for c, a in amounts.items()),
        monthly_full_time=money(total_full),
        monthly=monthly,
        hourly=hourly,
        pension_monthly=pension,
        lines=tuple(lines),
    )


# --- Monthly pay of an existing placement (for annual pay) -------------------------------------


def monthly_basic(
    version: AgreementVersion, step: int, area_group: str, occupancy: Decimal
) -> Decimal:
    return money(version.step_amount(step, area_group) * version.factor / 12 * occupancy)


# --- Parsing JSON input (CLI, API) ------------------------------------------------------------


def _date(value: Any, where: str, errors: list[tuple[str, str]]) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        errors.append((where, "Skal være en dato (ÅÅÅÅ-MM-DD)."))
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.append((where, "Skal være en dato (ÅÅÅÅ-MM-DD)."))
        return None


def _decimal(value: Any, where: str, errors: list[tuple[str, str]]) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        errors.append((where, "Skal være et tal."))
        return None
    try:
        result = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        errors.append((where, "Skal være et tal."))
        return None
    if not result.is_finite():
        errors.append((where, "Skal være et tal."))
        return None
    return result


def _text(value: Any, where: str, errors: list[tuple[str, str]], required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        errors.append((where, "Skal være en tekst."))
        return ""
    if len(value) > MAX_TEXT:
        errors.append((where, f"Højst {MAX_TEXT} tegn."))
        return ""
    return value.strip()


def periods_from_data(
    data: Any, errors: list[tuple[str, str]], prefix: str = "periods"
) -> list[Period]:
    """Validate a list of period dicts (employer, title, start, end, weekly_hours, relevant)."""
    if data is None:
        return []
    if not isinstance(data, list):
        errors.append((prefix, "Skal være en liste."))
        return []
    if len(data) > MAX_PERIODS:
        errors.append((prefix, f"Højst {MAX_PERIODS} perioder."))
        return []
    periods = []
    for index, item in enumerate(data):
        where = f"{prefix}[{index}]"
        if not isinstance(item, dict):
            errors.append((where, "Skal være et objekt."))
            continue
        before = len(errors)
        employer = _text(item.get("employer"), f"{where}.employer", errors)
        title = _text(item.get("title", ""), f"{where}.title", errors, required=False)
        start = _date(item.get("start"), f"{where}.start", errors)
        end = _date(item.get("end"), f"{where}.end", errors)
        hours = _decimal(item.get("weekly_hours", "37"), f"{where}.weekly_hours", errors)
        relevant = item.get("relevant", True)
        if not isinstance(relevant, bool):
            errors.append((f"{where}.relevant", "Skal være true eller false."))
        if hours is not None and not (Decimal(0) <= hours <= 80):
            errors.append((f"{where}.weekly_hours", "Timetallet skal være 0-80."))
        if start and end and end < start:
            errors.append((f"{where}.end", "Slutdatoen ligger før startdatoen."))
        if len(errors) == before:
            assert start and end and hours is not None
            periods.append(Period(employer, title, start, end, hours, bool(relevant)))
    return periods


def candidate_from_data(data: Any) -> Candidate:
    """The candidate part of a placement input (see docs/hr.md), validated; all errors at once."""
    errors: list[tuple[str, str]] = []
    if not isinstance(data, dict):
        raise PlacementError([("input", "Skal være et JSON-objekt.")])
    category = _text(data.get("job_category"), "job_category", errors)
    education = data.get("education", [])
    if not isinstance(education, list) or not all(isinstance(e, str) for e in education):
        errors.append(("education", "Skal være en liste af uddannelseskoder."))
        education = []
    hours = None
    if data.get("weekly_hours") is not None:
        hours = _decimal(data.get("weekly_hours"), "weekly_hours", errors)
    start = None
    if data.get("start_date") is not None:
        start = _date(data.get("start_date"), "start_date", errors)
    area = data.get("area_group", "1")
    if not isinstance(area, str | int):
        errors.append(("area_group", "Skal være en tekst."))
        area = "1"
    periods = periods_from_data(data.get("periods", []), errors)
    if errors:
        raise PlacementError(errors)
    return Candidate(
        job_category=category,
        education=tuple(e.strip() for e in education),
        periods=tuple(periods),
        weekly_hours=hours,
        area_group=str(area),
        start_date=start,
    )


def version_from_data(data: Mapping[str, Any]) -> AgreementVersion:
    """An agreement version from its plain data (as stored in ``AgreementVersion.rules``)."""
    categories = {}
    for cat in data.get("categories", []):
        categories[cat["code"]] = JobCategory(
            code=cat["code"],
            name=cat.get("name", cat["code"]),
            base_step=int(cat["base_step"]),
            seniority_steps=tuple(
                SeniorityStep(int(s["after_years"]), int(s["step"]))
                for s in cat.get("seniority_steps", [])
            ),
            allowances=tuple(
                Allowance(
                    code=a["code"],
                    name=a.get("name", a["code"]),
                    amount=Decimal(str(a.get("amount", "0"))),
                    steps=int(a.get("steps", 0)),
                    education_any=tuple(a.get("education_any", [])),
                    min_years=int(a.get("min_years", 0)),
                    local=bool(a.get("local", False)),
                    pensionable=bool(a.get("pensionable", True)),
                )
                for a in cat.get("allowances", [])
            ),
            pension_percent=Decimal(str(cat.get("pension_percent", "0"))),
            max_step=int(cat["max_step"]) if cat.get("max_step") is not None else None,
        )
    sen = data.get("seniority", {})
    steps: dict[int, dict[str, Decimal]] = {}
    for step, groups in data.get("steps", {}).items():
        steps[int(step)] = {str(g): Decimal(str(a)) for g, a in groups.items()}
    return AgreementVersion(
        code=data["code"],
        name=data.get("name", data["code"]),
        version=data.get("version", ""),
        valid_from=_as_date(data.get("valid_from", "2000-01-01")),
        weekly_hours=Decimal(str(data.get("weekly_hours", "37"))),
        regulation_percent=Decimal(str(data.get("regulation_percent", "0"))),
        steps=steps,
        categories=categories,
        seniority=SeniorityRules(
            irrelevant_share=Decimal(str(sen.get("irrelevant_share", "0"))),
            min_weekly_hours=Decimal(str(sen.get("min_weekly_hours", "8"))),
            part_time=str(sen.get("part_time", "full")),
        ),
    )


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def categories_to_data(categories: Iterable[JobCategory]) -> list[dict[str, Any]]:
    return [json.loads(json.dumps(asdict(c), default=str)) for c in categories]


# --- Annual pay (the interface paygap reads) --------------------------------------------------


@dataclass(frozen=True)
class AnnualPay:
    """One employment's pay over a calendar year, summed month by month.

    ``basic``: the pay step's amount (regulated, for the pay-area group) scaled by the
    employment's occupancy (weekly hours / the agreement's full time) and by the share of each
    month employed; ``complementary``: the allowances, likewise; ``hours``: paid hours
    (160.33 × occupancy per full month); ``agreement``/``job_category``/``pay_step``: of the
    last placement in the year.
    """

    employment_id: int
    basic: Decimal
    complementary: Decimal
    hours: Decimal
    agreement: str
    job_category: str
    pay_step: int | None


@dataclass(frozen=True)
class MonthShare:
    """How much of one month an employment was employed (0 < share ≤ 1) and on which day."""

    first_day: dt.date
    share: Decimal


def month_shares(year: int, start: dt.date, end: dt.date | None) -> list[MonthShare]:
    """The months of ``year`` the employment (start – end, inclusive) covers, with shares."""
    result = []
    for month in range(1, 13):
        first = dt.date(year, month, 1)
        last = (dt.date(year + (month == 12), month % 12 + 1, 1)) - dt.timedelta(days=1)
        lo = max(first, start)
        hi = min(last, end) if end else last
        if hi < lo:
            continue
        days = (hi - lo).days + 1
        result.append(MonthShare(lo, Decimal(days) / Decimal(last.day)))
    return result
