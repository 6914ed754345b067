"""Differential conformance on randomly broken documents: elements deleted, duplicated or
moved, values replaced by codes, numbers, dates and text from elsewhere in the document.
Each mutated official example gets our verdict and the official stylesheets' verdict
(saxonche); they must be equal. The seed is fixed, so a failure names a document that can
be made again (``mutated(documents, seed, i)``); ``python -m tests.finance.mutations``
runs the same with other seeds and many more documents."""

from __future__ import annotations

from koncernservice.finance.einvoice import parse_document, validate
from koncernservice.finance.einvoice.engine import failed_ids

from .conftest import EINVOICE_DATA, needs_einvoice_data
from .mutations import corpus, mutated
from .test_conformance_en16931 import diff

pytestmark = needs_einvoice_data

SEED, COUNT = 20261204, 240


def test_mutated_documents_get_the_official_verdict(official_verdict) -> None:
    documents = corpus(EINVOICE_DATA)
    compared, failures = 0, []
    for i in range(COUNT):
        case = mutated(documents, SEED, i)
        if case is None:
            continue
        name, operation, xml, sheets = case
        try:
            parsed = parse_document(xml)
        except Exception:  # refused as a document (parse errors are tested elsewhere)
            continue
        mine = failed_ids(validate(parsed))
        theirs = official_verdict(xml, sheets)
        compared += 1
        if mine != theirs:
            failures.append(f"#{i} {name} ({operation}): {diff(mine, theirs)}")
    assert compared > COUNT // 2
    assert not failures, "\n".join(failures)
