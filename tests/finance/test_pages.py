"""Pages: the unit's invoice inbox, the invoice view with coding, attestation and approval,
suppliers and the review queue, the rejected-invoice queue, the dashboard, payments.
Someone without rights sees nothing and changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from koncernservice.finance import iso20022
from koncernservice.finance.models import Invoice, Payment, Supplier
from koncernservice.finance.xmlgen import PartySpec, render
from tests.finance.ap import BAD_CVR, OTHER_CVR, ingest_spec, invoice_of, spec_for


def test_inbox_code_attest_approve_through_the_pages(client, ap) -> None:
    invoice = invoice_of(ingest_spec(spec_for(ap.world.school)))
    client.force_login(ap.world.manager)
    page = client.get("/finans/?queue=to_code")
    assert page.status_code == 200 and invoice.number in page.content.decode()
    detail = client.get(f"/finans/faktura/{invoice.pk}/")
    html = detail.content.decode()
    assert "Printerpapir A4" in html and "575,00" in html
    form = {f"account_{line.pk}": "22110" for line in invoice.lines.all()}
    client.post(f"/finans/faktura/{invoice.pk}/code/", form)
    assert Invoice.objects.get(pk=invoice.pk).status == "to_attest"
    client.post(f"/finans/faktura/{invoice.pk}/attest/", {"comment": "Modtaget"})
    response = client.post(f"/finans/faktura/{invoice.pk}/approve/", follow=True)
    assert "kan ikke også godkende" in response.content.decode()  # same person: refused
    assert Invoice.objects.get(pk=invoice.pk).status == "to_approve"
    client.force_login(ap.manager2)
    client.post(f"/finans/faktura/{invoice.pk}/approve/")
    assert Invoice.objects.get(pk=invoice.pk).status == "approved"
    history = client.get(f"/finans/faktura/{invoice.pk}/").content.decode()
    assert "invoice.approved" in history and "leder2" in history


def test_rejected_invoice_shows_why_in_danish(client, ap) -> None:
    result = ingest_spec(
        spec_for(ap.world.school, supplier=PartySpec(name="Fejl ApS", cvr=BAD_CVR))
    )
    client.force_login(ap.finance)
    html = client.get(f"/finans/faktura/{result['invoice']}/").content.decode()
    assert "KS-CVR" in html and "kontrolciffer" in html
    # the response sent back, by its official name and the status in Danish with its code
    assert "(Peppol Invoice Response (T111), Afvist (RE))" in html
    queue = client.get("/finans/afviste/").content.decode()
    assert "Fejl ApS" in queue and "KS-CVR (1)" in queue


def test_supplier_review_queue_and_approval(client, ap) -> None:
    ingest_spec(
        spec_for(ap.world.school, supplier=PartySpec(name="Ny Leverandør ApS", cvr=OTHER_CVR))
    )
    new = Supplier.objects.get(cvr=OTHER_CVR)
    client.force_login(ap.finance)
    assert "Ny Leverandør ApS" in client.get("/finans/leverandoerer/?status=new").content.decode()
    client.post(f"/finans/leverandoerer/{new.pk}/", {"action": "approve"})
    assert Supplier.objects.get(pk=new.pk).status == "approved"
    client.post(
        f"/finans/leverandoerer/{new.pk}/", {"action": "block", "blocked": "1", "reason": ""}
    )
    assert not Supplier.objects.get(pk=new.pk).is_blocked  # a reason is needed
    export = client.get("/finans/leverandoerer/?export=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_dashboard_figures(client, ap) -> None:
    ingest_spec(spec_for(ap.world.school))
    ingest_spec(spec_for(ap.world.school, supplier=PartySpec(name="Fejl ApS", cvr=BAD_CVR)))
    client.force_login(ap.finance)
    html = client.get("/finans/oversigt/").content.decode()
    assert 'id="figure-total">2<' in html
    assert "50 %" in html  # 1 of 2 rejected


def _received_on(result: dict, day: dt.date) -> Invoice:
    invoice = invoice_of(result)
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    Invoice.objects.filter(pk=invoice.pk).update(received_at=moment)
    return invoice


def test_dashboard_period_chart_and_export(client, ap) -> None:
    """Figures count the invoices received in the chosen period; by default the 30 days up
    to the newest invoice; a wrong date is named and the default shown; Excel export."""
    from io import BytesIO

    from openpyxl import load_workbook

    _received_on(ingest_spec(spec_for(ap.world.school)), dt.date(2025, 11, 3))
    _received_on(ingest_spec(spec_for(ap.world.school)), dt.date(2025, 12, 30))
    bad = ingest_spec(spec_for(ap.world.school, supplier=PartySpec(name="Fejl ApS", cvr=BAD_CVR)))
    _received_on(bad, dt.date(2025, 12, 31))
    client.force_login(ap.finance)
    default = client.get("/finans/oversigt/").content.decode()
    # 2 Dec – 31 Dec 2025: the invoice of 3 November is outside
    assert 'value="2025-12-02"' in default and 'value="2025-12-31"' in default
    assert 'id="figure-total">2<' in default and "50 %" in default
    assert '<rect x="' in default and "Modtagne og afviste fakturaer pr. dag" in default
    assert "KS-CVR" in default  # the rejection reason of the period
    autumn = client.get("/finans/oversigt/?fra=2025-09-01&til=2025-11-30").content.decode()
    assert 'id="figure-total">1<' in autumn and "pr. uge" in autumn and "KS-CVR" not in autumn
    wrong = client.get("/finans/oversigt/?fra=2025-11-31").content.decode()
    assert "&#x27;fra&#x27; er ikke en gyldig dato: 2025-11-31" in wrong
    assert 'id="figure-total">2<' in wrong  # the default period
    export = client.get("/finans/oversigt/?fra=2025-12-01&til=2025-12-31&export=xlsx")
    book = load_workbook(BytesIO(export.content))
    assert book.sheetnames == ["Nøgletal", "Fakturaer over tid", "Afvisningsårsager"]
    figures = {row[0]: row[1] for row in book["Nøgletal"].iter_rows(values_only=True)}
    assert figures["Modtagne fakturaer"] == 2 and figures["Afvisningsrate (%)"] == 50
    days = list(book["Fakturaer over tid"].iter_rows(values_only=True))
    assert len(days) == 1 + 31 and days[-1][1:] == (1, 1)  # 31 December: 1 received, rejected


def test_dashboard_counts_weeks_for_long_periods_and_only_the_users_units(client, ap) -> None:
    from koncernservice.finance import selectors

    _received_on(ingest_spec(spec_for(ap.world.school)), dt.date(2025, 10, 1))  # a Wednesday
    _received_on(ingest_spec(spec_for(ap.world.nursing_home)), dt.date(2025, 10, 2))
    data = selectors.dashboard(
        user=ap.finance, start=dt.date(2025, 9, 1), end=dt.date(2025, 11, 30)
    )
    assert data["weekly"] and len(data["series"]) == 13  # Mon 1 Sep … Mon 24 Nov
    week = next(row for row in data["series"] if row["day"] == dt.date(2025, 9, 29))
    assert week["received"] == 2 and sum(r["received"] for r in data["series"]) == 2
    manager = selectors.dashboard(
        user=ap.manager2, start=dt.date(2025, 9, 1), end=dt.date(2025, 11, 30)
    )
    assert manager["total"] == 1  # only the school's invoice
    client.force_login(ap.world.nobody)
    assert client.get("/finans/oversigt/").status_code == 403
    assert client.get("/finans/oversigt/?export=xlsx").status_code == 403


def test_amounts_in_the_inbox_are_danish_and_right_aligned(client, ap) -> None:
    invoice_of(ingest_spec(spec_for(ap.world.school)))
    client.force_login(ap.world.manager)
    html = client.get("/finans/?queue=to_code").content.decode()
    assert '<td class="num">575,00</td>' in html


def test_upload_page_and_payment_pages(client, ap) -> None:
    client.force_login(ap.finance)
    spec = spec_for(ap.world.school, due_date=timezone.localdate())
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/finans/modtag/", {"files": SimpleUploadedFile("f.xml", render(spec, "oioubl"))}
    )
    invoice = Invoice.objects.get(number=spec.number)
    assert response.status_code == 302 and response["Location"].endswith(f"/faktura/{invoice.pk}/")
    Invoice.objects.filter(pk=invoice.pk).update(status="posted")
    until = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    client.post("/finans/betalinger/", {"until": until})
    payment = Payment.objects.get()
    pain = client.get(f"/finans/betalinger/{payment.run_id}/fil/")
    assert b"pain.001.001.03" in pain.content
    camt = iso20022.build_camt054(
        message_id="B1", created=timezone.now(), items=[(payment.end_to_end_id, payment.amount, "")]
    )
    client.post("/finans/betalinger/afstem/", {"file": SimpleUploadedFile("camt.xml", camt)})
    assert Invoice.objects.get(pk=invoice.pk).status == "paid"


def test_someone_without_rights_sees_nothing_and_changes_nothing(client, ap) -> None:
    invoice = invoice_of(ingest_spec(spec_for(ap.world.school)))
    other = invoice_of(ingest_spec(spec_for(ap.world.nursing_home)))
    client.force_login(ap.world.nobody)
    assert client.get("/finans/").status_code == 403
    assert client.get(f"/finans/faktura/{invoice.pk}/").status_code == 404
    form = {f"account_{line.pk}": "22110" for line in invoice.lines.all()}
    assert client.post(f"/finans/faktura/{invoice.pk}/code/", form).status_code == 404
    assert client.get("/finans/betalinger/").status_code == 403
    assert client.get(f"/finans/faktura/{invoice.pk}/dokument/").status_code == 404
    # the school's manager does not see the nursing home's invoice
    client.force_login(ap.world.manager)
    assert client.get(f"/finans/faktura/{other.pk}/").status_code == 404
    assert other.number not in client.get("/finans/?queue=all").content.decode()
    assert Invoice.objects.get(pk=invoice.pk).status == "to_code"


def test_approval_limits_and_substitutes_page(client, ap) -> None:
    from koncernservice.finance.models import ApprovalLimit, Substitution

    client.force_login(ap.finance)
    client.post(
        "/finans/godkendelse/",
        {
            "action": "limit",
            "unit": str(ap.world.school.pk),
            "role": "manager",
            "max_amount": "2500,50",
        },
    )
    assert ApprovalLimit.objects.get().max_amount == Decimal("2500.50")
    client.force_login(ap.world.manager)  # a manager may name a substitute, not set limits
    html = client.get("/finans/godkendelse/").content.decode()
    assert "Gem grænse" not in html
    client.post(
        "/finans/godkendelse/",
        {"action": "limit", "unit": str(ap.world.school.pk), "role": "manager", "max_amount": "9"},
    )
    assert ApprovalLimit.objects.get().max_amount == Decimal("2500.50")
    client.post(
        "/finans/godkendelse/",
        {
            "action": "substitute",
            "substitute": "leder2",
            "starts_on": "2026-07-01",
            "ends_on": "2026-07-21",
        },
    )
    substitution = Substitution.objects.get()
    assert (substitution.absent, substitution.substitute) == (ap.world.manager, ap.manager2)


def _with_attachments(xml: bytes, pdf: bytes) -> bytes:
    """The invoice with an embedded PDF (hostile file name), an undeclared type and an
    external link, placed where UBL puts AdditionalDocumentReference."""
    import base64

    def ref(ident: str, inner: str) -> str:
        return (
            f"<cac:AdditionalDocumentReference><cbc:ID>{ident}</cbc:ID>"
            f"<cbc:DocumentDescription>Følgeseddel {ident}</cbc:DocumentDescription>"
            f"<cac:Attachment>{inner}</cac:Attachment></cac:AdditionalDocumentReference>"
        )

    encoded = base64.b64encode(pdf).decode()
    refs = (
        ref(
            "B1",
            '<cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" '
            f'filename="../../etc/følge&quot;seddel.pdf">{encoded}</cbc:EmbeddedDocumentBinaryObject>',
        )
        + ref(
            "B2",
            '<cbc:EmbeddedDocumentBinaryObject mimeCode="text/html" filename="side.html">'
            f"{base64.b64encode(b'<script>alert(1)</script>').decode()}"
            "</cbc:EmbeddedDocumentBinaryObject>",
        )
        + ref(
            "B3",
            "<cac:ExternalReference><cbc:URI>https://leverandor.example/bilag/3</cbc:URI>"
            "</cac:ExternalReference>",
        )
    )
    marker = b"<cac:AccountingSupplierParty>"
    assert marker in xml
    return xml.replace(marker, refs.encode() + marker, 1)


def test_invoice_attachments_are_listed_and_downloaded_safely(client, ap) -> None:
    from koncernservice.core.system import system_operator
    from koncernservice.finance.ingest import Incoming, ingest

    pdf = b"%PDF-1.4 demo follow-up note\n%%EOF\n"
    spec = spec_for(ap.world.school)
    xml = _with_attachments(render(spec, "peppol"), pdf)
    result = ingest([Incoming(xml, "bilag.xml")], actor=system_operator(), channel="cli")[0]
    invoice = Invoice.objects.get(pk=result["invoice"])
    client.force_login(ap.world.manager)
    html = client.get(f"/finans/faktura/{invoice.pk}/").content.decode()
    assert "Følgeseddel B1" in html and "https://leverandor.example/bilag/3" in html
    assert f'href="/finans/faktura/{invoice.pk}/bilag/0/"' in html
    assert 'href="https://leverandor.example' not in html  # an external link is not a link
    # the embedded PDF, unchanged, as a download with a safe name
    got = client.get(f"/finans/faktura/{invoice.pk}/bilag/0/")
    assert got.status_code == 200 and got.content == pdf
    assert got["Content-Type"] == "application/pdf"
    # no folder, no quote: the sender's "../../etc/følge\"seddel.pdf" becomes
    assert got["Content-Disposition"] == "attachment; filename*=utf-8''f%C3%B8lge_seddel.pdf"
    # a type outside Peppol's list is never served as itself (no HTML from a supplier)
    html_part = client.get(f"/finans/faktura/{invoice.pk}/bilag/1/")
    assert html_part["Content-Type"] == "application/octet-stream"
    # an external link and a position past the end have no content here
    assert client.get(f"/finans/faktura/{invoice.pk}/bilag/2/").status_code == 404
    assert client.get(f"/finans/faktura/{invoice.pk}/bilag/9/").status_code == 404


def test_invoice_attachment_is_not_served_without_rights(client, ap) -> None:
    invoice = invoice_of(ingest_spec(spec_for(ap.world.school)))
    client.force_login(ap.world.nobody)
    assert client.get(f"/finans/faktura/{invoice.pk}/bilag/0/").status_code == 404
    assert client.get(f"/finans/faktura/{invoice.pk}/").status_code == 404


def test_substitution_ended_from_the_page(client, ap) -> None:
    from koncernservice.finance import services
    from koncernservice.finance.models import Substitution

    today = timezone.localdate()
    running = services.substitution_create(
        actor=ap.world.manager,
        absent=ap.world.manager,
        substitute=ap.manager2,
        starts_on=today - dt.timedelta(days=2),
        ends_on=today + dt.timedelta(days=5),
    )
    client.force_login(ap.world.nobody)
    post = {"action": "end", "substitution": running.pk}
    assert client.post("/finans/godkendelse/", post).status_code == 404
    client.force_login(ap.world.manager)
    page = client.get("/finans/godkendelse/").content.decode()
    assert "Afslut nu" in page
    client.post("/finans/godkendelse/", post)
    assert Substitution.objects.get(pk=running.pk).ends_on == today - dt.timedelta(days=1)
    assert "Afslut nu" not in client.get("/finans/godkendelse/").content.decode()
