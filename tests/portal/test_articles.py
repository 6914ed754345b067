"""Knowledge base editing pages (catalogue managers; versions kept; Danish errors) and the
review-date reminders (``ks portal review-reminders``, once per review date)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.utils import timezone

from koncernservice.core.models import AuditEntry
from koncernservice.portal import services
from koncernservice.portal.models import Article

from .test_commands import run
from .test_views import client_for

pytestmark = pytest.mark.django_db


def test_article_pages_create_and_version_for_managers_only(portal) -> None:
    admin = client_for(portal.world.admin)
    new = "/portal/viden/ny-artikel/"
    assert client_for(portal.caseworker).get(new).status_code == 403
    assert client_for(portal.world.employee).post(new, {"slug": "x"}).status_code == 403
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    bad = admin.post(new, {"slug": "Ikke OK", "title": "", "body": "", "review_date": past})
    assert bad.status_code == 400 and not Article.objects.exists()
    assert set(bad.context["errors"]) == {"slug", "title", "body", "review_date"}
    review = (timezone.localdate() + dt.timedelta(days=90)).isoformat()
    response = admin.post(
        new,
        {
            "slug": "feriepenge",
            "title": "Feriepenge",
            "body": "Udbetales i **maj**.",
            "service": "loen-fejl",
            "review_date": review,
            "owner": "teamleder",
            "is_published": "1",
        },
    )
    assert response.status_code == 302
    article = Article.objects.get(slug="feriepenge")
    assert (article.version, article.owner, str(article.review_date)) == (1, portal.lead, review)
    edit = f"/portal/viden/{article.slug}/rediger/"
    page = admin.get(edit).content.decode()
    assert "<strong>maj</strong>" in page and "Feriepenge" in page
    admin.post(
        edit,
        {
            "title": "Feriepenge og ferietillæg",
            "body": "Ny tekst",
            "review_date": review,
            "owner": "teamleder",
            "is_published": "1",
        },
    )
    article.refresh_from_db()
    assert article.version == 2 and article.versions.count() == 2
    assert list(article.versions.values_list("title", flat=True).order_by("version")) == [
        "Feriepenge",
        "Feriepenge og ferietillæg",
    ]
    # Unpublished: gone from the public list and search, still editable.
    admin.post(edit, {"title": "Feriepenge", "body": "Ny tekst", "review_date": review})
    article.refresh_from_db()
    assert not article.is_published
    assert (
        client_for(portal.world.employee).get(f"/portal/viden/{article.slug}/").status_code == 404
    )
    assert admin.get(edit).status_code == 200
    assert AuditEntry.objects.filter(object_id=str(article.pk), action="update").count() >= 2


def test_review_reminders_once_per_review_date(portal) -> None:
    today = timezone.localdate()
    admin = portal.world.admin
    soon = services.article_save(
        actor=admin,
        slug="snart",
        title="Snart",
        body="x",
        review_date=today + dt.timedelta(days=10),
        owner=portal.lead,
    )
    services.article_save(
        actor=admin,
        slug="senere",
        title="Senere",
        body="x",
        review_date=today + dt.timedelta(days=40),
        owner=portal.lead,
    )
    orphan = services.article_save(
        actor=admin,
        slug="ingen",
        title="Ingen ejer",
        body="x",
        review_date=today + dt.timedelta(days=5),
    )
    Article.objects.filter(pk=orphan.pk).update(owner=None)
    code, out, _err = run("review-reminders", "--json")
    assert code == 0
    assert json.loads(out) == {"due": 2, "reminded": 1, "no_owner": 1, "overdue": 0}
    assert [m.to for m in mail.outbox] == [["lead@example.kk.dk"]]
    assert (
        "Snart" in mail.outbox[0].subject and "/portal/viden/snart/rediger/" in mail.outbox[0].body
    )
    # Daily runs do not repeat the reminder ...
    assert json.loads(run("review-reminders", "--json")[1])["reminded"] == 0
    # ... until a new review date is set; overdue articles count as such.
    services.article_save(
        actor=admin, slug="snart", title="Snart", body="y", review_date=today + dt.timedelta(days=3)
    )
    counts = services.article_review_reminders(today=today + dt.timedelta(days=5))
    # "snart" is past its new date (3 days); "ingen" (no owner) is due today, not overdue.
    assert counts == {"due": 2, "reminded": 1, "no_owner": 1, "overdue": 1}
    assert len(mail.outbox) == 2
    assert AuditEntry.objects.filter(event="portal.article_review_reminder").count() == 2
    assert soon.pk
    assert run("review-reminders", "--days", "999")[0] == 2


def test_text_diff_lists_kept_removed_added_and_word_by_word_changed_lines() -> None:
    from koncernservice.portal.rules import DiffLine, DiffPart, text_diff

    old = "Feriepenge\nUdbetales i maj.\nSpørg din leder.\nmaj"
    new = "Feriepenge\nUdbetales i august.\nSpørg din leder.\naugust\nSe også ferieloven."
    assert text_diff(old, new) == [
        DiffLine("same", "Feriepenge"),
        # A rewritten line that keeps most of its words: which words changed.
        DiffLine(
            "changed",
            "Udbetales i august.",
            (
                DiffPart("same", "Udbetales i "),
                DiffPart("removed", "maj"),
                DiffPart("added", "august"),
                DiffPart("same", "."),
            ),
        ),
        DiffLine("same", "Spørg din leder."),
        # A line with nothing in common is removed and added as a whole.
        DiffLine("removed", "maj"),
        DiffLine("added", "august"),
        DiffLine("added", "Se også ferieloven."),
    ]
    assert text_diff("", "Ny") == [DiffLine("added", "Ny")]
    assert text_diff("Samme", "Samme") == [DiffLine("same", "Samme")]


def test_word_diff_keeps_numbers_and_joins_neighbouring_changes() -> None:
    from koncernservice.portal.rules import DiffPart, word_diff

    # 2,08 days of holiday a month (ferieloven § 5): only the changed word is marked.
    assert word_diff(
        "Du optjener 2,08 dage om måneden.", "Du optjener 2,08 feriedage om måneden."
    ) == (
        DiffPart("same", "Du optjener 2,08 "),
        DiffPart("removed", "dage"),
        DiffPart("added", "feriedage"),
        DiffPart("same", " om måneden."),
    )
    # Two words in a row changed: one removal and one addition, not word, space, word.
    assert word_diff("Ring til din leder i dag", "Ring til HR-service i dag") == (
        DiffPart("same", "Ring til "),
        DiffPart("removed", "din leder"),
        DiffPart("added", "HR-service"),
        DiffPart("same", " i dag"),
    )
    # Read back, the parts give the old and the new line exactly.
    parts = word_diff("Feriepenge: 12,5 % af lønnen", "Ferietillæg: 1 % af lønnen")
    assert parts is not None
    assert "".join(p.text for p in parts if p.kind != "added") == "Feriepenge: 12,5 % af lønnen"
    assert "".join(p.text for p in parts if p.kind != "removed") == "Ferietillæg: 1 % af lønnen"
    assert word_diff("maj", "august") is None  # nothing shared: not one changed line
    # Words only added (or only removed): no empty removal (or addition) is shown.
    assert word_diff("Ring i dag", "Ring til HR i dag") == (
        DiffPart("same", "Ring"),
        DiffPart("added", " til HR"),
        DiffPart("same", " i dag"),
    )


def test_what_a_version_changed_for_catalogue_managers_only(portal) -> None:
    article = services.article_save(
        actor=portal.world.admin, slug="feriepenge", title="Feriepenge", body="Linje 1\nmaj"
    )
    services.article_save(
        actor=portal.world.admin,
        slug="feriepenge",
        title="Feriepenge og ferietillæg",
        body="Linje 1\naugust",
    )
    services.article_save(
        actor=portal.world.admin,
        slug="feriepenge",
        title="Feriepenge og ferietillæg",
        body="Linje 1 er ny\naugust",
    )
    admin = client_for(portal.world.admin)
    changed = admin.get("/portal/viden/feriepenge/version/3/").content.decode()
    # Word by word, named for screen readers, marked by more than colour (ins/del, ~).
    assert (
        '<li class="changed"><span class="sr-only">ændret linje: </span>Linje 1'
        '<ins><span class="sr-only">[tilføjet: </span> er ny<span class="sr-only">]</span></ins>'
        "</li>"
    ) in changed
    assert "tilføjede ord understreget" in changed  # the page says how changes are marked
    page = admin.get("/portal/viden/feriepenge/version/2/").content.decode()
    assert '<del><span class="sr-only">fjernet: </span>maj</del>' in page
    assert '<ins><span class="sr-only">tilføjet: </span>august</ins>' in page
    assert "Feriepenge og ferietillæg</ins>" in page  # the title changed too
    first = admin.get("/portal/viden/feriepenge/version/1/").content.decode()
    assert '<ins><span class="sr-only">tilføjet: </span>maj</ins>' in first
    assert admin.get("/portal/viden/feriepenge/version/4/").status_code == 404
    assert admin.get("/portal/viden/findes-ikke/version/1/").status_code == 404
    assert (
        client_for(portal.world.employee)
        .get(f"/portal/viden/{article.slug}/version/2/")
        .status_code
        == 403
    )
    edit = admin.get("/portal/viden/feriepenge/rediger/").content.decode()
    assert "/portal/viden/feriepenge/version/2/" in edit
