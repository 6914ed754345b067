"""The rule framework: rules, findings, a registry of rule sets and ``validate``.

A rule set is a named list of ``Rule`` objects (``register_rule``/``@rule``) or a set
with its own fast ``runner`` (``register_ruleset``) that returns ``Finding`` objects for
the whole document in one pass (the generated EN 16931 and Peppol sets do that).

Which rule sets apply (``rulesets_for``):

* OIOUBL 2.1 (``format == 'oioubl'``): ``oioubl-invoice`` for an Invoice,
  ``oioubl-creditnote`` for a CreditNote, ``oioubl-<root name lower-case>`` otherwise
  (e.g. ``oioubl-reminder``, ``oioubl-applicationresponse``) — only the sets registered.
* Every other UBL Invoice/CreditNote (``format == 'peppol'``): the Peppol BIS 3 route, as
  the official runner (``official.stylesheets_for``) does: ``en16931-peppol`` (the CEN
  rules as bundled with Peppol BIS 3 / the Danish CIUS), ``peppol`` (PEPPOL-EN16931-R*,
  PEPPOL-COMMON-*, national rules of other countries) and ``dk`` (the Danish CIUS rules
  DK-R-*). KS receives UBL invoices through Peppol, so a plain EN 16931 document (without
  the Peppol specification identifier) fails PEPPOL-EN16931-R004 here, as it should.
* ``en16931`` (EN 16931 v1.3.16 UBL rules, the latest CEN release) is registered for
  explicit use (``validate(parsed, ['en16931'])``), e.g. the EN 16931 conformance tests.
* ``ks`` (our own checks, e.g. CVR and FIK check digits) when registered and asked for.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from .parse import EInvoiceError, ParsedDocument
from .schematron import ValidationTimeout

Severity = Literal["fatal", "warning"]
CheckFn = Callable[[ParsedDocument], Iterable[str]]
RunnerFn = Callable[[ParsedDocument], list["Finding"]]


@dataclass(frozen=True, slots=True)
class Rule:
    """One official rule. ``check(parsed)`` yields the location (XPath) of every place
    where the rule fails; no locations means the rule passes."""

    id: str
    severity: Severity
    context: str  # the rule's context (XPath / match pattern)
    message: str  # the official English message
    message_da: str  # a Danish explanation
    check: CheckFn | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    location: str
    message: str
    message_da: str = ""

    def as_dict(self) -> dict[str, str]:
        """The JSON object of ``ks invoices validate --json`` (``errors`` items)."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "location": self.location,
            "message": self.message,
        }


@dataclass
class RuleSet:
    name: str
    description: str = ""
    rules: list[Rule] = field(default_factory=list)
    runner: RunnerFn | None = None
    # rule ids when the set is a runner (for coverage counts)
    rule_ids: list[str] = field(default_factory=list)

    def ids(self) -> list[str]:
        return [r.id for r in self.rules] or list(self.rule_ids)

    def run(self, parsed: ParsedDocument) -> list[Finding]:
        if self.runner is not None:
            return self.runner(parsed)
        out: list[Finding] = []
        for r in self.rules:
            if r.check is None:
                continue
            for loc in r.check(parsed):
                out.append(Finding(r.id, r.severity, loc, r.message, r.message_da))
        return out


REGISTRY: dict[str, RuleSet] = {}


def get_ruleset(name: str) -> RuleSet:
    if name not in REGISTRY:
        REGISTRY[name] = RuleSet(name)
    return REGISTRY[name]


def register_ruleset(
    name: str,
    *,
    runner: RunnerFn | None = None,
    rule_ids: Iterable[str] = (),
    description: str = "",
) -> RuleSet:
    rs = get_ruleset(name)
    if runner is not None:
        rs.runner = runner
    if rule_ids:
        rs.rule_ids = list(rule_ids)
    if description:
        rs.description = description
    return rs


def register_rule(ruleset: str, rule: Rule) -> Rule:
    get_ruleset(ruleset).rules.append(rule)
    return rule


