"""Splitting a case copies the attachments the caseworker chooses: each file copied through
Django's storage (the original stays), checked against the size and type limits of a new
upload, audited, and named in both cases' timelines; confidential cases stay closed."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.http import Http404

from koncernservice.core.audit import AuditEntry
from koncernservice.core.errors import DomainError
from koncernservice.portal import rules, selectors, services
from koncernservice.portal.models import Case, CaseAccess, CaseAttachment, CaseEntry

from .test_views import client_for, make_case

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7 loenseddel marts"
PNG = b"\x89PNG\r\n\x1a\n skaermbillede"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media) -> list:
    return sorted(p for p in media.rglob("*") if p.is_file())


def attach(portal, case, name: str, content: bytes) -> CaseAttachment:
    return services.case_attach(
        actor=portal.world.employee, case=case, upload=SimpleUploadedFile(name, content)
    )


def test_split_copies_only_the_chosen_attachments_through_the_storage(portal, media) -> None:
    case = make_case(portal)
    slip = attach(portal, case, "lønseddel.pdf", PDF)
    attach(portal, case, "skærm.png", PNG)
    new = services.case_split(
        actor=portal.caseworker, case=case, title="Pension", attachments=[slip.pk]
    )
    [copy] = new.attachments.all()
    assert (copy.name, copy.size, copy.content_type) == (
        "lønseddel.pdf",
        len(PDF),
        slip.content_type,
    )
    assert copy.uploaded_by == portal.world.employee  # who uploaded the file, not who split
    assert copy.file.name != slip.file.name  # an own file: deleting one keeps the other
    with copy.file.open("rb") as f:
        assert f.read() == PDF
    copy.file.delete(save=False)
    with slip.file.open("rb") as f:
        assert f.read() == PDF
    assert case.attachments.count() == 2 and len(stored_files(media)) == 2
    # Audited: the copy's creation by the caseworker, and the split on both cases.
    created = AuditEntry.objects.get(
        content_type__model="caseattachment", object_id=str(copy.pk), action="create"
    )
    assert created.actor == portal.caseworker
    split_from = new.entries.get(event="split_from")
    split_to = case.entries.get(event="split_to")
    assert split_from.data == {
        "case": case.number,
        "entries": 0,
        "attachments": 1,
        "copied": [copy.pk],
    }
    assert split_to.data == {
        "case": new.number,
        "entries": 0,
        "attachments": 1,
        "originals": [slip.pk],
    }


def test_split_refuses_foreign_attachments_and_writes_nothing(portal, media) -> None:
    case, other = make_case(portal), make_case(portal, title="Anden sag")
    own = attach(portal, case, "lønseddel.pdf", PDF)
    foreign = attach(portal, other, "fremmed.pdf", PDF)
    before = (Case.objects.count(), CaseAttachment.objects.count(), CaseEntry.objects.count())
    files = stored_files(media)
    with pytest.raises(DomainError) as caught:
        services.case_split(
            actor=portal.caseworker, case=case, title="Ny", attachments=[own.pk, foreign.pk]
        )
    [error] = caught.value.errors
    assert (error.field, error.code) == ("attachments", "unknown")
    assert str(error.message) == "Vælg bilag fra denne sag."
    after = (Case.objects.count(), CaseAttachment.objects.count(), CaseEntry.objects.count())
    assert after == before and stored_files(media) == files


def test_split_failing_after_copying_leaves_no_file_and_no_row(portal, media, monkeypatch) -> None:
    """A split that fails after its files were copied (here: writing the original case's
    timeline entry) rolls back its rows, and the copied files are deleted from the storage
    again: only the originals remain."""
    case = make_case(portal)
    slip = attach(portal, case, "lønseddel.pdf", PDF)
    shot = attach(portal, case, "skærm.png", PNG)
    before = (Case.objects.count(), CaseAttachment.objects.count(), CaseEntry.objects.count())
    files = stored_files(media)
    write_event = services._event

    def failing_event(target, actor, event, data):
        if event == "split_to":
            raise OSError("disk full")
        return write_event(target, actor, event, data)

    monkeypatch.setattr(services, "_event", failing_event)
    with pytest.raises(OSError):
        services.case_split(
            actor=portal.caseworker, case=case, title="Ny", attachments=[slip.pk, shot.pk]
        )
    after = (Case.objects.count(), CaseAttachment.objects.count(), CaseEntry.objects.count())
    assert after == before
    assert stored_files(media) == files and len(files) == 2


@pytest.mark.django_db(transaction=True)
def test_split_whose_commit_fails_leaves_no_file_and_no_row(portal, media, monkeypatch) -> None:
    """The commit itself can fail after the files were copied: here a deferred foreign key
    (checked only at COMMIT on SQLite and PostgreSQL) points at a case that does not exist.
    The database rolls the split back and the copies are deleted from the storage again."""
    case = make_case(portal)
    slip = attach(portal, case, "lønseddel.pdf", PDF)
    before = (Case.objects.count(), CaseAttachment.objects.count(), CaseEntry.objects.count())
    files = stored_files(media)
    write_event = services._event

    def event_with_a_dangling_reference(target, actor, event, data):
        if event == "split_to":
            CaseAccess.objects.bulk_create([CaseAccess(case_id=10**9, user=portal.lawyer)])
        return write_event(target, actor, event, data)

    monkeypatch.setattr(services, "_event", event_with_a_dangling_reference)
    with pytest.raises(IntegrityError):
        services.case_split(actor=portal.caseworker, case=case, title="Ny", attachments=[slip.pk])
    after = (Case.objects.count(), CaseAttachment.objects.count(), CaseEntry.objects.count())
    assert after == before
    assert stored_files(media) == files and len(files) == 1


def _stored_without_checks(case: Case, name: str, content: bytes) -> CaseAttachment:
    """A file as it lies in the storage from before today's limits (no upload check)."""
    attachment = CaseAttachment(case=case, name=name, size=len(content), content_type="x")
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


