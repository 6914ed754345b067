"""Pay for the demo municipality (called by ``ks demo`` after the organisation, people,
employments and the HR app's demo exist).

For the calendar year before the reference date (2025), every employment that ran in that
year gets a pay record. Where the HR app's ``annual_pay`` knows the employment (a placement
on a pay scale) its basic pay, allowances, hours, agreement and pay step are used; otherwise
pay is synthesised: a full-time annual base per job category, +1.2 % per pay step (steps
from seniority), scaled by occupancy (weekly hours / 37) and the months employed; hours paid
160.33 per full-time month. About 40 % receive complementary pay (allowances, overtime).

Some categories carry a real gap, so that the indicators, flags and joint pay assessment
show something: in ``GAP_CATEGORIES`` men receive a function allowance of 6–12 % of basic
pay more often and larger; elsewhere the sexes differ only by noise (±1.5 %). Then the
Art. 10 flags for 2025 are found, one flag is justified, and the annual report is prepared
(a draft, for management to approve). Rows are written with ``fast_insert`` (no per-row
audit; the demo records one ``demo.built`` event). Deterministic for a given scale and seed.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from decimal import Decimal
from typing import Any

from koncernservice.core.bulk import fast_insert
from koncernservice.core.models import Employment, OrgUnit, User
from koncernservice.core.system import system_operator
from koncernservice.paygap import rules, selectors, services
from koncernservice.paygap.models import (
    AnnualReport,
    CategoryFlag,
    InfoRequest,
    PayRecord,
    WorkerCategory,
)

REFERENCE_DATE = dt.date(2026, 1, 1)  # the demo's reference date (see demo/services.py)
YEAR = REFERENCE_DATE.year - 1
HOURS_PER_MONTH = Decimal("160.33")
FULL_TIME = Decimal("37")
CENT = Decimal("0.01")

BASE_PAY = {
    "Leder": 720_000,
    "Tandlæge": 640_000,
    "Jurist": 520_000,
    "Psykolog": 500_000,
    "AC-fuldmægtig": 480_000,
    "Ingeniør": 500_000,
    "IT-medarbejder": 450_000,
    "Lærer": 440_000,
    "Sygeplejerske": 430_000,
    "Socialrådgiver": 420_000,
    "Fysioterapeut": 410_000,
    "Ergoterapeut": 405_000,
    "Pædagog": 390_000,
    "HR-konsulent": 430_000,
    "Lønkonsulent": 410_000,
    "Økonomimedarbejder": 400_000,
    "Kontorfuldmægtig": 350_000,
    "Social- og sundhedsassistent": 355_000,
    "Social- og sundhedshjælper": 325_000,
    "Pædagogmedhjælper": 310_000,
    "Driftsmedarbejder": 330_000,
    "Køkkenmedarbejder": 315_000,
    "Renovationsmedarbejder": 340_000,
    "Gartner": 330_000,
}
AGREEMENT = {
    "Lærer": "OK24 Lærere",
    "Sygeplejerske": "OK24 Sygeplejersker",
    "Pædagog": "OK24 Pædagoger",
    "Pædagogmedhjælper": "OK24 Pædagogisk personale",
    "Social- og sundhedsassistent": "OK24 SOSU",
    "Social- og sundhedshjælper": "OK24 SOSU",
    "Kontorfuldmægtig": "OK24 HK Kommunal",
    "Økonomimedarbejder": "OK24 HK Kommunal",
    "Lønkonsulent": "OK24 HK Kommunal",
    "Leder": "OK24 Chefer",
}
GAP_CATEGORIES = frozenset({"Leder", "Ingeniør", "IT-medarbejder", "Driftsmedarbejder", "Jurist"})


def _base(job_category: str) -> int:
    if job_category in BASE_PAY:
        return BASE_PAY[job_category]
    return 330_000 + zlib.crc32(job_category.encode()) % 190_000


def _months(start: dt.date, end: dt.date | None) -> Decimal:
    """Months of YEAR the employment covers, by days, as a share of 12."""
    first, last = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    lo, hi = max(first, start), min(last, end) if end else last
    if hi < lo:
        return Decimal(0)
    return Decimal((hi - lo).days + 1) / Decimal((last - first).days + 1) * 12


def _platform_pay(employment_ids: list[int]) -> dict[int, Any]:
    try:
        from koncernservice.hr import selectors as hr_selectors

        return dict(hr_selectors.annual_pay(system_operator(), YEAR, employment_ids))
    except Exception:  # the HR app's pay tables are optional for the demo
        return {}


def build_demo(*, scale: Any, seed: int) -> dict[str, int]:
    rng = random.Random(seed * 7907 + 11)
    rows = list(
        Employment.objects.filter(start_date__lte=dt.date(YEAR, 12, 31))
        .exclude(end_date__lt=dt.date(YEAR, 1, 1))
        .order_by("pk")
        .values_list(
            "pk", "person__legal_sex", "job_category", "weekly_hours", "start_date", "end_date"
        )
    )
    platform = _platform_pay([row[0] for row in rows])
    categories: dict[str, WorkerCategory] = {c.code: c for c in WorkerCategory.objects.all()}
    records: list[PayRecord] = []
    for pk, sex, job, weekly, start, end in rows:
        months = _months(start, end)
        if months <= 0:
            continue
        male = sex == "M"
        pay = platform.get(pk)
        if pay is not None and pay.hours > 0:
            agreement, step = pay.agreement, pay.pay_step
            basic, complementary, hours = pay.basic, pay.complementary, pay.hours
        else:
            seniority = max(0, (REFERENCE_DATE - start).days // 365)
            step = min(12, 1 + seniority // 2 + rng.randint(0, 2))
            agreement = AGREEMENT.get(job, f"OK24 {job}")[:100]
            occupancy = Decimal(weekly) / FULL_TIME
            noise = Decimal(1 + rng.uniform(-0.015, 0.015))
            basic = Decimal(_base(job)) * (1 + Decimal("0.012") * step) * noise
            basic = basic * occupancy * months / 12
            hours = HOURS_PER_MONTH * occupancy * months
            complementary = Decimal(0)
            if rng.random() < 0.4:
                complementary = basic * Decimal(rng.uniform(0.01, 0.08))
        if job in GAP_CATEGORIES and rng.random() < (0.75 if male else 0.25):
            share = rng.uniform(0.08, 0.12) if male else rng.uniform(0.02, 0.05)
            complementary += basic * Decimal(share)  # a function allowance
        code = rules.default_category_code(agreement, job, step)
        category = categories.get(code)
        if category is None:
            category = WorkerCategory(
                code=code,
                name=code,
                agreement=agreement[:100],
                job_category=job[:100],
                pay_band=rules.pay_step_band(step),
            )
            fast_insert([category])  # assigns the key; no per-row audit in the demo
            categories[code] = category
        records.append(
            PayRecord(
                employment_id=pk,
                year=YEAR,
                basic_pay=basic.quantize(CENT),
                complementary_pay=complementary.quantize(CENT),
                hours=max(hours, Decimal(1)).quantize(CENT),
                agreement=agreement[:100],
                pay_step=step,
                category_id=category.pk,
                source=PayRecord.Source.PLATFORM if pay is not None else PayRecord.Source.IMPORT,
            )
        )
    inserted = fast_insert(records)
    flags = 0
    for root in OrgUnit.objects.filter(parent__isnull=True):
        flags += _flags_and_report(root, categories, bool(records))
    requests = _info_request()
    return {
        "pay_records": inserted,
        "worker_categories": len(categories),
        "paygap_flags": flags,
        "info_requests": requests,
    }


def _flags_and_report(root: OrgUnit, categories: dict[str, WorkerCategory], any_pay: bool) -> int:
    """Flags (one justified) and the draft report, inserted without per-row audit."""
    if not any_pay:
        return 0
    by_name = {c.name: c for c in categories.values()}
    found = selectors.workers(unit=root, year=YEAR)
    flags = []
    justified = False
    for name, figure in rules.category_figures(found).items():
        category = by_name.get(name)
        if category is None or not figure.flagged or figure.gap is None:
            continue
        flag = CategoryFlag(
            unit=root,
            year=YEAR,
            category=category,
            gap=figure.gap,
            basic_gap=figure.basic_gap,
            complementary_gap=figure.complementary_gap,
            figures=selectors.figures_dict(figure),
            flagged_on=REFERENCE_DATE,
            deadline=rules.add_months(REFERENCE_DATE, rules.REMEDY_MONTHS),
        )
        if not justified and category.job_category == "Driftsmedarbejder":
            justified = True
            flag.status = CategoryFlag.Status.JUSTIFIED
            flag.justification = (
                "Forskellen skyldes rådighedstillæg for vagtberedskab, som gives efter "
                "kønsneutrale kriterier (deltagelse i vagtordningen)."
            )
            flag.decided_by_label = "ks demo"
            flag.decided_at = dt.datetime(2026, 1, 15, 10, tzinfo=dt.UTC)
        flags.append(flag)
    CategoryFlag.objects.bulk_create(flags)
    smallest = selectors.min_group()
    AnnualReport.objects.bulk_create(
        [
            AnnualReport(
                unit=root,
                year=YEAR,
                min_group=smallest,
                data=selectors.report_data(entity=root, year=YEAR, smallest=smallest),
            )
        ]
    )
    return len(flags)


def _info_request() -> int:
    """The demo employee has asked for pay information, answered at once."""
    employee = User.objects.filter(username="medarbejder", person__isnull=False).first()
    if employee is None:
        return 0
    record = (
        PayRecord.objects.filter(employment__person_id=employee.person_id, year=YEAR)
        .select_related("employment")
        .first()
    )
    if record is None:
        return 0
    InfoRequest.objects.bulk_create(
        [
            InfoRequest(
                person_id=employee.person_id,
                employment=record.employment,
                year=YEAR,
                requested_on=REFERENCE_DATE,
                due_on=rules.add_months(REFERENCE_DATE, rules.ANSWER_MONTHS),
                status=InfoRequest.Status.ANSWERED,
                answered_at=dt.datetime(2026, 1, 2, 9, tzinfo=dt.UTC),
                answer=services.answer_data(employment=record.employment, year=YEAR),
            )
        ]
    )
    return 1
