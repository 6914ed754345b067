"""Reports: created/resolved per week and per administration, as accessible SVG charts with
the numbers in tables, and in the Excel export."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from koncernservice.portal import selectors, services
from koncernservice.portal.models import Case

from .test_views import client_for, make_case

pytestmark = pytest.mark.django_db


def test_per_week_and_per_administration(portal) -> None:
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    a, b, c = make_case(portal), make_case(portal), make_case(portal)
    # Move one case three weeks back (created and resolved then).
    then = timezone.now() - dt.timedelta(days=21)
    Case.objects.filter(pk=a.pk).update(created_at=then, resolved_at=then)
    services.case_transition(actor=portal.caseworker, case=b, state="resolved")
    data = selectors.report(user=portal.world.admin, since=today - dt.timedelta(days=60))
    weeks = {row["week"]: row for row in data["per_week"]}
    assert len(data["per_week"]) in (9, 10)  # every week from 60 days back, empty ones too
    assert weeks[monday]["created"] == 2 and weeks[monday]["resolved"] == 1
    back = timezone.localtime(then).date()
    back_monday = back - dt.timedelta(days=back.weekday())
    assert weeks[back_monday] == {**weeks[back_monday], "created": 1, "resolved": 1}
    assert sum(row["created"] for row in data["per_week"]) == 3
    # The three cases are in the school's administration (BUF).
    assert data["administrations"] == [
        {"name": portal.world.buf.name, "path": portal.world.buf.path, "created": 3}
    ]
    assert c.unit.path.startswith(portal.world.buf.path)


def test_report_page_has_accessible_charts_and_export(portal) -> None:
    make_case(portal)
    client = client_for(portal.world.admin)
    page = client.get("/portal/rapporter/").content.decode()
    svg = page[page.index('<svg id="week-chart"') : page.index("</svg>", page.index("week-chart"))]
    assert 'role="img"' in svg and 'aria-labelledby="week-chart-title week-chart-desc"' in svg
    assert "<title" in svg and "<desc" in svg
    # Numbers in SVG attributes are not localised (no decimal commas).
    assert not re.search(r'(x|y|width|height)="[0-9]+,[0-9]', svg)
    assert 'id="weeks-table"' in page and 'id="administrations-table"' in page
    assert portal.world.buf.name in page
    workbook = load_workbook(io.BytesIO(client.get("/portal/rapporter/?export=xlsx").content))
    assert {"Uger", "Forvaltninger"} <= set(workbook.sheetnames)
    assert workbook["Forvaltninger"]["A2"].value == portal.world.buf.name
    assert workbook["Forvaltninger"]["B2"].value == 1
    # Outside the permission: 403, and the confidential case is not counted for the admin.
    assert client_for(portal.world.employee).get("/portal/rapporter/").status_code == 403
    make_case(portal, user=portal.world.manager, service=portal.dismissal, answers={}, title="x")
    data = selectors.report(user=portal.world.admin)
    assert sum(row["created"] for row in data["per_week"]) == 1


def test_report_period_is_chosen_and_wrong_dates_are_named(portal) -> None:
    """Only cases created in the chosen period count; a wrong date shows its message and the
    default period (the last year)."""
    today = timezone.localdate()
    old, _new = make_case(portal), make_case(portal)
    then = timezone.now() - dt.timedelta(days=40)
    Case.objects.filter(pk=old.pk).update(created_at=then)
    start, end = today - dt.timedelta(days=50), today - dt.timedelta(days=30)
    data = selectors.report(user=portal.world.admin, since=start, until=end)
    assert data["created"] == 1 and sum(row["created"] for row in data["per_week"]) == 1
    assert data["per_week"][-1]["week"] == end - dt.timedelta(days=end.weekday())
    client = client_for(portal.world.admin)
    page = client.get(f"/portal/rapporter/?fra={start}&til={end}").content.decode()
    assert f'value="{start}"' in page and f'value="{end}"' in page
    wrong = client.get("/portal/rapporter/?til=2026-02-30").content.decode()
    assert "&#x27;til&#x27; er ikke en gyldig dato: 2026-02-30" in wrong
    assert f'value="{today}"' in wrong  # the default period ends today
    export = client.get(f"/portal/rapporter/?fra={start}&til={end}&export=xlsx")
    workbook = load_workbook(io.BytesIO(export.content))
    assert workbook["Forvaltninger"]["B2"].value == 1