def test_split_checks_each_file_as_a_new_upload_and_names_it(portal, media) -> None:
    case = make_case(portal)
    good = attach(portal, case, "ok.pdf", PDF)
    big = _stored_without_checks(
        case, "stor.pdf", b"%PDF" + b"0" * (rules.MAX_ATTACHMENT_BYTES - 3)
    )  # 10 MB + 1 byte
    renamed = _stored_without_checks(case, "program.pdf", b"MZ\x90\x00")
    gone = _stored_without_checks(case, "væk.pdf", PDF)
    gone.file.storage.delete(gone.file.name)
    files = stored_files(media)
    with pytest.raises(DomainError) as caught:
        services.case_split(
            actor=portal.caseworker,
            case=case,
            title="Ny",
            attachments=[good.pk, big.pk, renamed.pk, gone.pk],
        )
    messages = {(e.field, e.code, str(e.message)) for e in caught.value.errors}
    assert messages == {
        ("attachments", "size", "stor.pdf: En fil må højst fylde 10 MB."),
        ("attachments", "content", "program.pdf: Filens indhold passer ikke til filtypen."),
        ("attachments", "missing", "væk.pdf: Den gemte fil mangler."),
    }
    assert Case.objects.count() == 1 and stored_files(media) == files


def test_split_of_a_confidential_case_keeps_its_copied_files_in_the_team(portal, media) -> None:
    secret = make_case(
        portal, user=portal.world.manager, service=portal.dismissal, answers={}, title="Afsked"
    )
    letter = services.case_attach(
        actor=portal.world.manager,
        case=secret,
        upload=SimpleUploadedFile("advarsel.pdf", PDF),
    )
    new = services.case_split(
        actor=portal.lawyer, case=secret, title="Del 2", attachments=[letter.pk]
    )
    [copy] = new.attachments.all()
    url = f"/portal/sager/{new.number}/bilag/{copy.pk}/"
    assert client_for(portal.lawyer).get(url).status_code == 200
    for outsider in (portal.caseworker, portal.world.admin):
        assert client_for(outsider).get(url).status_code == 404
        with pytest.raises(Http404):
            selectors.case_get(user=outsider, number=new.number)
    # Nobody outside may split it either, so nobody outside can copy its files.
    with pytest.raises(DomainError):
        services.case_split(
            actor=portal.caseworker, case=secret, title="x", attachments=[letter.pk]
        )
    assert new.attachments.count() == 1 and CaseAttachment.objects.count() == 2


def test_split_page_offers_the_attachments_and_both_timelines_say_so(portal, media) -> None:
    case = make_case(portal)
    slip = attach(portal, case, "lønseddel.pdf", PDF)
    attach(portal, case, "skærm.png", PNG)
    client = client_for(portal.caseworker)
    url = f"/portal/sager/{case.number}/opdel/"
    page = client.get(url).content.decode()
    assert "Bilag, der skal kopieres" in page
    assert f'name="attachments" value="{slip.pk}"' in page and "lønseddel.pdf" in page
    # An error keeps the choice ticked.
    response = client.post(url, {"title": "", "attachments": [str(slip.pk)]})
    assert response.status_code == 400
    assert f'name="attachments" value="{slip.pk}" checked' in response.content.decode()
    response = client.post(url, {"title": "Pension", "attachments": [str(slip.pk)]})
    new = Case.objects.get(title="Pension")
    assert response["Location"] == f"/portal/sager/{new.number}/"
    new_page = client.get(response["Location"]).content.decode()
    copy = new.attachments.get()
    assert f"/portal/sager/{new.number}/bilag/{copy.pk}/" in new_page
    assert f"Udskilt fra {case.number}: 0 svar eller noter og 1 bilag kopieret." in new_page
    old_page = client.get(f"/portal/sager/{case.number}/").content.decode()
    assert f"{new.number} udskilt herfra: 0 svar eller noter og 1 bilag kopieret." in old_page


def test_api_split_copies_attachments(portal, media) -> None:
    case = make_case(portal)
    slip = attach(portal, case, "lønseddel.pdf", PDF)
    api = client_for(portal.caseworker)
    response = api.post(
        f"/api/portal/cases/{case.number}/split",
        {"title": "Udskilt", "attachments": [slip.pk]},
        content_type="application/json",
    )
    assert response.status_code == 201
    new = Case.objects.get(number=response.json()["number"])
    listed = api.get(f"/api/portal/cases/{new.number}/attachments").json()
    assert [a["name"] for a in listed] == ["lønseddel.pdf"]
    wrong = api.post(
        f"/api/portal/cases/{case.number}/split",
        {"title": "Igen", "attachments": [slip.pk + 1000]},
        content_type="application/json",
    )
    assert wrong.status_code == 400 and Case.objects.count() == 2
