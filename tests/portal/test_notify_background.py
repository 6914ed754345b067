"""Notifications are rendered and sent by a background task, not in the request: with the
database task backend (production) creating a case queues one ``send_notification`` task and
sends nothing; the worker (``ks db_worker``) then sends the mail."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django_tasks_db.models import DBTaskResult

from koncernservice.portal.models import Case, Deflection

from .test_views import make_case

pytestmark = pytest.mark.django_db(transaction=True)

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_creating_a_case_queues_its_mail_for_the_worker(portal, settings) -> None:
    settings.TASKS = DB_BACKEND
    case = make_case(portal, title="Forkert tillæg")
    assert mail.outbox == []  # nothing rendered or sent inside the request
    queued = DBTaskResult.objects.filter(task_path__endswith="tasks.send_notification")
    assert queued.count() == 1
    assert queued.get().args_kwargs["kwargs"] == {"case_id": case.pk, "event": "created"}

    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    assert queued.get().status == "SUCCESSFUL"
    to_requester = [m for m in mail.outbox if case.number in m.subject]
    assert to_requester and "Forkert tillæg" in to_requester[0].subject


def test_without_a_worker_backend_the_mail_is_sent_at_once(portal, settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    case = make_case(portal, title="Straks")
    assert any(case.number in m.subject for m in mail.outbox)
    assert not DBTaskResult.objects.exists()


def test_the_queued_mail_is_written_in_the_cases_transaction(portal, settings) -> None:
    """Issue 3: notifications never hold up the request and never go out for a case that was
    not saved. With the database backend the task row is an outbox row of the case's own
    transaction: a creation that fails after it leaves neither the case nor the task."""
    settings.TASKS = DB_BACKEND
    cases_before = Case.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_case(portal, title="Rulles tilbage")
        assert DBTaskResult.objects.count() == 1  # written at once, not after the commit
        raise RuntimeError("the request fails after the case")
    assert Case.objects.count() == cases_before
    assert not DBTaskResult.objects.exists()


def test_the_form_post_writes_case_deflection_and_task_in_one_transaction(
    portal, settings, django_capture_on_commit_callbacks
) -> None:
    """The new-case page with the production task backend: the deflection link and the task
    row are written before the case's commit, nothing waits for the commit."""
    settings.TASKS = DB_BACKEND
    client = Client()
    client.force_login(portal.world.employee)
    Deflection.objects.create(user=portal.world.employee, service=portal.salary, articles=[1])
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/portal/ny/loen-fejl/",
            {"title": "Forkert løn", "answers.month": "01-03-2026", "answers.kind": "løn"},
        )
    assert response.status_code == 302
    case = Case.objects.get(title="Forkert løn")
    assert callbacks == []
    assert Deflection.objects.get().case == case
    assert DBTaskResult.objects.get().args_kwargs["kwargs"] == {
        "case_id": case.pk,
        "event": "created",
    }


def test_concurrent_creations_get_consecutive_numbers_and_one_task_each(portal, settings) -> None:
    """KS-YYYY-NNNNNN stays unique and gap-free when cases are created at the same time, now
    that a case's transaction also writes its task row and deflection link: two threads, five
    cases each, on PostgreSQL (the counter row's lock serialises them until each commit)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    settings.TASKS = DB_BACKEND
    before = Case.objects.count()
    start = threading.Barrier(2)
    numbers: list[str] = []
    failures: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            start.wait()
            for i in range(5):
                numbers.append(make_case(portal, title=f"Samtidig {name} {i}").number)
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    serials = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert len(serials) == 10
    assert serials == list(range(serials[0], serials[0] + 10))  # no repeats, no gaps
    assert Case.objects.count() == before + 10
    assert DBTaskResult.objects.count() == 10
