"""Row ids sent by forms and query strings (core.forms.posted_id)."""

from __future__ import annotations

import pytest
from django.http import Http404

from koncernservice.core.forms import posted_id, posted_id_or_404


@pytest.mark.parametrize(("sent", "expected"), [("42", 42), (" 7 ", 7), (12, 12), ("0", 0)])
def test_whole_numbers_are_ids(sent: object, expected: int) -> None:
    assert posted_id(sent) == expected
    assert posted_id_or_404(sent) == expected


@pytest.mark.parametrize(
    "sent",
    # garbage, a negative or decimal number, a superscript digit (str.isdigit says yes,
    # int() says no), Arabic-Indic digits, and 19 digits (more than a bigint id holds)
    [None, "", "abc", "-1", "1.5", "²", "١٤", "9" * 19, "<script>"],
)
def test_anything_else_is_no_id(sent: object) -> None:
    assert posted_id(sent) is None
    with pytest.raises(Http404):
        posted_id_or_404(sent)
