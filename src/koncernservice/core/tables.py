"""Tables that filter, sort, paginate and export to Excel, used by every list page.

A view builds a :class:`Table` from a (restricted) queryset and its columns; the table reads
``q``, ``sort`` and ``page`` from the request, and ``?export=xlsx`` returns the whole
filtered, sorted result as an Excel file (write-only mode, so 45,000 rows stay cheap).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import dateformat, formats, timezone
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext

RESERVED = {"q", "sort", "page", "export"}


@dataclass
class Column:
    key: str
    label: Any
    sort_field: str | None = None
    value: Callable[[Any], Any] | None = None
    link: Callable[[Any], str] | None = None

    def get(self, row: Any) -> Any:
        if self.value is not None:
            return self.value(row)
        if type(row) is Row:
            result = row.get(self.key)
            return "" if result is None else result
        result = row
        for part in self.key.split("__"):
            result = getattr(result, part, None)
            if result is None:
                return ""
        return result


class Row(dict[str, Any]):
    """A row of ``QuerySet.values()`` read as an object too (``row.number``), for the column
    functions and links of a table that lists values instead of model instances."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


MAX_PAGE = 1_000_000
"""No list pages further: 50 million rows at the default page size."""


class CappedPaginator(Paginator):
    """Counts the rows only as far as the pager needs: up to ``cap`` rows, or just past the
    requested page. Counting every case of a big queue (a year: 230,000 rows) cost ~150 ms
    of PostgreSQL per page; the list shows "more than N rows" instead. ``capped`` says so."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, cap: int, page: Any) -> None:
        super().__init__(object_list, per_page)
        self.queryset = object_list
        try:
            # Past the last page shows the last page (Paginator.get_page); a page number of
            # twenty digits must not reach the LIMIT, which SQLite cannot bind.
            number = min(max(1, int(page)), MAX_PAGE)
        except (TypeError, ValueError):
            number = 1
        # One row past the requested page, so it exists and knows it has a next one.
        self.limit = max(cap, number * per_page) + 1
        self.capped = False

    @cached_property
    def count(self) -> int:
        counted = self.queryset.order_by().values("pk")[: self.limit].count()
        self.capped = counted >= self.limit
        return counted


@dataclass(frozen=True)
class Filter:
    """A choice list above a table: ``?<name>=<value>`` keeps the rows whose ``field``
    equals one of ``choices`` (value, label); an empty or unknown value shows every row."""

    name: str
    label: Any
    field: str
    choices: Sequence[tuple[str, Any]]


@dataclass
class Table:
    request: HttpRequest
    queryset: QuerySet[Any]
    columns: list[Column]
    search_fields: list[str] = field(default_factory=list)
    default_sort: str = ""
    title: str = "export"
    page_size: int = 0
    count_cap: int = 0
    """Count at most this many rows for the pager (0: count all; see CappedPaginator)."""
    select_name: str = ""
    """Start each row with a checkbox of this name, valued by the first column (bulk)."""
    select_label: str = ""
    """The checkbox's accessible name, followed by the first column's value."""
    values: Sequence[str] = ()
    """List the page's rows as these ``values()`` (:class:`Row`) instead of model instances:
    for read-only lists (building 50 model instances cost more than reading them)."""
    filters: Sequence[Filter] = ()

    def __post_init__(self) -> None:
        params = self.request.GET
        self.query = params.get("q", "").strip()[:100]
        self.chosen: dict[str, str] = {}
        qs = self.queryset
        for choice in self.filters:
            value = params.get(choice.name, "")
            if value and value in {str(v) for v, _label in choice.choices}:
                qs = qs.filter(**{choice.field: value})
                self.chosen[choice.name] = value
        sortable = {c.key: c.sort_field for c in self.columns if c.sort_field}
        requested = params.get("sort", self.default_sort)
        key = requested.lstrip("-")
        self.sort = requested if key in sortable else self.default_sort
        if self.query and self.search_fields:
            condition = Q()
            for term in self.query.split():
                term_q = Q()
                for name in self.search_fields:
                    term_q |= Q(**{f"{name}__icontains": term})
                condition &= term_q
            qs = qs.filter(condition)
        if self.sort:
            sort_key = self.sort.lstrip("-")
            direction = "-" if self.sort.startswith("-") else ""
            qs = qs.order_by(f"{direction}{sortable[sort_key]}", "pk")
        self.filtered = qs

    @property
    def wants_export(self) -> bool:
        return self.request.GET.get("export") == "xlsx"

    def page(self) -> Any:
        size = self.page_size or settings.KS_PAGE_SIZE
        number = self.request.GET.get("page")
        listed = self.filtered
        if self.values:
            listed = listed.values(*self.values)
        paginator = (
            CappedPaginator(listed, size, cap=self.count_cap, page=number)
            if self.count_cap
            else Paginator(listed, size)
        )
        if number not in (None, "", "1"):
            page = paginator.get_page(number)
            if self.values:
                page.object_list = [Row(row) for row in page.object_list]
            return page
        # The first page (most requests): its rows and one more first; when they fit, their
        # number is the count and the pager needs no counting query.
        rows = list(listed[: size + 1])
        if len(rows) <= size:
            paginator.__dict__["count"] = len(rows)  # Paginator.count is a cached_property
        else:
            paginator.count  # noqa: B018 (counted now, as get_page would: sets ``capped``)
        if self.values:
            rows = [Row(row) for row in rows]
        return Page(rows[:size], 1, paginator)

    def header(self) -> list[dict[str, Any]]:
        result = []
        for column in self.columns:
            state = None
            if column.sort_field and self.sort.lstrip("-") == column.key:
                state = "descending" if self.sort.startswith("-") else "ascending"
            next_sort = None
            if column.sort_field:
                next_sort = f"-{column.key}" if state == "ascending" else column.key
            result.append({"label": column.label, "sort": next_sort, "state": state})
        return result

    def rows(self, page: Any) -> list[list[dict[str, Any]]]:
        display = Display()
        return [
            [
                {"value": display(c.get(row)), "link": c.link(row) if c.link else None}
                for c in self.columns
            ]
            for row in page.object_list
        ]

    def body(self, rows: list[list[dict[str, Any]]]) -> SafeString:
        """The rows as HTML (``<tr>`` elements), escaped as the template would: built here
        because the template's loop over 50 rows of cells cost more CPU than the page's
        queries."""
        yes, no = escape(gettext("Yes")), escape(gettext("No"))
        select = escape(self.select_label)
        parts = []
        for row in rows:
            parts.append("<tr>")
            if self.select_name:
                first = _html(row[0]["value"]) if row else ""
                parts.append(
                    f'<td><input type="checkbox" name="{escape(self.select_name)}" '
                    f'value="{first}" aria-label="{select} {first}"></td>'
                )
            for cell in row:
                value = cell["value"]
                if cell["link"]:
                    parts.append(f'<td><a href="{escape(cell["link"])}">{_html(value)}</a></td>')
                elif value is True:
                    parts.append(f"<td>{yes}</td>")
                elif value is False:
                    parts.append(f"<td>{no}</td>")
                elif value is None:
                    parts.append("<td></td>")
                elif isinstance(value, Decimal):
                    parts.append(f'<td class="num">{amount(value)}</td>')
                elif isinstance(value, int | float):
                    parts.append(f'<td class="num">{_html(value)}</td>')
                else:
                    parts.append(f"<td>{_html(value)}</td>")
            parts.append("</tr>")
        if not rows:
            span = len(self.columns) + (1 if self.select_name else 0)
            empty = escape(gettext("No rows."))
            parts.append(f'<tr><td colspan="{span}">{empty}</td></tr>')
        return mark_safe("".join(parts))  # every value is escaped above

    def context(self) -> dict[str, Any]:
        page = self.page()
        rows = self.rows(page)
        paginator = page.paginator
        if getattr(paginator, "capped", False):
            count_label = gettext("more than %(counter)s rows") % {"counter": paginator.limit - 1}
            page_label = gettext("Page %(number)s") % {"number": page.number}
        else:
            count_label = ngettext("%(counter)s row", "%(counter)s rows", paginator.count) % {
                "counter": paginator.count
            }
            page_label = gettext("Page %(number)s of %(total)s") % {
                "number": page.number,
                "total": paginator.num_pages,
            }
        return {
            "table": self,
            "page_obj": page,
            "count_label": count_label,
            "page_label": page_label,
            "header": self.header(),
            "rows": rows,
            "body": self.body(rows),
            "query": self.query,
            "sort": self.sort,
            "extra_query": self.extra_query(),
            "table_caption": self.title,
            "table_filters": [
                {
                    "name": f.name,
                    "label": f.label,
                    "choices": [(str(v), label) for v, label in f.choices],
                    "value": self.chosen.get(f.name, ""),
                }
                for f in self.filters
            ],
        }

    def extra_query(self) -> str:
        """The page's other filters (``&sub=1``, a :class:`Filter`'s choice), kept in sort,
        page and export links."""
        others = [
            (k, v) for k, values in self.request.GET.lists() if k not in RESERVED for v in values
        ]
        return "&" + urlencode(others) if others else ""

    def export(self) -> HttpResponse:
        header = [str(c.label) for c in self.columns]
        rows = (
            [_excel_value(c.get(row)) for c in self.columns]
            for row in self.filtered.iterator(chunk_size=2000)
        )
        return excel_response(str(self.title), {str(self.title): [header, *rows]})


def export_query(request: HttpRequest) -> str:
    """The page's query string with ``export=xlsx``: the Excel link of a page with filters."""
    query = request.GET.copy()
    query["export"] = "xlsx"
    return str(query.urlencode())


