"""HR for the demo municipality (called by ``ks demo`` in its transaction).

- The SYNTHETIC agreements of :mod:`koncernservice.hr.paytables` (OK21, OK24, OK26 tables).
- Every demo employment gets a pay placement computed by the placement rules
  (:func:`koncernservice.hr.rules.place`) from its job category (mapped to an agreement), its
  own service up to the reference date plus, for most people, a synthetic prior employment
  (sometimes part-time or not relevant) and now and then a qualifying education: so agreement,
  step, allowances and the explanation are consistent with the rules.
- A year of recruitment × scale: ~7,000 postings (each from an approved position request,
  with the agreement and the pay range), ~7 applications each moving through the stages, and
  ~8,000 hires: the employments that started in the last year, each linked to its placement
  (ordinary hires through a posting and a hired application; the rest without one). Their
  employment letters are written on demand from the stored placement.

Rows are written with ``fast_insert`` (no per-row audit). Deterministic for a scale and seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils import timezone

from koncernservice.core.bulk import fast_insert
from koncernservice.core.models import Employment, Person
from koncernservice.hr import paytables, rules, selectors, services
from koncernservice.hr.models import (
    Agreement,
    AgreementVersion,
    Application,
    Hire,
    JobCategory,
    JobPosting,
    PayStep,
    Placement,
    Requisition,
)

REFERENCE_DATE = dt.date(2026, 1, 1)  # the demo's "today" (same as the demo app's)
POSTINGS_PER_YEAR = 7_000
HIRES_PER_YEAR = 8_000
EMPLOYERS = (
    "Region Hovedstaden",
    "Frederiksberg Kommune",
    "Gentofte Kommune",
    "Rigshospitalet",
    "Dansk Supermarked",
    "Københavns Universitet",
    "Novo Nordisk",
    "Hvidovre Kommune",
    "Privat praksis",
    "Vikarbureau",
)
FIRST = ("Ida", "Emil", "Sofie", "Noah", "Freja", "Oliver", "Ella", "William", "Alma", "Karl")
LAST = ("Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Larsen", "Holm", "Berg", "Dahl")


def _line(line: rules.Line) -> dict[str, Any]:
    return {
        "code": line.code,
        "label": line.label,
        "value": line.value,
        "rule": line.rule,
        "inputs": line.inputs,
        "monthly": str(line.monthly) if line.monthly is not None else None,
        "overridden": False,
        "reason": "",
    }


def build_demo(*, scale: Any, seed: int) -> dict[str, int]:
    rng = random.Random(seed * 7907 + 13)
    _load_agreements()
    agreements = {a.code: a for a in Agreement.objects.all()}
    categories = {
        (c.agreement.code, c.code): c for c in JobCategory.objects.select_related("agreement")
    }
    versions = {
        a.code: selectors.version_rules(v)
        for a in agreements.values()
        if (v := selectors.version_on(a, REFERENCE_DATE)) is not None
    }
    placements, by_employment = _placements(rng, agreements, categories, versions)
    fast_insert(placements)
    counts = {"hr_agreements": len(agreements), "hr_placements": len(placements)}
    counts.update(_recruitment(rng, scale, categories, versions, by_employment))
    return counts


def _load_agreements() -> None:
    """The synthetic agreements, bulk-inserted (the demo writes no audit row per object)."""
    agreements, categories, versions, steps = [], [], [], []
    for data in paytables.AGREEMENTS:
        plain = paytables.agreement_data(data["code"])
        agreement = Agreement(
            code=plain["code"], name=plain["name"], parties=plain["parties"], is_synthetic=True
        )
        agreements.append((agreement, plain))
    Agreement.objects.bulk_create([a for a, _plain in agreements])
    for agreement, plain in agreements:
        for cat in plain["categories"]:
            categories.append(
                JobCategory(
                    agreement=agreement,
                    code=cat["code"],
                    name=cat["name"],
                    employment_category=cat.get("employment_category", ""),
                )
            )
        sen = plain["seniority"]
        for label, valid_from, regulation in paytables.VERSIONS:
            version = AgreementVersion(
                agreement=agreement,
                version=label,
                valid_from=valid_from,
                weekly_hours=Decimal(37),
                regulation_percent=regulation,
                irrelevant_share=Decimal(sen["irrelevant_share"]),
                min_weekly_hours=Decimal(sen["min_weekly_hours"]),
                part_time=sen["part_time"],
                categories=plain["categories"],
                source=paytables.SYNTHETIC_NOTE,
            )
            versions.append((version, plain))
    JobCategory.objects.bulk_create(categories)
    AgreementVersion.objects.bulk_create([v for v, _plain in versions])
    for version, plain in versions:
        for step, groups in plain["steps"].items():
            for group, amount in groups.items():
                steps.append(
                    PayStep(
                        version=version,
                        step=int(step),
                        area_group=group,
                        annual_amount=Decimal(amount),
                    )
                )
    PayStep.objects.bulk_create(steps, batch_size=2000)


def _placements(
    rng: random.Random,
    agreements: dict[str, Agreement],
    categories: dict[tuple[str, str], JobCategory],
    versions: dict[str, rules.AgreementVersion],
) -> tuple[list[Placement], dict[int, Placement]]:
    result = []
    by_employment: dict[int, Placement] = {}
    rows = Employment.objects.order_by("pk").values_list(
        "pk", "job_category", "position_title", "weekly_hours", "start_date", "end_date"
    )
    for pk, category_text, title, hours, start, end in rows:
        code, cat = _mapped(category_text, title)
        version = versions[code]
        category = version.categories[cat]
        on = min(REFERENCE_DATE, end or REFERENCE_DATE)
        periods = []
        if rng.random() < 0.6:
            years = rng.randint(1, 10)
            prior_end = start - dt.timedelta(days=rng.choice([1, 1, 30, 200, 400]))
            prior_start = prior_end - dt.timedelta(days=int(365.25 * years))
            periods.append(
                rules.Period(
                    rng.choice(EMPLOYERS),
                    category.name,
                    prior_start,
                    prior_end,
                    Decimal(rng.choice([37, 37, 37, 30, 25, 15])),
                    rng.random() < 0.75,
                )
            )
        if on > start:
            periods.append(
                rules.Period("Københavns Kommune", category.name, start, on, Decimal(hours), True)
            )
        qualifying = [a for a in category.allowances if a.education_any]
        education: tuple[str, ...] = ()
        if qualifying and rng.random() < 0.2:
            education = (qualifying[0].education_any[0],)
        candidate = rules.Candidate(
            job_category=cat,
            education=education,
            periods=tuple(periods),
            weekly_hours=min(Decimal(hours), version.weekly_hours),
            start_date=on,
        )
        placed = rules.place(version, candidate)
        placement = Placement(
            employment_id=pk,
            agreement_id=agreements[code].pk,
            job_category_id=categories[(code, cat)].pk,
            pay_step=placed.pay_step,
            area_group="1",
            seniority_years=placed.seniority_years,
            allowances=services._allowances_of(version, placed),
            pension_percent=placed.pension_percent,
            valid_from=start,
            valid_to=None,
            explanation=[_line(line) for line in placed.lines],
            overrides={},
        )
        result.append(placement)
        by_employment[pk] = placement
    return result, by_employment


def _mapped(category_text: str, title: str) -> tuple[str, str]:
    """The agreement and job category of an employment (by job category, else by title)."""
    mapping = paytables.EMPLOYMENT_CATEGORIES
    return mapping.get(category_text) or mapping.get(title) or paytables.DEFAULT_CATEGORY


def _pay_range(version: rules.AgreementVersion, category: rules.JobCategory) -> tuple[Decimal, ...]:
    low = version.step_amount(category.base_step, "1")
    top_step = max([category.base_step] + [s.step for s in category.seniority_steps])
    high = version.step_amount(top_step, "1")
    return (
        rules.money(low * version.factor / 12).quantize(Decimal(1)),
        rules.money(high * version.factor / 12).quantize(Decimal(1)),
    )


def _recruitment(
    rng: random.Random,
    scale: Any,
    categories: dict[tuple[str, str], JobCategory],
    versions: dict[str, rules.AgreementVersion],
    by_employment: dict[int, Placement],
) -> dict[str, int]:
    factor = float(scale)
    year_ago = REFERENCE_DATE - dt.timedelta(days=365)
    employments = list(
        Employment.objects.filter(start_date__gt=year_ago, start_date__lte=REFERENCE_DATE)
        .order_by("start_date", "pk")
        .values_list(
            "pk",
            "person_id",
            "unit_id",
            "unit__cost_centre_id",
            "position_title",
            "job_category",
            "weekly_hours",
            "start_date",
        )
    )
    hires_wanted = min(len(employments), round(HIRES_PER_YEAR * factor))
    postings_wanted = max(1, round(POSTINGS_PER_YEAR * factor))
    hired = employments[:hires_wanted]
    with_posting = hired[: min(len(hired), postings_wanted * 2 // 3)]
    units = list(
        Employment.objects.filter(end_date__isnull=True)
        .order_by("unit_id")
        .values_list("unit_id", "unit__cost_centre_id", "position_title", "job_category")
        .distinct()
    )
    tz = timezone.get_current_timezone()
    requisitions: list[Requisition] = []
    postings: list[JobPosting] = []
    hire_of_posting: dict[int, tuple[Any, ...]] = {}
    specs = []
    for row in with_posting:
        _pk, _person, unit_id, cost_centre, title, category_text, hours, start = row
        published = start - dt.timedelta(days=rng.randint(45, 90))
        specs.append((unit_id, cost_centre, title, category_text, hours, published, row))
    while len(specs) < postings_wanted and units:
        unit_id, cost_centre, title, category_text = rng.choice(units)
        published = REFERENCE_DATE - dt.timedelta(days=rng.randint(1, 365))
        hours = Decimal(rng.choice([37, 37, 37, 32, 30]))
        specs.append((unit_id, cost_centre, title, category_text, hours, published, None))
    for unit_id, cost_centre, title, category_text, hours, published, hire_row in specs:
        code, cat = _mapped(category_text, title)
        version = versions[code]
        low, high = _pay_range(version, version.categories[cat])
        category = categories[(code, cat)]
        created = dt.datetime.combine(published - dt.timedelta(days=14), dt.time(9), tz)
        requisition = Requisition(
            unit_id=unit_id,
            title=title,
            agreement_id=category.agreement_id,
            job_category_id=category.pk,
            weekly_hours=Decimal(hours),
            cost_centre_id=cost_centre,
            annual_budget=(high * 12 * Decimal("1.2")).quantize(Decimal(1)),
            justification="Genbesættelse",
            state=Requisition.State.APPROVED,
            decided_at=created + dt.timedelta(days=3),
            created_at=created,
            updated_at=created,
        )
        requisitions.append(requisition)
        deadline = published + dt.timedelta(days=21)
        postings.append(
            JobPosting(
                unit_id=unit_id,
                title=title,
                description=f"Københavns Kommune søger en {title.lower()}. (Demo)",
                agreement_id=category.agreement_id,
                job_category_id=category.pk,
                weekly_hours=Decimal(hours),
                pay_min=low,
                pay_max=high,
                deadline=deadline,
                state=JobPosting.State.CLOSED
                if deadline < REFERENCE_DATE
                else JobPosting.State.PUBLISHED,
                published_at=dt.datetime.combine(published, dt.time(8), tz),
                title_warnings=[],
            )
        )
        if hire_row is not None:
            hire_of_posting[len(postings) - 1] = hire_row
    fast_insert(requisitions)
    for requisition, posting in zip(requisitions, postings, strict=True):
        posting.requisition_id = requisition.pk
    fast_insert(postings)
    names = dict(
        Person.objects.filter(pk__in=[r[1] for r in hired]).values_list("pk", "first_name")
    )
    last_names = dict(
        Person.objects.filter(pk__in=[r[1] for r in hired]).values_list("pk", "last_name")
    )
    applications: list[Application] = []
    hire_application: dict[int, Application] = {}
    serial = 0
    for index, posting in enumerate(postings):
        published = posting.published_at.date() if posting.published_at else REFERENCE_DATE
        hire_row = hire_of_posting.get(index)
        for n in range(rng.randint(2, 12)):
            serial += 1
            received = dt.datetime.combine(
                published + dt.timedelta(days=rng.randint(0, 20)),
                dt.time(rng.randint(7, 22), rng.randint(0, 59)),
                tz,
            )
            first, last = rng.choice(FIRST), rng.choice(LAST)
            stage, closed = _stage(rng, posting, received)
            if hire_row is not None and n == 0:
                first, last = names.get(hire_row[1], first), last_names.get(hire_row[1], last)
                stage = Application.Stage.HIRED
                closed = dt.datetime.combine(hire_row[7], dt.time(9), tz)
            application = Application(
                posting_id=posting.pk,
                first_name=first,
                last_name=last,
                email=f"ansoeger{serial}@example.org",
                motivation="Jeg søger stillingen. (Demo)",
                cv_text=_cv(rng, posting.title),
                stage=stage,
                stage_changed_at=closed or received,
                received_at=received,
                closed_at=closed,
            )
            applications.append(application)
            if stage == Application.Stage.HIRED:
                hire_application[index] = application
    fast_insert(applications)
    hires = []
    for index, row in hire_of_posting.items():
        application = hire_application.get(index)
        hires.append(
            Hire(
                application_id=application.pk if application else None,
                person_id=row[1],
                employment_id=row[0],
                placement_id=by_employment[row[0]].pk,
                letter_pdf=b"",
                onboarding_note="Demo: ingen onboardingsag.",
            )
        )
    for row in hired[len(with_posting) :]:
        hires.append(
            Hire(
                person_id=row[1],
                employment_id=row[0],
                placement_id=by_employment[row[0]].pk,
                letter_pdf=b"",
                onboarding_note="Demo: ansat uden opslag.",
            )
        )
    fast_insert(hires)
    stages: dict[str, int] = defaultdict(int)
    for application in applications:
        stages[application.stage] += 1
    return {
        "hr_requisitions": len(requisitions),
        "hr_postings": len(postings),
        "hr_applications": len(applications),
        "hr_hires": len(hires),
    }


def _stage(
    rng: random.Random, posting: JobPosting, received: dt.datetime
) -> tuple[str, dt.datetime | None]:
    if posting.state == JobPosting.State.CLOSED:
        closed = received + dt.timedelta(days=rng.randint(25, 45))
        return Application.Stage.REJECTED, closed
    return rng.choice(
        [Application.Stage.RECEIVED, Application.Stage.SCREENING, Application.Stage.INTERVIEW]
    ), None


def _cv(rng: random.Random, title: str) -> str:
    start = rng.randint(2005, 2018)
    end = rng.randint(start + 1, 2025)
    hours = rng.choice([37, 37, 30, 25])
    return (
        f"jan. {start} – dec. {end}: {title}, {rng.choice(EMPLOYERS)}, {hours} timer/uge\n"
        f"{start - 4}–{start - 1} Professionsbachelor\n"
    )
