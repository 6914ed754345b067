"""Split, link, merge and parent/child cases (services and pages), attachments and calls in
the API, and linking a call to an existing case."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from koncernservice.core.access import AccessDenied
from koncernservice.core.errors import DomainError
from koncernservice.portal import selectors, services
from koncernservice.portal.models import Call, Case, CaseAccess, CaseEntry, CaseLink

from .test_views import client_for, make_case

pytestmark = pytest.mark.django_db


# --- Split ---------------------------------------------------------------------------------


def test_split_copies_chosen_entries_and_links_the_cases(portal) -> None:
    case = make_case(portal)
    first = services.case_reply(actor=portal.world.employee, case=case, body="Også min pension")
    services.case_reply(actor=portal.world.employee, case=case, body="Og lønnen i april")
    note = services.case_reply(actor=portal.caseworker, case=case, body="Internt", internal=True)
    new = services.case_split(
        actor=portal.caseworker,
        case=case,
        title="Pension",
        description="Delt ud",
        entries=[first.pk, note.pk],
    )
    assert new.number != case.number and new.number.endswith("000002")
    assert (new.requester_id, new.unit_id, new.service_id, new.queue_id) == (
        case.requester_id,
        case.unit_id,
        case.service_id,
        case.queue_id,
    )
    copied = list(new.entries.exclude(kind="event").values_list("kind", "body"))
    assert copied == [("reply", "Også min pension"), ("note", "Internt")]
    assert CaseLink.objects.filter(source=new, target=case).exists()
    assert set(new.timers.values_list("kind", flat=True)) == {"first_response", "resolution"}
    assert case.entries.filter(event="split_to", data__case=new.number).exists()
    related = selectors.related_cases(user=portal.caseworker, case=case)
    assert related["links"] == [new]


def test_split_rejects_bad_input_and_writes_nothing(portal) -> None:
    case = make_case(portal)
    other = make_case(portal, title="Andet")
    foreign = services.case_reply(actor=portal.world.employee, case=other, body="Fremmed")
    before = (Case.objects.count(), CaseEntry.objects.count())
    with pytest.raises(DomainError) as caught:
        services.case_split(actor=portal.caseworker, case=case, title=" ", entries=[foreign.pk])
    assert {e.field for e in caught.value.errors} == {"title", "entries"}
    assert (Case.objects.count(), CaseEntry.objects.count()) == before
    with pytest.raises(AccessDenied):
        services.case_split(actor=portal.world.employee, case=case, title="Mit eget")
    with pytest.raises(DomainError):  # a confidential case is 404 to the caseworker
        services.case_split(actor=portal.caseworker, case=_secret(portal), title="x")
    assert Case.objects.count() == before[0] + 1  # only the secret case was created


def _secret(portal):
    return make_case(
        portal,
        user=portal.world.manager,
        service=portal.dismissal,
        answers={},
        title="Afskedigelse",
    )


def test_split_of_a_confidential_case_stays_confidential_with_its_grants(portal) -> None:
    secret = _secret(portal)
    services.case_grant_access(actor=portal.lawyer, case=secret, user=portal.world.hr)
    new = services.case_split(actor=portal.lawyer, case=secret, title="Del 2")
    assert new.confidential and new.queue == portal.law
    assert CaseAccess.objects.filter(case=new, user=portal.world.hr).exists()
    for user in (portal.world.admin, portal.caseworker):
        with pytest.raises(Http404):
            selectors.case_get(user=user, number=new.number)


# --- Parent/child, links --------------------------------------------------------------------


def test_parent_child_without_loops(portal) -> None:
    a, b, c = make_case(portal), make_case(portal), make_case(portal)
    services.case_set_parent(actor=portal.caseworker, case=b, parent=a)
    services.case_set_parent(actor=portal.caseworker, case=c, parent=b)
    with pytest.raises(DomainError) as caught:
        services.case_set_parent(actor=portal.caseworker, case=a, parent=c)
    assert caught.value.errors[0].code == "loop"
    a.refresh_from_db()
    assert a.parent_id is None
    assert selectors.related_cases(user=portal.caseworker, case=a)["children"] == [b]
    services.case_set_parent(actor=portal.caseworker, case=c, parent=None)
    c.refresh_from_db()
    assert c.parent_id is None
    assert c.entries.filter(event="parent", data__to=None).exists()
    with pytest.raises(AccessDenied):
        services.case_set_parent(actor=portal.world.employee, case=a, parent=b)


def test_related_cases_leave_out_cases_the_user_cannot_see(portal) -> None:
    case, secret = make_case(portal), _secret(portal)
    # The lawyer (team of the confidential queue) works both and links them.
    services.case_grant_access(actor=portal.caseworker, case=case, user=portal.lawyer)
    services.case_link(actor=portal.lawyer, case=secret, other=case)
    assert selectors.related_cases(user=portal.lawyer, case=case)["links"] == [secret]
    assert selectors.related_cases(user=portal.caseworker, case=case)["links"] == []
    page = client_for(portal.caseworker).get(f"/portal/sager/{case.number}/").content.decode()
    assert secret.number not in page and "Afskedigelse" not in page
    assert services.case_unlink(actor=portal.caseworker, case=case, other=secret) == 1


# --- Pages ------------------------------------------------------------------------------------


def test_pages_link_parent_merge_and_split(portal) -> None:
    a, b = make_case(portal), make_case(portal, title="Samme sag igen")
    client = client_for(portal.caseworker)
    base = f"/portal/sager/{a.number}/"
    assert client.post(base + "link/", {"other": b.number.lower()}).status_code == 302
    assert CaseLink.objects.filter(source=a, target=b).exists()
    response = client.post(base + "link/", {"other": "KS-1999-000001"}, follow=True)
    assert "Der er ingen sag med det nummer, som du kan se." in response.content.decode()
    client.post(base + "overordnet/", {"parent": b.number})
    a.refresh_from_db()
    assert a.parent == b
    page = client.get(base).content.decode()
    assert 'id="related"' in page and b.number in page
    # Merge b into a: b's number leads to a from then on.
    client.post(f"/portal/sager/{b.number}/flet/", {"other": a.number})
    b.refresh_from_db()
    assert b.merged_into == a and b.state == "cancelled"
    response = client.get(f"/portal/sager/{b.number}/")
    assert response.status_code == 302 and response["Location"] == base
    # Split: the form, a Danish error, then the new case.
    reply = services.case_reply(actor=portal.world.employee, case=a, body="Noget nyt")
    split = base + "opdel/"
    assert client.get(split).status_code == 200
    response = client.post(split, {"title": "", "entries": [str(reply.pk)]})
    assert response.status_code == 400 and "Dette felt er påkrævet." in response.content.decode()
    response = client.post(split, {"title": "Nyt spørgsmål", "entries": [str(reply.pk)]})
    new = Case.objects.get(title="Nyt spørgsmål")
    assert response["Location"] == f"/portal/sager/{new.number}/"
    assert new.entries.filter(body="Noget nyt").exists()
    # The requester may not split (403); someone else gets 404.
    assert client_for(portal.world.employee).get(split).status_code == 403
    assert client_for(portal.world.nobody).get(split).status_code == 404


# --- API: attachments and calls ----------------------------------------------------------------


def test_api_attachments_within_the_case_visibility(portal, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    case = make_case(portal)
    url = f"/api/portal/cases/{case.number}/attachments"
    employee = client_for(portal.world.employee)
    bad = employee.post(url, {"file": SimpleUploadedFile("x.pdf", b"MZ not a pdf")})
    assert bad.status_code == 400 and not case.attachments.exists()
    good = employee.post(url, {"file": SimpleUploadedFile("kvittering.pdf", b"%PDF-1.7 data")})
    assert good.status_code == 201, good.content
    body = good.json()
    assert body["name"] == "kvittering.pdf" and body["size"] == len(b"%PDF-1.7 data")
    listed = client_for(portal.caseworker).get(url).json()
    assert [a["id"] for a in listed] == [body["id"]]
    download = client_for(portal.caseworker).get(f"{url}/{body['id']}")
    assert download.status_code == 200 and b"".join(download.streaming_content) == (
        b"%PDF-1.7 data"
    )
    outsider = client_for(portal.world.nobody)
    assert outsider.get(url).status_code == 404
    assert outsider.get(f"{url}/{body['id']}").status_code == 404
    upload = SimpleUploadedFile("y.pdf", b"%PDF-1.7 y")
    assert outsider.post(url, {"file": upload}).status_code == 404
    assert case.attachments.count() == 1


def test_api_calls_log_link_and_list_within_scope(portal) -> None:
    case = make_case(portal)
    secret = _secret(portal)
    desk = client_for(portal.caseworker)
    number = portal.world.employee.person.employments.first().employee_number
    created = desk.post(
        "/api/portal/calls",
        {
            "caller_employee_number": number,
            "service": "loen-fejl",
            "outcome": "resolved",
            "duration_seconds": 240,
            "case": case.number,
            "note": "Ringede om sagen",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["case"] == case.number
    assert case.entries.filter(kind="note", body="Ringede om sagen").exists()
    assert case.entries.filter(event="call", data__outcome="resolved").exists()
    # A case the desk cannot see is unknown, and nothing is logged.
    before = Call.objects.count()
    hidden = desk.post(
        "/api/portal/calls",
        {"outcome": "resolved", "case": secret.number},
        content_type="application/json",
    )
    assert hidden.status_code == 400 and Call.objects.count() == before
    both = desk.post(
        "/api/portal/calls",
        {
            "caller_employee_number": number,
            "service": "loen-fejl",
            "outcome": "case_created",
            "case": case.number,
        },
        content_type="application/json",
    )
    assert both.status_code == 400 and Call.objects.count() == before
    listed = desk.get("/api/portal/calls").json()
    assert listed["count"] == 1 and listed["items"][0]["duration_seconds"] == 240
    assert client_for(portal.world.nobody).get("/api/portal/calls").json()["count"] == 0
    assert (
        client_for(portal.world.employee)
        .post("/api/portal/calls", {"outcome": "resolved"}, content_type="application/json")
        .status_code
        == 403
    )


def test_call_page_links_an_existing_case(portal) -> None:
    case = make_case(portal)
    desk = client_for(portal.caseworker)
    response = desk.post(
        "/portal/opkald/",
        {
            "outcome": "transferred",
            "duration_seconds": "60",
            "case": case.number,
            "note": "Viderestillet",
        },
    )
    assert response.status_code == 302
    call = Call.objects.get()
    assert call.case == case and call.outcome == "transferred"
    response = desk.post("/portal/opkald/", {"outcome": "resolved", "case": "KS-2020-000009"})
    assert response.status_code == 400 and Call.objects.count() == 1


def test_api_link_parent_merge_and_split(portal) -> None:
    a, b = make_case(portal), make_case(portal, title="Samme igen")
    secret = _secret(portal)
    api = client_for(portal.caseworker)
    base = f"/api/portal/cases/{a.number}"
    linked = api.post(f"{base}/links", {"case": b.number}, content_type="application/json")
    assert linked.status_code == 201 and CaseLink.objects.filter(source=a, target=b).exists()
    hidden = api.post(f"{base}/links", {"case": secret.number}, content_type="application/json")
    assert hidden.status_code == 400 and not CaseLink.objects.filter(target=secret).exists()
    parent = api.put(f"{base}/parent", {"parent": b.number}, content_type="application/json")
    assert parent.status_code == 200 and parent.json()["parent"] == b.number
    a.refresh_from_db()
    assert a.parent == b
    loop = api.put(
        f"/api/portal/cases/{b.number}/parent",
        {"parent": a.number},
        content_type="application/json",
    )
    assert loop.status_code == 400
    # An entry id beyond a database id (SQLite could not bind it) is refused by the schema.
    before = Case.objects.count()
    for entry in (10**20, 0):
        refused = api.post(
            f"{base}/split",
            {"title": "Udskilt", "entries": [entry]},
            content_type="application/json",
        )
        assert refused.status_code == 422
    assert Case.objects.count() == before
    split = api.post(f"{base}/split", {"title": "Udskilt"}, content_type="application/json")
    assert split.status_code == 201 and split.json()["title"] == "Udskilt"
    merged = api.post(f"{base}/merge", {"case": b.number}, content_type="application/json")
    assert merged.status_code == 200 and merged.json()["number"] == b.number
    # In the API the merged case stays readable as cancelled (the page redirects its number).
    # Someone without rights gets 404 and changes nothing.
    assert api.get(base).json()["state"] == "cancelled"
    assert api.get(base).json()["merged_into"] == b.number
    outsider = client_for(portal.world.nobody)
    response = outsider.post(
        f"/api/portal/cases/{b.number}/split", {"title": "x"}, content_type="application/json"
    )
    assert response.status_code == 404
    # The requester may read but not work the case.
    requester = client_for(portal.world.employee)
    response = requester.post(
        f"/api/portal/cases/{b.number}/links", {"case": a.number}, content_type="application/json"
    )
    assert response.status_code == 403


def test_api_names_a_parent_or_merge_target_only_when_visible(portal) -> None:
    """A case whose parent (or the case it was merged into) is confidential shows the
    number to the parent's team, and ``null`` to everyone else, in detail and list."""
    case = make_case(portal)
    secret = _secret(portal)
    Case.objects.filter(pk=case.pk).update(parent=secret, merged_into=secret)
    api = client_for(portal.caseworker)
    detail = api.get(f"/api/portal/cases/{case.number}").json()
    assert (detail["parent"], detail["merged_into"]) == (None, None)
    listed = {c["number"]: c for c in api.get("/api/portal/cases?limit=100").json()["items"]}
    assert listed[case.number]["parent"] is None
    assert listed[case.number]["merged_into"] is None
    assert secret.number not in str(listed)
