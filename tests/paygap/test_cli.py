"""``ks paygap compute|import|flags|assess|requests|remind|report``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from koncernservice.paygap.models import PayRecord
from tests.core.test_import import run
from tests.paygap.conftest import EXTRACT_HEADER, YEAR

pytestmark = pytest.mark.django_db

HEADER = "employee,sex,category,basic_pay,complementary_pay,hours\n"
# The eight workers of tests/paygap/test_rules.py (every number worked out there).
EIGHT = HEADER + (
    "W1,F,A,200000,0,1000\n"
    "W2,F,A,220000,10000,1000\n"
    "W3,F,B,300000,0,1000\n"
    "W4,F,B,330000,20000,1000\n"
    "M1,M,A,240000,0,1000\n"
    "M2,M,A,250000,30000,1000\n"
    "M3,M,B,360000,40000,1000\n"
    "M4,M,B,380000,0,1000\n"
)
EXPECTED = {
    "mean_gap": 16.92,
    "median_gap": 19.7,
    "mean_gap_complementary": 57.14,
    "median_gap_complementary": 57.14,
    "share_receiving_complementary": {"F": 50.0, "M": 50.0},
    "quartiles": [
        {"F": 100.0, "M": 0.0},
        {"F": 0.0, "M": 100.0},
        {"F": 100.0, "M": 0.0},
        {"F": 0.0, "M": 100.0},
    ],
    "categories": {
        "A": {"basic_gap": 14.29, "complementary_gap": 66.67},
        "B": {"basic_gap": 14.86, "complementary_gap": 50.0},
    },
}


def write(tmp_path: Path, text: str, name: str = "loen.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_compute_prints_the_indicators_exactly(tmp_path: Path) -> None:
    code, out, err = run("paygap", "compute", str(write(tmp_path, EIGHT)), "--json")
    assert code == 0, err
    assert json.loads(out) == EXPECTED
    assert PayRecord.objects.count() == 0  # nothing stored


def test_compute_nulls(tmp_path: Path) -> None:
    text = HEADER + "a,F,A,100,0,1\nb,F,A,120,0,1\n"
    code, out, _err = run("paygap", "compute", str(write(tmp_path, text)), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["mean_gap"] is None and data["median_gap"] is None
    assert data["mean_gap_complementary"] is None
    assert data["share_receiving_complementary"] == {"F": 0.0, "M": None}
    assert data["quartiles"] == [
        {"F": None, "M": None},
        {"F": 100.0, "M": 0.0},
        {"F": None, "M": None},
        {"F": 100.0, "M": 0.0},
    ]


def test_compute_reads_excel_and_semicolons(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    for line in EIGHT.strip().split("\n"):
        cells = line.split(",")
        sheet.append(cells[:3] + [float(c) for c in cells[3:]] if cells[0] != "employee" else cells)
    path = tmp_path / "loen.xlsx"
    book.save(path)
    code, out, err = run("paygap", "compute", str(path), "--json")
    assert code == 0, err
    assert json.loads(out) == EXPECTED
    semicolon = EIGHT.replace(",", ";").replace("000;", "000,00;")
    code, out, err = run("paygap", "compute", str(write(tmp_path, semicolon)), "--json")
    assert code == 0, err
    assert json.loads(out) == EXPECTED


def test_compute_names_bad_rows_and_columns(tmp_path: Path) -> None:
    text = (
        HEADER
        + "W1,F,A,200000,0,1000\n"
        + "W2,X,A,200000,0,1000\n"  # row 3: sex
        + "W3,F,,abc,-5,0\n"  # row 4: category, basic_pay, complementary_pay, hours
        + "W1,M,A,1,0,1\n"  # row 5: duplicate employee
        + "W5,F,A,1.001,0,1\n"  # row 6: three decimals
    )
    code, out, err = run("paygap", "compute", str(write(tmp_path, text)), "--json")
    assert (code, out) == (2, "")
    errors = json.loads(err)["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [
        (3, "sex"),
        (4, "category"),
        (4, "basic_pay"),
        (4, "complementary_pay"),
        (4, "hours"),
        (5, "employee"),
        (6, "basic_pay"),
    ]
    code, _out, err = run(
        "paygap", "compute", str(write(tmp_path, "employee,sex\nx,F\n")), "--json"
    )
    assert code == 2
    assert {e["field"] for e in json.loads(err)["errors"]} == {
        "category",
        "basic_pay",
        "complementary_pay",
        "hours",
    }
    code, _out, _err = run("paygap", "compute", str(tmp_path / "missing.csv"), "--json")
    assert code == 2


def test_import_via_cli_all_or_nothing(paid, tmp_path: Path) -> None:
    number = paid.teachers[0].employee_number
    bad = EXTRACT_HEADER + f"{number},1,0,10,A,1\nUKENDT,1,0,10,A,1\n{number}x,1,0,0,A,x\n"
    code, _out, err = run("paygap", "import", str(write(tmp_path, bad)), "--year", "2024", "--json")
    assert code == 2
    errors = json.loads(err)["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(4, "hours"), (4, "pay_step")]
    good = EXTRACT_HEADER + f"{number},1,0,10,A,1\n"
    code, out, err = run("paygap", "import", str(write(tmp_path, good)), "--year", "2024", "--json")
    assert code == 0, err
    assert json.loads(out)["created"] == 1
    code, _out, _err = run(
        "paygap", "import", str(write(tmp_path, good)), "--year", "2024", "--as", "ingen"
    )
    assert code == 3


def test_flags_assess_requests_remind_report(paid) -> None:
    code, out, err = run("paygap", "flags", "--year", str(YEAR), "--json")
    assert code == 0, err
    assert [f["gap"] for f in json.loads(out)["flagged"]] == ["8.89"]
    code, out, _err = run("paygap", "assess", "--on", "2100-01-01", "--json")
    assert len(json.loads(out)["started"]) == 1
    code, out, _err = run("paygap", "requests", "--json")
    assert json.loads(out) == {"open": [], "overdue": 0}
    code, out, _err = run("paygap", "remind", "--year", "2026", "--json")
    assert json.loads(out)["recipients"] == 28
    code, _out, _err = run("paygap", "remind", "--year", "2026", "--json")
    assert code == 2
    code, out, _err = run("paygap", "report", "--year", str(YEAR), "--json")
    assert code == 0
    assert json.loads(out)["mean_gap"] == "5.19"
