"""OIOUBL 2.1 Invoice and CreditNote rules (F-INV*, F-CRN*, F-LIB*, W-*), data-driven.

The rules live as data in ``oioubl_data_invoice.py`` / ``oioubl_data_creditnote.py``
(transcribed from the official schematron by ``oioubl_generate``): for each pattern, the rules
in priority order, each with its context and its assertions. This module evaluates them:

* **one walk** over the document finds, for every element and every pattern, the one rule
  whose context matches (schematron semantics: the highest-priority rule of a pattern fires);
  simple contexts (``doc:Invoice/cac:X/cbc:Y``) are matched by a dict lookup on the element's
  tag and a suffix compare of its ancestors, the rest (``//*[@currencyID]``) by one query;
* the tests are XPath 1.0 expressions compiled once per process (lxml/libxml2, in C), with
  the few XPath 2 / XSLT functions the rules use (``xs:double``, ``xs:decimal``, ``xs:int``,
  ``current()``, ``current-group()``, ``format-number``, ``exists``, ``matches``,
  ``ends-with``, ``abs``) supplied here; rules whose context matches nothing cost nothing.

Each finding carries the official id, severity (``W-`` ids are warnings), the location in
the official format (``/Invoice[1]/cac:InvoiceLine[2]``), the official message (with its
values filled in) and a Danish explanation.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from lxml import etree

from ..engine import Finding, register_ruleset
from ..official import EVALUATION_ERROR

XS = "http://www.w3.org/2001/XMLSchema"
_STATE = threading.local()
_SIMPLE_STEP = re.compile(r"^[A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*$")

# -- XPath 2 / XSLT functions the rules use ---------------------------------------------------


def _string_value(item: Any) -> str:
    if isinstance(item, etree._Element):
        return "".join(item.itertext())
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, float):
        if math.isnan(item):
            return "NaN"
        if item == int(item) and abs(item) < 1e15:
            return str(int(item))
        return repr(item)
    return str(item)


def _arg_string(arg: Any) -> str | None:
    """The string value of an argument; None for the empty sequence."""
    if isinstance(arg, list):
        return _string_value(arg[0]) if arg else None
    return _string_value(arg)


def _to_number(arg: Any) -> float | list[Any]:
    if isinstance(arg, bool):
        return 1.0 if arg else 0.0
    if isinstance(arg, float):
        return arg
    s = _arg_string(arg)
    if s is None:
        return []
    try:
        return float(s.strip())
    except ValueError:
        return math.nan


class CastError(ValueError):
    """XPath 2 cast of a non-numeric string (FORG0001): aborts the official stylesheet."""


_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_DOUBLE = re.compile(r"^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN)$")


def _cast(arg: Any, lexical: re.Pattern[str], type_name: str) -> Any:
    if isinstance(arg, (bool, float)):
        return _to_number(arg)
    s = _arg_string(arg)
    if s is None:
        return []
    s = s.strip()
    if not lexical.match(s):
        raise CastError(f'FORG0001 Cannot convert string "{s}" to {type_name}')
    return float(s.replace("INF", "inf"))


def _fn_double(_ctx: Any, arg: Any) -> Any:
    return _cast(arg, _DOUBLE, "xs:double")


def _fn_decimal(_ctx: Any, arg: Any) -> Any:
    return _cast(arg, _DECIMAL, "xs:decimal")


def _fn_int(_ctx: Any, arg: Any) -> Any:
    n = _cast(arg, _DECIMAL, "xs:int")
    if isinstance(n, list) or math.isnan(n) or math.isinf(n):
        return n
    return float(int(n))


def _fn_current(ctx: Any) -> list[Any]:
    current = getattr(_STATE, "current", None)
    return [ctx.context_node if current is None else current]


def _fn_current_group(_ctx: Any) -> list[Any]:
    return list(getattr(_STATE, "group", []))


def _fn_exists(_ctx: Any, arg: Any) -> bool:
    return bool(arg) if isinstance(arg, list) else True


def _fn_matches(_ctx: Any, arg: Any, pattern: Any, flags: Any = "") -> bool:
    s = _arg_string(arg) or ""
    return re.search(str(pattern), s) is not None


def _fn_ends_with(_ctx: Any, a: Any, b: Any) -> bool:
    return (_arg_string(a) or "").endswith(_arg_string(b) or "")


def _fn_abs(_ctx: Any, arg: Any) -> Any:
    n = _to_number(arg)
    return n if isinstance(n, list) else abs(n)


def _fn_format_number(_ctx: Any, arg: Any, picture: Any) -> str:
    n = _cast(arg, _DOUBLE, "xs:double")
    if isinstance(n, list) or math.isnan(n):
        return "NaN"
    pic = str(picture)
    whole, _, frac = pic.partition(".")
    places = len(frac)
    try:
        d = Decimal(repr(n)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    except InvalidOperation:  # pragma: no cover - infinities
        return "Infinity" if n > 0 else "-Infinity"
    text = f"{abs(d):.{places}f}"
    min_int = whole.count("0")
    int_part, _, frac_part = text.partition(".")
    int_part = int_part.lstrip("0")
    if len(int_part) < min_int:
        int_part = int_part.rjust(min_int, "0")
    out = int_part + ("." + frac_part if places else "")
    if d < 0:
        out = "-" + out
    return out


def _fn_one(_ctx: Any, arg: Any) -> Any:
    """At most one item (see ``_wrap_single_args``)."""
    if isinstance(arg, list):
        if len(arg) > 1:
            raise CastError("XPTY0004 A sequence of more than one item is not allowed here")
        if arg and not isinstance(arg[0], etree._Element):
            return _string_value(arg[0])
    return arg


def _fn_numbers(_ctx: Any, arg: Any) -> Any:
    """sum() of values that are not numbers stops Saxon (FORG0001); XPath 1 gives NaN."""
    if isinstance(arg, list):
        for item in arg:
            s = _string_value(item).strip()
            if not _DOUBLE.match(s):
                raise CastError(f'FORG0001 Cannot convert string "{s}" to xs:double')
    return arg


def _fn_string_compare(_ctx: Any, nodes: Any, op: str, literal: str) -> bool:
    values = (
        [_string_value(v) for v in nodes] if isinstance(nodes, list) else [_string_value(nodes)]
    )
    compare = {
        "<": str.__lt__,
        ">": str.__gt__,
        "<=": str.__le__,
        ">=": str.__ge__,
    }[op]
    return any(compare(v, literal) for v in values)


EXTENSIONS: dict[tuple[str | None, str], Callable[..., Any]] = {
    (XS, "double"): _fn_double,
    (XS, "decimal"): _fn_decimal,
    (XS, "float"): _fn_double,
    (XS, "int"): _fn_int,
    (XS, "integer"): _fn_int,
    (None, "current"): _fn_current,
    (None, "current-group"): _fn_current_group,
    (None, "exists"): _fn_exists,
    (None, "matches"): _fn_matches,
    (None, "ends-with"): _fn_ends_with,
    (None, "abs"): _fn_abs,
    (None, "format-number"): _fn_format_number,
    (None, "ks-one"): _fn_one,
    (None, "ks-numbers"): _fn_numbers,
    (None, "ks-string-compare"): _fn_string_compare,
}


# -- compiled rule tables ---------------------------------------------------------------------


def _truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, list):
        return len(value) > 0
    return bool(value)


def _as_variable(value: Any) -> Any:
    """lxml takes elements, strings, numbers and booleans as variables, not attribute nodes."""
    if isinstance(value, list) and value and not all(isinstance(v, etree._Element) for v in value):
        return _string_value(value[0])
    return value


_VAR_REF = re.compile(r"\$([A-Za-z_][\w.-]*)")


class _XPath:
    """A compiled expression that passes only the variables it uses (lxml registers every
    variable it is given on each call, which would dominate the cost)."""

    __slots__ = ("_names", "_xp", "path")

    def __init__(self, expr: str, ns: dict[str, str]) -> None:
        self.path = expr
        self._xp = etree.XPath(expr, namespaces=ns, extensions=EXTENSIONS, smart_strings=False)
        self._names = tuple(sorted(set(_VAR_REF.findall(expr))))

    def __call__(self, node: Any, variables: dict[str, Any]) -> Any:
        if not self._names:
            return self._xp(node)
        values = {}
        for n in self._names:
            v = variables[n]
            if type(v) is _Lazy:
                v = variables[n] = v.value()
            values[n] = v
        return self._xp(node, **values)

    def test(self, node: Any, variables: dict[str, Any]) -> bool:
        """The boolean value of the expression. On a dynamic error, evaluate ``a and b`` /
        ``a or b`` / ``not(a)`` part by part, left to right, as Saxon does: an error in a part
        that the outcome does not need is no error."""
        try:
            return _truth(self(node, variables))
        except CastError:
            split = _split_boolean(self.path)
            if split is None:
                raise
            op, parts = split
            if op == "not":
                return not parts[0].test(node, variables)
            if op == "and":
                return all(p.test(node, variables) for p in parts)
            return any(p.test(node, variables) for p in parts)


_SPLITS: dict[str, Any] = {}


def _split_boolean(expr: str) -> tuple[str, list[_XPath]] | None:
    if expr in _SPLITS:
        return _SPLITS[expr]  # type: ignore[no-any-return]
    tokens = _TOKEN.findall(expr)
    result: tuple[str, list[_XPath]] | None = None
    for op in ("or", "and"):
        parts: list[list[str]] = [[]]
        depth = 0
        for tok in tokens:
            if tok in ("(", "["):
                depth += 1
            elif tok in (")", "]"):
                depth -= 1
            if depth == 0 and tok == op:
                parts.append([])
            else:
                parts[-1].append(tok)
        if len(parts) > 1:
            result = (op, [_XPath("".join(p), _NS_FOR_SPLIT) for p in parts])
            break
    if result is None:
        stripped = expr.strip()
        inner = _outer(stripped, "(")
        if inner is not None:
            result = _split_boolean(inner)
        else:
            inner = _outer(stripped, "not(")
            if inner is not None:
                result = ("not", [_XPath(inner, _NS_FOR_SPLIT)])
    _SPLITS[expr] = result
    return result


def _outer(expr: str, opening: str) -> str | None:
    """``X`` when expr is exactly ``opening X )`` (one balanced group)."""
    if not expr.startswith(opening) or not expr.endswith(")"):
        return None
    depth = 0
    for pos, tok in enumerate(_TOKEN.findall(expr)):
        if tok in ("(", "["):
            depth += 1
        elif tok in (")", "]"):
            depth -= 1
            if depth == 0 and pos != len(_TOKEN.findall(expr)) - 1:
                return None
    return expr[len(opening) : -1]


_NS_FOR_SPLIT: dict[str, str] = {}


class _Lazy:
    """A local variable, evaluated when first used."""

    __slots__ = ("node", "program", "scope", "step")

    def __init__(self, program: Any, step: Any, node: Any, scope: dict[str, Any]) -> None:
        self.program, self.step, self.node, self.scope = program, step, node, scope

    def value(self) -> Any:
        saved = getattr(_STATE, "current", None)
        _STATE.current = self.node
        try:
            if self.step[0] == "var":
                return _as_variable(self.step[2](self.node, self.scope))
            return self.program._text(self.step[2], self.node, self.scope)
        finally:
            _STATE.current = saved


# Rules that read more than their context element's subtree.
_NON_LOCAL = re.compile(r"\.\.|::|//|current-group\(|\bid\(|\bkey\(|\bdocument\(")
_PATH_STARTS = frozenset({"(", ",", "=", "!", "<", ">", "and", "or", "+", "-", "[", "|"})
MEMO_SIZE = 50_000


class _Body(list[Any]):
    """A rule's compiled steps, plus (``batch``) all its tests as one expression and
    (``local``) whether it reads only its context element's subtree."""

    local: bool = False

    batch: tuple[_XPath | None, list[Any], list[tuple[int, Callable[[Any], bool], bool]]] | None = (
        None
    )


