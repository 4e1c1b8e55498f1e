"""Bank account numbers (IBAN): validated with schwifty, stored compact, shown masked."""

from __future__ import annotations

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from app.common.errors import InvalidInput


def normalize_iban(value: str) -> str:
    """The IBAN in compact upper-case form; `InvalidInput` when it is not a valid IBAN."""
    try:
        return IBAN(value or "").compact
    except SchwiftyException:
        raise InvalidInput(
            "The account number is not valid. Check it from your online bank. "
            "A Finnish account number starts with FI and has 18 characters.",
            code="invalid_iban",
            field="iban",
        ) from None


def mask_iban(compact: str | None) -> str:
    """The IBAN with all but its country code and last four characters hidden, in groups of four.

    "FI2112345600000785" becomes "FI** **** **** **07 85".
    """
    if not compact:
        return ""
    hidden = compact[:2] + "*" * max(len(compact) - 6, 0) + compact[-4:]
    return " ".join(hidden[i : i + 4] for i in range(0, len(hidden), 4))
