"""A small IMAP4rev1 server in a thread: a fake of the municipality's mail server for tests.

It speaks the real protocol over a real socket (TLS from the first byte, or STARTTLS), enough
for what :mod:`imaplib` sends in :mod:`koncernservice.portal.mailbox`: CAPABILITY, STARTTLS,
LOGIN, AUTHENTICATE XOAUTH2 (with a ``token_check``), CREATE, SELECT, UID SEARCH, UID FETCH
(RFC822.SIZE, BODY.PEEK[]), UID STORE, UID COPY, UID MOVE, UID EXPUNGE, EXPUNGE, LOGOUT.
Mailboxes live in memory; every command is logged, and the connection can be dropped at a
chosen command to act out an interrupted poll.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import socketserver
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Message:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class Folder:
    messages: list[Message] = field(default_factory=list)
    next_uid: int = 1

    def add(self, raw: bytes, flags: set[str] | None = None) -> Message:
        message = Message(self.next_uid, raw, set(flags or ()))
        self.next_uid += 1
        self.messages.append(message)
        return message


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost/127.0.0.1 (cert file, key file)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "imap-cert.pem", folder / "imap-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


TOKEN = re.compile(rb'"((?:[^"\\]|\\.)*)"|\(([^)]*)\)|(\S+)')


def tokens(data: bytes) -> list[str]:
    out = []
    for match in TOKEN.finditer(data):
        quoted, listed, atom = match.groups()
        if quoted is not None:
            out.append(re.sub(rb"\\(.)", rb"\1", quoted).decode())
        elif listed is not None:
            out.append(f"({listed.decode()})")
        else:
            out.append(atom.decode())
    return out


class InThreadServer:
    """A socket server (``self.server``) serving from a daemon thread while the ``with``
    block runs; ``start_serving(server)`` at the end of ``__init__``."""

    server: socketserver.BaseServer
    port: int

    def start_serving(self, server: Any) -> None:
        self.server = server
        self.port = server.server_address[1]
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)

    def __enter__(self) -> Any:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class FakeImapServer(InThreadServer):
    def __init__(
        self,
        folder: Path,
        *,
        user: str = "ks-post",
        password: str = "hemmeligt kodeord",
        tls: str = "starttls",
        capabilities: tuple[str, ...] = ("UIDPLUS", "MOVE"),
        token_check: Callable[[str], bool] | None = None,
        refusal: str = "google",
    ) -> None:
        """``token_check``: offer ``AUTH=XOAUTH2`` and accept the tokens it approves (for
        ``user``); a refused one is answered like ``refusal``: ``google`` (an error challenge,
        base64 JSON, then NO after the client's empty response: Gmail, RFC 7628) or
        ``microsoft`` (NO at once, as Exchange Online documents it)."""
        self.user, self.password, self.tls = user, password, tls
        self.capabilities = capabilities
        self.token_check, self.refusal = token_check, refusal
        self.sasl: list[bytes] = []  # every decoded XOAUTH2 client response, in order
        self.cert_file, key_file = make_certificate(folder)
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(self.cert_file, key_file)
        self.folders: dict[str, Folder] = {"INBOX": Folder()}
        self.log: list[str] = []
        self.drop_at: str | None = None  # e.g. "UID MOVE": close the connection there, once
        self.lock = threading.Lock()
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def setup(self) -> None:
                if fake.tls == "ssl":
                    self.request = fake.context.wrap_socket(self.request, server_side=True)
                super().setup()

            def handle(self) -> None:
                fake.serve(self)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.start_serving(Server(("127.0.0.1", 0), Handler))

    def add(self, raw: bytes, folder: str = "INBOX", flags: set[str] | None = None) -> int:
        with self.lock:
            return self.folders.setdefault(folder, Folder()).add(raw, flags).uid

    def snapshot(self) -> dict[str, list[tuple[int, bytes, frozenset[str]]]]:
        with self.lock:
            return {
                name: [(m.uid, m.raw, frozenset(m.flags)) for m in f.messages]
                for name, f in self.folders.items()
            }

    # --- protocol ---------------------------------------------------------------------------

    def serve(self, conn: socketserver.StreamRequestHandler) -> None:
        state: dict[str, Any] = {"tls": self.tls == "ssl", "user": None, "folder": None}

        out: list[bytes] = []

        def send(line: bytes) -> None:
            out.append(line + b"\r\n")

        def flush() -> None:  # one write per response, as real servers do (no Nagle stalls)
            conn.request.sendall(b"".join(out))
            out.clear()

        send(b"* OK IMAP4rev1 fake server ready")
        flush()
        while True:
            line = conn.rfile.readline()
            if not line:
                return
            tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
            verb, _, args = rest.partition(b" ")
            command = verb.decode().upper()
            if command == "UID":
                sub, _, args = args.partition(b" ")
                command = f"UID {sub.decode().upper()}"
            self.log.append(command)
            if self.drop_at == command:
                self.drop_at = None
                conn.request.close()
                return
            if command == "AUTHENTICATE":
                status, text = self.authenticate(conn, args, state, send, flush)
                send(tag + b" " + status.encode() + b" " + text.encode())
                flush()
                continue
            with self.lock:
                done = self.command(command, tokens(args), state, send)
            if done is None:  # STARTTLS: switch the socket, then go on reading
                send(tag + b" OK Begin TLS negotiation now")
                flush()
                conn.request = self.context.wrap_socket(conn.request, server_side=True)
                conn.rfile = conn.request.makefile("rb")
                state["tls"] = True
                continue
            status, text = done
            send(tag + b" " + status.encode() + b" " + text.encode())
            flush()
            if command == "LOGOUT":
                return

    def authenticate(
        self,
        conn: socketserver.StreamRequestHandler,
        args: bytes,
        state: dict[str, Any],
        send: Any,
        flush: Any,
    ) -> tuple[str, str]:
        """``AUTHENTICATE XOAUTH2 [initial response]`` (SASL-IR or a ``+`` round trip)."""
        mechanism, _, initial = args.partition(b" ")
        if self.token_check is None or mechanism.upper() != b"XOAUTH2":
            return "NO", "[CANNOT] unsupported authentication mechanism"
        if not state["tls"]:
            return "NO", "[PRIVACYREQUIRED] AUTHENTICATE only over TLS"
        if not initial:
            send(b"+ ")
            flush()
            initial = conn.rfile.readline().rstrip(b"\r\n")
        if initial == b"*":
            return "BAD", "AUTHENTICATE cancelled"
        try:
            response = base64.b64decode(initial, validate=True)
        except ValueError:
            return "BAD", "invalid base64"
        self.sasl.append(response)
        match = re.fullmatch(rb"user=([^\x01]+)\x01auth=Bearer ([^\x01]+)\x01\x01", response)
        if match is None:
            return "BAD", "malformed XOAUTH2 response"
        user, token = match[1].decode(), match[2].decode()
        if user == self.user and self.token_check(token):
            state["user"] = user
            return "OK", "AUTHENTICATE completed."
        if self.refusal == "microsoft":
            return "NO", "AUTHENTICATE failed."
        error = {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}
        send(b"+ " + base64.b64encode(json.dumps(error).encode()))
        flush()
        if conn.rfile.readline().rstrip(b"\r\n") != b"":
            return "BAD", "expected an empty response to the error challenge"
        return "NO", "[AUTHENTICATIONFAILED] Invalid credentials (Failure)"

    def command(self, command: str, args: list[str], state: dict[str, Any], send: Any) -> Any:
        if command == "CAPABILITY":
            caps = ["IMAP4rev1", *self.capabilities]
            if self.token_check is not None:
                caps.append("AUTH=XOAUTH2")
            if not state["tls"]:
                caps += ["STARTTLS", "LOGINDISABLED"]
            send(("* CAPABILITY " + " ".join(caps)).encode())
            return "OK", "CAPABILITY completed"
        if command == "STARTTLS":
            return None if not state["tls"] and self.tls == "starttls" else ("BAD", "no TLS")
        if command == "NOOP":
            return "OK", "NOOP completed"
        if command == "LOGOUT":
            send(b"* BYE logging out")
            return "OK", "LOGOUT completed"
        if command == "LOGIN":
            if not state["tls"]:
                return "NO", "[PRIVACYREQUIRED] LOGIN only over TLS"
            if args[:2] != [self.user, self.password]:
                return "NO", "[AUTHENTICATIONFAILED] Invalid credentials"
            state["user"] = args[0]
            return "OK", "LOGIN completed"
        if state["user"] is None:
            return "BAD", "log in first"
        if command == "CREATE":
            if args[0] in self.folders:
                return "NO", "[ALREADYEXISTS] Mailbox exists"
            self.folders[args[0]] = Folder()
            return "OK", "CREATE completed"
        if command == "SELECT":
            if args[0] not in self.folders:
                return "NO", "[NONEXISTENT] Unknown mailbox"
            state["folder"] = args[0]
            folder = self.folders[args[0]]
            send(b"* FLAGS (\\Seen \\Flagged \\Deleted \\Answered \\Draft)")
            send(f"* {len(folder.messages)} EXISTS".encode())
            send(b"* OK [UIDVALIDITY 1] UIDs valid")
            send(f"* OK [UIDNEXT {folder.next_uid}] next".encode())
            return "OK", "[READ-WRITE] SELECT completed"
        if state["folder"] is None:
            return "BAD", "select a mailbox first"
        folder = self.folders[state["folder"]]
        if command == "UID SEARCH":
            found = [m.uid for m in folder.messages if self.matches(m, args)]
            send(("* SEARCH " + " ".join(map(str, found))).strip().encode())
            return "OK", "SEARCH completed"
        if command == "EXPUNGE":
            self.expunge(folder, None, send)
            return "OK", "EXPUNGE completed"
        chosen = self.uid_set(folder, args[0])
        if command == "UID FETCH":
            what = args[1].upper()
            for seq, m in chosen:
                if "RFC822.SIZE" in what:
                    send(f"* {seq} FETCH (UID {m.uid} RFC822.SIZE {len(m.raw)})".encode())
                elif "BODY.PEEK[]" in what or "BODY[]" in what:
                    if "PEEK" not in what:
                        m.flags.add("\\Seen")
                    head = f"* {seq} FETCH (UID {m.uid} BODY[] {{{len(m.raw)}}}".encode()
                    send(head)
                    send(m.raw + b")")
                else:
                    return "BAD", "unsupported FETCH item"
            return "OK", "FETCH completed"
        if command == "UID STORE":
            flags = set(args[2].strip("()").split())
            for _seq, m in chosen:
                if args[1].upper().startswith("+FLAGS"):
                    m.flags |= flags
                elif args[1].upper().startswith("-FLAGS"):
                    m.flags -= flags
                else:
                    m.flags = flags
            return "OK", "STORE completed"
        if command in ("UID COPY", "UID MOVE"):
            if command == "UID MOVE" and "MOVE" not in self.capabilities:
                return "BAD", "MOVE not supported"
            target = self.folders.get(args[1])
            if target is None:
                return "NO", "[TRYCREATE] Unknown mailbox"
            for _seq, m in chosen:
                target.add(m.raw, m.flags - {"\\Deleted"})
            if command == "UID MOVE":
                self.expunge(folder, {m.uid for _s, m in chosen}, send, deleted=False)
            return "OK", f"{command[4:]} completed"
        if command == "UID EXPUNGE":
            if "UIDPLUS" not in self.capabilities:
                return "BAD", "UIDPLUS not supported"
            self.expunge(folder, {m.uid for _s, m in chosen}, send)
            return "OK", "EXPUNGE completed"
        return "BAD", f"unknown command {command}"

    @staticmethod
    def matches(message: Message, criteria: list[str]) -> bool:
        for item in (c.upper() for c in criteria):
            if item == "ALL":
                continue
            if item == "UNSEEN" and "\\Seen" in message.flags:
                return False
            if item == "UNDELETED" and "\\Deleted" in message.flags:
                return False
            if item not in ("ALL", "UNSEEN", "UNDELETED"):
                raise ValueError(f"unsupported SEARCH criterion {item}")
        return True

    @staticmethod
    def uid_set(folder: Folder, spec: str) -> list[tuple[int, Message]]:
        wanted: set[int] = set()
        top = max((m.uid for m in folder.messages), default=0)
        for part in spec.split(","):
            low, _, high = part.partition(":")
            a = top if low == "*" else int(low)
            b = a if not high else (top if high == "*" else int(high))
            wanted |= set(range(min(a, b), max(a, b) + 1))
        return [(i + 1, m) for i, m in enumerate(folder.messages) if m.uid in wanted]

    @staticmethod
    def expunge(folder: Folder, uids: set[int] | None, send: Any, *, deleted: bool = True) -> None:
        for i in range(len(folder.messages) - 1, -1, -1):
            m = folder.messages[i]
            if (uids is None or m.uid in uids) and (not deleted or "\\Deleted" in m.flags):
                del folder.messages[i]
                send(f"* {i + 1} EXPUNGE".encode())
