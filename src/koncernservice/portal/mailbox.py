"""Inbound e-mail from an IMAP mailbox: ``ks portal mail-import --imap`` (run every minute).

Each message goes through :func:`koncernservice.portal.services.mail_ingest`, exactly like an
``.eml`` file from the folder import: a reply threads into its case (Message-ID/In-Reply-To/
References or the case number in the subject), an unknown thread becomes a new case.

Only the standard library's :mod:`imaplib` is used, over TLS (``IMAP4_SSL``, or ``STARTTLS``
on the plain port; unencrypted only to a server on this machine). After a message is handled
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

import imaplib
import logging
import re
import ssl
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import gettext as _

from koncernservice.core.errors import DomainError
from koncernservice.portal import services
from koncernservice.portal.models import InboundMail, Service

log = logging.getLogger(__name__)

LOOPBACK = {"localhost", "127.0.0.1", "::1"}
SECURITY = ("ssl", "starttls", "plain")


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
    timeout: float = 60.0

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


_SIZE = re.compile(rb"UID (\d+)[^)]*?RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+)[^)]*?UID (\d+)")


class _Session:
    """One logged-in connection with the mailbox selected."""

    def __init__(self, config: ImapConfig) -> None:
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
    session = _Session(config)
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
