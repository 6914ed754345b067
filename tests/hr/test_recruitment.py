"""Recruitment and hiring: request → approval → posting with pay range → public application →
stages → placement from the CV (confirmed by the caseworker) → hire with PDF letter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core import mail
from django.utils import timezone

from koncernservice.core.errors import AccessDenied, DomainError
from koncernservice.core.models import AuditEntry, Employment, Person
from koncernservice.hr import services
from koncernservice.hr.models import (
    Application,
    ApplicationDocument,
    ApplicationNote,
    Hire,
    JobCategory,
    JobPosting,
    Placement,
    Requisition,
)
from koncernservice.hr.services import Upload

CV = """jan. 2016 – dec. 2019: Lærer, Valby Skole, 37 timer/uge
01.01.2020-31.12.2023 Lærer hos Husum Skole (deltid 30 t)
2010–2015 Læreruddannelsen, professionsbachelor
2024 Masteruddannelse i læreprocesser
"""


def requisition(world, actor=None) -> Requisition:
    return services.requisition_create(
        actor=actor or world.manager,
        unit=world.school,
        title="Lærer til indskolingen",
        job_category=JobCategory.objects.get(agreement__code="laerere", code="laerer"),
        weekly_hours="37",
        annual_budget="520.000,00",
        justification="Ny klasse fra august",
    )


@pytest.fixture
def posting(world, agreements) -> JobPosting:
    req = requisition(world)
    services.requisition_decide(actor=world.hr, requisition=req, approve=True)
    posting = services.posting_create(
        actor=world.hr,
        requisition=req,
        title="Lærer til indskolingen",
        description="Vi søger en engageret lærer.",
        pay_min="34000",
        pay_max="38000",
        deadline=timezone.localdate() + dt.timedelta(days=14),
    )
    return services.posting_publish(actor=world.hr, posting=posting)


def apply(posting, **extra) -> Application:
    data = {
        "first_name": "Ida",
        "last_name": "Holm",
        "email": "ida@example.org",
        "cv_text": CV,
        "documents": [Upload("cv.pdf", b"%PDF-1.4 test")],
    }
    data.update(extra)
    return services.application_submit(posting=posting, **data)


def test_manager_requests_only_for_own_units_and_hr_approves(world, agreements) -> None:
    req = requisition(world)
    assert req.state == "submitted" and req.annual_budget == D("520000.00")
    with pytest.raises(AccessDenied):
        services.requisition_create(
            actor=world.manager,
            unit=world.nursing_home,
            title="x",
            job_category=req.job_category,
            weekly_hours=37,
            annual_budget=1,
        )
    with pytest.raises(AccessDenied):
        services.requisition_decide(actor=world.manager, requisition=req, approve=True)
    with pytest.raises(DomainError):
        services.requisition_decide(actor=world.hr, requisition=req, approve=False, note="")
    services.requisition_decide(actor=world.hr, requisition=req, approve=True)
    assert Requisition.objects.get().state == "approved"


def test_a_budget_beyond_the_amount_columns_is_refused(world, agreements) -> None:
    """Amounts are DecimalField(max_digits=14, decimal_places=2): a budget of 10^12 kr. is
    refused on the field (PostgreSQL would raise a numeric overflow) and nothing is stored;
    999.999.999.999,99 is the largest accepted."""
    category = JobCategory.objects.get(agreement__code="laerere", code="laerer")
    request = dict(
        actor=world.manager, unit=world.school, title="x", job_category=category, weekly_hours=37
    )
    for budget in ("1000000000000", "9" * 20):
        with pytest.raises(DomainError) as exc:
            services.requisition_create(**request, annual_budget=budget)
        assert [(e.field, e.message) for e in exc.value.errors] == [
            ("annual_budget", "For stort: højst 12 cifre før kommaet.")
        ]
    assert not Requisition.objects.exists()
    created = services.requisition_create(**request, annual_budget="999.999.999.999,99")
    assert created.annual_budget == D("999999999999.99")


def test_posting_needs_approval_and_a_pay_range_and_warns_on_gendered_titles(
    world, agreements
) -> None:
    req = requisition(world)
    with pytest.raises(DomainError) as exc:
        services.posting_create(
            actor=world.hr,
            requisition=req,
            title="Lærerinde",
            description="",
            pay_min="40000",
            pay_max="35000",
            deadline="2026-13-01",
        )
    fields = {e.field for e in exc.value.errors}
    assert {None, "description", "pay_max", "deadline"} <= fields
    services.requisition_decide(actor=world.hr, requisition=req, approve=True)
    posting = services.posting_create(
        actor=world.hr,
        requisition=req,
        title="Lærerinde eller pedelmand",
        description="Tekst",
        pay_min="34000",
        pay_max="38000",
        deadline=timezone.localdate() + dt.timedelta(days=3),
    )
    assert len(posting.title_warnings) == 2
    assert posting.agreement.code == "laerere"
    assert services.title_warnings("Socialrådgiver til Københavns Kommune") == []


def test_public_application_with_document_limits(world, posting) -> None:
    with pytest.raises(DomainError) as exc:
        apply(
            posting,
            email="ikke-en-mail",
            documents=[
                Upload("virus.exe", b"MZ"),
                Upload("stor.pdf", b"%PDF" + b"0" * (5 * 1024 * 1024)),
                Upload("falsk.pdf", b"hello"),
            ],
        )
    assert {(e.field, e.code) for e in exc.value.errors} >= {
        ("email", "invalid"),
        ("documents[0]", "file_type"),
        ("documents[1]", "file_size"),
        ("documents[2]", "file_type"),
    }
    assert not Application.objects.exists()
    application = apply(posting)
    assert application.stage == "received"
    assert ApplicationDocument.objects.get().size == len(b"%PDF-1.4 test")
    assert ApplicationNote.objects.filter(kind="letter").count() == 1
    # no field for pay history exists anywhere on an application
    names = {f.name for f in Application._meta.get_fields()}
    assert not {n for n in names if "salary" in n or "pay" in n or "loen" in n}


def test_closed_posting_takes_no_applications(world, posting) -> None:
    services.posting_close(actor=world.hr, posting=posting)
    with pytest.raises(DomainError):
        apply(posting)


def test_stages_move_only_forward_with_notes_letters_and_interviews(
    world, posting, mailoutbox
) -> None:
    application = apply(posting)
    with pytest.raises(DomainError):
        services.application_move(actor=world.manager, application=application, stage="hired")
    when = timezone.now() + dt.timedelta(days=3)
    services.interview_schedule(
        actor=world.manager, application=application, at=when, location="Husum Skole, lokale 2"
    )
    application.refresh_from_db()
    assert application.stage == "interview"
    services.application_note_add(actor=world.manager, application=application, text="God samtale")
    services.application_move(actor=world.manager, application=application, stage="offer")
    kinds = list(
        ApplicationNote.objects.filter(application=application).values_list("kind", flat=True)
    )
    assert kinds == ["letter", "stage", "stage", "interview", "letter", "note", "stage"]
    assert AuditEntry.objects.filter(event="hr.application_stage").count() == 3
    with pytest.raises(AccessDenied):
        services.application_move(actor=world.nobody, application=application, stage="rejected")


def test_rejection_sends_the_standard_letter(
    world, posting, django_capture_on_commit_callbacks
) -> None:
    application = apply(posting)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_move(actor=world.hr, application=application, stage="rejected")
    assert mail.outbox[-1].subject == "Svar på din ansøgning"
    assert "Ida Holm" in mail.outbox[-1].body
    assert Application.objects.get().closed_at is not None


def test_retention_deletes_applicant_data_after_the_period(world, posting) -> None:
    old = apply(posting)
    services.application_move(actor=world.hr, application=old, stage="rejected")
    Application.objects.filter(pk=old.pk).update(closed_at=timezone.now() - dt.timedelta(days=200))
    recent = apply(posting, email="b@example.org")
    services.application_move(actor=world.hr, application=recent, stage="rejected")
    open_one = apply(posting, email="c@example.org")
    assert services.applications_retention(actor=world.hr, dry_run=True)["due"] == 1
    result = services.applications_retention(actor=world.hr)
    assert result == {"deleted": 1, "due": 1, "retention_days": 183}
    assert set(Application.objects.values_list("pk", flat=True)) == {recent.pk, open_one.pk}
    assert not ApplicationDocument.objects.filter(application_id=old.pk).exists()
    event = AuditEntry.objects.get(event="hr.applications_deleted")
    assert event.changes == {"count": 1, "retention_days": 183}
    assert "Ida" not in str(AuditEntry.objects.values_list("changes", flat=True))


def offer(world, posting) -> Application:
    application = apply(posting)
    services.application_move(actor=world.hr, application=application, stage="screening")
    return services.application_move(actor=world.hr, application=application, stage="offer")


def test_placement_uses_only_confirmed_items(world, posting) -> None:
    application = offer(world, posting)
    draft = services.draft_extract(actor=world.hr, application=application, use_model=False)
    assert draft.extraction_source == "rules"
    kinds = [(i["kind"], i.get("code")) for i in draft.items]
    assert kinds == [
        ("period", ""),
        ("period", ""),
        ("education", "professionsbachelor"),
        ("education", "master"),
    ]
    assert not any(i["confirmed"] for i in draft.items)
    # Nothing confirmed: a new graduate, step 31
    draft = services.draft_confirm(
        actor=world.hr, draft=draft, items=draft.items, start_date=dt.date(2025, 8, 1)
    )
    assert draft.result["placement"]["pay_step"] == 31
    assert draft.result["unconfirmed"] == 4
    # Confirm all, correcting the second period's end date: 4 + 3.5 years = 7 → step 33;
    # the master allowance (12,000 × 1.285 / 12 = 1,285.00) and the local 321.25 apply.
    items = [dict(i, confirmed=True) for i in draft.items]
    items[1]["end"] = "2023-06-30"
    draft = services.draft_confirm(
        actor=world.hr, draft=draft, items=items, start_date=dt.date(2025, 8, 1)
    )
    placement = draft.result["placement"]
    assert placement["seniority_years"] == 7 and placement["pay_step"] == 33
    assert placement["monthly"] == "37634.44"  # 36,028.19 + 1,285.00 + 321.25
    assert draft.items[1]["corrected"] and not draft.items[0]["corrected"]
    assert draft.items[0]["source"] == "rules"


def test_caseworker_override_needs_a_reason(world, posting) -> None:
    application = offer(world, posting)
    draft = services.draft_extract(actor=world.hr, application=application, use_model=False)
    with pytest.raises(DomainError):
        services.draft_confirm(
            actor=world.hr, draft=draft, items=draft.items, overrides={"pay_step": ("35", "")}
        )
    with pytest.raises(AccessDenied):
        services.draft_confirm(actor=world.manager, draft=draft, items=draft.items)


def test_hire_creates_person_employment_placement_letter(world, posting) -> None:
    application = offer(world, posting)
    draft = services.draft_extract(actor=world.hr, application=application, use_model=False)
    items = [dict(i, confirmed=True) for i in draft.items]
    services.draft_confirm(actor=world.hr, draft=draft, items=items, start_date=dt.date(2026, 8, 1))
    with pytest.raises(DomainError) as exc:
        services.hire_create(
            actor=world.hr,
            application=application,
            cpr="3213990000",
            start_date=dt.date(2026, 8, 1),
        )
    assert exc.value.errors[0].field == "cpr"
    assert not Employment.objects.filter(person__first_name="Ida").exists()
    hire = services.hire_create(
        actor=world.hr, application=application, cpr="0101901234", start_date=dt.date(2026, 8, 1)
    )
    person = Person.objects.get(cpr="0101901234")
    assert (person.first_name, person.email) == ("Ida", "ida@example.org")
    employment = hire.employment
    assert (employment.unit, employment.job_category, employment.weekly_hours) == (
        world.school,
        "Lærer",
        D("37.00"),
    )
    placement = Placement.objects.get(employment=employment)
    assert placement.agreement.code == "laerere" and placement.valid_from == dt.date(2026, 8, 1)
    assert bytes(hire.letter_pdf).startswith(b"%PDF")
    assert Application.objects.get().stage == "hired"
    # no onboarding service in this small world's portal: a clear note, no case
    assert hire.onboarding_case == "" and "onboarding" in hire.onboarding_note.lower()
    with pytest.raises(DomainError):
        services.hire_create(
            actor=world.hr,
            application=application,
            cpr="0101901234",
            start_date=dt.date(2026, 8, 1),
        )
    assert Hire.objects.count() == 1


def test_hire_opens_an_onboarding_case_in_the_portal(world, posting) -> None:
    from koncernservice.portal.models import Case, Queue, Service, ServiceArea

    area = ServiceArea.objects.create(code="personale", name="Personale", position=1)
    queue = Queue.objects.create(code="personale", name="Personale")
    Service.objects.create(
        area=area,
        code="ansaettelse",
        name="Ny ansættelse",
        default_queue=queue,
        audience=Service.Audience.MANAGERS,
    )
    application = offer(world, posting)
    draft = services.draft_extract(actor=world.hr, application=application, use_model=False)
    services.draft_confirm(actor=world.hr, draft=draft, items=draft.items)
    hire = services.hire_create(
        actor=world.hr, application=application, cpr="0101901234", start_date=dt.date(2026, 8, 1)
    )
    case = Case.objects.get(number=hire.onboarding_case)
    assert case.service.code == "ansaettelse"
    assert "Ida Holm" in case.title
    assert case.requester_id == world.manager.person_id
