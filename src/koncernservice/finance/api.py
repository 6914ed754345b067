"""Accounts-payable API: upload and validate e-invoices, the scoped invoice inbox, coding,
attestation, approval, suppliers, payment proposals, the pain.001 file and reconciliation.
Scoped like the pages: outside the user's units is 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from koncernservice.core.errors import DomainError
from koncernservice.finance import selectors, services
from koncernservice.finance.einvoice import validate_bytes
from koncernservice.finance.models import Invoice, PaymentRun

router = Router(tags=["finance"])


class ErrorOut(Schema):
    rule: str
    severity: str
    location: str
    message: str


class ValidationOut(Schema):
    file: str
    format: str | None
    valid: bool
    errors: list[ErrorOut]


class ImportErrorOut(ErrorOut):
    message_da: str = ""


class ImportOut(Schema):
    file: str
    status: str
    format: str | None
    invoice: int | None
    invoice_status: str | None = None
    errors: list[ImportErrorOut]


class InvoiceOut(Schema):
    id: int
    kind: str
    format: str
    status: str
    number: str
    supplier_id: int | None
    supplier_name: str
    unit_id: int | None
    issue_date: dt.date | None
    due_date: dt.date | None
    currency: str
    net_amount: Decimal
    vat_amount: Decimal
    reverse_charge_base: Decimal = Field(
        description="Taxable amount on which the buyer owes Danish VAT (categories AE, K)."
    )
    payable_amount: Decimal
    exchange_rate: Decimal | None = Field(
        None, description="DKK per 100 units at posting (100 for DKK); empty before posting."
    )
    match_status: str
    on_hold: bool


class LineOut(Schema):
    id: int
    position: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    net_amount: Decimal
    account: str
    cost_centre: str


class FindingOut(Schema):
    rule: str
    severity: str
    location: str
    message: str
    explanation: str


class InvoiceDetailOut(InvoiceOut):
    lines: list[LineOut]
    findings: list[FindingOut]
    match_reasons: list[str]
    rejection_reasons: list[str]


class CodingIn(Schema):
    line_id: int
    account: str
    cost_centre: str = ""
    dimension: str = ""


class CodeIn(Schema):
    lines: list[CodingIn]


class StepIn(Schema):
    comment: str = ""


class SupplierOut(Schema):
    id: int
    name: str
    cvr: str
    cvr_valid: bool
    endpoint_id: str
    status: str
    is_blocked: bool


class ProposalIn(Schema):
    until: dt.date
    run_date: dt.date | None = None


class ProposalOut(Schema):
    run: int
    run_date: dt.date
    until: dt.date
    payments: int
    total: Decimal
    by_method: dict[str, int]
    skipped: list[dict[str, Any]]


class ReconcileOut(Schema):
    kind: str
    transactions: int
    paid: int
    partial: int
    failed: int
    unknown: int
    pending: int
    currency: int = Field(
        0, description="Booked only as a converted amount: to be checked by hand."
    )
    charges: dict[str, str] = Field(
        default_factory=dict, description="Bank charges reported, per currency."
    )
    posting_batch: int | None = Field(
        None, description="The journal batch with the payments and charges posted."
    )


def _detail(invoice: Invoice) -> dict[str, Any]:
    data = {field: getattr(invoice, field) for field in InvoiceOut.model_fields}
    data["lines"] = list(invoice.lines.all())
    data["findings"] = list(invoice.findings.all())
    data["match_reasons"] = invoice.match_reasons
    data["rejection_reasons"] = invoice.rejection_reasons
    return data


@router.post(
    "/invoices/validate", response=ValidationOut, summary="Validate an e-invoice (nothing stored)"
)
def validate(request: HttpRequest, file: UploadedFile = File(...)) -> dict[str, Any]:  # noqa: B008
    data = file.read(settings.EINVOICE_MAX_BYTES + 1)
    return validate_bytes(data, filename=file.name or "", max_bytes=settings.EINVOICE_MAX_BYTES)


@router.post("/invoices", response=ImportOut, summary="Upload an e-invoice or credit note")
def upload(request: HttpRequest, file: UploadedFile = File(...)) -> dict[str, Any]:  # noqa: B008
    data = file.read(settings.EINVOICE_MAX_BYTES + 1)
    return services.invoice_upload(
        actor=request.auth,  # type: ignore[attr-defined]
        data=data,
        filename=file.name or "upload.xml",
    )


@router.get("/invoices", response=list[InvoiceOut], summary="Invoices in scope, by queue")
def invoice_list(
    request: HttpRequest, queue: str = "all", limit: int = 100, offset: int = 0
) -> list[Invoice]:
    if queue not in selectors.QUEUES:
        raise DomainError.single(_("Unknown queue."), field="queue")
    qs = selectors.invoice_queue(user=request.auth, queue=queue)  # type: ignore[attr-defined]
    limit = max(1, min(limit, 1000))
    return list(qs.order_by("-received_at", "-id")[offset : offset + limit])


@router.get("/invoices/{invoice_id}", response=InvoiceDetailOut, summary="One invoice")
def invoice_detail(request: HttpRequest, invoice_id: int) -> dict[str, Any]:
    return _detail(selectors.invoice_get(user=request.auth, pk=invoice_id))  # type: ignore[attr-defined]


@router.get("/invoices/{invoice_id}/document", summary="The raw document as received")
def invoice_document(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.invoice_get(user=request.auth, pk=invoice_id)  # type: ignore[attr-defined]
    return HttpResponse(invoice.document.read(), content_type="application/xml")


@router.post("/invoices/{invoice_id}/code", response=InvoiceDetailOut, summary="Code the lines")
def invoice_code(request: HttpRequest, invoice_id: int, payload: CodeIn) -> dict[str, Any]:
    invoice = selectors.invoice_get(user=request.auth, pk=invoice_id)  # type: ignore[attr-defined]
    services.invoice_code(
        actor=request.auth,  # type: ignore[attr-defined]
        invoice=invoice,
        lines=[services.CodingInput(**line.dict()) for line in payload.lines],
    )
    invoice.refresh_from_db()
    return _detail(invoice)


@router.post("/invoices/{invoice_id}/attest", response=InvoiceDetailOut, summary="Attest")
def invoice_attest(request: HttpRequest, invoice_id: int, payload: StepIn) -> dict[str, Any]:
    invoice = selectors.invoice_get(user=request.auth, pk=invoice_id)  # type: ignore[attr-defined]
    services.invoice_attest(actor=request.auth, invoice=invoice, comment=payload.comment)  # type: ignore[attr-defined]
    return _detail(invoice)


@router.post("/invoices/{invoice_id}/approve", response=InvoiceDetailOut, summary="Approve")
def invoice_approve(request: HttpRequest, invoice_id: int, payload: StepIn) -> dict[str, Any]:
    invoice = selectors.invoice_get(user=request.auth, pk=invoice_id)  # type: ignore[attr-defined]
    services.invoice_approve(actor=request.auth, invoice=invoice, comment=payload.comment)  # type: ignore[attr-defined]
    return _detail(invoice)


@router.get("/suppliers", response=list[SupplierOut], summary="Suppliers (status=new: to review)")
def supplier_list(
    request: HttpRequest, status: str = "", limit: int = 100, offset: int = 0
) -> list[Any]:
    qs = selectors.suppliers(user=request.auth)  # type: ignore[attr-defined]
    if status:
        qs = qs.filter(status=status)
    limit = max(1, min(limit, 1000))
    return list(qs.order_by("name", "pk")[offset : offset + limit])


@router.post("/payments/proposals", response=ProposalOut, summary="Propose payment of invoices due")
def payment_proposal(request: HttpRequest, payload: ProposalIn) -> dict[str, Any]:
    return services.payment_proposal(
        actor=request.auth,  # type: ignore[attr-defined]
        until=payload.until,
        run_date=payload.run_date,
    )


@router.post("/payments/runs/{run_id}/file", summary="The pain.001 file of a payment run")
def payment_file(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.payment_runs(user=request.auth).filter(pk=run_id).first()  # type: ignore[attr-defined]
    if run is None:
        from django.http import Http404

        raise Http404
    if run.status == PaymentRun.Status.PROPOSED:
        content = services.payment_file(actor=request.auth, run=run)  # type: ignore[attr-defined]
    else:
        content = run.file_content.encode("utf-8")
    return HttpResponse(content, content_type="application/xml")


@router.post("/payments/reconcile", response=ReconcileOut, summary="Reconcile a camt.054/053 file")
def reconcile(request: HttpRequest, file: UploadedFile = File(...)) -> dict[str, Any]:  # noqa: B008
    return services.payments_reconcile(
        actor=request.auth,  # type: ignore[attr-defined]
        data=file.read(),
        filename=file.name or "",
    )


# --- Exchange rates ---------------------------------------------------------------------------


class ExchangeRateOut(Schema):
    currency: str
    date: dt.date
    rate: Decimal = Field(description="DKK per 100 units, as Danmarks Nationalbank publishes.")
    source: str


class RatesImportOut(Schema):
    file: str
    created: int
    updated: int
    unchanged: int
    skipped: list[str]
    currencies: list[str]
    first_date: dt.date
    last_date: dt.date


@router.get(
    "/exchange-rates", response=list[ExchangeRateOut], summary="Exchange rates, newest first"
)
def exchange_rates(
    request: HttpRequest, currency: str = "", limit: int = 100, offset: int = 0
) -> list[Any]:
    rates = selectors.exchange_rates(user=request.auth, currency=currency)  # type: ignore[attr-defined]
    limit = max(1, min(limit, 1000))
    return list(rates[offset : offset + limit])


@router.post(
    "/exchange-rates",
    response=RatesImportOut,
    summary="Import Danmarks Nationalbank's XML or a date;currency;rate CSV",
)
def exchange_rates_import(request: HttpRequest, file: UploadedFile = File(...)) -> dict[str, Any]:  # noqa: B008
    return services.rates_import(
        actor=request.auth,  # type: ignore[attr-defined]
        data=file.read(),
        filename=file.name or "",
    )


# --- Approval limits and substitutes ------------------------------------------------------------


class ApprovalLimitIn(Schema):
    unit_id: int
    role: str
    max_amount: Decimal


class ApprovalLimitOut(Schema):
    unit_id: int
    unit_name: str
    role: str
    max_amount: Decimal


class SubstitutionIn(Schema):
    substitute: str  # username
    starts_on: dt.date
    ends_on: dt.date


class SubstitutionOut(Schema):
    id: int
    absent: str
    substitute: str
    starts_on: dt.date
    ends_on: dt.date


def _limit_out(limit: Any) -> dict[str, Any]:
    return {
        "unit_id": limit.unit_id,
        "unit_name": limit.unit.name,
        "role": limit.role,
        "max_amount": limit.max_amount,
    }


@router.get(
    "/approval-limits",
    response=list[ApprovalLimitOut],
    summary="Amount limits per role and unit (in the units the user manages limits for)",
)
def approval_limit_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_limit_out(limit) for limit in selectors.approval_limits(user=request.auth)]  # type: ignore[attr-defined]


@router.put("/approval-limits", response=ApprovalLimitOut, summary="Set a role's limit on a unit")
def approval_limit_put(request: HttpRequest, body: ApprovalLimitIn) -> dict[str, Any]:
    unit = selectors.limit_unit(user=request.auth, pk=body.unit_id)  # type: ignore[attr-defined]
    limit = services.approval_limit_set(
        actor=request.auth,  # type: ignore[attr-defined]
        unit=unit,
        role=body.role,
        max_amount=body.max_amount,
    )
    return _limit_out(limit)


@router.post(
    "/substitutions",
    response={201: SubstitutionOut},
    summary="Name a substitute for one's own absence",
)
def substitution_post(request: HttpRequest, body: SubstitutionIn) -> tuple[int, dict[str, Any]]:
    from koncernservice.core.models import User

    substitute = User.objects.filter(username=body.substitute, is_active=True).first()
    if substitute is None:
        raise DomainError.single(_("Unknown user."), field="substitute")
    made = services.substitution_create(
        actor=request.auth,  # type: ignore[attr-defined]
        absent=request.auth,  # type: ignore[attr-defined]
        substitute=substitute,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
    )
    return Status(
        201,
        {
            "id": made.pk,
            "absent": made.absent.username,
            "substitute": substitute.username,
            "starts_on": made.starts_on,
            "ends_on": made.ends_on,
        },
    )


@router.delete(
    "/substitutions/{substitution_id}",
    response={204: None},
    summary="End a substitution early (from today; one not yet begun is removed)",
)
def substitution_delete(request: HttpRequest, substitution_id: int):  # type: ignore[no-untyped-def]
    substitution = selectors.substitution_get(user=request.auth, pk=substitution_id)  # type: ignore[attr-defined]
    services.substitution_end(actor=request.auth, substitution=substitution)  # type: ignore[attr-defined]
    return Status(204, None)
