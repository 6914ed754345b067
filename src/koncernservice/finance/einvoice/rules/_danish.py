"""Danish explanations of the official rules (the official messages are English).

``danish_message(rule_id, message)``: a hand-written explanation for the rules users
meet most (``DANISH``), otherwise a Danish explanation of the rule's family (code lists,
decimals, VAT categories, UBL syntax rules, ...)."""

from __future__ import annotations

import re

VAT_CATEGORIES = {
    "S": "standardsats (S)",
    "Z": "nulsats (Z)",
    "E": "momsfritaget (E)",
    "AE": "omvendt betalingspligt (AE)",
    "IC": "momsfri levering inden for EU (K)",
    "G": "momsfri eksport uden for EU (G)",
    "O": "uden for momsområdet (O)",
    "IG": "IGIC, De Kanariske Øer (L)",
    "IP": "IPSI, Ceuta og Melilla (M)",
    "B": "split payment (B)",
}

DANISH: dict[str, str] = {}

_FAMILIES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^BR-CL-"), "Koden findes ikke på den kodeliste, standarden tillader for feltet."),
    (re.compile(r"^BR-DEC-"), "Beløbet har flere decimaler end tilladt (højst 2)."),
    (
        re.compile(r"^UBL-CR-"),
        "Elementet bør ikke bruges i en faktura efter EN 16931 (UBL-syntaksregel); "
        "modtageren ser bort fra det.",
    ),
    (re.compile(r"^UBL-SR-"), "Elementet må højst forekomme én gang (UBL-syntaksregel)."),
    (re.compile(r"^UBL-DT-"), "Datatypen er ikke tilladt (UBL-syntaksregel for EN 16931)."),
    (
        re.compile(r"^BR-CO-"),
        "Beløbene eller oplysningerne hænger ikke sammen (EN 16931 beregningsregel).",
    ),
    (re.compile(r"^PEPPOL-EN16931-CL"), "Koden findes ikke på den kodeliste, Peppol tillader."),
    (
        re.compile(r"^PEPPOL-COMMON-R04"),
        "Identifikatoren har ikke det rigtige format eller kontrolciffer.",
    ),
    (re.compile(r"^PEPPOL-"), "Fakturaen overholder ikke en Peppol BIS 3-regel."),
    (re.compile(r"^DK-R-"), "Fakturaen overholder ikke en dansk regel (Peppol DK CIUS)."),
    (
        re.compile(r"^(NO|SE|IT|GR|IS|NL|DE)-"),
        "Fakturaen overholder ikke en national regel for leverandørens eller køberens land.",
    ),
    (re.compile(r"^BR-"), "Fakturaen overholder ikke en forretningsregel i EN 16931."),
]

_VAT_RULE = re.compile(r"^BR-(S|Z|E|AE|IC|G|O|IG|IP|B)-(\d+)$")


def danish_message(rule_id: str, message: str = "") -> str:
    da = DANISH.get(rule_id)
    if da:
        return da
    m = _VAT_RULE.match(rule_id)
    if m:
        cat = VAT_CATEGORIES.get(m.group(1), m.group(1))
        return f"Momsreglerne for momskategori {cat} er ikke overholdt."
    for pattern, text in _FAMILIES:
        if pattern.match(rule_id):
            return text
    return "Fakturaen overholder ikke reglen."
