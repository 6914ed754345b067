"""Runner for the official e-invoice validation stylesheets (XSLT 2) through saxonche.

The official artefacts (EN 16931, Peppol BIS 3, the Danish CIUS, Peppol BIS Invoice Response
T111 and the OIOUBL 2.1 schematrons) are not part of the project. An operator points the
setting ``EINVOICE_OFFICIAL_RULES_DIR`` (environment ``KS_EINVOICE_OFFICIAL_RULES``) at the
folder that holds them, laid out as the published packages::

    <dir>/en16931/ubl/xslt/EN16931-UBL-validation.xslt
    <dir>/peppol-dk/Schematron/{CEN-EN16931-UBL,PEPPOL-EN16931-UBL,DK-EN16931-UBL}.xslt
    <dir>/peppol-other/PEPPOLBIS-T111.xslt
    <dir>/oioubl/Stylesheets/OIOUBL_{Invoice,CreditNote,ApplicationResponse,...}_Schematron.xsl

Two uses:

* the differential conformance tests compare our own validator with these stylesheets;
* **strict mode**: when the setting is given, ``strict_findings`` runs the stylesheets that fit
  the document after our own validator.

Each stylesheet is compiled once per process. The Saxon processor is created lazily in the
process that uses it (never before a fork: a forked child notices the changed pid and makes
its own). saxonche 12.10.1 is required: 13.x crashes compiling the OIOUBL invoice stylesheet.

Two result formats are read: SVRL (``svrl:failed-assert`` / ``svrl:successful-report`` with
``@id``, ``@flag`` and ``@location``) and OIOUBL's own ``<Error context=...>`` elements with
``<Description>[F-INV001] ...</Description>`` and ``<Xpath>``.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

SETTING = "EINVOICE_OFFICIAL_RULES_DIR"
ENV_VAR = "KS_EINVOICE_OFFICIAL_RULES"

# Stylesheets, relative to the configured folder.
EN16931_UBL = "en16931/ubl/xslt/EN16931-UBL-validation.xslt"
CEN_UBL = "peppol-dk/Schematron/CEN-EN16931-UBL.xslt"
PEPPOL_UBL = "peppol-dk/Schematron/PEPPOL-EN16931-UBL.xslt"
DK_UBL = "peppol-dk/Schematron/DK-EN16931-UBL.xslt"
PEPPOL_T111 = "peppol-other/PEPPOLBIS-T111.xslt"
OIOUBL_INVOICE = "oioubl/Stylesheets/OIOUBL_Invoice_Schematron.xsl"
OIOUBL_CREDITNOTE = "oioubl/Stylesheets/OIOUBL_CreditNote_Schematron.xsl"
OIOUBL_APPLICATIONRESPONSE = "oioubl/Stylesheets/OIOUBL_ApplicationResponse_Schematron.xsl"
OIOUBL_REMINDER = "oioubl/Stylesheets/OIOUBL_Reminder_Schematron.xsl"
OIOUBL_ORDER = "oioubl/Stylesheets/OIOUBL_Order_Schematron.xsl"

# Named sets: what the official route runs for each kind of document.
PEPPOL_BILLING = (CEN_UBL, PEPPOL_UBL, DK_UBL)
OIOUBL_INVOICE_SET = (OIOUBL_INVOICE,)
OIOUBL_CREDITNOTE_SET = (OIOUBL_CREDITNOTE,)
INVOICE_RESPONSE_SET = (PEPPOL_T111,)
APPLICATION_RESPONSE_SET = (OIOUBL_APPLICATIONRESPONSE,)

SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
_OIOUBL_ID = re.compile(r"\[([A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*-?[0-9]+)\]")
_SPACES = re.compile(r"\s+")
_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


class OfficialRulesUnavailable(RuntimeError):
    """The official stylesheets are not configured or not where the configuration says."""


@dataclass(frozen=True, slots=True)
class OfficialFinding:
    rule: str  # official id, e.g. "BR-CO-15", "F-INV135", "PEPPOL-EN16931-R001"
    severity: str  # "fatal" | "warning"
    location: str  # XPath of the offending node as the stylesheet reports it
    message: str
    stylesheet: str = ""  # relative path of the stylesheet that reported it


def configured_dir() -> Path | None:
    """The configured folder of official artefacts, or None when strict mode is off."""
    value: Any = None
    try:
        from django.conf import settings

        if settings.configured:
            value = getattr(settings, SETTING, None)
    except ImportError:  # pragma: no cover - Django is always installed here
        value = None
    if not value:
        value = os.environ.get(ENV_VAR, "")
    return Path(value) if value else None


def stylesheet_path(name: str, base: Path | None = None) -> Path:
    """Absolute path of an official stylesheet; a clear error when it is not available."""
    root = base if base is not None else configured_dir()
    if root is None:
        raise OfficialRulesUnavailable(
            f"The official e-invoice rules are not configured: set {SETTING} in the settings "
            f"or the environment variable {ENV_VAR} to the folder holding them "
            f"(expected {name} inside it)."
        )
    path = root / name
    if not path.is_file():
        raise OfficialRulesUnavailable(
            f"Official stylesheet {name} not found in {root} ({SETTING} / {ENV_VAR})."
        )
    return path


class _Runner:
    """One Saxon processor per process and each stylesheet compiled once."""

    def __init__(self) -> None:
        self._pid: int | None = None
        self._proc: Any = None
        self._xslt: Any = None
        self._compiled: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _processor(self) -> Any:
        pid = os.getpid()
        if self._proc is None or self._pid != pid:
            from saxonche import PySaxonProcessor

            self._proc = PySaxonProcessor(license=False)
            self._xslt = self._proc.new_xslt30_processor()
            self._compiled = {}
            self._pid = pid
        return self._proc

    def executable(self, path: Path) -> Any:
        key = str(path)
        self._processor()
        exe = self._compiled.get(key)
        if exe is None:
            exe = self._xslt.compile_stylesheet(stylesheet_file=key)
            if exe is None:  # pragma: no cover - saxon reports compile errors this way
                raise OfficialRulesUnavailable(f"Saxon could not compile {key}")
            self._compiled[key] = exe
        return exe

    def run(self, xml_text: str, paths: Sequence[Path]) -> list[str | Exception]:
        """One report per stylesheet; a dynamic error (e.g. FORG0001, a value that cannot be
        cast) aborts that stylesheet and is returned instead of its report."""
        with self._lock:
            proc = self._processor()
            node = proc.parse_xml(xml_text=xml_text)
            out: list[str | Exception] = []
            for p in paths:
                exe = self.executable(p)
                try:
                    out.append(exe.transform_to_string(xdm_node=node))
                except Exception as exc:  # saxonche raises PySaxonApiError
                    out.append(exc)
            return out


_RUNNER = _Runner()


def _text(value: bytes | str) -> str:
    if isinstance(value, str):
        return value.lstrip("\ufeff")
    if value.startswith(b"\xef\xbb\xbf"):
        return value.decode("utf-8-sig")
    head = value[:200]
    match = re.search(rb"encoding=[\"']([A-Za-z0-9._-]+)[\"']", head)
    encoding = match.group(1).decode("ascii") if match else "utf-8"
    try:
        return value.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return value.decode("utf-8", errors="replace")


def parse_report(report: str, stylesheet: str = "") -> list[OfficialFinding]:
    """Failed assertions from one stylesheet's output (SVRL or OIOUBL ``<Error>``)."""
    root = etree.fromstring(report.encode("utf-8"))
    findings: list[OfficialFinding] = []
    if root.tag.startswith("{" + SVRL_NS + "}"):
        for el in root.iter(f"{{{SVRL_NS}}}failed-assert", f"{{{SVRL_NS}}}successful-report"):
            text_el = el.find(f"{{{SVRL_NS}}}text")
            message = (
                _SPACES.sub(" ", "".join(text_el.itertext())).strip() if text_el is not None else ""
            )
            flag = (el.get("flag") or "fatal").lower()
            findings.append(
                OfficialFinding(
                    rule=el.get("id") or "",
                    severity="warning" if flag == "warning" else "fatal",
                    location=el.get("location") or "",
                    message=message,
                    stylesheet=stylesheet,
                )
            )
        return findings
    for el in root.iter("Error"):
        desc_el = el.find("Description")
        xpath_el = el.find("Xpath")
        desc = _SPACES.sub(" ", "".join(desc_el.itertext())).strip() if desc_el is not None else ""
        match = _OIOUBL_ID.search(desc)
        rule = match.group(1) if match else ""
        severity = "warning" if rule.startswith("W-") else "fatal"
        location = "".join(xpath_el.itertext()).strip() if xpath_el is not None else ""
        findings.append(
            OfficialFinding(
                rule=rule,
                severity=severity,
                location=location or el.get("context", ""),
                message=desc,
                stylesheet=stylesheet,
            )
        )
    return findings


