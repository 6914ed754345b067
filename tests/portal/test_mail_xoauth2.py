"""IMAP login with SASL XOAUTH2 (Microsoft 365 / Exchange Online, Google): a real token
request (urllib against an OAuth 2.0 token endpoint in a thread) and a real IMAP conversation
(imaplib against the IMAP4rev1 test server) into the real database."""

from __future__ import annotations

import json
import socket
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from koncernservice.core.errors import DomainError
from koncernservice.portal import mailbox
from koncernservice.portal.models import Case, InboundMail, Service

from .imap_server import FakeImapServer
from .test_mail_imap import config as imap_config
from .test_mail_imap import eml, state
from .token_server import FakeTokenEndpoint

pytestmark = pytest.mark.django_db

MAILBOX = "serviceportal@kk.dk"


def xoauth2(
    server: FakeImapServer, endpoint: FakeTokenEndpoint, **changes: object
) -> mailbox.ImapConfig:
    values: dict[str, object] = {
        "auth": "xoauth2",
        "password": "",
        "oauth_token_url": endpoint.url,
        "oauth_client_id": endpoint.client_id,
        "oauth_client_secret": endpoint.client_secret,
        "oauth_scope": endpoint.scope,
    }
    values.update(changes)
    return imap_config(server, **values)


def exchange(tmp_path, endpoint: FakeTokenEndpoint, **options: object) -> FakeImapServer:
    """An Exchange-Online-like server: no password login, XOAUTH2 with the endpoint's tokens."""
    values: dict[str, object] = {
        "user": MAILBOX,
        "password": "\x00no password login\x00",
        "token_check": endpoint.valid,
        "refusal": "microsoft",
    }
    values.update(options)
    return FakeImapServer(tmp_path, **values)  # type: ignore[arg-type]


def new_mail(n: int = 1) -> bytes:
    return eml("laerer@example.kk.dk", f"Spørgsmål {n} om løn", "Hej", f"<x-{n}@kk.dk>")


def refused(other: Service, config: mailbox.ImapConfig) -> DomainError:
    with pytest.raises(DomainError) as error, translation.override("da"):
        mailbox.poll(default_service=other, config=config)
    assert isinstance(error.value, mailbox.MailboxError)
    return error.value


@pytest.mark.parametrize("tls", ["ssl", "starttls"])
def test_a_message_is_imported_with_an_xoauth2_login(portal, other, tmp_path, tls) -> None:
    with FakeTokenEndpoint() as endpoint, exchange(tmp_path, endpoint, tls=tls) as server:
        server.add(new_mail())
        result = mailbox.poll(default_service=other, config=xoauth2(server, endpoint))

        assert result["created"] == 1 and Case.objects.get().title == "Spørgsmål 1 om løn"
        assert server.snapshot()["INBOX"] == [] and len(server.snapshot()["Behandlet"]) == 1
        # The client-credentials grant, as Entra ID wants it.
        assert endpoint.requests == [
            {
                "grant_type": "client_credentials",
                "client_id": endpoint.client_id,
                "client_secret": endpoint.client_secret,
                "scope": "https://outlook.office365.com/.default",
            }
        ]
        # The SASL XOAUTH2 client response, byte for byte; never a password LOGIN.
        (token,) = endpoint.issued
        assert server.sasl == [f"user={MAILBOX}\x01auth=Bearer {token}\x01\x01".encode()]
        assert "AUTHENTICATE" in server.log and "LOGIN" not in server.log


def test_the_token_is_cached_and_fetched_anew_before_it_expires(portal, other, tmp_path) -> None:
    with FakeTokenEndpoint() as endpoint, exchange(tmp_path, endpoint) as server:
        server.add(new_mail(1))
        assert mailbox.poll(default_service=other, config=xoauth2(server, endpoint))["created"]
        server.add(new_mail(2))
        assert mailbox.poll(default_service=other, config=xoauth2(server, endpoint))["created"]
        assert len(endpoint.requests) == 1  # two polls, one token
        assert len(server.sasl) == 2 and server.sasl[0] == server.sasl[1]

    # A token valid for 2 s is kept for 1 s (the margin is min(60 s, half its life)).
    with FakeTokenEndpoint(expires_in=2) as endpoint, exchange(tmp_path, endpoint) as server:
        config = xoauth2(server, endpoint)
        mailbox.poll(default_service=other, config=config)
        assert len(endpoint.requests) == 1
        time.sleep(1.05)  # the token was fetched during that poll: now it is due
        server.add(new_mail(3))
        assert mailbox.poll(default_service=other, config=config)["created"] == 1
        assert len(endpoint.requests) == 2 and len(endpoint.issued) == 2
        assert server.sasl[0] != server.sasl[-1]  # the new token was used
    assert Case.objects.count() == 3


