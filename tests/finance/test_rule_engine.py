"""The rule engine's shortcuts keep the Schematron/XPath semantics (schematron.py, xpath.py).

The differential tests (test_conformance_*.py) prove the verdicts against the official
stylesheets; these tests pin the shortcuts one by one on small documents, so that a wrong
shortcut shows where it is wrong."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from koncernservice.finance.einvoice.schematron import RuleData
from koncernservice.finance.einvoice.xpath import (
    Compiler,
    Env,
    XPathDynamicError,
    attributes_only,
    build_tree,
    leaf_pure,
)

NS = {"a": "urn:a"}


def _tree(xml: str):
    return build_tree(etree.fromstring(xml.encode()))


def _rules(templates, globals_=()):
    return RuleData({"NAMESPACES": NS, "GLOBALS": list(globals_), "TEMPLATES": templates})


def _fired(rd: RuleData, xml: str) -> list[tuple[str, str]]:
    return [(f.id, f.location) for f in rd.run(_tree(xml))]


def test_preceding_and_following_by_name_agree_with_the_generic_axis() -> None:
    # the named axes use the index of elements by name; the wildcard ones walk every
    # element: both must give the same nodes (no ancestors, no descendants, document order)
    doc = _tree(
        "<r xmlns='urn:a'><b>1</b><c><b>2</b><d><b>3</b></d></c><b>4</b><c><b>5</b></c></r>"
    )
    cc = Compiler(NS)
    named_p = cc.compile("preceding::a:b")
    generic_p = cc.compile("preceding::*[self::a:b]")
    named_f = cc.compile("following::a:b")
    generic_f = cc.compile("following::*[self::a:b]")
    E = Env(doc)
    for ctx in doc.by_tag["{urn:a}d"] + doc.by_tag["{urn:a}c"] + doc.by_tag["{urn:a}b"]:
        assert named_p(ctx, E) == generic_p(ctx, E)
        assert named_f(ctx, E) == generic_f(ctx, E)
    d = doc.by_tag["{urn:a}d"][0]
    assert [n.text for n in named_p(d, E)] == ["1", "2"]  # 3 is inside d
    assert [n.text for n in named_f(d, E)] == ["4", "5"]
    # UBL-SR-44's shape: the first of each distinct value
    first = cc.compile("count(//a:b[not(preceding::a:b/. = .)])")
    assert first(doc.node, E) == [5]


def test_attribute_only_tests_are_recognised_conservatively() -> None:
    cc = Compiler(NS)
    consts = {"codes"}
    for test, expected in [
        ("@currencyID = 'DKK'", True),
        ("not(contains(normalize-space(@unitCode), ' '))", True),
        ("@currencyID = $codes", True),
        ("normalize-space() = ''", False),  # the text
        (". = 'x'", False),
        ("string-length(text()) = 10", False),
        ("@schemeID = 'GLN' and . != ''", False),
        ("local-name() = 'TaxAmount'", False),  # the name
    ]:
        ast = cc.parse(test)
        assert leaf_pure(ast, consts), test
        assert attributes_only(ast) is expected, test


def test_memo_by_attributes_and_globals_is_per_document() -> None:
    # as PEPPOL-EN16931-R051: every amount's currency must be the document currency (a
    # global variable); equal amounts share one evaluation within a document, never
    # across documents
    rd = _rules(
        [
            (
                "p1",
                0,
                "//*[@cur]",
                [],
                [("assert", "R-CUR", "fatal", "@cur = $doccur", "wrong currency")],
            )
        ],
        [("doccur", "/a:r/a:cur")],
    )
    same = "<r xmlns='urn:a'><cur>DKK</cur><x cur='DKK'>1</x><y cur='DKK'>2</y></r>"
    other = "<r xmlns='urn:a'><cur>EUR</cur><x cur='DKK'>1</x><y cur='DKK'>2</y></r>"
    assert _fired(rd, same) == []
    assert _fired(rd, other) == [
        ("R-CUR", "/r[1]/x[1]"),
        ("R-CUR", "/r[1]/y[1]"),
    ]
    assert _fired(rd, same) == []


def test_name_predicates_are_settled_per_path_and_the_rest_per_element() -> None:
    rd = _rules(
        [
            (
                "p1",
                0,
                "//*[ends-with(name(), 'Amount')]",
                [],
                [("report", "R-AMOUNT", "warning", "true()", "an amount")],
            ),
            (
                "p2",
                0,
                "//*[ends-with(name(), 'Amount') and . = '0']",
                [],
                [("report", "R-ZERO", "warning", "true()", "a zero amount")],
            ),
        ]
    )
    xml = (
        "<r xmlns='urn:a'><TaxAmount>0</TaxAmount><Note>0</Note>"
        "<l><LineAmount>5</LineAmount></l><l><LineAmount>0</LineAmount></l></r>"
    )
    for _ in range(2):  # the second run uses the per-path cache
        assert _fired(rd, xml) == [
            ("R-AMOUNT", "/r[1]/TaxAmount[1]"),
            ("R-AMOUNT", "/r[1]/l[1]/LineAmount[1]"),
            ("R-AMOUNT", "/r[1]/l[2]/LineAmount[1]"),
            ("R-ZERO", "/r[1]/TaxAmount[1]"),
            ("R-ZERO", "/r[1]/l[2]/LineAmount[1]"),
        ]


def test_descendants_by_a_union_of_names_keep_document_order() -> None:
    # BR-CO-10's sum(//(cac:InvoiceLine|cac:CreditNoteLine)/...): the index of elements
    # by name gives the same nodes, in document order, as walking every element
    doc = _tree("<r xmlns='urn:a'><x>1</x><g><y>2</y><x>3</x></g><y>4</y><x><x>5</x></x></r>")
    cc = Compiler(NS)
    E = Env(doc)
    by_index = cc.compile("//(a:x|a:y)")
    walked = cc.compile("/descendant-or-self::node()/(a:x|a:y)")
    assert [n.pos for n in by_index(doc.node, E)] == [n.pos for n in walked(doc.node, E)]
    assert [n.text for n in by_index(doc.node, E) if not n.children] == ["1", "2", "3", "4", "5"]
    g = doc.by_tag["{urn:a}g"][0]
    under_g = cc.compile(".//(a:x|a:y)")
    assert [n.text for n in under_g(g, E)] == ["2", "3"]
    assert cc.compile("sum(//(a:x|a:y)[not(*)]/xs:decimal(.))")(doc.node, E) == [15]


def test_boolean_shortcuts_agree_with_the_sequences() -> None:
    # not(*), exists(cbc:X), normalize-space(), string(.) as booleans are computed without
    # building sequences; they must equal the effective boolean value of the sequence
    doc = _tree("<r xmlns='urn:a'><e/><w> \t\n</w><t> x </t><p a=' '><q/></p><m>1<q/>2</m></r>")
    cc = Compiler(NS)
    E = Env(doc)
    for fast_src, slow_src in [
        ("not(*)", "count(*) = 0"),
        ("exists(a:q)", "count(a:q) > 0"),
        ("empty(a:q)", "count(a:q) = 0"),
        ("a:q", "count(a:q) > 0"),
        ("normalize-space()", "string-length(normalize-space()) > 0"),
        ("normalize-space(.)", "string-length(normalize-space(.)) > 0"),
        ("string()", "string-length(string()) > 0"),
        ("string(.)", "string-length(string(.)) > 0"),
        ("not(*) and not(normalize-space())", "count(*) = 0 and normalize-space() = ''"),
    ]:
        fast = cc.compile_bool(fast_src)
        slow = cc.compile_bool(slow_src)
        for nodes in doc.by_tag.values():
            for x in nodes:
                assert fast(x, E) == slow(x, E), (fast_src, x.tag)
    attr = cc.compile("@a")(doc.by_tag["{urn:a}p"][0], E)[0]
    assert cc.compile_bool("string()")(attr, E) is True  # ' '
    assert cc.compile_bool("normalize-space()")(attr, E) is False


def test_xs_decimal_of_an_element_reads_its_string_value() -> None:
    # xs:decimal(cbc:X) casts the element's string value (whitespace around allowed, as
    # xs:decimal(string(cbc:X)) does); anything else is FORG0001, as on the official route
    doc = _tree("<r xmlns='urn:a'><x> 12.50 </x><x>-.5</x><x>1e3</x><x>abc</x><x>1<y>2</y></x></r>")
    cc = Compiler(NS)
    E = Env(doc)
    direct = cc.compile("xs:decimal(.)")
    via_string = cc.compile("xs:decimal(string(.))")
    results = []
    for x in doc.by_tag["{urn:a}x"]:
        try:
            a = direct(x, E)
        except XPathDynamicError as exc:
            a = str(exc)
        try:
            b = via_string(x, E)
        except XPathDynamicError as exc:
            b = str(exc)
        assert a == b
        results.append(a)
    assert results[0] == [Decimal("12.50")] and results[1] == [Decimal("-0.5")]
    assert results[4] == [Decimal(12)]
    assert str(results[2]).startswith("FORG0001") and str(results[3]).startswith("FORG0001")
