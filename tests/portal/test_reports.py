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


def test_created_per_service_and_week_in_the_export(portal, other) -> None:
    """Each of the report's services gets a column of cases created per ISO week, every week
    of the period listed (empty ones as 0), the columns adding up to the per-service figures."""
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    a = make_case(portal)
    make_case(portal)
    make_case(portal, service=other, answers={})
    Case.objects.filter(pk=a.pk).update(created_at=timezone.now() - dt.timedelta(days=14))
    data = selectors.report(user=portal.world.admin, since=today - dt.timedelta(days=27))
    table = data["per_service_week"]
    assert table["services"] == ["Fejl i lønnen", "Andet"]  # most cases first
    rows = {row["week"]: row["created"] for row in table["rows"]}
    assert len(table["rows"]) in (4, 5)  # 27 days back: four or five ISO weeks
    assert rows[monday] == [1, 1]
    assert rows[monday - dt.timedelta(days=14)] == [1, 0]
    assert [sum(column) for column in zip(*rows.values(), strict=True)] == [
        row["created"] for row in data["per_service"]
    ]
    client = client_for(portal.world.admin)
    workbook = load_workbook(
        io.BytesIO(
            client.get(
                f"/portal/rapporter/?fra={today - dt.timedelta(days=27)}&export=xlsx"
            ).content
        )
    )
    sheet = list(workbook["Tjenester pr. uge"].values)
    assert sheet[0] == ("Uge", "Fejl i lønnen", "Andet")
    year, week, _day = monday.isocalendar()
    assert (f"{year}-U{week:02d}", 1, 1) in sheet
    # A confidential case is counted only for those who may see it.
    make_case(portal, user=portal.world.manager, service=portal.dismissal, answers={}, title="x")
    assert (
        "Rådgivning om afskedigelse"
        not in selectors.report(user=portal.world.admin)["per_service_week"]["services"]
    )
