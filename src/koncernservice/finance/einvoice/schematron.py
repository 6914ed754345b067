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

import contextlib
import gc
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from .xpath import (
    Compiler,
    Doc,
    Env,
    Node,
    Parser,
    XPathDynamicError,
    attributes_only,
    build_tree,
    is_constant,
    leaf_pure,
    node_path,
    path_tags,
    static_condition,
)

Matcher = Callable[[Node, Env], bool]
_SERIALS = itertools.count()

# Caches keyed by element names or paths stop growing here (hostile input with many
# distinct names): beyond it, results are computed per element.
_CACHE_LIMIT = 50_000

# The rule id reported when a rule cannot be evaluated (the official stylesheet would abort
# with a dynamic error, e.g. FORG0001 for xs:decimal('abc')); the same id as official.py.
EVALUATION_ERROR = "RULES-EVALUATION-ERROR"


@dataclass(frozen=True, slots=True)
class Assertion:
    kind: str  # 'assert' | 'report'
    id: str
    flag: str  # 'fatal' | 'warning' (as in the official rules)
    test: str
    message: str
    fn: Callable[[Any, Env], bool]
    # static pre-filter: when no alternative set of keys is fully present in the document,
    # the test's value is ``static_value`` (None: always evaluate)
    alts: list[frozenset[str]] | None = None
    static_value: bool = False
    # the test depends only on a leaf context element's name, text and attributes
    # (``xpath.leaf_pure``): its result is memoised per document by those (_leaf_result)
    leaf: bool = False
    # ... and reads only the context element's attributes (``xpath.attributes_only``): the
    # memo key leaves out name and text (every amount's ``@currencyID`` check is one
    # evaluation per document)
    attrs_only: bool = False
    serial: int = field(default_factory=lambda: next(_SERIALS))


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
    keys: frozenset[str] = frozenset()
    has_leaf: bool = False  # some assertion is memoised by the leaf (Assertion.leaf)
    branches: list[tuple[Callable[[tuple[str, ...]], bool], Matcher | None]] | None = None
    plans: dict[frozenset[str], tuple[list[Assertion], list[Assertion]]] | None = None
    _index: tuple[list[int], dict[str, list[int]], list[int], list[int]] | None = None

    def _build_index(self) -> tuple[list[int], dict[str, list[int]], list[int], list[int]]:
        """(always evaluated, by single key, with several-key alternatives, static fails)
        as positions in ``asserts``."""
        always: list[int] = []
        by_key: dict[str, list[int]] = {}
        complex_: list[int] = []
        static_fail: list[int] = []
        for i, a in enumerate(self.asserts):
            if a.alts is None:
                always.append(i)
                continue
            if all(len(alt) == 1 for alt in a.alts):
                for alt in a.alts:
                    (key,) = alt
                    by_key.setdefault(key, []).append(i)
            else:
                complex_.append(i)
            if (not a.static_value) if a.kind == "assert" else a.static_value:
                static_fail.append(i)
        return always, by_key, complex_, static_fail

    def plan(self, doc_keys: set[str]) -> tuple[list[Assertion], list[Assertion]]:
        """(assertions to evaluate, assertions that fail without evaluation) for a
        document with these keys."""
        present = self.keys & doc_keys  # a frozenset (C-level intersection)
        if self.plans is None:
            self.plans = {}
        p = self.plans.get(present)
        if p is None:
            if self._index is None:
                self._index = self._build_index()
            always, by_key, complex_, static_fail_all = self._index
            live_idx = set(always)
            for key in present:
                hit = by_key.get(key)
                if hit:
                    live_idx.update(hit)
            for i in complex_:
                alts = self.asserts[i].alts
                if alts and any(alt <= present for alt in alts):
                    live_idx.add(i)
            asserts = self.asserts
            live = [asserts[i] for i in sorted(live_idx)]
            static_fail = [asserts[i] for i in static_fail_all if i not in live_idx]
            p = (live, static_fail)
            if len(self.plans) < 256:
                self.plans[present] = p
        return p


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
    def __init__(
        self, name: str, pred_info: dict[int, tuple[Matcher, Matcher | None]] | None = None
    ) -> None:
        self.name = name
        self.pred_info = pred_info if pred_info is not None else {}
        self.templates: list[Template] = []
        self.by_tag: dict[str, list[Template]] = {}
        self.wild: list[Template] = []
        self._merged: dict[str, list[Template]] = {}
        self._struct: dict[int, list[tuple[Template, list[Matcher] | None]]] = {}

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

    def structural(self, n: Node) -> list[tuple[Template, list[Matcher] | None]]:
        """The rules whose context fits the element names on the path to ``n`` (cached
        per distinct path for the process), each with the predicate checks still to do
        (None: it matches without any)."""
        pid = n.pid
        c = self._struct.get(pid) if pid >= 0 else None
        if c is None:
            tags = _node_tags(n) if pid < 0 else path_tags(pid)
            c = []
            info = self.pred_info
            for t in self.candidates(n.tag):  # type: ignore[arg-type]
                preds: list[Matcher] | None = []
                for fits, pred in t.branches or []:
                    if fits(tags):
                        if pred is None:
                            preds = None
                            break
                        settled = info.get(id(pred))
                        if settled is not None:
                            # a predicate on the element's name (``//*[ends-with(name(),
                            # 'Amount')]``): the same for every element on this path
                            name_ok, rest = settled
                            if not name_ok(n, _NAME_ENV):
                                continue
                            if rest is None:
                                preds = None
                                break
                            pred = rest
                        preds.append(pred)  # type: ignore[union-attr]
                if preds is None or preds:
                    c.append((t, preds))
            if pid >= 0 and len(self._struct) < _CACHE_LIMIT:
                self._struct[pid] = c
        return c

    def candidates(self, tag: str) -> list[Template]:
        m = self._merged.get(tag)
        if m is None:
            m = sorted(self.by_tag.get(tag, []) + self.wild, key=lambda t: (-t.priority, -t.order))
            if len(self._merged) < _CACHE_LIMIT:
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
        self.global_exprs = {}
        for name, expr in data["GLOBALS"]:
            ast = self.compiler.parse(expr)
            fn = self.compiler.comp(ast)
            if is_constant(ast):
                with contextlib.suppress(XPathDynamicError):
                    self.compiler.constants[name] = fn(None, Env(None, {}))  # type: ignore[arg-type]
            self.global_exprs[name] = fn
        self.patterns: dict[str, _Pattern] = {}
        self._pred_ids: dict[str, int] = {}
        # context predicates with conjuncts on the element's name only: (name check, the
        # rest or None), by id() of the predicate (see _pred, _Pattern.structural)
        self._pred_info: dict[int, tuple[Matcher, Matcher | None]] = {}
        self._by_pid: dict[int, list[tuple[int, list[tuple[Template, list[Matcher] | None]]]]] = {}
        self.rules: dict[str, tuple[str, str, str]] = {}  # id -> (flag, context, message)
        for order, (mode, prio, match, variables, asserts) in enumerate(data["TEMPLATES"]):
            if include is not None and not include(mode, asserts):
                continue
            matcher, tags = self._compile_pattern(match)
            branches = self._branches(Parser(match, self.namespaces).parse(), matcher)
            compiled = []
            keys: set[str] = set()
            # Within one run (one document) a global variable has one value, so a test that
            # reads globals besides the context leaf can be memoised per document like one
            # that reads constants; a template variable may shadow a global of the same name.
            local_names = {name for name, _select in variables}
            consts = {k for k in self.global_exprs if k not in local_names}
            for kind, rid, flag, test, message in asserts:
                ast = self.compiler.parse(test)
                cond = static_condition(ast)
                alts, static_value = (cond[0], cond[1]) if cond is not None else (None, False)
                if alts:
                    for alt in alts:
                        keys |= alt
                compiled.append(
                    Assertion(
                        kind,
                        rid,
                        flag,
                        test,
                        message,
                        self.compiler.compb(ast),
                        alts,
                        static_value,
                        leaf := leaf_pure(ast, consts),
                        leaf and attributes_only(ast),
                    )
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
                frozenset(keys),
                any(a.leaf for a in compiled),
                branches,
            )
            self.patterns.setdefault(mode, _Pattern(mode, self._pred_info)).templates.append(tpl)
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
            preds = [self._pred(p) for p in e[2]]

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

    def _branches(
        self, e: Any, full: Matcher
    ) -> list[tuple[Callable[[tuple[str, ...]], bool], Matcher | None]]:
        """The pattern's alternatives: (does a path of element names fit, ignoring
        predicates?, the predicate check left once it fits, or None)."""
        k = e[0]
        if k == "union":
            return self._branches(e[1], full) + self._branches(e[2], full)
        if k == "paren":
            return self._branches(e[1], full)
        if k == "filter":
            outer = [self._pred(p) for p in e[2]]
            out: list[tuple[Callable[[tuple[str, ...]], bool], Matcher | None]] = []
            for branch_fits, pred in self._branches(e[1], full):

                def both(n: Node, E: Env, pred: Matcher | None = pred) -> bool:
                    return (pred is None or pred(n, E)) and all(p(n, E) for p in outer)

                out.append((branch_fits, both))
            return out
        if k == "axis":
            steps, anchor = [("/", e)], None
        elif k == "path":
            if e[1][0] == "root":
                steps, anchor = list(e[2]), e[2][0][0]
            else:
                steps, anchor = [("/", e[1]), *e[2]], None
        else:
            raise ValueError(f"unsupported pattern {e!r}")
        tests = []
        step_preds: list[tuple[int, list[Matcher]]] = []
        for i, (sep, st) in enumerate(steps):
            test = st[2]
            tests.append((sep, test[1] if test[0] == "name" else None))
            if len(st) > 3 and st[3]:
                step_preds.append((len(steps) - 1 - i, [self._pred(p) for p in st[3]]))
        anchored = anchor == "/"
        last = len(tests) - 1
        deterministic = all(sep == "/" for sep, _ in tests[1:])

        def fits(i: int, j: int, tags: tuple[str, ...]) -> bool:
            if j < 0:
                return False
            tag = tests[i][1]
            if tag is not None and tags[j] != tag:
                return False
            if i == 0:
                return j == 0 if anchored else True
            if tests[i][0] == "/":
                return fits(i - 1, j - 1, tags)
            return any(fits(i - 1, jj, tags) for jj in range(j - 1, -1, -1))

        def structure(tags: tuple[str, ...]) -> bool:
            return fits(last, len(tags) - 1, tags)

        if not step_preds:
            return [(structure, None)]
        if not deterministic:
            sub_matcher, _ = self._path(anchor if anchor == "/" else None, steps)
            return [(structure, sub_matcher)]

        if len(step_preds) == 1 and step_preds[0][0] == 0 and len(step_preds[0][1]) == 1:
            return [(structure, step_preds[0][1][0])]

        def preds_ok(n: Node, E: Env) -> bool:
            for offset, preds in step_preds:
                x: Node | None = n
                for _ in range(offset):
                    x = x.parent if x is not None else None
                if x is None:
                    return False
                for p in preds:
                    if not p(x, E):
                        return False
            return True

        return [(structure, preds_ok)]

    def _pred(self, p: Any) -> Callable[[Node, Env], bool]:
        """A context predicate. Its conjuncts that depend only on the element's name (e.g.
        ``ends-with(name(), 'Amount')``) are cached per element name for the process; the
        others are memoised per (predicate, node) within one run: many rules share
        predicates such as ``cac:TaxScheme/normalize-space(upper-case(cbc:ID))='VAT'``."""
        conjuncts = _conjuncts(p)
        by_name = [c for c in conjuncts if _name_only(c)]
        rest = [c for c in conjuncts if not _name_only(c)]
        name_fns = [self.compiler.compb(c) for c in by_name]
        name_cache: dict[str | None, bool] = {}
        rest_ast = rest[0] if len(rest) == 1 else (("and", rest[0], rest[1]) if rest else None)
        for extra in rest[2:]:
            rest_ast = ("and", rest_ast, extra)
        fn = self.compiler.compb(rest_ast) if rest_ast is not None else None
        key = repr(rest_ast)
        pid = self._pred_ids.get(key)
        if pid is None:
            pid = self._pred_ids[key] = len(self._pred_ids)

        def name_ok(n: Node, E: Env) -> bool:
            ok = name_cache.get(n.tag)
            if ok is None:
                ok = all(f(n, E) for f in name_fns)
                if len(name_cache) < _CACHE_LIMIT:
                    name_cache[n.tag] = ok
            return ok

        def rest_memo(n: Node, E: Env) -> bool:
            k = (pid, n.pos)
            v = E.memo.get(k)
            if v is None:
                v = E.memo[k] = fn(n, E)
            return v  # type: ignore[no-any-return]

        def memo(n: Node, E: Env) -> bool:
            if name_fns and not name_ok(n, E):
                return False
            if fn is None:
                return True
            return rest_memo(n, E)

        if name_fns:
            # settled per path of names in _Pattern.structural: the element's name is fixed
            self._pred_info[id(memo)] = (name_ok, rest_memo if fn is not None else None)
        return memo

    def _step(self, st: Any) -> tuple[str, str | None, list[Callable[[Node, Env], bool]]]:
        if st[0] != "axis" or st[1] != "child":
            raise ValueError(f"unsupported pattern step {st!r}")
        test = st[2]
        if test[0] not in ("name", "any"):
            raise ValueError(f"unsupported node test {test}")
        preds = [self._pred(p) for p in (st[3] if len(st) > 3 else [])]
        return test[0], (test[1] if test[0] == "name" else None), preds

    def _path(
        self, anchor: str | None, steps: list[tuple[str, Any]]
    ) -> tuple[Matcher, list[str | None]]:
        compiled = [(sep, *self._step(st)) for sep, st in steps]
        last_tag = compiled[-1][2]
        k = len(compiled)
        if all(sep == "/" for sep, *_ in compiled[1:]):
            tests = [(kind, tag) for _sep, kind, tag, _p in compiled]
            preds = [p for _sep, _kind, _tag, p in compiled]
            anchored = anchor == "/"

            def match(n: Node, E: Env) -> bool:
                # element names up the parent chain first (cheap), predicates after
                chain = []
                x: Node | None = n
                for i in range(k - 1, -1, -1):
                    if x is None or x.tag is None:
                        return False
                    kind, tag = tests[i]
                    if kind == "name" and x.tag != tag:
                        return False
                    chain.append(x)
                    if i > 0:
                        x = x.parent
                if anchored and (x is None or x.parent is None or x.parent.tag is not None):
                    return False
                for j, node in enumerate(chain):
                    for p in preds[k - 1 - j]:
                        if not p(node, E):
                            return False
                return True

            return match, [last_tag]

        def step_ok(i: int, n: Node, E: Env) -> bool:
            _sep, kind, tag, preds_i = compiled[i]
            if n.tag is None or (kind == "name" and n.tag != tag):
                return False
            return all(p(n, E) for p in preds_i)

        def match_at(i: int, n: Node, E: Env) -> bool:
            if not step_ok(i, n, E):
                return False
            if i == 0:
                if anchor == "/":
                    return n.parent is not None and n.parent.tag is None
                return True
            sep = compiled[i][0]
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
    def run(
        self, doc: Doc, env: Env | None = None, *, deadline: float | None = None
    ) -> list[RawFinding]:
        """The failed assertions. ``deadline`` (``time.monotonic()`` value): raise
        ``ValidationTimeout`` when it passes (checked between patterns and every 256
        elements)."""
        E = env if env is not None else Env(doc, self.global_exprs)
        if env is not None:
            E.global_exprs = {**self.global_exprs, **E.global_exprs}
        # (pattern index, finding): sorted by pattern at the end, so that the findings come
        # pattern by pattern in document order, as on the official route
        out: list[tuple[int, RawFinding]] = []
        patterns = list(self.patterns.values())
        by_pid = self._by_pid
        if deadline is not None and time.monotonic() > deadline:
            raise ValidationTimeout(patterns[0].name if patterns else "")
        checked = 0
        # elements with the same path of names share the rules whose context fits: one
        # lookup per distinct path gives the candidates of every pattern at once
        for pid, group in doc.by_pid.items():
            plan = by_pid.get(pid) if pid >= 0 else None
            if plan is None:
                plan = self._plan(group[0]) if pid >= 0 else None
                if plan is not None and len(by_pid) < _CACHE_LIMIT:
                    by_pid[pid] = plan
            if plan is not None and not plan:
                continue
            for n in group:
                checked += 1
                if deadline is not None and not checked & 255 and time.monotonic() > deadline:
                    raise ValidationTimeout("")
                for pi, cands in plan if plan is not None else self._plan(n):
                    # fire the first (highest-priority) rule of the pattern that matches
                    for tpl, preds in cands:
                        if preds is not None:
                            # as _matches, inline: one alternative that matches is enough
                            for p in preds:
                                try:
                                    if p(n, E):
                                        break
                                except XPathDynamicError:
                                    continue
                            else:
                                continue
                        self._fire(tpl, n, E, out, pi)
                        break
        if len(patterns) > 1:
            out.sort(key=_pattern_index)
        return [f for _pi, f in out]

    def _plan(self, n: Node) -> list[tuple[int, list[tuple[Template, list[Matcher] | None]]]]:
        """(pattern index, candidate rules) of every pattern with a rule whose context
        could fit an element on ``n``'s path of names."""
        plan = []
        for pi, pattern in enumerate(self.patterns.values()):
            cands = pattern.structural(n)
            if cands:
                plan.append((pi, cands))
        return plan

    def _fire(
        self, tpl: Template, n: Node, E: Env, out: list[tuple[int, RawFinding]], pi: int
    ) -> None:
        plan = E.plans.get(tpl.order)
        if plan is None:
            plan = E.plans[tpl.order] = tpl.plan(E.doc.keys)
        live, static_fail = plan
        for a in static_fail:
            out.append((pi, RawFinding(a.id, a.flag, n, a.message)))
        if not live:
            return
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
                    out.append((pi, RawFinding(a.id, a.flag, n, a.message, str(exc))))
                return
        leaf_key = attr_key = None
        if not n.children and n.texts is None and tpl.has_leaf:
            attrs = tuple(n.attrs.items()) if n.attrs else ()
            attr_key = ("@", attrs)  # an attributes-only test reads neither name nor text
            leaf_key = (n.tag, n.text, attrs)
        try:
            for a in live:
                try:
                    if a.leaf and leaf_key is not None:
                        ok = _leaf_result(a, n, E, attr_key if a.attrs_only else leaf_key)  # type: ignore[arg-type]
                    else:
                        ok = a.fn(n, E)
                except XPathDynamicError as exc:
                    out.append((pi, RawFinding(a.id, a.flag, n, a.message, str(exc))))
                    continue
                if (not ok) if a.kind == "assert" else ok:
                    out.append((pi, RawFinding(a.id, a.flag, n, a.message)))
        finally:
            if tpl.variables:
                E.vars = saved


