"""Query counts of the portal's read pages (the load test's mix), pinned: each page costs a
fixed number of queries whatever the number of rows, and no query is sent twice. Also the
list pages' rows built in Python (``core.tables.Table.body``) escape what they show, and a
big queue's pager counts only so far (``CappedPaginator``)."""

from __future__ import annotations

import collections

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from koncernservice.core import access
from koncernservice.core.models import RoleAssignment
from koncernservice.portal import selectors, services, views
from koncernservice.portal.models import Case

pytestmark = pytest.mark.django_db

GOOD = {"month": "01-03-2026", "kind": "løn"}

# Per request: the session with its user (one statement), the user's roles (navigation and
# scopes), and for the pages reading cases the user's grants and teams (one query,
# ``_grants_and_teams``).
# A list's first page reads its rows and one more first: when they fit on the page their
# number is the count (no counting query; core.tables.Table.page).
EXPECTED = {
    "my cases": 4,  # + page of cases (with service and SLA columns)
    "employee case page": 10,
    "caseworker case page": 15,
    "queue list": 8,  # + queue, saved views, lead?, page (names as subqueries), team
    "queue list, all states": 8,
    "search": 6,
}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_cases(portal, n: int, title: str = "Forkert løn i marts") -> list[Case]:
    return [
        services.case_create(
            actor=portal.world.employee, service=portal.salary, title=title, answers=GOOD
        )
        for _ in range(n)
    ]


def queries(client: Client, url: str) -> list[str]:
    client.get(url)  # warm: nothing cached across requests may hide a query
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in ctx.captured_queries]


def pages(portal, case: Case) -> dict[str, tuple[Client, str]]:
    employee, worker = client_for(portal.world.employee), client_for(portal.caseworker)
    return {
        "my cases": (employee, "/portal/mine/"),
        "employee case page": (employee, f"/portal/sager/{case.number}/"),
        "caseworker case page": (worker, f"/portal/sager/{case.number}/"),
        "queue list": (worker, "/portal/koeer/loen/"),
        "queue list, all states": (worker, "/portal/koeer/loen/?state=all"),
        "search": (worker, "/portal/soeg/?q=marts"),
    }


def test_read_pages_cost_a_fixed_number_of_queries_whatever_the_rows(portal) -> None:
    first = make_cases(portal, 2)
    few = {name: queries(*page) for name, page in pages(portal, first[0]).items()}
    make_cases(portal, 12)
    Case.objects.filter(pk=first[1].pk).update(state="resolved")
    many = {name: queries(*page) for name, page in pages(portal, first[0]).items()}
    for name, sqls in many.items():
        assert len(sqls) == len(few[name]), name  # no query per row
        repeated = [sql for sql, n in collections.Counter(sqls).items() if n > 1]
        assert not repeated, (name, repeated)
    counts = {name: len(sqls) for name, sqls in many.items()}
    if connection.vendor == "postgresql":  # the search reads in two bounded steps there
        counts["search"] -= 1
    assert counts == EXPECTED


def test_list_rows_are_escaped(portal) -> None:
    make_cases(portal, 1, title='<script>alert("x")</script> & løn')
    for user, url in (
        (portal.world.employee, "/portal/mine/"),
        (portal.caseworker, "/portal/koeer/loen/"),
    ):
        page = client_for(user).get(url).content.decode()
        assert "<script>alert" not in page, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; løn" in page, url


def test_queue_list_checkbox_per_row_and_empty_list(portal) -> None:
    case = make_cases(portal, 1)[0]
    page = client_for(portal.caseworker).get("/portal/koeer/loen/").content.decode()
    assert (
        f'<input type="checkbox" name="cases" value="{case.number}" '
        f'aria-label="Vælg {case.number}">' in page
    )
    empty = client_for(portal.caseworker).get("/portal/koeer/loen/?state=closed")
    assert '<td colspan="10">Ingen rækker.</td>' in empty.content.decode()


