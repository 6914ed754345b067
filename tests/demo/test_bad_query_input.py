"""Bad input in a page's query string never breaks the platform.

For every page the demo users reach, each query parameter the page itself uses (in its links
and in its search and filter forms) is sent with garbage: text, and a 20-digit number (more
than a database integer or a LIMIT holds). Each must answer with a page, a redirect or a
client error, never a server error. This found the queue list's pager passing a page number
of twenty digits to SQLite's LIMIT (the demo's lists fit on one page, so ``page`` is
tried on every page with a list).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlparse

import pytest

from koncernservice.demo.services import demo_build
from tests.demo.crawl import FORM, HREF, crawl, signed_in

pytestmark = pytest.mark.django_db

GARBAGE = ("abc<x>ÆØÅ", "9" * 20)
NAME = re.compile(r'\bname="([a-z_]+)"')
USERS = ("admin", "sagsbehandler", "oekonomi", "hr", "leder", "medarbejder")


def _parameters(path: str, body: str) -> set[str]:
    """The query parameters the page's own links and GET forms send to itself."""
    names = set()
    for href in HREF.findall(body):
        url = urlparse(href.replace("&amp;", "&"))
        if url.path in ("", path):
            names.update(name for name, _value in parse_qsl(url.query, keep_blank_values=True))
    for attributes, inner in FORM.findall(body):
        if 'method="post"' not in attributes.lower():
            names.update(NAME.findall(inner))
    if 'id="table-region"' in body:
        names.add("page")  # every list pages, though a small demo's lists fit on one
    names.discard("csrfmiddlewaretoken")
    return names


def test_garbage_in_every_query_parameter_gets_an_answer_not_a_server_error() -> None:
    summary = demo_build(scale="0.002")
    failures: list[str] = []
    sent = 0
    for user in summary.users:
        if user.username not in USERS:
            continue
        client = signed_in(user.username, user.password)
        found: dict[str, set[str]] = {}

        def collect(path: str, body: str, found: dict = found) -> None:
            found.setdefault(path.split("?")[0], set()).update(_parameters(path, body))

        crawl(client, pages=60, per_shape=1, on_page=collect)
        for path, names in found.items():
            for name in sorted(names):
                for garbage in GARBAGE:
                    url = f"{path}?{urlencode({name: garbage})}"
                    response = client.get(url)
                    sent += 1
                    if response.status_code >= 500:
                        failures.append(f"{user.username}: {url}: {response.status_code}")
    assert sent >= 300, f"only {sent} requests sent"
    assert not failures, "server errors on bad query strings:\n" + "\n".join(failures)
