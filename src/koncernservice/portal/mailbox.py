"""Inbound e-mail from an IMAP mailbox: ``ks portal mail-import --imap`` (run every minute).

Each message goes through :func:`koncernservice.portal.services.mail_ingest`, exactly like an
``.eml`` file from the folder import: a reply threads into its case (Message-ID/In-Reply-To/
References or the case number in the subject), an unknown thread becomes a new case.

Only the standard library's :mod:`imaplib` is used, over TLS (``IMAP4_SSL``, or ``STARTTLS``
on the plain port; unencrypted only to a server on this machine). The login is the user name
and password, or - for Microsoft 365 / Exchange Online and Google, which refuse passwords -
SASL ``XOAUTH2`` with an OAuth 2.0 access token: from the client-credentials grant
(Microsoft Entra ID) or from a JWT assertion signed with a service account's key (RFC 7523;
Google Workspace with domain-wide delegation). The token is fetched with :mod:`urllib`
before the IMAP connection is opened and kept in the process until shortly before it
expires; see :func:`oauth_token`. After a message is handled
it is moved to the *done* folder, or - when no folders are configured - marked ``\\Seen`` in
place. A message that cannot be used (unknown sender, unreadable, too large, refused) is moved
to the *failed* folder (or marked ``\\Seen \\Flagged``) with the reason in the log: nothing is
ever deleted, so an operator can look at it and move it back.

Idempotent: the database records every message it has turned into a case or reply (by the hash
of its Message-ID), in the same transaction as the case. If the poll stops after that commit
but before the message was moved (network, restart), the next poll finds the message again,
``mail_ingest`` answers ``duplicate`` and the message is moved: never two cases. A database
error stops the poll and leaves the message where it is for the next run.
"""

from __future__ import annotations

import hashlib
import http.client
import imaplib
import json
import logging
import os
import re
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from koncernservice.core.errors import DomainError
from koncernservice.portal import services
from koncernservice.portal.models import InboundMail, Service

log = logging.getLogger(__name__)

LOOPBACK = {"localhost", "127.0.0.1", "::1"}
SECURITY = ("ssl", "starttls", "plain")
AUTH = ("password", "xoauth2")
GRANTS = ("client_credentials", "jwt_bearer")
EXCHANGE_ONLINE_SCOPE = "https://outlook.office365.com/.default"
GOOGLE_MAIL_SCOPE = "https://mail.google.com/"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_LIFETIME = 3600  # seconds: the longest assertion Google accepts


class MailboxError(DomainError):
    """The mailbox cannot be used (connection, login, folder): nothing was changed."""


def _mailbox_error(message: str, code: str) -> MailboxError:
    error = MailboxError.single(message, code=code, status=503)
    assert isinstance(error, MailboxError)
    return error


