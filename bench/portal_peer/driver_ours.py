"""Our side of bench/portal_peer.py: run with /work/main/.venv/bin/python, DATABASE_URL set.

Times, through Django's test client in this one process, the two operations compared with
django-helpdesk: the employee's "new case" form POST (/portal/ny/<service>/: validation,
routing, numbering, SLA timers, audit, e-mail queued; answered with the redirect to the new
case) and the caseworker's queue list (/portal/koeer/<queue>/: open cases, first page,
default sort by SLA deadline). Prints one JSON line (see timing.emit).

Tasks run as in production (``KS_TASKS_BACKEND`` = the database backend unless set): the
request queues the notification after its commit, and the task worker (``ks db_worker``)
renders and sends it. After the timed creations the worker is run here (batch mode) and its
CPU per sent notification is reported apart (``worker``), outside the request's figures.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent / "src"))

from timing import emit, measure  # noqa: E402

CASE_NUMBER = re.compile(r"KS-\d{4}-\d{6}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--queue", default="loen")
    parser.add_argument("--service", default="loenseddel")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koncernservice.settings")
    # E-mail to memory, as in the peer's settings (ours reads the backend from the environment).
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("KS_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
    import django

    django.setup()
    from django.conf import settings
    from django.core import mail
    from django.core.management import call_command
    from django.test import Client

    from koncernservice.core.models import User
    from koncernservice.portal import selectors
    from koncernservice.portal.models import Case, Queue, Service

    worker = User.objects.get(username="sagsbehandler")
    employee = User.objects.get(username="medarbejder")
    queue = Queue.objects.get(code=args.queue)
    service = Service.objects.get(code=args.service)
    form = selectors.current_form(service)
    answers = selectors.prefill(user=employee, fields=form.fields if form else [])
    worker_client, employee_client = Client(HTTP_HOST="localhost"), Client(HTTP_HOST="localhost")
    worker_client.force_login(worker)
    employee_client.force_login(employee)
    stamp = f"{args.label or os.getpid()}-{int(time.time())}"

    mails: list[int] = []
    queued = "immediate" not in settings.TASKS["default"]["BACKEND"].lower()

    def run_worker() -> tuple[int, float]:
        """The queued tasks sent by the worker, as ``ks db_worker --batch``: (mails, CPU s)."""
        if not queued:
            return 0, 0.0
        if hasattr(mail, "outbox"):
            mail.outbox.clear()
        started = time.process_time()
        call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
        return len(getattr(mail, "outbox", [])), time.process_time() - started

    run_worker()  # tasks an earlier run left queued are not this run's

    def create(i: int) -> None:
        response = employee_client.post(
            f"/portal/ny/{service.code}/",
            {
                "title": f"Spørgsmål til lønsedlen {stamp}-{i}",
                "description": "Jeg forstår ikke fradraget på min lønseddel for denne måned.",
                **{f"answers.{k}": v for k, v in answers.items()},
            },
        )
        assert response.status_code == 302, (response.status_code, response.content[:2000])
        assert "/portal/sager/KS-" in response["Location"], response["Location"]
        # The browser follows the redirect, and the case page shows the "case created" message
        # and removes it from the cookie; the driver does not open that page, so it drops the
        # cookie itself (otherwise every request of a round carried all the earlier messages
        # and encoded them again: growing CPU per request that no real user pays).
        employee_client.cookies.pop("messages", None)
        mails.append(len(getattr(mail, "outbox", [])))
        if hasattr(mail, "outbox"):
            mail.outbox.clear()

    rows_seen: list[int] = []
    queue_url = f"/portal/koeer/{queue.code}/"

    def queue_list(i: int) -> None:
        response = worker_client.get(queue_url)
        assert response.status_code == 200, response.status_code
        rows_seen.append(len(set(CASE_NUMBER.findall(response.content.decode()))))

    cases_before = Case.objects.count()
    created = measure("create", create, args.repeat, args.warmup)
    worker_mails, worker_cpu = run_worker()
    if queued:
        mails[:] = [worker_mails / (args.repeat + args.warmup)]
    listed = measure("queue_list", queue_list, args.repeat, args.warmup)
    open_states = ["new", "in_progress", "awaiting_requester"]
    emit(
        {
            "system": "ours",
            "django": django.get_version(),
            "cases": cases_before,
            "queues": Queue.objects.count(),
            "queue": queue.code,
            "queue_cases": Case.objects.filter(queue=queue).count(),
            "queue_open": Case.objects.filter(queue=queue, state__in=open_states).count(),
            "rows_on_page": max(rows_seen),
            "mails_per_create": round(sum(mails) / max(1, len(mails)), 2),
            "tasks": settings.TASKS["default"]["BACKEND"],
            "worker_cpu_ms_per_mail": round(1000 * worker_cpu / worker_mails, 1)
            if worker_mails
            else None,
            "page_size": settings.KS_PAGE_SIZE,
            "results": [created, listed],
        }
    )


if __name__ == "__main__":
    main()
