"""The portal's part of ``ks demo``: the KS service catalogue, queues, teams, articles and a
year of cases (706,000 × scale) with SLA history consistent with the business calendar.

Called inside the demo's transaction after the organisation and people exist. Rows are
written with ``bulk_create`` and, like the rest of the demo, not audited row by row (the demo
records one ``demo.built`` event).
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import itertools
import math
import random
import time
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connections, router
from django.db.models import Count, Max, Model
from django.db.models.functions import Mod
from django.utils import timezone

from koncernservice.core.models import Employment, OrgUnit, User
from koncernservice.core.rules.calendar import CalendarSpec, open_intervals
from koncernservice.core.selectors import calendar_spec
from koncernservice.portal import rules
from koncernservice.portal import services as case_services
from koncernservice.portal.models import (
    Article,
    ArticleVersion,
    Call,
    Case,
    CaseCounter,
    CaseEntry,
    Deflection,
    Macro,
    Queue,
    QueueMember,
    Service,
    ServiceArea,
    ServiceForm,
    SlaTimer,
    TelephonyRecord,
)

CASES_PER_YEAR = 706_000

AREAS = [
    ("loen", "Løn"),
    ("personale", "Personale og HR"),
    ("personalejura", "Personalejura"),
    ("tid", "Tid og fravær"),
    ("kreditor", "Kreditor og debitor"),
    ("indkoeb", "Indkøb"),
    ("forsikring", "Forsikring og arbejdsskade"),
    ("systemer", "Systemer og adgange"),
]

# code, name, calendar, restricted
QUEUES = [
    ("loen", "Løn", "standard", False),
    ("personale", "Personaleadministration", "standard", False),
    ("personalejura", "Personalejura (fortrolig)", "standard", True),
    ("hr-fortrolig", "HR – fortrolige sager", "standard", True),
    ("tid", "Tid og fravær", "standard", False),
    ("kreditor", "Kreditorer og debitorer", "standard", False),
    ("indkoeb", "Indkøb og kontrakter", "standard", False),
    ("forsikring", "Forsikring og arbejdsskade", "standard", False),
    ("systemer", "Systemadgange", "serviceindgangen", False),
]

M, A = "managers", "all"
# code, name, area, queue, weight, first response h, resolution h, audience, confidential
SERVICES: list[tuple[str, str, str, str, float, int, int, str, bool]] = [
    ("loen-fejl", "Fejl i lønudbetaling", "loen", "loen", 10, 4, 16, A, False),
    ("loenseddel", "Spørgsmål til lønsedlen", "loen", "loen", 8, 8, 24, A, False),
    ("tillaeg", "Tillæg og honorering", "loen", "loen", 5, 8, 40, M, False),
    ("merarbejde", "Udbetaling af merarbejde og overtid", "loen", "loen", 5, 8, 24, A, False),
    ("pension", "Pension", "loen", "loen", 3, 8, 40, A, False),
    ("skattekort", "Skattekort og fradrag", "loen", "loen", 2, 8, 24, A, False),
    (
        "tilbagebetaling",
        "Tilbagebetaling af for meget udbetalt løn",
        "loen",
        "loen",
        1,
        8,
        40,
        A,
        False,
    ),
    ("ansaettelse", "Ny ansættelse", "personale", "personale", 6, 8, 40, M, False),
    (
        "aendring",
        "Ændring af ansættelse (timer, stilling)",
        "personale",
        "personale",
        5,
        8,
        40,
        M,
        False,
    ),
    ("fratraedelse", "Fratrædelse", "personale", "personale", 3, 8, 40, M, False),
    ("anciennitet", "Beregning af anciennitet", "personale", "personale", 2, 16, 80, A, False),
    ("orlov", "Orlov uden løn", "personale", "personale", 1, 16, 40, A, False),
    ("barsel", "Barsel og forældreorlov", "personale", "personale", 3, 8, 40, A, False),
    ("tjenestemand", "Tjenestemandspension", "personale", "personale", 1, 16, 80, A, False),
    ("udtalelse", "Tjenestebevis og udtalelse", "personale", "personale", 1, 16, 40, A, False),
    (
        "afskedigelse",
        "Rådgivning om afskedigelse",
        "personalejura",
        "personalejura",
        1.5,
        4,
        40,
        M,
        True,
    ),
    (
        "advarsel",
        "Advarsel og tjenstlig samtale",
        "personalejura",
        "personalejura",
        1,
        4,
        40,
        M,
        True,
    ),
    (
        "sygefravaer",
        "Sygefraværssamtaler og fraværssag",
        "personalejura",
        "personalejura",
        1,
        8,
        40,
        M,
        True,
    ),
    (
        "undersoegelse",
        "Tjenstlig undersøgelse",
        "personalejura",
        "personalejura",
        0.3,
        4,
        80,
        M,
        True,
    ),
    (
        "kraenkelse",
        "Krænkende handlinger (fortroligt)",
        "personale",
        "hr-fortrolig",
        0.3,
        4,
        40,
        A,
        True,
    ),
    ("personalesag", "Fortrolig personalesag", "personale", "hr-fortrolig", 0.5, 8, 40, M, True),
    ("ferie", "Ferie og feriepenge", "tid", "tid", 6, 8, 24, A, False),
    ("sygdom", "Sygdom og refusion", "tid", "tid", 4, 8, 40, M, False),
    ("tidsregistrering", "Fejl i tidsregistrering", "tid", "tid", 4, 4, 16, A, False),
    ("flex", "Flekstid og afspadsering", "tid", "tid", 2, 8, 24, A, False),
    ("seniordage", "Seniordage og omsorgsdage", "tid", "tid", 2, 8, 24, A, False),
    ("faktura", "Faktura er ikke betalt", "kreditor", "kreditor", 4, 8, 24, A, False),
    ("leverandoer", "Oprettelse af leverandør", "kreditor", "kreditor", 2, 8, 24, M, False),
    ("udlaeg", "Refusion af udlæg", "kreditor", "kreditor", 3, 8, 40, A, False),
    ("debitor", "Opkrævning og debitor", "kreditor", "kreditor", 1, 8, 40, M, False),
    ("rykker", "Rykker fra leverandør", "kreditor", "kreditor", 1, 4, 16, A, False),
    ("indkoebsaftale", "Spørgsmål om indkøbsaftale", "indkoeb", "indkoeb", 1.5, 8, 40, A, False),
    ("fritekst", "Fritekstbestilling", "indkoeb", "indkoeb", 1.5, 8, 24, A, False),
    ("kvantum", "Adgang til indkøbskataloget (Kvantum)", "indkoeb", "indkoeb", 1, 4, 16, A, False),
    (
        "arbejdsskade",
        "Anmeldelse af arbejdsskade",
        "forsikring",
        "forsikring",
        1.5,
        8,
        40,
        A,
        False,
    ),
    ("tingskade", "Skade på kommunens ejendom", "forsikring", "forsikring", 0.5, 8, 80, M, False),
    ("rejseforsikring", "Rejseforsikring", "forsikring", "forsikring", 0.5, 8, 24, A, False),
    ("adgang-sd", "Adgang til SD Løn", "systemer", "systemer", 2, 2, 8, M, False),
    (
        "adgang-opus",
        "Adgang til Opus og økonomisystemer",
        "systemer",
        "systemer",
        2,
        2,
        8,
        M,
        False,
    ),
    ("adgang-portal", "Adgang til Serviceportalen", "systemer", "systemer", 1, 2, 8, A, False),
    ("andet", "Andet spørgsmål til Koncernservice", "systemer", "systemer", 3, 8, 40, A, False),
    # Services of some administrations only (LIMITED_SERVICES below).
    (
        "boerneattest",
        "Børneattest for ny medarbejder",
        "personale",
        "personale",
        1,
        8,
        24,
        M,
        False,
    ),
    ("koersel-pleje", "Kørselsgodtgørelse i hjemmeplejen", "loen", "loen", 1, 8, 24, A, False),
    ("vintertjeneste", "Vintertjeneste og rådighedsvagt", "tid", "tid", 0.5, 8, 24, A, False),
]

# Services only the employees of some administrations may request (Service.requester_units;
# the administrations' codes are those of the demo organisation, demo/data.py): a child
# certificate is obtained for staff working with children (børneattestloven: day care and
# schools, and the social administration's children's institutions), driving allowance in
# home care is the health and care administration's, and winter road duty the technical
# administration's. Their cases are requested by employees of those administrations.
LIMITED_SERVICES: dict[str, tuple[str, ...]] = {
    "boerneattest": ("BUF", "SOF"),
    "koersel-pleje": ("SUF",),
    "vintertjeneste": ("TMF",),
}

BASE_FIELDS = [
    {
        "name": "employee_number",
        "type": "text",
        "label": "Medarbejdernummer",
        "prefill": "employee_number",
        "help": "Udfyldt fra din ansættelse.",
    },
]
FORMS: dict[str, list[dict[str, Any]]] = {
    "loen-fejl": [
        *BASE_FIELDS,
        {
            "name": "month",
            "type": "date",
            "label": "Lønmåned",
            "required": True,
            "help": "Den første dag i måneden, fx 01-03-2026.",
        },
        {
            "name": "kind",
            "type": "choice",
            "label": "Hvad er forkert?",
            "required": True,
            "choices": ["Grundløn", "Tillæg", "Fradrag", "Andet"],
        },
        {
            "name": "amount",
            "type": "number",
            "label": "Beløb i kr.",
            "required": True,
            "show_if": {"field": "kind", "equals": "Tillæg"},
        },
    ],
    "ferie": [
        *BASE_FIELDS,
        {"name": "days", "type": "number", "label": "Antal feriedage", "required": False},
        {"name": "payout", "type": "boolean", "label": "Jeg ønsker feriepenge udbetalt"},
    ],
    "udlaeg": [
        *BASE_FIELDS,
        {"name": "amount", "type": "number", "label": "Beløb i kr.", "required": True},
        {"name": "date", "type": "date", "label": "Købsdato", "required": True},
    ],
    "arbejdsskade": [
        *BASE_FIELDS,
        {"name": "date", "type": "date", "label": "Dato for skaden", "required": True},
        {
            "name": "absence",
            "type": "choice",
            "label": "Fravær ud over skadesdagen?",
            "required": True,
            "choices": ["Nej", "Ja"],
        },
        {
            "name": "days",
            "type": "number",
            "label": "Forventet antal fraværsdage",
            "required": True,
            "show_if": {"field": "absence", "equals": "Ja"},
        },
    ],
}

ARTICLES = [
    (
        "laes-loenseddel",
        "Sådan læser du din lønseddel",
        "loenseddel",
        "Lønsedlen viser din **grundløn**, dine tillæg og fradrag.\n\n- Felt 1: grundløn\n"
        "- Felt 2: tillæg\n- Felt 3: skat og pension\n\nFind lønsedlen i e-Boks.",
    ),
    (
        "feriepenge",
        "Feriepenge – hvornår bliver de udbetalt?",
        "ferie",
        "Ferietillægget udbetales i maj og august. Optjent ferie holdes i "
        "ferieafholdelsesperioden.\n\nSe også *ferieloven*.",
    ),
    (
        "syg-refusion",
        "Sygdom og refusion fra kommunen",
        "sygdom",
        "Lederen registrerer sygefravær. Efter 30 dage søges sygedagpengerefusion.",
    ),
    (
        "refusion-udlaeg",
        "Få refusion for udlæg",
        "udlaeg",
        "Udfyld formularen med beløb og købsdato, og vedhæft kvitteringen.",
    ),
    (
        "anmeld-arbejdsskade",
        "Sådan anmelder du en arbejdsskade",
        "arbejdsskade",
        "Anmeld skaden hurtigst muligt og senest et år efter skaden.",
    ),
    (
        "flekstid",
        "Flekstid og afspadsering",
        "flex",
        "Du kan højst overføre 37 timers flekssaldo til næste måned.",
    ),
    (
        "skattekort-artikel",
        "Skattekort og fradrag",
        "skattekort",
        "Kommunen henter dit skattekort fra Skattestyrelsen. Ret det på skat.dk.",
    ),
    (
        "seniordage-artikel",
        "Seniordage og omsorgsdage",
        "seniordage",
        "Seniordage optjenes fra året efter, du fylder 60.",
    ),
    (
        "adgang-sd-loen",
        "Adgang til SD Løn",
        "adgang-sd",
        "Lederen bestiller adgang. Adgangen oprettes inden for to arbejdsdage.",
    ),
    (
        "barsel-artikel",
        "Barsel og forældreorlov",
        "barsel",
        "Giv besked til din leder senest tre måneder før forventet fødsel.",
    ),
    (
        "fejl-i-loen",
        "Fejl i lønnen – det skal du gøre",
        "loen-fejl",
        "Tjek lønsedlen først. Er **lønnen** forkert, så opret en sag med lønmåned og beløb.",
    ),
]

# name, text, state afterwards, queue (None: all)
MACROS = [
    (
        "Vi mangler oplysninger",
        "Kære {anmoder}\n\nFor at behandle sag {sag} har vi brug for flere oplysninger. "
        "Svar venligst på denne besked.\n\nVenlig hilsen\n{sagsbehandler}, Koncernservice",
        "awaiting_requester",
        None,
    ),
    (
        "Sagen er løst",
        "Kære {anmoder}\n\nSag {sag} ({titel}) er nu løst. Skriv til os inden for 10 "
        "arbejdsdage, hvis du ikke er enig.\n\nVenlig hilsen\n{sagsbehandler}, Koncernservice",
        "resolved",
        None,
    ),
    (
        "Rettet i næste lønkørsel",
        "Kære {anmoder}\n\nFejlen er rettet og kommer med i næste lønkørsel.\n\n"
        "Venlig hilsen\n{sagsbehandler}, Løn",
        "resolved",
        "loen",
    ),
]

WEEKDAY_WEIGHT = [1.3, 1.1, 1.0, 0.95, 0.7, 0.02, 0.01]
HOUR_WEIGHT = {
    7: 0.3,
    8: 1.2,
    9: 1.6,
    10: 1.5,
    11: 1.3,
    12: 1.0,
    13: 1.2,
    14: 1.1,
    15: 0.7,
    16: 0.3,
    17: 0.15,
    18: 0.1,
    19: 0.1,
    20: 0.08,
    21: 0.05,
}


class BusinessClock:
    """Business time on a calendar as a cumulative table of its open intervals.

    Instants are whole epoch seconds, so a position or a deadline is one bisection instead of
    a walk over the calendar; ``position``/``instant`` take and give datetimes (tests, tools).
    """

    def __init__(self, spec: CalendarSpec, first: dt.date, last: dt.date) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.cumulative: list[int] = []  # business seconds before each interval
        total = 0
        day = first
        while day <= last:
            for start, end in open_intervals(spec, day):
                opens, closes = int(start.timestamp()), int(end.timestamp())
                self.starts.append(opens)
                self.ends.append(closes)
                self.cumulative.append(total)
                total += closes - opens
            day += dt.timedelta(days=1)
        self.total = total

    def position_at(self, epoch: int) -> int:
        """Business seconds from the table's start to the epoch second ``epoch``."""
        index = bisect.bisect_right(self.starts, epoch) - 1
        if index < 0:
            return 0
        return self.cumulative[index] + min(epoch, self.ends[index]) - self.starts[index]

    def instant_at(self, position: int) -> int | None:
        """The epoch second at ``position`` business seconds (None beyond the table)."""
        if position > self.total:
            return None
        index = bisect.bisect_right(self.cumulative, position) - 1
        if index > 0 and self.cumulative[index] == position:
            return self.ends[index - 1]  # the end of an interval, not the next opening
        return self.starts[index] + position - self.cumulative[index]

    def position(self, moment: dt.datetime) -> int:
        return self.position_at(math.floor(moment.timestamp()))

    def instant(self, position: int) -> dt.datetime | None:
        epoch = self.instant_at(position)
        return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)