_STEP = r"(?:[A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*)"
_PATH = rf"({_STEP}(?:/{_STEP})*(?:/@[A-Za-z_][\w.-]*)?|@[A-Za-z_][\w.-]*)"
_NATIVE_COUNT = re.compile(rf"^count\({_PATH}\) ?(=|!=|<|>|<=|>=) ?(\d+)$")
_NATIVE_NOT = re.compile(rf"^not\({_PATH}\)$")
_NATIVE_NONEMPTY = re.compile(rf"^normalize-space\({_PATH}\) ?(!=|=) ?''$")
_OPS: dict[str, Callable[[int, int], bool]] = {
    "=": int.__eq__,
    "!=": int.__ne__,
    "<": int.__lt__,
    ">": int.__gt__,
    "<=": int.__le__,
    ">=": int.__ge__,
}


def _select(el: Any, steps: tuple[str, ...]) -> list[Any]:
    nodes = [el]
    for step in steps:
        if step[0] == "@":
            name = step[1:]
            return [n.get(name) for n in nodes if n.get(name) is not None]
        nxt: list[Any] = []
        for n in nodes:
            nxt.extend(n.iterchildren(step))
        if not nxt:
            return nxt
        nodes = nxt
    return nodes


def _node_string(node: Any) -> str:
    return node if isinstance(node, str) else "".join(node.itertext())


