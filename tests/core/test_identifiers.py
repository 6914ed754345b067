"""CPR and GLN rules (CPR-loven; GS1 General Specifications for the GLN check digit)."""

import datetime as dt

import pytest

from koncernservice.core.rules import identifiers


def test_cpr_accepts_post_2007_number_that_fails_modulus_11() -> None:
    # 010190-2001: weights 4,3,2,7,6,5,4,3,2,1 give a sum of 41, 41 mod 11 = 8 ≠ 0.
    number = "0101902001"
    assert (
        sum(w * int(d) for w, d in zip((4, 3, 2, 7, 6, 5, 4, 3, 2, 1), number, strict=True)) % 11
        != 0
    )
    info = identifiers.parse_cpr("010190-2001")
    assert info.number == number
    assert info.birth_date == dt.date(1990, 1, 1)
    assert info.legal_sex == "M"  # last digit 1 is odd: a man


def test_cpr_century_from_seventh_digit_and_sex_from_last_digit() -> None:
    # Seventh digit 4 with year 05 (< 37) means 2000s; last digit 2 is even: a woman.
    info = identifiers.parse_cpr("1503054002")
    assert info.birth_date == dt.date(2005, 3, 15)
    assert info.legal_sex == "F"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("12345", "cpr_format"),
        ("3102901234", "cpr_date"),
        ("01019a1234", "cpr_format"),
        ("0101305001", "cpr_future"),
    ],
)
def test_cpr_rejects_malformed_numbers(value: str, code: str) -> None:
    # 310290: there is no 31 February. 010130-5001: digit 5 with year 30 means 2030.
    with pytest.raises(identifiers.IdentifierError) as exc:
        identifiers.parse_cpr(value, today=dt.date(2026, 11, 23))
    assert exc.value.code == code


def test_cpr_is_masked_to_the_birth_date() -> None:
    assert identifiers.mask_cpr("0101902001") == "010190-****"
    assert identifiers.mask_cpr("garbage") == "******-****"


def test_gln_check_digit_gs1_modulus_10() -> None:
    # 579800000001?: from the right, weights 3,1,3,1,... over 1,0,0,0,0,0,0,0,8,9,7,5:
    # 1*3 + 8*3 + 9*1 + 7*3 + 5*1 = 3 + 24 + 9 + 21 + 5 = 62 → check digit (10 - 2) % 10 = 8.
    assert identifiers.gln_check_digit("579800000001") == 8
    assert identifiers.parse_gln("5798000000018") == "5798000000018"
    with pytest.raises(identifiers.IdentifierError) as exc:
        identifiers.parse_gln("5798000000011")
    assert exc.value.code == "gln_check_digit"
    with pytest.raises(identifiers.IdentifierError):
        identifiers.parse_gln("57980000")


def test_cvr_modulus_11() -> None:
    # Weights 2,7,6,5,4,3,2,1 over 10403782: 2+0+24+0+12+21+16+2 = 77 = 7 * 11 → valid.
    assert (
        sum(w * int(d) for w, d in zip((2, 7, 6, 5, 4, 3, 2, 1), "10403782", strict=True)) % 11 == 0
    )
    assert identifiers.parse_cvr("10403782") == "10403782"
    with pytest.raises(identifiers.IdentifierError):
        identifiers.parse_cvr("10403783")