def excel_response(filename: str, sheets: dict[str, Iterable[Sequence[Any]]]) -> HttpResponse:
    """An .xlsx download with one sheet per entry (write-only mode: cheap for many rows)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        for row in rows:
            sheet.append([_excel_value(value) for value in row])
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = slugify(filename) or "export"
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    workbook.save(response)
    return response


def render_table(request: HttpRequest, template: str, table: Table, **context: Any) -> HttpResponse:
    """A list page: the Excel file when asked, only the table for an htmx update of it,
    else the whole page."""
    if table.wants_export:
        return table.export()
    context.update(table.context())
    if getattr(request, "htmx", False) and request.headers.get("HX-Target") == "table-region":
        return render(request, "core/_table.html", context)
    return render(request, template, context)


def _display(value: Any) -> Any:
    """Dates and times in the short Danish format (``23.11.2026``), local time."""
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return formats.date_format(local, "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return value


class Display:
    """:func:`_display` for the cells of one page: the time zone and the language's formats
    looked up once, and a Danish ``d.m.Y H:i`` written by ``strftime`` (Django's format
    function read the format letter by letter for every cell: ≈ 10 % of "my cases")."""

    def __init__(self) -> None:
        self.zone = timezone.get_current_timezone()
        self.datetime_format = str(formats.get_format("SHORT_DATETIME_FORMAT"))
        self.date_format = str(formats.get_format("SHORT_DATE_FORMAT"))
        self.datetime_pattern = _strftime_pattern(self.datetime_format)
        self.date_pattern = _strftime_pattern(self.date_format)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            local = value.astimezone(self.zone) if timezone.is_aware(value) else value
            if self.datetime_pattern is not None and local.year >= 1000:
                return local.strftime(self.datetime_pattern)
            return dateformat.format(local, self.datetime_format)
        if isinstance(value, dt.date):
            if self.date_pattern is not None and value.year >= 1000:
                return value.strftime(self.date_pattern)
            return dateformat.format(value, self.date_format)
        return value


# Django's format letters that strftime writes the same way (zero-padded day, month, hour,
# minute; the four-digit year from year 1000 on), and the separators kept as they are.
_STRFTIME = {"d": "%d", "m": "%m", "Y": "%Y", "H": "%H", "i": "%M"}


@functools.cache
def _strftime_pattern(django_format: str) -> str | None:
    """The strftime pattern of a Django date format, or None when it uses other letters."""
    parts = []
    for char in django_format:
        if char in _STRFTIME:
            parts.append(_STRFTIME[char])
        elif char in ".-/: ":
            parts.append(char)
        else:
            return None
    return "".join(parts)


def amount(value: Decimal | int | float | None, places: int | None = None) -> str:
    """A number for people, Danish style with thousands grouped: ``6.997.905,00``; a
    Decimal keeps its own places unless ``places`` is given; ``–`` for None."""
    if value is None or value == "":
        return "–"
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


def _html(value: Any) -> str:
    """A cell value as ``{{ value }}`` renders it: localised, then escaped unless safe
    (Django's ``escape`` is ``html.escape``; called directly, without its lazy wrapper)."""
    if not isinstance(value, str):
        value = formats.localize(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def _excel_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None or isinstance(value, int | float | dt.date | str):
        return value
    return str(value)
