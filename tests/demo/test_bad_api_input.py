"""Bad input into any API write never breaks the platform.

Every JSON write of the OpenAPI API (POST, PUT, PATCH) is called by each demo user with a
body built from its own schema and filled with garbage: numbers beyond any database column
(10^20), text where numbers and ids belong, empty text, negative numbers, dates at the ends
of the calendar. Each must answer with a client error (400, 403, 404, 409, 422) or
success, never a server error. This found a split with an entry id of 10^20 (SQLite could
not bind it).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from koncernservice.core import services
from koncernservice.core.models import User
from koncernservice.demo.services import demo_build

pytestmark = pytest.mark.django_db

GARBAGE = (
    {"integer": 10**20, "number": 1e20, "string": "9" * 20, "date": "2026-01-01"},
    {"integer": 2**62, "number": 99999999999999.99, "string": "abc<x>ÆØÅ", "date": "9999-12-31"},
    {"integer": -1, "number": -1.5, "string": "", "date": "0001-01-01"},
)


def _body(schema: dict, components: dict, garbage: dict, depth: int = 0) -> Any:
    """A value of the schema's shape, every leaf garbage of its type."""
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    for key in ("anyOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _body(options[0], components, garbage, depth) if options else None
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            name: _body(sub, components, garbage, depth + 1)
            for name, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [_body(schema.get("items", {}), components, garbage, depth + 1)] if depth < 4 else []
    if "enum" in schema:
        return schema["enum"][0]
    if kind in ("integer", "number"):
        return garbage[kind]
    if kind == "boolean":
        return True
    if schema.get("format") == "date":
        return garbage["date"]
    return garbage["string"]


def test_garbage_in_every_api_write_gets_a_client_error_not_a_server_error() -> None:
    from koncernservice.api import api

    summary = demo_build(scale="0.002")
    spec = api.get_openapi_schema()
    components = spec["components"]["schemas"]
    writes = [
        (method, path, op["requestBody"]["content"]["application/json"]["schema"])
        for path, operations in spec["paths"].items()
        for method, op in operations.items()
        if method in ("post", "put", "patch")
        and "application/json" in op.get("requestBody", {}).get("content", {})
    ]
    assert len(writes) >= 25
    failures, sent = [], 0
    for demo_user in summary.users:
        user = User.objects.get(username=demo_user.username)
        _token, raw = services.api_token_create(actor=user, user=user, name="bad input")
        client = Client(headers={"Authorization": f"Bearer {raw}"}, raise_request_exception=False)
        for method, path, schema in writes:
            # the demo's first case number and id 1 (which exists for most objects)
            url = re.sub(r"\{[a-z_]+\}", "1", path.replace("{number}", "KS-2025-000001"))
            for garbage in GARBAGE:
                body = json.dumps(_body(schema, components, garbage))
                response = getattr(client, method)(url, body, content_type="application/json")
                sent += 1
                if response.status_code >= 500:
                    failures.append(
                        f"{demo_user.username}: {method.upper()} {url} with "
                        f"{garbage['string'][:8]!r}: {response.status_code}"
                    )
    assert sent >= 500
    assert not failures, "server errors on bad input:\n" + "\n".join(failures)