class _Program:
    """One stylesheet's rules, compiled for lxml (once per process, lazily)."""

    def __init__(self, data: dict[str, Any], ruleset: str) -> None:
        self.ruleset = ruleset
        self.ns = {k: v for k, v in data["namespaces"].items() if k not in ("xsl",)}
        _NS_FOR_SPLIT.update(self.ns)
        self._xpaths: dict[str, _XPath] = {}
        self._memo: dict[tuple[int, bytes], list[tuple[str, Any, str, str]]] = {}
        self.consts: dict[str, Any] = {}
        self.doc_vars: list[tuple[str, _XPath]] = []
        for name, kind, value in data["variables"]:
            if kind == "const":
                self.consts[name] = value
            else:
                self.doc_vars.append((name, self.xpath(value)))
        # tag -> [(pattern index, priority, ancestor clark names (outer first), body)]
        self.by_tag: dict[str, list[tuple[int, int, tuple[str, ...], _Body]]] = {}
        self.queried: list[tuple[int, int, _XPath, _Body]] = []
        self.root_rules: list[tuple[int, _Body]] = []
        self.rule_ids: set[str] = set()
        self.assert_count = 0
        for index, rules in enumerate(data["patterns"]):
            for match, priority, body in rules:
                compiled = self._body(body, root=(match == "/"))
                if match == "/":
                    self.root_rules.append((index, compiled))
                    continue
                steps = match.split("/")
                if all(_SIMPLE_STEP.match(s) for s in steps):
                    clark = tuple(self._clark(s) for s in steps)
                    self.by_tag.setdefault(clark[-1], []).append(
                        (index, priority, clark[:-1], compiled)
                    )
                else:
                    expr = "|".join(p if p.startswith("/") else "//" + p for p in match.split("|"))
                    self.queried.append((index, priority, self.xpath(expr), compiled))

    def _inline(self, expr: str) -> str:
        """Code lists and other constants become literals (no variable to pass per call)."""

        def literal(m: re.Match[str]) -> str:
            value = self.consts.get(m.group(1))
            if value is None or "'" in value:
                return m.group(0)
            return f"'{value}'"

        return _VAR_REF.sub(literal, expr)

    def _clark(self, qname: str) -> str:
        prefix, local = qname.split(":")
        return f"{{{self.ns[prefix]}}}{local}"

    def xpath(self, expr: str) -> _XPath:
        xp = self._xpaths.get(expr)
        if xp is None:
            xp = _XPath(self._inline(xpath1(expr)), self.ns)
            self._xpaths[expr] = xp
        return xp

    def _parts(self, parts: list[Any], root: bool) -> list[Any]:
        out: list[Any] = []
        for p in parts:
            if isinstance(p, str):
                out.append(p)
            elif p[0] == "xpath":
                out.append(("x", self.xpath(_at_root(p[1]) if root else p[1])))
            else:  # choose
                out.append(
                    (
                        "c",
                        [
                            (None if t is None else self.xpath(t), self._parts(c, root))
                            for t, c in p[1]
                        ],
                    )
                )
        return out

    def _body(self, body: list[Any], root: bool = False) -> _Body:
        out = _Body()
        for step in body:
            kind = step[0]
            if kind == "var":
                out.append(("var", step[1], self.xpath(step[2])))
            elif kind == "varc":
                out.append(("varc", step[1], self._parts(step[2], root)))
            elif kind in ("assert", "report"):
                _, test, rule, severity, message = step
                self.rule_ids.add(rule)
                self.assert_count += 1
                xp = self.xpath(_at_root(test) if root else test)
                out.append((kind, xp, rule, severity, self._parts(message, root), test))
            elif kind == "group":
                out.append(("group", self.xpath(step[1]), self.xpath(step[2]), self._body(step[3])))
        checks = [step for step in out if step[0] in ("assert", "report")]
        if len(checks) > 1:
            # The simple tests (presence, counts, values of child elements) run as Python
            # over the element's children; the others in one XPath call that returns the
            # numbers of the failed checks ("3,7,").
            pieces = []
            native: list[tuple[int, Callable[[Any], bool], bool]] = []
            for n, step in enumerate(checks):
                fn = None if root else self._native(step[5])
                if fn is not None:
                    native.append((n, fn, step[0] == "assert"))
                    continue
                cond = f"not({step[1].path})" if step[0] == "assert" else f"({step[1].path})"
                label = f"{n},"
                pieces.append(f"substring('{label}', 1, {len(label)} * number(boolean({cond})))")
            batch_xp: _XPath | None
            if not pieces:
                batch_xp = None
            elif len(pieces) == 1:
                batch_xp = _XPath(pieces[0], self.ns)
            else:
                batch_xp = _XPath("concat(" + ", ".join(pieces) + ")", self.ns)
            out.batch = (batch_xp, checks, native)
        out.local = not root and self._local(body)
        return out

    def _local(self, body: list[Any]) -> bool:
        """Whether a rule reads only its context element's own subtree (no parent, sibling,
        absolute path or document variable): then its outcome depends on that subtree alone."""
        own_vars = {step[1] for step in body if step[0] in ("var", "varc")}

        def local_expr(expr: str | None) -> bool:
            if expr is None:
                return True
            if _NON_LOCAL.search(expr):
                return False
            tokens = [t for t in _TOKEN.findall(expr) if not t.isspace()]
            for i, tok in enumerate(tokens):
                prev = tokens[i - 1] if i else ""
                if tok == "/" and (not prev or prev in _PATH_STARTS):
                    return False
                if tok == "$":
                    name = tokens[i + 1] if i + 1 < len(tokens) else ""
                    if name not in self.consts and name not in own_vars:
                        return False
            return True

        def local_parts(parts: list[Any]) -> bool:
            for p in parts:
                if isinstance(p, str):
                    continue
                if p[0] == "xpath" and not local_expr(p[1]):
                    return False
                if p[0] == "choose" and not all(local_expr(t) and local_parts(c) for t, c in p[1]):
                    return False
            return True

        for step in body:
            kind = step[0]
            if kind == "var" and not local_expr(step[2]):
                return False
            if kind == "varc" and not local_parts(step[2]):
                return False
            if kind in ("assert", "report") and not (local_expr(step[1]) and local_parts(step[4])):
                return False
            if kind == "group" and not (
                local_expr(step[1]) and local_expr(step[2]) and self._local(step[3])
            ):
                return False
        return True

    def _native(self, test: str) -> Callable[[Any], bool] | None:
        """A Python version of a simple test, or None."""
        t = " ".join(test.split())
        m = _NATIVE_COUNT.match(t)
        if m:
            steps = self._steps(m.group(1))
            op = _OPS[m.group(2)]
            number = int(m.group(3))
            return lambda el: op(len(_select(el, steps)), number)
        m = _NATIVE_NOT.match(t)
        if m:
            steps = self._steps(m.group(1))
            return lambda el: not _select(el, steps)
        m = _NATIVE_NONEMPTY.match(t)
        if m:
            steps = self._steps(m.group(1))
            want_empty = m.group(2) == "="

            def nonempty(el: Any) -> bool:
                nodes = _select(el, steps)
                if len(nodes) > 1:
                    raise CastError("XPTY0004 A sequence of more than one item is not allowed here")
                value = " ".join(_node_string(nodes[0]).split()) if nodes else ""
                return (value == "") if want_empty else (value != "")

            return nonempty
        return None

    def _steps(self, path: str) -> tuple[str, ...]:
        return tuple("@" + p[1:] if p.startswith("@") else self._clark(p) for p in path.split("/"))

    # -- evaluation ---------------------------------------------------------------------------

    def run(self, root: Any) -> list[Finding]:
        try:
            return self._run(root)
        except CastError as exc:
            node = getattr(_STATE, "current", None)
            where = location(node) if isinstance(node, etree._Element) else ""
            message = f"The official rules could not be evaluated (FORG0001): {exc}"
            return [
                Finding(
                    EVALUATION_ERROR,
                    "fatal",
                    where,
                    message,
                    "Fejl: Dokumentet kan ikke valideres efter de officielle OIOUBL-regler, "
                    f"fordi en værdi ikke er et tal ({exc}).",
                )
            ]

    def _run(self, root: Any) -> list[Finding]:
        variables: dict[str, Any] = dict(self.consts)
        for name, xp in self.doc_vars:
            variables[name] = _as_variable(xp(root, variables))
        findings: list[Finding] = []
        # (pattern index, element) -> rule already chosen (highest priority wins)
        chosen: dict[tuple[int, Any], tuple[int, _Body]] = {}
        for _index, body in self.root_rules:
            self._exec(body, root, variables, findings)
        for index, priority, xp, body in self.queried:
            for node in xp(root, variables):
                if isinstance(node, etree._Element):
                    key = (index, node)
                    if key not in chosen or chosen[key][0] < priority:
                        chosen[key] = (priority, body)
        by_tag = self.by_tag
        path: list[str] = []
        for event, el in etree.iterwalk(root, events=("start", "end")):
            if event == "end":
                path.pop()
                continue
            tag = el.tag
            if not isinstance(tag, str):
                path.append("")
                continue
            cands = by_tag.get(tag)
            if cands:
                for index, priority, ancestors, body in cands:
                    n = len(ancestors)
                    if n and (len(path) < n or tuple(path[-n:]) != ancestors):
                        continue
                    key = (index, el)
                    current = chosen.get(key)
                    if current is None or current[0] < priority:
                        chosen[key] = (priority, body)
            path.append(tag)
        if chosen:
            memo = self._memo
            for (_index, el), (_priority, body) in chosen.items():
                if not body.local:
                    self._exec(body, el, variables, findings)
                    continue
                # A rule that reads only the element's subtree gives the same result for the
                # same subtree (the same supplier's party, address, tax scheme ... in every
                # invoice it sends): remembered per process.
                key = (id(body), etree.tostring(el, with_tail=False))
                found = memo.get(key)
                if found is None:
                    fresh: list[Finding] = []
                    self._exec(body, el, variables, fresh)
                    found = [(f.rule, f.severity, f.message, f.message_da) for f in fresh]
                    if len(memo) >= MEMO_SIZE:
                        memo.clear()
                    memo[key] = found
                if found:
                    where = location(el)
                    findings.extend(Finding(r, sev, where, m, da) for r, sev, m, da in found)
        return findings

    def _exec(
        self, body: _Body, node: Any, variables: dict[str, Any], findings: list[Finding]
    ) -> None:
        local = variables
        copied = False
        _STATE.current = node
        batch = body.batch
        if batch is not None:
            local = dict(variables)
            for step in body:
                if step[0] == "var" or step[0] == "varc":
                    local[step[1]] = _Lazy(self, step, node, local)
            xp, checks, native = batch
            try:
                failed = [n for n, fn, is_assert in native if fn(node) != is_assert]
                if xp is not None:
                    failed.extend(int(n) for n in xp(node, local).split(",")[:-1])
                    failed.sort()
            except CastError:
                failed = None  # evaluate test by test below, as Saxon would
            _STATE.current = node
            if failed is not None:
                for n in failed:
                    _, _xp, rule, severity, message, _test = checks[n]
                    text = self._text(message, node, local).strip()
                    findings.append(
                        Finding(rule, severity, location(node), text, danish(rule, text))
                    )
                    _STATE.current = node
                for step in body:
                    if step[0] == "group":
                        self._group(step, node, local, findings)
                        _STATE.current = node
                return
            local = variables
        for step in body:
            kind = step[0]
            if kind == "var" or kind == "varc":
                if not copied:
                    local = dict(variables)
                    copied = True
                # lazily, as Saxon does: a variable that no test uses is never evaluated
                local[step[1]] = _Lazy(self, step, node, local)
            elif kind == "group":
                self._group(step, node, local, findings)
                _STATE.current = node
            else:
                _, xp, rule, severity, message, _test = step
                fired = xp.test(node, local)
                _STATE.current = node
                if fired == (kind == "report"):
                    text = self._text(message, node, local).strip()
                    findings.append(
                        Finding(rule, severity, location(node), text, danish(rule, text))
                    )
                    _STATE.current = node

    def _group(
        self, step: tuple[Any, ...], node: Any, local: dict[str, Any], findings: list[Finding]
    ) -> None:
        _, select, group_by, body = step
        groups: dict[str, list[Any]] = {}
        for item in select(node, local):
            _STATE.current = item
            value = group_by(item, local)
            if isinstance(value, list):
                if not value:
                    continue  # XSLT: an item without a grouping key belongs to no group
                value = value[0]
            groups.setdefault(_string_value(value), []).append(item)
        for members in groups.values():
            _STATE.group = members
            try:
                self._exec(body, members[0], local, findings)
            finally:
                _STATE.group = []

    def _text(self, parts: list[Any], node: Any, local: dict[str, Any]) -> str:
        out: list[str] = []
        for p in parts:
            if isinstance(p, str):
                out.append(p)
            elif p[0] == "x":
                _STATE.current = node
                value = p[1](node, local)
                if isinstance(value, list):
                    out.append(" ".join(_string_value(v) for v in value))  # XSLT 2
                else:
                    out.append(_string_value(value))
            else:
                for test, content in p[1]:
                    _STATE.current = node
                    if test is None or _truth(test(node, local)):
                        out.append(self._text(content, node, local))
                        break
        return re.sub(r"\s+", " ", "".join(out))


