"""The ingest's bulk path: raw documents in one pack file per batch (each read back
unchanged), a constant number of queries per batch whatever its size (no per-invoice
query), the audit event written as rows, plain-row COPY guarded against missing columns,
and the time figures the benchmark prints."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from koncernservice.core.models import AuditEntry
from koncernservice.core.system import system_operator
from koncernservice.finance import ingest as ingest_module
from koncernservice.finance.bulkcopy import copy_rows
from koncernservice.finance.ingest import Incoming, ingest
from koncernservice.finance.models import Invoice, InvoiceDocument
from koncernservice.finance.xmlgen import PartySpec, render
from koncernservice.procurement import services as procurement
from koncernservice.procurement.services import LineInput
from tests.finance.ap import BAD_CVR, SUPPLIER_CVR, spec_for


def _documents(ap, count: int, tag: str) -> list[Incoming]:
    """``count`` each of: a plain invoice, one matched to an order (approved by matching),
    one to an unknown GLN (rejected, with a response), a credit note and one with a wrong
    CVR check digit (rejected; its response names the unit)."""
    school = ap.world.school
    docs = []
    for n in range(count):
        docs.append(Incoming(render(spec_for(school), "peppol"), f"{tag}-plain-{n}.xml"))
        number = f"PO-{tag}-{n}"
        procurement.order_create(
            actor=system_operator(),
            number=number,
            supplier_cvr=SUPPLIER_CVR,
            supplier_name="Kontorland A/S",
            unit=school,
            ordered_on=dt.date(2026, 1, 2),
            requires_receipt=False,
            lines=[
                LineInput("1", "Printerpapir A4", "10", "40", "22110", "CC-HS", item_id="P-1"),
                LineInput("2", "Kuglepenne", "5", "12", "22110", "CC-HS", item_id="K-2"),
            ],
        )
        matched = spec_for(school, order_reference=number)
        docs.append(Incoming(render(matched, "oioubl"), f"{tag}-order-{n}.xml"))
        lost = spec_for(school, buyer=PartySpec(name="Ukendt", gln="5790000000005"))
        docs.append(Incoming(render(lost, "peppol"), f"{tag}-lost-{n}.xml"))
        note = spec_for(school, credit_note=True, billing_reference=f"F-none-{tag}-{n}")
        docs.append(Incoming(render(note, "peppol"), f"{tag}-note-{n}.xml"))
        typo = spec_for(school, supplier=PartySpec(name="Fejl ApS", cvr=BAD_CVR))
        docs.append(Incoming(render(typo, "oioubl"), f"{tag}-typo-{n}.xml"))  # rejected, routed
    return docs


def test_batch_documents_share_one_pack_and_read_back_unchanged(ap) -> None:
    docs = [Incoming(render(spec_for(ap.world.school), "peppol"), f"{n}.xml") for n in range(3)]
    results = ingest(docs, actor=system_operator(), channel="cli")
    stored = [Invoice.objects.get(pk=r["invoice"]).document for r in results]
    assert len({d.storage_name for d in stored}) == 1  # one file for the batch
    assert stored[0].storage_name.endswith(".pack")
    assert [d.offset for d in stored] == [0, len(docs[0].data), len(docs[0].data + docs[1].data)]
    for doc, incoming in zip(stored, docs, strict=True):
        assert doc.read() == incoming.data
        assert doc.sha256 == hashlib.sha256(incoming.data).hexdigest()
        assert doc.size == len(incoming.data)


def test_pack_cut_short_is_written_again_and_a_whole_one_is_reused(ap) -> None:
    data = render(spec_for(ap.world.school), "peppol")
    first = ingest([Incoming(data, "a.xml")], actor=system_operator(), channel="cli")[0]
    document = Invoice.objects.get(pk=first["invoice"]).document
    path = default_storage.path(document.storage_name)
    with open(path, "r+b") as fh:  # as if a crash had cut the write short
        fh.truncate(10)
    InvoiceDocument.objects.filter(pk=document.pk).update(storage_name="elsewhere")
    # the same batch again (a retry): the pack is written in full again
    again = ingest([Incoming(data, "a.xml")], actor=system_operator(), channel="cli")[0]
    assert again["status"] == "rejected"  # the duplicate, but stored like any document
    assert Invoice.objects.get(pk=again["invoice"]).document.read() == data
    before = os.stat(path).st_mtime_ns
    ingest([Incoming(data, "a.xml")], actor=system_operator(), channel="cli")
    assert os.stat(path).st_mtime_ns == before  # whole: left as it is


def test_a_document_stored_as_a_file_of_its_own_still_reads(db) -> None:
    data = b"<Invoice/>"
    name = default_storage.save("einvoice/old.xml", io.BytesIO(data))
    document = InvoiceDocument.objects.create(
        storage_name=name, filename="old.xml", sha256="0" * 64, size=len(data), channel="cli"
    )
    assert document.offset is None and document.read() == data


def test_queries_per_batch_do_not_grow_with_the_batch(ap) -> None:
    ingest(_documents(ap, 1, "warm"), actor=system_operator(), channel="cli")  # caches
    counts = []
    for size in (1, 6):
        docs = _documents(ap, size, f"q{size}")
        with CaptureQueriesContext(connection) as queries:
            results = ingest(docs, actor=system_operator(), channel="cli", batch_size=100)
        expected = ["received", "received", "rejected", "received", "rejected"] * size
        assert [r["status"] for r in results] == expected
        assert [r["match"] for r in results[1::5]] == ["matched"] * size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_received_event_is_audited_like_record_events(ap) -> None:
    data = render(spec_for(ap.world.school), "oioubl")
    result = ingest([Incoming(data, "in/a.xml")], actor=ap.finance, channel="cli")[0]
    invoice = Invoice.objects.get(pk=result["invoice"])
    entry = AuditEntry.objects.get(event="invoice.received", object_id=str(invoice.pk))
    assert entry.action == AuditEntry.Action.EVENT
    assert entry.actor == ap.finance and entry.actor_label == ap.finance.username
    assert entry.object_repr == str(invoice)
    assert entry.scope_path == ap.world.school.path
    assert entry.changes == {
        "file": "in/a.xml",
        "sha256": hashlib.sha256(data).hexdigest(),
        "status": "to_code",
        "channel": "cli",
    }


def test_copy_rows_refuses_a_row_without_a_required_column(db) -> None:
    with pytest.raises(ValueError, match="columns missing"):
        copy_rows(Invoice, ("number",), [("F-1",)])


def test_time_figures_add_up(ap) -> None:
    ingest_module.STATS.reset()
    ingest(_documents(ap, 2, "t"), actor=system_operator(), channel="cli", batch_size=3)
    stats = ingest_module.STATS
    assert (stats.documents, stats.batches) == (10, 4)
    assert stats.parse_s > 0 and stats.validate_s > 0
    parts = stats.parse_s + stats.validate_s + stats.store_s + stats.database_s
    assert parts <= stats.cpu_s + 0.01
