"""The queue overview's open-case count (a correlated count per queue, not a join)."""

from __future__ import annotations

import pytest

from koncernservice.portal import selectors, services
from koncernservice.portal.models import Case

pytestmark = pytest.mark.django_db


def test_open_count_counts_open_cases_per_queue_and_zero_for_none(portal) -> None:
    def create(title: str) -> Case:
        return services.case_create(
            actor=portal.world.employee,
            service=portal.salary,
            title=title,
            answers={"month": "01-03-2026", "kind": "løn"},
        )

    first, second, third = create("Et"), create("To"), create("Tre")
    Case.objects.filter(pk=second.pk).update(state="awaiting_requester")
    Case.objects.filter(pk=third.pk).update(state="resolved")
    counts = {q.code: q.open_count for q in selectors.queues_for(user=portal.lawyer)}
    assert counts == {"loen": 2, "jura": 0}
    assert first.queue.code == "loen"
    queues = list(selectors.queues_for(user=portal.caseworker))
    assert [q.code for q in queues] == ["loen"]
    assert selectors.queue_get(user=portal.caseworker, code="loen").open_count == 2