class _Rows:
    """Plain ``executemany`` inserts for the big demo tables, without model instances.

    A row is a tuple of the ``columns`` (attribute names) in the driver's form (see
    :func:`_adapters`); every other column takes one value for all rows: ``constants`` or
    the field's default, converted once. ``fast_insert`` builds and converts a model instance
    per row, which costs more than everything else in the demo at a year of cases.
    """

    def __init__(
        self, model: type[Model], columns: Sequence[str], constants: dict[str, Any] | None = None
    ) -> None:
        self.model = model
        self.connection = connections[router.db_for_write(model)]
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [name for name in [*columns, *(constants or {})] if name not in fields]
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {unknown}")
        fixed = []
        for name, field in fields.items():
            if name in columns:
                continue
            if constants and name in constants:
                value = constants[name]
            elif field.has_default():
                value = field.get_default()
            elif field.null:
                value = None
            elif field.blank and field.empty_strings_allowed:
                value = ""
            else:
                raise ValueError(f"{model.__name__}.{name} needs a value")
            fixed.append((field, field.get_db_prep_save(value, connection=self.connection)))
        quote = self.connection.ops.quote_name
        names = [quote(fields[name].column) for name in columns] + [
            quote(field.column) for field, _ in fixed
        ]
        self.suffix = tuple(value for _, value in fixed)
        self.sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(names)}) "
            f"VALUES ({', '.join(['%s'] * len(names))})"
        )

    def first_pk(self) -> int:
        return int(self.model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1

    def insert(self, rows: Sequence[tuple[Any, ...]], batch_size: int = 10_000) -> int:
        suffix = self.suffix
        with self.connection.cursor() as cursor:
            for start in range(0, len(rows), batch_size):
                cursor.executemany(
                    self.sql, [row + suffix for row in rows[start : start + batch_size]]
                )
            for statement in self.connection.ops.sequence_reset_sql(no_style(), [self.model]):
                cursor.execute(statement)
        return len(rows)


@contextlib.contextmanager
def _indexes_rebuilt(*models: type[Model]) -> Iterator[None]:
    """Drop the secondary indexes of ``models`` for a bulk load and build them again after.

    On SQLite, building an index over loaded rows sorts once; keeping a dozen indexes up to
    date row by row costs more than the rows (measured: a quarter of the builder's time).
    Indexes behind primary and unique keys stay. Inside the caller's transaction: a failure
    leaves the indexes as they were.
    """
    connection = connections[router.db_for_write(models[0])]
    saved: list[str] = []
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master "
                    "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                    [table],
                )
            else:
                # PostgreSQL refuses CREATE INDEX on a table with pending (deferred) foreign
                # key checks, and keeps its indexes up to date well enough.
                continue
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                saved.append(definition)
    yield
    with connection.cursor() as cursor:
        for definition in saved:
            cursor.execute(definition)


