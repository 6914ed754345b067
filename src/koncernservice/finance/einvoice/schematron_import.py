"""Developer tool: turn a compiled official Schematron (XSLT 2, SVRL output) into a rule
*data* module for our own validator (``rules/_data_*.py``).

The official stylesheets are not shipped with the project; this tool is run by a developer
when a new version of the rules is published, and the resulting data (rule id, severity,
context, XPath test, official message) is reviewed and committed. At run time nothing
reads the stylesheets: ``schematron.RuleData`` compiles the tests into Python closures.

Usage::

    python -m koncernservice.finance.einvoice.schematron_import STYLESHEET.xslt OUT.py [NAME]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from lxml import etree

XSL = "http://www.w3.org/1999/XSL/Transform"
SVRL = "http://purl.oclc.org/dsdl/svrl"
_SPACES = re.compile(r"\s+")


def _clean(expr: str) -> str:
    return _SPACES.sub(" ", expr).strip()


def extract(path: Path) -> dict[str, Any]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    tree = etree.parse(str(path), parser)
    root = tree.getroot()
    namespaces = {p: u for p, u in root.nsmap.items() if p and u != XSL}
    for el in root.iter():
        if isinstance(el.tag, str):
            for p, u in el.nsmap.items():
                if p and p not in namespaces and u != XSL:
                    namespaces[p] = u
    globals_: list[tuple[str, str]] = []
    for el in root:
        if not isinstance(el.tag, str):
            continue
        if el.tag in (f"{{{XSL}}}param", f"{{{XSL}}}variable") and el.get("select"):
            globals_.append((el.get("name", ""), _clean(el.get("select", ""))))
    templates = []
    for tpl in root.iter(f"{{{XSL}}}template"):
        match, mode = tpl.get("match"), tpl.get("mode")
        if not match or not mode or mode.startswith(("schematron", "generate")):
            continue
        asserts = []
        for fa in tpl.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
            attrs = {
                a.get("name"): "".join(a.itertext()).strip() for a in fa.iter(f"{{{XSL}}}attribute")
            }
            text_el = fa.find(f"{{{SVRL}}}text")
            text = _clean("".join(text_el.itertext())) if text_el is not None else ""
            kind = "assert" if fa.tag.endswith("failed-assert") else "report"
            asserts.append(
                (
                    kind,
                    attrs.get("id", ""),
                    attrs.get("flag", "fatal"),
                    _clean(fa.get("test", "")),
                    text,
                )
            )
        if not asserts:
            continue
        variables = [
            (v.get("name", ""), _clean(v.get("select", "")))
            for v in tpl.iterchildren(f"{{{XSL}}}variable")
            if v.get("select")
        ]
        templates.append(
            (mode, int(float(tpl.get("priority", "0"))), _clean(match), variables, asserts)
        )
    return {"namespaces": namespaces, "globals": globals_, "templates": templates}


def write_module(data: dict[str, Any], out: Path, source: str) -> None:
    lines = [
        f'"""Rule data generated from the official {source} by schematron_import. Do not edit."""',
        "",
        "# ruff: noqa: E501",
        "",
        f"SOURCE = {source!r}",
        f"NAMESPACES = {data['namespaces']!r}",
        "GLOBALS = [",
        *[f"    {g!r}," for g in data["globals"]],
        "]",
        "# (pattern, priority, context, [(variable, select)], [(kind, id, flag, test, message)])",
        "TEMPLATES = [",
    ]
    for mode, prio, match, variables, asserts in data["templates"]:
        lines.append(f"    ({mode!r}, {prio}, {match!r}, {variables!r}, [")
        for a in asserts:
            lines.append(f"        {a!r},")
        lines.append("    ]),")
    lines.append("]")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__)
        return 2
    src, out = Path(argv[1]), Path(argv[2])
    name = argv[3] if len(argv) > 3 else src.name
    write_module(extract(src), out, name)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv))
