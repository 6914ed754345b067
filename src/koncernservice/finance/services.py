"""Accounts-payable services: the only place that changes state. Each function is one
business operation in one transaction; it checks access, validates all input at once and
raises one ``DomainError``; the audit trail records every step."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koncernservice.core.access import (
    has_permission_anywhere,
    require,
    require_on_unit_path,
    roles_of,
    scope_paths,
)
from koncernservice.core.audit import audit_context, record_event
from koncernservice.core.errors import DomainError, ErrorDetail, too_large
from koncernservice.core.models import OrgUnit, Role, RoleAssignment, User
from koncernservice.core.rules import numbers
from koncernservice.finance import access, rules
from koncernservice.finance.einvoice.parse import LARGE_DOCUMENT_BYTES
from koncernservice.finance.ingest import STATS, Incoming, IngestStats, ingest
from koncernservice.finance.models import (
    ApprovalLimit,
    ApprovalStep,
    Invoice,
    InvoiceLine,
    Substitution,
    Supplier,
)

SKIPPED_SUFFIXES = (".tmp", ".part", ".partial")


# --- Ingest ---------------------------------------------------------------------------------


def _require_import(actor: Any) -> None:
    if not has_permission_anywhere(actor, access.IMPORT_INVOICE):
        raise DomainError(
            _("You do not have access to do this."),
            [ErrorDetail(_("You do not have access to do this."), code="forbidden")],
            status=403,
        )


def collect_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files named, and the XML files directly in the folders named (sorted)."""
    result: list[Path] = []
    errors: list[ErrorDetail] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            # by name (the order of sorting the paths), from one directory scan: no stat
            # and no Path comparison per file (a year's drop folder has 1,000,000 files)
            with os.scandir(path) as scan:
                found = sorted(
                    (entry.name, entry.path)
                    for entry in scan
                    if not entry.name.startswith(".")
                    and not entry.name.endswith(SKIPPED_SUFFIXES)
                    and entry.is_file()
                )
            result.extend(Path(name) for _n, name in found)
        elif path.is_file():
            result.append(path)
        else:
            errors.append(ErrorDetail(_("No such file or folder."), field=str(path)))
    if errors:
        raise DomainError(_("Some paths could not be read."), errors)
    return result