def _adapters(connection: Any) -> tuple[Any, Any]:
    """Converters of an epoch second and of a JSON value to the driver's form."""
    if connection.vendor == "sqlite":
        # Django keeps SQLite datetimes as naive UTC text, 'YYYY-MM-DD HH:MM:SS': a day's
        # text and a time of day's text from two tables are quicker than formatting each.
        days: dict[int, str] = {}
        clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]

        def moment(epoch: int | None) -> Any:
            if epoch is None:
                return None
            day, second = divmod(epoch, 86400)
            text = days.get(day)
            if text is None:
                text = days[day] = time.strftime("%Y-%m-%d ", time.gmtime(day * 86400))
            return text + clock[second]

    elif connection.vendor == "postgresql":

        def moment(epoch: int | None) -> Any:
            return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)

    else:  # pragma: no cover - other backends take the field's own conversion
        field = Case._meta.get_field("created_at")

        def moment(epoch: int | None) -> Any:
            if epoch is None:
                return None
            value = dt.datetime.fromtimestamp(epoch, dt.UTC)
            return field.get_db_prep_save(value, connection=connection)

    def as_json(value: Any) -> Any:
        return connection.ops.adapt_json_value(value, None)

    return moment, as_json


def build_demo(*, scale: Decimal, seed: int) -> dict[str, int]:
    rng = random.Random(seed * 7919 + 3)
    today = timezone.localdate()
    areas = {
        code: ServiceArea(code=code, name=name, position=i) for i, (code, name) in enumerate(AREAS)
    }
    ServiceArea.objects.bulk_create(areas.values())
    queues = {
        code: Queue(code=code, name=name, calendar_name=calendar, restricted=restricted)
        for code, name, calendar, restricted in QUEUES
    }
    Queue.objects.bulk_create(queues.values())
    services = {}
    for code, name, area, queue, _w, first, resolution, audience, confidential in SERVICES:
        services[code] = Service(
            area=areas[area],
            code=code,
            name=name,
            default_queue=queues[queue],
            first_response_hours=first,
            resolution_hours=resolution,
            audience=audience,
            confidential=confidential,
            retention_days=5 * 365 if not confidential else 10 * 365,
        )
    Service.objects.bulk_create(services.values())
    _limit_services(services)
    forms = {
        code: ServiceForm(service=service, version=1, fields=FORMS.get(code, BASE_FIELDS))
        for code, service in services.items()
    }
    ServiceForm.objects.bulk_create(forms.values())
    _team(queues)
    articles = [
        Article(
            slug=slug,
            title=title,
            body=body,
            service=services[service],
            search_text=" ".join(rules.search_terms(f"{title} {title} {body}")),
            review_date=today + dt.timedelta(days=180),
        )
        for slug, title, service, body in ARTICLES
    ]
    Article.objects.bulk_create(articles)
    ArticleVersion.objects.bulk_create(
        ArticleVersion(article=a, version=1, title=a.title, body=a.body) for a in articles
    )
    Macro.objects.bulk_create(
        Macro(name=name, body=body, state=state, queue=queues.get(queue) if queue else None)
        for name, body, state, queue in MACROS
    )
    cases, timers, entries = _cases(rng, scale, today, services, queues, forms)
    calls = _calls(rng, scale, today, services)
    deflections = _deflections(rng, articles)
    relations = _relations(rng)
    cases += relations.get("portal_split_cases", 0)
    return {
        **relations,
        "portal_calls": calls,
        "portal_deflections": deflections,
        "portal_services": len(services),
        "portal_queues": len(queues),
        "portal_articles": len(articles),
        "portal_macros": len(MACROS),
        "portal_cases": cases,
        "portal_sla_timers": timers,
        "portal_case_entries": entries,
    }


