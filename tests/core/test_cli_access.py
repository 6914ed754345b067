"""CLI faces of organisation, roles and tokens, each checked against the acting user's roles."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from koncernservice.core.models import ApiToken, RoleAssignment
from tests.core.test_import import run

pytestmark = pytest.mark.django_db


def test_org_units_are_scoped_by_the_acting_user(world) -> None:
    code, out, _err = run("org", "units", "--as", "leder", "--json")
    assert code == 0
    assert {u["code"] for u in json.loads(out)["units"]} == {"BUF-HS", "BUF-HS-1"}
    code, out, _err = run("org", "units", "--json")  # the system operator sees everything
    assert len(json.loads(out)["units"]) == 6


def test_org_employees_masks_cpr_and_refuses_outside_scope(world) -> None:
    code, out, _err = run("org", "employees", "BUF-HS", "--subunits", "--as", "leder", "--json")
    assert code == 0
    rows = json.loads(out)["employments"]
    assert {r["name"] for r in rows} >= {"Lars Lærer", "Mette Leder"}
    assert all(r["cpr"].endswith("-****") for r in rows)
    code, _out, err = run("org", "employees", "SUF-PS", "--as", "leder", "--json")
    assert code == 2
    assert json.loads(err)["errors"][0]["code"] == "not_found"


def test_user_without_roles_reads_nothing_through_the_cli(world) -> None:
    code, out, _err = run("org", "units", "--as", "ingen", "--json")
    assert (code, json.loads(out)) == (0, {"units": []})
    code, _out, _err = run("org", "employees", "KK", "--as", "ingen", "--json")
    assert code == 2
    code, out, _err = run("access", "list", "--as", "ingen", "--json")
    assert json.loads(out) == {"assignments": []}


def test_unknown_acting_user_is_refused(world) -> None:
    code, _out, err = run("org", "units", "--as", "findes-ikke", "--json")
    assert code == 2
    assert json.loads(err)["errors"][0]["field"] == "--as"


def test_admin_grants_and_revokes_roles_and_it_is_audited(world) -> None:
    args = ["--user", "ingen", "--role", "manager", "--unit", "SUF-PS", "--reason", "Konstitueret"]
    code, _out, err = run("access", "grant", *args, "--as", "admin")
    assert code == 0, err
    assignment = RoleAssignment.objects.get(user=world.nobody, role="manager")
    from koncernservice.core.models import AuditEntry

    entry = AuditEntry.objects.get(content_type__model="roleassignment", object_id=assignment.pk)
    assert (entry.actor, entry.reason) == (world.admin, "Konstitueret")
    code, _out, _err = run("access", "revoke", *args, "--as", "admin")
    assert code == 0
    assert not RoleAssignment.objects.filter(user=world.nobody).exists()


def test_manager_cannot_grant_roles(world) -> None:
    code, _out, _err = run(
        "access", "grant", "--user", "ingen", "--role", "hr", "--unit", "BUF-HS", "--as", "leder"
    )
    assert code == 3
    assert not RoleAssignment.objects.filter(user=world.nobody).exists()


def test_token_created_by_cli_authenticates_the_api_and_can_be_revoked(world) -> None:
    code, out, _err = run("token", "create", "--user", "hr", "--name", "lønsystem", "--json")
    assert code == 0
    token = json.loads(out)
    client = Client(headers={"Authorization": f"Bearer {token['token']}"})
    assert client.get("/api/people").status_code == 200
    assert ApiToken.objects.get(prefix=token["prefix"]).key_hash != token["token"]
    code, _out, _err = run("token", "revoke", token["prefix"], "--json")
    assert code == 0
    assert client.get("/api/people").status_code == 401


def test_user_without_rights_cannot_create_tokens_for_others(world) -> None:
    code, _out, _err = run("token", "create", "--user", "hr", "--name", "x", "--as", "ingen")
    assert code == 3
    assert not ApiToken.objects.exists()