def test_a_refused_cached_token_is_replaced_once(portal, other, tmp_path) -> None:
    """E.g. the token was revoked, or the machine slept past its expiry."""
    with FakeTokenEndpoint() as endpoint, exchange(tmp_path, endpoint) as server:
        config = xoauth2(server, endpoint)
        mailbox.poll(default_service=other, config=config)
        endpoint.revoke_all()
        server.add(new_mail())
        assert mailbox.poll(default_service=other, config=config)["created"] == 1
        assert len(endpoint.requests) == 2 and server.log.count("AUTHENTICATE") == 3


def test_missing_settings_are_named_and_nothing_is_asked(portal, other, tmp_path) -> None:
    with FakeTokenEndpoint() as endpoint, exchange(tmp_path, endpoint) as server:
        server.add(new_mail())
        before = state(server)
        error = refused(other, xoauth2(server, endpoint, oauth_client_id=""))
        assert error.errors[0].code == "config"
        assert str(error) == (
            "KS_MAIL_IMAP_OAUTH_CLIENT_ID mangler (kræves med KS_MAIL_IMAP_AUTH=xoauth2)."
        )
        two = refused(other, xoauth2(server, endpoint, oauth_client_secret="", user=" "))
        assert str(two).startswith("KS_MAIL_IMAP_USER, KS_MAIL_IMAP_OAUTH_CLIENT_SECRET mangler")
        for bad in (
            {"auth": "oauth"},
            {"oauth_token_url": "http://login.example.com/t/oauth2/v2.0/token"},
            {"oauth_token_url": "ftp://127.0.0.1/token"},
        ):
            assert refused(other, xoauth2(server, endpoint, **bad)).errors[0].code == "config"
        assert "KS_MAIL_IMAP_OAUTH_TOKEN_URL skal være en https://-adresse" in str(
            refused(other, xoauth2(server, endpoint, oauth_token_url="login.example.com"))
        )
        assert endpoint.requests == [] and server.log == []
        assert state(server) == before


