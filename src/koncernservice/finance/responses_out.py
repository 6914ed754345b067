"""Responses to rejected invoices: built by ``einvoice.responses`` (Peppol Invoice Response
T111 for Peppol, OIOUBL ApplicationResponse for OIOUBL), stored with the invoice and
written to the outbox folder (``KS_EINVOICE_OUTBOX``) once the transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from koncernservice.core.bulk import fast_insert
from koncernservice.finance.models import Finding, Invoice, InvoiceResponse

logger = logging.getLogger(__name__)


def _write(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(path)  # atomic: the access point never sees half a file


def _scheme(endpoint: str, given: str = "") -> str:
    if given:
        return given
    return "0088" if len(endpoint) == 13 and endpoint.isdigit() else "0184"


def build_response(invoice: Invoice, findings: Sequence[Any]) -> tuple[str, str, str] | None:
    """(kind, status code, XML) of the rejection in the invoice's own format (Peppol T111 or
    OIOUBL ApplicationResponse), or None when it cannot be addressed (no sender endpoint)."""
    from koncernservice.finance.einvoice import responses

    supplier = invoice.supplier
    receiver = (supplier.endpoint_id if supplier else "") or invoice.supplier_cvr
    receiver_scheme = _scheme(
        receiver, supplier.endpoint_scheme if supplier and supplier.endpoint_id else ""
    )
    sender = invoice.buyer_endpoint
    data = responses.ResponseInput(
        invoice_number=invoice.number or "-",
        invoice_issue_date=invoice.issue_date,
        status="RE",
        sender_endpoint_id=sender,
        sender_endpoint_scheme=_scheme(sender),
        sender_name=invoice.unit.name if invoice.unit_id else "Københavns Kommune",
        receiver_endpoint_id=receiver,
        receiver_endpoint_scheme=receiver_scheme,
        receiver_name=invoice.supplier_name or (supplier.name if supplier else "-"),
        reasons=responses.reasons_from_findings(findings),
        invoice_uuid=invoice.document_uuid,
        document_type="CreditNote" if invoice.kind == Invoice.Kind.CREDIT_NOTE else "Invoice",
    )
    try:
        kind, xml = responses.response_for(data, invoice.format)
    except responses.ResponseError:
        logger.warning("No response for invoice %s: cannot be addressed", invoice.pk)
        return None
    label = "oioubl_application_response" if kind == "oioubl" else "peppol_invoice_response"
    return label, "RE", xml.decode("utf-8")


def respond_to_rejected(invoices: Sequence[Invoice]) -> int:
    findings: dict[int, list[Finding]] = {}
    for finding in Finding.objects.filter(
        invoice_id__in=[i.pk for i in invoices], severity=Finding.Severity.FATAL
    ).order_by("id"):
        findings.setdefault(finding.invoice_id, []).append(finding)
    outbox = Path(settings.EINVOICE_OUTBOX_DIR)
    rows = []
    for invoice in invoices:
        built = build_response(invoice, findings.get(invoice.pk, []))
        if built is None:
            continue
        kind, status, xml = built
        filename = f"response-{invoice.pk}-{invoice.document_uuid or invoice.number}.xml"
        filename = "".join(c if c.isalnum() or c in "-_." else "_" for c in filename)[:200]
        path = outbox / filename
        rows.append(
            InvoiceResponse(
                invoice_id=invoice.pk,
                kind=kind,
                status_code=status,
                filename=filename,
                content=xml,
                outbox_path=str(path),
            )
        )
        transaction.on_commit(lambda p=path, c=xml: _write(p, c))
    fast_insert(rows)
    return len(rows)
