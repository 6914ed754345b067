"""An OAuth 2.0 token endpoint in a thread: a fake of Microsoft Entra ID's
``/<tenant>/oauth2/v2.0/token`` for the client-credentials grant (RFC 6749 4.4).

A real HTTP server on 127.0.0.1 (plain HTTP, or HTTPS with a self-signed certificate to prove
that the client verifies it). It checks the form the client posts, issues random tokens with
an expiry, and refuses like Entra ID does: HTTP 400/401 with a JSON body holding ``error``
and ``error_description`` (``AADSTS…`` codes). The IMAP test server asks :meth:`valid` whether
a token it is shown was issued here and has not expired or been revoked.
"""

from __future__ import annotations

import json
import secrets
import ssl
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .imap_server import InThreadServer, make_certificate

EXCHANGE_SCOPE = "https://outlook.office365.com/.default"


class FakeTokenEndpoint(InThreadServer):
    def __init__(
        self,
        *,
        client_id: str = "6c1f0e9a-ks-portal-mail",
        client_secret: str = "app-hemmelighed~42",
        scope: str = EXCHANGE_SCOPE,
        expires_in: int = 3599,
        tls_folder: Path | None = None,
    ) -> None:
        self.client_id, self.client_secret, self.scope = client_id, client_secret, scope
        self.expires_in = expires_in
        self.tenant = str(uuid.uuid4())  # a URL of its own: no token cached from another test
        self.requests: list[dict[str, str]] = []  # every form posted, in order
        self.issued: dict[str, float] = {}  # token -> expires at (time.monotonic)
        self.reply: tuple[int, str, bytes] | None = None  # fixed answer: status, type, body
        self.delay = 0.0  # seconds before answering (timeouts)
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                status, kind, answer = fake.answer(self.path, self.headers, body)
                if fake.delay:
                    time.sleep(fake.delay)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(answer)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet tests

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.scheme = "http"
        if tls_folder is not None:
            cert_file, key_file = make_certificate(tls_folder)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert_file, key_file)
            server.socket = context.wrap_socket(server.socket, server_side=True)
            self.scheme = "https"
        self.start_serving(server)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/{self.tenant}/oauth2/v2.0/token"

    def valid(self, token: str) -> bool:
        with self.lock:
            expires = self.issued.get(token)
        return expires is not None and time.monotonic() < expires

    def revoke_all(self) -> None:
        with self.lock:
            self.issued.clear()

    def received(self, body: str) -> dict[str, str]:
        """The posted form, recorded in ``requests``."""
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}
        with self.lock:
            self.requests.append(form)
        return form

    def answer(self, path: str, headers: Any, body: str) -> tuple[int, str, bytes]:
        form = self.received(body)
        if self.reply is not None:
            return self.reply
        if path != f"/{self.tenant}/oauth2/v2.0/token":
            return self.error(404, "invalid_request", "AADSTS90002: Tenant not found.")
        if headers.get("Content-Type") != "application/x-www-form-urlencoded":
            return self.error(400, "invalid_request", "AADSTS900144: grant_type is missing.")
        if form.get("grant_type") != "client_credentials":
            return self.error(400, "unsupported_grant_type", "AADSTS70003: unsupported grant.")
        if form.get("client_id") != self.client_id:
            return self.error(400, "unauthorized_client", "AADSTS700016: Application not found.")
        if form.get("client_secret") != self.client_secret:
            return self.error(
                401,
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent "
                "in the request is the client secret value, not the client secret ID.\r\n"
                "Trace ID: 0f6b7c1e-0000\r\nCorrelation ID: 3d2a-0000",
            )
        if form.get("scope") != self.scope:
            return self.error(400, "invalid_scope", "AADSTS1002012: The provided scope is invalid.")
        token = "eyJ0eXAiOiJKV1Qi." + secrets.token_urlsafe(24)
        with self.lock:
            self.issued[token] = time.monotonic() + self.expires_in
        answer = {
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "ext_expires_in": self.expires_in,
            "access_token": token,
        }
        return 200, "application/json; charset=utf-8", json.dumps(answer).encode()

    @staticmethod
    def error(status: int, error: str, description: str) -> tuple[int, str, bytes]:
        body = {
            "error": error,
            "error_description": description,
            "error_codes": [int(description[6 : description.index(":")])],
        }
        return status, "application/json; charset=utf-8", json.dumps(body).encode()


GOOGLE_SCOPE = "https://mail.google.com/"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class FakeGoogleTokenEndpoint(FakeTokenEndpoint):
    """A fake of Google's ``https://oauth2.googleapis.com/token`` for the JWT bearer grant
    (RFC 7523) of a service account with domain-wide delegation. It holds the service
    account's public key, verifies the assertion's RS256 signature and claims as Google does,
    and refuses with Google's ``error``/``error_description`` answers."""

    def __init__(self, *, public_key: Any, client_email: str, delegated: set[str]) -> None:
        super().__init__(scope=GOOGLE_SCOPE)
        self.public_key, self.client_email, self.delegated = public_key, client_email, delegated
        self.assertions: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (header, claims)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/{self.tenant}/token"

    def answer(self, path: str, headers: Any, body: str) -> tuple[int, str, bytes]:
        import jwt

        form = self.received(body)
        if self.reply is not None:
            return self.reply
        if path != f"/{self.tenant}/token" or form.get("grant_type") != JWT_BEARER:
            return self.google(400, "unsupported_grant_type", "Invalid grant_type: ")
        try:
            header = jwt.get_unverified_header(form.get("assertion", ""))
            claims = jwt.decode(
                form["assertion"],
                self.public_key,
                algorithms=["RS256"],
                audience=self.url,
                options={"require": ["iss", "sub", "aud", "iat", "exp", "scope"]},
            )
        except jwt.InvalidSignatureError:
            return self.google(400, "invalid_grant", "Invalid JWT Signature.")
        except (jwt.InvalidTokenError, KeyError):
            return self.google(400, "invalid_grant", "Invalid JWT: malformed or wrong audience.")
        with self.lock:
            self.assertions.append((header, claims))
        if claims["exp"] - claims["iat"] > 3600:
            return self.google(
                400, "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes)"
            )
        if claims["iss"] != self.client_email:
            return self.google(400, "invalid_grant", "Invalid JWT Signature.")
        if claims["sub"] not in self.delegated or claims["scope"] != GOOGLE_SCOPE:
            return self.google(
                401,
                "unauthorized_client",
                "Client is unauthorized to retrieve access tokens using this method, or client "
                "not authorized for any of the scopes requested.",
            )
        token = "ya29.c." + secrets.token_urlsafe(24)
        with self.lock:
            self.issued[token] = time.monotonic() + self.expires_in
        answer = {"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"}
        return 200, "application/json; charset=UTF-8", json.dumps(answer).encode()

    @staticmethod
    def google(status: int, error: str, description: str) -> tuple[int, str, bytes]:
        body = {"error": error, "error_description": description}
        return status, "application/json; charset=utf-8", json.dumps(body).encode()
