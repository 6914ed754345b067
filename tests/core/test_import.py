"""``ks import org|employees FILE``: CSV and Excel, all-or-nothing, rows and fields named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from koncernservice.core.models import AuditEntry, Employment, OrgUnit, Person

pytestmark = pytest.mark.django_db

ORG_CSV = """code;name;parent_code;kind;abbreviation;gln;cost_centre
KK;Københavns Kommune;;kommune;KK;;
BUF;Børne- og Ungdomsforvaltningen;KK;forvaltning;BUF;5798000000018;1000001
BUF-1;Område Amager;BUF;enhed;;;1000002
BUF-1-1;Børnehuset Solsikken;BUF-1;enhed;;;1000003
"""

EMPLOYEES_HEADER = (
    "cpr,fornavn,efternavn,medarbejdernummer,enhedskode,stilling,stillingskategori,"
    "ugentlige_timer,startdato,slutdato,leder\n"
)


def run(*args: str) -> tuple[int, str, str]:
    """Run a ks command in-process; return (exit code, stdout, stderr)."""
    import io
    import sys

    out, err = io.StringIO(), io.StringIO()
    old_err = sys.stderr
    sys.stderr = err
    code = 0
    try:
        call_command(*args, stdout=out)
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.stderr = old_err
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def org_file(tmp_path: Path) -> Path:
    path = tmp_path / "org.csv"
    path.write_text(ORG_CSV, encoding="utf-8")
    return path


def write_employees(tmp_path: Path, rows: list[str], name: str = "ansatte.csv") -> Path:
    path = tmp_path / name
    path.write_text(EMPLOYEES_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_org_import_builds_tree_and_is_idempotent(org_file: Path) -> None:
    code, out, _err = run("import", "org", str(org_file), "--json")
    assert code == 0
    assert json.loads(out)["created"] == 4
    leaf = OrgUnit.objects.get(code="BUF-1-1")
    assert leaf.depth == 3
    assert [u.code for u in OrgUnit.objects.filter(pk__in=leaf.ancestor_ids).order_by("depth")] == [
        "KK",
        "BUF",
        "BUF-1",
        "BUF-1-1",
    ]
    assert leaf.cost_centre.code == "1000003"
    code, out, _err = run("import", "org", str(org_file), "--json")
    assert json.loads(out) | {"file": ""} == {
        "file": "",
        "rows": 4,
        "created": 0,
        "updated": 0,
        "unchanged": 4,
        "skipped": [],
    }
    assert OrgUnit.objects.count() == 4


def test_org_import_with_bad_gln_names_row_and_field_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    path.write_text(ORG_CSV.replace("5798000000018", "5798000000011"), encoding="utf-8")
    code, _out, err = run("import", "org", str(path), "--json")
    assert code == 2
    error = json.loads(err)["errors"][0]
    assert error == error | {"row": 3, "field": "gln", "source": str(path)}
    assert OrgUnit.objects.count() == 0


def test_org_import_unknown_parent_and_cycle(tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    path.write_text(
        "code;name;parent_code\nKK;Kommune;\nA;A;B\nB;B;A\nC;C;NOPE\n", encoding="utf-8"
    )
    code, _out, err = run("import", "org", str(path), "--json")
    assert code == 2
    rows = {(e["row"], e["field"]) for e in json.loads(err)["errors"]}
    assert rows == {(2, "parent_code"), (3, "parent_code"), (4, "parent_code"), (5, "parent_code")}


def test_employee_import_csv_and_skip_bad_rows(org_file: Path, tmp_path: Path) -> None:
    run("import", "org", str(org_file))
    path = write_employees(
        tmp_path,
        [
            "0101902001,Lars,Hansen,E1,BUF-1-1,Pædagog,Pædagog,37,2020-01-01,,nej",
            "3102901234,Fejl,Dato,E2,BUF-1-1,Pædagog,Pædagog,37,2020-01-01,,nej",
            "0202902002,Mia,Holm,E3,UKENDT,Leder,Leder,37,2020-01-01,,ja",
            "0303902003,Ole,Berg,E4,BUF-1,Leder,Leder,95,01-02-2021,,ja",
        ],
    )
    code, _out, err = run("import", "employees", str(path), "--json")
    assert code == 2
    problems = {(e["row"], e["field"]) for e in json.loads(err)["errors"]}
    assert problems == {(3, "cpr"), (4, "unit_code"), (5, "weekly_hours")}
    assert Person.objects.count() == 0 and Employment.objects.count() == 0

    code, out, _err = run("import", "employees", str(path), "--skip-bad-rows", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["created"] == 1
    assert sorted({e["row"] for e in result["skipped"]}) == [3, 4, 5]
    person = Person.objects.get()
    assert (person.first_name, person.legal_sex, str(person.birth_date)) == (
        "Lars",
        "M",
        "1990-01-01",
    )
    assert AuditEntry.objects.filter(object_repr="Lars Hansen", action="create").exists()


def test_employee_import_from_excel_updates_changed_rows(org_file: Path, tmp_path: Path) -> None:
    run("import", "org", str(org_file))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "CPR",
            "Fornavn",
            "Efternavn",
            "Medarbejdernummer",
            "Enhedskode",
            "Stilling",
            "Stillingskategori",
            "Ugentlige timer",
            "Startdato",
            "Leder",
        ]
    )
    sheet.append(
        [
            "0101902001",
            "Lars",
            "Hansen",
            "E1",
            "BUF-1-1",
            "Pædagog",
            "Pædagog",
            37,
            "2020-01-01",
            "nej",
        ]
    )
    path = tmp_path / "ansatte.xlsx"
    workbook.save(path)
    code, out, _err = run("import", "employees", str(path), "--json")
    assert (code, json.loads(out)["created"]) == (0, 1)
    sheet["H2"] = 30
    workbook.save(path)
    code, out, _err = run("import", "employees", str(path), "--json")
    assert json.loads(out)["updated"] == 1
    employment = Employment.objects.get()
    assert employment.weekly_hours == 30
    assert AuditEntry.objects.filter(
        content_type__model="employment", object_id=str(employment.pk), action="update"
    ).get().changes == {"weekly_hours": ["37.00", "30.00"]}


def test_import_of_broken_or_unknown_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip file")
    code, _out, err = run("import", "employees", str(broken), "--json")
    assert code == 2 and str(broken) in err
    code, _out, err = run("import", "org", str(tmp_path / "missing.csv"), "--json")
    assert code == 2 and "missing.csv" in err
    other = tmp_path / "data.pdf"
    other.write_bytes(b"%PDF")
    code, _out, _err = run("import", "org", str(other))
    assert code == 2


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    path.write_text("navn\nKommune\n", encoding="utf-8")
    code, _out, err = run("import", "org", str(path), "--json")
    assert code == 2
    assert {e["field"] for e in json.loads(err)["errors"]} == {"code"}


def test_user_without_rights_cannot_import(world, org_file: Path, tmp_path: Path) -> None:
    before = OrgUnit.objects.count()
    code, _out, _err = run("import", "org", str(org_file), "--as", "ingen")
    assert code == 3
    path = write_employees(
        tmp_path, ["0101902001,Lars,Hansen,E1,BUF-HS,Lærer,Lærer,37,2020-01-01,,"]
    )
    code, _out, _err = run("import", "employees", str(path), "--as", "leder")
    assert code == 3
    assert OrgUnit.objects.count() == before
    assert not Person.objects.filter(cpr="0101902001").exists()


def test_hr_imports_only_into_own_scope(world, tmp_path: Path) -> None:
    from koncernservice.core.models import Role
    from tests.factories import make_user

    make_user("hr-buf", roles=[(Role.HR, world.buf)])
    path = write_employees(
        tmp_path,
        [
            "0101902001,Lars,Hansen,E1,BUF-HS,Lærer,Lærer,37,2020-01-01,,",
            "0202902002,Mia,Holm,E2,SUF-PS,SOSU,SOSU,37,2020-01-01,,",
        ],
    )
    code, _out, err = run("import", "employees", str(path), "--as", "hr-buf", "--json")
    assert code == 2
    assert json.loads(err)["errors"][0] | {"message": ""} == {
        "message": "",
        "code": "forbidden",
        "field": "unit_code",
        "row": 3,
        "source": str(path),
    }
    assert not Person.objects.filter(cpr__in=["0101902001", "0202902002"]).exists()
