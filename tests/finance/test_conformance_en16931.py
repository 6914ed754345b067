"""Differential conformance: our EN 16931 rules give exactly the official verdict.

For every unit-test case (en16931/test/Invoice-unit-UBL: each <test> an invoice fragment)
and every EN 16931 example and test file, the set of failed rule ids (with severity) from
our validator equals the one from the official compiled rules
(en16931/ubl/xslt/EN16931-UBL-validation.xslt) run through saxonche. The unit tests' own
expectations (<success>/<error>/<warning>) are checked too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from koncernservice.finance.einvoice import official, parse_document, validate
from koncernservice.finance.einvoice.engine import REGISTRY, failed_ids

from .conftest import COVERAGE_REPORT, EINVOICE_DATA, needs_einvoice_data

pytestmark = needs_einvoice_data

VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
SVRL_IDS = (
    "{http://purl.oclc.org/dsdl/svrl}failed-assert",
    "{http://purl.oclc.org/dsdl/svrl}successful-report",
)


def unit_cases(path: Path) -> Iterator[tuple[int, bytes, dict[str, list[str]]]]:
    """(number, fragment bytes, expected {'success'|'error'|'warning': [ids]}) per <test>."""
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    for i, test in enumerate(tree.getroot().iter(f"{VEFA}test"), 1):
        expected: dict[str, list[str]] = {}
        for a in test.iter(f"{VEFA}assert"):
            for child in a:
                if isinstance(child.tag, str) and child.tag != f"{VEFA}description":
                    expected.setdefault(etree.QName(child).localname, []).append(
                        (child.text or "").strip()
                    )
        for el in test:
            if isinstance(el.tag, str) and not el.tag.startswith(VEFA):
                yield i, etree.tostring(el), expected


def ours(xml: bytes, rulesets: list[str]) -> dict[str, str]:
    return failed_ids(validate(parse_document(xml), rulesets))


def official_rule_ids(stylesheet: Path) -> set[str]:
    """Every rule id asserted in a compiled official stylesheet."""
    tree = etree.parse(str(stylesheet), etree.XMLParser(resolve_entities=False, no_network=True))
    ids = set()
    for fa in tree.getroot().iter(*SVRL_IDS):
        for attr in fa.iter("{http://www.w3.org/1999/XSL/Transform}attribute"):
            if attr.get("name") == "id":
                ids.add("".join(attr.itertext()).strip())
    return ids


def diff(mine: dict[str, str], official: dict[str, str]) -> str:
    a, b = set(mine.items()), set(official.items())
    return f"only ours: {sorted(a - b)}; only official: {sorted(b - a)}"


UNIT_DIR = EINVOICE_DATA / "en16931/test/Invoice-unit-UBL"
UNIT_FILES = sorted(UNIT_DIR.glob("*.xml")) if UNIT_DIR.is_dir() else []
EXAMPLES = (
    sorted((EINVOICE_DATA / "en16931/ubl/examples").glob("*"))
    + sorted((EINVOICE_DATA / "en16931/test/testfiles").glob("*"))
    if EINVOICE_DATA.is_dir()
    else []
)
SHEETS = (official.EN16931_UBL,)


@pytest.mark.parametrize("path", UNIT_FILES, ids=lambda p: p.stem)
def test_unit_test_set_gets_the_official_verdict(path: Path, official_verdict) -> None:
    n = 0
    for i, xml, expected in unit_cases(path):
        n += 1
        mine = ours(xml, ["en16931"])
        theirs = official_verdict(xml, SHEETS)
        assert mine == theirs, f"{path.name} test {i}: {diff(mine, theirs)}"
        for rid in expected.get("success", []):
            assert rid not in mine, f"{path.name} test {i}: {rid} should pass"
        for kind in ("error", "warning"):
            for rid in expected.get(kind, []):
                assert rid in mine, f"{path.name} test {i}: {rid} should fail"
    assert n > 0


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_gets_the_official_verdict(path: Path, official_verdict) -> None:
    xml = path.read_bytes()
    mine = ours(xml, ["en16931"])
    assert mine == official_verdict(xml, SHEETS), diff(mine, official_verdict(xml, SHEETS))


def test_every_official_en16931_rule_is_implemented() -> None:
    official_ids = official_rule_ids(EINVOICE_DATA / official.EN16931_UBL)
    implemented = set(REGISTRY["en16931"].ids())
    COVERAGE_REPORT.append(
        f"en16931 (EN 16931 v1.3.16): {len(implemented & official_ids)} / {len(official_ids)} "
        "official rules implemented"
    )
    assert implemented == official_ids, sorted(official_ids ^ implemented)


@pytest.mark.parametrize(
    "module_name,stylesheet",
    [
        ("_data_en16931", official.EN16931_UBL),
        ("_data_cen_peppol", official.CEN_UBL),
        ("_data_peppol", official.PEPPOL_UBL),
    ],
)
def test_committed_rule_data_is_what_the_official_stylesheet_says(
    module_name: str, stylesheet: str
) -> None:
    """The rule data is generated from the official package (schematron_import); this
    catches hand edits and stale data."""
    import importlib

    from koncernservice.finance.einvoice.schematron_import import extract

    module = importlib.import_module(f"koncernservice.finance.einvoice.rules.{module_name}")
    fresh = extract(EINVOICE_DATA / stylesheet)
    assert [tuple(t) for t in module.TEMPLATES] == [
        (m, p, c, v, a) for m, p, c, v, a in fresh["templates"]
    ]
    assert fresh["globals"] == module.GLOBALS
