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


def test_rule_registry_runs_python_rules_with_locations() -> None:
    """The framework other rule sets (OIOUBL) plug into: ``@rule`` over a check that yields
    the XPath of each failing place."""
    from koncernservice.finance.einvoice.engine import REGISTRY, rule

    name = "test-only-set"
    REGISTRY.pop(name, None)
    try:

        @rule(name, "T-001", "fatal", "/Invoice", "Must have a note.", "Skal have en note.")
        def _has_note(parsed):  # type: ignore[no-untyped-def]
            if not parsed.document.notes:
                yield "/Invoice[1]"

        @rule(name, "T-002", "warning", "/Invoice", "Is a credit note.", "Er en kreditnota.")
        def _is_credit(parsed):  # type: ignore[no-untyped-def]
            if parsed.document.is_credit_note:
                yield "/CreditNote[1]"

        parsed = parse_document(MASTER.read_bytes())
        assert validate(parsed, [name]) == []
        bare = parse_document(
            b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'
        )
        (f,) = validate(bare, [name])
        assert (f.rule, f.severity, f.location, f.message, f.message_da) == (
            "T-001",
            "fatal",
            "/Invoice[1]",
            "Must have a note.",
            "Skal have en note.",
        )
        assert REGISTRY[name].ids() == ["T-001", "T-002"]
    finally:
        REGISTRY.pop(name, None)


def test_unknown_rule_set_is_a_clear_error() -> None:
    import pytest

    with pytest.raises(KeyError, match="unknown rule set"):
        validate(parse_document(MASTER.read_bytes()), ["no-such-set"])


def test_credit_note_gets_the_peppol_route_and_the_official_verdict_shape() -> None:
    path = EINVOICE_DATA / "peppol-dk/Example-files/BIS3_CreditNote_Example_DK_Supplier_Master.xml"
    parsed = parse_document(path.read_bytes())
    assert rulesets_for(parsed) == ["en16931-peppol", "peppol", "dk"]
    (r,) = validate_files([path])
    assert r["format"] == "peppol" and r["valid"] is True
    assert all(e["location"].startswith("/CreditNote[1]") for e in r["errors"])
