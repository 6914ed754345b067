"""The landing page's "Venter på dig" for accounts payable: invoices to code, attest and
approve, counted where the user holds that step's permission, and never the invoices the
user attested (segregation of duties: someone else approves them)."""

from __future__ import annotations

from koncernservice.core.worklist import worklist
from koncernservice.finance import services
from koncernservice.finance.models import Invoice
from koncernservice.finance.services import CodingInput
from tests.finance.ap import ingest_spec, invoice_of, spec_for


def _counts(user) -> dict[str, int]:
    return {item.label: item.count for item in worklist(user=user)}


def test_invoices_wait_for_the_next_person_and_not_for_the_attester(ap, client) -> None:
    manager, manager2, employee = ap.world.manager, ap.manager2, ap.world.employee
    first, second, third = (invoice_of(ingest_spec(spec_for(ap.world.school))) for _ in range(3))
    assert {first.status, second.status, third.status} == {Invoice.Status.TO_CODE}
    for invoice in (first, second):
        services.invoice_code(
            actor=manager,
            invoice=invoice,
            lines=[CodingInput(line.pk, "22110", "CC-HS") for line in invoice.lines.all()],
        )
        invoice.refresh_from_db()
    services.invoice_attest(actor=manager, invoice=first)
    expected = {
        "Fakturaer til kontering": 1,  # third
        "Fakturaer til attestation": 1,  # second
        "Fakturaer til godkendelse": 0,  # first: attested by this manager
    }
    assert {k: v for k, v in _counts(manager).items() if k in expected} == {
        k: v for k, v in expected.items() if v
    }
    assert _counts(manager2)["Fakturaer til godkendelse"] == 1
    # an employee has no step in accounts payable: nothing from it, and the page says so
    assert not [i for i in worklist(user=employee) if "Faktura" in i.label]
    client.force_login(manager2)
    page = client.get("/").content.decode()
    assert 'href="/finans/?queue=to_approve">Fakturaer til godkendelse</a>' in page
