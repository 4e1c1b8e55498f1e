"""An organisation's e-invoice address (OVT/EDI code) and operator ID, validated.

Pure functions, no Flask and no database.

* The OVT code is ``0037`` (Finland's ICD prefix), the 8 digits of the business
  ID without its hyphen (check digit included, so it is checked as a business
  ID), and an optional suffix of up to 5 letters or digits naming a unit of the
  organisation, e.g. ``003712345671`` or ``003712345671SOTE``.
* The operator ID (intermediator) is the operator's own OVT code (``0037`` +
  8 digits) or its BIC (8 or 11 characters, e.g. ``NDEAFIHH``), or a short
  code of letters and digits that some operators use (e.g. ``E204503``).
"""

from __future__ import annotations

import re

from app.organisations.business_id import normalize_business_id

_OVT = re.compile(r"^0037([0-9]{8})([0-9A-Z]{0,5})$", re.ASCII)
_BIC = re.compile(r"^[A-Z]{6}[0-9A-Z]{2}([0-9A-Z]{3})?$", re.ASCII)
_OPERATOR_CODE = re.compile(r"^[0-9A-Z]{4,17}$", re.ASCII)


def normalize_ovt(value: str, business_id: str | None = None) -> str | None:
    """The OVT code in capitals without spaces or hyphens, or None when it is not valid.

    With ``business_id`` given, the code must also be that organisation's own.
    """
    compact = _compact(value)
    match = _OVT.match(compact)
    if not match:
        return None
    digits = match.group(1)
    own = normalize_business_id(f"{digits[:7]}-{digits[7]}")
    if own is None:
        return None
    if business_id is not None and own != normalize_business_id(business_id):
        return None
    return compact


def normalize_operator(value: str) -> str | None:
    """The operator ID in capitals without spaces, or None when it is not valid."""
    compact = _compact(value)
    if compact.startswith("0037"):
        return compact if normalize_ovt(compact) is not None else None
    if _BIC.match(compact) or _OPERATOR_CODE.match(compact):
        return compact
    return None


def ovt_for(business_id: str, suffix: str = "") -> str:
    """The OVT code of a (valid) business ID with an optional unit suffix."""
    normal = normalize_business_id(business_id)
    if normal is None:
        raise ValueError("not a valid business ID")
    code = "0037" + normal.replace("-", "") + _compact(suffix)
    if normalize_ovt(code) is None:
        raise ValueError("the suffix is up to 5 letters or digits")
    return code


def _compact(value: str) -> str:
    return re.sub(r"[\s-]+", "", value or "").upper()
