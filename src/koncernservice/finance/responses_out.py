"""Responses to rejected invoices: built by ``einvoice.responses`` (Peppol Invoice Response
T111 for Peppol, OIOUBL ApplicationResponse for OIOUBL), stored with the invoice and
written to the outbox folder (``KS_EINVOICE_OUTBOX``) once the transaction commits."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from koncernservice.core.bulk import fast_insert
from koncernservice.finance.models import Finding, Invoice, InvoiceResponse


def _write(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(path)  # atomic: the access point never sees half a file


def build_response(invoice: Invoice, findings: Sequence[Any]) -> tuple[str, str, str] | None:
    """(kind, status code, XML) of the response, or None when no builder is installed."""
    try:
        from koncernservice.finance.einvoice import responses
    except ImportError:
        return None
    return responses.response_for_invoice(invoice, findings)  # type: ignore[attr-defined,no-any-return]


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