# XPath 2 compares an element's value with a string literal as strings (XPath 1: numbers).
_STRING_ORDER = re.compile(r"((?:[\w]+:[\w]+)(?:/[\w]+:[\w]+)*)\s*(<=|>=|<|>)\s*'([^']*)'")
# ... and an element's value with a number as numbers, stopping (FORG0001) on a value that
# is not one, where XPath 1 compares NaN.
_NUMBER_COMPARE = re.compile(
    r"(^|[\s(\[,])(\.|(?:\.\./)*[\w]+:[\w]+(?:/[\w]+:[\w]+)*)(\s*(?:!=|<=|>=|=|<|>)\s*-?\d+(?:\.\d+)?(?![\w.:]))"
)
_LITERAL_FILTER = re.compile(r"('[^']+')\s*\[\s*\.\s*\]")
_SEQ_EQ = re.compile(r"\.\s*=\s*\(\s*('[^']*'(?:\s*,\s*'[^']*')*)\s*\)")
_STEP_UNION = re.compile(r"/\*/\(\s*([\w]+:[\w]+)\s*\|\s*([\w]+:[\w]+)\s*\)((?:/[\w]+:[\w]+)+)")
_STEP_CAST = re.compile(r"/xs:(?:decimal|double)\(([\w]+:[\w]+)\)")


