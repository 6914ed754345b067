"""Pages: Danish, scoped (404 outside scope), no N+1 queries, export to Excel, lockout."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from koncernservice.core.models import Employment, LoginFailure
from tests.factories import EmploymentFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Korrekt-hest-42"


def danish(msgid: str) -> str:
    with translation.override("da"):
        return translation.gettext(msgid)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_login_page_is_danish_and_accessible(client) -> None:
    response = client.get("/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="da">' in html
    assert danish("Log in") != "Log in"  # translated
    assert danish("Log in") in html
    assert 'for="id_username"' in html and 'for="id_password"' in html
    assert 'href="#main"' in html  # skip link


def test_anonymous_is_sent_to_login(client) -> None:
    for url in ["/", "/organisation/", "/people/", "/audit/", "/calendars/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_login_locks_after_five_failures(world, client) -> None:
    for _ in range(5):
        response = client.post("/login/", {"username": "leder", "password": "forkert"})
        assert danish("Wrong username or password. Note that both are case-sensitive.") in (
            response.content.decode()
        )
    response = client.post("/login/", {"username": "leder", "password": PASSWORD})
    assert response.status_code == 200  # the right password is refused while locked
    assert "_auth_user_id" not in client.session
    assert LoginFailure.objects.filter(username="leder").count() == 5


def test_successful_login_clears_failures(world, client) -> None:
    client.post("/login/", {"username": "leder", "password": "forkert"})
    response = client.post("/login/", {"username": "leder", "password": PASSWORD})
    assert response.status_code == 302
    assert not LoginFailure.objects.filter(username="leder").exists()


def test_manager_sees_own_unit_employees(world) -> None:
    client = client_for(world.manager)
    response = client.get(reverse("core:unit_detail", args=[world.school.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Lars Lærer" in html
    assert "Sofie" not in html


def test_breadcrumbs_link_only_the_units_the_user_may_open(world) -> None:
    """A school's manager sees the administration and the municipality above the school
    as text: they lie outside the manager's scope, so a link would lead to 404. HR,
    scoped to the municipality, gets links to both."""
    url = reverse("core:unit_detail", args=[world.classroom.pk])
    links = [
        reverse("core:unit_detail", args=[unit.pk])
        for unit in (world.root, world.school.parent, world.school)
    ]
    manager_html = client_for(world.manager).get(url).content.decode()
    assert "Børne- og Ungdomsforvaltningen" in manager_html
    assert f'href="{links[0]}"' not in manager_html
    assert f'href="{links[1]}"' not in manager_html
    assert f'href="{links[2]}"' in manager_html  # the school itself is in scope
    hr_html = client_for(world.hr).get(url).content.decode()
    assert all(f'href="{link}"' in hr_html for link in links)


def test_unit_outside_scope_is_404(world) -> None:
    client = client_for(world.manager)
    assert client.get(reverse("core:unit_detail", args=[world.nursing_home.pk])).status_code == 404
    assert (
        client.get(reverse("core:person_detail", args=[world.nurse.person.pk])).status_code == 404
    )
    assert client.get(reverse("core:employment_detail", args=[world.nurse.pk])).status_code == 404
    assert client.get(reverse("core:org_children", args=[world.suf.pk])).status_code == 404


def test_user_without_roles_sees_nothing(world) -> None:
    client = client_for(world.nobody)
    assert client.get("/").status_code == 200
    for name in ["core:org_tree", "core:person_list", "core:audit_list", "core:calendar_list"]:
        assert client.get(reverse(name)).status_code == 403, name
    for name, pk in [
        ("core:unit_detail", world.school.pk),
        ("core:unit_detail", world.root.pk),
        ("core:person_detail", world.teacher.person.pk),
        ("core:employment_detail", world.teacher.pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    home = client.get("/").content.decode()
    assert "Lars" not in home and "Husum" not in home


def test_employee_sees_own_profile_but_not_colleagues(world) -> None:
    client = client_for(world.employee)
    assert (
        client.get(reverse("core:person_detail", args=[world.teacher.person.pk])).status_code == 200
    )
    assert (
        client.get(reverse("core:person_detail", args=[world.nurse.person.pk])).status_code == 404
    )
    html = client.get(reverse("core:unit_detail", args=[world.school.pk])).content.decode()
    assert "Mette" not in html  # the unit page shows no employee list to an employee


def test_cpr_masked_for_manager_full_for_hr(world) -> None:
    person = world.teacher.person
    url = reverse("core:person_detail", args=[person.pk])
    masked = f"{person.cpr[:6]}-****"
    full = f"{person.cpr[:6]}-{person.cpr[6:]}"
    manager_html = client_for(world.manager).get(url).content.decode()
    assert masked in manager_html and full not in manager_html
    assert full in client_for(world.hr).get(url).content.decode()


def test_unit_page_queries_do_not_grow_with_employees(world, django_assert_max_num_queries) -> None:
    EmploymentFactory.create_batch(120, unit=world.school)
    client = client_for(world.manager)
    url = reverse("core:unit_detail", args=[world.school.pk])
    with django_assert_max_num_queries(20):
        response = client.get(url + "?sub=1&sort=-start_date")
    assert response.status_code == 200


def test_employee_table_filters_sorts_and_exports_to_excel(world) -> None:
    from openpyxl import load_workbook

    client = client_for(world.hr)
    url = reverse("core:unit_detail", args=[world.school.pk])
    html = client.get(url + "?q=Lærer").content.decode()
    assert "Lars Lærer" in html and "Mette" not in html
    response = client.get(url + "?sub=1&export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    expected = Employment.objects.filter(unit__in=[world.school, world.classroom]).count()
    assert len(rows) == 1 + expected


def test_htmx_request_gets_only_the_table(world) -> None:
    client = client_for(world.hr)
    response = client.get(
        reverse("core:person_list") + "?q=Lars",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="table-region",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="table-region"')
    assert "Lars" in html


def test_audit_page_for_auditor_only(world) -> None:
    assert client_for(world.auditor).get(reverse("core:audit_list")).status_code == 200
    assert client_for(world.manager).get(reverse("core:audit_list")).status_code == 403


def test_org_tree_lists_scope_roots(world) -> None:
    html = client_for(world.manager).get(reverse("core:org_tree")).content.decode()
    assert "Husum Skole" in html and "Sølund" not in html


def test_calendar_page_computes_deadline(world) -> None:
    response = client_for(world.manager).get(
        reverse("core:calendar_list") + "?start=2026-04-01T14:00&business_hours=4"
    )
    assert response.status_code == 200
    assert "2026" in response.content.decode()


def test_danish_even_for_an_english_browser_until_the_user_switches(world) -> None:
    client = client_for(world.manager)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="da">' in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()


def test_auditor_sees_the_trail_of_one_unit(world) -> None:
    from koncernservice.core import services

    services.org_unit_update(
        actor=world.admin, unit=world.school, name="Husum Skole og SFO", reason="Sammenlægning"
    )
    client = client_for(world.auditor)
    unit_html = client.get(reverse("core:unit_detail", args=[world.school.pk])).content.decode()
    assert f"content_type=orgunit&amp;object_id={world.school.pk}" in unit_html
    html = client.get(
        reverse("core:audit_list") + f"?content_type=orgunit&object_id={world.school.pk}"
    ).content.decode()
    assert "Sammenlægning" in html and "Husum Skole → Husum Skole og SFO" in html
    assert "Sølund" not in html