# A dynamic error aborts an official stylesheet (XPath 2: a value that cannot be cast, e.g.
# xs:decimal('') or xs:decimal('abc'), error FORG0001): the official route cannot accept the
# document. Both verdicts report it under this id.
EVALUATION_ERROR = "RULES-EVALUATION-ERROR"
_ERR_CODE = re.compile(r"\b(FORG\d{4}|FOCA\d{4}|XPTY\d{4}|FOAR\d{4}|XTDE\d{4})\b")


def evaluation_error(text: str, stylesheet: str = "") -> OfficialFinding:
    code = _ERR_CODE.search(text)
    first = text.strip().splitlines()[0] if text.strip() else "dynamic error"
    label = code.group(1) if code else "error"
    return OfficialFinding(
        rule=EVALUATION_ERROR,
        severity="fatal",
        location="",
        message=f"The official rules could not be evaluated ({label}): {first}",
        stylesheet=stylesheet,
    )


def official_verdict(
    xml: bytes | str, stylesheets: Iterable[str], *, base: Path | None = None
) -> list[OfficialFinding]:
    """Run a document through the named official stylesheets; the failed assertions.

    ``stylesheets`` are paths relative to the configured folder (the constants above), or
    absolute paths. Raises ``OfficialRulesUnavailable`` when they are not available.
    """
    names = list(stylesheets)
    paths = [Path(n) if Path(n).is_absolute() else stylesheet_path(n, base) for n in names]
    reports = _RUNNER.run(_text(xml), paths)
    findings: list[OfficialFinding] = []
    for name, report in zip(names, reports, strict=True):
        if isinstance(report, Exception):
            findings.append(evaluation_error(str(report), name))
        else:
            findings.extend(parse_report(report, name))
    return findings