# XPath 2 functions whose parameters take at most one item: given several (a repeated
# element) Saxon stops with XPTY0004, where XPath 1 would silently take the first.
_SINGLE_ARG = frozenset(
    (
        "string-length",
        "normalize-space",
        "contains",
        "starts-with",
        "ends-with",
        "substring",
        "substring-after",
        "substring-before",
        "translate",
        "string",
        "number",
        "concat",
        "upper-case",
        "lower-case",
        "round",
        "abs",
        "floor",
        "ceiling",
        "name",
        "local-name",
        "namespace-uri",
        "format-number",
        "matches",
        "xs:decimal",
        "xs:double",
        "xs:int",
        "xs:integer",
        "xs:float",
    )
)
_TOKEN_NAME = re.compile(r"^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?$")
_TOKEN = re.compile(r"'[^']*'|\"[^\"]*\"|[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?|\s+|.")


def _needs_check(arg: list[str]) -> bool:
    """Only a path or a variable can hold several items; literals and calls cannot."""
    toks = [t for t in arg if not t.isspace()]
    if not toks:
        return False
    first = toks[0]
    if first[0] in "'\"(" or first[0].isdigit() or toks == ["."]:
        return False
    if len(toks) > 1 and toks[1] == "(" and _TOKEN_NAME.match(first):
        return first == "current-group"  # a call returns one value (or a node-set)
    return True


