"""Import of the organisation and of employees from CSV or Excel files.

An import validates every row first. With errors it writes nothing and reports every bad
row (file, row number as shown in a spreadsheet, field, message), unless ``skip_bad_rows``
is set: then the good rows are written and every skipped row is listed. Rows are upserted
by their stable key (unit code; CPR number and employee number), so importing the same file
twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from koncernservice.core import access, services
from koncernservice.core.audit import audit_context, record_bulk_create
from koncernservice.core.errors import DomainError, ErrorDetail
from koncernservice.core.models import CostCentre, Employment, OrgUnit, Person

ORG_COLUMNS = {
    "code": ("code", "enhedskode", "kode"),
    "name": ("name", "navn", "enhedsnavn"),
    "parent_code": ("parent_code", "overordnet", "overordnet_enhedskode", "forælder"),
    "kind": ("kind", "type"),
    "abbreviation": ("abbreviation", "forkortelse"),
    "gln": ("gln", "ean", "ean_nummer", "gln_nummer", "lokationsnummer"),
    "cost_centre": ("cost_centre", "omkostningssted"),
    "cost_centre_name": ("cost_centre_name", "omkostningssted_navn"),
}
ORG_REQUIRED = ("code", "name")

EMPLOYEE_COLUMNS = {
    "cpr": ("cpr", "cpr_nummer", "cpr-nummer"),
    "first_name": ("first_name", "fornavn"),
    "last_name": ("last_name", "efternavn"),
    "email": ("email", "e-mail", "mail"),
    "employee_number": ("employee_number", "medarbejdernummer", "medarbejdernr"),
    "unit_code": ("unit_code", "enhedskode", "enhed"),
    "position_title": ("position_title", "stilling", "stillingsbetegnelse"),
    "job_category": ("job_category", "stillingskategori", "jobkategori"),
    "weekly_hours": ("weekly_hours", "ugentlige_timer", "timer"),
    "start_date": ("start_date", "startdato", "ansat_fra"),
    "end_date": ("end_date", "slutdato", "ansat_til"),
    "is_manager": ("is_manager", "leder"),
}
EMPLOYEE_REQUIRED = (
    "cpr",
    "first_name",
    "last_name",
    "employee_number",
    "unit_code",
    "position_title",
    "job_category",
    "weekly_hours",
    "start_date",
)

KIND_ALIASES = {
    "municipality": OrgUnit.Kind.MUNICIPALITY,
    "kommune": OrgUnit.Kind.MUNICIPALITY,
    "administration": OrgUnit.Kind.ADMINISTRATION,
    "forvaltning": OrgUnit.Kind.ADMINISTRATION,
    "unit": OrgUnit.Kind.UNIT,
    "enhed": OrgUnit.Kind.UNIT,
    "": OrgUnit.Kind.UNIT,
}


@dataclass
class ImportResult:
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[ErrorDetail] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": [e.as_dict() for e in self.skipped],
        }


# --- Reading files ----------------------------------------------------------------------------


def read_rows(
    path: Path, columns: dict[str, tuple[str, ...]]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (spreadsheet row number, {canonical column: value}) for a CSV or .xlsx file."""
    source = str(path)
    if not path.exists():
        raise DomainError(
            _("File not found: %(f)s") % {"f": source},
            [ErrorDetail(_("File not found."), source=source, code="not_found")],
        )
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        raw = _xlsx_rows(path)
    elif suffix in {".csv", ".txt"}:
        raw = _csv_rows(path)
    else:
        raise DomainError(
            _("Unknown file type %(s)s: use .csv or .xlsx.") % {"s": suffix or "?"},
            [ErrorDetail(_("Unknown file type: use .csv or .xlsx."), source=source, code="type")],
        )
    try:
        header = next(raw)
    except StopIteration:
        raise DomainError(
            _("The file is empty."), [ErrorDetail(_("The file is empty."), source=source, row=1)]
        ) from None
    mapping = _map_header(header, columns, source)
    for number, values in enumerate(raw, start=2):
        if not any(str(v or "").strip() for v in values):
            continue
        row = {
            key: values[index] if index < len(values) else None for key, index in mapping.items()
        }
        yield number, row


def _normalise(name: Any) -> str:
    return str(name or "").strip().lower().replace(" ", "_")


def _map_header(
    header: list[Any], columns: dict[str, tuple[str, ...]], source: str
) -> dict[str, int]:
    positions = {_normalise(name): index for index, name in enumerate(header)}
    mapping: dict[str, int] = {}
    for key, aliases in columns.items():
        for alias in aliases:
            if alias in positions:
                mapping[key] = positions[alias]
                break
    return mapping


