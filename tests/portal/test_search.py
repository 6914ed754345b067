"""Search for cases and articles: Danish stemming on both databases; on PostgreSQL full-text
search over GIN indexes (migration 0002), proven to be used."""

from __future__ import annotations

import pytest
from django.db import connection

from koncernservice.portal import selectors, services
from koncernservice.portal.models import Article, Case

from .test_services import make_case

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search runs on PostgreSQL"
)


@pytest.fixture
def cases(portal):
    payout = make_case(
        portal,
        title="Forkert udbetaling af feriepenge",
        description="Udbetalingen i maj manglede to dage.",
    )
    pension = make_case(portal, title="Spørgsmål om pension", description="Hvornår indbetales den?")
    secret = make_case(
        portal,
        user=portal.world.manager,
        service=portal.dismissal,
        answers={},
        title="Udbetaling ved afskedigelse",
    )
    return payout, pension, secret


def numbers(qs) -> set[str]:
    return set(qs.values_list("number", flat=True))


def test_case_search_finds_inflected_danish_words(portal, cases) -> None:
    payout, pension, _secret = cases
    user = portal.caseworker
    # Another inflection than in the text finds the case: "udbetalingerne" ~ "udbetaling(en)".
    assert numbers(selectors.case_search(user=user, text="udbetalingerne")) == {payout.number}
    assert numbers(selectors.case_search(user=user, text="feriepengene")) == {payout.number}
    assert numbers(selectors.case_search(user=user, text="pensionen")) == {pension.number}
    # Every word must match.
    assert numbers(selectors.case_search(user=user, text="udbetaling pension")) == set()
    assert numbers(selectors.case_search(user=user, text="Maj udbetaling")) == {payout.number}
    # A case number finds exactly that case.
    assert numbers(selectors.case_search(user=user, text=pension.number.lower())) == {
        pension.number
    }


def test_case_search_keeps_confidential_cases_out(portal, cases) -> None:
    _payout, _pension, secret = cases
    w = portal.world
    for user in (portal.caseworker, w.admin, w.hr, w.auditor):
        assert secret.number not in numbers(selectors.case_search(user=user, text="udbetaling"))
    for user in (portal.lawyer, w.manager):
        assert secret.number in numbers(selectors.case_search(user=user, text="afskedigelsen"))
    # Someone without rights finds nothing at all.
    assert numbers(selectors.case_search(user=w.nobody, text="udbetaling")) == set()


def test_article_search_ranks_title_matches_first(portal) -> None:
    admin = portal.world.admin
    body_only = services.article_save(
        actor=admin,
        slug="ferie",
        title="Ferie og fravær",
        body="Feriepenge udbetales i maj. Pensionen berøres ikke.",
    )
    title_match = services.article_save(
        actor=admin,
        slug="pension",
        title="Din pension",
        body="Pensionsindbetalingen står på lønsedlen.",
    )
    services.article_save(actor=admin, slug="andet", title="Adgang til SD", body="Bestil adgang.")
    found = selectors.article_search(text="hvordan med pensionerne")
    assert found[:2] == [title_match, body_only]
    assert selectors.article_search(text="feriepengene") == [body_only]
    assert selectors.article_search(text="og i") == []  # only stop words
    Article.objects.filter(pk=title_match.pk).update(is_published=False)
    assert selectors.article_search(text="pension") == [body_only]


@on_postgresql
def test_websearch_syntax_on_postgresql(portal, cases) -> None:
    payout, pension, _secret = cases
    user = portal.caseworker
    assert numbers(selectors.case_search(user=user, text="feriepenge or pension")) == {
        payout.number,
        pension.number,
    }
    assert numbers(selectors.case_search(user=user, text="udbetaling -maj")) == set()
    assert numbers(selectors.case_search(user=user, text='"forkert udbetaling"')) == {payout.number}


@on_postgresql
def test_searches_use_the_gin_indexes(portal, cases) -> None:
    from django.contrib.postgres.search import SearchQuery

    services.article_save(actor=portal.world.admin, slug="a", title="Pension", body="Tekst")
    with connection.cursor() as cursor:
        # Tiny tables: make the planner show whether the GIN index can serve the query.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    query = SearchQuery("udbetaling", config=selectors.SEARCH_CONFIG, search_type="websearch")
    plan = (
        Case.objects.annotate(document=selectors.case_search_vector())
        .filter(document=query)
        .order_by()
        .explain()
    )
    assert "portal_case_fts" in plan, plan
    words = SearchQuery("pension", config=selectors.SEARCH_CONFIG)
    plan = (
        Article.objects.annotate(document=selectors.article_search_vector())
        .filter(document=words)
        .order_by()
        .explain()
    )
    assert "portal_article_fts" in plan, plan