@dataclass(frozen=True)
class ImapConfig:
    host: str
    user: str = ""
    password: str = ""
    port: int = 0  # 0: 993 for ssl, 143 otherwise
    security: str = "ssl"  # ssl (IMAP4_SSL), starttls, plain (only to this machine)
    folder: str = "INBOX"
    done_folder: str = ""  # empty (and failed_folder empty): mark \Seen in place
    failed_folder: str = ""
    ca_file: str = ""  # a private CA for the server's certificate
    max_bytes: int = 25 * 1024 * 1024
    timeout: float = 60.0  # the IMAP connection and the token request each
    auth: str = "password"  # password (LOGIN) | xoauth2 (AUTHENTICATE XOAUTH2 with a token)
    oauth_token_url: str = ""  # https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token
    oauth_client_id: str = ""
    oauth_client_secret: str = ""
    oauth_scope: str = EXCHANGE_ONLINE_SCOPE
    # client_credentials (Entra ID) | jwt_bearer (a service account's JSON key signs the
    # assertion; the mailbox user is its subject: Google Workspace domain-wide delegation)
    oauth_grant: str = "client_credentials"
    oauth_key_file: str = ""

    @classmethod
    def from_settings(cls) -> ImapConfig:
        return cls(
            host=settings.KS_MAIL_IMAP_HOST,
            port=settings.KS_MAIL_IMAP_PORT,
            security=settings.KS_MAIL_IMAP_SECURITY,
            user=settings.KS_MAIL_IMAP_USER,
            password=settings.KS_MAIL_IMAP_PASSWORD,
            folder=settings.KS_MAIL_IMAP_FOLDER,
            done_folder=settings.KS_MAIL_IMAP_DONE_FOLDER,
            failed_folder=settings.KS_MAIL_IMAP_FAILED_FOLDER,
            ca_file=settings.KS_MAIL_IMAP_CA_FILE,
            max_bytes=settings.KS_MAIL_MAX_BYTES,
            auth=settings.KS_MAIL_IMAP_AUTH,
            oauth_token_url=settings.KS_MAIL_IMAP_OAUTH_TOKEN_URL,
            oauth_client_id=settings.KS_MAIL_IMAP_OAUTH_CLIENT_ID,
            oauth_client_secret=settings.KS_MAIL_IMAP_OAUTH_CLIENT_SECRET,
            oauth_scope=settings.KS_MAIL_IMAP_OAUTH_SCOPE
            or (
                GOOGLE_MAIL_SCOPE
                if settings.KS_MAIL_IMAP_OAUTH_GRANT == "jwt_bearer"
                else EXCHANGE_ONLINE_SCOPE
            ),
            oauth_grant=settings.KS_MAIL_IMAP_OAUTH_GRANT,
            oauth_key_file=settings.KS_MAIL_IMAP_OAUTH_KEY_FILE,
        )

    def check(self) -> None:
        if not self.host:
            raise _mailbox_error(_("No IMAP server is configured (KS_MAIL_IMAP_HOST)."), "config")
        if self.security not in SECURITY:
            raise _mailbox_error(
                _("KS_MAIL_IMAP_SECURITY must be ssl, starttls or plain."), "config"
            )
        if self.security == "plain" and self.host not in LOOPBACK:
            raise _mailbox_error(
                _("An unencrypted IMAP connection is only allowed to this machine."), "config"
            )
        if bool(self.done_folder) != bool(self.failed_folder):
            raise _mailbox_error(
                _("Give both the done and the failed IMAP folder, or neither."), "config"
            )
        if self.auth not in AUTH:
            raise _mailbox_error(_("KS_MAIL_IMAP_AUTH must be password or xoauth2."), "config")
        if self.auth == "xoauth2":
            self._check_oauth()

    def _check_oauth(self) -> None:
        if self.oauth_grant not in GRANTS:
            raise _mailbox_error(
                _("KS_MAIL_IMAP_OAUTH_GRANT must be client_credentials or jwt_bearer."), "config"
            )
        needed = (
            [("KS_MAIL_IMAP_OAUTH_KEY_FILE", self.oauth_key_file)]
            if self.oauth_grant == "jwt_bearer"
            else [
                ("KS_MAIL_IMAP_OAUTH_TOKEN_URL", self.oauth_token_url),
                ("KS_MAIL_IMAP_OAUTH_CLIENT_ID", self.oauth_client_id),
                ("KS_MAIL_IMAP_OAUTH_CLIENT_SECRET", self.oauth_client_secret),
            ]
        )
        missing = [
            name
            for name, value in (
                ("KS_MAIL_IMAP_USER", self.user),
                *needed,
                ("KS_MAIL_IMAP_OAUTH_SCOPE", self.oauth_scope),
            )
            if not value.strip()
        ]
        if missing:
            raise _mailbox_error(
                ngettext(
                    "%(settings)s is missing (needed with KS_MAIL_IMAP_AUTH=xoauth2).",
                    "%(settings)s are missing (needed with KS_MAIL_IMAP_AUTH=xoauth2).",
                    len(missing),
                )
                % {"settings": ", ".join(missing)},
                "config",
            )
        token_url = self.token_url()  # with jwt_bearer: reads and checks the key file
        url = urllib.parse.urlsplit(token_url)
        local = url.scheme == "http" and url.hostname in LOOPBACK
        if not local and (url.scheme != "https" or not url.hostname):
            raise _mailbox_error(
                _(
                    "KS_MAIL_IMAP_OAUTH_TOKEN_URL must be an https:// address (http:// only "
                    "to this machine): %(url)s"
                )
                % {"url": token_url},
                "config",
            )

    def token_url(self) -> str:
        if self.oauth_token_url or self.oauth_grant != "jwt_bearer":
            return self.oauth_token_url
        return service_account(self.oauth_key_file).token_uri

    @property
    def moves(self) -> bool:
        return bool(self.done_folder)


