"""``validate_files``: exactly the JSON objects of ``ks invoices validate FILE... --json``
(issue item 10): ``file``, ``format`` ('oioubl' | 'peppol' | None), ``valid`` (no fatal
errors) and ``errors`` (``rule``, ``severity``, ``location``, ``message``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from koncernservice.finance.einvoice import parse_document, rulesets_for, validate_files
from koncernservice.finance.einvoice.engine import REGISTRY, Finding, failed_ids, validate

from .conftest import EINVOICE_DATA

MASTER = EINVOICE_DATA / "peppol-dk/Example-files/BIS3_Invoice_Example_DK_Supplier_Master.xml"
OIOUBL = EINVOICE_DATA / "oioubl/Eksempelfiler/OIOUBL_Invoice_v2p2.xml"


def test_json_shape_for_a_valid_peppol_invoice() -> None:
    (r,) = validate_files([MASTER])
    assert list(r) == ["file", "format", "valid", "errors"]
    assert r["file"] == str(MASTER)
    assert r["format"] == "peppol"
    assert r["valid"] is True
    # the official verdict for this example: one warning (UBL-CR-652), no fatal error
    assert [(e["rule"], e["severity"]) for e in r["errors"]] == [("UBL-CR-652", "warning")]
    for e in r["errors"]:
        assert list(e) == ["rule", "severity", "location", "message"]
        assert e["location"].startswith("/Invoice[1]")
        assert e["message"].startswith("[UBL-CR-652]")
    json.dumps(r)


def test_wrong_payable_amount_is_invalid_with_rule_location_and_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(
        re.sub(
            rb"(<cbc:PayableAmount currencyID=\"DKK\">)[0-9.]+",
            rb"\g<1>1.00",
            MASTER.read_bytes(),
        )
    )
    (r,) = validate_files([bad])
    assert r["valid"] is False
    fatal = {e["rule"]: e for e in r["errors"] if e["severity"] == "fatal"}
    assert set(fatal) == {"BR-CO-16"}
    e = fatal["BR-CO-16"]
    assert e["location"] == "/Invoice[1]/cac:LegalMonetaryTotal[1]"
    assert "Amount due for payment (BT-115)" in e["message"]


def test_several_files_keep_their_order(tmp_path: Path) -> None:
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.5")
    results = validate_files([pdf, MASTER, pdf])
    assert [r["file"] for r in results] == [str(pdf), str(MASTER), str(pdf)]
    assert [r["format"] for r in results] == [None, "peppol", None]
    assert [r["valid"] for r in results] == [False, True, False]


def test_oioubl_invoice_is_recognised() -> None:
    (r,) = validate_files([OIOUBL])
    assert r["format"] == "oioubl"
    parsed = parse_document(OIOUBL.read_bytes())
    sets = rulesets_for(parsed)
    assert sets == (["oioubl-invoice"] if "oioubl-invoice" in REGISTRY else [])


def test_valid_means_no_fatal_finding() -> None:
    parsed = parse_document(MASTER.read_bytes())
    findings = validate(parsed)
    assert all(isinstance(f, Finding) for f in findings)
    assert failed_ids(findings) == {"UBL-CR-652": "warning"}
    for f in findings:
        assert f.message_da  # a Danish explanation for every finding
