"""The landing page's "Venter på dig" for the service portal: the employee's cases awaiting
their answer, a caseworker's open cases per queue, and new cases nobody has taken in the
caseworker's teams' queues; counts only, so no title of a confidential case reaches it."""

from __future__ import annotations

from koncernservice.core.worklist import worklist
from koncernservice.portal import services
from tests.portal.test_views import client_for, make_case


def _counts(user) -> dict[str, int]:
    return {item.label: item.count for item in worklist(user=user)}


def test_what_waits_for_the_requester_and_the_caseworkers(portal) -> None:
    world = portal.world
    first, second, third = (make_case(portal) for _ in range(3))
    secret = make_case(
        portal, user=world.manager, service=portal.dismissal, title="Afsked af Hans Hemmelig"
    )
    services.case_assign(actor=portal.caseworker, case=first, assignee=portal.caseworker)
    services.case_assign(actor=portal.caseworker, case=second, assignee=portal.caseworker)
    services.case_transition(actor=portal.caseworker, case=second, state="awaiting_requester")
    assert _counts(world.employee) == {"Dine sager, der venter på dit svar": 1}
    # first is assigned and open; second waits for the requester, not for the caseworker;
    # third is new and untaken in the caseworker's team's queue (Løn)
    assert _counts(portal.caseworker) == {
        "Tildelt dig i Løn": 1,
        "Nye sager, som ingen har taget, i Løn": 1,
    }
    # the restricted queue's team sees its new case; nobody else hears of it
    assert _counts(portal.lawyer) == {"Nye sager, som ingen har taget, i Personalejura": 1}
    assert "Personalejura" not in str(_counts(world.admin))
    page = client_for(portal.lawyer).get("/").content.decode()
    assert "Personalejura" in page and secret.title not in page and "Hemmelig" not in page
    assert _counts(world.nobody) == {}
    # the requester's link lists only the cases awaiting the answer
    mine = client_for(world.employee).get("/portal/mine/?state=awaiting_requester")
    listed = mine.content.decode()
    assert second.number in listed and first.number not in listed and third.number not in listed
    assert '<option value="awaiting_requester" selected>' in listed  # the filter shows it
