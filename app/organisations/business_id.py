"""Finnish business ID (Y-tunnus) validation with its check digit."""

from __future__ import annotations

import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)
_FORMAT = re.compile(r"^(\d{6,7})-(\d)$", re.ASCII)  # ASCII digits only


def normalize_business_id(value: str) -> str | None:
    """The ID in the form ``1234567-8``, or None when it is not a valid business ID.

    Old six-digit IDs get a leading zero. The check digit is 11 − (weighted sum
    mod 11), 0 when the remainder is 0; a remainder of 1 is never issued.
    """
    match = _FORMAT.match((value or "").strip())
    if not match:
        return None
    digits, check = match.group(1).rjust(7, "0"), int(match.group(2))
    remainder = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11
    if remainder == 1:
        return None
    expected = 0 if remainder == 0 else 11 - remainder
    return f"{digits}-{check}" if check == expected else None
