"""Background work of the portal (Django tasks): notifications, the SLA sweep and auto-closing.

Run every minute by the scheduler (``ks portal sweep-sla`` from cron or a worker loop), so a
breach is recorded within a minute of its deadline; the sweep reads only the timers whose
indexed ``next_check_at`` is due.
"""

from __future__ import annotations

from django.tasks import task

from koncernservice.portal import services


@task()
def sweep_sla() -> dict[str, int]:
    counts = services.sla_sweep()
    counts["closed"] = services.auto_close()
    return counts


@task()
def apply_retention() -> dict[str, int]:
    """Nightly: anonymise cases past their service's retention period."""
    return services.retention_run()


@task()
def deliver_webhooks() -> dict[str, int]:
    """Every minute: send due webhook deliveries from the outbox."""
    return services.webhook_deliver()


@task()
def remind_article_reviews() -> dict[str, int]:
    """Daily: e-mail owners of knowledge articles due for review within 14 days."""
    return services.article_review_reminders()


@task()
def send_notification(case_id: int, event: str) -> int:
    """The e-mail notifications of one case event (queued by ``services.notify_later``)."""
    return services.notify(case_id=case_id, event=event)