# the environment for name-only predicate conjuncts (they read nothing but the element)
_NAME_ENV = Env(None, {})  # type: ignore[arg-type]


def _matches(preds: list[Matcher], n: Node, E: Env) -> bool:
    """Whether one of a rule context's alternatives (with predicates) matches ``n``. A
    dynamic error in an alternative means it does not match, as XSLT 3.0 (§5.5.4) and so
    the official route (Saxon) treat errors in match patterns: the transformation goes on,
    and a rule of lower priority may match instead (e.g. ``cbc:X[normalize-space(cbc:Y)
    = 'a']`` on an element with two ``cbc:Y``)."""
    for p in preds:
        try:
            if p(n, E):
                return True
        except XPathDynamicError:
            continue
    return False


def _leaf_result(a: Assertion, n: Node, E: Env, leaf_key: tuple[Any, ...]) -> bool:
    """``a.fn(n, E)`` for an ``Assertion.leaf`` test, memoised within the document by the
    leaf's name, text and attributes: the same code-list and format checks run on many equal
    leaves (every amount's currencyID, every unit code). Per document, not per process, so a
    repeated document is not cheaper than a new one."""
    key = (a.serial, *leaf_key)
    memo = E.memo
    ok = memo.get(key)
    if ok is None:
        ok = memo[key] = bool(a.fn(n, E))  # a dynamic error propagates, nothing is stored
    return ok  # type: ignore[no-any-return]


