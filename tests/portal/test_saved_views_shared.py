"""Saved views shared by a queue's team lead: listed for the whole team, changed or deleted only
by the owner or a lead, invisible outside the team."""

from __future__ import annotations

import pytest

from koncernservice.core.audit import AuditEntry
from koncernservice.core.errors import DomainError
from koncernservice.core.models import Role
from koncernservice.portal import selectors, services
from koncernservice.portal.models import QueueMember, SavedView
from tests.factories import make_user

from .test_views import client_for

pytestmark = pytest.mark.django_db

URL = "/portal/koeer/loen/visninger/"


@pytest.fixture
def outsider(portal):
    """A caseworker who may open the (open) salary queue but is not in its team."""
    return make_user("udenfor", roles=[(Role.CASEWORKER, portal.world.root)])


def names(user, portal) -> list[str]:
    return [v.name for v in selectors.saved_views(user=user, queue=portal.general)]


def test_a_lead_shares_a_view_with_the_team_only(portal, outsider) -> None:
    lead, member = client_for(portal.lead), client_for(portal.caseworker)
    response = lead.post(URL, {"name": "Haster i dag", "priority": "urgent", "shared": "1"})
    assert response.status_code == 302
    view = SavedView.objects.get()
    assert view.shared and view.user == portal.lead and view.filters == {"priority": "urgent"}
    page = member.get("/portal/koeer/loen/").content.decode()
    assert "Haster i dag" in page and "priority=urgent" in page
    assert names(portal.caseworker, portal) == ["Haster i dag"]
    # Outside the team: not listed, not on the page, cannot delete it.
    assert names(outsider, portal) == []
    assert "Haster i dag" not in client_for(outsider).get("/portal/koeer/loen/").content.decode()
    assert client_for(outsider).post(f"{URL}{view.pk}/slet/").status_code == 404
    # The lawyer's team (another queue) does not see it either, nor the requester.
    assert names(portal.lawyer, portal) == [] and names(portal.world.employee, portal) == []
    # Only leads see the share box.
    assert 'name="shared"' in lead.get("/portal/koeer/loen/").content.decode()
    assert 'name="shared"' not in page


def test_only_a_lead_may_share_and_only_owner_or_lead_may_change(portal, outsider) -> None:
    with pytest.raises(DomainError) as refused:
        services.saved_view_save(
            actor=portal.caseworker, queue=portal.general, name="Alle", filters={}, shared=True
        )
    assert refused.value.errors[0].code == "not_lead" and not SavedView.objects.exists()
    response = client_for(portal.caseworker).post(URL, {"name": "Alle", "shared": "1"})
    assert response.status_code == 302 and not SavedView.objects.exists()

    shared = services.saved_view_save(
        actor=portal.lead,
        queue=portal.general,
        name="Teamets",
        filters={"state": "all"},
        shared=True,
    )
    member = client_for(portal.caseworker)
    assert not services.saved_view_may_change(actor=portal.caseworker, view=shared)
    assert member.post(f"{URL}{shared.pk}/slet/").status_code == 404
    page = member.get("/portal/koeer/loen/").content.decode()
    assert "Teamets" in page and f"visninger/{shared.pk}/slet/" not in page
    # A member saving under the same name gets an own view; the shared one is untouched.
    own = services.saved_view_save(
        actor=portal.caseworker, queue=portal.general, name="Teamets", filters={"state": "new"}
    )
    shared.refresh_from_db()
    assert own.pk != shared.pk and not own.shared and shared.filters == {"state": "all"}
    assert names(portal.caseworker, portal) == ["Teamets", "Teamets"]

    # Another lead of the queue changes and deletes the shared view.
    second = make_user("teamleder2", roles=[(Role.CASEWORKER, portal.world.root)])
    QueueMember.objects.create(queue=portal.general, user=second, is_lead=True)
    changed = services.saved_view_save(
        actor=second,
        queue=portal.general,
        name="Teamets",
        filters={"state": "open"},
        shared=True,
    )
    assert changed.pk == shared.pk and changed.filters == {"state": "open"}
    assert changed.user == portal.lead  # the owner stays
    assert services.saved_view_may_change(actor=second, view=changed)
    assert not services.saved_view_may_change(actor=second, view=own)  # personal: owner only
    assert client_for(second).post(f"{URL}{shared.pk}/slet/").status_code == 302
    assert list(SavedView.objects.all()) == [own]


def test_the_owner_keeps_control_after_leaving_the_lead_role(portal) -> None:
    shared = services.saved_view_save(
        actor=portal.lead, queue=portal.general, name="Mine", filters={}, shared=True
    )
    QueueMember.objects.filter(user=portal.lead).update(is_lead=False)
    with pytest.raises(DomainError):  # no longer a lead: cannot share anew
        services.saved_view_save(
            actor=portal.lead, queue=portal.general, name="Ny", filters={}, shared=True
        )
    # ... but may unshare (save as personal) and delete the own view.
    services.saved_view_save(actor=portal.lead, queue=portal.general, name="Mine", filters={})
    shared.refresh_from_db()
    assert not shared.shared and names(portal.caseworker, portal) == []
    services.saved_view_delete(actor=portal.lead, view=shared)
    assert not SavedView.objects.exists()


