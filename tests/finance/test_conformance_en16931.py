"""Differential conformance: our EN 16931 rules give exactly the official verdict.

For every unit-test case (en16931/test/Invoice-unit-UBL: each <test> an invoice fragment)
and every EN 16931 example and test file, the set of failed rule ids (with severity) from
our validator equals the one from the official compiled rules
(en16931/ubl/xslt/EN16931-UBL-validation.xslt) run through saxonche. The unit tests' own
expectations (<success>/<error>/<warning>) are checked too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from koncernservice.finance.einvoice import official
from koncernservice.finance.einvoice.engine import REGISTRY

from .conftest import COVERAGE_REPORT, EINVOICE_DATA, needs_einvoice_data
from .einvoice_corpus import diff, official_rule_ids, ours, unit_cases

pytestmark = needs_einvoice_data

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
