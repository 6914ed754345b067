"""Danish identifiers: CPR, GLN/EAN location numbers and CVR. Pure functions, no database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from stdnum import ean
from stdnum.dk import cpr as stdnum_cpr
from stdnum.dk import cvr as stdnum_cvr
from stdnum.exceptions import ValidationError as StdnumError


class IdentifierError(ValueError):
    """A Danish identifier that is malformed; the message is English, the code is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CprInfo:
    number: str  # ten digits, no separator
    birth_date: dt.date
    legal_sex: str  # "F" or "M": the last digit is even for women, odd for men


def parse_cpr(value: str, *, today: dt.date | None = None) -> CprInfo:
    """Validate a CPR number and derive birth date and legal sex.

    The modulus-11 check is deliberately not applied: since 2007 the CPR office issues
    numbers that fail it, so it would reject real people.
    """
    number = stdnum_cpr.compact(value or "")
    if not number.isdigit() or len(number) != 10:
        raise IdentifierError("cpr_format", "A CPR number has ten digits (DDMMYY-SSSS).")
    try:
        birth_date = stdnum_cpr.get_birth_date(number)
    except StdnumError as exc:
        raise IdentifierError("cpr_date", "The CPR number holds no valid birth date.") from exc
    if birth_date > (today or dt.date.today()):
        raise IdentifierError("cpr_future", "The CPR number's birth date lies in the future.")
    return CprInfo(
        number=number, birth_date=birth_date, legal_sex="M" if int(number[9]) % 2 else "F"
    )


def mask_cpr(number: str) -> str:
    """Show the birth date part only: ``010190-****``."""
    digits = stdnum_cpr.compact(number or "")
    if len(digits) != 10:
        return "******-****"
    return f"{digits[:6]}-****"


def format_cpr(number: str) -> str:
    return stdnum_cpr.format(number)


def gln_check_digit(first_twelve: str) -> int:
    """GS1 modulus 10: weights 3,1,3,1... from the right of the first 12 digits."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(first_twelve)))
    return (10 - total % 10) % 10


def parse_gln(value: str) -> str:
    """Validate a 13-digit GLN/EAN location number (GS1 check digit)."""
    number = (value or "").strip().replace(" ", "")
    if not number.isdigit() or len(number) != 13:
        raise IdentifierError("gln_format", "A GLN/EAN location number has exactly 13 digits.")
    if not ean.is_valid(number):
        raise IdentifierError("gln_check_digit", "The GLN/EAN number's check digit is wrong.")
    return number


def make_gln(first_twelve: str) -> str:
    """Complete 12 digits with their GS1 check digit (used by the demo generator)."""
    return first_twelve + str(gln_check_digit(first_twelve))


def parse_cvr(value: str) -> str:
    """Validate an 8-digit CVR number (modulus 11)."""
    number = stdnum_cvr.compact(value or "")
    if not number.isdigit() or len(number) != 8:
        raise IdentifierError("cvr_format", "A CVR number has exactly 8 digits.")
    if not stdnum_cvr.is_valid(number):
        raise IdentifierError("cvr_check_digit", "The CVR number fails the modulus 11 check.")
    return number
