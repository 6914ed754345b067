"""The helper functions (namespace ``utils``, prefix ``u:``) that the Peppol BIS 3 rules
call, written in Python with the official definitions' exact semantics (check digits for
GLN, Norwegian organisation numbers (mod 11), Belgian enterprise numbers (mod 97),
Italian, Australian, Greek and Swedish identifiers, and the amount tolerance ``slack``)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..xpath import (
    Env,
    XPathDynamicError,
    atomize,
    cast_decimal,
    number_of,
    string_of,
)


def _s(seq: list[Any]) -> str:
    if not seq:
        return ""
    if len(seq) > 1:
        raise XPathDynamicError("XPTY0004: more than one item passed to a u: function")
    return string_of(atomize(seq[0]))


def _xmod(a: float, b: float) -> float:
    return math.fmod(a, b)


def gln(val: str) -> bool:
    length = len(val) - 1
    digits = [ord(ch) - 48 for ch in val[: max(length, 0)]][::-1]
    ws = sum(digits[i] * (1 + ((i + 1) % 2) * 2) for i in range(0, max(length, 0)))
    calc = _xmod(10 - _xmod(ws, 10), 10)
    last = val[length : length + 1] if length >= 0 else ""
    return calc == number_of(last)


def mod11(val: str) -> bool:
    length = len(val) - 1
    digits = [ord(ch) - 48 for ch in val[: max(length, 0)]][::-1]
    ws = sum(digits[i] * ((i % 6) + 2) for i in range(0, max(length, 0)))
    calc = _xmod(11 - _xmod(ws, 11), 11)
    last = val[length : length + 1] if length >= 0 else ""
    return number_of(val) > 0 and calc == number_of(last)


_INT = re.compile(r"^[ \t\n\r]*[+-]?[0-9]+[ \t\n\r]*$")


def _castable_int(s: str) -> bool:
    return bool(_INT.match(s))


def mod97_0208(val: str) -> bool:
    check = val[8:10]
    head = val[0:8]
    if not _castable_int(head):
        raise XPathDynamicError(f"FORG0001: cannot convert {head!r} to xs:integer")
    n = int(head)
    calc = str(97 - int(math.fmod(n, 97)))
    return number_of(check) == number_of(calc)


_LETTERS_DIGITS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_LETTERS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def check_codice_ipa(arg: str) -> bool:
    return all(ch in _LETTERS_DIGITS for ch in arg) and len(arg) == 6


def _only(chars: str, allowed: set[str]) -> bool:
    return all(ch in allowed for ch in chars)


def check_cf16(arg: str) -> bool:
    return (
        _only(arg[0:6], _LETTERS)
        and _castable_int(arg[6:8])
        and _only(arg[8:9], _LETTERS)
        and _castable_int(arg[9:11])
        and _castable_int(arg[14:15])
        and _only(arg[15:16], _LETTERS)
    )


def check_cf(arg: str) -> bool:
    if len(arg) == 16:
        return check_cf16(arg)
    if len(arg) == 11:
        return _castable_int(arg)
    return False


def _add_piva(arg: str, pari: int) -> int:
    total = 0
    while True:
        if not _castable_int(arg):
            return total
        d = int(arg[0:1]) if _castable_int(arg[0:1]) else None
        if d is None:
            raise XPathDynamicError("FORG0001: cannot convert to xs:integer")
        mapper = int("0246813579"[d]) if pari == 1 else d
        total += mapper
        arg = arg[1:]
        pari = 1 if pari == 0 else 0


def check_piva(arg: str) -> int:
    if not _castable_int(arg):
        return 1
    return int(math.fmod(_add_piva(arg, 0), 10))


def check_piva_se_it(arg: str) -> bool:
    paese, codice = arg[0:2], arg[2:]
    if paese in ("IT", "it"):
        return len(codice) == 11 and check_piva(codice) == 0
    return True


def abn(val: str) -> bool:
    if len(val) < 11:
        return False
    weights = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
    total = (ord(val[0]) - 49) * 10 + sum((ord(val[i]) - 48) * weights[i] for i in range(1, 11))
    return math.fmod(total, 89) == 0


def tin_verification(val: str) -> bool:
    def d(i: int) -> float:
        return number_of(val[i - 1]) if 0 < i <= len(val) else math.nan

    checksum = sum(d(9 - k) * (2**k) for k in range(1, 9))
    if math.isnan(checksum):
        return False
    return math.fmod(math.fmod(checksum, 11), 10) == d(9)


def check_se_orgnr(number: str) -> bool:
    if not re.search(r"^\d+$", number):
        return False
    main = number[0:9]
    check = number[9:10]
    total = 0.0
    n = len(main)
    for pos in range(1, n + 1):
        v = number_of(main[n - pos])
        if pos % 2 == 1:
            total += math.fmod(v * 2, 10) + float(int((v * 2) / 10))
        else:
            total += v
    calc = math.fmod(10 - math.fmod(int(total), 10), 10)
    return calc == number_of(check)


def slack(exp: Any, val: Any, sl: Any) -> bool:
    e, v, s = (cast_decimal(atomize(x)) for x in (exp, val, sl))
    return Decimal(e + s) >= v and Decimal(e - s) <= v


def _one_item(seq: list[Any]) -> Any:
    if len(seq) != 1:
        raise XPathDynamicError("XPTY0004: u:slack expects one value per argument")
    return seq[0]


FUNCTIONS: dict[str, Callable[..., list[Any]]] = {
    "u:gln": lambda E, v: [gln(_s(v))],
    "u:mod11": lambda E, v: [mod11(_s(v))],
    "u:mod97-0208": lambda E, v: [mod97_0208(_s(v))],
    "u:checkCodiceIPA": lambda E, v: [check_codice_ipa(_s(v))],
    "u:checkCF": lambda E, v: [check_cf(_s(v))],
    "u:checkPIVAseIT": lambda E, v: [check_piva_se_it(_s(v))],
    "u:abn": lambda E, v: [abn(_s(v))],
    "u:TinVerification": lambda E, v: [tin_verification(_s(v))],
    "u:checkSEOrgnr": lambda E, v: [check_se_orgnr(_s(v))],
    "u:slack": lambda E, a, b, c: [slack(_one_item(a), _one_item(b), _one_item(c))],
}

__all__ = ["FUNCTIONS", "Env"]
