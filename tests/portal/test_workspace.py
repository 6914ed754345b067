"""Workspace: saved views, bulk state change (all or none), canned replies, keyboard help."""

from __future__ import annotations

import pytest

from koncernservice.core.errors import DomainError
from koncernservice.portal import rules, services
from koncernservice.portal.models import Case, Macro, SavedView

from .test_views import client_for, make_case

pytestmark = pytest.mark.django_db


def test_render_macro_fills_known_placeholders_only() -> None:
    text = "Hej {anmoder}. Sag {sag} ({titel}) er løst. {ukendt} Venlig hilsen {sagsbehandler}"
    values = {"anmoder": "Lars", "sag": "KS-2026-000001", "titel": "Løn", "sagsbehandler": "Sb"}
    assert rules.render_macro(text, values) == (
        "Hej Lars. Sag KS-2026-000001 (Løn) er løst. {ukendt} Venlig hilsen Sb"
    )
    assert rules.macro_unknown_placeholders(text) == ["ukendt"]
    assert rules.clean_view_filters({"state": "all", "q": "", "evil": "x", "sort": "-sla"}) == {
        "state": "all",
        "sort": "-sla",
    }


def test_saved_views_are_personal(portal) -> None:
    worker, lead = client_for(portal.caseworker), client_for(portal.lead)
    url = "/portal/koeer/loen/visninger/"
    response = worker.post(
        url,
        {
            "name": "Mine haster",
            "state": "open",
            "assignee": "me",
            "priority": "urgent",
            "evil": "1",
        },
    )
    assert response.status_code == 302 and "priority=urgent" in response["Location"]
    view = SavedView.objects.get()
    assert view.filters == {"state": "open", "assignee": "me", "priority": "urgent"}
    assert "Mine haster" in worker.get("/portal/koeer/loen/").content.decode()
    assert "Mine haster" not in lead.get("/portal/koeer/loen/").content.decode()
    assert lead.post(f"{url}{view.pk}/slet/").status_code == 404
    assert worker.post(url, {"name": ""}).status_code == 302 and SavedView.objects.count() == 1
    # A confidential queue outside the user's team does not exist for them.
    assert worker.post("/portal/koeer/jura/visninger/", {"name": "x"}).status_code == 404
    assert worker.post(f"{url}{view.pk}/slet/").status_code == 302
    assert not SavedView.objects.exists()


def test_bulk_state_change_is_all_or_none(portal) -> None:
    a, b = make_case(portal), make_case(portal)
    services.case_transition(actor=portal.caseworker, case=b, state="cancelled")
    client = client_for(portal.caseworker)
    url = "/portal/koeer/loen/status/"
    response = client.post(
        url, {"cases": [a.number, b.number], "state": "in_progress"}, follow=True
    )
    page = response.content.decode()
    assert "Ingen sager blev ændret." in page and b.number in page
    assert Case.objects.get(pk=a.pk).state == "new"
    c = make_case(portal)
    client.post(url, {"cases": [a.number, c.number], "state": "in_progress"})
    assert set(Case.objects.filter(pk__in=[a.pk, c.pk]).values_list("state", flat=True)) == {
        "in_progress"
    }
    # Someone without rights changes nothing.
    response = client_for(portal.world.employee).post(
        url, {"cases": [a.number], "state": "resolved"}
    )
    assert response.status_code in (403, 404)
    assert Case.objects.get(pk=a.pk).state == "in_progress"


def test_canned_replies_are_managed_by_admins_and_used_by_the_team(portal) -> None:
    admin = client_for(portal.world.admin)
    url = "/portal/opsaetning/svarskabeloner/"
    assert client_for(portal.caseworker).get(url).status_code == 403
    bad = admin.post(url, {"name": "Løst", "body": "Hej {navn}", "is_active": "1"})
    assert bad.status_code == 400 and "{navn}" in bad.content.decode()
    admin.post(
        url,
        {
            "name": "Løst",
            "body": "Hej {anmoder}, sag {sag} er løst.",
            "state": "resolved",
            "is_active": "1",
        },
    )
    admin.post(url, {"name": "Kun jura", "body": "Jura", "queue": "jura", "is_active": "1"})
    solved, law_only = Macro.objects.get(name="Løst"), Macro.objects.get(name="Kun jura")
    case = make_case(portal)
    worker = client_for(portal.caseworker)
    page = worker.get(f"/portal/sager/{case.number}/").content.decode()
    assert "Løst" in page and "Kun jura" not in page and 'id="shortcuts-help"' in page
    worker.post(f"/portal/sager/{case.number}/skabelon/", {"macro": str(law_only.pk)})
    case.refresh_from_db()
    assert case.state == "new" and not case.entries.filter(kind="reply").exists()
    worker.post(f"/portal/sager/{case.number}/skabelon/", {"macro": str(solved.pk)})
    case.refresh_from_db()
    reply = case.entries.get(kind="reply")
    name = portal.world.employee.person.full_name
    assert reply.body == f"Hej {name}, sag {case.number} er løst." and case.state == "resolved"
    # The requester may not use canned replies.
    other = make_case(portal)
    response = client_for(portal.world.employee).post(
        f"/portal/sager/{other.number}/skabelon/", {"macro": str(solved.pk)}
    )
    assert response.status_code in (302, 403)
    assert not other.entries.filter(kind="reply").exists()
    with pytest.raises(DomainError):
        services.macro_save(actor=portal.world.admin, macro=None, name="", body="")


def test_queue_page_documents_keyboard_shortcuts(portal) -> None:
    make_case(portal)
    page = client_for(portal.caseworker).get("/portal/koeer/loen/").content.decode()
    assert 'id="shortcuts-help"' in page and '<kbd data-shortcut="next">j</kbd>' in page
    assert 'id="shortcuts-off"' in page  # can be turned off (WCAG 2.1.4)
    assert '<label for="key-next">Næste sag</label>' in page  # or remapped
    assert 'id="key-next" data-action="next"' in page