def invoices_import(
    *,
    actor: Any,
    paths: Iterable[str | Path],
    channel: str = "cli",
    batch_size: int = 500,
    workers: int = 1,
) -> list[dict[str, Any]]:
    """Ingest the files (and folders' files): one result per file (see ``ingest``).

    ``workers`` > 1 (PostgreSQL only) parses and validates batches in that many processes;
    their database phases take turns (a table lock per batch), so duplicates stay exact."""
    _require_import(actor)
    files = collect_files(paths)
    if workers > 1 and connection.vendor == "postgresql" and len(files) > batch_size:
        return _import_in_processes(actor, files, channel, batch_size, workers)

    def read() -> Iterable[Incoming]:
        limit = settings.EINVOICE_MAX_BYTES
        for path in files:
            with open(path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                # An oversized file is not read into memory: the parser reports it from a stub.
                data = fh.read() if size <= limit else b"\0" * (limit + 1)
            yield Incoming(data=data, filename=str(path))

    return ingest(read(), actor=actor, channel=channel, batch_size=batch_size)


def invoice_upload(*, actor: Any, data: bytes, filename: str) -> dict[str, Any]:
    """One document from the API; an unreadable one raises ``DomainError`` (nothing stored)."""
    _require_import(actor)
    result = ingest([Incoming(data=data, filename=filename)], actor=actor, channel="api")[0]
    if result["status"] == "error":
        error = result["errors"][0]
        raise DomainError(
            _("The file is not a readable e-invoice."),
            [
                ErrorDetail(
                    message=error["message_da"] or error["message"],
                    field="file",
                    code=result["reason"],
                    source=filename,
                )
            ],
        )
    return result


LARGE_BYTES = int(getattr(settings, "EINVOICE_LARGE_BYTES", LARGE_DOCUMENT_BYTES))


def _move(inbox: Path, path: Path, result: dict[str, Any], today: str) -> None:
    target = inbox / ("failed" if result["status"] == "error" else "processed") / today
    target.mkdir(parents=True, exist_ok=True)
    destination = target / path.name
    if destination.exists():
        destination = target / f"{path.stem}-{timezone.now():%H%M%S%f}{path.suffix}"
    shutil.move(str(path), destination)
    if result["status"] == "error":
        reason = result["errors"][0]
        destination.with_name(destination.name + ".reason.txt").write_text(
            f"{result['reason']}: {reason['message']}\n{reason['message_da']}\n",
            encoding="utf-8",
        )


def inbox_process(*, actor: Any, folder: Path | None = None, large: bool = False) -> dict[str, Any]:
    """Process the access point's drop folder: each file is ingested, then moved to
    ``processed/DATE/`` (received or rejected) or ``failed/DATE/`` with a ``.reason.txt``.
    Safe to run again: a moved file is not seen twice; files still being written
    (``.tmp``/``.part``) and hidden files are left alone.

    Large files (over ``EINVOICE_LARGE_BYTES``, 2 MB, up to the size limit) are moved to
    ``large/`` and left for ``large=True`` (``ks invoices inbox --large``), which takes them
    one at a time; a large document's rules have a time limit
    (``EINVOICE_LARGE_TIMEOUT_SECONDS``, 120 s; over it the file goes to ``failed/`` with the
    reason ``timeout`` and nothing is stored), so one big document never holds up the
    stream of ordinary ones."""
    _require_import(actor)
    inbox = Path(folder or settings.EINVOICE_INBOX_DIR)
    source = inbox / "large" if large else inbox
    source.mkdir(parents=True, exist_ok=True)
    files = [
        p
        for p in sorted(source.iterdir())
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith(SKIPPED_SUFFIXES)
    ]
    moved_large = 0
    if not large:
        limit = settings.EINVOICE_MAX_BYTES
        big = [p for p in files if LARGE_BYTES < p.stat().st_size <= limit]
        if big:
            (inbox / "large").mkdir(exist_ok=True)
        for path in big:
            shutil.move(str(path), inbox / "large" / path.name)
        moved_large = len(big)
        files = [p for p in files if p not in big]
        results = invoices_import(actor=actor, paths=files, channel="inbox") if files else []
    else:
        # one at a time: a slow document holds up only itself (and its rules have a time
        # limit: ``EINVOICE_LARGE_TIMEOUT_SECONDS``)
        results = [invoices_import(actor=actor, paths=[path], channel="inbox")[0] for path in files]
    today = timezone.localdate().isoformat()
    counts = {"received": 0, "rejected": 0, "error": 0}
    for path, result in zip(files, results, strict=True):
        counts[result["status"]] += 1
        _move(inbox, path, result, today)
    return {
        "folder": str(inbox),
        "files": len(files),
        **counts,
        "moved_to_large": moved_large,
        "results": results,
    }


def _import_chunk(
    args: tuple[Any, list[Path], str, int],
) -> tuple[list[dict[str, Any]], IngestStats]:
    actor, files, channel, batch_size = args
    STATS.reset()
    results = invoices_import(actor=actor, paths=files, channel=channel, batch_size=batch_size)
    return results, STATS.copy()


def _import_in_processes(
    actor: Any, files: list[Path], channel: str, batch_size: int, workers: int
) -> list[dict[str, Any]]:
    """Batches handed out in order to ``workers`` forked processes (each with its own
    connection); their time figures are added to this process's ``ingest.STATS``."""
    import multiprocessing

    from django.db import connections

    chunks = [files[i : i + batch_size] for i in range(0, len(files), batch_size)]
    connections.close_all()  # each process opens its own connection
    context = multiprocessing.get_context("fork")
    results: list[dict[str, Any]] = []
    with context.Pool(workers) as pool:
        for part, stats in pool.imap(
            _import_chunk, [(actor, chunk, channel, batch_size) for chunk in chunks]
        ):
            results.extend(part)
            STATS.add(stats)
    return results


# --- Suppliers ------------------------------------------------------------------------------

SUPPLIER_FIELDS = (
    "name",
    "cvr",
    "endpoint_id",
    "vat_number",
    "reg_no",
    "account_no",
    "iban",
    "bic",
    "fik_creditor",
    "uses_nemkonto",
)


def _check_supplier(values: dict[str, Any], errors: list[ErrorDetail]) -> None:
    cvr = values.get("cvr")
    if cvr is not None and cvr != "":
        digits = rules.clean_cvr(str(cvr))
        if not digits:
            errors.append(ErrorDetail(_("A CVR number has 8 digits."), field="cvr"))
        elif not rules.cvr_is_valid(digits):
            errors.append(
                ErrorDetail(_("The CVR number's check digit is wrong (modulus 11)."), field="cvr")
            )
        else:
            values["cvr"] = digits
    reg = values.get("reg_no")
    if reg and not (str(reg).isdigit() and len(str(reg)) == 4):
        errors.append(ErrorDetail(_("A reg. no. has 4 digits."), field="reg_no"))
    account = values.get("account_no")
    if account and not (str(account).isdigit() and len(str(account)) <= 10):
        errors.append(ErrorDetail(_("An account number has up to 10 digits."), field="account_no"))
    fik = values.get("fik_creditor")
    if fik and not (str(fik).isdigit() and len(str(fik)) == 8):
        errors.append(ErrorDetail(_("A FIK creditor number has 8 digits."), field="fik_creditor"))
    iban = str(values.get("iban") or "").replace(" ", "").upper()
    if iban:
        from stdnum import iban as stdnum_iban

        if not stdnum_iban.is_valid(iban):
            errors.append(ErrorDetail(_("The IBAN is not valid."), field="iban"))
        values["iban"] = iban
    if "name" in values and not str(values["name"]).strip():
        errors.append(ErrorDetail(_("A supplier needs a name."), field="name"))


def supplier_create(*, actor: Any, **values: Any) -> Supplier:
    require(actor, access.MANAGE_SUPPLIER)
    data = {k: v for k, v in values.items() if k in SUPPLIER_FIELDS}
    errors: list[ErrorDetail] = []
    _check_supplier(data, errors)
    if data.get("cvr") and Supplier.objects.filter(cvr=data["cvr"]).exists():
        errors.append(ErrorDetail(_("A supplier with this CVR number exists."), field="cvr"))
    if errors:
        raise DomainError(_("The supplier was not saved."), errors)
    with transaction.atomic(), audit_context(actor=actor):
        return Supplier.objects.create(
            **data,
            cvr_valid=rules.cvr_is_valid(data.get("cvr")),
            status=Supplier.Status.APPROVED,
        )


def supplier_update(*, actor: Any, supplier: Supplier, **values: Any) -> Supplier:
    require(actor, access.MANAGE_SUPPLIER, supplier)
    data = {k: v for k, v in values.items() if k in SUPPLIER_FIELDS}
    errors: list[ErrorDetail] = []
    _check_supplier(data, errors)
    if (
        data.get("cvr")
        and Supplier.objects.filter(cvr=data["cvr"]).exclude(pk=supplier.pk).exists()
    ):
        errors.append(ErrorDetail(_("A supplier with this CVR number exists."), field="cvr"))
    if errors:
        raise DomainError(_("The supplier was not saved."), errors)
    with transaction.atomic(), audit_context(actor=actor):
        for key, value in data.items():
            setattr(supplier, key, value)
        supplier.cvr_valid = rules.cvr_is_valid(supplier.cvr)
        supplier.save()
    return supplier


def supplier_approve(*, actor: Any, supplier: Supplier) -> Supplier:
    """Reviewed: the supplier leaves the review queue."""
    require(actor, access.MANAGE_SUPPLIER, supplier)
    with transaction.atomic(), audit_context(actor=actor):
        supplier.status = Supplier.Status.APPROVED
        supplier.save(update_fields=["status", "updated_at"])
    return supplier


def supplier_block(*, actor: Any, supplier: Supplier, blocked: bool, reason: str = "") -> Supplier:
    require(actor, access.MANAGE_SUPPLIER, supplier)
    if blocked and not reason.strip():
        raise DomainError.single(_("Blocking a supplier needs a reason."), field="reason")
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        supplier.is_blocked = blocked
        supplier.blocked_reason = reason.strip()[:300] if blocked else ""
        supplier.save(update_fields=["is_blocked", "blocked_reason", "updated_at"])
    return supplier


# --- Coding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodingInput:
    line_id: int
    account: str
    cost_centre: str = ""
    dimension: str = ""


def _invoice_for(actor: Any, invoice: Invoice, permission: str) -> None:
    if invoice.unit is None:
        require(actor, permission, invoice)
    else:
        require_on_unit_path(actor, permission, invoice.unit.path)


def invoice_code(*, actor: Any, invoice: Invoice, lines: list[CodingInput]) -> Invoice:
    """The receiving unit codes each line (GL account, cost centre, dimension); the invoice
    then waits for attestation."""
    _invoice_for(actor, invoice, access.CODE_INVOICE)
    if invoice.status != Invoice.Status.TO_CODE:
        raise DomainError.single(
            _("Only an invoice waiting for coding can be coded."), field="status"
        )
    own = {line.pk: line for line in invoice.lines.all()}
    errors: list[ErrorDetail] = []
    given = {c.line_id: c for c in lines}
    from koncernservice.finance.models import Account

    known_accounts = set(Account.objects.values_list("code", flat=True))
    for pk, line in own.items():
        coding = given.get(pk)
        where = _("line %(n)d") % {"n": line.position}
        if coding is None or not coding.account.strip():
            errors.append(ErrorDetail(_("Each line needs a GL account."), field=where))
            continue
        if known_accounts and coding.account.strip() not in known_accounts:
            errors.append(ErrorDetail(_("Unknown GL account."), field=where))
    for pk in given:
        if pk not in own:
            errors.append(ErrorDetail(_("The line is not on this invoice."), field=str(pk)))
    if errors:
        raise DomainError(_("The invoice was not coded."), errors)
    with transaction.atomic(), audit_context(actor=actor):
        for pk, line in own.items():
            coding = given[pk]
            line.account = coding.account.strip()[:20]
            line.cost_centre = coding.cost_centre.strip()[:20]
            line.dimension = coding.dimension.strip()[:60]
        InvoiceLine.objects.bulk_update(list(own.values()), ["account", "cost_centre", "dimension"])
        invoice.status = Invoice.Status.TO_ATTEST
        invoice.save(update_fields=["status", "updated_at"])
        _step(invoice, ApprovalStep.Step.CODE, actor, None)
        record_event(
            invoice,
            "invoice.coded",
            data={str(line.position): [line.account, line.cost_centre] for line in own.values()},
        )
    return invoice


# --- Approval -------------------------------------------------------------------------------


def _step(
    invoice: Invoice, step: str, actor: Any, on_behalf: User | None, comment: str = ""
) -> ApprovalStep:
    return ApprovalStep.objects.create(
        invoice=invoice,
        step=step,
        user=actor if getattr(actor, "pk", None) else None,
        on_behalf_of=on_behalf,
        comment=comment[:500],
    )


def _acting_for(actor: Any, invoice: Invoice, permission: str, on: dt.date) -> User | None:
    """None when the actor holds ``permission`` on the invoice's unit themself, else the
    absent user they substitute for who holds it; raises when neither."""
    path = invoice.unit.path if invoice.unit is not None else "/"
    if any(path.startswith(p) for p in scope_paths(actor, permission)):
        return None
    if getattr(actor, "pk", None):
        absent = (
            Substitution.objects.filter(substitute_id=actor.pk, starts_on__lte=on, ends_on__gte=on)
            .select_related("absent")
            .order_by("id")
        )
        for substitution in absent:
            user = substitution.absent
            if user.is_active and any(path.startswith(p) for p in scope_paths(user, permission)):
                return user
    raise DomainError(
        _("You do not have access to do this."),
        [ErrorDetail(_("You do not have access to do this."), code="forbidden")],
        status=403,
    )


def limit_for(user: Any, invoice: Invoice) -> Decimal:
    """The approval limit of ``user`` on the invoice's unit (see ``rules.approval_limit``)."""
    if getattr(user, "is_superuser", False):
        return rules.DEFAULT_APPROVAL_LIMITS["admin"]
    unit = invoice.unit
    if unit is None:
        return Decimal(0)
    ancestors = unit.ancestor_ids
    held = set(
        RoleAssignment.objects.filter(
            user_id=user.pk, unit_id__in=ancestors, unit__is_active=True
        ).values_list("role", flat=True)
    ) & set(roles_of(user))
    held = {r for r in held if access.APPROVE_INVOICE in _role_permissions(r)}
    configured = [
        (role, depth, amount)
        for role, depth, amount in ApprovalLimit.objects.filter(unit_id__in=ancestors).values_list(
            "role", "unit__depth", "max_amount"
        )
    ]
    return rules.approval_limit(configured, held)


def _role_permissions(role: str) -> frozenset[str]:
    from koncernservice.core.access import ROLE_PERMISSIONS

    return ROLE_PERMISSIONS.get(role, frozenset())


def invoice_attest(*, actor: Any, invoice: Invoice, comment: str = "") -> Invoice:
    """Attestation: someone in the unit confirms the delivery and the coding."""
    today = timezone.localdate()
    on_behalf = _acting_for(actor, invoice, access.ATTEST_INVOICE, today)
    if invoice.status != Invoice.Status.TO_ATTEST:
        raise DomainError.single(_("The invoice is not waiting for attestation."), field="status")
    with transaction.atomic(), audit_context(actor=actor):
        invoice.status = Invoice.Status.TO_APPROVE
        invoice.save(update_fields=["status", "updated_at"])
        _step(invoice, ApprovalStep.Step.ATTEST, actor, on_behalf, comment)
        record_event(
            invoice,
            "invoice.attested",
            data={"on_behalf_of": on_behalf.username if on_behalf else None},
        )
    return invoice


def invoice_approve(*, actor: Any, invoice: Invoice, comment: str = "") -> Invoice:
    """Approval by another person than the attester, within the approver's amount limit
    (the limit of the absent person when acting as substitute)."""
    today = timezone.localdate()
    on_behalf = _acting_for(actor, invoice, access.APPROVE_INVOICE, today)
    if invoice.status != Invoice.Status.TO_APPROVE:
        raise DomainError.single(_("The invoice is not waiting for approval."), field="status")
    attesters = set(
        invoice.steps.filter(step=ApprovalStep.Step.ATTEST).values_list(
            "user_id", "on_behalf_of_id"
        )
    )
    people = {getattr(actor, "pk", None), on_behalf.pk if on_behalf else None} - {None}
    if any(people & {u, b} for u, b in attesters):
        raise DomainError.single(
            _("The person who attested an invoice cannot also approve it."),
            field="approver",
            code="segregation_of_duties",
        )
    limit = limit_for(on_behalf or actor, invoice)
    amount = abs(invoice.payable_amount)
    if amount > limit:
        raise DomainError.single(
            _("The amount %(amount)s exceeds your approval limit of %(limit)s.")
            % {"amount": amount, "limit": limit},
            field="amount",
            code="over_limit",
        )
    with transaction.atomic(), audit_context(actor=actor):
        invoice.status = Invoice.Status.APPROVED
        invoice.save(update_fields=["status", "updated_at"])
        _step(invoice, ApprovalStep.Step.APPROVE, actor, on_behalf, comment)
        record_event(
            invoice,
            "invoice.approved",
            data={"amount": str(amount), "limit": str(limit)},
        )
    return invoice


def invoice_send_back(*, actor: Any, invoice: Invoice, reason: str) -> Invoice:
    """Attester or approver sends an invoice back to coding, with a reason."""
    permission = (
        access.APPROVE_INVOICE
        if invoice.status == Invoice.Status.TO_APPROVE
        else access.ATTEST_INVOICE
    )
    _acting_for(actor, invoice, permission, timezone.localdate())
    if invoice.status not in {Invoice.Status.TO_ATTEST, Invoice.Status.TO_APPROVE}:
        raise DomainError.single(_("The invoice is not waiting for approval."), field="status")
    if not reason.strip():
        raise DomainError.single(_("Give a reason."), field="reason")
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        invoice.status = Invoice.Status.TO_CODE
        invoice.save(update_fields=["status", "updated_at"])
        _step(invoice, ApprovalStep.Step.REJECT, actor, None, reason)
    return invoice


def invoice_hold(*, actor: Any, invoice: Invoice, on_hold: bool, reason: str = "") -> Invoice:
    """Dispute an invoice (its payment is held) or release it."""
    _invoice_for(actor, invoice, access.CODE_INVOICE)
    if on_hold and not reason.strip():
        raise DomainError.single(_("Give a reason."), field="reason")
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        invoice.on_hold = on_hold
        invoice.save(update_fields=["on_hold", "updated_at"])
    return invoice


def substitution_create(
    *, actor: Any, absent: User, substitute: User, starts_on: dt.date, ends_on: dt.date
) -> Substitution:
    """Name a substitute during an absence (the absent person or a finance/admin user)."""
    if getattr(actor, "pk", None) != absent.pk:
        require(actor, access.MANAGE_LIMITS)
    errors = []
    if ends_on < starts_on:
        errors.append(ErrorDetail(_("The end cannot be before the start."), field="ends_on"))
    if absent.pk == substitute.pk:
        errors.append(ErrorDetail(_("A substitute is another person."), field="substitute"))
    if errors:
        raise DomainError(_("The substitution was not saved."), errors)
    with transaction.atomic(), audit_context(actor=actor):
        return Substitution.objects.create(
            absent=absent, substitute=substitute, starts_on=starts_on, ends_on=ends_on
        )


def substitution_end(
    *, actor: Any, substitution: Substitution, today: dt.date | None = None
) -> Substitution | None:
    """End a substitution early (the absent person, the substitute, or who manages limits):
    one that has begun ends yesterday, so the substitute can no longer act from today; one
    that has not begun is removed (``None``). Both audited."""
    if getattr(actor, "pk", None) not in (substitution.absent_id, substitution.substitute_id):
        require(actor, access.MANAGE_LIMITS)
    today = today or timezone.localdate()
    if substitution.ends_on < today:
        raise DomainError.single(
            _("The substitution has already ended."), field="ends_on", code="ended"
        )
    with transaction.atomic(), audit_context(actor=actor, reason=_("Ended early")):
        if substitution.starts_on >= today:
            substitution.delete()
            return None
        substitution.ends_on = today - dt.timedelta(days=1)
        substitution.save(update_fields=["ends_on", "updated_at"])
    return substitution


def approval_limit_set(*, actor: Any, unit: OrgUnit, role: str, max_amount: Any) -> ApprovalLimit:
    require_on_unit_path(actor, access.MANAGE_LIMITS, unit.path)
    if role not in Role.values:
        raise DomainError.single(
            _("Unknown role: %(r)s.") % {"r": role}, field="role", code="unknown_role"
        )
    try:
        amount = rules.money(Decimal(str(max_amount)))
    except (InvalidOperation, ValueError):
        raise DomainError.single(_("Not a number."), field="max_amount") from None
    if amount < 0:
        raise DomainError.single(_("Must be above 0."), field="max_amount")
    column = ApprovalLimit._meta.get_field("max_amount")
    if not numbers.fits(amount, column):
        detail = too_large(column, "max_amount")
        raise DomainError(detail.message, [detail])
    with transaction.atomic(), audit_context(actor=actor):
        limit, _created = ApprovalLimit.objects.update_or_create(
            unit=unit, role=role, defaults={"max_amount": amount}
        )
    return limit


def invoices_escalate(*, actor: Any, days: int = 3) -> int:
    """Mark invoices awaiting coding, attestation or approval that fall due within ``days``
    days (or are overdue); they show as escalated to the unit and to finance. Safe to run
    again: an escalated invoice is not escalated twice."""
    require(actor, access.ATTEST_INVOICE)
    if not 0 <= days <= 365:
        raise DomainError.single(
            _("The number of days must be between 0 and 365."), field="days", code="range"
        )
    today = timezone.localdate()
    waiting = Invoice.objects.filter(
        status__in=[Invoice.Status.TO_CODE, Invoice.Status.TO_ATTEST, Invoice.Status.TO_APPROVE],
        escalated_at__isnull=True,
        due_date__lte=today + dt.timedelta(days=days),
    ).select_related("unit")
    chosen = [i for i in waiting if rules.needs_escalation(i.due_date, today, days=days)]
    now = timezone.now()
    with transaction.atomic(), audit_context(actor=actor):
        Invoice.objects.filter(pk__in=[i.pk for i in chosen]).update(escalated_at=now)
        from koncernservice.core.audit import record_events

        record_events(
            [(i, {"due_date": i.due_date.isoformat() if i.due_date else None}) for i in chosen],
            "invoice.escalated",
        )
    return len(chosen)


# --- Ledger and payment (set-based; see ledger.py and payments.py) --------------------------

from koncernservice.finance.exchange import import_summary as rates_import_summary  # noqa: E402
from koncernservice.finance.exchange import rates_fetch, rates_import  # noqa: E402
from koncernservice.finance.ledger import invoices_post  # noqa: E402
from koncernservice.finance.payments import (  # noqa: E402
    payment_file,
    payment_proposal,
    payments_reconcile,
    reconcile_summary,
)

__all__ = [
    "CodingInput",
    "approval_limit_set",
    "collect_files",
    "inbox_process",
    "invoice_approve",
    "invoice_attest",
    "invoice_code",
    "invoice_hold",
    "invoice_send_back",
    "invoice_upload",
    "invoices_escalate",
    "invoices_import",
    "invoices_post",
    "payment_file",
    "payment_proposal",
    "payments_reconcile",
    "rates_fetch",
    "rates_import",
    "rates_import_summary",
    "reconcile_summary",
    "substitution_create",
    "supplier_approve",
    "supplier_block",
    "supplier_create",
    "supplier_update",
]