def _limit_services(services: dict[str, Service]) -> None:
    """Limit LIMITED_SERVICES to their administrations (one insert of the link rows)."""
    codes = {code for codes in LIMITED_SERVICES.values() for code in codes}
    units = dict(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.ADMINISTRATION, code__in=codes).values_list(
            "code", "pk"
        )
    )
    through = Service.requester_units.through
    through.objects.bulk_create(
        through(service_id=services[service].pk, orgunit_id=units[code])
        for service, codes in LIMITED_SERVICES.items()
        for code in codes
        if code in units
    )


def _limited_requesters(
    employments: list[tuple[Any, ...]], managers: list[tuple[Any, ...]]
) -> dict[str, list[tuple[Any, ...]]]:
    """Per limited service, the employments (managers for a managers' service) it may be
    requested from: those in its units or below, as ``selectors.services_for`` decides."""
    limits: dict[str, list[str]] = {}
    for code, path in Service.requester_units.through.objects.values_list(
        "service__code", "orgunit__path"
    ):
        limits.setdefault(code, []).append(path)
    if not limits:
        return {}
    path_of = dict(OrgUnit.objects.values_list("pk", "path"))
    audience = {s[0]: s[7] for s in SERVICES}
    return {
        code: [
            e
            for e in (managers if audience.get(code) == M else employments)
            if path_of.get(e[1], "").startswith(tuple(paths))
        ]
        for code, paths in limits.items()
    }


