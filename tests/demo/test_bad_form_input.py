"""Bad input into any form never breaks the platform.

Every POST form the demo users reach is sent back with every field set to garbage: text
where an id or a number belongs, and a 20-digit number (more than a database integer holds:
PostgreSQL refuses it, SQLite does not). Each must answer with a page or a redirect (the
form's own messages), never a server error — the bugs this found were a unit id "abc" in
the position request and the purchase order forms and an hour of twenty digits in the week.
"""

from __future__ import annotations

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
            for garbage in GARBAGE:
                data = dict.fromkeys(form.fields, garbage)
                if form.button:
                    data[form.button[0]] = form.button[1]
                response = client.post(form.action, data)
                sent += 1
                if response.status_code >= 500:
                    failures.append(
                        f"{user.username}: {form.action} (form on {form.page}) with "
                        f"{garbage[:12]!r}: {response.status_code}"
                    )
    assert sent >= 150, f"only {sent} forms sent"
    assert not failures, "server errors on bad input:\n" + "\n".join(failures)
