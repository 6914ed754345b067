"""Every link a demo user is shown works for that user.

The smallest demo municipality (all business areas) is crawled with the test client as each
demo user. Two promises are checked on every page reached: nothing answers with a server
error, and no page offers a link that the same user then gets 403 or 404 for (a link to a
page outside the user's rights is a dead end, and says that something exists). Exports
(Excel, PDF) are followed too. Up to two pages of each URL shape are visited per user.
"""

from __future__ import annotations

import pytest

from koncernservice.demo.services import demo_build
from tests.demo.crawl import crawl, signed_in

pytestmark = pytest.mark.django_db


def test_no_demo_user_is_shown_a_link_that_fails_for_them() -> None:
    summary = demo_build(scale="0.002")
    report, total = [], 0
    for user in summary.users:
        visited, problems = crawl(signed_in(user.username, user.password), pages=120, per_shape=2)
        assert visited >= 15, f"{user.username} reached only {visited} pages"
        total += visited
        report += [f"{user.username}: {problem}" for problem in problems]
    assert total >= 400, f"only {total} pages reached"
    assert not report, "links that fail for the user who is shown them:\n" + "\n".join(report)
