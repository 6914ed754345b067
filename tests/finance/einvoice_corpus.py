"""The official e-invoice corpus for the differential tests (read from ../shared/data)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from koncernservice.finance.einvoice import parse_document, validate
from koncernservice.finance.einvoice.engine import failed_ids

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
