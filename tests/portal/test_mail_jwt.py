"""IMAP login with SASL XOAUTH2 and a token from the JWT bearer grant (RFC 7523): a Google
Workspace service account with domain-wide delegation signs an assertion for the portal's
mailbox. A real RS256 signature (PyJWT over ``cryptography``), checked by a token endpoint
in a thread with the account's public key, and a real IMAP conversation into the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import override_settings

from koncernservice.portal import mailbox
from koncernservice.portal.models import Case

from .imap_server import FakeImapServer
from .test_mail_imap import config as imap_config
from .test_mail_imap import state
from .test_mail_xoauth2 import MAILBOX, new_mail, refused
from .token_server import FakeGoogleTokenEndpoint

pytestmark = pytest.mark.django_db

ACCOUNT = "ks-portal-mail@kk-serviceportal.iam.gserviceaccount.com"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def key_file(folder: Path, key: rsa.RSAPrivateKey, token_uri: str, **changes: object) -> Path:
    """A service account's JSON key, as the Google Cloud console downloads it."""
    data: dict[str, object] = {
        "type": "service_account",
        "project_id": "kk-serviceportal",
        "private_key_id": "3f1c0a9e8d7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
        "private_key": pem(key),
        "client_email": ACCOUNT,
        "client_id": "104711815117000000001",
        "token_uri": token_uri,
    }
    data.update(changes)
    path = folder / "service-account.json"
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def key() -> rsa.RSAPrivateKey:
    return rsa_key()


def google(endpoint: FakeGoogleTokenEndpoint, tmp_path: Path) -> FakeImapServer:
    return FakeImapServer(
        tmp_path,
        user=MAILBOX,
        password="\x00no password login\x00",
        token_check=endpoint.valid,
        refusal="google",
    )


def jwt_config(server: FakeImapServer, key_path: Path, **changes: object) -> mailbox.ImapConfig:
    values: dict[str, object] = {
        "auth": "xoauth2",
        "password": "",
        "oauth_grant": "jwt_bearer",
        "oauth_key_file": str(key_path),
        "oauth_scope": mailbox.GOOGLE_MAIL_SCOPE,
    }
    values.update(changes)
    return imap_config(server, **values)


def endpoint_for(key: rsa.RSAPrivateKey) -> FakeGoogleTokenEndpoint:
    return FakeGoogleTokenEndpoint(
        public_key=key.public_key(), client_email=ACCOUNT, delegated={MAILBOX}
    )


def test_a_message_is_imported_with_a_service_account_token(portal, other, tmp_path, key):
    with endpoint_for(key) as endpoint, google(endpoint, tmp_path) as server:
        server.add(new_mail())
        path = key_file(tmp_path, key, endpoint.url)  # the token URL comes from the key file
        result = mailbox.poll(default_service=other, config=jwt_config(server, path))

        assert result["created"] == 1 and Case.objects.get().title == "Spørgsmål 1 om løn"
        (request,) = endpoint.requests
        assert set(request) == {"grant_type", "assertion"}  # no client secret is sent
        assert request["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
        ((header, claims),) = endpoint.assertions  # the signature was verified
        assert header == {
            "alg": "RS256",
            "typ": "JWT",
            "kid": "3f1c0a9e8d7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
        }
        assert claims["iss"] == ACCOUNT and claims["sub"] == MAILBOX
        assert claims["scope"] == "https://mail.google.com/" and claims["aud"] == endpoint.url
        assert claims["exp"] - claims["iat"] == 3600  # Google's longest
        (token,) = endpoint.issued
        assert server.sasl == [f"user={MAILBOX}\x01auth=Bearer {token}\x01\x01".encode()]


def test_one_token_per_mailbox_and_key_while_it_is_valid(portal, other, tmp_path, key):
    with endpoint_for(key) as endpoint, google(endpoint, tmp_path) as server:
        path = key_file(tmp_path, key, endpoint.url)
        server.add(new_mail(1))
        mailbox.poll(default_service=other, config=jwt_config(server, path))
        server.add(new_mail(2))
        mailbox.poll(default_service=other, config=jwt_config(server, path))
        assert len(endpoint.requests) == 1 and Case.objects.count() == 2
        # Another mailbox is another subject: its own assertion and token (here refused,
        # because the delegation covers only the portal's mailbox).
        error = refused(other, jwt_config(server, path, user="løn@kk.dk"))
        assert error.errors[0].code == "token_refused"
        assert "unauthorized_client: Client is unauthorized" in str(error)
        assert [claims["sub"] for _header, claims in endpoint.assertions] == [
            MAILBOX,
            "løn@kk.dk",
        ]


def test_a_key_the_endpoint_does_not_know_is_refused(portal, other, tmp_path, key):
    with endpoint_for(key) as endpoint, google(endpoint, tmp_path) as server:
        server.add(new_mail())
        before = state(server)
        path = key_file(tmp_path, rsa_key(), endpoint.url)  # a key Google does not know
        error = refused(other, jwt_config(server, path))
        assert error.errors[0].code == "token_refused"
        assert str(error).endswith("(HTTP 400): invalid_grant: Invalid JWT Signature.")
        assert server.log == [] and state(server) == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "No such file or directory"),
        ("{not json", "ikke en JSON-nøglefil"),
        ('["a list"]', "ikke en JSON-nøglefil"),
        ({"client_email": ""}, "client_email mangler"),
        ({"private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n"}, "ikke en ukrypteret PEM-nøgle"),
    ],
    ids=["missing", "not-json", "not-an-object", "no-client-email", "broken-key"],
)
def test_an_unusable_key_file_is_named_and_nothing_is_asked(
    portal, other, tmp_path, key, content, reason
):
    with endpoint_for(key) as endpoint, google(endpoint, tmp_path) as server:
        server.add(new_mail())
        before = state(server)
        path = key_file(tmp_path, key, endpoint.url)
        if content is None:
            path.unlink()
        elif isinstance(content, str):
            path.write_text(content)
        else:
            key_file(tmp_path, key, endpoint.url, **content)
        error = refused(other, jwt_config(server, path))
        assert error.errors[0].code == "config"
        assert str(error).startswith(f"Tjenestekontoens nøglefil {path} ")
        assert reason in str(error)
        assert endpoint.requests == [] and server.log == [] and state(server) == before


def test_settings_choose_the_grant_and_googles_scope(portal, other, tmp_path, key):
    with endpoint_for(key) as endpoint, google(endpoint, tmp_path) as server:
        path = key_file(tmp_path, key, endpoint.url)
        with override_settings(
            KS_MAIL_IMAP_AUTH="xoauth2",
            KS_MAIL_IMAP_OAUTH_GRANT="jwt_bearer",
            KS_MAIL_IMAP_OAUTH_KEY_FILE=str(path),
            KS_MAIL_IMAP_OAUTH_SCOPE="",
            KS_MAIL_IMAP_OAUTH_TOKEN_URL="",
        ):
            config = mailbox.ImapConfig.from_settings()
        assert config.oauth_scope == "https://mail.google.com/"
        assert config.token_url() == endpoint.url
        with override_settings(KS_MAIL_IMAP_OAUTH_SCOPE=""):
            assert mailbox.ImapConfig.from_settings().oauth_scope == mailbox.EXCHANGE_ONLINE_SCOPE
        assert "KS_MAIL_IMAP_OAUTH_GRANT skal være" in str(
            refused(other, jwt_config(server, path, oauth_grant="saml"))
        )
        assert "KS_MAIL_IMAP_OAUTH_KEY_FILE mangler" in str(
            refused(other, jwt_config(server, path, oauth_key_file=""))
        )
        assert endpoint.requests == []
