"""The official-stylesheet runner (saxonche) and strict mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings

from koncernservice.finance.einvoice import official

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "einvoice"
DATA = DATA.resolve()
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="official e-invoice material not present")


def _example(name: str) -> bytes:
    return (DATA / name).read_bytes()


def _mutate(xml: bytes, old: bytes, new: bytes) -> bytes:
    assert old in xml, old
    return xml.replace(old, new, 1)


@needs_data
def test_valid_oioubl_invoice_has_no_official_findings() -> None:
    xml = _example("oioubl/Eksempelfiler/OIOUBL_Invoice_v2p2.xml")
    assert official.official_verdict(xml, official.OIOUBL_INVOICE_SET, base=DATA) == []


@needs_data
def test_oioubl_error_elements_give_rule_id_severity_and_location() -> None:
    xml = _mutate(
        _example("oioubl/Eksempelfiler/OIOUBL_Invoice_v2p2.xml"),
        b"<cbc:UBLVersionID>2.1</cbc:UBLVersionID>",
        b"<cbc:UBLVersionID>3.0</cbc:UBLVersionID>",
    )
    findings = official.official_verdict(xml, official.OIOUBL_INVOICE_SET, base=DATA)
    assert [f.rule for f in findings] == ["F-LIB001"]
    (f,) = findings
    assert f.severity == "fatal"
    assert f.location == "/Invoice[1]"
    assert "UBLVersionID" in f.message
    assert f.stylesheet == official.OIOUBL_INVOICE


@needs_data
def test_svrl_failed_asserts_give_rule_id_and_flag() -> None:
    # Peppol example with a wrong payable amount: BR-CO-16 (fatal) from the CEN rules.
    xml = _example("peppol-dk/Example-files/BIS3_Invoice_Example_DK_Supplier_Master.xml")
    import re

    xml = re.sub(
        rb"(<cbc:PayableAmount currencyID=\"[A-Z]+\">)([0-9.]+)(</cbc:PayableAmount>)",
        rb"\g<1>1.00\g<3>",
        xml,
        count=1,
    )
    findings = official.official_verdict(xml, official.PEPPOL_BILLING, base=DATA)
    rules = {f.rule for f in findings}
    assert "BR-CO-16" in rules
    br = next(f for f in findings if f.rule == "BR-CO-16")
    assert br.severity == "fatal"
    assert br.location.startswith("/")
    assert br.stylesheet == official.CEN_UBL


@needs_data
def test_known_bad_unit_test_fragment_fails_its_rule() -> None:
    # An invoice without CustomizationID fails BR-01 in the EN 16931 rules.
    xml = b"""<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
      xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
      <cbc:ID>1</cbc:ID></Invoice>"""
    rules = official.failed_rule_ids(
        official.official_verdict(xml, (official.EN16931_UBL,), base=DATA)
    )
    assert "BR-01" in rules
    assert "BR-02" not in rules  # it has an ID


def test_unset_configuration_gives_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(official.ENV_VAR, raising=False)
    with override_settings(EINVOICE_OFFICIAL_RULES_DIR=""):
        assert official.configured_dir() is None
        assert not official.strict_mode_enabled()
        assert official.strict_findings(b"<Invoice/>") == []
        with pytest.raises(official.OfficialRulesUnavailable) as err:
            official.official_verdict(b"<Invoice/>", official.OIOUBL_INVOICE_SET)
    assert "EINVOICE_OFFICIAL_RULES_DIR" in str(err.value)
    assert "KS_EINVOICE_OFFICIAL_RULES" in str(err.value)


def test_missing_stylesheet_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(official.OfficialRulesUnavailable) as err:
        official.official_verdict(b"<Invoice/>", official.OIOUBL_INVOICE_SET, base=tmp_path)
    assert "OIOUBL_Invoice_Schematron.xsl" in str(err.value)


def test_environment_variable_is_the_fallback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(official.ENV_VAR, str(tmp_path))
    with override_settings(EINVOICE_OFFICIAL_RULES_DIR=""):
        assert official.configured_dir() == tmp_path


@needs_data
def test_strict_mode_runs_the_stylesheets_that_fit_the_document() -> None:
    good = _example("oioubl/Eksempelfiler/OIOUBL_CreditNote_v2p2.xml")
    bad = _mutate(
        good, b"<cbc:UBLVersionID>2.1</cbc:UBLVersionID>", b"<cbc:UBLVersionID>9</cbc:UBLVersionID>"
    )
    with override_settings(EINVOICE_OFFICIAL_RULES_DIR=str(DATA)):
        assert official.strict_mode_enabled()
        assert official.strict_findings(good) == []
        assert {f.rule for f in official.strict_findings(bad)} == {"F-LIB001"}
        assert {f.stylesheet for f in official.strict_findings(bad)} == {official.OIOUBL_CREDITNOTE}
        peppol = _example("peppol-dk/Example-files/BIS3_Invoice_Example_DK_Supplier_Master.xml")
        assert [f for f in official.strict_findings(peppol) if f.severity == "fatal"] == []


def test_stylesheets_for_picks_by_namespace_and_customization() -> None:
    from lxml import etree

    oio = etree.fromstring(
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        b"<cbc:CustomizationID>OIOUBL-2.1</cbc:CustomizationID></Invoice>"
    )
    assert official.stylesheets_for(oio) == official.OIOUBL_INVOICE_SET
    bis = etree.fromstring(
        b'<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2" '
        b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        b"<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
        b"</cbc:CustomizationID></CreditNote>"
    )
    assert official.stylesheets_for(bis) == official.PEPPOL_BILLING


@needs_data
def test_strict_findings_convert_to_engine_findings() -> None:
    xml = _mutate(
        _example("oioubl/Eksempelfiler/OIOUBL_Invoice_v2p2.xml"),
        b"<cbc:UBLVersionID>2.1</cbc:UBLVersionID>",
        b"<cbc:UBLVersionID>3.0</cbc:UBLVersionID>",
    )
    (finding,) = official.as_engine_findings(
        official.official_verdict(xml, official.OIOUBL_INVOICE_SET, base=DATA)
    )
    assert finding.as_dict()["rule"] == "F-LIB001"
    assert finding.as_dict()["severity"] == "fatal"
    assert finding.message_da.startswith("Fejl F-LIB001 fra de officielle valideringsregler")


@needs_data
def test_a_dynamic_error_in_the_official_rules_is_one_fatal_finding() -> None:
    # An empty amount cannot be cast (xs:decimal('')): the official stylesheet stops.
    xml = _mutate(
        _example("oioubl/Eksempelfiler/OIOUBL_Invoice_v2p2.xml"),
        b'<cbc:PayableAmount currencyID="DKK">6312.50</cbc:PayableAmount>',
        b'<cbc:PayableAmount currencyID="DKK"></cbc:PayableAmount>',
    )
    findings = official.official_verdict(xml, official.OIOUBL_INVOICE_SET, base=DATA)
    assert [f.rule for f in findings] == [official.EVALUATION_ERROR]
    assert "FORG0001" in findings[0].message
