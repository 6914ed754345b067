"""Inbound e-mail from IMAP: a real IMAP conversation (imaplib against a small IMAP4rev1
server in a thread, over TLS) into the real database through ``services.mail_ingest``."""

from __future__ import annotations

import json
import logging
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from koncernservice.core.errors import DomainError
from koncernservice.portal import mailbox, services
from koncernservice.portal.models import Case, CaseEntry, InboundMail

from .imap_server import FakeImapServer
from .test_views import make_case

pytestmark = pytest.mark.django_db


def eml(sender: str, subject: str, body: str, message_id: str, **headers: str) -> bytes:
    lines = [
        f"From: {sender}",
        "To: ks@kk.dk",
        f"Subject: {subject}",
        f"Message-ID: {message_id}",
        *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
    ]
    if "Content_Type" not in headers:
        lines.append("Content-Type: text/plain; charset=utf-8")
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


def config(server: FakeImapServer, **changes: object) -> mailbox.ImapConfig:
    values: dict[str, object] = {
        "host": "localhost",
        "port": server.port,
        "security": server.tls,
        "user": server.user,
        "password": server.password,
        "done_folder": "Behandlet",
        "failed_folder": "Afvist",
        "ca_file": str(server.cert_file),
        "timeout": 10.0,
    }
    values.update(changes)
    return mailbox.ImapConfig(**values)  # type: ignore[arg-type]


def notified_case(portal, django_capture_on_commit_callbacks) -> tuple[Case, str]:
    """A case whose "received" notification went to the requester; its Message-ID."""
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(portal, title="Forkert tillæg i november")
    sent = [m for m in mail.outbox if "laerer@example.kk.dk" in m.to][-1]
    return case, sent.extra_headers["Message-ID"]


def state(server: FakeImapServer) -> tuple[object, ...]:
    return (
        Case.objects.count(),
        CaseEntry.objects.count(),
        InboundMail.objects.count(),
        server.snapshot(),
    )


@pytest.mark.parametrize(
    ("tls", "capabilities"),
    [("starttls", ("UIDPLUS", "MOVE")), ("ssl", ())],
    ids=["starttls-move", "ssl-copy-expunge"],
)
def test_poll_threads_creates_fails_and_a_second_poll_changes_nothing(
    portal, other, django_capture_on_commit_callbacks, tmp_path, caplog, tls, capabilities
) -> None:
    case, notification_id = notified_case(portal, django_capture_on_commit_callbacks)
    replies_before = case.entries.filter(kind=CaseEntry.Kind.REPLY).count()
    with FakeImapServer(tmp_path, tls=tls, capabilities=capabilities) as server:
        broken = eml(
            "laerer@example.kk.dk",
            "Ødelagt",
            "tekst",
            "<broken-1@mail.kk.dk>",
            Content_Type="text/plain; charset=x-no-such-charset",
        )
        reply = eml(
            "laerer@example.kk.dk",
            "SV: Jeres henvendelse",
            "Jeg har vedlagt lønsedlen.\r\n> citat af jeres mail",
            "<reply-1@mail.kk.dk>",
            In_Reply_To=notification_id,
        )
        new = eml(
            "laerer@example.kk.dk",
            "Mangler feriepenge",
            "Hvornår kommer mine feriepenge?",
            "<new-1@mail.kk.dk>",
        )
        stranger = eml("ukendt@example.com", "Køb billige ure", "spam", "<spam@example.com>")
        for raw in (broken, reply, new, stranger):
            server.add(raw)
        with caplog.at_level(logging.INFO, logger="koncernservice.portal.mailbox"):
            result = mailbox.poll(default_service=other, config=config(server))

        assert (result["reply"], result["created"], result["failed"]) == (1, 1, 2)
        by_uid = {m["uid"]: m for m in result["messages"]}
        assert by_uid[1]["reason"] == "unreadable" and by_uid[4]["reason"] == "unknown_sender"
        # The reply threaded into the notified case (quoted text cut off).
        assert by_uid[2] == {"uid": 2, "status": "reply", "case": case.number, "reason": ""}
        replies = case.entries.filter(kind=CaseEntry.Kind.REPLY).order_by("pk")
        assert replies.count() == replies_before + 1
        assert replies.last().body == "Jeg har vedlagt lønsedlen."
        # The unknown thread became a new case of the default service.
        created = Case.objects.get(number=by_uid[3]["case"])
        assert created.title == "Mangler feriepenge" and created.service == other
        # Nothing is lost: handled and refused messages are moved unchanged, the inbox empty.
        boxes = server.snapshot()
        assert boxes["INBOX"] == []
        assert [raw for _uid, raw, _f in boxes["Behandlet"]] == [reply, new]
        assert [raw for _uid, raw, _f in boxes["Afvist"]] == [broken, stranger]
        # A clear reason in the log for each refused message.
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert any("<broken-1@mail.kk.dk>" in w and "unreadable" in w for w in warnings)
        assert any("<spam@example.com>" in w and "unknown_sender" in w for w in warnings)
        if capabilities == ():
            assert "UID MOVE" not in server.log and "EXPUNGE" in server.log
        else:
            assert "UID MOVE" in server.log

        before = state(server)
        again = mailbox.poll(default_service=other, config=config(server))
        assert again["messages"] == [] and state(server) == before


