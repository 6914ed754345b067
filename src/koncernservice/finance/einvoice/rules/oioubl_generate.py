"""Build the OIOUBL 2.1 rule tables (``oioubl_data_*.py``) from the published rule package.

The OIOUBL rules are published as compiled schematron (XSLT 2) by the Danish Business
Authority. This tool transcribes each rule into our data format once, at development time:
for every pattern (an XSLT mode) the rules in priority order, each with its context (match
pattern) and body: local variables, assertions/reports (test, official id, severity,
message parts) and the odd ``for-each-group``. ``rules.oioubl`` evaluates these tables over a
parsed document in a single walk; nothing reads the official package at run time.

Usage (from the repository root)::

    .venv/bin/python -m koncernservice.finance.einvoice.rules.oioubl_generate \\
        ../shared/data/einvoice/oioubl/Stylesheets

Only the standard library and lxml are used; importing this module does nothing.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

XSL = "http://www.w3.org/1999/XSL/Transform"
_ID = re.compile(r"\[([A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*-?[0-9]+)\]")
_WS = re.compile(r"\s+")
_LITERAL = re.compile(r"^'[^']*'$")

TARGETS = {
    "invoice": "OIOUBL_Invoice_Schematron.xsl",
    "creditnote": "OIOUBL_CreditNote_Schematron.xsl",
    "applicationresponse": "OIOUBL_ApplicationResponse_Schematron.xsl",
    "reminder": "OIOUBL_Reminder_Schematron.xsl",
}


def _q(el: Any) -> str:
    return str(el.tag).split("}", 1)[-1] if isinstance(el.tag, str) else ""


def _is_xsl(el: Any, name: str) -> bool:
    return isinstance(el.tag, str) and el.tag == f"{{{XSL}}}{name}"


def _content(el: Any) -> list[Any]:
    """A sequence constructor as string parts: literal text and ("xpath", expr)."""
    parts: list[Any] = []
    if el.text and el.text.strip():
        parts.append(el.text)
    for child in el:
        if _is_xsl(child, "value-of"):
            parts.append(("xpath", child.get("select")))
        elif _is_xsl(child, "text"):
            if child.text:
                parts.append(child.text)
        elif _is_xsl(child, "choose"):
            branches = []
            for br in child:
                if _is_xsl(br, "when"):
                    branches.append((br.get("test"), _content(br)))
                elif _is_xsl(br, "otherwise"):
                    branches.append((None, _content(br)))
            parts.append(("choose", branches))
        if child.tail and child.tail.strip():
            parts.append(child.tail)
    return parts


def _error(err: Any) -> tuple[str, str, list[Any]]:
    desc = err.find("Description")
    parts = _content(desc) if desc is not None else []
    literal = "".join(p for p in parts if isinstance(p, str))
    m = _ID.search(literal)
    if not m:
        raise ValueError(f"no rule id in {literal!r}")
    rule = m.group(1)
    severity = "warning" if rule.startswith("W-") else "fatal"
    # normalise whitespace in literal parts; keep expressions
    norm: list[Any] = []
    for p in parts:
        norm.append(_WS.sub(" ", p) if isinstance(p, str) else p)
    return rule, severity, norm


def _body(el: Any) -> list[Any]:
    out: list[Any] = []
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if _is_xsl(child, "variable"):
            if child.get("select") is not None:
                out.append(("var", child.get("name"), child.get("select")))
            else:
                out.append(("varc", child.get("name"), _content(child)))
        elif _is_xsl(child, "choose"):
            when = child.find(f"{{{XSL}}}when")
            other = child.find(f"{{{XSL}}}otherwise")
            err = other.find("Error") if other is not None else None
            if when is None or err is None:
                raise ValueError("unexpected choose")
            rule, sev, msg = _error(err)
            out.append(("assert", when.get("test"), rule, sev, msg))
        elif _is_xsl(child, "if"):
            err = child.find("Error")
            if err is None:
                raise ValueError("unexpected if")
            rule, sev, msg = _error(err)
            out.append(("report", child.get("test"), rule, sev, msg))
        elif _is_xsl(child, "for-each-group"):
            out.append(("group", child.get("select"), child.get("group-by"), _body(child)))
        elif _is_xsl(child, "apply-templates"):
            continue
        else:
            raise ValueError(f"unexpected instruction {child.tag}")
    return out


def extract(path: Path) -> dict[str, Any]:
    from lxml import etree

    root = etree.parse(str(path)).getroot()
    namespaces = {k: v for k, v in root.nsmap.items() if k}
    variables: list[tuple[str, str, str]] = []
    for var in root.iterfind(f"{{{XSL}}}variable"):
        select = var.get("select")
        if select is None:
            raise ValueError("global variable with content")
        if _LITERAL.match(select.strip()):
            variables.append((var.get("name"), "const", select.strip()[1:-1]))
        else:
            variables.append((var.get("name"), "xpath", select))
    main = next(
        t
        for t in root.iterfind(f"{{{XSL}}}template")
        if t.get("match") == "/" and not t.get("mode")
    )
    modes = [a.get("mode") for a in main.iter(f"{{{XSL}}}apply-templates")]
    rules: dict[str, list[Any]] = {m: [] for m in modes}
    for tpl in root.iterfind(f"{{{XSL}}}template"):
        mode = tpl.get("mode")
        if mode not in rules or tpl.get("priority") in ("-1", "-2"):
            continue
        body = _body(tpl)
        rules[mode].append((tpl.get("match"), int(tpl.get("priority") or 0), body))
    for mode in modes:
        rules[mode].sort(key=lambda r: -r[1])
    title = (
        "".join(main.find(".//Information").itertext())
        if main.find(".//Information") is not None
        else ""
    )
    return {
        "source": path.name,
        "title": title,
        "namespaces": namespaces,
        "variables": variables,
        "patterns": [rules[m] for m in modes],
    }


def write(kind: str, data: dict[str, Any], out_dir: Path) -> Path:
    """The table as JSON inside a Python module: one string literal compiles and loads in
    milliseconds, where the same data as Python literals takes seconds to compile."""
    target = out_dir / f"oioubl_data_{kind}.py"
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if '"""' in payload or payload.endswith("\\"):
        raise ValueError("payload cannot be embedded in a raw triple-quoted string")
    text = (
        f'"""OIOUBL 2.1 {kind} rules as data (generated by oioubl_generate from {data["source"]}:\n'
        f'{data["title"]}). Do not edit by hand; regenerate."""\n\n'
        "# ruff: noqa: E501\n"
        "import json\n\n"
        f'RULES = json.loads(r"""{payload}""")\n'
    )
    target.write_text(text, encoding="utf-8")
    namespace: dict[str, Any] = {}
    exec(compile(text, str(target), "exec"), namespace)  # round trip: what we wrote loads back
    if namespace["RULES"] != json.loads(payload):
        raise ValueError("round trip failed")
    return target


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else Path("../shared/data/einvoice/oioubl/Stylesheets")
    out_dir = Path(__file__).resolve().parent
    for kind, name in TARGETS.items():
        data = extract(src / name)
        print(write(kind, data, out_dir))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv))