def _wrap_single_args(expr: str) -> str:
    tokens = [t for t in _TOKEN.findall(expr)]
    out, _ = _rewrite(tokens, 0, None)
    return "".join(out)


def _rewrite(tokens: list[str], i: int, stop: str | None) -> tuple[list[str], int]:
    """Rewrite tokens from i until an unmatched ``stop`` (')' or ',') at this level."""
    out: list[str] = []
    while i < len(tokens):
        tok = tokens[i]
        if stop is not None and tok in (")", ",", "]"):
            return out, i
        j = i + 1
        while j < len(tokens) and tokens[j].isspace():
            j += 1
        if _TOKEN_NAME.match(tok) and j < len(tokens) and tokens[j] == "(":
            prev = next((t for t in reversed(out) if not t.isspace()), "")
            wrap = tok in _SINGLE_ARG and prev not in ("@", "$")
            sum_check = tok == "sum"
            out.append(tok)
            out.extend(tokens[i + 1 : j])
            out.append("(")
            i = j + 1
            while True:
                arg, i = _rewrite(tokens, i, ")")
                if wrap and _needs_check(arg):
                    out.extend(["ks-one(", *arg, ")"])
                elif sum_check and _needs_check(arg) and "@" not in arg:
                    out.extend(["ks-numbers(", *arg, ")"])
                else:
                    out.extend(arg)
                if i >= len(tokens):
                    return out, i
                out.append(tokens[i])
                i += 1
                if tokens[i - 1] == ")":
                    break
            continue
        if tok == "(" or tok == "[":
            close = ")" if tok == "(" else "]"
            out.append(tok)
            inner, i = _rewrite_group(tokens, i + 1, close)
            out.extend(inner)
            continue
        out.append(tok)
        i += 1
    return out, i


