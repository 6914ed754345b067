"""Bad input into any form never breaks the platform.

Every POST form the demo users reach is sent back with garbage: text where an id or a
number belongs, and a 20-digit number (more than a database column holds: PostgreSQL refuses
it, SQLite does not) — once in every field, and once only in the fields a person types into
(hidden fields and lists keep a valid value, so the garbage gets past the first check). Each
must answer with a page or a redirect (the form's own messages), never a server error. The
bugs this found: a unit id "abc" in the position request and the purchase order forms, an
hour of twenty digits in the week, and a received quantity of twenty digits on PostgreSQL.
"""

from __future__ import annotations

import itertools

import pytest

from koncernservice.demo.services import demo_build
from tests.demo.crawl import PostForm, crawl, post_forms, signed_in

pytestmark = pytest.mark.django_db

GARBAGE = ("abc<x>ÆØÅ", "9" * 20)


def test_garbage_in_every_form_gets_an_answer_not_a_server_error() -> None:
    summary = demo_build(scale="0.002")
    failures: list[str] = []
    sent = 0
    for user in summary.users:
        client = signed_in(user.username, user.password)
        forms: dict[tuple[str, tuple[str, ...]], PostForm] = {}

        def collect(path: str, body: str, forms: dict = forms) -> None:
            for form in post_forms(path, body):
                forms.setdefault((form.action, form.fields), form)

        crawl(client, pages=60, per_shape=1, on_page=collect)
        for form in forms.values():
            for garbage, keep in itertools.product(GARBAGE, (False, True)):
                data = dict.fromkeys(form.fields, garbage)
                if keep:
                    data.update(form.kept)
                if form.button:
                    data[form.button[0]] = form.button[1]
                response = client.post(form.action, data)
                sent += 1
                if response.status_code >= 500:
                    failures.append(
                        f"{user.username}: {form.action} (form on {form.page}) with "
                        f"{garbage[:12]!r}{' (valid choices kept)' if keep else ''}: "
                        f"{response.status_code}"
                    )
    assert sent >= 150, f"only {sent} forms sent"
    assert not failures, "server errors on bad input:\n" + "\n".join(failures)
