"""Accounts-payable API: validate and upload files, the scoped inbox, coding and approval,
payments; problem details on bad input; outside the scope is 404."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from koncernservice.finance.models import Invoice, InvoiceDocument
from koncernservice.finance.xmlgen import render
from tests.core.test_api import token_client
from tests.finance.ap import spec_for


def post_json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_validate_stores_nothing(ap) -> None:
    client = token_client(ap.world.manager)
    data = render(spec_for(ap.world.school), "peppol")
    response = client.post(
        "/api/finance/invoices/validate", {"file": SimpleUploadedFile("a.xml", data)}
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"file": "a.xml", "format": "peppol", "valid": True, "errors": []}
    assert Invoice.objects.count() == 0


def test_upload_then_code_attest_approve(ap) -> None:
    finance = token_client(ap.finance)
    spec = spec_for(ap.world.school)
    response = finance.post(
        "/api/finance/invoices", {"file": SimpleUploadedFile("a.xml", render(spec, "oioubl"))}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["format"], body["invoice_status"]) == (
        "received",
        "oioubl",
        "to_code",
    )
    invoice_id = body["invoice"]
    manager = token_client(ap.world.manager)
    listing = manager.get("/api/finance/invoices?queue=to_code").json()
    assert [i["id"] for i in listing] == [invoice_id]
    detail = manager.get(f"/api/finance/invoices/{invoice_id}").json()
    lines = [
        {"line_id": line["id"], "account": "22110", "cost_centre": "CC"} for line in detail["lines"]
    ]
    coded = post_json(manager, f"/api/finance/invoices/{invoice_id}/code", {"lines": lines})
    assert coded.json()["status"] == "to_attest"
    assert (
        post_json(manager, f"/api/finance/invoices/{invoice_id}/attest", {}).json()["status"]
        == "to_approve"
    )
    refused = post_json(manager, f"/api/finance/invoices/{invoice_id}/approve", {})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "segregation_of_duties"
    approved = post_json(
        token_client(ap.manager2), f"/api/finance/invoices/{invoice_id}/approve", {}
    )
    assert approved.json()["status"] == "approved"
    raw = manager.get(f"/api/finance/invoices/{invoice_id}/document")
    assert raw.content == render(spec, "oioubl")


def test_unreadable_upload_is_a_problem_and_stores_nothing(ap) -> None:
    response = token_client(ap.finance).post(
        "/api/finance/invoices", {"file": SimpleUploadedFile("scan.pdf", b"%PDF-1.7 ...")}
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["code"] == "not-xml"
    assert InvoiceDocument.objects.count() == 0


def test_outside_scope_is_404_and_only_finance_pays(ap) -> None:
    finance = token_client(ap.finance)
    body = finance.post(
        "/api/finance/invoices",
        {"file": SimpleUploadedFile("a.xml", render(spec_for(ap.world.nursing_home), "peppol"))},
    ).json()
    manager = token_client(ap.world.manager)
    assert manager.get(f"/api/finance/invoices/{body['invoice']}").status_code == 404
    assert token_client(ap.world.nobody).get("/api/finance/invoices").json() == []
    assert (
        manager.post(
            "/api/finance/invoices", {"file": SimpleUploadedFile("a.xml", b"<x/>")}
        ).status_code
        == 403
    )
    assert (
        post_json(manager, "/api/finance/payments/proposals", {"until": "2030-01-01"}).status_code
        == 403
    )
    proposal = post_json(finance, "/api/finance/payments/proposals", {"until": "2030-01-01"})
    assert proposal.status_code == 200 and proposal.json()["payments"] == 0


def test_approval_limits_and_substitutes_over_the_api(ap) -> None:
    from koncernservice.core.models import AuditEntry
    from koncernservice.finance.models import ApprovalLimit, Substitution

    world = ap.world
    finance = token_client(ap.finance)
    body = {"unit_id": world.school.pk, "role": "manager", "max_amount": "25000.00"}
    response = finance.put(
        "/api/finance/approval-limits", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["max_amount"] == "25000.00"
    limit = ApprovalLimit.objects.get(unit=world.school, role="manager")
    assert AuditEntry.objects.filter(object_id=str(limit.pk)).exists()
    listed = finance.get("/api/finance/approval-limits").json()
    assert [(x["unit_id"], x["role"], x["max_amount"]) for x in listed] == [
        (world.school.pk, "manager", "25000.00")
    ]
    # An unknown role is a problem naming the field; nothing changes.
    bad = finance.put(
        "/api/finance/approval-limits",
        data=json.dumps({**body, "role": "chef", "max_amount": "1"}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and "role" in bad.content.decode()
    # A manager cannot set limits: 404 for the unit, the limit is as it was; sees no limits.
    manager = token_client(world.manager)
    refused = manager.put(
        "/api/finance/approval-limits",
        data=json.dumps({**body, "max_amount": "999999"}),
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert manager.get("/api/finance/approval-limits").json() == []
    assert ApprovalLimit.objects.get(pk=limit.pk).max_amount == 25000
    # A manager names a substitute for their own absence; the end before the start is refused.
    made = post_json(
        manager,
        "/api/finance/substitutions",
        {"substitute": "leder2", "starts_on": "2026-07-01", "ends_on": "2026-07-21"},
    )
    assert made.status_code == 201, made.content
    assert made.json()["absent"] == world.manager.username
    reversed_dates = post_json(
        manager,
        "/api/finance/substitutions",
        {"substitute": "leder2", "starts_on": "2026-07-21", "ends_on": "2026-07-01"},
    )
    assert reversed_dates.status_code == 400
    assert Substitution.objects.count() == 1
    # Someone else cannot end one (404, unchanged); the manager ends one before it begins.
    import datetime as dt

    from django.utils import timezone

    soon = timezone.localdate() + dt.timedelta(days=30)
    made = post_json(
        manager,
        "/api/finance/substitutions",
        {"substitute": "leder2", "starts_on": str(soon), "ends_on": str(soon)},
    )
    made_id = made.json()["id"]
    outsider = token_client(world.nobody)
    assert outsider.delete(f"/api/finance/substitutions/{made_id}").status_code == 404
    assert Substitution.objects.filter(pk=made_id).exists()
    assert manager.delete(f"/api/finance/substitutions/{made_id}").status_code == 204
    assert not Substitution.objects.filter(pk=made_id).exists()
