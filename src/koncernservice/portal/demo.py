"""The portal's part of ``ks demo``: the KS service catalogue, queues, teams, articles and a
year of cases (706,000 × scale) with SLA history consistent with the business calendar.

Called inside the demo's transaction after the organisation and people exist. Rows are
written with ``bulk_create`` and, like the rest of the demo, not audited row by row (the demo
records one ``demo.built`` event).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from koncernservice.core.bulk import fast_insert
from koncernservice.core.models import Employment, User
from koncernservice.core.rules.calendar import CalendarSpec, open_intervals
from koncernservice.core.selectors import calendar_spec
from koncernservice.portal import rules
from koncernservice.portal.models import (
    Article,
    ArticleVersion,
    Call,
    Case,
    CaseCounter,
    CaseEntry,
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
]

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
    """Business time on a calendar as a cumulative table: fast for many demo timers."""

    def __init__(self, spec: CalendarSpec, first: dt.date, last: dt.date) -> None:
        self.starts: list[dt.datetime] = []
        self.ends: list[dt.datetime] = []
        self.cumulative: list[int] = []  # business seconds before each interval
        total = 0
        day = first
        while day <= last:
            for start, end in open_intervals(spec, day):
                self.starts.append(start)
                self.ends.append(end)
                self.cumulative.append(total)
                total += int((end - start).total_seconds())
            day += dt.timedelta(days=1)
        self.total = total

    def position(self, moment: dt.datetime) -> int:
        """Business seconds from the table's start to ``moment``."""
        index = bisect.bisect_right(self.starts, moment) - 1
        if index < 0:
            return 0
        inside = min(moment, self.ends[index]) - self.starts[index]
        return self.cumulative[index] + max(0, int(inside.total_seconds()))

    def instant(self, position: int) -> dt.datetime | None:
        """The instant at ``position`` business seconds (None beyond the table)."""
        if position > self.total:
            return None
        index = bisect.bisect_right(self.cumulative, position) - 1
        if index > 0 and self.cumulative[index] == position:
            return self.ends[index - 1]  # the end of an interval, not the next opening
        return self.starts[index] + dt.timedelta(seconds=position - self.cumulative[index])


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
    cases, timers, entries = _cases(rng, scale, today, services, queues, forms)
    calls = _calls(rng, scale, today, services)
    return {
        "portal_calls": calls,
        "portal_services": len(services),
        "portal_queues": len(queues),
        "portal_articles": len(articles),
        "portal_cases": cases,
        "portal_sla_timers": timers,
        "portal_case_entries": entries,
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
    count = int(Decimal(CASES_PER_YEAR) * scale)
    if count <= 0:
        return 0, 0, 0
    employments = list(
        Employment.objects.filter(end_date__isnull=True).values_list(
            "person_id", "unit_id", "unit__path", "is_manager", "employee_number"
        )
    )
    if not employments:
        return 0, 0, 0
    managers = [e for e in employments if e[3]] or employments
    tz = timezone.get_current_timezone()
    first_day = today - dt.timedelta(days=364)
    clocks = {
        name: BusinessClock(calendar_spec(name), first_day, today + dt.timedelta(days=120))
        for name in {q.calendar_name for q in queues.values()}
    }
    days = [first_day + dt.timedelta(days=i) for i in range(365)]
    day_weights = [WEEKDAY_WEIGHT[d.weekday()] for d in days]
    hours, hour_weights = list(HOUR_WEIGHT), list(HOUR_WEIGHT.values())
    codes = [s[0] for s in SERVICES]
    service_weights = [s[4] for s in SERVICES]
    now = timezone.now()
    moments = []
    day_cum = list(itertools.accumulate(day_weights))
    hour_cum = list(itertools.accumulate(hour_weights))
    service_cum = list(itertools.accumulate(service_weights))
    queue_of = {s[0]: queues[s[3]] for s in SERVICES}
    for _ in range(count):
        day = rng.choices(days, cum_weights=day_cum)[0]
        hour = rng.choices(hours, cum_weights=hour_cum)[0]
        moment = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)))
        moments.append(moment.replace(tzinfo=tz))
    moments = sorted(m for m in moments if m <= now)
    priorities = ["normal"] * 85 + ["high"] * 8 + ["low"] * 5 + ["urgent"] * 2
    case_rows: list[Case] = []
    plans: list[dict[str, Any]] = []
    caseworker = User.objects.filter(username="sagsbehandler").first()
    for sequence, created in enumerate(moments, start=1):
        code = rng.choices(codes, cum_weights=service_cum)[0]
        service = services[code]
        queue = queue_of[code]
        person_id, unit_id, _path, _m, employee_number = rng.choice(
            managers if service.audience == Service.Audience.MANAGERS else employments
        )
        priority = rng.choice(priorities)
        clock = clocks[queue.calendar_name]
        start = clock.position(created)
        targets = {
            "first_response": rules.target_seconds(service.first_response_hours, priority),
            "resolution": rules.target_seconds(service.resolution_hours, priority),
        }
        # Handling time as a share of the target: most within, about one in ten late.
        first_used = int(targets["first_response"] * min(2.0, rng.lognormvariate(-1.2, 0.7)))
        resolution_used = int(targets["resolution"] * min(3.0, rng.lognormvariate(-0.9, 0.6)))
        first_at = clock.instant(start + first_used)
        resolved_at = clock.instant(start + max(resolution_used, first_used))
        state = "new"
        if resolved_at is not None and resolved_at <= now:
            state = "closed" if (now - resolved_at).days > 7 else "resolved"
            if rng.random() < 0.03:
                state = "cancelled"
        elif first_at is not None and first_at <= now:
            state = "awaiting_requester" if rng.random() < 0.2 else "in_progress"
        responded = first_at if first_at is not None and first_at <= now else None
        finished = resolved_at if state in ("closed", "resolved", "cancelled") else None
        case_rows.append(
            Case(
                number=rules.case_number(created.year, sequence),
                requester_id=person_id,
                unit_id=unit_id,
                service=service,
                form=forms[code],
                answers={"employee_number": employee_number},
                title=f"{service.name}",
                description="",
                priority=priority,
                state=state,
                queue=queue,
                confidential=service.confidential or queue.restricted,
                assignee=caseworker
                if caseworker and state != "new" and not queue.restricted
                else None,
                first_response_at=responded,
                resolved_at=finished if state in ("closed", "resolved") else None,
                closed_at=finished if state in ("closed", "cancelled") else None,
                satisfaction=rng.choice([3, 4, 4, 5, 5, 5, 2, 1])
                if state == "closed" and rng.random() < 0.15
                else None,
            )
        )
        plans.append(
            {
                "created": created,
                "start": start,
                "clock": clock,
                "targets": targets,
                "stops": {"first_response": responded, "resolution": finished},
            }
        )
    # Numbers run per year: renumber so that each year starts at 1.
    per_year: dict[int, int] = {}
    for case, plan in zip(case_rows, plans, strict=True):
        year = plan["created"].year
        per_year[year] = per_year.get(year, 0) + 1
        case.number = rules.case_number(year, per_year[year])
    for case, plan in zip(case_rows, plans, strict=True):
        case.created_at = plan["created"]
        case.updated_at = plan["stops"]["resolution"] or plan["created"]
    fast_insert(case_rows)
    CaseCounter.objects.bulk_create(
        [CaseCounter(year=year, last=last) for year, last in per_year.items()]
    )
    timer_rows = []
    entry_rows = []
    for case, plan in zip(case_rows, plans, strict=True):
        clock = plan["clock"]
        for kind, target in plan["targets"].items():
            stopped = plan["stops"][kind]
            deadline = clock.instant(plan["start"] + target)
            end = stopped or now
            elapsed = max(0, clock.position(end) - plan["start"])
            if elapsed >= target:
                status = "breached"
            elif stopped is not None:
                status = "met"
            elif case.state == "awaiting_requester":
                status = "paused"
            elif elapsed * 4 >= target * 3:
                status = "warning_75"
            elif elapsed * 2 >= target:
                status = "warning_50"
            else:
                status = "running"
            next_check = None
            if stopped is None:
                for share in (2, 4 / 3, 1):
                    moment = clock.instant(plan["start"] + int(target / share))
                    if moment is not None and moment > now:
                        next_check = moment
                        break
            timer_rows.append(
                SlaTimer(
                    case=case,
                    kind=kind,
                    target_seconds=target,
                    started_at=plan["created"],
                    stopped_at=stopped,
                    deadline_at=deadline,
                    next_check_at=next_check,
                    status=status,
                    elapsed_seconds=min(elapsed, 2**31 - 1),
                    breached_at=deadline if status == "breached" else None,
                    pauses=[[now.isoformat(), None]] if case.state == "awaiting_requester" else [],
                )
            )
        if case.first_response_at is not None:
            entry_rows.append(
                CaseEntry(
                    case=case,
                    kind=CaseEntry.Kind.REPLY,
                    author=case.assignee,
                    body="Tak for din henvendelse. Vi er gået i gang med sagen.",
                )
            )
    fast_insert(timer_rows)
    fast_insert(entry_rows)
    return len(case_rows), len(timer_rows), len(entry_rows)


