"""OIOUBL invoices paid by FIK (payment means 93): our OIOUBL rules give the official verdict."""

from __future__ import annotations

import pytest
from lxml import etree

from koncernservice.finance.einvoice import official
from koncernservice.finance.einvoice.engine import failed_ids
from koncernservice.finance.einvoice.rules import oioubl
from koncernservice.finance.xmlgen import render
from tests.factories import make_unit
from tests.finance.ap import fik_id, spec_for

from .conftest import needs_einvoice_data


@needs_einvoice_data
@pytest.mark.parametrize("payment", ["fik", "domestic", "iban"])
def test_generated_oioubl_invoice_gets_the_official_verdict(db, official_verdict, payment) -> None:
    spec = spec_for(
        make_unit("Skole"),
        payment=payment,
        fik_creditor="87654321",
        fik_payment_id=fik_id(),
        iban="DK5000400440116243",
        order_reference="PO-1",
    )
    data = render(spec, "oioubl")
    theirs = official_verdict(data, official.OIOUBL_INVOICE_SET)
    assert failed_ids(oioubl.validate_root(etree.fromstring(data))) == theirs == {}