def test_an_unreachable_token_endpoint_is_named(portal, other, tmp_path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    url = f"http://127.0.0.1:{closed}/tenant/oauth2/v2.0/token"
    with FakeTokenEndpoint() as endpoint, exchange(tmp_path, endpoint) as server:
        server.add(new_mail())
        before = state(server)
        error = refused(other, xoauth2(server, endpoint, oauth_token_url=url))
        assert error.errors[0].code == "token_unreachable"
        assert str(error).startswith(f"Kan ikke nå OAuth-token-endpointet {url}: ")
        assert "refused" in str(error)  # [Errno 111] Connection refused

        # Slower than the timeout: the same error, after the timeout.
        endpoint.delay = 2.0
        slow = refused(other, xoauth2(server, endpoint, timeout=0.3))
        assert slow.errors[0].code == "token_unreachable" and "timed out" in str(slow)
        assert server.log == [] and state(server) == before


def test_the_token_endpoints_certificate_is_verified(portal, other, tmp_path) -> None:
    (tmp_path / "tls").mkdir()
    with (
        FakeTokenEndpoint(tls_folder=tmp_path / "tls") as endpoint,
        exchange(tmp_path, endpoint) as server,
    ):
        server.add(new_mail())
        before = state(server)
        error = refused(other, xoauth2(server, endpoint))
        assert error.errors[0].code == "token_unreachable"
        assert "CERTIFICATE_VERIFY_FAILED" in str(error)
        assert endpoint.requests == []  # the secret was never sent
        assert state(server) == before


def test_the_endpoints_oauth_error_is_shown(portal, other, tmp_path) -> None:
    with FakeTokenEndpoint() as endpoint, exchange(tmp_path, endpoint) as server:
        server.add(new_mail())
        before = state(server)
        error = refused(other, xoauth2(server, endpoint, oauth_client_secret="secret-id-not-value"))
        assert error.errors[0].code == "token_refused"
        message = str(error)
        assert message.startswith(f"OAuth-token-endpointet {endpoint.url} afviste ")
        assert "(HTTP 401): invalid_client: AADSTS7000215: Invalid client secret provided." in (
            message
        )
        assert "Trace ID: 0f6b7c1e-0000 Correlation ID" in message  # one line
        assert "secret-id-not-value" not in message

        scope = refused(other, xoauth2(server, endpoint, oauth_scope="https://graph.microsoft.com"))
        assert "(HTTP 400): invalid_scope: AADSTS1002012" in str(scope)

        endpoint.reply = (502, "text/html", b"<html><body>Bad Gateway</body></html>")
        proxy = refused(other, xoauth2(server, endpoint))
        assert proxy.errors[0].code == "token_refused"
        assert "(HTTP 502): <html><body>Bad Gateway</body></html>" in str(proxy)
        assert server.log == [] and state(server) == before


@pytest.mark.parametrize(
    ("reply", "shown"),
    [
        (b'{"token_type": "Bearer", "expires_in": 3599}', "felterne expires_in, token_type"),
        (b'{"token_type": "mac", "access_token": "sekret"}', "felterne access_token, token_type"),
        (b"<html>Log ind</html>", "ikke JSON (<html>Log ind</html>)"),
        (b"[]", "ikke et JSON-objekt"),
    ],
    ids=["no-access-token", "not-bearer", "html", "list"],
)
def test_an_answer_without_a_token_is_refused(portal, other, tmp_path, reply, shown) -> None:
    with FakeTokenEndpoint() as endpoint, exchange(tmp_path, endpoint) as server:
        server.add(new_mail())
        before = state(server)
        endpoint.reply = (200, "application/json", reply)
        error = refused(other, xoauth2(server, endpoint))
        assert error.errors[0].code == "token_invalid"
        assert str(error) == (
            f"OAuth-token-endpointet {endpoint.url} svarede uden et Bearer-access_token: {shown}"
        )
        assert "sekret" not in str(error)  # never a token in a message
        assert server.log == [] and state(server) == before


@pytest.mark.parametrize("style", ["google", "microsoft"])
def test_a_token_the_imap_server_refuses_is_explained(portal, other, tmp_path, style) -> None:
    with (
        FakeTokenEndpoint() as endpoint,
        exchange(tmp_path, endpoint, token_check=lambda token: False, refusal=style) as server,
    ):
        server.add(new_mail())
        before = state(server)
        config = xoauth2(server, endpoint)
        error = refused(other, config)
        assert error.errors[0].code == "login"
        message = str(error)
        assert message.startswith(f"IMAP-serveren localhost afviste OAuth-tokenet for {MAILBOX}: ")
        if style == "google":  # the error challenge, decoded, after the server's NO
            assert (
                "[AUTHENTICATIONFAILED] Invalid credentials (Failure); "
                '{"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}'
            ) in message
        else:
            assert f"{MAILBOX}: AUTHENTICATE failed. Exchange Online: " in message
        assert "IMAP.AccessAsApp" in message  # what to check in Exchange Online
        # A fresh token is not asked for again in the same run, and the refused one is
        # forgotten: the next run asks for a new one.
        assert len(endpoint.requests) == 1 and server.log.count("AUTHENTICATE") == 1
        refused(other, config)
        assert len(endpoint.requests) == 2
        assert "SELECT" not in server.log and state(server) == before


def test_a_server_without_xoauth2_is_named(portal, other, tmp_path) -> None:
    with FakeTokenEndpoint() as endpoint, FakeImapServer(tmp_path) as server:  # password only
        server.add(new_mail())
        before = state(server)
        error = refused(other, xoauth2(server, endpoint))
        assert error.errors[0].code == "login"
        assert "IMAP-serveren localhost tilbyder ikke XOAUTH2-login" in str(error)
        assert "AUTHENTICATE" not in server.log and state(server) == before


def test_command_logs_in_with_xoauth2_from_the_settings(
    portal, other, tmp_path, settings, capsys
) -> None:
    with FakeTokenEndpoint() as endpoint, exchange(tmp_path, endpoint, tls="ssl") as server:
        server.add(new_mail())
        settings.KS_MAIL_IMAP_HOST = "localhost"
        settings.KS_MAIL_IMAP_PORT = server.port
        settings.KS_MAIL_IMAP_SECURITY = "ssl"
        settings.KS_MAIL_IMAP_USER = MAILBOX
        settings.KS_MAIL_IMAP_PASSWORD = ""
        settings.KS_MAIL_IMAP_CA_FILE = str(server.cert_file)
        settings.KS_MAIL_IMAP_AUTH = "xoauth2"
        settings.KS_MAIL_IMAP_OAUTH_TOKEN_URL = endpoint.url
        settings.KS_MAIL_IMAP_OAUTH_CLIENT_ID = endpoint.client_id
        settings.KS_MAIL_IMAP_OAUTH_CLIENT_SECRET = ""
        before = state(server)
        with pytest.raises(SystemExit) as exit_code:
            call_command("portal", "mail-import", "--imap")
        assert exit_code.value.code == 2
        err = capsys.readouterr().err
        assert "KS_MAIL_IMAP_OAUTH_CLIENT_SECRET mangler" in err and state(server) == before

        settings.KS_MAIL_IMAP_OAUTH_CLIENT_SECRET = endpoint.client_secret
        out = StringIO()
        call_command("portal", "mail-import", "--imap", "--json", stdout=out)
        assert json.loads(out.getvalue())["created"] == 1
        assert InboundMail.objects.count() == 1
        assert [set(flags) for _uid, _raw, flags in server.snapshot()["INBOX"]] == [{"\\Seen"}]
        assert endpoint.requests[0]["scope"] == "https://outlook.office365.com/.default"