# Of the cases of services with articles, the share typed while articles were suggested, and
# of the employees shown suggestions, the share who read one and created no case.
SUGGESTED_SHARE = 0.3
DEFLECTED_SHARE = 0.25


def _deflections(rng: random.Random, articles: list[Article]) -> int:
    """Suggestions shown while employees typed a case (``Deflection`` rows) for the demo's
    cases: ``SUGGESTED_SHARE`` of the cases of services with articles were created after
    suggestions, and for them ``DEFLECTED_SHARE`` of all suggestion events ended without a
    case (an employee read the article instead), so the report's deflection rate is about
    25 %. One query for the cases, rows written as plain tuples."""
    slugs: dict[int, list[str]] = {}
    for article in articles:
        slugs.setdefault(article.service_id, []).append(article.slug)
    users = list(User.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    if not slugs or not users:
        return 0
    table = _Rows(
        Deflection,
        ["id", "created_at", "updated_at", "user_id", "service_id", "articles", "case_id"],
    )
    moment, as_json = _adapters(table.connection)
    pk = table.first_pk()
    rows = []
    extra = DEFLECTED_SHARE / (1 - DEFLECTED_SHARE)  # deflected events per created-anyway
    now = int(timezone.now().timestamp())
    cases = Case.objects.filter(service_id__in=slugs).order_by("pk")
    for case_id, service_id, created in cases.values_list("pk", "service_id", "created_at"):
        if rng.random() >= SUGGESTED_SHARE:
            continue
        shown = as_json(slugs[service_id][:3])
        at = int(created.timestamp()) - rng.randint(60, 600)  # while the case was typed
        rows.append((pk, moment(at), moment(at), rng.choice(users), service_id, shown, case_id))
        pk += 1
        if rng.random() < extra:
            at = min(now, at + rng.randint(3600, 5 * 86400))  # another employee, day
            rows.append((pk, moment(at), moment(at), rng.choice(users), service_id, shown, None))
            pk += 1
    return table.insert(rows)


WORKABLE_STATES = ("new", "in_progress", "awaiting_requester", "resolved")  # not closed yet
DEMO_MERGES, DEMO_SPLITS, DEMO_LINKS, DEMO_CHILDREN = 3, 2, 4, 2
DEMO_VIEWS = (  # name, filters, shared with the team
    ("Mine åbne sager", {"state": "open", "assignee": "me", "sort": "sla"}, False),
    ("Haster, ikke fordelt", {"state": "open", "assignee": "none", "priority": "urgent"}, True),
    ("Afventer anmoder", {"state": "awaiting_requester", "sort": "-created_at"}, True),
)


def _relations(rng: random.Random) -> dict[str, int]:
    """What the demo caseworker did with the open cases of the year: merged duplicates of
    the same requester, split cases with two questions, linked related cases, made child
    cases, and saved queue views (own and shared with the team). Through the services, so
    timelines, audit entries and number redirects are as in real work; a few dozen rows."""
    worker = User.objects.filter(username="sagsbehandler").first()
    queue_ids = list(
        QueueMember.objects.filter(user=worker, queue__restricted=False)
        .order_by("queue_id")
        .values_list("queue_id", flat=True)
    )
    if worker is None or not queue_ids:
        return {}
    workable = Case.objects.filter(state__in=WORKABLE_STATES, queue_id__in=queue_ids)
    used: set[int] = set()

    def pick(candidates: Sequence[Case], n: int) -> list[Case]:
        free = [c for c in candidates if c.pk not in used]
        chosen = rng.sample(free, min(n, len(free)))
        used.update(c.pk for c in chosen)
        return chosen

    twice = (
        workable.values("requester_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .order_by("requester_id")
        .values_list("requester_id", flat=True)[:200]
    )
    merged = 0
    for requester in rng.sample(list(twice), min(DEMO_MERGES, len(twice))):
        first, second = workable.filter(requester_id=requester).order_by("created_at", "pk")[:2]
        if used & {first.pk, second.pk}:
            continue
        used.update((first.pk, second.pk))
        case_services.case_merge(
            actor=worker, case=second, into=first, reason="Samme spørgsmål sendt to gange"
        )
        merged += 1
    sample = list(workable.order_by("pk")[:2000])
    with_replies = list(
        workable.filter(pk__in=[c.pk for c in sample], entries__kind=CaseEntry.Kind.REPLY)
        .distinct()
        .order_by("pk")
    )
    split = 0
    for case in pick([c for c in with_replies if c.state != "resolved"], DEMO_SPLITS):
        reply = case.entries.filter(kind=CaseEntry.Kind.REPLY).order_by("pk").first()
        case_services.case_split(
            actor=worker,
            case=case,
            title=f"{case.title} (andet spørgsmål)"[:200],
            description="Udskilt: anmoderen stillede to spørgsmål i samme sag.",
            entries=[reply.pk] if reply else [],
            notify=False,
        )
        split += 1
    by_service: dict[int, list[Case]] = {}
    for case in sample:
        by_service.setdefault(case.service_id, []).append(case)
    groups = [cases for _service, cases in sorted(by_service.items()) if len(cases) >= 2]
    linked = children = 0
    for cases in rng.sample(groups, min(DEMO_LINKS + DEMO_CHILDREN, len(groups))):
        pair = pick(cases, 2)
        if len(pair) < 2:
            continue
        if linked < DEMO_LINKS:
            case_services.case_link(actor=worker, case=pair[0], other=pair[1])
            linked += 1
        else:
            case_services.case_set_parent(actor=worker, case=pair[1], parent=pair[0])
            children += 1
    queue = Queue.objects.get(pk=queue_ids[0])
    for name, filters, shared in DEMO_VIEWS:
        case_services.saved_view_save(
            actor=worker, queue=queue, name=name, filters=filters, shared=shared
        )
    return {
        "portal_merged": merged,
        "portal_split_cases": split,
        "portal_linked": linked,
        "portal_children": children,
        "portal_saved_views": len(DEMO_VIEWS),
    }


def _team(queues: dict[str, Queue]) -> None:
    """The demo caseworker works the general queues; HR leads the confidential ones."""
    members = []
    caseworker = User.objects.filter(username="sagsbehandler").first()
    hr = User.objects.filter(username="hr").first()
    for queue in queues.values():
        if caseworker and not queue.restricted:
            members.append(QueueMember(queue=queue, user=caseworker, is_lead=True))
        if hr and queue.restricted:
            members.append(QueueMember(queue=queue, user=hr, is_lead=True))
    QueueMember.objects.bulk_create(members)


def _cases(
    rng: random.Random,
    scale: Decimal,
    today: dt.date,
    services: dict[str, Service],
    queues: dict[str, Queue],
    forms: dict[str, ServiceForm],
) -> tuple[int, int, int]:
    """A year of cases with their SLA timers and timeline, planned on business-clock tables.

    Everything is worked out in epoch seconds per case (a handful of bisections) and written
    as plain rows; no query per case. Cases awaiting the requester have been paused since a
    moment between their first response and now, so their resolution timer stands still at
    the elapsed time of that moment, exactly as ``rules.timer_state`` computes it.
    """
    count = int(Decimal(CASES_PER_YEAR) * scale)
    if count <= 0:
        return 0, 0, 0
    employments = list(
        Employment.objects.filter(end_date__isnull=True).values_list(
            "person_id", "unit_id", "is_manager", "employee_number"
        )
    )
    if not employments:
        return 0, 0, 0
    managers = [e for e in employments if e[2]] or employments
    tz = timezone.get_current_timezone()
    now = int(timezone.now().timestamp())
    first_day = today - dt.timedelta(days=364)
    clocks = {
        name: BusinessClock(calendar_spec(name), first_day, today + dt.timedelta(days=120))
        for name in {q.calendar_name for q in queues.values()}
    }
    now_position = {name: clock.position_at(now) for name, clock in clocks.items()}
    days = [first_day + dt.timedelta(days=i) for i in range(365)]
    hours = list(HOUR_WEIGHT)
    # Epoch second of each local (day, hour): correct across the summer-time changes.
    hour_epoch = [
        [int(dt.datetime.combine(day, dt.time(hour), tzinfo=tz).timestamp()) for hour in hours]
        for day in days
    ]
    day_picks = rng.choices(
        range(len(days)),
        cum_weights=list(itertools.accumulate(WEEKDAY_WEIGHT[d.weekday()] for d in days)),
        k=count,
    )
    hour_picks = rng.choices(
        range(len(hours)), cum_weights=list(itertools.accumulate(HOUR_WEIGHT.values())), k=count
    )
    planned = sorted(
        (hour_epoch[d][h] + rng.randrange(3600), days[d].year)
        for d, h in zip(day_picks, hour_picks, strict=True)
    )
    planned = [p for p in planned if p[0] <= now]
    limited = _limited_requesters(employments, managers)
    # A limited service with nobody to request it (a tiny demo) gets no cases.
    service_picks = rng.choices(
        [s[0] for s in SERVICES],
        cum_weights=list(
            itertools.accumulate(0 if limited.get(s[0]) == [] else s[4] for s in SERVICES)
        ),
        k=len(planned),
    )
    priorities = ["normal"] * 85 + ["high"] * 8 + ["low"] * 5 + ["urgent"] * 2
    priority_picks = rng.choices(priorities, k=len(planned))
    targets = {
        (code, priority): (
            rules.target_seconds(service.first_response_hours, priority),
            rules.target_seconds(service.resolution_hours, priority),
        )
        for code, service in services.items()
        for priority in set(priorities)
    }
    queue_of = {s[0]: queues[s[3]] for s in SERVICES}
    caseworker = User.objects.filter(username="sagsbehandler").values_list("pk", flat=True).first()

    connection = connections[router.db_for_write(Case)]
    moment, as_json = _adapters(connection)
    no_pauses = as_json([])
    answers_of: dict[str, Any] = {}
    case_table = _Rows(
        Case,
        [
            "id",
            "created_at",
            "updated_at",
            "number",
            "requester_id",
            "unit_id",
            "service_id",
            "form_id",
            "answers",
            "title",
            "priority",
            "state",
            "queue_id",
            "confidential",
            "assignee_id",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "satisfaction",
        ],
    )
    timer_table = _Rows(
        SlaTimer,
        [
            "id",
            "created_at",
            "updated_at",
            "case_id",
            "kind",
            "target_seconds",
            "started_at",
            "pauses",
            "stopped_at",
            "deadline_at",
            "next_check_at",
            "status",
            "elapsed_seconds",
            "breached_at",
        ],
    )
    entry_table = _Rows(
        CaseEntry,
        ["id", "created_at", "updated_at", "case_id", "kind", "author_id", "event", "data", "body"],
    )
    case_pk, timer_pk, entry_pk = (
        case_table.first_pk(),
        timer_table.first_pk(),
        entry_table.first_pk(),
    )
    case_rows: list[tuple[Any, ...]] = []
    timer_rows: list[tuple[Any, ...]] = []
    entry_rows: list[tuple[Any, ...]] = []
    per_year: dict[int, int] = {}
    reply = "Tak for din henvendelse. Vi er gået i gang med sagen."
    state_data = as_json({"from": "in_progress", "to": "awaiting_requester"})
    no_data = as_json({})
    week = 7 * 86400
    lognorm = rng.lognormvariate
    for (created, year), code, priority in zip(planned, service_picks, priority_picks, strict=True):
        service = services[code]
        queue = queue_of[code]
        person_id, unit_id, _manager, employee_number = rng.choice(
            limited.get(code)
            or (managers if service.audience == Service.Audience.MANAGERS else employments)
        )
        clock = clocks[queue.calendar_name]
        start = clock.position_at(created)
        first_target, resolution_target = targets[code, priority]
        # Handling time as a share of the target: most within, about one in ten late.
        first_used = int(first_target * min(2.0, lognorm(-1.2, 0.7)))
        resolution_used = int(resolution_target * min(3.0, lognorm(-0.9, 0.6)))
        first_at = clock.instant_at(start + first_used)
        resolved_at = clock.instant_at(start + max(resolution_used, first_used))
        state = "new"
        paused_at = None
        if resolved_at is not None and resolved_at <= now:
            state = "closed" if now - resolved_at > week else "resolved"
            if rng.random() < 0.03:
                state = "cancelled"
        elif first_at is not None and first_at <= now:
            state = "in_progress"
            if rng.random() < 0.2:
                # Awaiting the requester since a moment after the first response.
                state = "awaiting_requester"
                first_position = start + first_used
                paused_at = clock.instant_at(
                    first_position
                    + int((now_position[queue.calendar_name] - first_position) * rng.random())
                )
        responded = first_at if first_at is not None and first_at <= now else None
        finished = resolved_at if state in ("closed", "resolved", "cancelled") else None
        per_year[year] = per_year.get(year, 0) + 1
        answers = answers_of.get(employee_number)
        if answers is None:
            answers = answers_of[employee_number] = as_json({"employee_number": employee_number})
        assignee = caseworker if state != "new" and not queue.restricted else None
        satisfaction = None
        if state == "closed" and rng.random() < 0.15:
            satisfaction = rng.choice([3, 4, 4, 5, 5, 5, 2, 1])
        created_text = moment(created)
        case_rows.append(
            (
                case_pk,
                created_text,
                moment(finished or paused_at or created),
                rules.case_number(year, per_year[year]),
                person_id,
                unit_id,
                service.pk,
                forms[code].pk,
                answers,
                service.name,
                priority,
                state,
                queue.pk,
                service.confidential or queue.restricted,
                assignee,
                moment(responded),
                moment(finished if state in ("closed", "resolved") else None),
                moment(finished if state in ("closed", "cancelled") else None),
                satisfaction,
            )
        )
        pauses = no_pauses
        if paused_at is not None:
            pauses = as_json([[dt.datetime.fromtimestamp(paused_at, dt.UTC).isoformat(), None]])
        for kind, target, stopped in (
            ("first_response", first_target, responded),
            ("resolution", resolution_target, finished),
        ):
            deadline = clock.instant_at(start + target)
            half = clock.instant_at(start + target // 2)
            three_quarters = clock.instant_at(start + target * 3 // 4)
            if paused_at is not None:
                # Time stands still from the pause on (only the unstopped timer is paused).
                before_pause = clock.position_at(paused_at) - start
                # The first response came before the pause: its time is not affected.
                elapsed = before_pause if stopped is None else clock.position_at(stopped) - start
                if before_pause < target:
                    deadline = None  # unknown until the case resumes
                if before_pause < target // 2:
                    half = None
                if before_pause < target * 3 // 4:
                    three_quarters = None
            else:
                elapsed = max(0, clock.position_at(stopped or now) - start)
            if elapsed >= target:
                status = "breached"
            elif stopped is not None:
                status = "met"
            elif paused_at is not None:
                status = "paused"
            elif elapsed * 4 >= target * 3:
                status = "warning_75"
            elif elapsed * 2 >= target:
                status = "warning_50"
            else:
                status = "running"
            next_check = None
            if stopped is None:
                if elapsed * 2 < target:
                    next_check = half
                elif elapsed * 4 < target * 3:
                    next_check = three_quarters
                elif elapsed < target:
                    next_check = deadline
            timer_rows.append(
                (
                    timer_pk,
                    created_text,
                    moment(stopped or paused_at or created),
                    case_pk,
                    kind,
                    target,
                    created_text,
                    pauses,
                    moment(stopped),
                    moment(deadline),
                    moment(next_check),
                    status,
                    min(elapsed, 2**31 - 1),
                    moment(deadline) if status == "breached" else None,
                )
            )
            timer_pk += 1
        if responded is not None:
            entry_rows.append(
                (
                    entry_pk,
                    moment(responded),
                    moment(responded),
                    case_pk,
                    "reply",
                    assignee,
                    "",
                    no_data,
                    reply,
                )
            )
            entry_pk += 1
        if paused_at is not None:
            entry_rows.append(
                (
                    entry_pk,
                    moment(paused_at),
                    moment(paused_at),
                    case_pk,
                    "event",
                    assignee,
                    "state",
                    state_data,
                    "",
                )
            )
            entry_pk += 1
        case_pk += 1
    with _indexes_rebuilt(Case, SlaTimer, CaseEntry):
        case_table.insert(case_rows)
        timer_table.insert(timer_rows)
        entry_table.insert(entry_rows)
    CaseCounter.objects.bulk_create(
        [CaseCounter(year=year, last=last) for year, last in per_year.items()]
    )
    return len(case_rows), len(timer_rows), len(entry_rows)


CALLS_PER_YEAR = 153_000
# The telephony system's queues and the portal team (queue code) that answers each.
PHONE_TEAMS = {
    "Løn": "loen",
    "Personale": "personale",
    "Tid og fravær": "tid",
    "Kreditorer": "kreditor",
    "Systemer": "systemer",
}
PHONE_QUEUES = list(PHONE_TEAMS)


def _phoned_cases(rng: random.Random, wanted: int, tz: Any) -> list[tuple[int, int, int, int, int]]:
    """Up to ``wanted`` open-service cases created on a weekday 8-15 (the service desk's
    hours), as (case, requester, unit, service, created epoch second), shuffled: the cases
    a caseworker created during a call. Every n-th case by id, so one bounded query."""
    total = Case.objects.filter(confidential=False).count()
    if wanted <= 0 or not total:
        return []
    step = max(1, total // (wanted * 3))
    rows = (
        Case.objects.filter(confidential=False, requester__isnull=False)
        .annotate(slot=Mod("pk", step))
        .filter(slot=0)
        .values_list("pk", "requester_id", "unit_id", "service_id", "created_at")
    )
    found = []
    for pk, requester, unit, service, created in rows:
        local = created.astimezone(tz)
        if local.weekday() < 5 and 8 <= local.hour < 15:
            found.append((pk, requester, unit, service, int(created.timestamp())))
    rng.shuffle(found)
    return found[:wanted]


def _calls(rng: random.Random, scale: Decimal, today: dt.date, services: dict[str, Service]) -> int:
    """A year of service-desk calls: telephony records (wait, talk) and the logged calls,
    on weekdays 8-15 (the service desk's hours), most resolved on first contact."""
    count = int(Decimal(CALLS_PER_YEAR) * scale)
    people = list(
        Employment.objects.filter(end_date__isnull=True).values_list("person_id", "unit_id")
    )
    if count <= 0 or not people:
        return 0
    tz = timezone.get_current_timezone()
    desk = User.objects.filter(username="sagsbehandler").values_list("pk", flat=True).first()
    # The team that took a call: the one answering the telephony queue it came in on (the
    # teams' queue pages say so: Queue.phone_queues, which imports resolve records by).
    for phone, code in PHONE_TEAMS.items():
        Queue.objects.filter(code=code).update(phone_queues=[phone], updated_at=timezone.now())
    team_ids = dict(Queue.objects.values_list("code", "pk"))
    team_of = {phone: team_ids.get(code) for phone, code in PHONE_TEAMS.items()}
    # A call's topic is a service anyone may ask about (not one limited to some units).
    open_services = [
        s.pk for c, s in services.items() if not s.confidential and c not in LIMITED_SERVICES
    ]
    weekdays = [
        today - dt.timedelta(days=i)
        for i in range(1, 366)
        if (today - dt.timedelta(days=i)).weekday() < 5
    ]
    eight = [int(dt.datetime.combine(day, dt.time(8), tzinfo=tz).timestamp()) for day in weekdays]
    now = int(timezone.now().timestamp())
    moment, _json = _adapters(connections[router.db_for_write(Call)])
    record_table = _Rows(
        TelephonyRecord, ["id", "at", "queue", "team_id", "wait_seconds", "talk_seconds"]
    )
    call_table = _Rows(
        Call,
        [
            "id",
            "created_at",
            "updated_at",
            "caller_id",
            "unit_id",
            "service_id",
            "outcome",
            "duration_seconds",
            "taken_by_id",
            "team_id",
            "case_id",
        ],
    )
    record_pk, call_pk = record_table.first_pk(), call_table.first_pk()
    records, calls, used = [], [], set()
    phoned = _phoned_cases(rng, int(count * 0.2), tz)
    for _ in range(count):
        at = rng.choice(eight) + rng.randrange(7 * 3600)
        queue = rng.choice(PHONE_QUEUES)
        talk = int(rng.lognormvariate(5.2, 0.5))
        person_id, unit_id = rng.choice(people)
        service_id, case_id = rng.choice(open_services), None
        roll = rng.random()
        outcome = "resolved" if roll < 0.72 else "transferred" if roll < 0.85 else "case_created"
        if outcome == "case_created" and phoned:
            # the caseworker created the case during the call, as the case's requester asked
            case_id, person_id, unit_id, service_id, created = phoned.pop()
            at = created - talk
        if (at, queue) in used or at > now:
            continue
        used.add((at, queue))
        when = moment(at)
        records.append(
            (record_pk, when, queue, team_of.get(queue), int(rng.expovariate(1 / 60)), talk)
        )
        record_pk += 1
        calls.append(
            (
                call_pk,
                when,
                when,
                person_id,
                unit_id,
                service_id,
                outcome,
                talk + rng.randrange(30, 120),
                desk,
                team_of.get(queue),
                case_id,
            )
        )
        call_pk += 1
    record_table.insert(records)
    call_table.insert(calls)
    return len(calls)