def test_an_interrupted_poll_never_creates_two_cases(
    portal, other, django_capture_on_commit_callbacks, tmp_path
) -> None:
    with FakeImapServer(tmp_path) as server:
        server.add(eml("laerer@example.kk.dk", "Ny kørselsgodtgørelse", "Hej", "<m-1@kk.dk>"))
        server.drop_at = "UID MOVE"  # the connection dies after the case was committed
        with pytest.raises(DomainError) as lost:
            mailbox.poll(default_service=other, config=config(server))
        assert lost.value.errors[0].code == "connection_lost"
        assert Case.objects.count() == 1 and server.snapshot()["INBOX"] != []

        result = mailbox.poll(default_service=other, config=config(server))
        assert result["duplicate"] == 1 and result["created"] == 0
        assert result["messages"][0]["case"] == Case.objects.get().number
        assert Case.objects.count() == 1 and server.snapshot()["INBOX"] == []
        assert len(server.snapshot()["Behandlet"]) == 1


def test_without_folders_messages_are_flagged_in_place(portal, other, tmp_path) -> None:
    with FakeImapServer(tmp_path) as server:
        server.add(eml("laerer@example.kk.dk", "Spørgsmål om pension", "Hej", "<p-1@kk.dk>"))
        server.add(eml("ukendt@example.com", "spam", "spam", "<s-1@example.com>"))
        server.add(b"From: laerer@example.kk.dk\r\nSubject: set\r\n\r\nset", flags={"\\Seen"})
        plain = config(server, done_folder="", failed_folder="")
        result = mailbox.poll(default_service=other, config=plain)
        assert (result["created"], result["failed"]) == (1, 1)
        flags = [set(f) for _uid, _raw, f in server.snapshot()["INBOX"]]
        assert flags == [{"\\Seen"}, {"\\Seen", "\\Flagged"}, {"\\Seen"}]
        before = state(server)
        assert mailbox.poll(default_service=other, config=plain)["messages"] == []
        assert state(server) == before


def test_refusals_are_clear_and_change_nothing(portal, other, tmp_path) -> None:
    with FakeImapServer(tmp_path) as server:
        server.add(eml("laerer@example.kk.dk", "Hej", "Hej", "<x@kk.dk>"))
        before = state(server)
        with pytest.raises(DomainError) as wrong:
            mailbox.poll(default_service=other, config=config(server, password="forkert"))
        assert wrong.value.errors[0].code == "login"
        with pytest.raises(DomainError) as untrusted:  # certificate not from the given CA
            mailbox.poll(default_service=other, config=config(server, ca_file=""))
        assert untrusted.value.errors[0].code == "connect"
        for bad in (
            {"security": "plain", "host": "mail.example.com"},
            {"done_folder": "", "failed_folder": "Afvist"},
            {"host": ""},
        ):
            with pytest.raises(DomainError) as refused:
                mailbox.poll(default_service=other, config=config(server, **bad))
            assert refused.value.errors[0].code == "config"
        assert state(server) == before


def test_command_polls_the_configured_mailbox(portal, other, tmp_path, settings) -> None:
    with FakeImapServer(tmp_path, tls="ssl") as server:
        server.add(eml("laerer@example.kk.dk", "Hvor er min lønseddel?", "Hej", "<c-1@kk.dk>"))
        settings.KS_MAIL_IMAP_HOST = "localhost"
        settings.KS_MAIL_IMAP_PORT = server.port
        settings.KS_MAIL_IMAP_SECURITY = "ssl"
        settings.KS_MAIL_IMAP_USER = server.user
        settings.KS_MAIL_IMAP_PASSWORD = server.password
        settings.KS_MAIL_IMAP_DONE_FOLDER = "Behandlet"
        settings.KS_MAIL_IMAP_FAILED_FOLDER = "Afviste æøå"  # modified UTF-7 on the wire
        settings.KS_MAIL_IMAP_CA_FILE = str(server.cert_file)
        out = StringIO()
        call_command("portal", "mail-import", "--imap", "--json", stdout=out)
        result = json.loads(out.getvalue())
        assert result["created"] == 1 and result["failed"] == 0
        assert Case.objects.get().service.code == "andet"
        assert len(server.snapshot()["Behandlet"]) == 1
        assert server.snapshot()["Afviste &AOYA+ADl-"] == []


