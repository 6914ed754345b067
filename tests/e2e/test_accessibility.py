"""WCAG 2.1 A and AA, checked by axe-core in Chromium on the pages people use.

The demo municipality is built small; each user (administrator, caseworker, manager,
employee) follows the links of every page from the landing page, one page per URL pattern
(``/finans/faktura/17/`` stands for every invoice), and axe-core checks each page against
the WCAG 2.1 A and AA rules. Any violation fails, named with the page, the rule and the
element. HTML does not depend on the database, so this runs on SQLite only.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the HTML is the same on PostgreSQL"),
]

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
# Links that are not pages: downloads, exports, the API and logging out.
NOT_PAGES = re.compile(r"/api/|/static/|/media/|export|/dokument/|/bilag/|/fil/|\.(pdf|xml|xlsx)$")
# Pages (new URL patterns) per user: the administrator reaches most; the others add the
# pages only they have (their own cases, pay, time registration, ...).
PAGES_PER_USER = {"admin": 60, "sagsbehandler": 15, "leder": 15, "medarbejder": 15}
# Pages checked whether or not the crawl reaches them (forms changed recently: the rates
# page, a service's units, the call form's team, the shortcut keys of the queue page).
ALWAYS = {
    "admin": ["/finans/valutakurser/", "/portal/katalog/loen-fejl/"],
    "sagsbehandler": ["/portal/opkald/", "/portal/koeer/loen/"],
}


def _crawl(page, base: str, axe, limit: int, patterns: set[str]) -> tuple[int, list[str]]:
    """Check up to ``limit`` pages whose URL pattern is not in ``patterns`` yet."""
    host = urlparse(base).netloc
    queue, checked, problems = ["/"], 0, []
    seen: set[str] = set()  # patterns visited by this user (checked or only followed)
    while queue and checked < limit and len(seen) < 3 * limit:
        path = queue.pop(0)
        pattern = re.sub(r"\d+", "N", path)
        if pattern in seen:
            continue
        seen.add(pattern)
        response = page.goto(base + path)
        if response is None or response.status != 200:
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        if pattern not in patterns:
            patterns.add(pattern)
            checked += 1
            problems += _violations(page, axe, path)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            url = urlparse(urljoin(base + path, href))
            if url.netloc == host and not NOT_PAGES.search(url.path):
                queue.append(url.path)
    return checked, problems


def _violations(page, axe, path: str) -> list[str]:
    problems = []
    for violation in axe.run(page, options=WCAG_21_AA).response["violations"]:
        node = violation["nodes"][0]
        problems.append(
            f"{path}: {violation['id']} ({violation['impact']}, {len(violation['nodes'])}×) "
            f"{node['target']} {node.get('html', '')[:160]}"
        )
    return problems


def test_pages_meet_wcag_21_aa(live_server, transactional_db, browser) -> None:
    from axe_playwright_python.sync_playwright import Axe

    from koncernservice.demo.services import demo_build

    password = demo_build(scale="0.002").users[0].password
    axe = Axe()
    base = live_server.url
    report, total, patterns = [], 0, set()
    for username, limit in PAGES_PER_USER.items():
        context = browser.new_context(locale="da-DK")
        page = context.new_page()
        page.goto(f"{base}/login/")
        page.get_by_label("Brugernavn").fill(username)
        page.get_by_label("Adgangskode").fill(password)
        page.get_by_role("button", name="Log ind").click()
        page.wait_for_url(f"{base}/")
        checked, problems = _crawl(page, base, axe, limit, patterns)
        for path in ALWAYS.get(username, []):
            response = page.goto(base + path)
            assert response is not None and response.status == 200, (username, path)
            problems += _violations(page, axe, path)
        total += checked
        report += [f"{username} {p}" for p in problems]
        context.close()
    assert total >= 70, f"only {total} pages reached"
    assert not report, "WCAG 2.1 AA violations:\n" + "\n".join(report)