def _csv_rows(path: Path) -> Iterator[list[Any]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    yield from csv.reader(io.StringIO(text), delimiter=delimiter)


def _xlsx_rows(path: Path) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise DomainError(
            _("The Excel file cannot be read: %(e)s") % {"e": exc.__class__.__name__},
            [ErrorDetail(_("The Excel file cannot be read."), source=str(path), code="broken")],
        ) from exc
    try:
        for values in workbook.active.iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()


def _missing_columns(rows: Any, required: tuple[str, ...], source: str) -> None:
    first = next(iter(rows), None)
    if first is None:
        return
    missing = [c for c in required if c not in first[1]]
    if missing:
        raise DomainError(
            _("Missing columns: %(c)s") % {"c": ", ".join(missing)},
            [
                ErrorDetail(
                    _("The column is missing."),
                    field=c,
                    row=1,
                    source=source,
                    code="missing_column",
                )
                for c in missing
            ],
        )


def _row_error(exc: DomainError, row: int, source: str) -> list[ErrorDetail]:
    return [
        ErrorDetail(e.message, field=e.field, code=e.code, row=row, source=source)
        for e in (exc.errors or [ErrorDetail(exc.message)])
    ]


def _finish(errors: list[ErrorDetail], skip_bad_rows: bool, result: ImportResult) -> None:
    if errors and not skip_bad_rows:
        rows = len({e.row for e in errors})
        raise DomainError(
            ngettext(
                "%(n)d row has errors; nothing was imported.",
                "%(n)d rows have errors; nothing was imported.",
                rows,
            )
            % {"n": rows},
            errors,
        )
    result.skipped = errors


def _limit(rows: list[Any], source: str) -> None:
    if len(rows) > settings.KS_IMPORT_MAX_ROWS:
        raise DomainError(
            _("The file has too many rows (at most %(n)d).") % {"n": settings.KS_IMPORT_MAX_ROWS},
            [ErrorDetail(_("Too many rows."), source=source, code="too_many")],
        )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- Organisation ------------------------------------------------------------------------------


def import_org(path: Path, *, actor: Any, skip_bad_rows: bool = False) -> ImportResult:
    access.require(actor, access.CHANGE_ORG)
    source = str(path)
    rows = list(read_rows(path, ORG_COLUMNS))
    _limit(rows, source)
    _missing_columns(rows, ORG_REQUIRED, source)
    result = ImportResult(source=source, rows=len(rows))
    existing = {u.code: u for u in OrgUnit.objects.select_related("cost_centre")}
    in_file: dict[str, int] = {}
    errors: list[ErrorDetail] = []
    valid: list[tuple[int, dict[str, Any]]] = []
    for number, raw in rows:
        row = {k: _cell(v) for k, v in raw.items()}
        problems: list[ErrorDetail] = []

        def fail(
            message: str,
            field_name: str,
            number: int = number,
            problems: list[ErrorDetail] = problems,
        ) -> None:
            problems.append(ErrorDetail(message, field=field_name, row=number, source=source))

        if not row.get("code"):
            fail(_("This field is required."), "code")
        elif row["code"] in in_file:
            fail(_("The code is also used in row %(r)d.") % {"r": in_file[row["code"]]}, "code")
        if not row.get("name"):
            fail(_("This field is required."), "name")
        kind = KIND_ALIASES.get(row.get("kind", "").lower())
        if kind is None:
            fail(_("Unknown kind: use municipality, administration or unit."), "kind")
        try:
            row["gln"] = services.clean_gln(row.get("gln"))
        except DomainError as exc:
            problems.extend(_row_error(exc, number, source))
        parent_code = row.get("parent_code", "")
        if (
            parent_code
            and parent_code not in existing
            and parent_code not in {_cell(r.get("code")) for _n, r in rows}
        ):
            fail(_("Unknown parent unit: %(c)s") % {"c": parent_code}, "parent_code")
        if not parent_code and kind != OrgUnit.Kind.MUNICIPALITY:
            fail(_("Only the municipality may be without a parent unit."), "parent_code")
        if row.get("code"):
            in_file.setdefault(row["code"], number)
        row["kind"] = kind
        if problems:
            errors.extend(problems)
        else:
            valid.append((number, row))
    ordered = _parents_first(valid, existing, errors, source)
    _finish(errors, skip_bad_rows, result)
    with (
        transaction.atomic(),
        audit_context(actor=actor, reason=_("Import from %(f)s") % {"f": source}),
    ):
        for number, row in ordered:
            try:
                with transaction.atomic():
                    _upsert_unit(row, existing, actor, result)
            except DomainError as exc:
                if not skip_bad_rows:
                    raise DomainError(exc.message, _row_error(exc, number, source)) from exc
                result.skipped.extend(_row_error(exc, number, source))
    return result


def _parents_first(
    valid: list[tuple[int, dict[str, Any]]],
    existing: dict[str, OrgUnit],
    errors: list[ErrorDetail],
    source: str,
) -> list[tuple[int, dict[str, Any]]]:
    """Order rows so every parent comes before its children; report cycles and orphans."""
    pending = list(valid)
    placed: set[str] = set(existing)
    ordered: list[tuple[int, dict[str, Any]]] = []
    while pending:
        ready = [
            (n, r)
            for n, r in pending
            if not r["parent_code"]
            or (
                r["parent_code"] in placed
                and r["parent_code"] not in {p["code"] for _m, p in pending if p is not r}
            )
        ]
        if not ready:
            for number, _row in pending:
                errors.append(
                    ErrorDetail(
                        _("The parent unit is in a cycle or in a row with errors."),
                        field="parent_code",
                        row=number,
                        source=source,
                    )
                )
            break
        for item in ready:
            ordered.append(item)
            placed.add(item[1]["code"])
        pending = [item for item in pending if item not in ready]
    return ordered


def _cost_centre(row: dict[str, Any]) -> CostCentre | None:
    code = row.get("cost_centre")
    if not code:
        return None
    centre, _created = CostCentre.objects.get_or_create(
        code=code, defaults={"name": row.get("cost_centre_name") or code}
    )
    return centre


def _upsert_unit(
    row: dict[str, Any], existing: dict[str, OrgUnit], actor: Any, result: ImportResult
) -> None:
    parent = existing.get(row["parent_code"]) if row["parent_code"] else None
    centre = _cost_centre(row)
    unit = existing.get(row["code"])
    if unit is None:
        unit = services.org_unit_create(
            actor=actor,
            code=row["code"],
            name=row["name"],
            parent=parent,
            kind=row["kind"],
            abbreviation=row.get("abbreviation", ""),
            gln=row["gln"],
            cost_centre=centre,
        )
        existing[unit.code] = unit
        result.created += 1
        return
    if (unit.parent.code if unit.parent_id else "") != row["parent_code"]:
        raise DomainError.single(
            _("Moving a unit to another parent is not supported by import."), field="parent_code"
        )
    changes = {
        name: value
        for name, value in {
            "name": row["name"],
            "abbreviation": row.get("abbreviation", ""),
            "gln": row["gln"],
            "cost_centre": centre,
        }.items()
        if getattr(unit, name) != value
    }
    if changes:
        services.org_unit_update(actor=actor, unit=unit, **changes)
        result.updated += 1
    else:
        result.unchanged += 1


# --- Employees --------------------------------------------------------------------------------


def import_employees(path: Path, *, actor: Any, skip_bad_rows: bool = False) -> ImportResult:
    access.require(actor, access.IMPORT_DATA)
    source = str(path)
    rows = list(read_rows(path, EMPLOYEE_COLUMNS))
    _limit(rows, source)
    _missing_columns(rows, EMPLOYEE_REQUIRED, source)
    result = ImportResult(source=source, rows=len(rows))
    units = {u.code: u for u in OrgUnit.objects.only("id", "code", "path")}
    errors: list[ErrorDetail] = []
    parsed: list[tuple[int, dict[str, Any], dict[str, Any], OrgUnit]] = []
    seen_numbers: dict[str, int] = {}
    seen_cpr: dict[str, tuple[int, dict[str, Any]]] = {}
    for number, raw in rows:
        row = {
            k: _cell(v) if k not in {"weekly_hours", "start_date", "end_date"} else v
            for k, v in raw.items()
        }
        row_errors: list[ErrorDetail] = []
        person = employment = None
        try:
            person = services.person_fields(
                first_name=row.get("first_name"),
                last_name=row.get("last_name"),
                cpr=row.get("cpr"),
                email=row.get("email", ""),
            )
        except DomainError as exc:
            row_errors.extend(_row_error(exc, number, source))
        try:
            employment = services.employment_fields(
                employee_number=row.get("employee_number"),
                position_title=row.get("position_title"),
                job_category=row.get("job_category"),
                weekly_hours=row.get("weekly_hours"),
                start_date=row.get("start_date"),
                end_date=row.get("end_date"),
                is_manager=row.get("is_manager"),
            )
        except DomainError as exc:
            row_errors.extend(_row_error(exc, number, source))
        unit = units.get(row.get("unit_code", ""))
        if unit is None:
            row_errors.append(
                ErrorDetail(
                    _("Unknown unit: %(c)s") % {"c": row.get("unit_code")},
                    field="unit_code",
                    row=number,
                    source=source,
                )
            )
        elif not access.holds_on_path(actor, access.CHANGE_EMPLOYMENT, unit.path):
            row_errors.append(
                ErrorDetail(
                    _("You do not have access to this unit."),
                    field="unit_code",
                    row=number,
                    source=source,
                    code="forbidden",
                )
            )
        if employment and employment["employee_number"] in seen_numbers:
            row_errors.append(
                ErrorDetail(
                    _("The employee number is also used in row %(r)d.")
                    % {"r": seen_numbers[employment["employee_number"]]},
                    field="employee_number",
                    row=number,
                    source=source,
                )
            )
        if person and person["cpr"] in seen_cpr:
            other_row, other = seen_cpr[person["cpr"]]
            if (other["first_name"], other["last_name"]) != (
                person["first_name"],
                person["last_name"],
            ):
                row_errors.append(
                    ErrorDetail(
                        _("The same CPR number has another name in row %(r)d.") % {"r": other_row},
                        field="cpr",
                        row=number,
                        source=source,
                    )
                )
        if row_errors:
            errors.extend(row_errors)
            continue
        assert person is not None and employment is not None and unit is not None
        seen_numbers[employment["employee_number"]] = number
        seen_cpr.setdefault(person["cpr"], (number, person))
        parsed.append((number, person, employment, unit))
    _finish(errors, skip_bad_rows, result)
    with (
        transaction.atomic(),
        audit_context(actor=actor, reason=_("Import from %(f)s") % {"f": source}),
    ):
        _write_employees(parsed, result)
    return result


def _write_employees(
    parsed: list[tuple[int, dict[str, Any], dict[str, Any], OrgUnit]], result: ImportResult
) -> None:
    """Bulk-create what is new, save (audited) what changed, leave the rest alone."""
    cprs = {person["cpr"] for _n, person, _e, _u in parsed}
    people = {p.cpr: p for p in _in_chunks(Person.objects, "cpr", cprs)}
    numbers = {employment["employee_number"] for _n, _p, employment, _u in parsed}
    employments = {
        e.employee_number: e for e in _in_chunks(Employment.objects, "employee_number", numbers)
    }
    new_people: list[Person] = []
    for _n, data, _e, _u in parsed:
        person = people.get(data["cpr"])
        if person is None:
            person = Person(**data)
            people[data["cpr"]] = person
            new_people.append(person)
        elif _apply(person, data):
            person.save()
    Person.objects.bulk_create(new_people, batch_size=1000)
    new_employments: list[Employment] = []
    for _n, person_data, data, unit in parsed:
        person = people[person_data["cpr"]]
        employment = employments.get(data["employee_number"])
        if employment is None:
            new_employments.append(Employment(person=person, unit=unit, **data))
            result.created += 1
        elif _apply(employment, {**data, "unit_id": unit.pk, "person_id": person.pk}):
            employment.save()
            result.updated += 1
        else:
            result.unchanged += 1
    Employment.objects.bulk_create(new_employments, batch_size=1000)
    _audit_new(new_people, new_employments)


def _audit_new(people: list[Person], employments: list[Employment]) -> None:
    path_by_person: dict[int, str] = {}
    for employment in employments:
        employment.unit = employment.unit  # already loaded: no query for audit_scope_path
        path_by_person.setdefault(employment.person_id, employment.unit.path)
    for person in people:
        person._audit_scope = path_by_person.get(person.pk, "")  # type: ignore[attr-defined]
    record_bulk_create(people)
    record_bulk_create(employments)


def _apply(obj: Any, data: dict[str, Any]) -> bool:
    changed = False
    for name, value in data.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _in_chunks(manager: Any, field_name: str, values: set[str], size: int = 900) -> Iterator[Any]:
    ordered = sorted(values)
    for start in range(0, len(ordered), size):
        yield from manager.filter(**{f"{field_name}__in": ordered[start : start + size]})


IMPORTERS: dict[str, Callable[..., ImportResult]] = {
    "org": import_org,
    "employees": import_employees,
}
