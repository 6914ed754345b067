"""Shared fixtures for the finance tests: the official e-invoice material and a cache of
official verdicts (saxonche runs are slow: each document is run once per test session)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
EINVOICE_DATA = (REPO_ROOT.parent / "shared" / "data" / "einvoice").resolve()

needs_einvoice_data = pytest.mark.skipif(
    not EINVOICE_DATA.is_dir(), reason="official e-invoice material not present"
)


@pytest.fixture(scope="session")
def einvoice_data() -> Path:
    """The folder of official e-invoice test material (never copied into the project)."""
    if not EINVOICE_DATA.is_dir():
        pytest.skip("official e-invoice material not present")
    return EINVOICE_DATA


@pytest.fixture(autouse=True)
def _finance_folders(settings, tmp_path: Path) -> None:
    """Stored documents, the outbox and the inbox in the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EINVOICE_OUTBOX_DIR = tmp_path / "outbox"
    settings.EINVOICE_INBOX_DIR = tmp_path / "inbox"


@pytest.fixture
def ap(world):
    """The accounts-payable world: units, suppliers, cost centres and finance users."""
    from tests.finance.ap import ap_world

    return ap_world(world)


OfficialVerdict = Callable[[bytes, Iterable[str]], dict[str, str]]


@pytest.fixture(scope="session")
def official_verdict(einvoice_data: Path) -> OfficialVerdict:
    """``official_verdict(xml_bytes, stylesheets) -> {rule id: severity}`` through the
    official stylesheets (saxonche), cached per session by (document, stylesheets)."""
    from koncernservice.finance.einvoice import official

    cache: dict[tuple[bytes, tuple[str, ...]], dict[str, str]] = {}

    def verdict(xml: bytes, stylesheets: Iterable[str]) -> dict[str, str]:
        key = (xml, tuple(stylesheets))
        if key not in cache:
            out: dict[str, str] = {}
            for f in official.official_verdict(xml, key[1], base=einvoice_data):
                if out.get(f.rule) != "fatal":
                    out[f.rule] = f.severity
            cache[key] = out
        return cache[key]

    return verdict


# Lines the conformance tests add (rules implemented / rules in the official sets); printed
# at the end of the run.
COVERAGE_REPORT: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if COVERAGE_REPORT:
        terminalreporter.section("e-invoice rule coverage")
        for line in COVERAGE_REPORT:
            terminalreporter.write_line(line)
