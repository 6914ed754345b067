"""The portal's pure rules: state machine, SLA timers (worked examples and properties), forms."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from koncernservice.core.rules.calendar import CalendarSpec, copenhagen_standard
from koncernservice.portal import rules
from koncernservice.portal.rules import State, TimerStatus

CPH = ZoneInfo("Europe/Copenhagen")
SPEC = copenhagen_standard()
HOUR = 3600


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CPH)


# --- State machine ---------------------------------------------------------------------------


def test_categories_drive_the_sla() -> None:
    assert rules.category_of("new") is rules.Category.OPEN
    assert rules.category_of("awaiting_requester") is rules.Category.PAUSED
    assert rules.category_of("closed") is rules.Category.RESOLVED


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("new", "in_progress", True),
        ("in_progress", "awaiting_requester", True),
        ("awaiting_requester", "in_progress", True),
        ("in_progress", "resolved", True),
        ("resolved", "closed", True),
        ("resolved", "in_progress", True),  # reopen
        ("closed", "in_progress", False),
        ("cancelled", "new", False),
        ("new", "closed", False),
        ("new", "nonsense", False),
        ("nonsense", "new", False),
    ],
)
def test_transitions(current: str, target: str, allowed: bool) -> None:
    assert rules.can_transition(current, target) is allowed


def test_every_state_has_a_category_and_a_transition_entry() -> None:
    assert set(rules.STATE_CATEGORY) == set(State) == set(rules.TRANSITIONS)


def test_auto_close_counts_business_days_over_easter() -> None:
    # Resolved Wednesday before Easter 2026; 5 business days later skips Thu, Fri, Mon holidays.
    due = rules.auto_close_due(SPEC, at(2026, 4, 1, 10), 5)
    assert due.astimezone(CPH) == at(2026, 4, 13, 10)  # Tue 7 … Mon 13


# --- SLA worked examples -------------------------------------------------------------------


def test_easter_deadline_skips_the_holidays() -> None:
    # Wed 1 April 2026 14:00: two hours left that day; Thu 2 (skærtorsdag), Fri 3
    # (langfredag) and Mon 6 (2. påskedag) are closed; six more hours on Tue 7 → 14:00.
    state = rules.timer_state(
        SPEC, started_at=at(2026, 4, 1, 14), target=8 * HOUR, now=at(2026, 4, 1, 15)
    )
    assert state.deadline == at(2026, 4, 7, 14)
    assert state.warn_50_at == at(2026, 4, 7, 10)
    assert state.elapsed_seconds == HOUR
    assert state.status is TimerStatus.RUNNING


def test_easter_pause_moves_the_deadline_by_paused_business_time_only() -> None:
    # Awaiting the requester from Wed 15:00 to Tue 9:00: only Wed 15-16 and Tue 8-9 count.
    pauses = [(at(2026, 4, 1, 15), at(2026, 4, 7, 9))]
    state = rules.timer_state(
        SPEC, started_at=at(2026, 4, 1, 14), target=8 * HOUR, pauses=pauses, now=at(2026, 4, 7, 9)
    )
    assert state.elapsed_seconds == HOUR
    assert state.deadline == at(2026, 4, 7, 16)


def test_christmas_deadline() -> None:
    # Wed 23 Dec 2026 12:00, 16 business hours: 4 h that day; 24, 25 Dec and the weekend
    # closed; 8 h on Mon 28; 4 more on Tue 29 → 12:00.
    state = rules.timer_state(
        SPEC, started_at=at(2026, 12, 23, 12), target=16 * HOUR, now=at(2026, 12, 28, 16)
    )
    assert state.deadline == at(2026, 12, 29, 12)
    assert state.elapsed_seconds == 12 * HOUR
    assert state.status is TimerStatus.WARNING_75


def test_new_year_with_lunch_break() -> None:
    lunch = CalendarSpec(
        name="serviceindgangen",
        tz=CPH,
        opening_hours={
            d: ((dt.time(8), dt.time(12)), (dt.time(12, 30), dt.time(15))) for d in range(5)
        },
        closures={(12, 31): ((dt.time(0), dt.time.max),)},
    )
    # Wed 30 Dec 2026 14:00: 1 h; 31 Dec closed, 1 Jan holiday, weekend; Mon 4 Jan 8-12 is 4 h,
    # lunch 12-12:30, then 1 more hour → 13:30.
    state = rules.timer_state(
        lunch, started_at=at(2026, 12, 30, 14), target=6 * HOUR, now=at(2026, 12, 30, 14)
    )
    assert state.deadline == at(2027, 1, 4, 13, 30)


def test_retroactive_start_when_priority_rises() -> None:
    # Created Mon 9 March 2026 08:00 at normal priority (16 h); awaiting the requester Mon
    # 12:00 to Tue 12:00. At Wed 10:00 the priority becomes high (8 h): the timer counts from
    # creation with the pause kept, so 4 + 4 + 2 = 10 h have run: breached, at Tue 16:00.
    pauses = [(at(2026, 3, 9, 12), at(2026, 3, 10, 12))]
    before = rules.timer_state(
        SPEC, started_at=at(2026, 3, 9, 8), target=16 * HOUR, pauses=pauses, now=at(2026, 3, 11, 10)
    )
    assert before.status is TimerStatus.WARNING_50
    after = rules.timer_state(
        SPEC,
        started_at=at(2026, 3, 9, 8),
        target=rules.target_seconds(16, "high"),
        pauses=pauses,
        now=at(2026, 3, 11, 10),
    )
    assert after.elapsed_seconds == 10 * HOUR
    assert after.status is TimerStatus.BREACHED
    assert after.deadline == at(2026, 3, 10, 16)


def test_open_pause_has_no_deadline_and_status_paused() -> None:
    state = rules.timer_state(
        SPEC,
        started_at=at(2026, 3, 9, 8),
        target=8 * HOUR,
        pauses=[(at(2026, 3, 9, 10), None)],
        now=at(2026, 3, 20, 10),
    )
    assert state.paused and state.deadline is None
    assert state.status is TimerStatus.PAUSED
    assert state.elapsed_seconds == 2 * HOUR
    assert state.warn_50_at is None  # 4 h not reached before the pause began


def test_stopped_timer_is_met_or_breached() -> None:
    met = rules.timer_state(
        SPEC,
        started_at=at(2026, 3, 9, 8),
        target=8 * HOUR,
        stopped_at=at(2026, 3, 9, 9),
        now=at(2026, 3, 20, 10),
    )
    assert met.status is TimerStatus.MET and met.elapsed_seconds == HOUR
    late = rules.timer_state(
        SPEC,
        started_at=at(2026, 3, 9, 8),
        target=HOUR,
        stopped_at=at(2026, 3, 9, 12),
        now=at(2026, 3, 20, 10),
    )
    assert late.status is TimerStatus.BREACHED


def test_pauses_from_history() -> None:
    history = [
        (at(2026, 3, 9, 8), "new"),
        (at(2026, 3, 9, 9), "awaiting_requester"),
        (at(2026, 3, 9, 10), "in_progress"),
        (at(2026, 3, 9, 11), "awaiting_requester"),
    ]
    assert rules.pauses_from_history(history) == [
        (at(2026, 3, 9, 9), at(2026, 3, 9, 10)),
        (at(2026, 3, 9, 11), None),
    ]


def test_next_check_walks_warnings_then_deadline() -> None:
    kwargs = {"started_at": at(2026, 3, 9, 8), "target": 8 * HOUR}
    fresh = rules.timer_state(SPEC, now=at(2026, 3, 9, 9), **kwargs)
    assert rules.next_check(fresh, stopped=False) == at(2026, 3, 9, 12)
    half = rules.timer_state(SPEC, now=at(2026, 3, 9, 13), **kwargs)
    assert rules.next_check(half, stopped=False) == at(2026, 3, 9, 14)
    late = rules.timer_state(SPEC, now=at(2026, 3, 10, 13), **kwargs)
    assert rules.next_check(late, stopped=False) is None
    assert rules.next_check(fresh, stopped=True) is None


def test_target_seconds_by_priority() -> None:
    assert rules.target_seconds(8, "normal") == 8 * HOUR
    assert rules.target_seconds(8, "urgent") == 2 * HOUR
    assert rules.target_seconds(8, "low") == 16 * HOUR


# --- SLA properties --------------------------------------------------------------------------

START = at(2026, 1, 5, 8)
moments = st.integers(min_value=0, max_value=60 * 24 * 40).map(
    lambda minutes: START + dt.timedelta(minutes=minutes)
)
targets = st.integers(min_value=1, max_value=60 * HOUR)


@settings(max_examples=60, deadline=None)
@given(target=targets, a=moments, b=moments, now=moments)
def test_pausing_never_makes_a_deadline_earlier(target, a, b, now) -> None:
    a, b = min(a, b), max(a, b)
    plain = rules.timer_state(SPEC, started_at=START, target=target, now=now)
    paused = rules.timer_state(SPEC, started_at=START, target=target, pauses=[(a, b)], now=now)
    assert paused.deadline is not None and plain.deadline is not None
    assert paused.deadline >= plain.deadline
    assert paused.elapsed_seconds <= plain.elapsed_seconds


@settings(max_examples=60, deadline=None)
@given(target=targets, a=moments, b=moments, now=moments)
def test_changing_nothing_changes_nothing(target, a, b, now) -> None:
    a, b = min(a, b), max(a, b)
    first = rules.timer_state(SPEC, started_at=START, target=target, pauses=[(a, b)], now=now)
    # The same history again, with an empty pause added, is the same timer.
    again = rules.timer_state(
        SPEC, started_at=START, target=target, pauses=[(a, b), (b, b)], now=now
    )
    assert first == again


@settings(max_examples=60, deadline=None)
@given(target=targets, now=moments)
def test_elapsed_reaches_target_exactly_at_the_deadline(target, now) -> None:
    state = rules.timer_state(SPEC, started_at=START, target=target, now=now)
    assert state.deadline is not None
    at_deadline = rules.timer_state(SPEC, started_at=START, target=target, now=state.deadline)
    assert at_deadline.elapsed_seconds == target
    assert at_deadline.status is TimerStatus.BREACHED


# --- Forms and search ----------------------------------------------------------------------

FORM = [
    {"name": "month", "type": "date", "required": True, "label": "Month"},
    {"name": "kind", "type": "choice", "choices": ["løn", "tillæg"], "required": True},
    {
        "name": "amount",
        "type": "number",
        "show_if": {"field": "kind", "equals": "tillæg"},
        "required": True,
    },
    {"name": "agree", "type": "boolean"},
]


def test_clean_answers_types_and_all_problems_at_once() -> None:
    cleaned, problems = rules.clean_answers(FORM, {"month": "31-02-2026", "kind": "bonus"})
    assert {(p.field, p.code) for p in problems} == {("month", "date"), ("kind", "choice")}
    cleaned, problems = rules.clean_answers(
        FORM, {"month": "01.03.2026", "kind": "tillæg", "amount": "12,5"}
    )
    assert problems == []
    assert cleaned == {"month": "2026-03-01", "kind": "tillæg", "amount": "12.5", "agree": False}


def test_hidden_conditional_field_is_dropped_and_not_required() -> None:
    cleaned, problems = rules.clean_answers(
        FORM, {"month": "2026-03-01", "kind": "løn", "amount": "x"}
    )
    assert problems == [] and "amount" not in cleaned


def test_definition_problems() -> None:
    assert rules.check_definition(FORM) == []
    bad = [
        {"name": "A b", "type": "nope"},
        {"name": "x", "type": "text", "show_if": {"field": "z"}},
    ]
    assert {p.field for p in rules.check_definition(bad)} == {"A b", "x"}


def test_case_numbers() -> None:
    assert rules.case_number(2026, 42) == "KS-2026-000042"
    assert rules.find_case_number("SV: Re: [KS-2026-000042] løn") == "KS-2026-000042"
    assert rules.find_case_number("ingen") is None


def test_danish_stemming_meets_inflections() -> None:
    assert rules.stem("lønsedlen") == rules.stem("lønsedler")[: len(rules.stem("lønsedlen"))]
    assert rules.stem("ferien") == rules.stem("ferie") == "feri"
    assert rules.search_terms("Hvordan får jeg min lønseddel?") == ["får", "lønseddel"]


def test_markdown_subset_is_rendered_and_html_escaped() -> None:
    html = rules.render_markdown(
        "# Lønseddel\nSe **felt 3** og [guiden](https://kk.dk/x).\n\n- en\n- to\n\n"
        "<script>alert(1)</script> [x](javascript:alert(1))"
    )
    assert "<h2>Lønseddel</h2>" in html
    assert "<strong>felt 3</strong>" in html and '<a href="https://kk.dk/x">guiden</a>' in html
    assert "<ul>\n<li>en</li>\n<li>to</li>\n</ul>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_attachment_checks() -> None:
    assert rules.check_attachment("a.pdf", 10, b"%PDF-1.4")[0] is None
    assert rules.check_attachment("a.PDF", 10, b"MZ")[0] == "content"
    assert rules.check_attachment("a.exe", 10, b"MZ")[0] == "type"
    assert rules.check_attachment("a.txt", rules.MAX_ATTACHMENT_BYTES + 1, b"x")[0] == "size"
    assert rules.check_attachment("a.txt", 3, b"\xff\xfe\x00abcdefgh")[0] == "content"
    assert rules.check_attachment("a.txt", 0, b"")[0] == "empty"
