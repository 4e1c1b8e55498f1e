"""Plain-language page texts for the fee engine's error codes."""

from __future__ import annotations

from flask_babel import gettext as _

from app.fees.errors import FeeError


def fee_error_text(error: FeeError) -> str:
    texts = {
        "no_travel_rate": _("There are no travel rates for that year yet, so the travel "
                            "costs cannot be calculated. Choose another date."),
        "no_fee_schedule": _("There is no fee schedule for that date. Choose another date."),
        "unknown_assignment_type": _("That type of work has no fee on that date."),
        "invalid_duration": _("Give the length as whole minutes, 1–1440."),
        "amount_out_of_range": _("A travel amount is outside the allowed range."),
        "invalid_amount": _("A travel amount is not a number."),
    }
    return texts.get(error.code, _("The price could not be calculated. Check the values."))
