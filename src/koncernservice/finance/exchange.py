"""Exchange rates: Danmarks Nationalbank's daily rates read from its XML (English or Danish
variant) or a simple CSV, stored as :class:`ExchangeRate`, and the rates the ledger posts at.

A file is read whole before anything is stored: every bad line is named (file and line) and
nothing is changed; a good file is stored in one transaction. Importing the same day again
changes nothing when the rates are the same and updates those that differ (the result says
which). The rate for a posting is ``rules.rate_for``: the latest published on or before the
posting date, refused when older than ``FINANCE_EXCHANGE_RATE_MAX_AGE_DAYS`` (7).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from koncernservice.core.access import require
from koncernservice.core.audit import audit_context, record_bulk_create
from koncernservice.core.errors import DomainError, ErrorDetail
from koncernservice.finance import access, rules
from koncernservice.finance.models import ExchangeRate

NATIONALBANK = "Danmarks Nationalbank"
MAX_RATE = Decimal("1e8")  # what the column holds (12 digits, 4 decimals)
FOUR_PLACES = Decimal("0.0001")


def max_age_days() -> int:
    """How old the latest rate may be at a posting (``FINANCE_EXCHANGE_RATE_MAX_AGE_DAYS``)."""
    return int(getattr(settings, "FINANCE_EXCHANGE_RATE_MAX_AGE_DAYS", 7))


@dataclass(frozen=True)
class RateRow:
    currency: str
    on: dt.date
    rate: Decimal
    line: int


# --- Reading files ----------------------------------------------------------------------------


def _number(text: str) -> Decimal | None:
    """``746.08`` or ``746,08`` (the Danish variant; a thousands point is not used)."""
    cleaned = text.strip().replace(" ", "")
    if "," in cleaned:
        if "." in cleaned:
            return None
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _check(
    currency: str, on: dt.date, rate: Decimal, line: int, source: str, errors: list[ErrorDetail]
) -> RateRow | None:
    problem = rules.rate_problem(currency, on, rate, today=timezone.localdate())
    if problem is None and rate >= MAX_RATE:
        problem = "rate"
    if problem == "currency":
        message = _(
            "Unknown currency code %(code)s: a currency code is three capital letters "
            "(ISO 4217), and DKK itself has no rate."
        ) % {"code": currency or "''"}
    elif problem == "rate":
        message = _("The rate of %(code)s must be above 0 (and below 100,000,000): %(rate)s.") % {
            "code": currency,
            "rate": rate,
        }
    elif problem == "date":
        message = _("The date %(date)s is out of range (from 1970-01-01 to today).") % {
            "date": on.isoformat()
        }
    else:
        return RateRow(currency, on, rate.quantize(FOUR_PLACES), line)
    errors.append(ErrorDetail(message, row=line, source=source, code=f"rate_{problem}"))
    return None


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_nationalbank_xml(
    data: bytes, source: str, errors: list[ErrorDetail]
) -> tuple[list[RateRow], list[str]]:
    """The rates of Danmarks Nationalbank's XML (``<exchangerates><dailyrates id="DATE">
    <currency code="EUR" rate="746.08"/>``; one or more days). A currency the bank quotes
    without a rate (``rate="-"`` or empty) is skipped and named in the second list."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        errors.append(
            ErrorDetail(
                _("Not well-formed XML: %(error)s") % {"error": exc.msg},
                row=line,
                source=source,
                code="rate_xml",
            )
        )
        return [], []
    if etree.QName(root).localname != "exchangerates":
        errors.append(
            ErrorDetail(
                _(
                    "Not Danmarks Nationalbank's exchange rates (the root element is not "
                    "exchangerates)."
                ),
                row=root.sourceline,
                source=source,
                code="rate_format",
            )
        )
        return [], []
    rows: list[RateRow] = []
    skipped: list[str] = []
    days = [e for e in root.iter() if etree.QName(e).localname == "dailyrates"]
    if not days:
        errors.append(
            ErrorDetail(_("The file has no daily rates."), source=source, code="rate_empty")
        )
    for day in days:
        on = _date(day.get("id", ""))
        if on is None:
            errors.append(
                ErrorDetail(
                    _("Not a valid date (use YYYY-MM-DD): %(value)s") % {"value": day.get("id")},
                    row=day.sourceline,
                    source=source,
                    code="rate_date",
                )
            )
            continue
        for element in day:
            if not isinstance(element.tag, str) or etree.QName(element).localname != "currency":
                continue
            code = (element.get("code") or "").strip()
            text = (element.get("rate") or "").strip()
            if text in ("", "-"):
                skipped.append(f"{code} {on.isoformat()}")
                continue
            rate = _number(text)
            if rate is None:
                errors.append(
                    ErrorDetail(
                        _("The rate of %(code)s is not a number: %(rate)s")
                        % {"code": code, "rate": text},
                        row=element.sourceline,
                        source=source,
                        code="rate_rate",
                    )
                )
                continue
            row = _check(code, on, rate, element.sourceline or 0, source, errors)
            if row is not None:
                rows.append(row)
    return rows, skipped


