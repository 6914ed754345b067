"""Worked examples of the placement rules for every synthetic agreement (OK24 table).

The synthetic table (hr/paytables.py): step s, pay-area group 1 = 150,000 + 4,000·s + 50·s²
kroner a year at the base level; OK24 regulation 28.5 %, so monthly = amount × 1.285 / 12.
Example: HK step 21 = 256,050 × 1.285 / 12 = 27,418.69 kr.; hourly 27,418.69 / 160.33 =
171.01 kr.; pension 11.1 % = 3,043.47 kr. Placement date 1 August 2025.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from koncernservice.hr import paytables, rules

P = rules.Period
ON = dt.date(2025, 8, 1)
QUALIFICATION = {
    "hk-kontor": "kontoruddannelse_speciale",
    "socialraadgivere": "diplom",
    "laerere": "master",
    "sygeplejersker": "specialuddannelse",
    "sosu": "demens",
    "ac": "phd",
    "paedagoger": "diplom",
    "paedagogisk-personale": "erhvervsuddannelse",
    "service": "erhvervsuddannelse",
    "terapeuter": "master",
    "ledere": "master",
}


def version(code: str) -> rules.AgreementVersion:
    return rules.version_from_data(paytables.agreement_data(code))


def category(code: str) -> str:
    return next(a for a in paytables.AGREEMENTS if a["code"] == code)["categories"][0]["code"]


def candidate(code: str, case: str) -> rules.Candidate:
    cat = category(code)
    if case == "new_graduate":
        return rules.Candidate(cat, education=("professionsbachelor",), start_date=ON)
    if case == "seven_years_gap":  # 4 years, a two-year gap, 3 years
        return rules.Candidate(
            cat,
            periods=(
                P("Region H", "a", dt.date(2015, 8, 1), dt.date(2019, 7, 31), D(37)),
                P("Gentofte", "b", dt.date(2021, 8, 1), dt.date(2024, 7, 31), D(37)),
            ),
            start_date=ON,
        )
    if case == "part_time":  # 5 years at 6 h (below the minimum), 8 years at 20 h
        return rules.Candidate(
            cat,
            periods=(
                P("Fritidsjob", "a", dt.date(2012, 1, 1), dt.date(2016, 12, 31), D(6)),
                P("Deltid", "b", dt.date(2017, 1, 1), dt.date(2024, 12, 31), D(20)),
            ),
            start_date=ON,
        )
    return rules.Candidate(cat, education=(QUALIFICATION[code],), start_date=ON)


# agreement, case, seniority years, pay step, monthly, hourly, pension
WORKED = [
    ("hk-kontor", "new_graduate", 0, 21, "27418.69", "171.01", "3043.47"),
    ("hk-kontor", "seven_years_gap", 7, 26, "30818.58", "192.22", "3420.86"),
    ("hk-kontor", "part_time", 8, 26, "30818.58", "192.22", "3420.86"),
    ("hk-kontor", "qualification", 0, 21, "28061.19", "175.02", "3114.79"),
    ("socialraadgivere", "new_graduate", 0, 32, "35251.83", "219.87", "5640.29"),
    ("socialraadgivere", "seven_years_gap", 7, 35, "37613.02", "234.60", "6018.08"),
    ("socialraadgivere", "part_time", 8, 37, "39240.69", "244.75", "6278.51"),
    ("socialraadgivere", "qualification", 0, 32, "36108.50", "225.21", "5777.36"),
    ("laerere", "new_graduate", 0, 31, "34807.44", "217.10", "6021.69"),
    ("laerere", "seven_years_gap", 7, 33, "36349.44", "226.72", "6288.45"),
    ("laerere", "part_time", 8, 35, "37934.27", "236.60", "6562.63"),
    ("laerere", "qualification", 0, 31, "36092.44", "225.11", "6243.99"),
    ("sygeplejersker", "new_graduate", 0, 31, "34486.19", "215.10", "5172.93"),
    ("sygeplejersker", "seven_years_gap", 7, 34, "36815.25", "229.62", "5522.29"),
    ("sygeplejersker", "part_time", 8, 34, "37404.21", "233.30", "5610.63"),
    ("sygeplejersker", "qualification", 0, 33, "36028.19", "224.71", "5404.23"),
    ("sosu", "new_graduate", 0, 14, "23108.58", "144.13", "2773.03"),
    ("sosu", "seven_years_gap", 7, 16, "24714.83", "154.15", "2965.78"),
    ("sosu", "part_time", 4, 16, "24286.50", "151.48", "2914.38"),
    ("sosu", "qualification", 0, 14, "23483.37", "146.47", "2818.00"),
    ("ac", "new_graduate", 0, 34, "36815.25", "229.62", "6626.75"),
    ("ac", "seven_years_gap", 7, 39, "40911.19", "255.17", "7364.01"),
    ("ac", "part_time", 8, 39, "40911.19", "255.17", "7364.01"),
    ("ac", "qualification", 0, 34, "38421.50", "239.64", "6915.87"),
    ("paedagoger", "new_graduate", 0, 30, "33731.25", "210.39", "5059.69"),
    ("paedagoger", "seven_years_gap", 7, 32, "35251.83", "219.87", "5287.77"),
    ("paedagoger", "part_time", 8, 34, "36815.25", "229.62", "5522.29"),
    ("paedagoger", "qualification", 0, 30, "34480.83", "215.06", "5172.12"),
    ("paedagogisk-personale", "new_graduate", 0, 12, "21973.50", "137.05", "2636.82"),
    ("paedagogisk-personale", "seven_years_gap", 7, 16, "24286.50", "151.48", "2914.38"),
    ("paedagogisk-personale", "part_time", 4, 14, "23108.58", "144.13", "2773.03"),
    ("paedagogisk-personale", "qualification", 0, 12, "22455.38", "140.06", "2694.65"),
    ("service", "new_graduate", 0, 15, "23692.19", "147.77", "2487.68"),
    ("service", "seven_years_gap", 7, 17, "24891.52", "155.25", "2613.61"),
    ("service", "part_time", 8, 17, "24891.52", "155.25", "2613.61"),
    ("service", "qualification", 0, 15, "24227.61", "151.11", "2543.90"),
    ("terapeuter", "new_graduate", 0, 30, "33731.25", "210.39", "5059.69"),
    ("terapeuter", "seven_years_gap", 7, 33, "36028.19", "224.71", "5404.23"),
    ("terapeuter", "part_time", 8, 33, "36028.19", "224.71", "5404.23"),
    ("terapeuter", "qualification", 0, 30, "34695.00", "216.40", "5204.25"),
    ("ledere", "new_graduate", 0, 44, "45274.83", "282.39", "8149.47"),
    ("ledere", "seven_years_gap", 7, 46, "47095.25", "293.74", "8477.15"),
    ("ledere", "part_time", 8, 46, "47095.25", "293.74", "8477.15"),
    ("ledere", "qualification", 0, 44, "46881.08", "292.40", "8438.59"),
]


def test_every_synthetic_agreement_has_worked_examples() -> None:
    assert {row[0] for row in WORKED} == {a["code"] for a in paytables.AGREEMENTS}


@pytest.mark.parametrize(("code", "case", "years", "step", "monthly", "hourly", "pension"), WORKED)
def test_worked_examples(code, case, years, step, monthly, hourly, pension) -> None:
    result = rules.place(version(code), candidate(code, case))
    assert (result.seniority_years, result.pay_step) == (years, step)
    assert result.monthly == D(monthly)
    assert result.hourly == D(hourly)
    assert result.pension_monthly == D(pension)
    # every result has a line naming its rule and its input
    codes = [line.code for line in result.lines]
    assert codes[:3] == ["seniority", "pay_step", "base_pay"]
    assert all(line.rule and line.inputs for line in result.lines)


def test_hk_new_graduate_by_hand() -> None:
    """256,050 × 1.285 / 12 = 27,418.6875 → 27,418.69; the base-pay line says how."""
    result = rules.place(version("hk-kontor"), candidate("hk-kontor", "new_graduate"))
    base = next(line for line in result.lines if line.code == "base_pay")
    assert base.monthly == D("27418.69")
    assert "løntrin 21" in base.rule and "256.050,00 kr./år" in base.rule and "28,5 %" in base.rule
    assert result.hourly == (D("27418.69") / D("160.33")).quantize(D("0.01"))


def test_gap_is_not_counted_and_years_are_completed_years() -> None:
    """4 years + 3 years = 1461 + 1096 days = 2557 days = 7.0007 years → 7 (HK: step 26)."""
    result = rules.place(version("hk-kontor"), candidate("hk-kontor", "seven_years_gap"))
    assert result.seniority_days == 2557
    short = rules.Candidate(
        "kontorfuldmaegtig",
        periods=(P("A", "", dt.date(2015, 8, 1), dt.date(2021, 7, 29), D(37)),),
        start_date=ON,
    )
    # 2190 days = 5.996 years → 5 completed years → step 23, not 26
    assert rules.place(version("hk-kontor"), short).pay_step == 23


def test_part_time_full_vs_proportional() -> None:
    """8 years at 20 of 37 hours: full (HK) = 8 years; proportional (SOSU) = 2922·20/37 =
    1579 days = 4 years. The 6-hour job is under the 8-hour minimum in both."""
    hk = rules.place(version("hk-kontor"), candidate("hk-kontor", "part_time"))
    sosu = rules.place(version("sosu"), candidate("sosu", "part_time"))
    assert hk.seniority_days == 2922
    assert sosu.seniority_days == 1579
    assert "Fritidsjob" in hk.lines[0].inputs and "vægt 0" in hk.lines[0].inputs


def test_non_relevant_experience_counts_half_for_teachers_and_not_for_nurses() -> None:
    periods = (P("Butik", "Salg", dt.date(2017, 8, 1), dt.date(2025, 7, 31), D(37), False),)
    teacher = rules.place(
        version("laerere"), rules.Candidate("laerer", periods=periods, start_date=ON)
    )
    nurse = rules.place(
        version("sygeplejersker"), rules.Candidate("sygeplejerske", periods=periods, start_date=ON)
    )
    assert teacher.seniority_years == 4 and teacher.pay_step == 33  # 2922 / 2 days
    assert nurse.seniority_years == 0 and nurse.pay_step == 31


def test_overlapping_periods_count_once() -> None:
    periods = (
        P("A", "", dt.date(2020, 1, 1), dt.date(2023, 12, 31), D(37)),
        P("B", "", dt.date(2022, 1, 1), dt.date(2024, 12, 31), D(10)),
    )
    result = rules.place(
        version("hk-kontor"), rules.Candidate("kontorfuldmaegtig", periods=periods, start_date=ON)
    )
    assert result.seniority_days == 1827  # 2020-01-01 – 2024-12-31


def test_periods_after_the_start_date_do_not_count() -> None:
    periods = (P("A", "", dt.date(2024, 8, 1), dt.date(2030, 12, 31), D(37)),)
    result = rules.place(
        version("hk-kontor"), rules.Candidate("kontorfuldmaegtig", periods=periods, start_date=ON)
    )
    assert result.seniority_days == 365


def test_part_time_employment_scales_pay_but_not_hourly_pay() -> None:
    full = rules.place(version("hk-kontor"), candidate("hk-kontor", "new_graduate"))
    half = rules.place(
        version("hk-kontor"),
        rules.Candidate("kontorfuldmaegtig", weekly_hours=D("18.5"), start_date=ON),
    )
    assert half.monthly == D("13709.35")  # 27,418.69 × 0.5 (rounded half up)
    assert half.hourly == full.hourly == D("171.01")


def test_step_cap_of_the_category() -> None:
    data = paytables.agreement_data("sygeplejersker")
    data["categories"][0]["max_step"] = 32
    capped = rules.place(
        rules.version_from_data(data), candidate("sygeplejersker", "qualification")
    )
    assert capped.pay_step == 32 and "loft løntrin 32" in capped.lines[1].rule


def test_invalid_input_lists_every_error() -> None:
    bad = rules.Candidate(
        "ukendt",
        periods=(P("A", "", dt.date(2020, 1, 1), dt.date(2019, 1, 1), D(37)),),
        weekly_hours=D(50),
    )
    with pytest.raises(rules.PlacementError) as exc:
        rules.place(version("hk-kontor"), bad)
    fields = [f for f, _m in exc.value.errors]
    assert fields == ["job_category", "weekly_hours", "periods[0].end"]


def test_override_needs_a_reason_and_recomputes_pay() -> None:
    v = version("hk-kontor")
    c = candidate("hk-kontor", "new_graduate")
    with pytest.raises(rules.PlacementError) as exc:
        rules.place_with_overrides(v, c, {"pay_step": ("24", " ")})
    assert exc.value.errors[0][0] == "pay_step"
    result = rules.place_with_overrides(
        v, c, {"pay_step": ("24", "Særlige kvalifikationer i IT-drift")}
    )
    # step 24 = 150,000 + 96,000 + 28,800 = 274,800 × 1.285 / 12 = 29,426.50
    assert result.pay_step == 24 and result.monthly == D("29426.50")
    line = next(line for line in result.lines if line.code == "pay_step")
    assert line.overridden and line.reason == "Særlige kvalifikationer i IT-drift"
    with pytest.raises(rules.PlacementError):
        rules.place_with_overrides(v, c, {"seniority": ("9", "fordi")})


def test_allowance_override_adds_a_line_with_its_reason() -> None:
    result = rules.place_with_overrides(
        version("hk-kontor"),
        candidate("hk-kontor", "new_graduate"),
        {"allowance:rekruttering": ("1000", "Rekrutteringstillæg aftalt lokalt")},
    )
    assert result.monthly == D("28418.69")
    assert ("rekruttering", D("1000.00")) in result.allowances


def test_candidate_from_json_validates_types() -> None:
    with pytest.raises(rules.PlacementError) as exc:
        rules.candidate_from_data(
            {
                "job_category": 5,
                "education": "master",
                "periods": [{"employer": "A", "start": "2020-13-01", "end": 3, "relevant": "ja"}],
            }
        )
    fields = {f for f, _m in exc.value.errors}
    assert {
        "job_category",
        "education",
        "periods[0].start",
        "periods[0].end",
        "periods[0].relevant",
    } <= fields


def test_month_shares() -> None:
    shares = rules.month_shares(2025, dt.date(2025, 3, 17), dt.date(2025, 5, 31))
    assert [(s.first_day, s.share) for s in shares] == [
        (dt.date(2025, 3, 17), D(15) / D(31)),
        (dt.date(2025, 4, 1), D(1)),
        (dt.date(2025, 5, 1), D(1)),
    ]


@given(
    st.lists(
        st.tuples(st.integers(0, 5000), st.integers(0, 3000), st.integers(0, 40), st.booleans()),
        max_size=6,
    )
)
def test_seniority_never_exceeds_the_calendar_span(items) -> None:
    start = dt.date(2000, 1, 1)
    periods = [
        P("X", "", start + dt.timedelta(days=a), start + dt.timedelta(days=a + b), D(h), r)
        for a, b, h, r in items
    ]
    days = rules.seniority_days(periods, rules.SeniorityRules(), D(37), dt.date(2030, 1, 1))
    covered = {
        p.start + dt.timedelta(days=i)
        for p in periods
        if p.weekly_hours >= 8 and p.relevant
        for i in range((p.end - p.start).days + 1)
    }
    assert days == len(covered)