def rule(
    ruleset: str,
    id: str,
    severity: Severity,
    context: str,
    message: str,
    message_da: str,
) -> Callable[[CheckFn], CheckFn]:
    """Decorator: ``@rule('oioubl-invoice', 'F-INV001', 'fatal', '/Invoice', msg, msg_da)``
    over a function ``check(parsed) -> Iterable[location]``."""

    def deco(fn: CheckFn) -> CheckFn:
        register_rule(ruleset, Rule(id, severity, context, message, message_da, fn))
        return fn

    return deco


def _load_rules() -> None:
    from . import rules  # noqa: F401  (imports every module in the rules package)


def rulesets_for(parsed: ParsedDocument) -> list[str]:
    """The names of the registered rule sets that apply to ``parsed`` (see module doc)."""
    _load_rules()
    root_name = parsed.root_name
    if parsed.format == "oioubl":
        name = {"Invoice": "oioubl-invoice", "CreditNote": "oioubl-creditnote"}.get(
            root_name, "oioubl-" + root_name.lower()
        )
        return [name] if name in REGISTRY else []
    if parsed.format != "peppol" or root_name not in ("Invoice", "CreditNote"):
        return []
    names = ["en16931-peppol", "peppol", "dk"]
    return [n for n in names if n in REGISTRY]


def validate(
    parsed: ParsedDocument,
    rulesets: Iterable[str] | None = None,
    *,
    timeout: float | None = None,
) -> list[Finding]:
    """Run the given rule sets (default: ``rulesets_for(parsed)``) over ``parsed``.

    ``timeout`` (seconds): raise ``EInvoiceError`` with reason ``timeout`` when the rules
    have not finished in time (for the queue of large documents)."""
    _load_rules()
    names = list(rulesets) if rulesets is not None else rulesets_for(parsed)
    findings: list[Finding] = []
    if timeout is not None:
        parsed.cache["deadline"] = time.monotonic() + timeout
    # The cyclic garbage collector is paused while the rules run: building the tree makes a
    # few hundred container objects a document, which triggered a collection every second
    # document or so (8-18 % of the validation CPU, measured 2026-12-04), and none of them
    # is cyclic garbage once ``_release_tree`` has cut the parent links. Reference
    # counting frees the tree as before; the collector's state is restored afterwards (also
    # on errors), so anything cyclic made meanwhile is collected later as usual.
    gc_paused = gc.isenabled()
    if gc_paused:
        gc.disable()
    try:
        for name in names:
            rs = REGISTRY.get(name)
            if rs is None:
                raise KeyError(f"unknown rule set {name!r}; known: {sorted(REGISTRY)}")
            findings.extend(rs.run(parsed))
    except ValidationTimeout:
        raise EInvoiceError(
            "timeout",
            f"Validation did not finish within {timeout} seconds.",
            f"Valideringen blev ikke færdig inden for {timeout} sekunder.",
            file=parsed.filename,
        ) from None
    finally:
        parsed.cache.pop("deadline", None)
        _release_tree(parsed)
        if gc_paused:
            gc.enable()
    return findings


def _release_tree(parsed: ParsedDocument) -> None:
    """Drop the rule engine's converted tree once the findings (with their locations as
    text) are made. Its nodes point to their parents and the parents to them: reference
    cycles that only the cyclic garbage collector would free (~0.3 ms an invoice); cutting
    the parent links lets reference counting free the tree at once. A later ``validate`` of
    the same document builds it again."""
    doc = parsed.cache.pop("xpath-tree", None)
    for key in [k for k in parsed.cache if k.startswith("rules:")]:
        del parsed.cache[key]
    if doc is None:
        return
    doc.node.parent = None
    for nodes in doc.by_tag.values():
        for n in nodes:
            n.parent = None


def failed_ids(findings: Iterable[Finding]) -> dict[str, str]:
    """{rule id: severity} of the findings (the verdict compared with the official one)."""
    out: dict[str, str] = {}
    for f in findings:
        if out.get(f.rule) != "fatal":
            out[f.rule] = f.severity
    return out


def coverage() -> dict[str, Any]:
    _load_rules()
    return {name: len(rs.ids()) for name, rs in REGISTRY.items()}
