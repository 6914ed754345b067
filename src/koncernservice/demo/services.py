"""Build the demo municipality: a deterministic synthetic Copenhagen for trying the platform.

:func:`demo_build` is the one entry point. It plans the organisation from
:mod:`koncernservice.demo.data` with ``random.Random(seed)``, writes it with bulk inserts in
one transaction (no per-row audit; one ``demo.built`` event on the root) and records a
:class:`DemoBuild`, whose presence is what marks a database as a demo database. The same
scale and seed always give the same units, names, CPR numbers and employments; only the
database ids may differ. The demo is never built into a database that holds organisation
data, people or users it did not build itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import math
import random
import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation
from itertools import accumulate
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _

from koncernservice.core.audit import audit_context, record_event
from koncernservice.core.calendars import STANDARD_OPENING_HOURS
from koncernservice.core.errors import DomainError
from koncernservice.core.models import (
    BusinessCalendar,
    ClosingDay,
    CostCentre,
    Employment,
    OrgUnit,
    Person,
    Role,
    RoleAssignment,
    User,
)
from koncernservice.core.rules.identifiers import make_gln
from koncernservice.demo import data
from koncernservice.demo.models import DemoBuild

DEFAULT_SEED = 2026
DEFAULT_SCALE = Decimal("0.02")
MAX_SCALE = Decimal(5)
FULL_SCALE_EMPLOYEES = 45_000
# All dates are relative to this fixed day, not to today, so that a build is the same
# whatever day it runs: ages 18-67 on this day, employments started before it.
REFERENCE_DATE = dt.date(2026, 1, 1)
EMPLOYEES_PER_LEAF = 25
MIN_LEAVES_PER_ADMINISTRATION = 3
LEAVES_PER_AREA = 5  # below full size, one more area is opened per this many leaf units
SECOND_EMPLOYMENT_SHARE = 0.04
GLN_PREFIX = "5798009"  # + 5 digits + GS1 check digit = 13 digits
BATCH_SIZE = 2000


# --- Result -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    roles: list[str]
    unit: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "password": self.password,
            "roles": self.roles,
            "unit": self.unit,
        }


@dataclass(frozen=True)
class DemoSummary:
    scale: Decimal
    seed: int
    built: bool  # False when the database already held this demo municipality
    counts: dict[str, int]
    users: list[DemoUser]
    seconds: dict[str, float] = field(default_factory=dict)  # phase timings of this build

    def as_dict(self) -> dict[str, Any]:
        return {
            "scale": float(self.scale),
            "built": self.built,
            "counts": dict(self.counts),
            "users": [user.as_dict() for user in self.users],
        }


# --- Entry point ------------------------------------------------------------------------------


def area_demo_builders() -> list[tuple[str, Any]]:
    """The ``build_demo(*, scale, seed) -> counts`` of every installed app with a ``demo`` module.

    Business areas add their flows (cases, time registrations, invoices ...) to the demo this
    way, after the organisation and people exist, without the demo app importing them.
    """
    builders = []
    for config in apps.get_app_configs():
        if not config.name.startswith("koncernservice.") or config.label == "demo":
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        builders.append((config.label, module.build_demo))
    return builders


def demo_build(
    *, scale: Any = DEFAULT_SCALE, seed: int = DEFAULT_SEED, reset: bool = False
) -> DemoSummary:
    """Build the demo municipality at ``scale`` (1 = 45,000 employees), once.

    Runs again with the same scale and seed build nothing. Another scale needs ``reset``,
    which empties the (demo) database first. Raises :class:`DomainError`, having written
    nothing, for a bad scale, another scale without ``reset``, or a database with data the
    demo did not build.
    """
    scale = clean_scale(scale)
    started = time.perf_counter()
    with transaction.atomic():
        existing = DemoBuild.objects.first()
        if existing is None:
            if _holds_other_data():
                raise DomainError.single(
                    _(
                        "The database holds organisation data, people or users that the demo did "
                        "not build. The demo is never built into a database with real data: use "
                        "an empty database (for example KS_VAR_DIR=/tmp/ks-demo or another "
                        "DATABASE_URL)."
                    ),
                    code="not_a_demo_database",
                    status=409,
                )
        elif not reset:
            if existing.scale == scale and existing.seed == seed:
                return DemoSummary(
                    scale=scale,
                    seed=seed,
                    built=False,
                    counts=dict(existing.counts),
                    users=demo_users(),
                )
            raise DomainError.single(
                _(
                    "The database already holds a demo municipality at scale %(old)s (seed "
                    "%(old_seed)s). Run with --reset to delete it and build scale %(new)s, or use "
                    "the same scale."
                )
                % {
                    "old": format_scale(existing.scale),
                    "old_seed": existing.seed,
                    "new": format_scale(scale),
                },
                code="other_scale",
                status=409,
            )
        else:
            _empty_demo_database()
        seconds = {"reset": time.perf_counter() - started}
        builder = _Builder(scale=scale, seed=seed)
        counts = builder.build(seconds)
        for app_label, build_area in area_demo_builders():
            phase = time.perf_counter()
            counts.update(build_area(scale=scale, seed=seed) or {})
            seconds[app_label] = time.perf_counter() - phase
        total = time.perf_counter() - started
        DemoBuild.objects.create(scale=scale, seed=seed, counts=counts, duration_seconds=total)
        with audit_context(
            actor_label="ks demo", reason=f"ks demo --scale {format(scale.normalize(), 'f')}"
        ):
            record_event(
                builder.root,
                "demo.built",
                data={
                    "scale": str(scale),
                    "seed": seed,
                    "counts": counts,
                    "seconds": round(total, 2),
                },
            )
        seconds["total"] = time.perf_counter() - started
    return DemoSummary(
        scale=scale, seed=seed, built=True, counts=counts, users=demo_users(), seconds=seconds
    )


def clean_scale(value: Any) -> Decimal:
    """The scale as a Decimal with at most four decimals, above 0 and at most MAX_SCALE."""
    try:
        scale = Decimal(str(value).strip().replace(",", ".")).quantize(Decimal("0.0001"))
    except (InvalidOperation, ValueError) as exc:
        raise _bad_scale() from exc
    if not scale.is_finite() or scale <= 0 or scale > MAX_SCALE:
        raise _bad_scale()
    return scale


def _bad_scale() -> DomainError:
    return DomainError.single(
        _("The scale must be a number above 0 and at most %(max)s (1 = 45,000 employees).")
        % {"max": format_scale(MAX_SCALE)},
        field="scale",
        code="scale",
    )


def format_scale(scale: Decimal | float) -> str:
    """A scale as Danish users write it: ``0,02``."""
    text = format(Decimal(str(scale)).normalize(), "f")
    return text.replace(".", ",")


def employees_for(scale: Decimal) -> int:
    return int((FULL_SCALE_EMPLOYEES * scale).to_integral_value(rounding=ROUND_HALF_UP))


def demo_users() -> list[DemoUser]:
    """The demo users present in the database, in the order of ``data.DEMO_USERS``."""
    order = [spec.username for spec in data.DEMO_USERS]
    users = {
        user.username: user
        for user in User.objects.filter(username__in=order).prefetch_related(
            "role_assignments__unit"
        )
    }
    result = []
    for username in order:
        user = users.get(username)
        if user is None:
            continue
        assignments = sorted(user.role_assignments.all(), key=lambda a: a.pk)
        units = list(dict.fromkeys(a.unit.name for a in assignments))
        result.append(
            DemoUser(
                username=username,
                password=data.DEMO_PASSWORD,
                roles=list(dict.fromkeys(a.role for a in assignments)),
                unit=", ".join(units),
            )
        )
    return result


def _holds_other_data() -> bool:
    return (
        OrgUnit.objects.exists()
        or Person.objects.exists()
        or Employment.objects.exists()
        or User.objects.exists()
    )


def _empty_demo_database() -> None:
    """Delete every row of every table (a demo database holds nothing else), in the transaction.

    Content types and permissions are kept, so cached content types stay valid.
    """
    keep = {ContentType._meta.db_table, Permission._meta.db_table}
    tables = [
        table
        for table in connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        if table not in keep
    ]
    if connection.vendor == "postgresql":
        # TRUNCATE refuses tables with deferred foreign-key checks still pending in this
        # transaction (a build just before, as in tests): run those checks now.
        connection.check_constraints()
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True)
    connection.ops.execute_sql_flush(statements)


# --- Planning the organisation ----------------------------------------------------------------


@dataclass(eq=False, slots=True)
class PlannedUnit:
    code: str
    name: str
    kind: str
    depth: int
    parent: PlannedUnit | None
    profile: str
    manager_title: str
    administration: int  # index into data.ADMINISTRATIONS, -1 for the root
    cost_centre: str
    abbreviation: str = ""
    key: str = ""
    is_leaf: bool = True
    gln: str = ""
    staff: int = 0  # employees besides the manager
    weight: float = 1.0
    obj: OrgUnit | None = None  # the written row


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    weight_sum = sum(weights)
    exact = [total * w / weight_sum for w in weights]
    parts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


class _NamePool:
    """Unique names for generated units of one kind in one area, in a seeded random order.

    Names whose stem (``Solsikken``) is not yet used in the administration come first, so a
    stem recurs under another prefix only when the stems run out. When every name is taken,
    the names come round again with a number (``Lønteam BUF 2``).
    """

    def __init__(self, rng: random.Random, kind: data.UnitKind, area: data.Area) -> None:
        stems = data.STEMS.get(kind.stems, ()) if kind.stems else ()
        self.distinct_stems = kind.stems in data.DISTINCT_STEMS
        candidates: dict[str, str] = {}  # name -> stem
        for pattern in kind.patterns:
            uses_s, uses_n = "{s}" in pattern, "{n}" in pattern
            for stem in stems if uses_s else ("",):
                for hood in area.neighbourhoods if uses_n else ("",):
                    candidates.setdefault(pattern.format(s=stem, n=hood), stem)
        self.base = list(candidates.items())
        self.rng = rng
        self.round = 1
        self.names = self._shuffled("")

    def _shuffled(self, suffix: str) -> list[tuple[str, str]]:
        names = [(f"{name}{suffix}", stem) for name, stem in self.base]
        self.rng.shuffle(names)
        return names

    def take(self, used: set[str], used_stems: set[str]) -> str:
        while True:
            self.names = [(name, stem) for name, stem in self.names if name not in used]
            if self.names:
                position = len(self.names) - 1
                if self.distinct_stems:
                    fresh = [i for i, (_n, stem) in enumerate(self.names) if stem not in used_stems]
                    position = fresh[-1] if fresh else position
                name, stem = self.names.pop(position)
                if self.distinct_stems:
                    used_stems.add(stem)
                return name
            self.round += 1
            self.names = self._shuffled(f" {self.round}")


def plan_units(rng: random.Random, employees: int) -> list[PlannedUnit]:
    """The whole organisation tree in depth-first order, with staff numbers per leaf unit."""
    root = PlannedUnit(
        code=data.ROOT_CODE,
        name=data.ROOT_NAME,
        kind=OrgUnit.Kind.MUNICIPALITY,
        depth=0,
        parent=None,
        profile="office",
        manager_title="",
        administration=-1,
        cost_centre="1000000",
        abbreviation="KK",
        is_leaf=False,
    )
    units = [root]
    shares = apportion(employees, [a.share for a in data.ADMINISTRATIONS])
    per_admin: list[list[PlannedUnit]] = []
    for index, (admin, share) in enumerate(zip(data.ADMINISTRATIONS, shares, strict=True)):
        admin_units = _plan_administration(rng, index, admin, share, root)
        per_admin.append(admin_units)
        units.extend(admin_units)
    _assign_staff(rng, employees, shares, per_admin)
    for unit, number in zip(units, rng.sample(range(100_000), len(units)), strict=True):
        unit.gln = make_gln(f"{GLN_PREFIX}{number:05d}")
    return units


def _plan_administration(
    rng: random.Random, index: int, admin: data.Administration, employees: int, root: PlannedUnit
) -> list[PlannedUnit]:
    number = index + 2
    admin_unit = PlannedUnit(
        code=admin.code,
        name=admin.name,
        kind=OrgUnit.Kind.ADMINISTRATION,
        depth=1,
        parent=root,
        profile="office",
        manager_title=admin.director_title,
        administration=index,
        cost_centre=f"{number}000000",
        abbreviation=admin.abbreviation,
        is_leaf=False,
    )
    wanted = max(MIN_LEAVES_PER_ADMINISTRATION, round(employees / EMPLOYEES_PER_LEAF))
    core = [area for area in admin.areas if area.core]
    optional = [area for area in admin.areas if not area.core]
    area_count = min(len(admin.areas), max(len(core), math.ceil(wanted / LEAVES_PER_AREA)))
    areas = core + optional[: area_count - len(core)]
    minimum = [len(area.anchors) if area.core else 1 for area in areas]
    leaves = max(wanted, sum(minimum))
    extra = apportion(leaves - sum(minimum), [area.weight for area in areas])
    budgets = [low + more for low, more in zip(minimum, extra, strict=True)]
    units = [admin_unit]
    # Unit names are unique within an administration; the anchors' names and stems are reserved.
    used = {anchor.name for area in admin.areas for anchor in area.anchors}
    used_stems = {name.split(" ", 1)[-1] for name in used}
    for area, budget in zip(areas, budgets, strict=True):
        area_number = admin.areas.index(area) + 1
        units.extend(
            _plan_area(rng, admin, area, area_number, number, budget, admin_unit, used, used_stems)
        )
    return units


def _plan_area(
    rng: random.Random,
    admin: data.Administration,
    area: data.Area,
    area_number: int,
    admin_number: int,
    budget: int,
    parent: PlannedUnit,
    used: set[str],
    used_stems: set[str],
) -> list[PlannedUnit]:
    index = parent.administration
    area_unit = PlannedUnit(
        code=f"{admin.code}-{area_number:02d}",
        name=area.name,
        kind=OrgUnit.Kind.UNIT,
        depth=2,
        parent=parent,
        profile="office",
        manager_title=area.manager_title,
        administration=index,
        cost_centre=f"{admin_number}{area_number:02d}0000",
        is_leaf=False,
    )
    units = [area_unit]
    counter = 0

    def add(
        name: str,
        profile: str,
        depth: int,
        under: PlannedUnit,
        key: str = "",
        manager_title: str = "",
    ) -> PlannedUnit:
        nonlocal counter
        counter += 1
        code = f"{admin.code}-{area_number:02d}-{counter:04d}"
        unit = PlannedUnit(
            code=code,
            name=name,
            kind=OrgUnit.Kind.UNIT,
            depth=depth,
            parent=under,
            profile=profile,
            manager_title=manager_title or data.PROFILES[profile].manager_title,
            administration=index,
            cost_centre=f"{admin_number}{area_number:02d}{counter:04d}",
            key=key,
            weight=rng.uniform(0.6, 1.4),
        )
        units.append(unit)
        return unit

    for anchor in area.anchors[:budget]:
        add(anchor.name, anchor.profile, 3, area_unit, key=anchor.key)
    budget -= min(budget, len(area.anchors))
    kinds = list(area.kinds)
    weights = [kind.weight for kind in kinds]
    pools = [_NamePool(rng, kind, area) for kind in kinds]
    while budget > 0:
        choice = rng.choices(range(len(kinds)), weights=weights)[0]
        kind = kinds[choice]
        name = pools[choice].take(used, used_stems)
        used.add(name)
        if kind.sub_units and budget >= 2 and rng.random() < kind.sub_chance:
            count = rng.randint(2, min(len(kind.sub_units), budget))
            chosen = sorted(rng.sample(range(len(kind.sub_units)), count))
            top = add(name, kind.profile, 3, area_unit)
            top.is_leaf = False
            for position in chosen:
                sub_name, sub_profile = kind.sub_units[position]
                title = data.PROFILES[sub_profile].manager_title
                if sub_profile == kind.profile:
                    title = "Afdelingsleder"
                add(sub_name, sub_profile, 4, top, manager_title=title)
            budget -= count
        else:
            add(name, kind.profile, 3, area_unit)
            budget -= 1
    return units


def _assign_staff(
    rng: random.Random, employees: int, shares: list[int], per_admin: list[list[PlannedUnit]]
) -> None:
    """Give every leaf unit its staff so that managers + staff = ``employees`` exactly."""
    required = [len(units) + sum(u.is_leaf for u in units) for units in per_admin]
    if sum(required) > employees:
        smallest = Decimal(sum(required)) / FULL_SCALE_EMPLOYEES
        minimum = smallest.quantize(Decimal("0.0001"), rounding=ROUND_UP)
        raise DomainError.single(
            _("The scale is too small for the demo municipality's units: use at least %(min)s.")
            % {"min": format_scale(minimum)},
            field="scale",
            code="scale_too_small",
        )
    shares = list(shares)
    for i in range(len(shares)):
        while shares[i] < required[i]:  # only at tiny scales: borrow from the roomiest
            donor = max(range(len(shares)), key=lambda j: (shares[j] - required[j], -j))
            shares[donor] -= 1
            shares[i] += 1
    for units, share in zip(per_admin, shares, strict=True):
        leaves = [u for u in units if u.is_leaf]
        staff = share - len(units)
        extra = apportion(staff - len(leaves), [u.weight for u in leaves])
        for unit, more in zip(leaves, extra, strict=True):
            unit.staff = 1 + more


# --- People -----------------------------------------------------------------------------------

_FOLD = str.maketrans(
    {
        "æ": "ae",
        "ø": "oe",
        "å": "aa",
        "ö": "oe",
        "ü": "ue",
        "ä": "ae",
        "ß": "ss",
        "ł": "l",
        "ı": "i",
    }
)


@functools.lru_cache(maxsize=4096)
def ascii_fold(text: str) -> str:
    """``Søren Østergaard`` → ``soeren-oestergaard``: for e-mail addresses."""
    folded = text.lower().translate(_FOLD)
    folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class _PeopleFactory:
    """Synthetic people: names, sex-consistent CPR numbers, e-mail addresses, start dates."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.cprs: set[str] = set()
        self.emails: dict[str, int] = {}
        surnames = [name for name, _weight in data.DANISH_SURNAMES]
        self.surnames = surnames
        self.surname_weights = list(accumulate(w for _name, w in data.DANISH_SURNAMES))
        self.latest_birth = _years_before(REFERENCE_DATE, 18)
        self.earliest_birth = _years_before(REFERENCE_DATE, 68) + dt.timedelta(days=1)
        self.earliest_start = _years_before(REFERENCE_DATE, 30)
        self.latest_start = REFERENCE_DATE - dt.timedelta(days=1)

    def person(self, *, female_share: float, min_age: int = 18) -> Person:
        rng = self.rng
        female = rng.random() < female_share
        if rng.random() < data.OTHER_ORIGIN_SHARE:
            first = rng.choice(
                data.OTHER_FEMALE_FIRST_NAMES if female else data.OTHER_MALE_FIRST_NAMES
            )
            last = rng.choice(data.OTHER_SURNAMES)
        else:
            first = rng.choice(data.FEMALE_FIRST_NAMES if female else data.MALE_FIRST_NAMES)
            last = rng.choices(self.surnames, cum_weights=self.surname_weights)[0]
            if rng.random() < data.MIDDLE_NAME_SHARE:
                middle = rng.choice(data.MIDDLE_NAMES)
                if middle != last:
                    last = f"{middle} {last}"
        birth = self._birth_date(min_age)
        cpr = self._cpr(birth, female)
        base = f"{ascii_fold(first)}.{ascii_fold(last)}"
        number = self.emails.get(base, 0) + 1
        self.emails[base] = number
        return Person(
            first_name=first,
            last_name=last,
            cpr=cpr,
            birth_date=birth,
            legal_sex=Person.LegalSex.FEMALE if female else Person.LegalSex.MALE,
            email=f"{base}.{number}@{data.EMAIL_DOMAIN}",
        )

    def _birth_date(self, min_age: int) -> dt.date:
        latest = _years_before(REFERENCE_DATE, min_age).toordinal()
        earliest = self.earliest_birth.toordinal()
        mode = _years_before(REFERENCE_DATE, 44).toordinal()
        return dt.date.fromordinal(round(self.rng.triangular(earliest, latest, mode)))

    def _cpr(self, birth: dt.date, female: bool) -> str:
        """Ten digits whose century digit makes python-stdnum derive ``birth`` again."""
        rng = self.rng
        century_digits = "0123" if birth.year < 2000 else "4"  # 4: 2000-2036 (and 1937-1999)
        while True:
            serial = (
                f"{rng.choice(century_digits)}{rng.randrange(100):02d}"
                f"{rng.choice('02468' if female else '13579')}"
            )
            cpr = f"{birth.day:02d}{birth.month:02d}{birth.year % 100:02d}{serial}"
            if cpr not in self.cprs:
                self.cprs.add(cpr)
                return cpr

    def start_date(self, birth: dt.date, *, before: dt.date | None = None) -> dt.date:
        """A start date in the last 30 years, at age 18 or later, recent ones more likely."""
        latest = before or self.latest_start
        earliest = max(self.earliest_start, adult(birth))
        span = max(0, (latest - earliest).days)
        return latest - dt.timedelta(days=int(self.rng.random() ** 1.7 * span))


