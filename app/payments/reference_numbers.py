"""Finnish payment reference numbers (viitenumero) and their RF creditor-reference form.

Pure functions, no Flask and no database.

* The Finnish reference is 4–20 digits: a base of 3–19 digits and one check
  digit. The base's digits, read from the right, are weighted 7, 3, 1, 7, 3,
  1…; the check digit is the difference between the weighted sum and the next
  multiple of ten (0 when the sum is already one). Banks print it in groups of
  five from the right, e.g. ``12345 67890 12345``.
* The RF form (ISO 11649) is ``RF`` + two check digits + the reference. The
  check digits make ``reference + "RF00"`` (letters as numbers, A = 10 …
  Z = 35) equal 1 modulo 97: they are ``98 − (that number mod 97)``. Shown in
  groups of four, e.g. ``RF18 5390 0754 7034``.
"""

from __future__ import annotations

import re

_WEIGHTS = (7, 3, 1)
_DIGITS = re.compile(r"^[0-9]{4,20}$", re.ASCII)
_RF = re.compile(r"^RF[0-9]{2}[0-9A-Z]{1,21}$", re.ASCII)


def check_digit(base: str) -> int:
    """The 7-3-1 check digit of a base of 3–19 digits."""
    if not re.fullmatch(r"[0-9]{3,19}", base, re.ASCII):
        raise ValueError("a reference base is 3 to 19 digits")
    total = sum(int(digit) * _WEIGHTS[i % 3] for i, digit in enumerate(reversed(base)))
    return (10 - total % 10) % 10


def finnish_reference(base: str | int) -> str:
    """The Finnish reference number of a base of 3–19 digits (leading zeros dropped)."""
    base = str(base).lstrip("0")
    return f"{base}{check_digit(base)}"


def is_valid_finnish_reference(value: str) -> bool:
    """Whether the value (spaces allowed) is a Finnish reference with a right check digit."""
    digits = _compact(value)
    if not _DIGITS.match(digits):
        return False
    return check_digit(digits[:-1]) == int(digits[-1])


def rf_reference(finnish: str) -> str:
    """The RF creditor reference (ISO 11649) for a valid Finnish reference, compact form."""
    digits = _compact(finnish)
    if not is_valid_finnish_reference(digits):
        raise ValueError("not a valid Finnish reference number")
    return f"RF{98 - _mod97(digits + 'RF00'):02d}{digits}"


def is_valid_rf_reference(value: str) -> bool:
    """Whether the value (spaces allowed, any case) passes the ISO 11649 mod-97 check."""
    compact = _compact(value).upper()
    if not _RF.match(compact):
        return False
    return _mod97(compact[4:] + compact[:4]) == 1


def normalize_reference(value: str) -> str | None:
    """The Finnish reference a payer quoted, from either form; None when it is not valid.

    An RF reference whose body is a valid Finnish reference gives that body, so
    a payment quoting ``RF…`` finds the same invoice as one quoting the digits.
    Leading zeros of a Finnish reference are dropped (banks pad it with them).
    """
    compact = _compact(value or "").upper()
    if compact.startswith("RF"):
        if not is_valid_rf_reference(compact):
            return None
        compact = compact[4:]
    compact = compact.lstrip("0")
    return compact if is_valid_finnish_reference(compact) else None


def format_finnish(reference: str) -> str:
    """Groups of five digits from the right: ``1 23453``, ``12345 67890 12344``."""
    digits = _compact(reference)
    head = len(digits) % 5
    groups = [digits[:head]] if head else []
    groups += [digits[i:i + 5] for i in range(head, len(digits), 5)]
    return " ".join(groups)


def format_rf(reference: str) -> str:
    """Groups of four characters: ``RF33 1234 5612 3``."""
    compact = _compact(reference).upper()
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def _compact(value: str) -> str:
    return re.sub(r"\s+", "", value or "")


def _mod97(text: str) -> int:
    numeric = "".join(str(int(char, 36)) for char in text)
    return int(numeric) % 97
