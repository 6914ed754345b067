"""Pay data, categories, indicators per unit with suppression, Art. 10 flags, Art. 7, reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.core import mail

from koncernservice.core.errors import AccessDenied, DomainError
from koncernservice.core.models import AuditEntry
from koncernservice.core.system import system_operator
from koncernservice.paygap import selectors, services
from koncernservice.paygap.files import read_extract
from koncernservice.paygap.models import (
    AnnualReport,
    CategoryFlag,
    InfoRequest,
    JointPayAssessment,
    PayRecord,
    RightReminder,
    WorkerCategory,
)
from tests.paygap.conftest import CARER_CATEGORY, EXTRACT_HEADER, TEACHER_CATEGORY, YEAR

SYSTEM = system_operator()


def test_import_stores_pay_and_default_categories(paid) -> None:
    assert PayRecord.objects.filter(year=YEAR).count() == 24
    record = PayRecord.objects.get(employment=paid.teachers[1])  # a man with allowances
    assert (record.basic_pay, record.complementary_pay, record.hours) == (
        D("440000.00"),
        D("20000.00"),
        D("1600.00"),
    )
    assert record.category.name == TEACHER_CATEGORY
    assert record.pay_step == 5
    assert set(WorkerCategory.objects.values_list("code", flat=True)) == {
        TEACHER_CATEGORY,
        CARER_CATEGORY,
    }


def test_reimport_replaces_and_is_idempotent(paid, tmp_path: Path) -> None:
    path = tmp_path / "igen.csv"
    number = paid.teachers[0].employee_number
    path.write_text(EXTRACT_HEADER + f"{number},410000,0,1600,OK24 Lærere,5\n", encoding="utf-8")
    result = services.pay_import(actor=SYSTEM, rows=read_extract(path), year=YEAR, source="igen")
    assert (result["created"], result["replaced"]) == (0, 1)
    assert PayRecord.objects.filter(year=YEAR).count() == 24
    assert PayRecord.objects.get(employment=paid.teachers[0]).basic_pay == D("410000.00")


def test_import_is_all_or_nothing_and_names_rows(paid, tmp_path: Path) -> None:
    before = PayRecord.objects.count()
    path = tmp_path / "fejl.csv"
    path.write_text(
        EXTRACT_HEADER + f"{paid.teachers[0].employee_number},1,0,10,A,1\n" + "UKENDT,1,0,10,A,1\n",
        encoding="utf-8",
    )
    with pytest.raises(DomainError) as exc:
        services.pay_import(actor=SYSTEM, rows=read_extract(path), year=2024, source="fejl.csv")
    assert [(e.row, e.field, e.code) for e in exc.value.errors] == [
        (3, "employee", "unknown_employee")
    ]
    assert PayRecord.objects.count() == before
    assert not PayRecord.objects.filter(year=2024).exists()


def test_import_outside_scope_is_refused(paid, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(EXTRACT_HEADER + f"{paid.teachers[0].employee_number},1,0,10,A,1\n")
    with pytest.raises(AccessDenied):
        services.pay_import(actor=paid.world.nobody, rows=read_extract(path), year=2024)
    # a manager holds no import right either
    with pytest.raises(AccessDenied):
        services.pay_import(actor=paid.world.manager, rows=read_extract(path), year=2024)
    assert not PayRecord.objects.filter(year=2024).exists()


def test_indicators_per_unit_with_numbers(paid) -> None:
    world = paid.world
    # school teachers: women hourly 3 x 262.50 + 3 x 250 -> 256.25; men 3 x 287.50 + 3 x 275
    # -> 281.25; (281.25 - 256.25) / 281.25 = 8.888... -> 8.89
    school = selectors.unit_indicators(user=world.hr, unit=world.buf, year=YEAR)
    assert school["count"] == {"F": 6, "M": 6}
    assert school["mean_gap"] == D("8.89")
    # basic 250 vs 275 -> 9.09; complementary 6.25 vs 6.25 -> 0.00
    assert school["categories"][TEACHER_CATEGORY] == {
        "basic_gap": D("9.09"),
        "complementary_gap": D("0.00"),
    }
    # the whole municipality: women (787.5 + 750 + 1200) / 12 = 228.125, men 240.625:
    # 12.5 / 240.625 = 5.1948... -> 5.19
    municipality = selectors.unit_indicators(user=world.hr, unit=world.root, year=YEAR)
    assert municipality["count"] == {"F": 12, "M": 12}
    assert municipality["mean_gap"] == D("5.19")
    assert municipality["categories"][CARER_CATEGORY] == {
        "basic_gap": D("0.00"),
        "complementary_gap": None,  # nobody receives any: men's mean is 0
    }


def test_small_groups_are_suppressed(paid, settings) -> None:
    settings.PAYGAP_MIN_GROUP = 7
    data = selectors.unit_indicators(user=paid.world.hr, unit=paid.world.buf, year=YEAR)
    assert data["mean_gap"] is None and data["suppressed"][0] == "all"
    assert data["categories"][TEACHER_CATEGORY]["basic_gap"] is None
    settings.PAYGAP_MIN_GROUP = 5
    data = selectors.unit_indicators(user=paid.world.hr, unit=paid.world.buf, year=YEAR)
    assert data["mean_gap"] == D("8.89")
    # 3 women and 3 men receive allowances: fewer than 5, so b and d are withheld
    assert data["mean_gap_complementary"] is None


def test_statistics_need_scope(paid) -> None:
    world = paid.world
    with pytest.raises(AccessDenied):
        selectors.unit_indicators(user=world.nobody, unit=world.root, year=YEAR)
    with pytest.raises(AccessDenied):  # the school's manager cannot see the municipality
        selectors.unit_indicators(user=world.manager, unit=world.root, year=YEAR)
    assert selectors.unit_indicators(user=world.manager, unit=world.school, year=YEAR)


def test_individual_pay_only_for_self_manager_and_hr(paid) -> None:
    world = paid.world
    assert selectors.pay_records(user=world.hr).count() == 24
    assert selectors.pay_records(user=world.manager).count() == 12  # the school's teachers
    assert selectors.pay_records(user=world.nobody).count() == 0
    assert selectors.pay_records(user=world.auditor).count() == 0  # statistics only
    # an employee sees only their own
    employee = world.employee
    employee.person = paid.teachers[0].person
    employee.save()
    own = selectors.pay_records(user=employee)
    assert list(own.values_list("employment_id", flat=True)) == [paid.teachers[0].pk]


def test_category_update_records_job_evaluation(paid) -> None:
    category = WorkerCategory.objects.get(code=TEACHER_CATEGORY)
    services.category_update(
        actor=paid.world.hr,
        category=category,
        name="Lærere, trin 5-8",
        skills="Læreruddannelse",
        effort="Undervisning og forberedelse",
        responsibility="Elevernes læring",
        working_conditions="Klasseværelse",
    )
    category.refresh_from_db()
    assert category.has_evaluation and not category.is_default
    assert AuditEntry.objects.filter(object_id=str(category.pk), action="update").exists()
    with pytest.raises(AccessDenied):
        services.category_update(
            actor=paid.world.manager,
            category=category,
            name="x",
            skills="",
            effort="",
            responsibility="",
            working_conditions="",
        )
    other = WorkerCategory.objects.get(code=CARER_CATEGORY)
    with pytest.raises(DomainError):
        services.category_update(
            actor=paid.world.hr,
            category=other,
            name="Lærere, trin 5-8",
            skills="",
            effort="",
            responsibility="",
            working_conditions="",
        )


def test_flags_justify_and_remedy(paid) -> None:
    world = paid.world
    today = dt.date(2026, 3, 1)
    created = services.flags_refresh(actor=world.hr, entity=world.root, year=YEAR, today=today)
    # teachers' pay-level gap 8.89 % >= 5 % -> flagged; carers 0 % -> not
    assert [(f.category.name, f.gap) for f in created] == [(TEACHER_CATEGORY, D("8.89"))]
    flag = created[0]
    assert flag.deadline == dt.date(2026, 9, 1)
    assert flag.figures["count"] == {"F": 6, "M": 6}
    # a second run flags nothing new
    assert services.flags_refresh(actor=world.hr, entity=world.root, year=YEAR, today=today) == []
    with pytest.raises(DomainError):
        services.flag_justify(actor=world.hr, flag=flag, justification="for kort")
    with pytest.raises(DomainError) as exc:
        services.flag_remedy(
            actor=world.hr,
            flag=flag,
            remedy="Lønforhandling for kvinderne på trin 5-8",
            deadline=dt.date(2026, 9, 2),
        )
    assert exc.value.errors[0].field == "deadline"
    with pytest.raises(AccessDenied):
        services.flag_justify(actor=world.manager, flag=flag, justification="x" * 30)
    services.flag_justify(
        actor=world.hr,
        flag=flag,
        justification="Forskellen skyldes anciennitet efter overenskomstens trin, ikke køn.",
    )
    flag.refresh_from_db()
    assert flag.status == CategoryFlag.Status.JUSTIFIED and flag.decided_by == world.hr
    assert AuditEntry.objects.filter(event="paygap.flag_justified").count() == 1


def test_unresolved_flag_starts_a_joint_pay_assessment(paid) -> None:
    world = paid.world
    (flag,) = services.flags_refresh(
        actor=world.hr, entity=world.root, year=YEAR, today=dt.date(2026, 3, 1)
    )
    services.flag_remedy(
        actor=world.hr,
        flag=flag,
        remedy="Tillæg til kvinderne på trin 5-8 fra 1. juli",
        deadline=dt.date(2026, 7, 1),
    )
    # on the deadline nothing happens; the day after, the assessment starts
    assert services.assessments_start_due(actor=world.hr, today=dt.date(2026, 7, 1)) == []
    (assessment,) = services.assessments_start_due(actor=world.hr, today=dt.date(2026, 7, 2))
    flag.refresh_from_db()
    assert flag.status == CategoryFlag.Status.ASSESSMENT
    current = assessment.figures["current"]
    assert current["share"] == {"F": "50.00", "M": "50.00"}
    assert current["mean_hourly"] == {"F": "256.25", "M": "281.25"}
    assert current["gap"] == "8.89"
    assert assessment.reasons.startswith("Tillæg")
    with pytest.raises(DomainError) as exc:
        services.assessment_update(
            actor=world.hr,
            assessment=assessment,
            reasons="a",
            measures="",
            follow_up="",
            representatives="",
            complete=True,
        )
    assert {e.field for e in exc.value.errors} == {"measures", "follow_up", "representatives"}
    services.assessment_update(
        actor=world.hr,
        assessment=assessment,
        reasons="Anciennitet",
        measures="Tillæg",
        follow_up="Måles i 2027",
        representatives="TR for lærerne",
        complete=True,
    )
    assert JointPayAssessment.objects.get().status == "completed"


def test_info_request_answered_with_category_averages(paid) -> None:
    world = paid.world
    employee = world.employee
    employee.person = paid.teachers[0].person  # a woman with allowances
    employee.save()
    request = services.info_request_create(actor=employee, today=dt.date(2026, 2, 10))
    assert request.due_on == dt.date(2026, 4, 10)
    assert request.status == InfoRequest.Status.ANSWERED
    answer = request.answer
    assert answer["own"]["annual"] == "420000.00"
    assert answer["own"]["hourly"] == "262.50"
    assert answer["published"] is True
    assert answer["mean_hourly"] == {"F": "256.25", "M": "281.25"}
    assert answer["mean_annual"] == {"F": "410000.00", "M": "450000.00"}
    from koncernservice.paygap.documents import letter_pdf

    assert letter_pdf(request).startswith(b"%PDF")


def test_info_request_without_data_waits_for_hr(paid) -> None:
    world = paid.world
    # the nurse from world has no pay record
    employee = world.employee
    employee.person = world.nurse.person
    employee.save()
    request = services.info_request_create(actor=employee, today=dt.date(2026, 2, 10))
    assert request.status == InfoRequest.Status.OPEN
    with pytest.raises(DomainError):
        services.info_request_answer(actor=world.hr, request=request)
    with pytest.raises(AccessDenied):
        services.info_request_answer(actor=world.manager, request=request)
    with pytest.raises(DomainError):
        services.info_request_create(actor=world.hr)  # HR user has no employment


def test_reminder_goes_to_every_current_employee_once(paid) -> None:
    reminder = services.reminder_send(actor=paid.world.hr, year=2026, today=dt.date(2026, 1, 5))
    # 24 paid + 4 from world, all with e-mail addresses
    assert reminder.recipients == 28 == len(mail.outbox[0].bcc)
    assert mail.outbox[0].to == []
    with pytest.raises(DomainError):
        services.reminder_send(actor=paid.world.hr, year=2026)
    with pytest.raises(AccessDenied):
        services.reminder_send(actor=paid.world.manager, year=2027)
    assert RightReminder.objects.count() == 1


def test_report_is_frozen_when_approved(paid) -> None:
    world = paid.world
    report = services.report_prepare(actor=world.hr, entity=world.root, year=YEAR)
    sections = report.data["sections"]
    assert [s["unit"]["name"] for s in sections] == [
        world.root.name,
        world.buf.name,
        world.suf.name,
    ]
    assert sections[0]["mean_gap"] == "5.19"
    with pytest.raises(AccessDenied):
        services.report_approve(actor=world.hr, report=report)  # HR prepares, management approves
    services.report_approve(actor=world.admin, report=report)
    report.refresh_from_db()
    assert report.status == AnnualReport.Status.APPROVED
    assert report.approved_by == world.admin and report.approved_at is not None
    assert AuditEntry.objects.filter(event="paygap.report_approved").count() == 1
    # new pay data does not change the approved report
    PayRecord.objects.filter(employment=paid.teachers[0]).update(basic_pay=D("1"))
    with pytest.raises(DomainError):
        services.report_prepare(actor=world.hr, entity=world.root, year=YEAR)
    report.refresh_from_db()
    assert report.data["sections"][0]["mean_gap"] == "5.19"
    from koncernservice.paygap.documents import report_pdf, report_xlsx

    assert report_pdf(report).startswith(b"%PDF")
    assert report_xlsx(report).startswith(b"PK")


def test_regrouping_a_record_needs_a_reason_and_is_audited(paid) -> None:
    record = PayRecord.objects.get(employment=paid.carers[0])
    teachers = WorkerCategory.objects.get(code=TEACHER_CATEGORY)
    with pytest.raises(DomainError):
        services.record_assign_category(
            actor=paid.world.hr, record=record, category=teachers, reason=" "
        )
    with pytest.raises(AccessDenied):
        services.record_assign_category(
            actor=paid.world.manager, record=record, category=teachers, reason="x"
        )
    services.record_assign_category(
        actor=paid.world.hr, record=record, category=teachers, reason="Samme arbejde"
    )
    record.refresh_from_db()
    assert record.category == teachers
    entry = AuditEntry.objects.filter(object_id=str(record.pk), action="update").get()
    assert entry.reason == "Samme arbejde"
