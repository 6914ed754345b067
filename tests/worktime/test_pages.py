"""Pages of time registration: the week, holiday balance, the manager's overview, payroll."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from koncernservice.worktime import services
from koncernservice.worktime.models import PeriodApproval, TimeEntry
from koncernservice.worktime.services import EntryInput

pytestmark = pytest.mark.django_db

MON = dt.date(2026, 3, 2)


def week_post(**overrides: str) -> dict[str, str]:
    data = {"date": MON.isoformat(), "action": "save"}
    for i in range(7):
        data[f"kind_{i}"] = "work" if i < 5 else ""
        data[f"start_{i}"] = "08:00" if i < 5 else ""
        data[f"end_{i}"] = "15:24" if i < 5 else ""
    data.update(overrides)
    return data


def test_week_is_prefilled_from_the_schedule_and_saves(client, world) -> None:
    client.force_login(world.employee)
    page = client.get(f"/worktime/?date={MON}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="15:24"' in html  # 08:00 + 7 h 24 min (37 h / 5)
    assert 'for="start_0"' in html and "<caption>" in html
    response = client.post("/worktime/", week_post(kind_1="sickness", start_1="", end_1=""))
    assert response.status_code == 302
    entries = TimeEntry.objects.filter(employment=world.teacher).order_by("date")
    assert [e.kind for e in entries] == ["work", "sickness", "work", "work", "work"]


@pytest.mark.parametrize("typed", ["8.0x", "99999999999999999999"])
def test_week_with_errors_is_shown_again_with_messages(client, world, typed: str) -> None:
    client.force_login(world.employee)
    response = client.post("/worktime/", week_post(start_0=typed))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and "2026-03-02" in html
    assert "Ikke et klokkeslæt" in html
    assert TimeEntry.objects.count() == 0


def test_copy_last_week(client, world) -> None:
    services.days_register(
        actor=world.employee,
        employment=world.teacher,
        days={MON - dt.timedelta(days=7): [EntryInput(start=dt.time(7), end=dt.time(15))]},
    )
    client.force_login(world.employee)
    response = client.post("/worktime/", {"date": MON.isoformat(), "action": "copy"})
    assert response.status_code == 302
    assert TimeEntry.objects.filter(date=MON, start=dt.time(7)).exists()


def test_holiday_page(client, world) -> None:
    client.force_login(world.employee)
    response = client.get("/worktime/ferie/?on=2025-12-01")
    assert response.status_code == 200
    assert "2024/2025" in response.content.decode()


def test_someone_without_rights_sees_nothing_and_changes_nothing(client, world) -> None:
    client.force_login(world.nobody)
    assert client.get("/worktime/").status_code == 200  # no employment: a plain notice
    assert client.get(f"/worktime/?employment={world.teacher.pk}").status_code == 404
    response = client.post("/worktime/", {**week_post(), "employment": str(world.teacher.pk)})
    assert response.status_code == 404
    assert client.get("/worktime/enheder/").status_code == 403
    assert client.get(f"/worktime/enheder/{world.school.pk}/").status_code == 404
    response = client.post(f"/worktime/enheder/{world.school.pk}/luk/", {"month": "2026-03"})
    assert response.status_code == 404
    assert TimeEntry.objects.count() == 0


def test_manager_sees_violation_and_approves_in_bulk(client, world) -> None:
    services.days_register(
        actor=world.employee,
        employment=world.teacher,
        days={
            MON: [EntryInput(start=dt.time(14), end=dt.time(22))],
            MON + dt.timedelta(days=1): [EntryInput(start=dt.time(6), end=dt.time(14))],
        },
    )
    client.force_login(world.manager)
    assert client.get("/worktime/enheder/").status_code == 302
    page = client.get(f"/worktime/enheder/{world.school.pk}/?month=2026-03")
    assert page.status_code == 200
    assert "⚠ 1" in page.content.decode()
    assert "<td>Fuld registrering" in page.content.decode()  # the mode in words, not "full"
    supervision = client.get(f"/worktime/enheder/{world.school.pk}/overtraedelser/?month=2026-03")
    assert "Lars Lærer" in supervision.content.decode()
    # Outside the manager's scope: 404, and an approval of the nurse changes nothing.
    assert client.get(f"/worktime/enheder/{world.nursing_home.pk}/").status_code == 404
    response = client.post(
        f"/worktime/enheder/{world.school.pk}/",
        {"month": "2026-03", "employment": [str(world.nurse.pk)]},
    )
    assert response.status_code == 404
    response = client.post(
        f"/worktime/enheder/{world.school.pk}/",
        {"month": "2026-03", "employment": [str(world.teacher.pk), str(world.pupil_helper.pk)]},
    )
    assert response.status_code == 302
    assert PeriodApproval.objects.count() == 2
    export = client.get(f"/worktime/enheder/{world.school.pk}/?month=2026-03&export=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_hr_closes_the_month_and_exports_payroll(client, world) -> None:
    services.days_register(
        actor=world.employee,
        employment=world.teacher,
        days={MON: [EntryInput(start=dt.time(8), end=dt.time(16))]},
    )
    client.force_login(world.hr)
    unit = f"/worktime/enheder/{world.school.pk}"
    assert client.get(f"{unit}/loen/?month=2026-03").status_code == 302  # not closed yet
    client.post(f"{unit}/luk/", {"month": "2026-03", "action": "close"})
    response = client.get(f"{unit}/loen/?month=2026-03")
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("employee_number,name,unit_code,month,norm_hours,worked_hours")
    assert any(line.startswith(world.teacher.employee_number) for line in lines[1:])
    xlsx = client.get(f"{unit}/loen/?month=2026-03&format=xlsx")
    assert xlsx.status_code == 200
    client.force_login(world.manager)
    assert client.get(f"{unit}/loen/?month=2026-03").status_code == 404


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("14:00", dt.time(14)),
        ("14.30", dt.time(14, 30)),
        ("1400", dt.time(14)),
        ("930", dt.time(9, 30)),
        ("7", dt.time(7)),
        ("24:00", dt.time(0)),
    ],
)
def test_times_can_be_typed_quickly(typed: str, expected: dt.time) -> None:
    from koncernservice.worktime.views import parse_clock

    assert parse_clock(typed) == expected


@pytest.mark.parametrize(
    "typed", ["25:00", "14:7", "x", "14:60", "99999999999999999999", "123:00", "²:00"]
)
def test_bad_times_are_refused(typed: str) -> None:
    from koncernservice.worktime.views import parse_clock

    with pytest.raises(ValueError):
        parse_clock(typed)


def test_unit_page_shows_own_employees_and_sub_units_on_request(client, world) -> None:
    client.force_login(world.manager)
    page = client.get(f"/worktime/enheder/{world.school.pk}/?month=2026-03").content.decode()
    assert "Lars Lærer" in page
    assert world.pupil_helper.person.full_name not in page
    assert "Husum Skole, indskoling" in page  # link to the sub-unit
    page = client.get(f"/worktime/enheder/{world.school.pk}/?month=2026-03&sub=1").content.decode()
    assert world.pupil_helper.person.full_name in page


def test_hr_sets_the_registration_mode_and_an_exemption_needs_a_reason(client, world) -> None:
    from koncernservice.core.models import AuditEntry
    from koncernservice.worktime.models import WorkPattern

    client.force_login(world.hr)
    url = f"/worktime/ansaettelser/{world.teacher.pk}/registrering/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'for="mode_exempt"' in page.content.decode()
    # Exempt without a reason: refused, with the field named, and nothing stored.
    refused = client.post(url, {"mode": "exempt", "work_days": ["0", "1", "2", "3", "4"]})
    assert refused.status_code == 400
    assert 'href="#exempt_reason"' in refused.content.decode()
    assert not WorkPattern.objects.filter(employment=world.teacher).exists()
    # Deviations only, four long days, with a reason for the audit trail.
    saved = client.post(
        url,
        {
            "mode": "deviations",
            "work_days": ["0", "1", "2", "3"],
            "day_start": "7.30",
            "reason": "Aftale om firedagesuge",
        },
    )
    assert saved.status_code == 302
    pattern = WorkPattern.objects.get(employment=world.teacher)
    assert (pattern.mode, pattern.work_days, pattern.day_start) == (
        "deviations",
        "0123",
        dt.time(7, 30),
    )
    assert AuditEntry.objects.filter(
        object_id=str(pattern.pk), reason="Aftale om firedagesuge"
    ).exists()


def test_only_hr_in_scope_changes_registration_settings(client, world) -> None:
    from koncernservice.worktime.models import WorkPattern

    url = f"/worktime/ansaettelser/{world.teacher.pk}/registrering/"
    for user in (world.nobody, world.manager, world.employee):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"mode": "exempt", "exempt_reason": "x"}).status_code == 404
    assert not WorkPattern.objects.filter(employment=world.teacher).exists()


def test_unit_overview_shows_sickness_absence_rate_and_overtime(client, world) -> None:
    """March 2026 has 22 working days; a 37-hour week gives 7.4 h a day. Two sick days out of
    the teacher's 162.8 norm hours is 14.8 h; with the pupil helper's norm in the unit too the
    rate is 14.8 / (162.8 + helper's norm)."""
    from koncernservice.worktime import selectors

    services.days_register(
        actor=world.employee,
        employment=world.teacher,
        days={
            MON: [EntryInput(kind="sickness")],
            MON + dt.timedelta(days=1): [EntryInput(kind="sickness")],
            MON + dt.timedelta(days=2): [EntryInput(start=dt.time(7), end=dt.time(19))],
        },
    )
    rows = selectors.unit_overview(
        user=world.manager,
        unit=world.school,
        month=MON,
        today=dt.date(2026, 3, 31),
        include_subunits=True,
    )
    teacher = next(r for r in rows if r.employment == world.teacher)
    assert teacher.norm_minutes == 22 * 444  # 7 h 24 min a day
    assert teacher.absence_by_kind == {"sickness": 2 * 444}
    norm = sum(r.norm_minutes for r in rows)
    sickness = next(a for a in selectors.absence_figures(rows) if a.kind == "sickness")
    assert sickness.hours == Decimal("14.80")
    assert sickness.percent_of_norm == (Decimal(100 * 888) / norm).quantize(Decimal("0.1"))
    client.force_login(world.manager)
    html = client.get(f"/worktime/enheder/{world.school.pk}/?month=2026-03&sub=1").content.decode()
    shown = f"{sickness.percent_of_norm}".replace(".", ",")  # Danish decimal comma
    assert f'<div class="figure">{shown} %</div>' in html
    assert "<caption>Fravær efter type" in html


def test_a_running_month_says_its_figures_count_to_today(client, world) -> None:
    client.force_login(world.manager)
    unit = f"/worktime/enheder/{world.school.pk}/"
    running = client.get(unit).content.decode()  # this month
    assert 'id="norm-until"' in running and "Måneden er ikke slut" in running
    assert "Måneden er ikke slut" not in client.get(f"{unit}?month=2026-03").content.decode()
