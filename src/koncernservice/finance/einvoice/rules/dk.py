"""The Danish CIUS rules for Peppol BIS 3 (DK-R-*: CVR/endpoint, payment means codes
for FIK, giro and transfers, UNSPSC classification, allowance reason codes, ...). They
apply when the supplier (and for most rules the customer too) is in Denmark. The rule
data is the DK part of the Peppol DK CIUS v1.15.0 package (the separate
``DK-EN16931-UBL`` schematron of that package holds no active rules)."""

from __future__ import annotations

from ..engine import register_ruleset
from ..schematron import OfficialRuleSet
from . import _data_peppol
from ._danish import danish_message
from ._peppol_functions import FUNCTIONS
from .peppol import is_danish

DK = OfficialRuleSet(
    "dk", _data_peppol, functions=FUNCTIONS, select=is_danish, danish=danish_message
)

register_ruleset(
    "dk",
    runner=DK,
    rule_ids=DK.rule_ids(),
    description="Danish CIUS rules DK-R-* (Peppol DK CIUS v1.15.0)",
)