def _rewrite_group(tokens: list[str], i: int, close: str) -> tuple[list[str], int]:
    out: list[str] = []
    while i < len(tokens):
        part, i = _rewrite(tokens, i, ")")
        out.extend(part)
        if i >= len(tokens):
            return out, i
        out.append(tokens[i])
        i += 1
        if tokens[i - 1] in (")", "]"):
            return out, i
    return out, i


def xpath1(expr: str) -> str:
    """The three XPath 2 constructs in the OIOUBL rules, in XPath 1.0 (same meaning):
    ``.=('a','b')`` (sequence compare), ``/*/(a | b)/c`` (union step) and
    ``x/xs:decimal(y)`` (a cast as last step, only ever summed)."""
    expr = _SEQ_EQ.sub(
        lambda m: "(" + " or ".join(". = " + v.strip() for v in m.group(1).split(",")) + ")", expr
    )
    expr = _STEP_UNION.sub(
        lambda m: f"(/*/{m.group(1)}{m.group(3)} | /*/{m.group(2)}{m.group(3)})", expr
    )
    expr = _STEP_CAST.sub(lambda m: "/" + m.group(1), expr)
    # a filter on a literal, '...'[.], keeps a non-empty string (XPath 1: no filter on literals)
    expr = _LITERAL_FILTER.sub(lambda m: m.group(1), expr)
    expr = _NUMBER_COMPARE.sub(lambda m: f"{m.group(1)}ks-numbers({m.group(2)}){m.group(3)}", expr)
    expr = _STRING_ORDER.sub(
        lambda m: f"ks-string-compare({m.group(1)}, '{m.group(2)}', '{m.group(3)}')", expr
    )
    return _wrap_single_args(expr)


def _at_root(expr: str) -> str:
    """Rules on the document node ('/'): lxml evaluates at the root element, so the
    child step '*' of the document becomes '/*'."""
    return expr.replace("(*)", "(/*)")


