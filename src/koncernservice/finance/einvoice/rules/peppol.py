"""Peppol BIS Billing 3 rules (PEPPOL-EN16931-R*, PEPPOL-COMMON-R*, PEPPOL-EN16931-CL*,
-P*, -F*, and the national rules of other countries that the Peppol rules carry: NO, IT,
SE, GR, IS, NL, DE), as rule data compiled into Python checks. The Danish rules (DK-R-*)
of the same source are registered separately as ``dk`` (``rules/dk.py``)."""

from __future__ import annotations

from ..engine import register_ruleset
from ..schematron import OfficialRuleSet
from . import _data_peppol
from ._danish import danish_message
from ._peppol_functions import FUNCTIONS


def is_danish(rule_id: str) -> bool:
    return rule_id.startswith("DK-R-")


PEPPOL = OfficialRuleSet(
    "peppol",
    _data_peppol,
    functions=FUNCTIONS,
    select=lambda rule_id: not is_danish(rule_id),
    danish=danish_message,
)

register_ruleset(
    "peppol",
    runner=PEPPOL,
    rule_ids=PEPPOL.rule_ids(),
    description="Peppol BIS Billing 3 rules (DK CIUS v1.15.0 package)",
)
