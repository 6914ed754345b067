"""Services and selectors of the portal: create, route, reply, SLA, confidentiality."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.http import Http404
from django.utils import timezone

from koncernservice.core.errors import AccessDenied, DomainError
from koncernservice.core.models import AuditEntry
from koncernservice.portal import selectors, services
from koncernservice.portal.models import Case, CaseEntry, RoutingRule, SlaTimer

pytestmark = pytest.mark.django_db

GOOD = {"month": "01-03-2026", "kind": "løn"}


def make_case(portal, user=None, **kwargs):
    kwargs.setdefault("service", portal.salary)
    kwargs.setdefault("title", "Forkert løn i marts")
    kwargs.setdefault("answers", GOOD)
    return services.case_create(actor=user or portal.world.employee, **kwargs)


def test_create_numbers_routes_times_and_audits(portal) -> None:
    case = make_case(portal)
    year = timezone.localdate().year
    assert case.number == f"KS-{year}-000001"
    assert make_case(portal).number == f"KS-{year}-000002"
    assert case.queue == portal.general and case.unit == portal.world.school
    assert case.answers == {"month": "2026-03-01", "kind": "løn"}
    assert set(case.timers.values_list("kind", flat=True)) == {"first_response", "resolution"}
    assert all(t.next_check_at for t in case.timers.all())
    entry = AuditEntry.objects.filter(object_id=str(case.pk), event="portal.case_created").get()
    assert entry.object_repr == case.number


def test_create_reports_every_problem_in_danish_at_once(portal) -> None:
    with pytest.raises(DomainError) as caught:
        make_case(portal, title="", answers={"month": "32-13-2026", "kind": "tillæg"})
    fields = {e.field: str(e.message) for e in caught.value.errors}
    assert set(fields) == {"title", "answers.month", "answers.amount"}
    assert fields["title"] == "Dette felt er påkrævet."
    assert Case.objects.count() == 0


def test_managers_only_service_refused_to_employee(portal) -> None:
    with pytest.raises(DomainError) as caught:
        make_case(portal, service=portal.dismissal, answers={})
    assert caught.value.status == 403


def test_idempotency_key_returns_the_same_case(portal) -> None:
    first = make_case(portal, idempotency_key="abc")
    again = make_case(portal, idempotency_key="abc")
    assert first.pk == again.pk and Case.objects.count() == 1


def test_routing_rule_by_keyword_and_least_loaded(portal) -> None:
    RoutingRule.objects.create(
        queue=portal.law, keywords="advarsel", position=1, assign_least_loaded=True
    )
    case = make_case(portal, title="Spørgsmål om advarsel")
    assert case.queue == portal.law and case.confidential
    assert case.assignee == portal.lawyer


def test_reply_note_and_states_drive_the_timers(portal) -> None:
    case = make_case(portal)
    services.case_reply(actor=portal.caseworker, case=case, body="Intern", internal=True)
    services.case_reply(actor=portal.caseworker, case=case, body="Hej, vi kigger på det")
    case.refresh_from_db()
    assert case.state == "in_progress" and case.first_response_at
    first = case.timers.get(kind="first_response")
    assert first.stopped_at and first.status == "met"
    services.case_transition(actor=portal.caseworker, case=case, state="awaiting_requester")
    resolution = case.timers.get(kind="resolution")
    assert resolution.pauses[-1][1] is None and resolution.status == "paused"
    # The requester answers: back in progress, the pause is closed.
    services.case_reply(actor=portal.world.employee, case=case, body="Her er lønsedlen")
    case.refresh_from_db()
    assert case.state == "in_progress"
    assert case.timers.get(kind="resolution").pauses[-1][1] is not None
    # The requester sees the reply, not the note.
    kinds = [e.kind for e in selectors.case_timeline(user=portal.world.employee, case=case)]
    assert CaseEntry.Kind.NOTE not in kinds and CaseEntry.Kind.REPLY in kinds
    services.case_transition(actor=portal.caseworker, case=case, state="resolved")
    services.case_survey(actor=portal.world.employee, case=case, rating=5, comment="Tak")
    case.refresh_from_db()
    assert case.satisfaction == 5 and case.timers.get(kind="resolution").status == "met"


def test_requester_cannot_write_notes_or_change_state(portal) -> None:
    case = make_case(portal)
    with pytest.raises(AccessDenied):
        services.case_reply(actor=portal.world.employee, case=case, body="x", internal=True)
    with pytest.raises(AccessDenied):
        services.case_transition(actor=portal.world.employee, case=case, state="resolved")
    with pytest.raises(DomainError):
        services.case_transition(actor=portal.caseworker, case=case, state="closed")


def test_reopen_and_survey_rules(portal) -> None:
    case = make_case(portal)
    with pytest.raises(DomainError):
        services.case_survey(actor=portal.world.employee, case=case, rating=4)
    services.case_transition(actor=portal.caseworker, case=case, state="resolved")
    with pytest.raises(DomainError) as caught:
        services.case_survey(actor=portal.world.employee, case=case, rating=9)
    assert caught.value.errors[0].field == "rating"
    services.case_reopen(actor=portal.world.employee, case=case)
    case.refresh_from_db()
    assert case.state == "in_progress" and case.resolved_at is None
    assert case.timers.get(kind="resolution").stopped_at is None


def test_priority_change_is_retroactive(portal) -> None:
    case = make_case(portal)
    before = case.timers.get(kind="resolution")
    services.case_change_priority(actor=portal.caseworker, case=case, priority="urgent")
    after = case.timers.get(kind="resolution")
    assert after.started_at == before.started_at == case.created_at
    assert after.target_seconds == before.target_seconds // 4
    assert after.deadline_at < before.deadline_at


def test_sweep_records_warnings_and_breach_and_tells_the_lead(portal) -> None:
    case = make_case(portal)
    later = timezone.now() + dt.timedelta(days=30)
    with pytest.MonkeyPatch.context():
        counts = services.sla_sweep(now=later)
    assert counts["breached"] == 2
    assert set(SlaTimer.objects.values_list("status", flat=True)) == {"breached"}
    events = set(AuditEntry.objects.filter(object_id=str(case.pk)).values_list("event", flat=True))
    assert "portal.sla_breached" in events
    assert services.sla_sweep(now=later)["checked"] == 0  # nothing due any more


def test_sweep_sends_breach_mail_to_the_lead(portal, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        make_case(portal)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.sla_sweep(now=timezone.now() + dt.timedelta(days=30))
    recipients = {r for m in mail.outbox for r in m.to}
    assert "lead@example.kk.dk" in recipients


def test_merge_redirects_number(portal) -> None:
    a, b = make_case(portal), make_case(portal, title="Samme igen")
    services.case_reply(actor=portal.world.employee, case=a, body="Vedhæftet")
    services.case_merge(actor=portal.caseworker, case=b, into=a)
    b.refresh_from_db()
    assert b.state == "cancelled" and b.merged_into == a


def test_article_versions_and_danish_search(portal) -> None:
    article = services.article_save(
        actor=portal.world.admin,
        slug="loenseddel",
        title="Sådan læser du din lønseddel",
        body="Lønsedlen viser din løn og dine tillæg.",
    )
    services.article_save(
        actor=portal.world.admin,
        slug="loenseddel",
        title=article.title,
        body="Ny tekst om lønnen",
    )
    article.refresh_from_db()
    assert article.version == 2 and article.versions.count() == 2
    assert selectors.article_search(text="hvordan læser jeg lønsedlerne")[0] == article
    with pytest.raises(AccessDenied):
        services.article_save(actor=portal.world.employee, slug="x", title="x", body="x")


# --- Confidentiality ----------------------------------------------------------------------------


@pytest.fixture
def secret(portal):
    return make_case(
        portal,
        user=portal.world.manager,
        service=portal.dismissal,
        answers={},
        title="Afskedigelse af Lars Lærer",
    )


def test_confidential_case_visible_to_team_and_parties_only(portal, secret) -> None:
    w = portal.world
    assert secret.confidential
    for user in (portal.lawyer, w.manager):
        assert selectors.case_get(user=user, number=secret.number) == secret
    for user in (w.admin, w.auditor, w.hr, portal.caseworker, w.employee, w.nobody):
        with pytest.raises(Http404):
            selectors.case_get(user=user, number=secret.number)
        assert not selectors.case_search(user=user, text="afskedigelse").exists()
        assert not selectors.case_search(user=user, text=secret.number).exists()
        assert secret not in selectors.cases_visible(user=user)


def test_explicitly_added_person_sees_confidential_case(portal, secret) -> None:
    w = portal.world
    services.case_grant_access(actor=portal.lawyer, case=secret, user=w.hr)
    assert selectors.case_get(user=w.hr, number=secret.number) == secret
    with pytest.raises(Http404):
        selectors.case_get(user=w.admin, number=secret.number)


def test_outsiders_cannot_act_on_confidential_case(portal, secret) -> None:
    for action in (
        lambda: services.case_reply(actor=portal.world.admin, case=secret, body="x"),
        lambda: services.case_transition(actor=portal.world.admin, case=secret, state="resolved"),
        lambda: services.case_assign(actor=portal.caseworker, case=secret, assignee=None),
    ):
        with pytest.raises(DomainError) as caught:
            action()
        assert caught.value.status == 404


def test_admin_queue_list_hides_restricted_queue(portal, secret) -> None:
    codes = set(selectors.queues_for(user=portal.world.admin).values_list("code", flat=True))
    assert codes == {"loen"}
    assert "jura" in set(selectors.queues_for(user=portal.lawyer).values_list("code", flat=True))


def test_audit_trail_never_shows_a_confidential_title(portal, secret) -> None:
    reprs = AuditEntry.objects.filter(object_id=str(secret.pk)).values_list(
        "object_repr", flat=True
    )
    assert all("Afskedigelse" not in r for r in reprs)


def test_watcher_outside_a_confidential_case_is_refused_and_mails_hide_title(
    portal, secret, django_capture_on_commit_callbacks
) -> None:
    with pytest.raises(DomainError):
        services.case_watch(actor=portal.lawyer, case=secret, user=portal.caseworker)
    portal.caseworker.email = "sb@example.kk.dk"
    secret.watchers.add(portal.caseworker)  # even if added behind the service's back
    assert portal.caseworker not in services.notification_recipients(secret, "reply")
    subject, body = services.notification_text(secret, "reply")
    assert "Afskedigelse" not in subject + body and secret.number in subject


def test_audit_trail_masks_case_content(portal) -> None:
    case = make_case(portal, title="Min private sag")
    services.case_reply(actor=portal.world.employee, case=case, body="Personlige oplysninger")
    text = " ".join(str(e.changes) for e in AuditEntry.objects.all())
    assert "Min private sag" not in text and "Personlige oplysninger" not in text


def test_retention_anonymises_expired_cases_and_logs_counts(portal) -> None:
    old, fresh = make_case(portal, title="Gammel sag"), make_case(portal, title="Ny sag")
    services.case_reply(actor=portal.caseworker, case=old, body="Svar med indhold")
    for case in (old, fresh):
        services.case_transition(actor=portal.caseworker, case=case, state="resolved")
        services.case_transition(actor=portal.caseworker, case=case, state="closed")
    Case.objects.filter(pk=old.pk).update(closed_at=timezone.now() - dt.timedelta(days=6 * 365))
    counts = services.retention_run()
    assert counts["cases"] == 1 and counts["entries"] >= 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.title == services.ANONYMISED_TITLE and old.answers == {} and old.anonymised_at
    assert not old.entries.exists() and fresh.title == "Ny sag"
    event = AuditEntry.objects.get(event="portal.case_anonymised")
    assert event.changes["entries"] == counts["entries"]
    assert "Svar med indhold" not in str(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert services.retention_run()["cases"] == 0


# --- E-mail --------------------------------------------------------------------------------


def eml(sender: str, subject: str, body: str, in_reply_to: str = "") -> bytes:
    headers = f"From: {sender}\r\nTo: ks@kk.dk\r\nSubject: {subject}\r\n"
    if in_reply_to:
        headers += f"In-Reply-To: {in_reply_to}\r\n"
    return (headers + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()


def test_outgoing_mail_threads_back_by_message_id(portal, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(portal)
    sent = mail.outbox[-1]
    message_id = sent.extra_headers["Message-ID"]
    assert case.number in message_id and case.title in sent.subject
    raw = eml("laerer@example.kk.dk", "SV: noget", "Her er svaret\n> citat", message_id)
    result = services.mail_ingest(raw=raw, default_service=portal.salary)
    assert result == {"status": "reply", "case": case.number, "reason": ""}
    reply = case.entries.filter(kind=CaseEntry.Kind.REPLY).get()
    assert reply.body == "Her er svaret"


def test_inbound_mail_by_subject_number_new_case_and_refusals(portal) -> None:
    case = make_case(portal)
    raw = eml("laerer@example.kk.dk", f"Re: [{case.number}] løn", "Mere info")
    assert services.mail_ingest(raw=raw, default_service=portal.dismissal)["status"] == "reply"
    stranger = eml("ukendt@example.com", f"Re: [{case.number}]", "Hej")
    assert services.mail_ingest(raw=stranger, default_service=portal.dismissal) == {
        "status": "rejected",
        "reason": "unknown_sender",
        "case": "",
    }
    outsider = eml("lead@example.kk.dk", f"Re: [{case.number}]", "Hej")  # in the team: ok
    assert services.mail_ingest(raw=outsider, default_service=portal.dismissal)["status"] == "reply"
    portal.world.manager.email = "leder@example.kk.dk"
    portal.world.manager.save()
    new = eml("leder@example.kk.dk", "Spørgsmål om en medarbejder", "Kan I ringe?")
    result = services.mail_ingest(raw=new, default_service=portal.dismissal)
    assert result["status"] == "created"
    created = Case.objects.get(number=result["case"])
    assert created.title == "Spørgsmål om en medarbejder" and created.confidential
    # A user who cannot see a case cannot write to it by mail.
    secret_reply = eml("laerer@example.kk.dk", f"Re: [{created.number}]", "Hej")
    assert services.mail_ingest(raw=secret_reply, default_service=portal.salary)["status"] == (
        "rejected"
    )


def test_mail_to_a_closed_case_from_its_requester_opens_a_linked_follow_up(portal) -> None:
    """The requester answers a closed case by e-mail: a new case of the same service with
    the same answers, linked to the old one, which stays closed; anyone else is refused."""
    from koncernservice.core.errors import DomainError
    from koncernservice.portal.models import CaseLink

    case = make_case(portal)
    for state in ("in_progress", "resolved", "closed"):
        services.case_transition(actor=portal.caseworker, case=case, state=state)
    raw = eml("laerer@example.kk.dk", f"SV: [{case.number}] løn", "Lønnen er forkert igen")
    result = services.mail_ingest(raw=raw, default_service=portal.dismissal)
    follow_up = Case.objects.get(number=result["case"])
    assert result["status"] == "created" and result["reason"] == "follow_up"
    assert follow_up.number != case.number and follow_up.service == case.service
    assert follow_up.answers == case.answers and follow_up.requester == case.requester
    assert follow_up.description == "Lønnen er forkert igen" and follow_up.state == "new"
    assert CaseLink.objects.filter(source=follow_up, target=case).exists()
    case.refresh_from_db()
    assert case.state == "closed" and not case.entries.filter(kind=CaseEntry.Kind.REPLY).exists()
    # A caseworker's mail to the closed case is refused; nothing is written.
    before = Case.objects.count()
    lead = eml("lead@example.kk.dk", f"Re: [{case.number}]", "Husk at lukke")
    with pytest.raises(DomainError) as refused:
        services.mail_ingest(raw=lead, default_service=portal.dismissal)
    assert refused.value.errors[0].code == "closed" and Case.objects.count() == before


# --- Webhooks --------------------------------------------------------------------------------


def test_state_change_goes_through_the_outbox_signed_and_retried(portal) -> None:
    import json

    from koncernservice.portal import rules
    from koncernservice.portal.models import WebhookDelivery, WebhookEndpoint

    WebhookEndpoint.objects.create(name="HR-system", url="https://hr.example/hook", secret="s3")
    case = make_case(portal, title="Titel må ikke sendes")
    services.case_transition(actor=portal.caseworker, case=case, state="in_progress")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.payload["case"] == case.number
    assert "Titel" not in json.dumps(delivery.payload)
    calls = []

    def failing(url, body, headers):
        calls.append((url, body, headers))
        raise OSError("down")

    assert services.webhook_deliver(post=failing) == {"sent": 0, "retry": 1, "failed": 0}
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.next_attempt_at is not None
    assert services.webhook_deliver(post=failing)["retry"] == 0  # not due yet
    later = delivery.next_attempt_at + dt.timedelta(seconds=1)
    assert services.webhook_deliver(now=later, post=lambda *a: 204)["sent"] == 1
    url, body, headers = calls[0]
    assert url == "https://hr.example/hook"
    assert headers["X-KS-Signature"] == rules.webhook_signature("s3", body)
    assert services.webhook_deliver(now=later, post=lambda *a: 204)["sent"] == 0


def test_webhook_gives_up_after_max_attempts(portal) -> None:
    from koncernservice.portal import rules
    from koncernservice.portal.models import WebhookDelivery, WebhookEndpoint

    WebhookEndpoint.objects.create(name="x", url="https://x.example/", secret="s")
    case = make_case(portal)
    services.case_transition(actor=portal.caseworker, case=case, state="in_progress")
    now = timezone.now()
    for _ in range(rules.WEBHOOK_MAX_ATTEMPTS):
        now += dt.timedelta(hours=7)
        services.webhook_deliver(now=now, post=lambda *a: 500)
    assert WebhookDelivery.objects.get().status == "failed"