def imap_utf7(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3): "Sager/Afvist æ" works."""
    import base64

    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def _quoted_text(text: str) -> str:
    """An IMAP quoted string (RFC 3501 ``quoted``)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _quoted(name: str) -> str:
    """A folder name: modified UTF-7, quoted."""
    return _quoted_text(imap_utf7(name))


def _ok(response: tuple[str, list[Any]], what: str) -> list[Any]:
    typ, data = response
    if typ != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise _mailbox_error(
            _("The IMAP server refused %(what)s: %(detail)s") % {"what": what, "detail": detail},
            "imap",
        )
    return data


# --- OAuth 2.0 access token (client credentials) for SASL XOAUTH2 ----------------------------

TOKEN_REFRESH_MARGIN = 60.0  # seconds: a token is fetched anew this long before it expires
TOKEN_DEFAULT_LIFETIME = 300  # seconds, when the answer has no expires_in
TOKEN_MAX_ANSWER = 64 * 1024


@dataclass(frozen=True)
class OAuthToken:
    value: str
    expires_at: float  # time.monotonic()
    cached: bool = False  # taken from the process's cache (not fetched for this call)


_tokens: dict[tuple[str, ...], OAuthToken] = {}
_tokens_lock = threading.Lock()


def _token_key(config: ImapConfig) -> tuple[str, ...]:
    if config.oauth_grant == "jwt_bearer":  # a token per service account key and mailbox
        account = service_account(config.oauth_key_file)
        secret = hashlib.sha256(account.private_key.encode()).hexdigest()
        return (config.token_url(), account.client_email, config.oauth_scope, secret, config.user)
    secret = hashlib.sha256(config.oauth_client_secret.encode()).hexdigest()
    return (config.oauth_token_url, config.oauth_client_id, config.oauth_scope, secret)


@dataclass(frozen=True)
class ServiceAccount:
    """The fields of a Google service account's JSON key that the JWT grant needs."""

    client_email: str
    private_key: str  # PEM
    key_id: str
    token_uri: str


_accounts: dict[tuple[str, float], ServiceAccount] = {}


