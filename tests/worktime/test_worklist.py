"""The landing page's "Venter på dig" for time registration: the employments whose last
month the manager may approve and nobody has approved, never the manager's own."""

from __future__ import annotations

import datetime as dt

from koncernservice.worktime import selectors, services
from tests.factories import EmploymentFactory

APRIL_10 = dt.date(2026, 4, 10)
LABEL = "Medarbejdere, hvis tid for marts 2026 ikke er godkendt"


def _counts(user) -> dict[str, int]:
    return {item.label: item.count for item in selectors.worklist(user, today=APRIL_10)}


def test_last_month_waits_for_approval_per_employment(world, client) -> None:
    # in March: the teacher and the pupil helper (the school and its classroom); not the
    # manager's own employment, one that ended in February or one that starts in April
    EmploymentFactory(unit=world.school, end_date=dt.date(2026, 2, 28))
    EmploymentFactory(unit=world.classroom, start_date=dt.date(2026, 4, 1))
    assert _counts(world.manager) == {LABEL: 2}
    services.period_approve(actor=world.manager, employments=[world.teacher], month=APRIL_10)
    assert _counts(world.manager) == {LABEL: 2}  # April approved: March still waits
    services.period_approve(
        actor=world.manager, employments=[world.teacher], month=dt.date(2026, 3, 1)
    )
    assert _counts(world.manager) == {LABEL: 1}
    # an employee and a user without roles approve nothing
    assert selectors.worklist(world.employee, today=APRIL_10) == []
    assert selectors.worklist(world.nobody, today=APRIL_10) == []
    # the link opens the manager's unit at that month
    item = selectors.worklist(world.manager, today=APRIL_10)[0]
    client.force_login(world.manager)
    response = client.get(item.url)
    assert response.status_code == 302
    assert response["Location"] == f"/worktime/enheder/{world.school.pk}/?month=2026-03"
    client.force_login(world.nobody)
    assert "Intet venter på dig lige nu." in client.get("/").content.decode()
