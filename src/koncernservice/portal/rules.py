"""Pure rules of the service portal: the case state machine, SLA timers and service forms.

Nothing here touches the database. SLA timers run on business time of a
:class:`~koncernservice.core.rules.calendar.CalendarSpec` (opening hours, lunch breaks,
Danish public holidays, closing days) and are recomputed from their history, so a change of
priority or service (a new target) is *retroactive*: the timer still counts from the case's
creation and keeps every pause already accrued.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from koncernservice.core.rules.calendar import (
    CalendarSpec,
    add_business_seconds,
    business_seconds_between,
)

# --- State machine -----------------------------------------------------------------------------


class Category(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    RESOLVED = "resolved"


class State(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    AWAITING_REQUESTER = "awaiting_requester"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


STATE_CATEGORY: Mapping[State, Category] = {
    State.NEW: Category.OPEN,
    State.IN_PROGRESS: Category.OPEN,
    State.AWAITING_REQUESTER: Category.PAUSED,
    State.RESOLVED: Category.RESOLVED,
    State.CLOSED: Category.RESOLVED,
    State.CANCELLED: Category.RESOLVED,
}

TRANSITIONS: Mapping[State, frozenset[State]] = {
    State.NEW: frozenset(
        {State.IN_PROGRESS, State.AWAITING_REQUESTER, State.RESOLVED, State.CANCELLED}
    ),
    State.IN_PROGRESS: frozenset({State.AWAITING_REQUESTER, State.RESOLVED, State.CANCELLED}),
    State.AWAITING_REQUESTER: frozenset({State.IN_PROGRESS, State.RESOLVED, State.CANCELLED}),
    # Reopening a resolved case puts it back in progress; closed and cancelled are final.
    State.RESOLVED: frozenset({State.CLOSED, State.IN_PROGRESS}),
    State.CLOSED: frozenset(),
    State.CANCELLED: frozenset(),
}


def category_of(state: str) -> Category:
    return STATE_CATEGORY[State(state)]


def can_transition(current: str, target: str) -> bool:
    """May a case move from ``current`` to ``target``? Unknown states may not."""
    try:
        return State(target) in TRANSITIONS[State(current)]
    except ValueError:
        return False


def auto_close_due(spec: CalendarSpec, resolved_at: dt.datetime, business_days: int) -> dt.datetime:
    """When a resolved case closes by itself: ``business_days`` whole business days later."""
    from koncernservice.core.rules.calendar import add_business_days

    local = resolved_at.astimezone(spec.tz)
    day = add_business_days(spec, local.date(), business_days)
    return dt.datetime.combine(day, local.timetz()).astimezone(dt.UTC)


# --- Priorities and targets --------------------------------------------------------------------


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


PRIORITY_FACTOR: Mapping[Priority, Decimal] = {
    Priority.LOW: Decimal(2),
    Priority.NORMAL: Decimal(1),
    Priority.HIGH: Decimal("0.5"),
    Priority.URGENT: Decimal("0.25"),
}


def target_seconds(hours: Decimal | int, priority: str) -> int:
    """A policy's target in business hours scaled by the case's priority, in whole seconds."""
    value = Decimal(hours) * PRIORITY_FACTOR[Priority(priority)] * 3600
    return max(1, int(value))


# --- SLA timers --------------------------------------------------------------------------------


class TimerKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"
    OLA = "ola"


class TimerStatus(StrEnum):
    RUNNING = "running"
    WARNING_50 = "warning_50"
    WARNING_75 = "warning_75"
    BREACHED = "breached"
    MET = "met"
    PAUSED = "paused"


Pause = tuple[dt.datetime, dt.datetime | None]
"""A span in which the timer stood still; an end of ``None`` means it is still paused."""


@dataclass(frozen=True)
class TimerState:
    elapsed_seconds: int
    target_seconds: int
    deadline: dt.datetime | None  # None while paused (the deadline moves until it resumes)
    warn_50_at: dt.datetime | None
    warn_75_at: dt.datetime | None
    status: TimerStatus
    paused: bool

    @property
    def percent(self) -> int:
        return min(999, self.elapsed_seconds * 100 // max(1, self.target_seconds))

    @property
    def remaining_seconds(self) -> int:
        return self.target_seconds - self.elapsed_seconds


def pauses_from_history(
    history: Sequence[tuple[dt.datetime, str]],
) -> list[Pause]:
    """The pause spans of a case from its state history ``[(at, state), ...]`` in order.

    A span starts when the case enters a state of the paused category and ends when it
    leaves it; the last may still be open.
    """
    pauses: list[Pause] = []
    started: dt.datetime | None = None
    for at, state in history:
        paused = category_of(state) is Category.PAUSED
        if paused and started is None:
            started = at
        elif not paused and started is not None:
            pauses.append((started, at))
            started = None
    if started is not None:
        pauses.append((started, None))
    return pauses


def _clipped(
    pauses: Sequence[Pause], start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Pauses cut to [start, end], sorted and merged so none overlap."""
    spans = []
    for a, b in pauses:
        b_eff = end if b is None else min(b, end)
        a_eff = max(a, start)
        if a_eff < b_eff:
            spans.append((a_eff, b_eff))
    spans.sort()
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def elapsed_business_seconds(
    spec: CalendarSpec, start: dt.datetime, end: dt.datetime, pauses: Sequence[Pause]
) -> int:
    """Business seconds from ``start`` to ``end`` not covered by a pause."""
    if end <= start:
        return 0
    total = business_seconds_between(spec, start, end)
    for a, b in _clipped(pauses, start, end):
        total -= business_seconds_between(spec, a, b)
    return max(0, total)