def _pattern_index(item: tuple[int, RawFinding]) -> int:
    return item[0]


class ValidationTimeout(Exception):
    """The rules did not finish before the deadline (a huge document)."""


def _node_tags(n: Node) -> tuple[str, ...]:
    tags: list[str] = []
    x: Node | None = n
    while x is not None and x.tag is not None:
        tags.append(x.tag)
        x = x.parent
    return tuple(reversed(tags))


def _conjuncts(e: Any) -> list[Any]:
    if e[0] == "paren":
        return _conjuncts(e[1])
    if e[0] == "and":
        return _conjuncts(e[1]) + _conjuncts(e[2])
    return [e]


_NAME_SAFE_CALLS = {"not", "ends-with", "boolean", "true", "false", "local-name"}


def _name_only(e: Any) -> bool:
    """True when ``e`` depends only on the context element's local name: built from
    literals, local-name(), and ends-with(name(), 'literal without a prefix')."""
    k = e[0]
    if k == "lit":
        return True
    if k in ("and", "or"):
        return _name_only(e[1]) and _name_only(e[2])
    if k == "paren":
        return _name_only(e[1])
    if k == "call":
        name, args = e[1], e[2]
        if name == "local-name" and not args:
            return True
        if name == "ends-with" and len(args) == 2:
            a, b = args
            if a == ("call", "name", []) and b[0] == "lit" and ":" not in str(b[1]):
                return True
            return _name_only(a) and _name_only(b)
        if name in _NAME_SAFE_CALLS:
            return all(_name_only(x) for x in args)
    return False


