"""Finance's forms for bank payments (one by reference number, or a CSV), the service fee form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.web.fields import LocalDecimalField

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


class ServiceFeeForm(FlaskForm):
    """The value is checked against the kind by the service."""

    effective_from = DateField(_l("In force from"), validators=[DataRequired(REQUIRED)],
                               description=_l("Today or later. Earlier invoices never change."))
    kind = RadioField(
        _l("Service fee"),
        choices=[
            SelectChoice("per_assignment", _l("Euros per confirmed assignment")),
            SelectChoice("percent", _l("Percent of the work's fee, travel and daily allowance")),
            SelectChoice("none", _l("No service fee")),
        ],
        validators=[InputRequired(REQUIRED)],
    )
    value = LocalDecimalField(_l("Euros or percent"), places=2, validators=[Optional()],
                              description=_l("For example 5,00. Leave empty for no service fee."))