def parse_rates_csv(data: bytes, source: str, errors: list[ErrorDetail]) -> list[RateRow]:
    """``date;currency;rate`` a line (``2026-12-03;EUR;746,08``); a first line of column
    names and empty lines are skipped."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        errors.append(
            ErrorDetail(_("The file is not UTF-8 text."), source=source, code="rate_encoding")
        )
        return []
    rows: list[RateRow] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        fields = [f.strip() for f in line.split(";")]
        if number == 1 and fields and _date(fields[0]) is None and fields[0].isalpha():
            continue  # a header: dato;valuta;kurs or date;currency;rate
        if len(fields) != 3:
            errors.append(
                ErrorDetail(
                    _("Expected three fields, date;currency;rate, found %(n)d.")
                    % {"n": len(fields)},
                    row=number,
                    source=source,
                    code="rate_fields",
                )
            )
            continue
        on = _date(fields[0])
        rate = _number(fields[2])
        if on is None:
            errors.append(
                ErrorDetail(
                    _("Not a valid date (use YYYY-MM-DD): %(value)s") % {"value": fields[0]},
                    row=number,
                    source=source,
                    code="rate_date",
                )
            )
            continue
        if rate is None:
            errors.append(
                ErrorDetail(
                    _("The rate of %(code)s is not a number: %(rate)s")
                    % {"code": fields[1], "rate": fields[2]},
                    row=number,
                    source=source,
                    code="rate_rate",
                )
            )
            continue
        row = _check(fields[1], on, rate, number, source, errors)
        if row is not None:
            rows.append(row)
    return rows


def read_rates(data: bytes, source: str) -> tuple[list[RateRow], list[str]]:
    """The rates of an XML or CSV file (told apart by the first character), or a
    :class:`DomainError` naming every bad line."""
    errors: list[ErrorDetail] = []
    skipped: list[str] = []
    if data.lstrip().startswith((b"<", b"\xef\xbb\xbf<")):
        rows, skipped = parse_nationalbank_xml(data, source, errors)
    else:
        rows = parse_rates_csv(data, source, errors)
    seen: dict[tuple[str, dt.date], RateRow] = {}
    for row in rows:
        earlier = seen.get((row.currency, row.on))
        if earlier is not None and earlier.rate != row.rate:
            errors.append(
                ErrorDetail(
                    _("%(code)s %(date)s is in the file twice with different rates (line %(n)d).")
                    % {"code": row.currency, "date": row.on.isoformat(), "n": earlier.line},
                    row=row.line,
                    source=source,
                    code="rate_twice",
                )
            )
        seen[(row.currency, row.on)] = row
    if not errors and not seen:
        errors.append(ErrorDetail(_("The file has no rates."), source=source, code="rate_empty"))
    if errors:
        raise DomainError(_("The exchange rates were not imported; nothing was changed."), errors)
    return list(seen.values()), skipped


# --- Storing ----------------------------------------------------------------------------------


def rates_import(*, actor: Any, data: bytes, filename: str) -> dict[str, Any]:
    """Store the rates of a file in one transaction (finance roles that may post). New rates
    are created, changed ones updated, the same ones left alone; the counts say which."""
    require(actor, access.POST)
    source = filename or "upload"
    rows, skipped = read_rates(data, source)
    label = f"{NATIONALBANK} ({source.rsplit('/', 1)[-1]})"[:200]
    dates = [r.on for r in rows]
    try:
        created, updated, unchanged = _store(actor, rows, label)
    except IntegrityError:  # the same rates stored meanwhile by another import
        raise DomainError.single(
            _("Another import stored rates at the same time; import the file again."),
            field=source,
            code="rate_conflict",
        ) from None
    return {
        "file": source,
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "skipped": skipped,
        "currencies": sorted({r.currency for r in rows}),
        "first_date": min(dates).isoformat(),
        "last_date": max(dates).isoformat(),
    }


# Danmarks Nationalbank's daily rates (the English variant; the Danish one works as well).
NATIONALBANK_URL = "https://www.nationalbanken.dk/api/currencyratesxml?lang=en"
MAX_DOWNLOAD_BYTES = 1_000_000


def rates_url() -> str:
    return str(getattr(settings, "FINANCE_EXCHANGE_RATES_URL", "") or NATIONALBANK_URL)


def rates_fetch(*, actor: Any, url: str = "", timeout: float = 20.0) -> dict[str, Any]:
    """Download the day's rates (``FINANCE_EXCHANGE_RATES_URL``, by default Danmarks
    Nationalbank's XML) and store them as :func:`rates_import` does; run daily after 16:00,
    when the bank publishes. A failed download is named in Danish with the address and
    changes nothing. Rights are checked before anything is fetched."""
    import urllib.error
    import urllib.request

    require(actor, access.POST)
    url = url or rates_url()
    if not url.startswith(("https://", "http://")):
        raise DomainError.single(
            _("The address of the exchange rates must start with https:// or http://."),
            field=url,
            code="rate_url",
        )
    request = urllib.request.Request(url, headers={"User-Agent": "Koncernservice"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read(MAX_DOWNLOAD_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DomainError.single(
            _("The exchange rates could not be fetched from %(url)s: %(reason)s")
            % {"url": url, "reason": reason},
            field=url,
            code="rate_fetch",
        ) from None
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise DomainError.single(
            _("The exchange rates could not be fetched from %(url)s: %(reason)s")
            % {"url": url, "reason": _("the answer is larger than 1 MB")},
            field=url,
            code="rate_fetch",
        )
    return rates_import(actor=actor, data=data, filename=url)


def _store(actor: Any, rows: list[RateRow], label: str) -> tuple[int, int, int]:
    dates = [r.on for r in rows]
    with transaction.atomic(), audit_context(actor=actor):
        existing = {
            (r.currency, r.date): r
            for r in ExchangeRate.objects.filter(
                currency__in={r.currency for r in rows}, date__gte=min(dates), date__lte=max(dates)
            )
        }
        new: list[ExchangeRate] = []
        updated = unchanged = 0
        for row in rows:
            known = existing.get((row.currency, row.on))
            if known is None:
                new.append(
                    ExchangeRate(currency=row.currency, date=row.on, rate=row.rate, source=label)
                )
            elif known.rate != row.rate:
                known.rate, known.source = row.rate, label
                known.save(update_fields=["rate", "source", "updated_at"])
                updated += 1
            else:
                unchanged += 1
        ExchangeRate.objects.bulk_create(new, batch_size=2000)
        record_bulk_create(new)
    return len(new), updated, unchanged


def import_summary(result: dict[str, Any]) -> str:
    """The Danish summary of an import for the page and the command."""
    text = (
        _(
            "%(file)s: %(created)d new, %(updated)d updated and %(unchanged)d unchanged rates "
            "(%(first_date)s to %(last_date)s)."
        )
        % result
    )
    if result["created"] == result["updated"] == 0:
        text += " " + _("The rates were already imported; nothing was changed.")
    if result["skipped"]:
        text += " " + _("Published without a rate (skipped): %(list)s.") % {
            "list": ", ".join(result["skipped"])
        }
    return text


# --- Rates for postings -----------------------------------------------------------------------


def posting_rates(
    wanted: Iterable[tuple[str, dt.date]],
) -> tuple[dict[tuple[str, dt.date], Decimal], list[rules.RateMissing]]:
    """The rate (DKK per 100) of each (currency, posting date) by ``rules.rate_for``, and the
    pairs without a usable rate. One query for all (plus one per refused currency, for the
    message); DKK needs none."""
    wanted = {(c, d) for c, d in wanted if not rules.is_dkk(c)}
    if not wanted:
        return {}, []
    days = max_age_days()
    first = min(d for _c, d in wanted) - dt.timedelta(days=days)
    last = max(d for _c, d in wanted)
    published: dict[str, list[rules.PublishedRate]] = defaultdict(list)
    for currency, on, rate in ExchangeRate.objects.filter(
        currency__in={c for c, _d in wanted}, date__gte=first, date__lte=last
    ).values_list("currency", "date", "rate"):
        published[currency].append(rules.PublishedRate(on, rate))
    rates: dict[tuple[str, dt.date], Decimal] = {}
    missing: list[rules.RateMissing] = []
    for currency, on in sorted(wanted):
        try:
            rates[(currency, on)] = rules.rate_for(
                currency, on, published[currency], max_age_days=days
            )
        except rules.RateMissing as exc:
            if exc.latest is None:  # none in the window: name the latest before it, if any
                latest = (
                    ExchangeRate.objects.filter(currency=currency, date__lte=on)
                    .order_by("-date")
                    .values_list("date", flat=True)
                    .first()
                )
                exc = rules.RateMissing(currency, on, latest, days)
            missing.append(exc)
    return rates, missing


def missing_message(exc: rules.RateMissing, numbers: list[str], count: int) -> str:
    """Danish: which currency and date lack a rate, and which invoices (the first ten)."""
    shown = ", ".join(numbers[:10]) + (" …" if count > 10 else "")
    if exc.latest is None:
        reason = _("No exchange rate for %(currency)s on or before %(date)s.")
    else:
        reason = _(
            "No exchange rate for %(currency)s on or before %(date)s: the latest is from "
            "%(latest)s, more than %(days)d days earlier."
        )
    text = reason % {
        "currency": exc.currency,
        "date": exc.on.isoformat(),
        "latest": exc.latest.isoformat() if exc.latest else "",
        "days": exc.max_age_days,
    }
    return (
        text
        + " "
        + _(
            "Import Danmarks Nationalbank's rates (ks rates import FILE). "
            "Invoices (%(n)d): %(list)s."
        )
        % {"n": count, "list": shown}
    )
