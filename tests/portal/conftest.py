"""A small service catalogue on top of the shared ``world``: queues, teams, services."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from koncernservice.core.models import Role, User
from koncernservice.portal.models import Queue, QueueMember, Service, ServiceArea, ServiceForm
from tests.conftest import World, build_world
from tests.factories import EmploymentFactory, PersonFactory, make_user

SALARY_FORM = [
    {
        "name": "employee_number",
        "type": "text",
        "label": "Medarbejdernummer",
        "prefill": "employee_number",
    },
    {
        "name": "month",
        "type": "date",
        "label": "Lønmåned",
        "required": True,
        "help": "Den måned, det drejer sig om",
    },
    {
        "name": "kind",
        "type": "choice",
        "label": "Hvad er forkert?",
        "choices": ["løn", "tillæg"],
        "required": True,
    },
    {
        "name": "amount",
        "type": "number",
        "label": "Beløb",
        "show_if": {"field": "kind", "equals": "tillæg"},
        "required": True,
    },
]


@dataclass
class Portal:
    world: World
    general: Queue
    law: Queue
    salary: Service
    dismissal: Service
    caseworker: User
    lawyer: User
    lead: User


def build_portal(world: World) -> Portal:
    area = ServiceArea.objects.create(code="loen", name="Løn", position=1)
    law_area = ServiceArea.objects.create(code="jura", name="Personalejura", position=2)
    general = Queue.objects.create(code="loen", name="Løn")
    law = Queue.objects.create(code="jura", name="Personalejura", restricted=True)
    salary = Service.objects.create(
        area=area,
        code="loen-fejl",
        name="Fejl i lønnen",
        default_queue=general,
        first_response_hours=8,
        resolution_hours=16,
    )
    ServiceForm.objects.create(service=salary, version=1, fields=SALARY_FORM)
    dismissal = Service.objects.create(
        area=law_area,
        code="afsked",
        name="Rådgivning om afskedigelse",
        default_queue=law,
        confidential=True,
        audience=Service.Audience.MANAGERS,
    )
    ServiceForm.objects.create(service=dismissal, version=1, fields=[])
    caseworker = make_user(
        "sagsbehandler",
        person=EmploymentFactory(unit=world.root).person,
        roles=[(Role.CASEWORKER, world.root)],
    )
    caseworker.email = "sb@example.kk.dk"
    caseworker.save()
    lawyer = make_user(
        "jurist",
        person=PersonFactory(first_name="Jens", last_name="Jurist"),
        roles=[(Role.CASEWORKER, world.root)],
    )
    lead = make_user("teamleder", roles=[(Role.CASEWORKER, world.root)])
    lead.email = "lead@example.kk.dk"
    lead.save()
    QueueMember.objects.create(queue=general, user=caseworker)
    QueueMember.objects.create(queue=general, user=lead, is_lead=True)
    QueueMember.objects.create(queue=law, user=lawyer)
    world.employee.email = "laerer@example.kk.dk"
    world.employee.save()
    return Portal(world, general, law, salary, dismissal, caseworker, lawyer, lead)


@pytest.fixture
def portal(world: World) -> Portal:
    return build_portal(world)


@pytest.fixture
def other(portal: Portal) -> Service:
    """The catch-all service of new cases from e-mail (no required form fields)."""
    return Service.objects.create(
        area=portal.salary.area, code="andet", name="Andet", default_queue=portal.general
    )


@pytest.fixture
def live_portal(live_world: World) -> Portal:
    return build_portal(live_world)


__all__ = ["Portal", "build_portal", "build_world"]