def test_folder_import_is_idempotent_too(portal, other) -> None:
    raw = eml("laerer@example.kk.dk", "Barsel", "Hvornår starter min barsel?", "<b-1@kk.dk>")
    first = services.mail_ingest(raw=raw, default_service=other)
    second = services.mail_ingest(raw=raw, default_service=other)
    assert first["status"] == "created" and second == {
        "status": "duplicate",
        "case": first["case"],
        "reason": "",
    }
    assert Case.objects.count() == 1
    # Out-of-office answers never thread into a case (no mail loops).
    auto = eml(
        "laerer@example.kk.dk",
        f"Autosvar: [{first['case']}]",
        "Jeg er på ferie",
        "<ooo@kk.dk>",
        Auto_Submitted="auto-replied",
    )
    assert services.mail_ingest(raw=auto, default_service=other)["reason"] == ("auto_reply")


def test_folder_names_are_modified_utf7() -> None:
    assert mailbox.imap_utf7("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
    assert mailbox.imap_utf7("Sager/Afvist & fejl") == "Sager/Afvist &- fejl"
    assert mailbox.imap_utf7("Behandlet æø") == "Behandlet &AOYA+A-"


def test_a_too_large_message_is_not_fetched_and_kept(portal, other, tmp_path) -> None:
    with FakeImapServer(tmp_path) as server:
        big = eml("laerer@example.kk.dk", "Stor", "x" * 5000, "<big@kk.dk>")
        server.add(big)
        result = mailbox.poll(default_service=other, config=config(server, max_bytes=4096))
        assert result["messages"] == [
            {"uid": 1, "status": "failed", "case": "", "reason": "too_large"}
        ]
        assert not Case.objects.exists()
        assert server.log.count("UID FETCH") == 1  # the sizes only, never the message
        assert [raw for _uid, raw, _f in server.snapshot()["Afvist"]] == [big]


@pytest.mark.django_db(transaction=True)
def test_two_pollers_at_once_make_one_case(portal, other) -> None:
    """Two workers read the same message at the same moment (PostgreSQL: real concurrency)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    raw = eml("laerer@example.kk.dk", "Samtidig", "Hej", "<same@kk.dk>")
    start = threading.Barrier(2)
    results: list[dict[str, str]] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(services.mail_ingest(raw=raw, default_service=other))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(r["status"] for r in results) == ["created", "duplicate"]
    assert Case.objects.count() == 1 and len({r["case"] for r in results}) == 1


def test_an_html_only_reply_is_read_as_text(portal, other) -> None:
    case = make_case(portal)
    raw = eml(
        "laerer@example.kk.dk",
        f"SV: [{case.number}]",
        "<html><body><p>Svar i <b>HTML</b></p><blockquote>tidligere</blockquote></body></html>",
        "<html-1@kk.dk>",
        Content_Type="text/html; charset=utf-8",
    )
    assert services.mail_ingest(raw=raw, default_service=other)["status"] == "reply"
    body = case.entries.filter(kind=CaseEntry.Kind.REPLY).get().body
    assert body == "Svar i HTML"  # the quoted earlier mail (blockquote) left out


OUTLOOK_REPLY = (
    "<html><head><style>p {margin:0}</style></head><body>"
    "<p>Hej Lise,</p><p>L&oslash;nnen for marts mangler 1.250&nbsp;kr. &amp; et till&aelig;g:"
    "<br>se vedh&aelig;ftede.</p><ul><li>Overtid</li><li>Weekend</li></ul>"
    "<table><tr><td>Timer</td><td>12,5</td></tr></table>"
    '<div id="divRplyFwdMsg"><b>Fra:</b> Serviceportalen</div>'
    "<p>Sag KS-2026-000001: Vi har modtaget din sag.</p></body></html>"
)


def test_html_to_text_keeps_lines_lists_and_characters_and_drops_the_quote() -> None:
    from koncernservice.portal.rules import html_to_text

    assert html_to_text(OUTLOOK_REPLY) == (
        "Hej Lise,\n\n"
        "Lønnen for marts mangler 1.250 kr. & et tillæg:\nse vedhæftede.\n\n"
        "- Overtid\n- Weekend\n\n"
        "Timer 12,5"
    )
    gmail = (
        '<div dir="ltr">Tak, <i>det</i> passer.<br><br>Ole</div><br>'
        '<div class="gmail_quote"><div>Den 3. dec. skrev KS:</div>'
        "<blockquote>Sag KS-2026-000001</blockquote></div>"
    )
    assert html_to_text(gmail) == "Tak, det passer.\n\nOle"
    assert html_to_text("<script>alert(1)</script><p>5 &lt; 7</p>") == "5 < 7"


def test_an_html_only_outlook_reply_reads_as_the_writer_wrote_it(portal, other) -> None:
    case = make_case(portal)
    raw = eml(
        "laerer@example.kk.dk",
        f"SV: [{case.number}]",
        OUTLOOK_REPLY,
        "<html-2@kk.dk>",
        Content_Type="text/html; charset=utf-8",
    )
    assert services.mail_ingest(raw=raw, default_service=other)["status"] == "reply"
    body = case.entries.filter(kind=CaseEntry.Kind.REPLY).get().body
    assert body.startswith("Hej Lise,\n\nLønnen for marts mangler 1.250 kr. & et tillæg:\n")
    assert "- Overtid\n- Weekend" in body
    assert "Serviceportalen" not in body and "Vi har modtaget" not in body