def _all_nodes(doc: Doc) -> list[Node]:
    if doc.all_nodes is not None:
        return doc.all_nodes
    out: list[Node] = []
    stack = [doc.root]
    while stack:
        n = stack.pop()
        out.append(n)
        if n.children:
            stack.extend(reversed(n.children))
    doc.all_nodes = out
    return out


def tree_of(parsed: Any) -> Doc:
    """The converted tree of a ParsedDocument (built once, cached on it)."""
    cache = parsed.cache
    doc = cache.get("xpath-tree")
    if doc is None:
        doc = build_tree(parsed.root)
        cache["xpath-tree"] = doc
    return doc


_COMPILED: dict[int, RuleData] = {}


def compiled(module: ModuleType, functions: dict[str, Callable[..., Any]] | None) -> RuleData:
    """The compiled rules of a rule-data module, once per process."""
    key = id(module)
    data = _COMPILED.get(key)
    if data is None:
        data = _COMPILED[key] = RuleData(module, functions=functions)
        # The compiled rules are hundreds of thousands of long-lived objects: keep the
        # cyclic garbage collector from scanning them again for every document (collect
        # first, so that no garbage is frozen with them).
        gc.collect()
        gc.freeze()
    return data


class OfficialRuleSet:
    """A rule set backed by a rule-data module (one official stylesheet), compiled lazily
    on first use (once per process), registered with the engine as a runner.

    ``select`` picks the set's rules by id when one stylesheet feeds several sets (the
    Peppol stylesheet feeds ``peppol`` and ``dk``): the stylesheet runs once per document
    (the raw result is cached on the parsed document), and an evaluation error aborts it
    for all its sets, as on the official route."""

    def __init__(
        self,
        name: str,
        module: ModuleType,
        *,
        functions: dict[str, Callable[..., Any]] | None = None,
        select: Callable[[str], bool] | None = None,
        danish: Callable[[str, str], str] | None = None,
    ) -> None:
        self.name = name
        self.module = module
        self.functions = functions
        self.select = select
        self.danish = danish
        self._da_cache: dict[str, str] = {}

    @property
    def data(self) -> RuleData:
        return compiled(self.module, self.functions)

    def rule_ids(self) -> list[str]:
        ids: set[str] = set()
        for _mode, _prio, _match, _vars, asserts in self.module.TEMPLATES:
            ids.update(a[1] for a in asserts if self.select is None or self.select(a[1]))
        return sorted(ids)

    def message_da(self, rule_id: str, message: str) -> str:
        da = self._da_cache.get(rule_id)
        if da is None:
            da = self.danish(rule_id, message) if self.danish else ""
            self._da_cache[rule_id] = da
        return da

    def raw(self, parsed: Any) -> list[RawFinding]:
        key = f"rules:{self.module.__name__}"
        raw = parsed.cache.get(key)
        if raw is None:
            raw = parsed.cache[key] = self.data.run(
                tree_of(parsed), deadline=parsed.cache.get("deadline")
            )
        return raw  # type: ignore[no-any-return]

    def __call__(self, parsed: Any) -> list[Any]:
        from .engine import Finding

        raw = self.raw(parsed)
        errors = [r for r in raw if r.error]
        if errors:
            # As on the official route, where a dynamic error (e.g. xs:decimal('abc'))
            # aborts the whole stylesheet: one fatal finding instead of a verdict.
            first = errors[0]
            return [
                Finding(
                    EVALUATION_ERROR,
                    "fatal",
                    first.location,
                    f"The {self.name} rules could not be evaluated: {first.error} "
                    f"(in {first.id}: {first.message})",
                    "Reglerne kunne ikke evalueres, fordi en værdi har et ugyldigt format "
                    f"(fx et beløb eller en dato) – se {first.id}.",
                )
            ]
        select = self.select
        out = []
        for r in raw:
            if select is not None and not select(r.id):
                continue
            sev = "warning" if r.flag == "warning" else "fatal"
            out.append(
                Finding(r.id, sev, r.location, r.message, self.message_da(r.id, r.message))  # type: ignore[arg-type]
            )
        return out