# --- Renaming ---------------------------------------------------------------------------------


def test_owner_or_lead_renames_a_shared_view_and_nobody_else(portal, outsider) -> None:
    shared = services.saved_view_save(
        actor=portal.lead, queue=portal.general, name="Teamets", filters={}, shared=True
    )
    page = client_for(portal.lead).get("/portal/koeer/loen/").content.decode()
    assert f'action="{URL}{shared.pk}/omdoeb/"' in page
    assert f'<label for="rename-view-{shared.pk}">Nyt navn til Teamets</label>' in page
    # The owner renames it (spaces tidied); the team sees the new name.
    response = client_for(portal.lead).post(
        f"{URL}{shared.pk}/omdoeb/", {"name": "  Teamets   haster "}, follow=True
    )
    assert "Visningen er omdøbt." in response.content.decode()
    assert names(portal.caseworker, portal) == ["Teamets haster"]
    # Another lead of the queue may rename it too; the owner stays.
    second = make_user("teamleder2", roles=[(Role.CASEWORKER, portal.world.root)])
    QueueMember.objects.create(queue=portal.general, user=second, is_lead=True)
    services.saved_view_rename(actor=second, view=shared, name="Haster")
    shared.refresh_from_db()
    assert (shared.name, shared.user) == ("Haster", portal.lead)
    # A team member (not lead) and someone outside the team: 404, nothing changed.
    member_page = client_for(portal.caseworker).get("/portal/koeer/loen/").content.decode()
    assert f"{shared.pk}/omdoeb/" not in member_page
    for user in (portal.caseworker, outsider):
        assert client_for(user).post(f"{URL}{shared.pk}/omdoeb/", {"name": "Mit"}).status_code == (
            404
        )
        with pytest.raises(DomainError) as refused:
            services.saved_view_rename(actor=user, view=shared, name="Mit")
        assert refused.value.status == 404
    shared.refresh_from_db()
    assert shared.name == "Haster"
    # Audited: who renamed it, from what to what.
    renames = AuditEntry.objects.filter(
        content_type__model="savedview", object_id=str(shared.pk), action="update"
    ).order_by("at", "id")
    assert [(e.actor, e.changes["name"]) for e in renames] == [
        (portal.lead, ["Teamets", "Teamets haster"]),
        (second, ["Teamets haster", "Haster"]),
    ]


def test_rename_refuses_an_empty_or_duplicate_name_in_danish(portal) -> None:
    shared = services.saved_view_save(
        actor=portal.lead, queue=portal.general, name="Teamets", filters={}, shared=True
    )
    services.saved_view_save(actor=portal.lead, queue=portal.general, name="Mine", filters={})
    other_lead = make_user("teamleder2", roles=[(Role.CASEWORKER, portal.world.root)])
    QueueMember.objects.create(queue=portal.general, user=other_lead, is_lead=True)
    theirs = services.saved_view_save(
        actor=other_lead, queue=portal.general, name="Ældste først", filters={}, shared=True
    )
    client = client_for(portal.lead)
    response = client.post(f"{URL}{shared.pk}/omdoeb/", {"name": "   "}, follow=True)
    assert "Giv visningen et navn." in response.content.decode()
    # The owner's own view, letter case aside.
    response = client.post(f"{URL}{shared.pk}/omdoeb/", {"name": "MINE"}, follow=True)
    assert (
        "Der er allerede en visning med navnet »MINE« i denne kø. Vælg et andet navn."
        in response.content.decode()
    )
    # Another shared view of the team (Æ/æ too, whatever the database).
    with pytest.raises(DomainError) as clash:
        services.saved_view_rename(actor=portal.lead, view=shared, name="ældste FØRST")
    assert (clash.value.errors[0].field, clash.value.errors[0].code) == ("name", "duplicate")
    with pytest.raises(DomainError) as too_long:
        services.saved_view_rename(actor=portal.lead, view=shared, name="x" * 81)
    assert too_long.value.errors[0].code == "name"
    shared.refresh_from_db()
    assert shared.name == "Teamets" and theirs.name == "Ældste først"
    # A member's personal view may carry a team view's name (as saving allows), and the
    # view may keep its own name with another letter case.
    own = services.saved_view_save(
        actor=portal.caseworker, queue=portal.general, name="Egen", filters={}
    )
    assert services.saved_view_rename(actor=portal.caseworker, view=own, name="Teamets").name == (
        "Teamets"
    )
    assert services.saved_view_rename(actor=portal.lead, view=shared, name="TEAMETS").name == (
        "TEAMETS"
    )