CALLS_PER_YEAR = 153_000
PHONE_QUEUES = ["Løn", "Personale", "Tid og fravær", "Kreditorer", "Systemer"]


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
    desk = User.objects.filter(username="sagsbehandler").first()
    open_services = [s for s in services.values() if not s.confidential]
    weekdays = [
        today - dt.timedelta(days=i)
        for i in range(1, 366)
        if (today - dt.timedelta(days=i)).weekday() < 5
    ]
    records, calls, used = [], [], set()
    now = timezone.now()
    for _ in range(count):
        day = rng.choice(weekdays)
        moment = dt.datetime.combine(
            day, dt.time(rng.randrange(8, 15), rng.randrange(60), rng.randrange(60))
        ).replace(tzinfo=tz)
        queue = rng.choice(PHONE_QUEUES)
        if (moment, queue) in used or moment > now:
            continue
        used.add((moment, queue))
        talk = int(rng.lognormvariate(5.2, 0.5))
        records.append(
            TelephonyRecord(
                at=moment, queue=queue, wait_seconds=int(rng.expovariate(1 / 60)), talk_seconds=talk
            )
        )
        person_id, unit_id = rng.choice(people)
        roll = rng.random()
        outcome = "resolved" if roll < 0.72 else "transferred" if roll < 0.85 else "case_created"
        calls.append(
            Call(
                caller_id=person_id,
                unit_id=unit_id,
                service=rng.choice(open_services),
                outcome=outcome,
                duration_seconds=talk + rng.randrange(30, 120),
                taken_by=desk,
                created_at=moment,
                updated_at=moment,
            )
        )
    fast_insert(records)
    fast_insert(calls)
    return len(calls)
