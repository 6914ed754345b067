"""Random, reproducible breakages of the official e-invoice examples for differential tests.

``mutated(documents, seed, i)`` gives the i-th mutated document of a seed: an element
deleted, duplicated or moved, a value or attribute replaced by a code, number, date or text
taken from elsewhere in the document. Run as a program it compares our verdict with the
official stylesheets' on many of them and prints each difference with the document saved:

    .venv/bin/python -m tests.finance.mutations --seed 3 --count 2000 [--oioubl]
"""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

from lxml import etree

from koncernservice.finance.einvoice import official

VALUES = [
    "", "0", "1", "-1", "100.00", "25", "1.5", "0.001", "abc", "S", "Z", "E", "AE", "K", "G",
    "O", "L", "M", "DKK", "EUR", "DK", "SE", "VAT", "2025-01-01", "2025-13-40", "0088", "0184",
    "9930", "EA", "C62", "380", "381", "383", "58", "30", "31", "49", "97",
]  # fmt: skip
OPERATIONS = ["delete", "duplicate", "text", "text", "attribute", "move", "copy-text"]


def corpus(data: Path, *, oioubl: bool = False) -> list[tuple[str, bytes]]:
    """The official examples to mutate: the UBL billing examples of EN 16931 and the Danish
    Peppol examples, or (``oioubl``) the OIOUBL examples that official rules cover."""
    if oioubl:
        files = sorted((data / "oioubl").rglob("*.xml"))
    else:
        files = (
            sorted((data / "en16931/ubl/examples").glob("*.xml"))
            + sorted((data / "en16931/test/testfiles").glob("*.xml"))
            + sorted((data / "peppol-dk/Example-files").glob("*.xml"))
        )
    out = []
    for f in files:
        raw = f.read_bytes()
        try:
            root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            continue
        if official.stylesheets_for(root):
            out.append((f.name, raw))
    return out


def mutated(
    documents: list[tuple[str, bytes]], seed: int, i: int
) -> tuple[str, str, bytes, tuple[str, ...]] | None:
    """(example, operation, mutated XML, the official stylesheets for it), or None when the
    drawn operation does not apply to the drawn element."""
    rng = random.Random(seed * 1_000_003 + i)
    name, raw = rng.choice(documents)
    root = etree.fromstring(raw)
    elements = [e for e in root.iter() if isinstance(e.tag, str) and e is not root]
    operation, element = rng.choice(OPERATIONS), rng.choice(elements)
    if not _apply(operation, element, elements, rng):
        return None
    sheets = official.stylesheets_for(root)
    if not sheets:
        return None
    return name, operation, etree.tostring(root, xml_declaration=True, encoding="UTF-8"), sheets


def _apply(operation: str, e: Any, elements: list[Any], rng: random.Random) -> bool:
    leaf = len(e) == 0
    if operation == "delete":
        e.getparent().remove(e)
    elif operation == "duplicate":
        e.addnext(copy.deepcopy(e))
    elif operation == "text" and leaf:
        e.text = rng.choice(VALUES)
    elif operation == "attribute" and e.attrib:
        e.attrib[rng.choice(sorted(e.attrib))] = rng.choice(VALUES)
    elif operation == "copy-text" and leaf:
        e.text = rng.choice([x for x in elements if len(x) == 0 and x.text] or [e]).text
    elif operation == "move":
        other = rng.choice(elements)
        if other is e or e in other.iterancestors() or other in e.iterancestors():
            return False
        other.addnext(e)
    else:
        return False
    return True


def main() -> int:  # pragma: no cover - a developer's tool
    import argparse
    import os
    import sys
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koncernservice.settings")
    import django

    django.setup()
    from koncernservice.finance.einvoice import parse_document, validate
    from koncernservice.finance.einvoice.engine import failed_ids
    from koncernservice.finance.einvoice.parse import EInvoiceError

    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--oioubl", action="store_true")
    ap.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[3] / "shared/data/einvoice"
    )
    ap.add_argument("--out", type=Path, default=Path("/tmp"))
    args = ap.parse_args()
    documents = corpus(args.data, oioubl=args.oioubl)
    started, compared, differences = time.time(), 0, 0
    for i in range(args.count):
        case = mutated(documents, args.seed, i)
        if case is None:
            continue
        name, operation, xml, sheets = case
        try:
            mine = failed_ids(validate(parse_document(xml)))
        except EInvoiceError:
            continue
        theirs: dict[str, str] = {}
        for f in official.official_verdict(xml, sheets, base=args.data):
            if theirs.get(f.rule) != "fatal":
                theirs[f.rule] = f.severity
        compared += 1
        if mine != theirs:
            differences += 1
            saved = args.out / f"mutation-{args.seed}-{i}.xml"
            saved.write_bytes(xml)
            only_ours = sorted(set(mine.items()) - set(theirs.items()))
            only_theirs = sorted(set(theirs.items()) - set(mine.items()))
            print(
                f"#{i} {name} ({operation}): only ours {only_ours}; only official "
                f"{only_theirs} -> {saved}",
                flush=True,
            )
    print(
        f"seed {args.seed}: {compared} documents compared, {differences} different, "
        f"{time.time() - started:.0f} s"
    )
    return 1 if differences else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
