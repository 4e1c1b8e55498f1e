"""The administrator's settings form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from app.admin.services import SETTINGS

REQUIRED = _l("This field is required.")


def _setting_field(key: str, label, description):
    _default, low, high = SETTINGS[key]
    return IntegerField(label, description=description, validators=[
        InputRequired(REQUIRED),
        NumberRange(min=low, max=high, message=_l("Give a whole number from %(min)s to %(max)s.")),
    ])


class SettingsForm(FlaskForm):
    late_cancellation_hours = _setting_field(
        "late_cancellation_hours", _l("Late cancellation window, hours"),
        _l("If the organisation cancels less than this many hours before the start, the booked "
           "experts still get their fee."),
    )
    invitation_hours = _setting_field(
        "invitation_hours", _l("Time to answer a work offer, hours"),
        _l("An invitation expires after this time, but never after the work starts."),
    )
    payment_term_days = _setting_field(
        "payment_term_days", _l("Payment term of invoices, days"),
        _l("How many days organisations have to pay an invoice."),
    )
    invoice_grouping = RadioField(
        _l("Invoices to organisations"),
        choices=[
            SelectChoice("per_order", _l("One invoice per order, when its work is done")),
            SelectChoice("monthly",
                         _l("One invoice per organisation per month, after the month ends")),
        ],
    )
