"""Pages and API of the portal: the employee flow, the workspace, and confidentiality on
every path (list, detail, search, export, API, notifications)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from koncernservice.portal import services
from koncernservice.portal.models import Case, CaseEntry

pytestmark = pytest.mark.django_db

GOOD = {"month": "01-03-2026", "kind": "løn"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_case(portal, user=None, **kwargs):
    kwargs.setdefault("service", portal.salary)
    kwargs.setdefault("title", "Forkert løn i marts")
    kwargs.setdefault("answers", GOOD)
    return services.case_create(actor=user or portal.world.employee, **kwargs)


def test_catalogue_lists_services_for_the_audience(portal) -> None:
    page = client_for(portal.world.employee).get("/portal/").content.decode()
    assert "Fejl i lønnen" in page and "afskedigelse" not in page
    page = client_for(portal.world.manager).get("/portal/").content.decode()
    assert "Rådgivning om afskedigelse" in page


def test_form_shows_danish_errors_then_creates(portal) -> None:
    client = client_for(portal.world.employee)
    page = client.get("/portal/ny/loen-fejl/").content.decode()
    assert portal.world.teacher.employee_number in page  # prefilled from the employment
    response = client.post(
        "/portal/ny/loen-fejl/", {"title": "", "answers.month": "99-99-2026", "answers.kind": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Dette felt er påkrævet." in html and 'aria-invalid="true"' in html
    assert Case.objects.count() == 0
    response = client.post(
        "/portal/ny/loen-fejl/",
        {"title": "Forkert løn", "answers.month": "01-03-2026", "answers.kind": "løn"},
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == f"/portal/sager/{case.number}/"
    assert case.number in client.get("/portal/mine/").content.decode()


def test_suggestions_while_typing(portal) -> None:
    services.article_save(
        actor=portal.world.admin, slug="loenseddel", title="Sådan læser du lønsedlen", body="Tekst"
    )
    html = (
        client_for(portal.world.employee)
        .get("/portal/ny/loen-fejl/forslag/", {"title": "fejl på lønsedlen"})
        .content.decode()
    )
    assert "Sådan læser du lønsedlen" in html


def test_workspace_flow_note_reply_state_and_survey(portal) -> None:
    case = make_case(portal)
    worker = client_for(portal.caseworker)
    queue = worker.get("/portal/koeer/loen/").content.decode()
    assert case.number in queue and "SLA" in queue
    url = f"/portal/sager/{case.number}/"
    assert "Lærer" in worker.get(url).content.decode()  # requester's context
    worker.post(url + "svar/", {"kind": "note", "body": "Tjek SD-løn"})
    worker.post(url + "svar/", {"kind": "reply", "body": "Vi har rettet det"})
    employee = client_for(portal.world.employee)
    page = employee.get(url).content.decode()
    assert "Vi har rettet det" in page and "Tjek SD-løn" not in page
    worker.post(url + "status/", {"state": "resolved"})
    employee.post(url + "tilfredshed/", {"rating": "4", "comment": "Fint"})
    case.refresh_from_db()
    assert case.state == "resolved" and case.satisfaction == 4


def test_employee_cannot_write_note_or_change_state_by_post(portal) -> None:
    case = make_case(portal)
    employee = client_for(portal.world.employee)
    url = f"/portal/sager/{case.number}/"
    assert employee.post(url + "status/", {"state": "resolved"}).status_code == 403
    assert employee.post(url + "svar/", {"kind": "note", "body": "x"}).status_code == 403
    assert employee.get("/portal/koeer/").status_code == 403
    case.refresh_from_db()
    assert case.state == "new" and not case.entries.filter(kind=CaseEntry.Kind.NOTE).exists()


def test_other_employee_gets_404(portal) -> None:
    case = make_case(portal)
    client = client_for(portal.world.nobody)
    assert client.get(f"/portal/sager/{case.number}/").status_code == 404
    assert client.post(f"/portal/sager/{case.number}/svar/", {"body": "x"}).status_code == 404


def test_bulk_assign(portal) -> None:
    a, b = make_case(portal), make_case(portal)
    client_for(portal.caseworker).post(
        "/portal/koeer/loen/tildel/",
        {"cases": [a.number, b.number], "assignee": str(portal.caseworker.pk)},
    )
    assert set(Case.objects.values_list("assignee", flat=True)) == {portal.caseworker.pk}


def test_reports_and_export(portal) -> None:
    make_case(portal)
    client = client_for(portal.world.admin)
    assert "Fejl i lønnen" in client.get("/portal/rapporter/").content.decode()
    response = client.get("/portal/rapporter/?export=xlsx")
    assert response.status_code == 200
    assert client_for(portal.world.employee).get("/portal/rapporter/").status_code == 403


def test_api_create_with_idempotency_key_and_errors(portal) -> None:
    client = client_for(portal.world.employee)
    payload = {"service": "loen-fejl", "title": "Løn", "answers": GOOD}
    first = client.post(
        "/api/portal/cases", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    again = client.post(
        "/api/portal/cases", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert first.status_code == 201 and first.json()["number"] == again.json()["number"]
    assert Case.objects.count() == 1
    bad = client.post(
        "/api/portal/cases", {"service": "loen-fejl", "title": ""}, content_type="application/json"
    )
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert {e["field"] for e in bad.json()["errors"]} >= {"title", "answers.month"}
    number = first.json()["number"]
    reply = client.post(
        f"/api/portal/cases/{number}/entries", {"body": "Hej"}, content_type="application/json"
    )
    assert reply.status_code == 201
    assert client.get("/api/portal/services").json()[0]["code"] == "loen-fejl"


# --- Confidentiality on every path ---------------------------------------------------------


@pytest.fixture
def secret(portal):
    return make_case(
        portal,
        user=portal.world.manager,
        service=portal.dismissal,
        answers={},
        title="Afskedigelse af Lars Lærer",
    )


PATHS = (
    "/portal/sager/{number}/",
    "/portal/koeer/jura/",
    "/portal/koeer/jura/?export=xlsx",
    "/api/portal/cases/{number}",
    "/api/portal/cases/{number}/entries",
)


@pytest.mark.parametrize("who", ["admin", "auditor", "hr", "caseworker"])
def test_confidential_case_is_404_or_absent_on_every_path(portal, secret, who) -> None:
    user = getattr(portal, who, None) or getattr(portal.world, who)
    client = client_for(user)
    for path in PATHS:
        response = client.get(path.format(number=secret.number))
        assert response.status_code in (403, 404), path
        assert "Afskedigelse" not in response.content.decode(errors="ignore")
    for path in (
        "/portal/mine/",
        f"/portal/soeg/?q={secret.number}",
        "/portal/soeg/?q=afskedigelse",
        "/api/portal/cases",
        "/api/portal/cases?q=afskedigelse",
        "/portal/koeer/",
        "/portal/koeer/loen/?state=all",
    ):
        body = client.get(path).content.decode()
        assert "Afskedigelse" not in body, path
        if path.startswith("/api/"):
            assert secret.number not in body, path
        else:  # a searched number is echoed in the search box, but never linked
            assert f"/sager/{secret.number}/" not in body, path
    assert client.post(f"/portal/sager/{secret.number}/svar/", {"body": "x"}).status_code == 404
    assert (
        client.post(
            f"/api/portal/cases/{secret.number}/entries",
            {"body": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    # The report counts only what the user may see.
    report = client.get("/portal/rapporter/?export=xlsx")
    if report.status_code == 200:
        sheet = load_workbook(io.BytesIO(report.content)).worksheets[0]
        assert "Rådgivning om afskedigelse" not in [r[0] for r in sheet.iter_rows(values_only=True)]


def test_team_and_requester_see_the_confidential_case(portal, secret) -> None:
    lawyer = client_for(portal.lawyer)
    assert "Afskedigelse" in lawyer.get(f"/portal/sager/{secret.number}/").content.decode()
    assert secret.number in lawyer.get("/portal/koeer/jura/").content.decode()
    export = lawyer.get("/portal/koeer/jura/?export=xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).worksheets[0].iter_rows(values_only=True))
    assert any(secret.number in row for row in rows)
    manager = client_for(portal.world.manager)
    assert manager.get(f"/api/portal/cases/{secret.number}").json()["number"] == secret.number


def test_attachments_are_checked_stored_and_served_only_within_access(
    portal, settings, tmp_path
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    case = make_case(portal)
    client = client_for(portal.world.employee)
    url = f"/portal/sager/{case.number}/bilag/"
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    client.post(url, {"file": fake})
    assert not case.attachments.exists()
    exe = SimpleUploadedFile("prog.exe", b"MZ", "application/octet-stream")
    client.post(url, {"file": exe})
    assert not case.attachments.exists()
    pdf = SimpleUploadedFile("lønseddel.pdf", b"%PDF-1.7 data", "application/pdf")
    client.post(url, {"file": pdf})
    attachment = case.attachments.get()
    assert attachment.size == len(b"%PDF-1.7 data")
    download = f"{url}{attachment.pk}/"
    response = client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert client_for(portal.world.nobody).get(download).status_code == 404
    assert client_for(portal.caseworker).get(download).status_code == 200


def test_admin_edits_a_service_and_publishes_a_form_version(portal) -> None:
    client = client_for(portal.world.admin)
    assert "Fejl i lønnen" in client.get("/portal/katalog/").content.decode()
    url = "/portal/katalog/loen-fejl/"
    assert client.get(url).status_code == 200
    data = {
        "name": "Fejl i lønudbetalingen",
        "audience": "all",
        "default_queue": "loen",
        "first_response_hours": "4",
        "resolution_hours": "16,5",
        "retention_days": "1825",
        "is_active": "1",
        "fields": '[{"name": "month", "type": "date", "label": "Måned", "required": true}]',
    }
    assert client.post(url, {**data, "fields": "[{"}).status_code == 400
    bad = client.post(url, {**data, "fields": '[{"name": "x", "type": "nope"}]'})
    assert bad.status_code == 400
    portal.salary.refresh_from_db()
    assert portal.salary.name == "Fejl i lønnen"  # nothing half-written
    assert client.post(url, data).status_code == 302
    portal.salary.refresh_from_db()
    assert portal.salary.name == "Fejl i lønudbetalingen"
    assert str(portal.salary.resolution_hours) == "16.50"
    assert portal.salary.forms.count() == 2
    for user in (portal.caseworker, portal.world.employee):
        assert client_for(user).get(url).status_code == 403
        assert client_for(user).post(url, data).status_code == 403


def test_case_page_title_is_the_case_number_only(portal) -> None:
    """The browser tab and screen readers announce the case number, not the shortcut help;
    the keyboard-shortcut help is on the caseworker's page once."""
    case = make_case(portal)
    page = client_for(portal.caseworker).get(f"/portal/sager/{case.number}/").content.decode()
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title == f"{case.number} · Koncernservice"
    assert page.count('id="shortcuts-help"') == 1


def test_case_page_shows_the_answers_with_the_form_labels(portal) -> None:
    """The answers under the labels of the form version the case was made with, in its
    order, dates in Danish (not the field names and ISO dates as stored)."""
    case = make_case(portal)
    page = client_for(portal.caseworker).get(f"/portal/sager/{case.number}/").content.decode()
    assert "<dt>Lønmåned</dt><dd>01.03.2026</dd>" in page
    assert "<dt>Hvad er forkert?</dt><dd>løn</dd>" in page
    assert "<dt>month</dt>" not in page and "2026-03-01" not in page
    assert page.index("Lønmåned") < page.index("Hvad er forkert?")
    bonus = make_case(portal, answers={**GOOD, "kind": "tillæg", "amount": "1234,5"})
    page = client_for(portal.caseworker).get(f"/portal/sager/{bonus.number}/").content.decode()
    assert "<dt>Beløb</dt><dd>1.234,5</dd>" in page  # stored "1234.5"
