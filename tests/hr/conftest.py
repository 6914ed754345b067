"""HR fixtures: the synthetic agreements loaded through the real service."""

from __future__ import annotations

import pytest

from koncernservice.core.system import system_operator
from koncernservice.hr import paytables, services
from koncernservice.hr.models import Agreement

SYSTEM = system_operator()


def load_agreements() -> dict[str, Agreement]:
    result = {}
    for data in paytables.AGREEMENTS:
        plain = paytables.agreement_data(data["code"])
        result[data["code"]] = services.agreement_load(
            actor=SYSTEM, data=plain, versions=paytables.VERSIONS
        )
    return result


@pytest.fixture
def agreements(db: None) -> dict[str, Agreement]:
    return load_agreements()
