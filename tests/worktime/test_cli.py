"""``ks worktime check|import|balance|close``: the interface operators and systems depend on."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from koncernservice.core.models import AuditEntry
from koncernservice.worktime.models import MonthClosing, TimeEntry
from tests.core.test_import import run

pytestmark = pytest.mark.django_db

HEADER = "employee,date,start,end,break_minutes,type\n"

# Three employees over two weeks (2026-03-02 is a Monday):
# - A1: an ordinary week, Monday to Friday 08:00-16:00, and a sick day: no violation.
# - B2: Monday 14:00-22:00, Tuesday 06:00-14:00: 8 hours of rest (< 11) from Monday 14:00.
# - C3: Monday to Sunday 08:00-16:00 with no day off: 16 hours of rest (< 35) in the 7 days
#       from Monday 08:00; night shift 22:00-06:00 on the following Monday runs over midnight.
KNOWN = (
    HEADER
    + "".join(f"A1,2026-03-0{d},08:00,16:00,30,work\n" for d in range(2, 6))
    + "A1,2026-03-06,,,,sygdom\n"
    + "B2,2026-03-02,14:00,22:00,30,work\n"
    + "B2,2026-03-03,06:00,14:00,30,work\n"
    + "".join(f"C3,2026-03-0{d},08:00,16:00,0,work\n" for d in range(2, 9))
    + "C3,2026-03-10,22:00,06:00,0,work\n"
)


def write(tmp_path: Path, text: str, name: str = "tid.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_lists_exactly_the_known_violations(tmp_path: Path) -> None:
    code, out, err = run("worktime", "check", str(write(tmp_path, KNOWN)), "--json")
    assert code == 0, err
    assert json.loads(out) == {
        "violations": [
            {
                "rule": "daily_rest_11h",
                "employee": "B2",
                "start": "2026-03-02T14:00:00",
                "end": "2026-03-03T14:00:00",
                "value": 8.0,
                "limit": 11.0,
            },
            {
                "rule": "weekly_rest_35h",
                "employee": "C3",
                "start": "2026-03-02T08:00:00",
                "end": "2026-03-09T08:00:00",
                "value": 16.0,
                "limit": 35.0,
            },
        ]
    }


def test_check_without_violations_exits_0_with_an_empty_list(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "A1,2026-03-02,08:00,16:00,30,work\n")
    code, out, _err = run("worktime", "check", str(path), "--json")
    assert (code, json.loads(out)) == (0, {"violations": []})


def test_check_names_every_bad_row_and_reason(tmp_path: Path) -> None:
    text = (
        HEADER
        + "A1,2026-03-02,08:00,16:00,30,work\n"
        + "A1,2026-02-30,08:00,16:00,30,work\n"  # row 3: no such date
        + "A1,2026-03-03,8.00,16:00,30,work\n"  # row 4: bad time
        + "A1,2026-03-04,08:00,16:00,30,ski\n"  # row 5: unknown type
        + ",2026-03-05,08:00,16:00,600,work\n"  # row 6: no employee, break too long
        + "A1,2026-03-06,08:00,,0,work\n"  # row 7: start without end
    )
    code, _out, err = run("worktime", "check", str(write(tmp_path, text)), "--json")
    assert code == 2
    errors = json.loads(err)["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [
        (3, "date"),
        (4, "start"),
        (5, "type"),
        (6, "employee"),
        (6, "break_minutes"),
        (7, "end"),
    ]


def test_check_refuses_a_file_without_the_header(tmp_path: Path) -> None:
    code, _out, err = run("worktime", "check", str(write(tmp_path, "a,b\n1,2\n")), "--json")
    assert code == 2
    assert json.loads(err)["errors"][0]["code"] == "header"
    code, _out, _err = run("worktime", "check", str(tmp_path / "missing.csv"), "--json")
    assert code == 2


@pytest.mark.parametrize("command", ["check", "import"])
def test_a_file_that_is_not_utf8_text_is_named_not_a_crash(tmp_path: Path, command: str) -> None:
    """A Latin-1 export (or any binary) stops with a Danish message naming the file, exit 2,
    and nothing is imported (the text decoder used to raise past the command)."""
    path = tmp_path / "tid-latin1.csv"
    path.write_bytes(
        (HEADER + "A1,2026-03-02,08:00,16:00,30,sygdom\n").encode() + b"\xe6\xf8\xe5\n"
    )
    code, _out, err = run(
        "worktime", command, str(path), *(["--json"] if command == "check" else [])
    )
    assert code == 2
    if command == "check":
        assert json.loads(err)["errors"] == [
            {
                "message": "Filen er ikke UTF-8-tekst.",
                "code": "encoding",
                "source": "tid-latin1.csv",
            }
        ]
    else:
        assert "Filen er ikke UTF-8-tekst." in err and "tid-latin1.csv" in err
    assert TimeEntry.objects.count() == 0


def test_check_accepts_semicolons_and_danish_types(tmp_path: Path) -> None:
    text = "employee;date;start;end;break_minutes;type\nA1;2026-03-02;;;;ferie\n"
    code, out, _err = run("worktime", "check", str(write(tmp_path, text)), "--json")
    assert (code, json.loads(out)) == (0, {"violations": []})


def known_for(world) -> str:
    teacher = world.teacher.employee_number
    nurse = world.nurse.employee_number
    return (
        HEADER
        + f"{teacher},2026-03-02,14:00,22:00,30,work\n"
        + f"{teacher},2026-03-03,06:00,14:00,30,work\n"
        + f"{teacher},2026-03-04,,,,sickness\n"
        + f"{nurse},2026-03-02,22:00,06:00,0,work\n"
    )


def test_import_writes_all_rows_and_is_idempotent(world, tmp_path: Path) -> None:
    path = write(tmp_path, known_for(world))
    code, out, err = run("worktime", "import", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["created"] == 4
    sick = TimeEntry.objects.get(employment=world.teacher, date=dt.date(2026, 3, 4))
    assert (sick.kind, sick.minutes, sick.start) == ("sickness", 444, None)  # 37 h / 5 days
    night = TimeEntry.objects.get(employment=world.nurse)
    assert (night.start, night.end, night.minutes) == (dt.time(22), dt.time(6), 480)
    # One audit event per employee and file (a year's file holds millions of entries).
    events = AuditEntry.objects.filter(event="worktime.entries_imported")
    assert sorted(e.changes["days"] for e in events) == [1, 3]  # 4 entries, 2 employees
    code, out, _err = run("worktime", "import", str(path), "--json")
    assert code == 0
    assert TimeEntry.objects.count() == 4


def test_import_is_all_or_nothing(world, tmp_path: Path) -> None:
    text = known_for(world) + "UKENDT,2026-03-02,08:00,16:00,0,work\n"
    code, _out, err = run("worktime", "import", str(write(tmp_path, text)), "--json")
    assert code == 2
    assert json.loads(err)["errors"] == [
        {
            "message": "Ukendt medarbejdernummer, eller et som du ikke må registrere tid for.",
            "code": "unknown_employee",
            "field": "employee",
            "row": 6,
            "source": "tid.csv",
        }
    ]
    assert TimeEntry.objects.count() == 0


def test_import_refuses_overlapping_periods(world, tmp_path: Path) -> None:
    n = world.teacher.employee_number
    text = HEADER + f"{n},2026-03-02,08:00,16:00,0,work\n{n},2026-03-02,15:00,17:00,0,work\n"
    code, _out, err = run("worktime", "import", str(write(tmp_path, text)), "--json")
    assert code == 2
    assert json.loads(err)["errors"][0]["row"] == 3


def test_import_respects_the_scope_of_as(world, tmp_path: Path) -> None:
    path = write(tmp_path, known_for(world))
    # HR on the whole municipality may import; the manager has no change_time at all.
    code, _out, err = run("worktime", "import", str(path), "--as", "leder", "--json")
    assert code == 2
    rows = {e["row"] for e in json.loads(err)["errors"]}
    assert rows == {2, 3, 4, 5}
    code, _out, err = run("worktime", "import", str(path), "--as", "hr", "--json")
    assert code == 0, err
    # The employee may import their own rows, not the nurse's.
    TimeEntry.objects.all().delete()
    code, _out, err = run("worktime", "import", str(path), "--as", "laerer", "--json")
    assert {e["row"] for e in json.loads(err)["errors"]} == {5}
    assert TimeEntry.objects.count() == 0


def test_import_into_a_closed_month_is_refused(world, tmp_path: Path) -> None:
    code, _out, err = run("worktime", "close", "BUF-HS", "2026-03", "--json")
    assert code == 0, err
    assert MonthClosing.objects.filter(unit=world.school, is_closed=True).exists()
    code, _out, err = run("worktime", "import", str(write(tmp_path, known_for(world))), "--json")
    assert code == 2
    assert {e["code"] for e in json.loads(err)["errors"]} == {"closed"}


def test_balance_of_an_employee(world) -> None:
    code, out, err = run(
        "worktime", "balance", world.teacher.employee_number, "--on", "2025-12-01", "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["holiday"][0]["holiday_year"] == "2024/2025"
    assert data["holiday"][0]["earned"] == "25.00"
    code, _out, _err = run(
        "worktime", "balance", world.nurse.employee_number, "--as", "leder", "--json"
    )
    assert code == 2  # outside the manager's scope: reported as unknown


def test_check_with_warnings_lists_agreed_rest_reductions(world, tmp_path: Path) -> None:
    from koncernservice.core.system import system_operator
    from koncernservice.worktime import services

    services.pattern_set(
        actor=system_operator(), employment=world.teacher, mode="full", reduced_rest_allowed=True
    )
    n = world.teacher.employee_number
    text = HEADER + f"{n},2026-03-02,14:00,22:00,0,work\n{n},2026-03-03,06:00,14:00,0,work\n"
    code, out, _err = run("worktime", "check", str(write(tmp_path, text)), "--json", "--warnings")
    assert code == 0
    data = json.loads(out)
    assert data["violations"] == []
    assert [(w["rule"], w["value"], w["limit"]) for w in data["warnings"]] == [
        ("daily_rest_11h_reduced", 8.0, 11.0)
    ]


def test_import_of_an_approved_month_needs_a_reason(world, tmp_path: Path) -> None:
    from koncernservice.core.system import system_operator
    from koncernservice.worktime import services

    path = write(tmp_path, known_for(world))
    assert run("worktime", "import", str(path))[0] == 0
    services.period_approve(
        actor=system_operator(), employments=[world.teacher], month=dt.date(2026, 3, 1)
    )
    code, _out, err = run("worktime", "import", str(path), "--json")
    assert code == 2
    assert {e["code"] for e in json.loads(err)["errors"]} == {"reason_required"}
    code, _out, err = run("worktime", "import", str(path), "--reason", "Rettet vagtplan", "--json")
    assert code == 0, err
    assert AuditEntry.objects.filter(event="worktime.corrected_after_approval").count() == 1