def test_a_big_queue_is_counted_only_as_far_as_the_pager_needs(portal, monkeypatch) -> None:
    monkeypatch.setattr(views, "QUEUE_COUNT_CAP", 2)
    monkeypatch.setattr("django.conf.settings.KS_PAGE_SIZE", 2)
    cases = make_cases(portal, 7)
    client = client_for(portal.caseworker)
    page = client.get("/portal/koeer/loen/?state=all&sort=created_at").content.decode()
    assert "mere end 2 rækker" in page and "Side 1<" in page and "page=2" in page
    assert cases[0].number in page and cases[2].number not in page
    # Page 3: counted one row past it (7 > 6), so it exists and has a next page.
    page = client.get("/portal/koeer/loen/?state=all&sort=created_at&page=3").content.decode()
    assert cases[4].number in page and "mere end 6 rækker" in page and "page=4" in page
    # The last page: fewer rows than the limit, so the count is exact again.
    page = client.get("/portal/koeer/loen/?state=all&sort=created_at&page=4").content.decode()
    assert cases[6].number in page and "7 rækker" in page and "Side 4 af 4" in page
    # A page far past the end (twenty digits: SQLite cannot bind such a LIMIT) is the last.
    response = client.get(f"/portal/koeer/loen/?state=all&sort=created_at&page={'9' * 20}")
    assert response.status_code == 200 and "Side 4 af 4" in response.content.decode()
    # Below the cap the count is exact.
    monkeypatch.setattr(views, "QUEUE_COUNT_CAP", 100)
    page = client.get("/portal/koeer/loen/?state=all").content.decode()
    assert "7 rækker" in page and "Side 1 af 4" in page


def test_a_full_first_page_is_counted_and_one_that_fits_is_not(portal, monkeypatch) -> None:
    monkeypatch.setattr("django.conf.settings.KS_PAGE_SIZE", 3)
    make_cases(portal, 3)
    client = client_for(portal.world.employee)
    fits = queries(client, "/portal/mine/")
    assert not [sql for sql in fits if "COUNT(" in sql.upper()]
    page = client.get("/portal/mine/").content.decode()
    assert "3 rækker" in page and "Side 1 af 1" in page and "page=2" not in page
    make_cases(portal, 1)
    full = queries(client, "/portal/mine/")
    assert len([sql for sql in full if "COUNT(" in sql.upper()]) == 1
    page = client.get("/portal/mine/").content.decode()
    assert "4 rækker" in page and "Side 1 af 2" in page and "page=2" in page
    page = client.get("/portal/mine/?page=2").content.decode()
    assert "4 rækker" in page and "Side 2 af 2" in page


def test_the_visibility_filter_kept_for_the_request_follows_a_change_of_roles(portal) -> None:
    """cases_visible builds its filter once per request; when the user's roles are read
    again (access.forget_cached_roles, as a role change does) the filter follows them."""
    case = make_cases(portal, 1)[0]
    nobody = portal.world.nobody
    assert not selectors.cases_visible(user=nobody).filter(pk=case.pk).exists()
    assert not selectors.cases_visible(user=nobody).filter(pk=case.pk).exists()  # kept
    RoleAssignment.objects.create(user=nobody, role="caseworker", unit=portal.world.root)
    access.forget_cached_roles(nobody)
    assert selectors.cases_visible(user=nobody).filter(pk=case.pk).exists()
    Case.objects.filter(pk=case.pk).update(confidential=True)
    assert not selectors.cases_visible(user=nobody).filter(pk=case.pk).exists()


def test_the_assignee_on_the_case_page_costs_no_query_of_its_own(portal) -> None:
    """The assignee is a member of the case's team, which the caseworker's page reads anyway:
    an assigned case's page sends as many queries as an unassigned one's and names them."""
    case = make_cases(portal, 1)[0]
    worker = client_for(portal.caseworker)
    url = f"/portal/sager/{case.number}/"
    Case.objects.filter(pk=case.pk).update(assignee=portal.caseworker)
    assert len(queries(worker, url)) == EXPECTED["caseworker case page"]
    html = worker.get(url).content.decode()
    assert f"<dd>{portal.caseworker.get_full_name()}</dd>" in html