def failed_rule_ids(findings: Iterable[OfficialFinding]) -> set[str]:
    return {f.rule for f in findings}


UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDITNOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
UBL_APPLICATIONRESPONSE_NS = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"


def stylesheets_for(root: Any) -> tuple[str, ...]:
    """The official stylesheets that apply to a parsed document (an lxml root element)."""
    from .parse import detect_format  # OIOUBL or Peppol: the same decision as our route

    tag = etree.QName(root)
    oioubl = detect_format(root) == "oioubl"
    if tag.namespace == UBL_APPLICATIONRESPONSE_NS:
        return APPLICATION_RESPONSE_SET if oioubl else INVOICE_RESPONSE_SET
    if oioubl:
        if tag.namespace == UBL_INVOICE_NS:
            return OIOUBL_INVOICE_SET
        if tag.namespace == UBL_CREDITNOTE_NS:
            return OIOUBL_CREDITNOTE_SET
        return ()
    if tag.namespace in (UBL_INVOICE_NS, UBL_CREDITNOTE_NS):
        return PEPPOL_BILLING
    return ()


def strict_mode_enabled() -> bool:
    return configured_dir() is not None


def strict_findings(document: Any) -> list[OfficialFinding]:
    """Strict mode: the official verdict for a document, or [] when strict mode is off.

    ``document`` is the raw XML (bytes/str), an lxml element/tree, or a parsed document that
    carries its raw bytes (attribute ``raw``/``raw_bytes``/``xml``) or its lxml ``root``.
    """
    if not strict_mode_enabled():
        return []
    raw: bytes | str | None = None
    root: Any = None
    if isinstance(document, (bytes, str)):
        raw = document
    elif isinstance(document, etree._ElementTree):
        root = document.getroot()
    elif isinstance(document, etree._Element):
        root = document
    else:
        for attr in ("raw", "raw_bytes", "xml", "content"):
            value = getattr(document, attr, None)
            if isinstance(value, (bytes, str)):
                raw = value
                break
        if raw is None:
            root = getattr(document, "root", None) or getattr(document, "tree", None)
            if isinstance(root, etree._ElementTree):
                root = root.getroot()
    if root is None:
        if raw is None:
            raise TypeError(
                "strict_findings needs the XML bytes, an lxml element or a parsed document"
            )
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        data = raw if isinstance(raw, bytes) else _DECL.sub("", raw.lstrip("\ufeff"), 1).encode()
        root = etree.fromstring(data, parser)
    if raw is None:
        raw = etree.tostring(root, encoding="unicode")
    sheets = stylesheets_for(root)
    if not sheets:
        return []
    return official_verdict(raw, sheets)


def as_engine_findings(findings: Iterable[OfficialFinding]) -> list[Any]:
    """Strict-mode findings as the engine's ``Finding`` objects (same JSON shape as ours),
    with a Danish explanation saying that the official rules reported them."""
    from .engine import Finding

    return [
        Finding(
            f.rule,
            "warning" if f.severity == "warning" else "fatal",
            f.location,
            f.message,
            f"{'Advarsel' if f.severity == 'warning' else 'Fejl'} {f.rule} fra de officielle "
            f"valideringsregler (streng kontrol): {f.message}",
        )
        for f in findings
    ]
