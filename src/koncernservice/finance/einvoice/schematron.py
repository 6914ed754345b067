"""Run a rule-data module (``rules/_data_*.py``) over a document with Schematron semantics.

Semantics kept from the official (compiled Schematron) route, so verdicts are identical:

* rules are grouped in patterns; within a pattern each element is handled by at most one
  rule: the one with the highest priority whose context matches (XSLT template matching);
* a rule's variables are evaluated with the matched element as context, global
  variables lazily with the document node as context;
* an ``assert`` fails when its test is false, a ``report`` fires when its test is true.

Performance: the document is walked once into ``xpath.Node`` objects; rules are indexed
by the element name their context ends in, so each element only tries the few rules that
could match it; every test was compiled once into Python closures at import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .xpath import (
    Compiler,
    Doc,
    Env,
    Node,
    Parser,
    XPathDynamicError,
    build_tree,
    node_path,
)

Matcher = Callable[[Node, Env], bool]


@dataclass(frozen=True, slots=True)
class Assertion:
    kind: str  # 'assert' | 'report'
    id: str
    flag: str  # 'fatal' | 'warning' (as in the official rules)
    test: str
    message: str
    fn: Callable[[Any, Env], bool]


@dataclass(slots=True)
class Template:
    pattern: str
    priority: int
    context: str
    order: int
    matcher: Matcher
    final_tags: list[str | None]
    variables: list[tuple[str, Callable[[Any, Env], list[Any]]]]
    asserts: list[Assertion]


@dataclass(frozen=True, slots=True)
class RawFinding:
    id: str
    flag: str
    node: Any
    message: str
    error: str = ""  # a dynamic error raised while evaluating the test

    @property
    def location(self) -> str:
        return node_path(self.node)


class _Pattern:
    def __init__(self, name: str) -> None:
        self.name = name
        self.templates: list[Template] = []
        self.by_tag: dict[str, list[Template]] = {}
        self.wild: list[Template] = []
        self._merged: dict[str, list[Template]] = {}

    def finish(self) -> None:
        for t in self.templates:
            for tag in t.final_tags:
                if tag is None:
                    if t not in self.wild:
                        self.wild.append(t)
                else:
                    lst = self.by_tag.setdefault(tag, [])
                    if t not in lst:
                        lst.append(t)
        for lst in self.by_tag.values():
            lst.sort(key=lambda t: (-t.priority, -t.order))
        self.wild.sort(key=lambda t: (-t.priority, -t.order))

    def candidates(self, tag: str) -> list[Template]:
        m = self._merged.get(tag)
        if m is None:
            m = sorted(self.by_tag.get(tag, []) + self.wild, key=lambda t: (-t.priority, -t.order))
            self._merged[tag] = m
        return m


class RuleData:
    """A compiled rule-data module; ``run(doc)`` gives the failed assertions."""

    def __init__(
        self,
        module: ModuleType | dict[str, Any],
        *,
        functions: dict[str, Callable[..., Any]] | None = None,
        include: Callable[[str, list[tuple[str, str, str, str, str]]], bool] | None = None,
    ) -> None:
        data = module if isinstance(module, dict) else vars(module)
        self.source = data.get("SOURCE", "")
        self.namespaces: dict[str, str] = dict(data["NAMESPACES"])
        self.compiler = Compiler(self.namespaces, functions)
        self.global_exprs = {name: self.compiler.compile(expr) for name, expr in data["GLOBALS"]}
        self.patterns: dict[str, _Pattern] = {}
        self.rules: dict[str, tuple[str, str, str]] = {}  # id -> (flag, context, message)
        for order, (mode, prio, match, variables, asserts) in enumerate(data["TEMPLATES"]):
            if include is not None and not include(mode, asserts):
                continue
            matcher, tags = self._compile_pattern(match)
            compiled = []
            for kind, rid, flag, test, message in asserts:
                compiled.append(
                    Assertion(kind, rid, flag, test, message, self.compiler.compile_bool(test))
                )
                self.rules.setdefault(rid, (flag, match, message))
            tpl = Template(
                mode,
                prio,
                match,
                order,
                matcher,
                tags,
                [(n, self.compiler.compile(s)) for n, s in variables],
                compiled,
            )
            self.patterns.setdefault(mode, _Pattern(mode)).templates.append(tpl)
        for p in self.patterns.values():
            p.finish()

    # ------------------------------------------------------------------ patterns
    def _compile_pattern(self, src: str) -> tuple[Matcher, list[str | None]]:
        ast = Parser(src, self.namespaces).parse()
        return self._pat(ast)

    def _pat(self, e: Any) -> tuple[Matcher, list[str | None]]:
        k = e[0]
        if k == "union":
            a, ta = self._pat(e[1])
            b, tb = self._pat(e[2])
            return (lambda n, E: a(n, E) or b(n, E)), ta + tb
        if k == "paren":
            return self._pat(e[1])
        if k == "filter":
            inner, tags = self._pat(e[1])
            preds = [self.compiler.compb(p) for p in e[2]]

            def filt(n: Node, E: Env) -> bool:
                return inner(n, E) and all(p(n, E) for p in preds)

            return filt, tags
        if k == "axis":
            return self._path(None, [("/", e)])
        if k == "path":
            start = e[1]
            steps = list(e[2])
            if start[0] == "root":
                anchor = steps[0][0]  # '/' anchored, '//' anywhere
                return self._path(anchor, steps)
            return self._path(None, [("/", start), *steps])
        raise ValueError(f"unsupported pattern {e!r}")

    def _step(self, st: Any) -> tuple[Callable[[Node, Env], bool], str | None]:
        if st[0] != "axis" or st[1] != "child":
            raise ValueError(f"unsupported pattern step {st!r}")
        test = st[2]
        preds = [self.compiler.compb(p) for p in (st[3] if len(st) > 3 else [])]
        tag = test[1] if test[0] == "name" else None
        kind = test[0]

        def m(n: Node, E: Env) -> bool:
            if n.tag is None:
                return False
            if kind == "name":
                if n.tag != tag:
                    return False
            elif kind != "any":
                raise ValueError(f"unsupported node test {test}")
            for p in preds:
                if not p(n, E):
                    return False
            return True

        return m, tag

    def _path(
        self, anchor: str | None, steps: list[tuple[str, Any]]
    ) -> tuple[Matcher, list[str | None]]:
        compiled = [(sep, *self._step(st)) for sep, st in steps]
        last_tag = compiled[-1][2]
        k = len(compiled)

        def match_at(i: int, n: Node, E: Env) -> bool:
            sep, m, _tag = compiled[i]
            if not m(n, E):
                return False
            if i == 0:
                if anchor == "/":
                    return n.parent is not None and n.parent.tag is None
                return True
            if sep == "/":
                p = n.parent
                return p is not None and p.tag is not None and match_at(i - 1, p, E)
            p = n.parent
            while p is not None and p.tag is not None:
                if match_at(i - 1, p, E):
                    return True
                p = p.parent
            return False

        return (lambda n, E: match_at(k - 1, n, E)), [last_tag]

    # ------------------------------------------------------------------ running
    def run(self, doc: Doc, env: Env | None = None) -> list[RawFinding]:
        E = env if env is not None else Env(doc, self.global_exprs)
        if env is not None:
            E.global_exprs = {**self.global_exprs, **E.global_exprs}
        out: list[RawFinding] = []
        by_tag = doc.by_tag
        for pattern in self.patterns.values():
            if pattern.wild:
                nodes: Iterable[Node] = _all_nodes(doc)
            else:
                nodes = [n for tag in pattern.by_tag for n in by_tag.get(tag, ())]
            for n in nodes:
                for tpl in pattern.candidates(n.tag):  # type: ignore[arg-type]
                    try:
                        matched = tpl.matcher(n, E)
                    except XPathDynamicError as exc:
                        out.append(RawFinding("KS-XPATH", "fatal", n, str(exc), str(exc)))
                        break
                    if matched:
                        self._fire(tpl, n, E, out)
                        break
        return out

    def _fire(self, tpl: Template, n: Node, E: Env, out: list[RawFinding]) -> None:
        if tpl.variables:
            saved = E.vars
            local: dict[str, list[Any]] = dict(saved)
            E.vars = local
            try:
                for name, fn in tpl.variables:
                    local[name] = fn(n, E)
            except XPathDynamicError as exc:
                E.vars = saved
                for a in tpl.asserts:
                    out.append(RawFinding(a.id, a.flag, n, a.message, str(exc)))
                return
        try:
            for a in tpl.asserts:
                try:
                    ok = a.fn(n, E)
                except XPathDynamicError as exc:
                    out.append(RawFinding(a.id, a.flag, n, a.message, str(exc)))
                    continue
                if (not ok) if a.kind == "assert" else ok:
                    out.append(RawFinding(a.id, a.flag, n, a.message))
        finally:
            if tpl.variables:
                E.vars = saved


def _all_nodes(doc: Doc) -> list[Node]:
    out: list[Node] = []
    stack = [doc.root]
    while stack:
        n = stack.pop()
        out.append(n)
        if n.children:
            stack.extend(reversed(n.children))
    return out


def tree_of(parsed: Any) -> Doc:
    """The converted tree of a ParsedDocument (built once, cached on it)."""
    cache = parsed.cache
    doc = cache.get("xpath-tree")
    if doc is None:
        doc = build_tree(parsed.root)
        cache["xpath-tree"] = doc
    return doc


class OfficialRuleSet:
    """A rule set backed by a rule-data module, compiled lazily on first use (once per
    process), registered with the engine as a runner."""

    def __init__(
        self,
        name: str,
        module: ModuleType,
        *,
        functions: dict[str, Callable[..., Any]] | None = None,
        include: Callable[[str, list[tuple[str, str, str, str, str]]], bool] | None = None,
        danish: Callable[[str, str], str] | None = None,
    ) -> None:
        self.name = name
        self.module = module
        self.functions = functions
        self.include = include
        self.danish = danish
        self._data: RuleData | None = None
        self._da_cache: dict[str, str] = {}

    @property
    def data(self) -> RuleData:
        if self._data is None:
            self._data = RuleData(self.module, functions=self.functions, include=self.include)
        return self._data

    def rule_ids(self) -> list[str]:
        ids: list[str] = []
        for mode, _prio, _match, _vars, asserts in self.module.TEMPLATES:
            if self.include is None or self.include(mode, asserts):
                ids.extend(a[1] for a in asserts)
        return sorted(set(ids))

    def message_da(self, rule_id: str, message: str) -> str:
        da = self._da_cache.get(rule_id)
        if da is None:
            da = self.danish(rule_id, message) if self.danish else ""
            self._da_cache[rule_id] = da
        return da

    def __call__(self, parsed: Any) -> list[Any]:
        from .engine import Finding

        raw = self.data.run(tree_of(parsed))
        out = []
        for r in raw:
            sev = "warning" if r.flag == "warning" else "fatal"
            msg = r.message
            if r.error:
                msg = f"{msg} (evaluation error: {r.error})"
            out.append(Finding(r.id, sev, r.location, msg, self.message_da(r.id, r.message)))  # type: ignore[arg-type]
        return out
