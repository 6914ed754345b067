"""The peer's side of bench/portal_peer.py: run with bench/portal_peer/.venv/bin/python.

``setup``: migrate django-helpdesk's database, create the same queues, the caseworker (staff,
granted the same queues as in ours) and the employee, and copy our cases into tickets and our
timeline entries into follow-ups with PostgreSQL COPY (same count, queues, states, priorities,
creation times, texts; due date = our resolution deadline).

``measure``: times, through Django's test client in this one process, the employee's public
ticket submission (POST /tickets/submit/, answered with the redirect to the ticket) and the
caseworker's ticket list for one queue, open tickets (status Open and Reopened), first page:
the HTML page (/tickets/?queue=..&status=1&status=2) plus the JSON request its DataTable sends
for the rows (/datatables_ticket_list/<query>), since the page holds no rows without it.
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk_site.settings")

from timing import emit, measure  # noqa: E402

PAGE_SIZE = 50  # ours: KS_PAGE_SIZE = 50; theirs: the caseworker's "tickets per page" setting
STATUS = {  # our state -> helpdesk status (1 Open, 2 Reopened, 3 Resolved, 4 Closed)
    "new": 1,
    "in_progress": 1,
    "awaiting_requester": 1,
    "resolved": 3,
    "closed": 4,
    "cancelled": 4,
}
PRIORITY = {"urgent": 1, "high": 2, "normal": 3, "low": 4}  # helpdesk: 1 critical .. 5 very low


def setup(ours_url: str, reload: bool) -> None:
    import django

    django.setup()
    import psycopg
    from django.contrib.auth.models import Permission, User
    from django.core.management import call_command
    from django.db import connection
    from helpdesk.models import FollowUp, Queue, Ticket, UserSettings

    call_command("migrate", verbosity=0)
    source = psycopg.connect(ours_url)
    queues = source.execute("SELECT code, name FROM portal_queue ORDER BY id").fetchall()
    for code, name in queues:
        Queue.objects.get_or_create(
            slug=code,
            defaults={"title": name, "allow_public_submission": True, "escalate_days": None},
        )
    # The caseworker works the queues ours makes them a member of (not the confidential ones).
    members = {
        code
        for (code,) in source.execute(
            "SELECT q.code FROM portal_queuemember m JOIN portal_queue q ON q.id = m.queue_id"
            " JOIN core_user u ON u.id = m.user_id WHERE u.username = 'sagsbehandler'"
        )
    }
    users = source.execute(
        "SELECT username, email, first_name, last_name FROM core_user"
        " WHERE username IN ('sagsbehandler', 'medarbejder')"
        " OR id IN (SELECT DISTINCT assignee_id FROM portal_case WHERE assignee_id IS NOT NULL)"
    ).fetchall()
    for username, email, first, last in users:
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={"email": email, "first_name": first, "last_name": last},
        )
        user.is_staff = username != "medarbejder"
        user.save()
        settings, _ = UserSettings.objects.get_or_create(user=user)
        settings.tickets_per_page = PAGE_SIZE
        settings.login_view_ticketlist = True
        settings.save()
    worker = User.objects.get(username="sagsbehandler")
    for queue in Queue.objects.filter(slug__in=members):
        worker.user_permissions.add(Permission.objects.get(codename=queue.permission_name[9:]))

    wanted = source.execute("SELECT count(*) FROM portal_case").fetchone()[0]
    loaded = Ticket.objects.count()
    # Both sides grow alike by the cases each run creates; reload only when they drift apart.
    if abs(loaded - wanted) <= wanted // 200 and loaded and not reload:
        print(f"peer: {loaded} tickets already loaded (ours: {wanted} cases)", file=sys.stderr)
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE helpdesk_followup, helpdesk_ticket CASCADE")
    queue_ids = {q.slug: q.pk for q in Queue.objects.all()}
    user_ids = {u.username: u.pk for u in User.objects.all()}
    queue_case = "CASE q.code " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in queue_ids.items())
    user_case = "CASE a.username " + " ".join(
        "WHEN '{}' THEN {}".format(k.replace("'", "''"), v) for k, v in user_ids.items()
    )
    status_case = "CASE c.state " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in STATUS.items())
    priority_case = "CASE c.priority " + " ".join(
        f"WHEN '{k}' THEN {v}" for k, v in PRIORITY.items()
    )
    tickets_sql = f"""
        COPY (
          SELECT c.id, c.title, c.created_at, c.updated_at, r.email,
                 {status_case} END, false, c.description, NULL, {priority_case} END,
                 t.deadline_at, NULL, {user_case} END, {queue_case} END,
                 gen_random_uuid()::text, NULL, NULL
          FROM portal_case c
          JOIN portal_queue q ON q.id = c.queue_id
          JOIN core_person r ON r.id = c.requester_id
          LEFT JOIN core_user a ON a.id = c.assignee_id
          LEFT JOIN portal_slatimer t ON t.case_id = c.id AND t.kind = 'resolution'
        ) TO STDOUT"""
    followups_sql = f"""
        COPY (
          SELECT e.id, e.created_at, left(coalesce(nullif(e.event, ''), e.kind), 200), e.body,
                 e.kind <> 'note', NULL, e.case_id, {user_case} END, NULL, NULL, NULL
          FROM portal_caseentry e LEFT JOIN core_user a ON a.id = e.author_id
        ) TO STDOUT"""
    target = connection.connection  # psycopg 3 connection of the peer's database
    for sql, table, columns in (
        (
            tickets_sql,
            "helpdesk_ticket",
            "id, title, created, modified, submitter_email, status, on_hold, description,"
            " resolution, priority, due_date, last_escalation, assigned_to_id, queue_id,"
            " secret_key, kbitem_id, merged_to_id",
        ),
        (
            followups_sql,
            "helpdesk_followup",
            "id, date, title, comment, public, new_status, ticket_id, user_id, message_id,"
            " time_spent, email_recipients",
        ),
    ):
        with (
            source.cursor().copy(sql) as out,
            target.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as into,
        ):
            for block in out:
                into.write(block)
        target.commit()
    with connection.cursor() as cursor:
        for table in ("helpdesk_ticket", "helpdesk_followup"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT max(id) FROM {table}))"
            )
    target.commit()
    target.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE helpdesk_ticket")
        cursor.execute("VACUUM ANALYZE helpdesk_followup")
    print(
        f"peer: loaded {Ticket.objects.count()} tickets, {FollowUp.objects.count()} follow-ups"
        f" in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


def run(repeat: int, warmup: int, queue_slug: str, label: str) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core import mail
    from django.test import Client
    from helpdesk.models import Queue, Ticket

    worker = User.objects.get(username="sagsbehandler")
    employee = User.objects.get(username="medarbejder")
    queue = Queue.objects.get(slug=queue_slug)
    worker_client, employee_client = Client(HTTP_HOST="localhost"), Client(HTTP_HOST="localhost")
    worker_client.force_login(worker)
    employee_client.force_login(employee)
    stamp = f"{label or os.getpid()}-{int(time.time())}"

    mails: list[int] = []

    def create(i: int) -> None:
        response = employee_client.post(
            "/tickets/submit/",
            {
                "queue": queue.pk,
                "title": f"Spørgsmål til lønsedlen {stamp}-{i}",
                "body": "Jeg forstår ikke fradraget på min lønseddel for denne måned.",
                "submitter_email": employee.email,
                "priority": 3,
                "due_date": "",
            },
        )
        assert response.status_code == 302, (response.status_code, response.content[:3000])
        assert "/view/?ticket=" in response["Location"], response["Location"]
        mails.append(len(getattr(mail, "outbox", [])))
        if hasattr(mail, "outbox"):
            mail.outbox.clear()

    rows_seen: list[int] = []
    list_url = f"/tickets/?queue={queue.pk}&status=1&status=2&sort=created"
    data_params = {
        "draw": 1,
        "start": 0,
        "length": PAGE_SIZE,
        "order[0][column]": 5,  # created, the list's sort
        "order[0][dir]": "asc",
        "search[value]": "",
        "search[regex]": "false",
    }

    def queue_list(i: int) -> dict[str, float]:
        started = time.perf_counter()
        page = worker_client.get(list_url)
        assert page.status_code == 200, page.status_code
        match = re.search(r"datatables_ticket_list/([A-Za-z0-9+/=]+)", page.content.decode())
        assert match, "no data URL on the ticket list page"
        middle = time.perf_counter()
        data = worker_client.get(f"/datatables_ticket_list/{match.group(1)}", data_params)
        assert data.status_code == 200, data.status_code
        rows_seen.append(len(data.json()["data"]))
        return {"page": middle - started, "data": time.perf_counter() - middle}

    tickets_before = Ticket.objects.count()
    created = measure("create", create, repeat, warmup)
    listed = measure("queue_list", queue_list, repeat, warmup)
    emit(
        {
            "system": "django-helpdesk",
            "django": django.get_version(),
            "helpdesk": _version("django-helpdesk"),
            "cases": tickets_before,
            "queues": Queue.objects.count(),
            "queue": queue.slug,
            "queue_cases": Ticket.objects.filter(queue=queue).count(),
            "queue_open": Ticket.objects.filter(queue=queue, status__in=[1, 2]).count(),
            "rows_on_page": max(rows_seen),
            "mails_per_create": round(sum(mails) / max(1, len(mails)), 2),
            "page_size": worker.usersettings_helpdesk.tickets_per_page,
            "per_queue_permission": settings.HELPDESK_ENABLE_PER_QUEUE_STAFF_PERMISSION,
            "results": [created, listed],
        }
    )


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["setup", "measure"])
    parser.add_argument("--ours-db", default="postgres://ks@127.0.0.1:55432/ks_peer_ours")
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--queue", default="loen")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    if args.command == "setup":
        setup(args.ours_db, args.reload)
    else:
        run(args.repeat, args.warmup, args.queue, args.label)


if __name__ == "__main__":
    main()