def service_account(path: str) -> ServiceAccount:
    """Read and check the key file (cached per file and modification time)."""
    try:
        stamp = os.stat(path).st_mtime
        known = _accounts.get((path, stamp))
        if known is not None:
            return known
        with open(path, "rb") as handle:
            raw = handle.read(TOKEN_MAX_ANSWER + 1)
    except OSError as exc:
        raise _key_file_error(path, exc.strerror or type(exc).__name__) from exc
    try:
        data = json.loads(raw[:TOKEN_MAX_ANSWER].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _key_file_error(path, _("not a JSON key file")) from None
    if not isinstance(data, dict):
        raise _key_file_error(path, _("not a JSON key file"))
    missing = [
        name
        for name in ("client_email", "private_key", "token_uri")
        if not isinstance(data.get(name), str) or not data[name].strip()
    ]
    if missing:
        raise _key_file_error(path, _("missing %(fields)s") % {"fields": ", ".join(missing)})
    try:
        load_pem_private_key(data["private_key"].encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise _key_file_error(path, _("private_key is not an unencrypted PEM key")) from None
    account = ServiceAccount(
        client_email=data["client_email"].strip(),
        private_key=data["private_key"],
        key_id=str(data.get("private_key_id") or ""),
        token_uri=data["token_uri"].strip(),
    )
    _accounts[(path, stamp)] = account
    return account


def _key_file_error(path: str, reason: str) -> MailboxError:
    return _mailbox_error(
        _(
            "The service account key file %(path)s (KS_MAIL_IMAP_OAUTH_KEY_FILE) cannot be "
            "used: %(reason)s."
        )
        % {"path": path, "reason": reason},
        "config",
    )


def jwt_assertion(config: ImapConfig, now: float | None = None) -> str:
    """The signed assertion of the JWT bearer grant (RFC 7523 2.1): the service account
    asks, for the mailbox user (``sub``: domain-wide delegation), for ``scope``."""
    account = service_account(config.oauth_key_file)
    issued = int(time.time() if now is None else now)
    claims = {
        "iss": account.client_email,
        "sub": config.user,
        "scope": config.oauth_scope,
        "aud": config.token_url(),
        "iat": issued,
        "exp": issued + JWT_LIFETIME,
    }
    headers = {"kid": account.key_id} if account.key_id else None
    return jwt.encode(claims, account.private_key, algorithm="RS256", headers=headers)


def _token_form(config: ImapConfig) -> dict[str, str]:
    if config.oauth_grant == "jwt_bearer":
        return {"grant_type": JWT_BEARER, "assertion": jwt_assertion(config)}
    return {  # RFC 6749 4.4
        "grant_type": "client_credentials",
        "client_id": config.oauth_client_id,
        "client_secret": config.oauth_client_secret,
        "scope": config.oauth_scope,
    }


def oauth_token(config: ImapConfig, *, fresh: bool = False) -> OAuthToken:
    """The access token for ``config``: from the process's cache while it is valid for
    more than :data:`TOKEN_REFRESH_MARGIN` seconds, else fetched from the token endpoint."""
    key = _token_key(config)
    with _tokens_lock:
        known = _tokens.get(key)
        if known is not None and not fresh and time.monotonic() < known.expires_at:
            return OAuthToken(known.value, known.expires_at, cached=True)
        token = _fetch_token(config)
        _tokens[key] = token
        return token


def forget_token(config: ImapConfig) -> None:
    """Drop the cached token (the IMAP server refused it): the next poll fetches a new one."""
    with _tokens_lock:
        _tokens.pop(_token_key(config), None)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A token endpoint answers, it does not redirect: the client secret goes nowhere else."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _one_line(text: str, limit: int = 500) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _fetch_token(config: ImapConfig) -> OAuthToken:
    """POST the grant (client credentials or JWT bearer) to the token endpoint."""
    url = config.token_url()
    body = urllib.parse.urlencode(_token_form(config)).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
    )
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=ssl.create_default_context()), _NoRedirect()
    )
    try:
        with opener.open(request, timeout=config.timeout) as response:
            raw = response.read(TOKEN_MAX_ANSWER + 1)
    except urllib.error.HTTPError as exc:
        raise _mailbox_error(
            _("The OAuth token endpoint %(url)s refused the request (HTTP %(status)s): %(error)s")
            % {"url": url, "status": exc.code, "error": _oauth_error(exc)},
            "token_refused",
        ) from exc
    except (OSError, http.client.HTTPException, ValueError) as exc:  # URLError, TLS, timeout
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise _mailbox_error(
            _("Cannot reach the OAuth token endpoint %(url)s: %(error)s")
            % {"url": url, "error": reason or type(exc).__name__},
            "token_unreachable",
        ) from exc
    try:
        answer = json.loads(raw[:TOKEN_MAX_ANSWER].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        answer = None
    value = answer.get("access_token") if isinstance(answer, dict) else None
    token_type = str(answer.get("token_type", "Bearer")) if isinstance(answer, dict) else ""
    if not isinstance(value, str) or not value or token_type.lower() != "bearer":
        raise _mailbox_error(
            _("The OAuth token endpoint %(url)s answered without a Bearer access_token: %(answer)s")
            % {"url": url, "answer": _describe_answer(raw)},
            "token_invalid",
        )
    assert isinstance(answer, dict)
    try:  # seconds, an integer (Entra ID v2) or a string of one (v1)
        lifetime = min(float(answer.get("expires_in", TOKEN_DEFAULT_LIFETIME)), 86_400.0)
    except (TypeError, ValueError):
        lifetime = TOKEN_DEFAULT_LIFETIME
    if not lifetime >= 0:  # negative or NaN
        lifetime = 0.0
    margin = min(TOKEN_REFRESH_MARGIN, lifetime / 2)
    log.info("OAuth token for IMAP fetched from %s (valid for %d s)", url, lifetime)
    return OAuthToken(value, time.monotonic() + max(0.0, lifetime - margin))


def _describe_answer(raw: bytes) -> str:
    """What came back, for the message: the field names of a JSON object (never a token)."""
    try:
        answer = json.loads(raw[:TOKEN_MAX_ANSWER].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _("not JSON (%(start)s)") % {
            "start": _one_line(raw[:200].decode("utf-8", "replace"), 200)
        }
    if isinstance(answer, dict):
        fields = ", ".join(sorted(str(k) for k in answer)) or "-"
        return _("fields %(fields)s") % {"fields": fields}
    return _("not a JSON object")


def _oauth_error(exc: urllib.error.HTTPError) -> str:
    """The OAuth error (RFC 6749 5.2: ``error``, ``error_description``) of a refusal."""
    try:
        raw = exc.read(TOKEN_MAX_ANSWER)
    except (OSError, http.client.HTTPException):
        raw = b""
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        answer = None
    if isinstance(answer, dict) and answer.get("error"):
        error = str(answer["error"])
        description = _one_line(str(answer.get("error_description") or ""))
        return f"{error}: {description}" if description else error
    text = _one_line(raw.decode("utf-8", "replace"), 200)
    return text or str(exc.reason or "-")


def _xoauth2_string(user: str, token: str) -> bytes:
    """The SASL XOAUTH2 initial client response, before base64 (imaplib encodes it)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


_SIZE = re.compile(rb"UID (\d+)[^)]*?RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+)[^)]*?UID (\d+)")


class _Session:
    """One logged-in connection with the mailbox selected."""

    def __init__(self, config: ImapConfig, token: OAuthToken | None = None) -> None:
        self.config = config
        self.needs_expunge = False
        port = config.port or (993 if config.security == "ssl" else 143)
        context = ssl.create_default_context(cafile=config.ca_file or None)
        try:
            if config.security == "ssl":
                self.imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    config.host, port, ssl_context=context, timeout=config.timeout
                )
            else:
                self.imap = imaplib.IMAP4(config.host, port, timeout=config.timeout)
                if config.security == "starttls":
                    self.imap.starttls(ssl_context=context)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise _mailbox_error(
                _("Cannot connect to the IMAP server %(host)s: %(error)s")
                % {"host": config.host, "error": exc},
                "connect",
            ) from exc
        if config.auth == "xoauth2":
            assert token is not None
            try:
                self._xoauth2(token)
            except BaseException:
                self.close()
                raise
        else:
            try:
                self.imap.login(_quoted_text(config.user), config.password)
            except (imaplib.IMAP4.error, UnicodeEncodeError) as exc:
                self.close()
                raise _mailbox_error(
                    _(
                        "The IMAP server refused the login of %(user)s (user name and password "
                        "must be ASCII)."
                    )
                    % {"user": config.user},
                    "login",
                ) from exc
        capabilities = {str(c).upper() for c in self.imap.capabilities}
        self.can_move = "MOVE" in capabilities
        self.uidplus = "UIDPLUS" in capabilities
        try:
            if config.moves:
                for folder in (config.done_folder, config.failed_folder):
                    self.imap.create(_quoted(folder))  # "already exists" is fine
            _ok(self.imap.select(_quoted(config.folder)), _("the folder %s") % config.folder)
        except BaseException:
            self.close()
            raise

    def _xoauth2(self, token: OAuthToken) -> None:
        """``AUTHENTICATE XOAUTH2``; a refused token from the cache is replaced once."""
        config = self.config
        if "AUTH=XOAUTH2" not in {str(c).upper() for c in self.imap.capabilities}:
            raise _mailbox_error(
                _(
                    "The IMAP server %(host)s does not offer the XOAUTH2 login "
                    "(AUTH=XOAUTH2 is not among its capabilities)."
                )
                % {"host": config.host},
                "login",
            )
        refusal = self._authenticate(token)
        if refusal is not None and token.cached:
            log.warning("IMAP server %s refused the cached OAuth token: %s", config.host, refusal)
            token = oauth_token(config, fresh=True)
            refusal = self._authenticate(token)
        if refusal is not None:
            forget_token(config)
            hint = (
                _(
                    "Google Workspace: the service account needs domain-wide delegation with "
                    "this scope, and IMAP must be on for the mailbox."
                )
                if config.oauth_grant == "jwt_bearer"
                else _(
                    "Exchange Online: the app needs the IMAP.AccessAsApp permission with admin "
                    "consent, a service principal in Exchange and access to this mailbox."
                )
            )
            raise _mailbox_error(
                _("The IMAP server %(host)s refused the OAuth token for %(user)s: %(detail)s.")
                % {"host": config.host, "user": config.user, "detail": refusal.rstrip(". ")}
                + " "
                + hint,
                "login",
            )

    def _authenticate(self, token: OAuthToken) -> str | None:
        """One SASL XOAUTH2 exchange: None when logged in, else what the server said (its
        tagged answer, and the decoded JSON challenge that Google's servers send first)."""
        initial = _xoauth2_string(self.config.user, token.value)
        sent: list[bytes] = []
        said: list[bytes] = []

        def respond(challenge: bytes) -> bytes:
            if not sent:  # the server's "+ " after AUTHENTICATE XOAUTH2
                sent.append(initial)
                return initial
            said.append(challenge)  # an error challenge: answered with an empty response,
            return b""  # after which the server ends the exchange with NO

        try:
            self.imap.authenticate("XOAUTH2", respond)
        except (imaplib.IMAP4.error, ValueError) as exc:  # ValueError: challenge not base64
            details = [_one_line(c.decode("utf-8", "replace"), 300) for c in said]
            return "; ".join([_one_line(str(exc), 300), *filter(None, details)])
        except OSError as exc:
            raise _mailbox_error(
                _("Cannot connect to the IMAP server %(host)s: %(error)s")
                % {"host": self.config.host, "error": exc},
                "connect",
            ) from exc
        return None

    def waiting(self) -> list[int]:
        """UIDs of the messages still to handle, oldest first."""
        criteria = "UNDELETED" if self.config.moves else "UNSEEN UNDELETED"
        data = _ok(self.imap.uid("SEARCH", criteria), "SEARCH")
        return sorted(int(uid) for line in data if line for uid in line.split())

    def sizes(self, uids: list[int]) -> dict[int, int]:
        if not uids:
            return {}
        data = _ok(self.imap.uid("FETCH", ",".join(map(str, uids)), "(RFC822.SIZE)"), "FETCH")
        sizes: dict[int, int] = {}
        for line in data:
            raw = line[0] if isinstance(line, tuple) else line
            match = _SIZE.search(raw or b"")
            if match:
                uid, size = (match[1], match[2]) if match[1] else (match[4], match[3])
                sizes[int(uid)] = int(size)
        return sizes

    def fetch(self, uid: int) -> bytes | None:
        data = _ok(self.imap.uid("FETCH", str(uid), "(BODY.PEEK[])"), "FETCH")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return bytes(item[1])
        return None  # gone meanwhile (another client)

    def put(self, uid: int, *, failed: bool) -> None:
        """Move the message to the done/failed folder, or flag it in place."""
        if not self.config.moves:
            flags = "(\\Seen \\Flagged)" if failed else "(\\Seen)"
            _ok(self.imap.uid("STORE", str(uid), "+FLAGS.SILENT", flags), "STORE")
            return
        target = _quoted(self.config.failed_folder if failed else self.config.done_folder)
        if self.can_move:
            _ok(self.imap.uid("MOVE", str(uid), target), "MOVE")
            return
        _ok(self.imap.uid("COPY", str(uid), target), "COPY")
        _ok(self.imap.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Deleted)"), "STORE")
        if self.uidplus:
            _ok(self.imap.uid("EXPUNGE", str(uid)), "EXPUNGE")
        else:
            self.needs_expunge = True

    def close(self) -> None:
        try:
            if self.needs_expunge and self.imap.state == "SELECTED":
                self.imap.expunge()
            self.imap.logout()
        except (OSError, imaplib.IMAP4.error):
            log.warning("IMAP logout from %s failed", self.config.host)


def _header(raw: bytes, name: str) -> str:
    """One header, for the log only (never the content): a failed message can be found."""
    import email
    import email.policy

    try:
        head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        parsed = email.message_from_bytes(head, policy=email.policy.compat32)
        return str(parsed.get(name, "") or "")[:200]
    except Exception:
        return ""


def poll(
    *, default_service: Service, config: ImapConfig | None = None, limit: int = 200
) -> dict[str, Any]:
    """Read up to ``limit`` waiting messages into cases; returns per-message results and
    counts (``reply``, ``created``, ``duplicate``, ``failed``)."""
    config = config or ImapConfig.from_settings()
    config.check()
    token = oauth_token(config) if config.auth == "xoauth2" else None
    session = _Session(config, token)
    results: list[dict[str, Any]] = []
    try:
        uids = session.waiting()[:limit]
        sizes = session.sizes(uids)
        for uid in uids:
            results.append(_handle(session, uid, sizes.get(uid, 0), default_service))
    except (OSError, imaplib.IMAP4.error) as exc:
        log.warning("IMAP poll of %s stopped after %d messages: %s", config.host, len(results), exc)
        raise _mailbox_error(
            _(
                "The connection to the IMAP server was lost after %(n)d messages: %(error)s. "
                "The next run goes on from there."
            )
            % {"n": len(results), "error": exc},
            "connection_lost",
        ) from exc
    finally:
        session.close()
    counts = {
        status: sum(1 for r in results if r["status"] == status)
        for status in ("reply", "created", "duplicate", "failed")
    }
    return {"messages": results, **counts}


def _handle(session: _Session, uid: int, size: int, service: Service) -> dict[str, Any]:
    config = session.config
    if size > config.max_bytes:
        return _fail(session, uid, b"", "too_large")
    raw = session.fetch(uid)
    if raw is None:
        return {"uid": uid, "status": "gone", "case": "", "reason": ""}
    if len(raw) > config.max_bytes:
        return _fail(session, uid, raw, "too_large")
    try:
        result = services.mail_ingest(
            raw=raw, default_service=service, source=InboundMail.Source.IMAP
        )
    except DomainError as exc:  # unreadable, closed case, access refused, ...
        return _fail(session, uid, raw, exc.errors[0].code if exc.errors else "invalid")
    except DatabaseError:
        raise  # not the message's fault: it stays in the inbox for the next poll
    except Exception:
        log.exception("Inbound e-mail UID %s could not be handled", uid)
        return _fail(session, uid, raw, "error")
    if result["status"] == "rejected":
        return _fail(session, uid, raw, result["reason"] or "rejected")
    session.put(uid, failed=False)
    log.info(
        "Inbound e-mail UID %s (%s): %s %s",
        uid,
        _header(raw, "Message-ID"),
        result["status"],
        result["case"],
    )
    return {"uid": uid, **result}


def _fail(session: _Session, uid: int, raw: bytes, reason: str) -> dict[str, Any]:
    session.put(uid, failed=True)
    where = session.config.failed_folder or f"{session.config.folder} (flagged)"
    log.warning(
        "Inbound e-mail UID %s (Message-ID %s) refused: %s; kept in %s",
        uid,
        _header(raw, "Message-ID") or "-",
        reason,
        where,
    )
    return {"uid": uid, "status": "failed", "case": "", "reason": reason}
