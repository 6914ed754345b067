"""Notification e-mails: multipart/alternative with the plain text and an accessible Danish
HTML part (``portal/mail/notification.html``); confidential cases leak nothing."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from koncernservice.core.models import Role
from koncernservice.portal import services
from koncernservice.portal.models import QueueMember
from tests.factories import make_user

from .test_views import make_case

pytestmark = pytest.mark.django_db


def html_of(message) -> str:
    parts = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    assert len(parts) == 1
    return str(parts[0])


def test_notifications_carry_plain_text_and_accessible_danish_html(
    portal, django_capture_on_commit_callbacks, settings
) -> None:
    settings.KS_PUBLIC_URL = "https://ks.kk.dk"
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(portal, title="Forkert tillæg i <marts>")
    message = next(m for m in mail.outbox if m.to == ["laerer@example.kk.dk"])
    assert message.subject == f"[{case.number}] Vi har modtaget din sag: Forkert tillæg i <marts>"
    # The plain-text part keeps its text, now with the link.
    assert message.body.startswith(f"Sag {case.number}: Vi har modtaget din sag.\nStatus: Ny.")
    assert f"https://ks.kk.dk/portal/sager/{case.number}/" in message.body
    # Both parts come from templates (portal/mail/notification.txt and .html), same facts:
    # the plain text is not HTML-escaped, and a resolution says how to reopen.
    assert "Titel: Forkert tillæg i <marts>\n" in message.body
    resolved = services.notification_text(case, "resolved")[1]
    assert "genåbne sagen" in resolved and "Titel: Forkert tillæg i <marts>" in resolved
    html = html_of(message)
    assert '<html lang="da">' in html and "<title>" in html
    assert "Forkert tillæg i &lt;marts&gt;" in html  # escaped, never raw markup
    assert f'href="https://ks.kk.dk/portal/sager/{case.number}/"' in html
    assert f"Åbn sag {case.number} i Serviceportalen" in html  # a link text that says where
    assert 'role="presentation"' in html and '<th scope="row"' in html
    parsed = message.message()
    assert parsed.get_content_type() == "multipart/alternative"
    assert case.number in str(parsed["Message-ID"]) and parsed["Auto-Submitted"]

    # Reply, state change and resolution each get their own Danish heading.
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reply(actor=portal.caseworker, case=case, body="Vi kigger på det")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_transition(actor=portal.caseworker, case=case, state="resolved")
    to_requester = [m for m in mail.outbox if m.to == ["laerer@example.kk.dk"]]
    assert "Nyt svar på din sag" in to_requester[-2].subject
    assert "Din sag er løst" in to_requester[-1].subject
    assert "genåbne" in html_of(to_requester[-1])


def test_each_recipient_gets_an_own_message(portal, django_capture_on_commit_callbacks) -> None:
    case = make_case(portal)
    services.case_assign(actor=portal.lead, case=case, assignee=portal.caseworker)
    services.case_watch(actor=portal.caseworker, case=case, user=portal.lead)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reply(actor=portal.world.employee, case=case, body="Tak")
    assert sorted(m.to for m in mail.outbox) == [
        ["laerer@example.kk.dk"],
        ["lead@example.kk.dk"],
        ["sb@example.kk.dk"],
    ]


def watched_confidential_case(portal):
    """A personnel-law case watched by a second lawyer of the team (jurist2@example.kk.dk)."""
    colleague = make_user("jurist2", roles=[(Role.CASEWORKER, portal.world.root)])
    colleague.email = "jurist2@example.kk.dk"
    colleague.save()
    QueueMember.objects.create(queue=portal.law, user=colleague)
    secret = make_case(
        portal,
        user=portal.world.manager,
        service=portal.dismissal,
        answers={},
        title="Afskedigelse af Lars Lærer",
        description="Gentagne advarsler",
    )
    services.case_watch(actor=portal.lawyer, case=secret, user=colleague)
    return secret


def test_confidential_mail_to_a_watcher_names_neither_title_nor_service(
    portal, django_capture_on_commit_callbacks
) -> None:
    secret = watched_confidential_case(portal)
    secret.watchers.add(portal.caseworker)  # outside the team, even if added behind the back
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reply(actor=portal.lawyer, case=secret, body="Vi ringer i morgen")
    assert "sb@example.kk.dk" not in {r for m in mail.outbox for r in m.to}
    message = next(m for m in mail.outbox if m.to == ["jurist2@example.kk.dk"])
    html = html_of(message)
    everything = message.subject + message.body + html + message.message().as_string()
    for secret_text in ("Afskedigelse", "Lars Lærer", "Gentagne", "Rådgivning", "ringer"):
        assert secret_text not in everything
    assert secret.number in message.subject and secret.number in html
    assert "fortrolig" in html
    assert re.search(r"<title>[^<]*</title>", html).group(0) == (
        f"<title>{secret.number}: Nyt svar på din sag</title>"
    )


def test_subject_is_one_line_keeps_the_case_number_and_at_most_200_characters() -> None:
    from koncernservice.portal.rules import mail_subject

    number = "KS-2026-000042"
    # Line breaks from a template (or a title) never reach the header: one line.
    assert mail_subject(f"[{number}] Nyt svar\n på din sag:\r\n  Løn ", number) == (
        f"[{number}] Nyt svar på din sag: Løn"
    )
    # A template without the number still threads: the number is put first.
    assert mail_subject("Nyt svar på din sag", number) == f"[{number}] Nyt svar på din sag"
    long = mail_subject(f"[{number}] " + "x" * 300, number)
    assert len(long) == 200 and long.startswith(f"[{number}] x") and long.endswith("…")
    # The number at the end of a long subject would be cut: it is put first instead.
    tail = mail_subject("y" * 300 + f" {number}", number)
    assert len(tail) == 200 and tail.startswith(f"[{number}] yyy")


def test_subject_comes_from_a_template_that_cannot_reveal_a_confidential_case(
    portal, django_capture_on_commit_callbacks, settings, tmp_path
) -> None:
    """An operator's own subject template (a file of the same name earlier in the template
    path, as for the body) gets the same context as the body: a confidential case has no
    title and no service in it, whatever the template asks for."""
    folder = tmp_path / "portal" / "mail"
    folder.mkdir(parents=True)
    (folder / "notification_subject.txt").write_text(
        "{% load i18n %}{% translate 'Case' %} {{ number }} ({{ service }}) {{ title }}\n"
        "{{ state }} {{ case.title }}{{ description }}",
        encoding="utf-8",
    )
    engine = dict(settings.TEMPLATES[0])
    engine["DIRS"] = [tmp_path, *engine["DIRS"]]
    settings.TEMPLATES = [engine]

    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(portal, title="Forkert tillæg i <marts>")
    message = next(m for m in mail.outbox if m.to == ["laerer@example.kk.dk"])
    assert message.subject == f"Sag {case.number} (Fejl i lønnen) Forkert tillæg i <marts> Ny"

    secret = watched_confidential_case(portal)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reply(actor=portal.lawyer, case=secret, body="Vi ringer i morgen")
    message = next(m for m in mail.outbox if m.to == ["jurist2@example.kk.dk"])
    assert message.subject == f"Sag {secret.number} () Under behandling"
    for secret_text in ("Afskedigelse", "Lars", "Gentagne", "Rådgivning"):
        assert secret_text not in message.message().as_string()
