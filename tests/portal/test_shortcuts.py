"""A caseworker's own keyboard shortcuts (WCAG 2.1.4) are kept with the account."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from koncernservice.core.errors import AccessDenied, DomainError
from koncernservice.portal import services
from koncernservice.portal.models import ShortcutPreference
from tests.portal.test_views import client_for

pytestmark = pytest.mark.django_db
URL = "/portal/genveje/"


def post(client: Client, body: object):
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_keys_saved_on_one_browser_are_there_on_another(portal) -> None:
    """Saved in one browser, the keys are in the session of the next login anywhere and on
    the queue page; only the page's actions change, the others keep theirs."""
    first = client_for(portal.caseworker)
    answer = post(first, {"keys": {"next": "n", "previous": "p"}})
    assert answer.status_code == 200
    assert answer.json()["keys"] == {
        "next": "n",
        "previous": "p",
        "select": "x",
        "open": "o",
        "search": "/",
        "reply": "r",
        "note": "n",  # the case page's "note" may share a key with the queue page's "next"
        "state": "s",
        "macro": "m",
    }
    other = Client()
    other.post("/login/", {"username": portal.caseworker.username, "password": "Korrekt-hest-42"})
    page = other.get("/portal/koeer/loen/").content.decode()
    assert '<script id="shortcut-prefs" type="application/json">' in page
    assert '"next": "n"' in page and '"off": false' in page
    post(first, {"off": True})
    assert ShortcutPreference.objects.get(user=portal.caseworker).off is True
    post(first, {"reset": True})
    assert ShortcutPreference.objects.get(user=portal.caseworker).keys == {}


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"next": "k", "previous": "k"}, "Hver tast kan kun bruges til én ting: k"),
        ({"next": "?"}, "Skriv én tast (ikke ? eller mellemrum) i hvert felt."),
        ({"next": " "}, "Skriv én tast (ikke ? eller mellemrum) i hvert felt."),
        ({"next": "nn"}, "Skriv én tast (ikke ? eller mellemrum) i hvert felt."),
        ({"next": ""}, "Skriv én tast (ikke ? eller mellemrum) i hvert felt."),
        ({"next": 7}, "Skriv én tast (ikke ? eller mellemrum) i hvert felt."),
        ({"launch": "l"}, "Ukendt tastaturgenvej."),
        (["n"], "Skriv én tast (ikke ? eller mellemrum) i hvert felt."),
    ],
)
def test_bad_keys_are_refused_in_danish_and_nothing_is_saved(portal, keys, message) -> None:
    client = client_for(portal.caseworker)
    post(client, {"keys": {"next": "n"}})
    answer = post(client, {"keys": keys})
    assert answer.status_code == 400 and answer.json() == {"error": message}
    assert ShortcutPreference.objects.get(user=portal.caseworker).keys == {"next": "n"}


def test_only_ones_own_keys_and_only_signed_in(portal) -> None:
    """The endpoint takes no user: it changes the signed-in user's keys only. Signed out, a
    request is sent to the login page and nothing is stored; a broken body is refused."""
    post(client_for(portal.world.employee), {"keys": {"next": "n"}})
    assert not ShortcutPreference.objects.filter(user=portal.caseworker).exists()
    anonymous = post(Client(), {"keys": {"next": "n"}, "user": portal.caseworker.pk})
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert ShortcutPreference.objects.count() == 1
    broken = client_for(portal.caseworker).post(URL, "{", content_type="application/json")
    assert broken.status_code == 400 and broken.json() == {"error": "Ikke gyldig JSON."}
    with pytest.raises(AccessDenied):
        services.shortcuts_save(actor=AnonymousUser(), keys={"next": "n"})
    with pytest.raises(DomainError):
        services.shortcuts_save(actor=portal.caseworker, keys={"next": "?"})
