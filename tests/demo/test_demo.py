"""``ks demo`` and the demo municipality generator: structure, identifiers, people, safety."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import random
import re
import sys
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from koncernservice.core import access
from koncernservice.core.calendars import STANDARD_OPENING_HOURS, spec_from_model
from koncernservice.core.errors import DomainError
from koncernservice.core.models import (
    AuditEntry,
    BusinessCalendar,
    CostCentre,
    Employment,
    OrgUnit,
    Person,
    Role,
    RoleAssignment,
    User,
)
from koncernservice.core.rules.identifiers import parse_cpr, parse_gln
from koncernservice.core.services import _path_for
from koncernservice.demo import data
from koncernservice.demo.models import DemoBuild
from koncernservice.demo.services import (
    REFERENCE_DATE,
    DemoSummary,
    adult,
    ascii_fold,
    demo_build,
    plan_units,
)

SCALE = Decimal("0.002")  # 90 employees: the smallest comfortable demo

ADMINISTRATIONS = {
    ("Økonomiforvaltningen", "ØKF"),
    ("Børne- og Ungdomsforvaltningen", "BUF"),
    ("Sundheds- og Omsorgsforvaltningen", "SUF"),
    ("Socialforvaltningen", "SOF"),
    ("Teknik- og Miljøforvaltningen", "TMF"),
    ("Kultur- og Fritidsforvaltningen", "KFF"),
    ("Beskæftigelses- og Integrationsforvaltningen", "BIF"),
}


@pytest.fixture
def demo(db: None) -> DemoSummary:
    return demo_build(scale=SCALE)


def fingerprint() -> str:
    """A hash of everything that must not vary between builds (ids may)."""
    digest = hashlib.sha256()
    for row in OrgUnit.objects.order_by("code").values_list(
        "code", "name", "kind", "depth", "gln", "cost_centre__code", "parent__code"
    ):
        digest.update(repr(row).encode())
    for row in Employment.objects.order_by("employee_number").values_list(
        "employee_number",
        "person__cpr",
        "person__first_name",
        "person__last_name",
        "person__email",
        "unit__code",
        "position_title",
        "job_category",
        "weekly_hours",
        "start_date",
        "end_date",
        "is_manager",
    ):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def current_managers(unit: OrgUnit) -> list[Employment]:
    today = timezone.localdate()
    return [
        e
        for e in unit.employments.filter(is_manager=True)
        if e.start_date <= today and (e.end_date is None or e.end_date >= today)
    ]


# --- Organisation -----------------------------------------------------------------------------


def test_root_and_the_seven_administrations(demo: DemoSummary) -> None:
    root = OrgUnit.objects.get(parent=None)
    assert (root.code, root.name, root.kind) == ("KK", "Københavns Kommune", "municipality")
    administrations = OrgUnit.objects.filter(parent=root)
    assert {(u.name, u.abbreviation) for u in administrations} == ADMINISTRATIONS
    assert {u.kind for u in administrations} == {OrgUnit.Kind.ADMINISTRATION}
    okf = administrations.get(abbreviation="ØKF")
    ks = OrgUnit.objects.get(parent=okf, name="Koncernservice")
    ks_units = set(OrgUnit.objects.filter(parent=ks).values_list("name", flat=True))
    assert {
        "Løn og Personaleadministration",
        "Personalejura",
        "HR og Rekruttering",
        "Kreditorer og Debitorer",
        "Indkøb og Kontraktstyring",
        "Forsikring og Arbejdsskade",
        "Serviceindgangen",
    } <= ks_units


def test_paths_depths_and_unique_names_within_a_parent(demo: DemoSummary) -> None:
    units = list(OrgUnit.objects.select_related("parent"))
    assert demo.counts["units"] == len(units)
    for unit in units:
        assert unit.path == _path_for(unit)
        assert unit.depth == (unit.parent.depth + 1 if unit.parent else 0)
    siblings = Counter((u.parent_id, u.name) for u in units)
    assert max(siblings.values()) == 1
    assert max(u.depth for u in units) <= 4
    for admin in OrgUnit.objects.filter(depth=1):
        leaves = [u for u in units if u.path.startswith(admin.path) and not u.children.exists()]
        assert len(leaves) >= 3, admin.name


def test_every_unit_has_a_unique_gln_and_cost_centre(demo: DemoSummary) -> None:
    units = list(OrgUnit.objects.select_related("cost_centre"))
    glns = [u.gln for u in units]
    assert all(g is not None and re.fullmatch(r"5798\d{9}", g) for g in glns)
    assert all(parse_gln(g) == g for g in glns if g)  # GS1 check digit
    assert len(set(glns)) == len(glns)
    codes = [u.cost_centre.code for u in units if u.cost_centre]
    assert len(codes) == len(units) == len(set(codes)) == CostCentre.objects.count()
    assert all(re.fullmatch(r"\d{7}", code) for code in codes)


def test_units_scale_with_the_employees() -> None:
    employees = 45_000
    units = plan_units(random.Random(2026), employees)
    leaves = [u for u in units if u.is_leaf]
    assert 0.8 < employees / len(leaves) / 25 < 1.2
    per_admin = Counter()
    for unit in units[1:]:
        per_admin[data.ADMINISTRATIONS[unit.administration].abbreviation] += 1 + unit.staff
    assert sum(per_admin.values()) == employees
    for admin in data.ADMINISTRATIONS:
        assert per_admin[admin.abbreviation] / employees == pytest.approx(admin.share, abs=0.01)


# --- People and employments -------------------------------------------------------------------


def test_cpr_numbers_parse_and_match_sex_name_and_age(demo: DemoSummary) -> None:
    female = set(data.FEMALE_FIRST_NAMES) | set(data.OTHER_FEMALE_FIRST_NAMES)
    male = set(data.MALE_FIRST_NAMES) | set(data.OTHER_MALE_FIRST_NAMES)
    people = list(Person.objects.all())
    assert len(people) == demo.counts["people"] == demo.counts["employees"] == 90
    assert len({p.cpr for p in people}) == len(people)
    for person in people:
        info = parse_cpr(person.cpr)
        assert info.birth_date == person.birth_date
        assert info.legal_sex == person.legal_sex
        assert person.first_name in (female if person.legal_sex == "F" else male)
        age = (REFERENCE_DATE - person.birth_date).days / 365.25
        assert 18 <= age < 68
        assert re.fullmatch(r"[a-z0-9-]+\.[a-z0-9-]+\.\d+@demo\.kk\.dk", person.email)
    assert len({p.email for p in people}) == len(people)


def test_ascii_fold_for_email_addresses() -> None:
    assert ascii_fold("Søren") == "soeren"
    assert ascii_fold("Holm Østergaard") == "holm-oestergaard"
    assert ascii_fold("Ayşe Öztürk") == "ayse-oeztuerk"
    assert ascii_fold("Åse Hadžić") == "aase-hadzic"


def test_every_unit_below_the_root_has_exactly_one_current_manager(demo: DemoSummary) -> None:
    for unit in OrgUnit.objects.exclude(parent=None):
        assert len(current_managers(unit)) == 1, unit.name


@pytest.mark.django_db
def test_employments_are_plausible() -> None:
    demo_build(scale=Decimal("0.02"))  # 900 employees: enough for shares
    employments = list(Employment.objects.select_related("person"))
    people = Person.objects.count()
    assert people == 900
    second = len(employments) - people
    assert 0.02 * people <= second <= 0.06 * people
    assert len({e.employee_number for e in employments}) == len(employments)
    hours = Counter(e.weekly_hours == 37 for e in employments if not e.end_date)
    assert hours[True] > hours[False] > 0  # mostly full time, some part time
    for employment in employments:
        assert Decimal(0) < employment.weekly_hours <= 37
        assert employment.start_date < REFERENCE_DATE
        assert employment.start_date >= REFERENCE_DATE.replace(year=REFERENCE_DATE.year - 30)
        assert employment.start_date >= adult(employment.person.birth_date)
        if employment.end_date:
            assert employment.start_date <= employment.end_date < REFERENCE_DATE
    categories = {e.job_category for e in employments}
    assert {
        "Pædagog",
        "Lærer",
        "Social- og sundhedshjælper",
        "Socialrådgiver",
        "Leder",
    } <= categories
    # Concurrent jobs add up to at most full time.
    current: Counter[int] = Counter()
    for employment in employments:
        if employment.end_date is None:
            current[employment.person_id] += employment.weekly_hours
    assert max(current.values()) <= 37


# --- Idempotence, determinism and safety ------------------------------------------------------


def test_a_second_run_with_the_same_scale_builds_nothing(demo: DemoSummary) -> None:
    assert demo.built is True
    again = demo_build(scale="0,002")
    assert again.built is False
    assert again.counts == demo.counts
    assert Person.objects.count() == demo.counts["people"]
    assert User.objects.count() == 9
    assert DemoBuild.objects.count() == 1


def test_another_scale_needs_reset(demo: DemoSummary) -> None:
    before = fingerprint()
    with pytest.raises(DomainError) as caught:
        demo_build(scale=Decimal("0.003"))
    assert caught.value.errors[0].code == "other_scale"
    assert "--reset" in str(caught.value)
    assert fingerprint() == before
    rebuilt = demo_build(scale=Decimal("0.003"), reset=True)
    assert rebuilt.built is True
    assert Person.objects.count() == 135
    assert DemoBuild.objects.get().scale == Decimal("0.003")


def test_the_same_scale_gives_the_same_municipality(demo: DemoSummary) -> None:
    first = fingerprint()
    demo_build(scale=SCALE, reset=True)
    assert fingerprint() == first
    demo_build(scale=SCALE, seed=7, reset=True)
    assert fingerprint() != first


def test_plans_are_deterministic() -> None:
    def names() -> list[tuple[str, str, int, str]]:
        return [(u.code, u.name, u.staff, u.gln) for u in plan_units(random.Random(2026), 4500)]

    assert names() == names()


def test_refuses_a_database_with_organisation_data(db: None) -> None:
    OrgUnit.objects.create(
        code="KK", name="Københavns Kommune", path="/1/", kind=OrgUnit.Kind.MUNICIPALITY
    )
    for reset in (False, True):
        with pytest.raises(DomainError) as caught:
            demo_build(scale=SCALE, reset=reset)
        assert caught.value.errors[0].code == "not_a_demo_database"
    assert Person.objects.count() == 0
    assert User.objects.count() == 0
    assert DemoBuild.objects.count() == 0


def test_refuses_a_database_with_users(db: None) -> None:
    User.objects.create_user(username="rigtig", password="Hemmelig-hest-42")
    with pytest.raises(DomainError):
        demo_build(scale=SCALE)
    assert not OrgUnit.objects.exists()


@pytest.mark.parametrize("scale", ["abc", "0", "-1", "6", "nan", "0.001"])
def test_bad_scales_are_refused(db: None, scale: str) -> None:
    with pytest.raises(DomainError) as caught:
        demo_build(scale=scale)
    assert caught.value.errors[0].code in {"scale", "scale_too_small"}
    assert not OrgUnit.objects.exists()


def test_one_audit_event_and_no_audit_per_row(demo: DemoSummary) -> None:
    """The bulk build writes one event; the only other entries are the demo caseworker's
    few actions of today (merge, split, link, saved views), made through the services."""
    entry = AuditEntry.objects.get(event="demo.built")
    others = AuditEntry.objects.exclude(pk=entry.pk)
    assert set(others.values_list("actor__username", flat=True)) <= {"sagsbehandler"}
    assert others.count() < 100  # not one per row of the ~1,400 cases and 90 employees
    assert entry.changes["counts"] == demo.counts
    assert entry.scope_path == OrgUnit.objects.get(parent=None).path


# --- Users ------------------------------------------------------------------------------------


def test_demo_users_can_log_in_and_are_linked_to_people(demo: DemoSummary) -> None:
    assert [u.username for u in demo.users] == [s.username for s in data.DEMO_USERS]
    for spec in data.DEMO_USERS:
        user = User.objects.select_related("person").get(username=spec.username)
        assert user.person is not None
        assert (user.first_name, user.last_name) == (user.person.first_name, user.person.last_name)
        assert Client().login(username=spec.username, password=data.DEMO_PASSWORD)
    root = OrgUnit.objects.get(parent=None)
    admin = User.objects.get(username="admin")
    assert list(admin.role_assignments.values_list("role", "unit")) == [(Role.ADMIN, root.pk)]
    assert access.scope_paths(admin, access.VIEW_AUDIT) == [root.path]


def test_leader_roles_are_only_on_their_own_unit(demo: DemoSummary) -> None:
    leader = User.objects.get(username="leder")
    unit = OrgUnit.objects.get(name="Børnehuset Solsikken")
    assert unit.parent.parent.abbreviation == "BUF" and not unit.children.exists()
    assignments = RoleAssignment.objects.filter(user=leader)
    assert {(a.role, a.unit_id) for a in assignments} == {
        (Role.MANAGER, unit.pk),
        (Role.EMPLOYEE, unit.pk),
    }
    assert access.scope_paths(leader, access.VIEW_PERSON) == [unit.path]
    assert current_managers(unit)[0].person_id == leader.person_id
    employee = User.objects.get(username="medarbejder")
    assert set(employee.role_assignments.values_list("role", "unit")) == {(Role.EMPLOYEE, unit.pk)}
    assert unit.employments.filter(person=employee.person, is_manager=False).exists()
    leader2 = User.objects.get(username="leder2")
    care_home = OrgUnit.objects.get(name="Plejecenter Sølund")
    assert care_home.parent.parent.abbreviation == "SUF"
    assert current_managers(care_home)[0].person_id == leader2.person_id
    assert set(leader2.role_assignments.values_list("unit", flat=True)) == {care_home.pk}


# --- Calendars --------------------------------------------------------------------------------


def test_business_calendars(demo: DemoSummary) -> None:
    standard = BusinessCalendar.objects.get(name="standard")
    assert standard.title == "KS standard"
    assert standard.opening_hours == STANDARD_OPENING_HOURS
    assert standard.include_public_holidays
    desk = BusinessCalendar.objects.get(name="serviceindgangen")
    assert desk.opening_hours["0"] == [["08:00", "12:00"], ["12:30", "15:00"]]
    assert sorted(desk.opening_hours) == ["0", "1", "2", "3", "4"]
    for calendar in (standard, desk):
        days = {(d.name, d.month, d.day, d.closed_from) for d in calendar.closing_days.all()}
        assert days == {
            ("Juleaftensdag", 12, 24, None),
            ("Nytårsaftensdag", 12, 31, None),
            ("Grundlovsdag", 6, 5, dt.time(12, 0)),
        }
        spec_from_model(calendar)  # the calendar service can read it


# --- Command ----------------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old_err, sys.stderr = sys.stderr, err
    try:
        call_command(*args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.stderr = old_err
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_command_prints_json() -> None:
    code, out, _err = run("demo", "--no-serve", "--json", "--scale", "0.002", "--port", "8123")
    assert code == 0
    result = json.loads(out)
    assert set(result) == {"scale", "built", "counts", "users", "url"}
    assert result["scale"] == 0.002
    assert result["built"] is True
    assert set(result["counts"]) >= {"units", "employees", "employments", "people", "users"}
    assert result["counts"]["employees"] == 90
    assert result["url"] == "http://127.0.0.1:8123/"
    leader = next(u for u in result["users"] if u["username"] == "leder")
    assert leader == {
        "username": "leder",
        "password": data.DEMO_PASSWORD,
        "roles": ["manager", "employee"],
        "unit": "Børnehuset Solsikken",
    }
    code, out, _err = run("demo", "--no-serve", "--json", "--scale", "0.002")
    assert json.loads(out)["built"] is False


@pytest.mark.django_db
def test_command_prints_a_danish_table_and_danish_errors() -> None:
    code, out, _err = run("demo", "--no-serve", "--scale", "0.002")
    assert code == 0
    assert "Demokommunen er bygget" in out
    assert "Brugernavn" in out and "Adgangskode" in out
    assert re.search(r"leder\s+KS-demo-2026\s+Leder, Medarbejder\s+Børnehuset Solsikken", out)
    code, _out, err = run("demo", "--no-serve", "--scale", "0.003")
    assert code == 2
    assert "allerede en demokommune" in err and "--reset" in err