def instant_of(
    spec: CalendarSpec, start: dt.datetime, seconds: int, pauses: Sequence[Pause]
) -> dt.datetime | None:
    """The instant at which ``seconds`` of unpaused business time have run since ``start``.

    ``None`` when an open pause begins before that point (the instant is not known yet).
    """
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    cursor = start
    remaining = seconds
    for a, b in _clipped([(p, e if e is not None else far) for p, e in pauses], start, far):
        available = business_seconds_between(spec, cursor, a)
        if available >= remaining:
            break
        remaining -= available
        if b == far:
            return None
        cursor = b
    return add_business_seconds(spec, cursor, remaining).astimezone(dt.UTC)


def timer_state(
    spec: CalendarSpec,
    *,
    started_at: dt.datetime,
    target: int,
    pauses: Sequence[Pause] = (),
    stopped_at: dt.datetime | None = None,
    now: dt.datetime,
) -> TimerState:
    """The state of one SLA timer at ``now``.

    The timer runs on the calendar's open time from ``started_at`` (always the case's
    creation, also after a change of target), stands still in every pause and stops at
    ``stopped_at`` (first reply, resolution). 50 % and 75 % of the target give warnings,
    100 % a breach; a stopped timer is *met* if it stopped in time, else breached.
    """
    end = min(now, stopped_at) if stopped_at is not None else now
    elapsed = elapsed_business_seconds(spec, started_at, end, pauses)
    paused = stopped_at is None and any(a <= now and (b is None or b > now) for a, b in pauses)
    deadline = instant_of(spec, started_at, target, pauses)
    warn_50 = instant_of(spec, started_at, target // 2, pauses)
    warn_75 = instant_of(spec, started_at, target * 3 // 4, pauses)
    if elapsed >= target:
        status = TimerStatus.BREACHED
    elif stopped_at is not None and stopped_at <= now:
        status = TimerStatus.MET
    elif paused:
        status = TimerStatus.PAUSED
    elif elapsed * 4 >= target * 3:
        status = TimerStatus.WARNING_75
    elif elapsed * 2 >= target:
        status = TimerStatus.WARNING_50
    else:
        status = TimerStatus.RUNNING
    return TimerState(
        elapsed_seconds=elapsed,
        target_seconds=target,
        deadline=deadline,
        warn_50_at=warn_50,
        warn_75_at=warn_75,
        status=status,
        paused=paused,
    )


def next_check(state: TimerState, *, stopped: bool) -> dt.datetime | None:
    """The next instant at which the sweep must look at this timer (indexed in the database)."""
    if stopped:
        return None
    for moment, reached in (
        (state.warn_50_at, state.elapsed_seconds * 2 >= state.target_seconds),
        (state.warn_75_at, state.elapsed_seconds * 4 >= state.target_seconds * 3),
        (state.deadline, state.elapsed_seconds >= state.target_seconds),
    ):
        if not reached:
            return moment
    return None


# --- Canned replies ------------------------------------------------------------------------------

MACRO_PLACEHOLDERS = ("sag", "titel", "anmoder", "sagsbehandler")
"""Placeholders a canned reply may use: ``{sag}`` (number), ``{titel}``, ``{anmoder}`` (the
requester's name), ``{sagsbehandler}`` (the caseworker's name)."""

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def macro_unknown_placeholders(body: str) -> list[str]:
    """Placeholders in ``body`` that are not in :data:`MACRO_PLACEHOLDERS`, in order."""
    return [m for m in _PLACEHOLDER.findall(body) if m not in MACRO_PLACEHOLDERS]


def render_macro(body: str, values: Mapping[str, str]) -> str:
    """Fill the placeholders of a canned reply; unknown ones stay as written."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), body)


SAVED_VIEW_KEYS = ("state", "assignee", "priority", "q", "sort")


def clean_view_filters(raw: Mapping[str, Any]) -> dict[str, str]:
    """The filters a saved queue view keeps: known keys, short non-empty strings."""
    return {
        key: str(raw[key])[:100]
        for key in SAVED_VIEW_KEYS
        if key in raw and raw[key] not in (None, "")
    }


# --- Case numbers ------------------------------------------------------------------------------

CASE_NUMBER = re.compile(r"\bKS-(\d{4})-(\d{6})\b")


def case_number(year: int, sequence: int) -> str:
    return f"KS-{year:04d}-{sequence:06d}"


def find_case_number(text: str) -> str | None:
    """The first case number in a text (an e-mail subject), if any."""
    match = CASE_NUMBER.search(text or "")
    return match.group(0) if match else None


SUBJECT_MAX = 200


def mail_subject(rendered: str, number: str) -> str:
    """A notification's subject from its rendered template: one line (line breaks and runs of
    spaces become one space, so no header can be injected), the case number kept (it is put
    first when the template left it out: replies are threaded by it) and at most 200
    characters, cut in the text after the number."""
    subject = _cut(" ".join(rendered.split()), SUBJECT_MAX)
    if number not in subject:
        subject = _cut(f"[{number}] {subject}".rstrip(), SUBJECT_MAX)
    return subject


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- Service forms -----------------------------------------------------------------------------

FIELD_TYPES = frozenset({"text", "textarea", "number", "date", "choice", "boolean", "email"})
PREFILL_SOURCES = frozenset(
    {"employee_number", "position_title", "unit", "weekly_hours", "full_name", "email"}
)


@dataclass(frozen=True)
class FormProblem:
    field: str
    code: str  # required | number | date | choice | email | unknown | definition


def check_definition(fields: Sequence[Mapping[str, Any]]) -> list[FormProblem]:
    """Problems in a form definition written by an administrator."""
    problems: list[FormProblem] = []
    names: set[str] = set()
    for index, spec in enumerate(fields):
        name = str(spec.get("name") or "")
        where = name or f"#{index + 1}"
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,49}", name) or name in names:
            problems.append(FormProblem(where, "definition"))
        names.add(name)
        if spec.get("type") not in FIELD_TYPES:
            problems.append(FormProblem(where, "definition"))
        if spec.get("type") == "choice" and not spec.get("choices"):
            problems.append(FormProblem(where, "definition"))
        condition = spec.get("show_if")
        if condition and condition.get("field") not in names:
            problems.append(FormProblem(where, "definition"))
        if spec.get("prefill") and spec["prefill"] not in PREFILL_SOURCES:
            problems.append(FormProblem(where, "definition"))
    return problems


def field_visible(spec: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    condition = spec.get("show_if")
    if not condition:
        return True
    value = answers.get(condition["field"])
    return str(value if value is not None else "") == str(condition.get("equals", ""))


def clean_answers(
    fields: Sequence[Mapping[str, Any]], answers: Mapping[str, Any]
) -> tuple[dict[str, Any], list[FormProblem]]:
    """Typed answers of the visible fields and every problem at once.

    Hidden conditional fields are dropped, whatever was posted for them.
    """
    cleaned: dict[str, Any] = {}
    problems: list[FormProblem] = []
    for spec in fields:
        name = spec["name"]
        if not field_visible(spec, {**answers, **cleaned}):
            continue
        kind = spec.get("type", "text")
        raw = answers.get(name)
        text = "" if raw is None else str(raw).strip()
        if kind == "boolean":
            cleaned[name] = text.lower() in {"1", "true", "on", "ja", "yes"}
            if spec.get("required") and not cleaned[name]:
                problems.append(FormProblem(name, "required"))
            continue
        if not text:
            if spec.get("required"):
                problems.append(FormProblem(name, "required"))
            continue
        if kind == "number":
            try:
                cleaned[name] = str(Decimal(text.replace(",", ".")))
            except ArithmeticError:
                problems.append(FormProblem(name, "number"))
        elif kind == "date":
            parsed = _parse_date(text)
            if parsed is None:
                problems.append(FormProblem(name, "date"))
            else:
                cleaned[name] = parsed.isoformat()
        elif kind == "choice":
            if text not in [str(c) for c in spec.get("choices", [])]:
                problems.append(FormProblem(name, "choice"))
            else:
                cleaned[name] = text
        elif kind == "email":
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
                problems.append(FormProblem(name, "email"))
            else:
                cleaned[name] = text
        else:
            cleaned[name] = text[:5000]
    return cleaned, problems


def _parse_date(text: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


# --- Search: a light Danish stemmer ------------------------------------------------------------

_SUFFIXES = (
    "erendes",
    "erende",
    "hedens",
    "ethed",
    "erede",
    "heden",
    "heder",
    "endes",
    "ernes",
    "erens",
    "erets",
    "ered",
    "ende",
    "erne",
    "eren",
    "erer",
    "heds",
    "enes",
    "eres",
    "eret",
    "hed",
    "ene",
    "ere",
    "ens",
    "ers",
    "ets",
    "en",
    "er",
    "es",
    "et",
    "e",
    "s",
)


def stem(word: str) -> str:
    """A crude Danish stem: the word without its longest common inflection ending.

    Keeps at least three letters, so "løn", "lønnen" and "lønner" meet at "løn(n)".
    """
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2]:
        word = word[:-1]  # "lønn" -> "løn"
    return word


STOP_WORDS = frozenset(
    [
        "og",
        "i",
        "at",
        "er",
        "en",
        "et",
        "den",
        "det",
        "de",
        "til",
        "på",
        "med",
        "for",
        "af",
        "som",
        "jeg",
        "har",
        "ikke",
        "min",
        "mit",
        "mine",
        "kan",
        "om",
        "hvordan",
        "hvad",
        "hvor",
        "skal",
        "vil",
        "der",
        "fra",
        "ved",
        "så",
    ]
)


def search_terms(text: str) -> list[str]:
    """Stems of the meaningful words of a query, in order, without duplicates."""
    words = re.findall(r"[\wæøåÆØÅ]+", text.lower())
    stems = [stem(w) for w in words if w not in STOP_WORDS and len(w) >= 3]
    return list(dict.fromkeys(stems))


# --- Markdown (a safe subset) ------------------------------------------------------------------

_INLINE = (
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"<em>\1</em>"),
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\[([^\]]+)\]\((https?://[^\s)]+|/[^\s)]*)\)"), r'<a href="\2">\1</a>'),
)


def _inline(text: str) -> str:
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return text


def render_markdown(source: str) -> str:
    """HTML for the Markdown subset of knowledge articles: headings, paragraphs, bullet and
    numbered lists, bold, italics, code and http(s)/relative links. All input HTML is escaped
    first, so an article cannot inject markup or scripts."""
    from html import escape

    out: list[str] = []
    paragraph: list[str] = []
    list_kind = ""

    def flush_paragraph() -> None:
        if paragraph:
            out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal list_kind
        if list_kind:
            out.append(f"</{list_kind}>")
            list_kind = ""

    for raw in escape(source, quote=True).splitlines():
        line = raw.rstrip()
        heading = re.match(r"^(#{1,4})\s+(.*)$", line)
        bullet = re.match(r"^\s*[-*]\s+(.*)$", line)
        number = re.match(r"^\s*\d+[.)]\s+(.*)$", line)
        if heading:
            flush_paragraph()
            close_list()
            level = len(heading.group(1)) + 1  # the page's own title is the h1
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif bullet or number:
            flush_paragraph()
            kind = "ul" if bullet else "ol"
            if list_kind != kind:
                close_list()
                out.append(f"<{kind}>")
                list_kind = kind
            item = (bullet or number).group(1)  # type: ignore[union-attr]
            out.append(f"<li>{_inline(item)}</li>")
        elif not line.strip():
            flush_paragraph()
            close_list()
        else:
            close_list()
            paragraph.append(line.strip())
    flush_paragraph()
    close_list()
    return "\n".join(out)


# --- E-mail in ---------------------------------------------------------------------------------

_HTML_BLOCKS = frozenset(
    [
        "address",
        "article",
        "div",
        "dl",
        "dt",
        "dd",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
    ]
)
_HTML_SKIPPED = frozenset({"head", "script", "style", "template", "title", "blockquote"})
_HTML_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    ]
)
# Where mail programs start the quoted earlier mail: Outlook's reply header and Gmail's quote.
_QUOTE_MARKERS = ("divrplyfwdmsg", "gmail_quote", "moz-cite-prefix", "yahoo_quoted")


def html_to_text(html: str) -> str:
    """The text of an HTML-only e-mail as a reader sees it: paragraphs, line breaks and list
    items on lines of their own (items as "- …"), table cells apart, character references
    decoded (``&amp;`` → ``&``, ``&nbsp;`` → space), runs of spaces as one; no styles, scripts
    or head, and nothing from the quoted earlier mail (``<blockquote>``, and everything from
    Outlook's reply header or Gmail's, Thunderbird's or Yahoo's quote on)."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.out: list[str] = []
            self.skipping: list[str] = []  # open tags whose content is left out
            self.done = False

        def _quote_starts(self, attrs: list[tuple[str, str | None]]) -> bool:
            marks = " ".join((v or "") for k, v in attrs if k in ("id", "class")).lower()
            return any(marker in marks for marker in _QUOTE_MARKERS)

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if self.done:
                return
            if self._quote_starts(attrs):
                self.done = True
                return
            if self.skipping or tag in _HTML_SKIPPED:
                if tag not in _HTML_VOID:
                    self.skipping.append(tag)
                return
            if tag == "br":
                self.out.append("\n")
            elif tag == "li":
                self.out.append("\n- ")
            elif tag in ("td", "th"):
                self.out.append(" ")
            elif tag in _HTML_BLOCKS:
                self.out.append("\n\n" if tag == "p" else "\n")

        def handle_endtag(self, tag: str) -> None:
            if self.done:
                return
            if self.skipping:
                if tag in self.skipping:
                    while self.skipping and self.skipping.pop() != tag:
                        pass
                return
            if tag in _HTML_BLOCKS and tag != "li":  # the next item starts its own line
                self.out.append("\n\n" if tag == "p" else "\n")

        def handle_data(self, data: str) -> None:
            if not self.done and not self.skipping:
                self.out.append(re.sub(r"[ \t\r\n\f\u00a0]+", " ", data))

    reader = Reader()
    reader.feed(html)
    reader.close()
    lines = [" ".join(line.split()) for line in "".join(reader.out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- Attachments -------------------------------------------------------------------------------

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES: Mapping[str, tuple[str, tuple[bytes, ...]]] = {
    # extension: (content type, accepted leading bytes; empty = text)
    "pdf": ("application/pdf", (b"%PDF",)),
    "png": ("image/png", (b"\x89PNG",)),
    "jpg": ("image/jpeg", (b"\xff\xd8",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK",),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK",)),
    "txt": ("text/plain", ()),
    "csv": ("text/csv", ()),
    "eml": ("message/rfc822", ()),
}


def check_attachment(name: str, size: int, head: bytes) -> tuple[str | None, str]:
    """(problem code or None, content type) for an upload: size limit, allowed type, and
    content that matches the extension (a renamed executable is refused)."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ATTACHMENT_TYPES:
        return "type", ""
    content_type, magic = ATTACHMENT_TYPES[extension]
    if size <= 0:
        return "empty", content_type
    if size > MAX_ATTACHMENT_BYTES:
        return "size", content_type
    if magic and not any(head.startswith(m) for m in magic):
        return "content", content_type
    if not magic:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a cut multibyte character at the end is fine
                return "content", content_type
    return None, content_type


# --- Webhooks ----------------------------------------------------------------------------------

WEBHOOK_MAX_ATTEMPTS = 8


def webhook_signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact request body with the endpoint's secret."""
    import hashlib
    import hmac

    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_backoff(attempts: int) -> dt.timedelta:
    """Wait before the next attempt: 1, 2, 4 … minutes, at most 6 hours."""
    return dt.timedelta(minutes=min(360, 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class DiffPart:
    kind: str  # "same" | "added" | "removed"
    text: str


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same" | "added" | "removed" | "changed" (then ``parts`` says which words)
    text: str
    parts: tuple[DiffPart, ...] = ()


_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
PAIR_SIMILARITY = 0.4  # below it a rewritten line is shown removed and added as a whole


def text_diff(old: str, new: str) -> list[DiffLine]:
    """What changed from ``old`` to ``new`` (an article's versions): lines kept, removed and
    added in reading order; where a line was rewritten and still shares at least 40 % of its
    words and spaces with the old one, one ``changed`` line whose parts say word by word what
    was kept, removed and added (removed before added)."""
    a, b = old.splitlines(), new.splitlines()
    out: list[DiffLine] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out += [DiffLine("same", line) for line in a[i1:i2]]
            continue
        removed, added = a[i1:i2], b[j1:j2]
        for k in range(max(len(removed), len(added))):
            before = removed[k] if k < len(removed) else None
            after = added[k] if k < len(added) else None
            parts = word_diff(before, after) if before is not None and after is not None else None
            if parts is not None:
                out.append(DiffLine("changed", after or "", parts))
                continue
            if before is not None:
                out.append(DiffLine("removed", before))
            if after is not None:
                out.append(DiffLine("added", after))
    return out


def word_diff(old: str, new: str) -> tuple[DiffPart, ...] | None:
    """Word by word what changed within a line (``None`` when the lines share too little to
    be read as one line changed). Spaces between two changes belong to the change, so
    "den gamle tekst" → "en ny tekst" reads as one removal and one addition."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < PAIR_SIMILARITY:
        return None
    ops = matcher.get_opcodes()
    parts: list[DiffPart] = []
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        if "".join(removed):
            parts.append(DiffPart("removed", "".join(removed)))
        if "".join(added):
            parts.append(DiffPart("added", "".join(added)))
        removed.clear()
        added.clear()

    for n, (op, i1, i2, j1, j2) in enumerate(ops):
        kept = "".join(a[i1:i2])
        between = 0 < n < len(ops) - 1
        if op == "equal" and not (between and kept.isspace()):
            flush()
            parts.append(DiffPart("same", kept))
            continue
        removed.append(kept)
        added.append("".join(b[j1:j2]) if op != "equal" else kept)
    flush()
    merged: list[DiffPart] = []
    for part in parts:
        if merged and merged[-1].kind == part.kind:
            merged[-1] = DiffPart(part.kind, merged[-1].text + part.text)
        else:
            merged.append(part)
    return tuple(merged)


# --- Keyboard shortcuts ------------------------------------------------------------------------

SHORTCUT_DEFAULTS = {
    "next": "j",
    "previous": "k",
    "select": "x",
    "open": "o",
    "search": "/",
    "reply": "r",
    "note": "n",
    "state": "s",
    "macro": "m",
}
"""The standard single keys of the queue list (first five) and the case page (last four)."""


def shortcut_key_problem(keys: Mapping[str, Any]) -> str | None:
    """Why a page's set of keys cannot be saved, or None: every action a known one, every
    key one printable character other than ``?`` (the help) and a space, no key twice."""
    if not keys or any(action not in SHORTCUT_DEFAULTS for action in keys):
        return "unknown_action"
    if any(
        not isinstance(key, str) or len(key) != 1 or key in "? " or not key.isprintable()
        for key in keys.values()
    ):
        return "one_key"
    if len(set(keys.values())) != len(keys):
        return "twice"
    return None