def adult(birth: dt.date) -> dt.date:
    """The 18th birthday (1 March for those born on 29 February)."""
    try:
        return birth.replace(year=birth.year + 18)
    except ValueError:
        return dt.date(birth.year + 18, 3, 1)


# --- Writing ----------------------------------------------------------------------------------


class _Builder:
    """Plans and writes one demo municipality; all randomness comes from one seeded generator."""

    def __init__(self, *, scale: Decimal, seed: int) -> None:
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(seed)
        self.employees = employees_for(scale)
        self.root: OrgUnit = OrgUnit()
        self.managers: dict[str, Person] = {}  # anchor key -> the unit's manager
        self.first_staff: dict[str, Person] = {}  # anchor key -> the unit's first employee

    def build(self, seconds: dict[str, float]) -> dict[str, int]:
        clock = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            seconds[name] = now - clock
            clock = now

        units = plan_units(self.rng, self.employees)
        lap("plan_units")
        self._write_units(units)
        lap("write_units")
        people, employments = self._people(units)
        lap("plan_people")
        Person.objects.bulk_create(people, batch_size=BATCH_SIZE)
        lap("write_people")
        Employment.objects.bulk_create(employments, batch_size=BATCH_SIZE)
        lap("write_employments")
        users = self._users(units)
        self._calendars()
        lap("users_calendars")
        return {
            "units": len(units),
            "employees": len(people),
            "employments": len(employments),
            "people": len(people),
            "users": users,
        }

    def _write_units(self, units: list[PlannedUnit]) -> None:
        centres = [CostCentre(code=u.cost_centre, name=u.name) for u in units]
        CostCentre.objects.bulk_create(centres, batch_size=BATCH_SIZE)
        for number, (unit, centre) in enumerate(zip(units, centres, strict=True)):
            unit.obj = OrgUnit(
                kind=unit.kind,
                code=unit.code,
                name=unit.name,
                abbreviation=unit.abbreviation,
                parent=unit.parent.obj if unit.parent else None,
                depth=unit.depth,
                cost_centre=centre,
                gln=unit.gln,
                path=f"/demo-{number}/",
            )
        # Level by level: parents first, so that each level knows its parents' ids; then one
        # UPDATE per level sets path = parent's path + own id (as core.services._path_for).
        parent_path = Subquery(OrgUnit.objects.filter(pk=OuterRef("parent_id")).values("path")[:1])
        own = Concat(Cast("pk", CharField()), Value("/"))
        for depth in range(max(u.depth for u in units) + 1):
            level = [u.obj for u in units if u.depth == depth and u.obj is not None]
            OrgUnit.objects.bulk_create(level, batch_size=BATCH_SIZE)
            OrgUnit.objects.filter(depth=depth, path__startswith="/demo-").update(
                path=Concat(Value("/"), own) if depth == 0 else Concat(parent_path, own)
            )
        for unit in units:  # depth-first order: a parent's path is set before its children's
            obj = unit.obj
            assert obj is not None
            obj.path = f"{obj.parent.path if obj.parent else '/'}{obj.pk}/"
        self.root = units[0].obj  # type: ignore[assignment]

    def _people(self, units: list[PlannedUnit]) -> tuple[list[Person], list[Employment]]:
        rng = self.rng
        factory = _PeopleFactory(rng)
        people: list[Person] = []
        employments: list[Employment] = []
        leaves_by_admin: dict[int, list[PlannedUnit]] = {}
        for unit in units:
            if unit.is_leaf:
                leaves_by_admin.setdefault(unit.administration, []).append(unit)
        job_weights = {
            name: list(accumulate(j.weight for j in profile.jobs))
            for name, profile in data.PROFILES.items()
        }
        full = Decimal(data.FULL_TIME_HOURS)

        def hours(part_time: float) -> Decimal:
            if rng.random() < part_time:
                return Decimal(rng.choice(data.PART_TIME_HOURS))
            return full

        def pick_job(profile: str) -> data.Job:
            jobs = data.PROFILES[profile].jobs
            return rng.choices(jobs, cum_weights=job_weights[profile])[0]

        for unit in units[1:]:
            assert unit.obj is not None
            profile = data.PROFILES[unit.profile]
            female_share = profile.female_share if unit.depth >= 3 else 0.55
            manager = factory.person(female_share=female_share, min_age=30)
            people.append(manager)
            employments.append(
                Employment(
                    person=manager,
                    unit=unit.obj,
                    employee_number="",
                    position_title=unit.manager_title,
                    job_category=data.MANAGER_CATEGORY,
                    weekly_hours=full,
                    start_date=factory.start_date(manager.birth_date),
                    is_manager=True,
                )
            )
            if unit.key:
                self.managers[unit.key] = manager
            for position in range(unit.staff):
                person = factory.person(female_share=female_share)
                people.append(person)
                job = pick_job(unit.profile)
                employment = Employment(
                    person=person,
                    unit=unit.obj,
                    employee_number="",
                    position_title=job.title,
                    job_category=job.category,
                    weekly_hours=hours(job.part_time),
                    start_date=factory.start_date(person.birth_date),
                )
                employments.append(employment)
                if unit.key and position == 0:
                    self.first_staff[unit.key] = person
                if rng.random() < SECOND_EMPLOYMENT_SHARE:
                    others = leaves_by_admin[unit.administration]
                    other = rng.choice(others)
                    if other is unit:
                        other = others[(others.index(unit) + 1) % len(others)]
                    second = self._second_employment(
                        factory, employment, other, pick_job(other.profile)
                    )
                    employments.append(second)
        numbers = rng.sample(range(100_000, 1_000_000), len(employments))
        for employment, number in zip(employments, numbers, strict=True):
            employment.employee_number = str(number)
        return people, employments

    def _second_employment(
        self, factory: _PeopleFactory, current: Employment, unit: PlannedUnit, job: data.Job
    ) -> Employment:
        """A concurrent part-time job in another unit, or an ended earlier one."""
        rng = self.rng
        person = current.person
        earlier_end = current.start_date - dt.timedelta(days=rng.randint(1, 60))
        earlier_start = factory.start_date(
            person.birth_date, before=earlier_end - dt.timedelta(days=90)
        )
        if (
            rng.random() < 0.5
            and earlier_start < earlier_end - dt.timedelta(days=60)
            and earlier_start >= adult(person.birth_date)
        ):
            return Employment(
                person=person,
                unit=unit.obj,
                employee_number="",
                position_title=job.title,
                job_category=job.category,
                weekly_hours=Decimal(data.FULL_TIME_HOURS),
                start_date=earlier_start,
                end_date=earlier_end,
            )
        main_hours = Decimal(rng.choice((20, 22, 24, 25, 28, 30)))
        current.weekly_hours = min(current.weekly_hours, main_hours)
        extra = Decimal(data.FULL_TIME_HOURS) - current.weekly_hours
        span = max(0, (REFERENCE_DATE - current.start_date).days - 1)
        return Employment(
            person=person,
            unit=unit.obj,
            employee_number="",
            position_title=job.title,
            job_category=job.category,
            weekly_hours=min(extra, Decimal(rng.choice((7, 8, 10, 12, 15)))),
            start_date=current.start_date + dt.timedelta(days=rng.randint(0, span)),
        )

    def _users(self, units: list[PlannedUnit]) -> int:
        """The demo users, linked to people of their units, all with the one demo password."""
        by_key = {unit.key: unit for unit in units if unit.key}
        password = make_password(data.DEMO_PASSWORD)  # once: the hasher is slow by design
        users: list[User] = []
        roles: list[RoleAssignment] = []
        for spec in data.DEMO_USERS:
            unit = by_key[spec.anchor]
            person = self.managers[spec.anchor] if spec.manager else self.first_staff[spec.anchor]
            user = User(
                username=spec.username,
                password=password,
                first_name=person.first_name,
                last_name=person.last_name,
                email=person.email,
                person=person,
                is_active=True,
            )
            users.append(user)
            target = unit.obj if spec.on_unit else self.root
            roles.extend(
                RoleAssignment(user=user, role=Role(role), unit=target) for role in spec.roles
            )
        User.objects.bulk_create(users)
        RoleAssignment.objects.bulk_create(roles)
        return len(users)

    def _calendars(self) -> None:
        """The standard KS calendar and the service desk's (with a lunch break)."""
        wanted = {
            "standard": ("KS standard", STANDARD_OPENING_HOURS),
            "serviceindgangen": ("Serviceindgangen", data.SERVICE_DESK_OPENING_HOURS),
        }
        existing = set(
            BusinessCalendar.objects.filter(name__in=wanted).values_list("name", flat=True)
        )
        calendars = [
            BusinessCalendar(
                name=name, title=title, opening_hours=hours, include_public_holidays=True
            )
            for name, (title, hours) in wanted.items()
            if name not in existing
        ]
        BusinessCalendar.objects.bulk_create(calendars)
        ClosingDay.objects.bulk_create(
            [
                ClosingDay(
                    calendar=calendar,
                    name=name,
                    month=month,
                    day=day,
                    closed_from=dt.time.fromisoformat(start) if start else None,
                )
                for calendar in calendars
                for name, month, day, start in data.CLOSING_DAYS
            ]
        )