def location(el: Any) -> str:
    """The location in the format of the official OIOUBL output: /Invoice[1]/cac:X[2]."""
    parts: list[str] = []
    node = el
    while node is not None:
        if isinstance(node.tag, str):
            name = _qname(node)
            count = 1
            sib = node.getprevious()
            while sib is not None:
                if isinstance(sib.tag, str) and _qname(sib) == name:
                    count += 1
                sib = sib.getprevious()
            parts.append(f"/{name}[{count}]")
        node = node.getparent()
    return "".join(reversed(parts))


def _qname(el: Any) -> str:
    local = etree.QName(el).localname
    return f"{el.prefix}:{local}" if el.prefix else local


# -- Danish explanations ----------------------------------------------------------------------

_DA_TOPICS: list[tuple[str, str]] = [
    ("must be calculated", "Beløbet er beregnet forkert"),
    ("calculated incorrectly", "Beløbet er beregnet forkert"),
    ("Invalid", "Ugyldig værdi"),
    ("must contain a value", "Feltet skal udfyldes"),
    ("is mandatory", "Feltet er obligatorisk"),
    ("Only one", "Elementet må kun forekomme én gang"),
    ("must not be used", "Elementet må ikke bruges"),
    ("is not allowed", "Elementet er ikke tilladt"),
    ("should", "Anbefaling (advarsel)"),
]


def danish(rule: str, message: str) -> str:
    """A short Danish explanation of an OIOUBL finding (the official text is English)."""
    topic = "Dokumentet overholder ikke OIOUBL-reglen"
    for needle, text in _DA_TOPICS:
        if needle.lower() in message.lower():
            topic = text
            break
    kind = "Advarsel" if rule.startswith("W-") else "Fejl"
    detail = message.split("]", 1)[-1].strip()
    return f"{kind} {rule} (OIOUBL 2.1): {topic}. Officiel tekst: {detail}"


# -- registration -----------------------------------------------------------------------------

_PROGRAMS: dict[str, _Program] = {}
_LOCK = threading.Lock()


def program(kind: str) -> _Program:
    """The compiled rule table for 'invoice' or 'creditnote' (compiled once per process)."""
    prog = _PROGRAMS.get(kind)
    if prog is None:
        with _LOCK:
            prog = _PROGRAMS.get(kind)
            if prog is None:
                from importlib import import_module

                rules = import_module(f"{__name__}_data_{kind}").RULES
                prog = _Program(rules, f"oioubl-{kind}")
                _PROGRAMS[kind] = prog
    return prog


# OIOUBL root element -> rule table
KINDS = {
    "Invoice": "invoice",
    "CreditNote": "creditnote",
    "ApplicationResponse": "applicationresponse",
    "Reminder": "reminder",
}


def check_invoice(parsed: Any) -> list[Finding]:
    return program("invoice").run(parsed.root)


def check_creditnote(parsed: Any) -> list[Finding]:
    return program("creditnote").run(parsed.root)


def validate_root(root: Any) -> list[Finding]:
    """Run the fitting OIOUBL rule table over an lxml root element."""
    local = etree.QName(root).localname
    kind = KINDS.get(local)
    if kind is None:
        return []
    return program(kind).run(root)


def rule_ids(kind: str) -> list[str]:
    from importlib import import_module

    data = import_module(f"{__name__}_data_{kind}").RULES
    ids: set[str] = set()

    def walk(body: Iterable[Any]) -> None:
        for step in body:
            if step[0] in ("assert", "report"):
                ids.add(step[2])
            elif step[0] == "group":
                walk(step[3])

    for rules in data["patterns"]:
        for _match, _priority, body in rules:
            walk(body)
    return sorted(ids)


register_ruleset(
    "oioubl-invoice",
    runner=check_invoice,
    rule_ids=rule_ids("invoice"),
    description="OIOUBL 2.1 Invoice (F-INV*, F-LIB*, W-*)",
)
register_ruleset(
    "oioubl-creditnote",
    runner=check_creditnote,
    rule_ids=rule_ids("creditnote"),
    description="OIOUBL 2.1 CreditNote (F-CRN*, F-LIB*, W-*)",
)
register_ruleset(
    "oioubl-applicationresponse",
    runner=lambda parsed: program("applicationresponse").run(parsed.root),
    rule_ids=rule_ids("applicationresponse"),
    description="OIOUBL 2.1 ApplicationResponse (F-APR*, F-LIB*, W-*)",
)
register_ruleset(
    "oioubl-reminder",
    runner=lambda parsed: program("reminder").run(parsed.root),
    rule_ids=rule_ids("reminder"),
    description="OIOUBL 2.1 Reminder (F-REM*, F-LIB*, W-*)",
)
