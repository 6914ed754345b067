"""``ks hr place|import-paytable|extract|retention``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from koncernservice.hr.models import AgreementVersion, PayStep
from tests.core.test_import import run

PLACE_INPUT = {
    "agreement": "hk-kontor",
    "job_category": "kontorfuldmaegtig",
    "start_date": "2025-08-01",
    "weekly_hours": 37,
    "area_group": "1",
    "education": ["kontoruddannelse_speciale"],
    "periods": [
        {
            "employer": "Region Hovedstaden",
            "title": "Kontorassistent",
            "start": "2015-08-01",
            "end": "2019-07-31",
            "weekly_hours": 37,
            "relevant": True,
        },
        {
            "employer": "Gentofte Kommune",
            "title": "Kontorfuldmægtig",
            "start": "2021-08-01",
            "end": "2024-07-31",
            "weekly_hours": 30,
            "relevant": True,
        },
    ],
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_place_prints_the_placement_and_its_explanation(tmp_path, agreements) -> None:
    """7 years (a gap, part-time counted fully) → step 26 = 287,800 × 1.285 / 12 = 30,818.58
    + qualification 6,000 × 1.285 / 12 = 642.50 → 31,461.08 kr."""
    code, out, err = run(
        "hr", "place", "--input", str(write(tmp_path, "in.json", json.dumps(PLACE_INPUT))), "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert (data["agreement"], data["version"], data["seniority_years"], data["pay_step"]) == (
        "hk-kontor",
        "OK24",
        7,
        26,
    )
    assert data["monthly"] == "31461.08"
    assert [line["code"] for line in data["lines"]][:4] == [
        "seniority",
        "pay_step",
        "base_pay",
        "allowance:kontorspeciale",
    ]
    assert all(line["rule"] and line["inputs"] for line in data["lines"])
    code, text, _err = run("hr", "place", "--input", str(tmp_path / "in.json"))
    assert code == 0 and "Løntrin: 26" in text and "regel:" in text.lower()


def test_place_with_an_override_and_its_reason(tmp_path, agreements) -> None:
    data = {
        **PLACE_INPUT,
        "overrides": {"pay_step": {"value": "28", "reason": "Særlig IT-erfaring"}},
    }
    code, out, err = run(
        "hr", "place", "--input", str(write(tmp_path, "o.json", json.dumps(data))), "--json"
    )
    assert code == 0, err
    line = next(line for line in json.loads(out)["lines"] if line["code"] == "pay_step")
    assert line["overridden"] and line["reason"] == "Særlig IT-erfaring" and line["value"] == "28"
    data["overrides"]["pay_step"]["reason"] = ""
    code, _out, err = run(
        "hr", "place", "--input", str(write(tmp_path, "o.json", json.dumps(data))), "--json"
    )
    assert code == 2 and json.loads(err)["errors"][0]["field"] == "pay_step"


def test_place_bad_input_names_every_field(tmp_path, agreements) -> None:
    bad = {
        **PLACE_INPUT,
        "job_category": 7,
        "periods": [{"employer": "A", "start": "x", "end": "2020-01-01"}],
    }
    code, _out, err = run(
        "hr", "place", "--input", str(write(tmp_path, "b.json", json.dumps(bad))), "--json"
    )
    assert code == 2
    fields = {e["field"] for e in json.loads(err)["errors"]}
    assert {"job_category", "periods[0].start"} <= fields
    code, _out, err = run(
        "hr", "place", "--input", str(write(tmp_path, "c.json", "{nope")), "--json"
    )
    assert code == 2 and json.loads(err)["errors"][0]["code"] == "json"
    code, _out, err = run(
        "hr",
        "place",
        "--input",
        str(write(tmp_path, "d.json", json.dumps({**PLACE_INPUT, "agreement": "x"}))),
    )
    assert code == 2 and "x" in err


OK27 = (
    "agreement,version,valid_from,regulation_percent,step,area_group,annual_amount\n"
    'hk-kontor,OK27,2027-04-01,"34,2",21,1,"256.050"\n'
    'hk-kontor,OK27,2027-04-01,"34,2",22,1,265200\n'
)


def test_import_paytable_adds_a_version_without_rewriting_history(tmp_path, agreements) -> None:
    before = list(
        PayStep.objects.filter(version__agreement__code="hk-kontor").values_list(
            "pk", "annual_amount"
        )
    )
    code, out, err = run(
        "hr",
        "import-paytable",
        str(write(tmp_path, "ok27.csv", OK27.replace('"256.050"', "256050"))),
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["versions"] == [
        {"agreement": "hk-kontor", "version": "OK27", "valid_from": "2027-04-01", "steps": 2}
    ]
    version = AgreementVersion.objects.get(agreement__code="hk-kontor", version="OK27")
    assert str(version.regulation_percent) == "34.2000"
    assert version.categories[0]["code"] == "kontorfuldmaegtig"  # rules carried from OK26
    assert all(PayStep.objects.get(pk=pk).annual_amount == amount for pk, amount in before)
    # the same date again is refused (history is not rewritten)
    code, _out, err = run("hr", "import-paytable", str(tmp_path / "ok27.csv"), "--json")
    assert code == 2 and json.loads(err)["errors"][0]["code"] == "version_exists"


def test_import_paytable_names_bad_rows_and_columns_and_imports_nothing(
    tmp_path, agreements
) -> None:
    text = (
        "agreement,version,valid_from,regulation_percent,step,area_group,annual_amount\n"
        "hk-kontor,OK27,2027-04-01,34.2,21,1,256050\n"
        "hk-kontor,OK27,2027-04-31,34.2,22,1,265200\n"
        "hk-kontor,OK27,2027-04-01,34.2,23,1,-5\n"
        "hk-kontor,OK27,2027-04-01,34.2,24.5,1,abc\n"
        "ukendt,OK27,2027-04-01,34.2,21,1,256050\n"
    )
    count = AgreementVersion.objects.count()
    code, _out, err = run("hr", "import-paytable", str(write(tmp_path, "bad.csv", text)), "--json")
    assert code == 2
    errors = {(e["row"], e["field"]) for e in json.loads(err)["errors"]}
    assert errors == {(3, "valid_from"), (4, "annual_amount"), (5, "annual_amount")}
    assert AgreementVersion.objects.count() == count
    # after the cell errors are fixed, the unknown agreement is named
    fixed = (
        text.replace("2027-04-31", "2027-04-01")
        .replace(",-5", ",5")
        .replace("24.5,1,abc", "24,1,9")
    )
    code, _out, err = run("hr", "import-paytable", str(write(tmp_path, "bad.csv", fixed)), "--json")
    assert code == 2
    assert [(e["row"], e["field"]) for e in json.loads(err)["errors"]] == [(6, "agreement")]
    assert AgreementVersion.objects.count() == count


def test_import_paytable_from_excel(tmp_path, agreements) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "agreement",
            "agreement_name",
            "version",
            "valid_from",
            "regulation_percent",
            "step",
            "area_group",
            "annual_amount",
        ]
    )
    sheet.append(["ny-aftale", "Ny aftale", "OK26", dt.date(2026, 4, 1), 32.1, 30, "1", 310000])
    path = tmp_path / "t.xlsx"
    book.save(path)
    code, _out, err = run("hr", "import-paytable", str(path), "--json")
    assert code == 0, err
    assert PayStep.objects.get(version__agreement__code="ny-aftale").annual_amount == 310000


def test_import_paytable_needs_the_right_to_manage_pay(tmp_path, world, agreements) -> None:
    code, _out, _err = run(
        "hr", "import-paytable", str(write(tmp_path, "ok27.csv", OK27)), "--as", "leder"
    )
    assert code == 3


def test_extract_prints_proposals_with_their_source(tmp_path, db) -> None:
    path = write(
        tmp_path,
        "cv.txt",
        "jan. 2018 – dec. 2020: Socialrådgiver, Gentofte Kommune, 37 timer/uge\n",
    )
    code, out, err = run("hr", "extract", str(path), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["source"] == "rules"
    assert data["items"][0]["employer"] == "Gentofte Kommune"


@pytest.mark.django_db
def test_retention_runs_as_a_job() -> None:
    code, out, err = run("hr", "retention", "--json")
    assert code == 0, err
    assert json.loads(out) == {"deleted": 0, "due": 0, "retention_days": 183}
