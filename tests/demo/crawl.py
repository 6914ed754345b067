"""Crawling the demo as a signed-in user with Django's test client (tests of links and forms)."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlparse

from django.test import Client

HREF = re.compile(r'href="([^"#]*)"')
# Not pages of the platform: the API's browser, static files, logging out (a POST form).
NOT_PAGES = re.compile(r"^/(api/docs|static/|logout)")
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', re.I)
HIDDEN = re.compile(r'<input\b[^>]*\btype="hidden"[^>]*>', re.I)
SELECT = re.compile(r'<select\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>', re.S | re.I)
OPTION = re.compile(r'<option\b[^>]*\bvalue="([^"]+)"', re.I)
BUTTON = re.compile(r'<button\b[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"', re.I)


@dataclass(frozen=True)
class PostForm:
    page: str
    action: str
    fields: tuple[str, ...]
    button: tuple[str, str] | None  # the first named submit button, as a browser sends it
    kept: tuple[tuple[str, str], ...]  # hidden fields' values and each list's first choice


def signed_in(username: str, password: str) -> Client:
    client = Client(raise_request_exception=False)  # report every failure, not the first
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, username
    return client


def _attribute(tag: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return html.unescape(found.group(1)) if found else None


def post_forms(page: str, body: str) -> Iterator[PostForm]:
    """The page's POST forms (not the language switch)."""
    for attributes, inner in FORM.findall(body):
        if (_attribute(attributes, "method") or "get").lower() != "post":
            continue
        action = urlparse(urljoin(page, _attribute(attributes, "action") or page)).path
        if NOT_PAGES.search(action) or action.startswith("/i18n/"):
            continue
        fields = tuple(name for name in FIELD.findall(inner) if name != "csrfmiddlewaretoken")
        buttons = BUTTON.findall(inner)
        kept = [
            (name, html.unescape(value))
            for tag in HIDDEN.findall(inner)
            if (name := _attribute(tag, "name")) and (value := _attribute(tag, "value"))
        ]
        for name, options in SELECT.findall(inner):
            choices = OPTION.findall(options)
            if choices:
                kept.append((name, html.unescape(choices[0])))
        yield PostForm(page, action, fields, buttons[0] if buttons else None, tuple(kept))


def crawl(
    client: Client,
    *,
    pages: int,
    per_shape: int,
    on_page: Callable[[str, str], None] | None = None,
) -> tuple[int, list[str]]:
    """Follow links breadth-first from the front page, up to ``per_shape`` pages of each URL
    shape (digits ignored). Returns the pages visited and the problems: a server error, or
    a link that answers 403/404 for the user it was shown to. ``on_page(path, html)`` sees
    every HTML page."""
    queue: list[tuple[str, str]] = [("/", "")]
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    problems: list[str] = []
    visited = 0
    while queue and visited < pages:
        path, source = queue.pop(0)
        shape = re.sub(r"\d+", "N", path.split("?")[0])
        if path in seen or shapes[shape] >= per_shape:
            continue
        seen.add(path)
        shapes[shape] += 1
        visited += 1
        response = client.get(path)
        if response.status_code >= 500 or response.status_code in (403, 404):
            problems.append(f"{path} (linked from {source or 'the start'}): {response.status_code}")
            continue
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        body = response.content.decode()
        if on_page is not None:
            on_page(path, body)
        for href in HREF.findall(body):
            url = urlparse(urljoin(path, html.unescape(href)))
            if url.netloc or NOT_PAGES.search(url.path):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if target not in seen:
                queue.append((target, path))
    return visited, problems
