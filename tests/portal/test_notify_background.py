"""Notifications are rendered and sent by a background task, not in the request: with the
database task backend (production) creating a case queues one ``send_notification`` task and
sends nothing; the worker (``ks db_worker``) then sends the mail."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

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
