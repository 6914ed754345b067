"""Every link a demo user is shown works for that user.

The smallest demo municipality (all business areas) is crawled with the test client as each
demo user. Two promises are checked on every page reached: nothing answers with a server
error, and no page offers a link that the same user then gets 403 or 404 for (a link to a
page outside the user's rights is a dead end, and says that something exists). Exports
(Excel, PDF) are followed too. Up to two pages of each URL shape are visited per user.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urljoin, urlparse

import pytest
from django.test import Client

from koncernservice.demo.services import demo_build

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="([^"#]*)"')
# Not pages of the platform: the API's browser, static files, logging out (a POST form).
NOT_PAGES = re.compile(r"^/(api/docs|static/|logout)")
PER_SHAPE = 2
PAGES_PER_USER = 120


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?")[0])


def _crawl(client: Client) -> tuple[int, list[str]]:
    """Follow links breadth-first from the front page; the problems found."""
    queue: list[tuple[str, str]] = [("/", "")]
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    problems: list[str] = []
    visited = 0
    while queue and visited < PAGES_PER_USER:
        path, source = queue.pop(0)
        if path in seen or shapes[_shape(path)] >= PER_SHAPE:
            continue
        seen.add(path)
        shapes[_shape(path)] += 1
        visited += 1
        response = client.get(path)
        if response.status_code >= 500 or response.status_code in (403, 404):
            problems.append(f"{path} (linked from {source or 'the start'}): {response.status_code}")
            continue
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        for href in HREF.findall(response.content.decode()):
            url = urlparse(urljoin(path, href.replace("&amp;", "&")))
            if url.netloc or NOT_PAGES.search(url.path):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if target not in seen:
                queue.append((target, path))
    return visited, problems


def test_no_demo_user_is_shown_a_link_that_fails_for_them() -> None:
    summary = demo_build(scale="0.002")
    report, total = [], 0
    for user in summary.users:
        client = Client()
        response = client.post("/login/", {"username": user.username, "password": user.password})
        assert response.status_code == 302, user.username
        visited, problems = _crawl(client)
        assert visited >= 15, f"{user.username} reached only {visited} pages"
        total += visited
        report += [f"{user.username}: {problem}" for problem in problems]
    assert total >= 400, f"only {total} pages reached"
    assert not report, "links that fail for the user who is shown them:\n" + "\n".join(report)
