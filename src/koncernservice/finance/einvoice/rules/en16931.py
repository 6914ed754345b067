"""EN 16931 business rules for UBL (BR-*, BR-CO-*, BR-DEC-*, the VAT category rules
BR-S/Z/E/AE/K/G/O/IC/IG/IP/B, the code-list rules BR-CL-* and the UBL syntax rules
UBL-CR-*/UBL-SR-*/UBL-DT-*), as rule data compiled into Python checks.

Two versions are registered, so that each document gets exactly the official verdict of
the rules that govern it:

* ``en16931``: EN 16931 v1.3.16 (``_data_en16931``), for plain EN 16931 UBL documents;
* ``en16931-peppol``: the CEN rules as bundled with Peppol BIS 3 / the Danish CIUS
  v1.15.0 (``_data_cen_peppol``), for Peppol BIS 3 documents.
"""

from __future__ import annotations

from ..engine import register_ruleset
from ..schematron import OfficialRuleSet
from . import _data_cen_peppol, _data_en16931
from ._danish import danish_message

EN16931 = OfficialRuleSet("en16931", _data_en16931, danish=danish_message)
EN16931_PEPPOL = OfficialRuleSet("en16931-peppol", _data_cen_peppol, danish=danish_message)

register_ruleset(
    "en16931",
    runner=EN16931,
    rule_ids=EN16931.rule_ids(),
    description="EN 16931 v1.3.16 UBL business rules",
)
register_ruleset(
    "en16931-peppol",
    runner=EN16931_PEPPOL,
    rule_ids=EN16931_PEPPOL.rule_ids(),
    description="EN 16931 UBL business rules as bundled with Peppol BIS 3 (DK CIUS v1.15.0)",
)
