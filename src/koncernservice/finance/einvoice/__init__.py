"""E-invoices: safe parsing (``parse``), the internal model (``document``), the rule
engine (``engine``) and our own implementation of the official rules (``rules``).

``validate_files(paths)`` produces exactly the JSON objects of
``ks invoices validate FILE... --json``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from . import accel

accel.select()  # before anything imports xpath/schematron: never a stale compiled module

from .engine import Finding, Rule, rulesets_for, validate  # noqa: E402
from .parse import (  # noqa: E402
    DEFAULT_MAX_BYTES,
    LARGE_DOCUMENT_BYTES,
    EInvoiceError,
    ParsedDocument,
    detect_format,
    parse_document,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "LARGE_DOCUMENT_BYTES",
    "EInvoiceError",
    "Finding",
    "ParsedDocument",
    "Rule",
    "detect_format",
    "parse_document",
    "rulesets_for",
    "validate",
    "validate_bytes",
    "validate_files",
]

PARSE_RULE = "KS-PARSE"
TIMEOUT_RULE = "KS-TIMEOUT"


def _error_result(
    file: str, exc: EInvoiceError, fmt: str | None = None, rule: str = PARSE_RULE
) -> dict[str, Any]:
    return {
        "file": file,
        "format": fmt,
        "valid": False,
        "errors": [
            {
                "rule": rule,
                "severity": "fatal",
                "location": exc.location,
                "message": f"{exc.reason}: {exc.message}",
            }
        ],
    }


def validate_bytes(
    data: bytes,
    *,
    filename: str = "",
    rulesets: Iterable[str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Validate one document's bytes: the JSON object of ``ks invoices validate``.
    ``timeout`` (seconds): a document whose rules do not finish in time gets one
    ``KS-TIMEOUT`` error (and ``valid`` false)."""
    try:
        parsed = parse_document(data, filename=filename, max_bytes=max_bytes)
    except EInvoiceError as exc:
        return _error_result(filename, exc)
    try:
        findings = validate(parsed, rulesets, timeout=timeout)
    except EInvoiceError as exc:
        return _error_result(filename, exc, parsed.format, TIMEOUT_RULE)
    return {
        "file": filename,
        "format": parsed.format,
        "valid": not any(f.severity == "fatal" for f in findings),
        "errors": [f.as_dict() for f in findings],
    }


def validate_files(
    paths: Iterable[str | os.PathLike[str]],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float | None = None,
) -> list[dict[str, Any]]:
    """One object per file: ``file``, ``format`` ('oioubl'|'peppol'|None), ``valid`` (no
    fatal errors) and ``errors`` (``rule``, ``severity``, ``location``, ``message``).
    A file that cannot be read gives ``format`` None, ``valid`` False and one ``KS-PARSE``
    error with the reason (``KS-READ`` when the file itself cannot be opened)."""
    results = []
    for p in paths:
        name = os.fspath(p)
        try:
            size = os.path.getsize(name)
            if size > max_bytes:
                raise EInvoiceError(
                    "too-large",
                    f"The file is {size:,} bytes; the limit is {max_bytes:,} bytes.",
                    f"Filen fylder {size:,} byte; grænsen er {max_bytes:,} byte.",
                    file=name,
                )
            with open(name, "rb") as fh:
                data = fh.read()
        except EInvoiceError as exc:
            results.append(_error_result(name, exc))
            continue
        except OSError as exc:
            results.append(
                {
                    "file": name,
                    "format": None,
                    "valid": False,
                    "errors": [
                        {
                            "rule": "KS-READ",
                            "severity": "fatal",
                            "location": "",
                            "message": f"unreadable: {exc.strerror or exc}",
                        }
                    ],
                }
            )
            continue
        results.append(validate_bytes(data, filename=name, max_bytes=max_bytes, timeout=timeout))
    return results
