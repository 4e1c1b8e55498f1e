"""Finance's forms for bank payments: one payment by reference number, or a CSV of several."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Length

REQUIRED = _l("This field is required.")


class BankPaymentForm(FlaskForm):
    """Amounts and dates are parsed by the service (decimal comma and 1.12.2026 allowed)."""

    reference = StringField(
        _l("Reference number"), validators=[DataRequired(REQUIRED), Length(max=40)],
        description=_l("As the payer wrote it: the digits or the RF form."))
    amount = StringField(_l("Amount in euros"), validators=[DataRequired(REQUIRED)],
                         description=_l("For example 125,50"))
    paid_on = StringField(_l("Payment date"), validators=[DataRequired(REQUIRED)],
                          description=_l("For example 1.12.2026"))
    archive_id = StringField(
        _l("Archive ID of the transfer (optional)"), validators=[Length(max=35)],
        description=_l("The bank statement's archive ID. With it the same transfer is never "
                       "registered twice."))


class BankPaymentsFileForm(FlaskForm):
    file = FileField(
        _l("CSV file of payments"), validators=[FileRequired(REQUIRED)],
        description=_l("The first row names the columns: viite, summa, maksupäivä, "
                       "arkistointitunnus (or reference, amount, paid_on, archive_id)."))
