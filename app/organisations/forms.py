"""The organisation's own forms: billing details (checked by the service), the order filter;
the coordinators' vetting decision; the invited colleague's answer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length

from app.accounts.forms import REQUIRED, password_field

TOO_LONG = _l("Write at most %(max)d characters.")


class BillingDetailsForm(FlaskForm):
    einvoice_address = StringField(
        _l("E-invoice address (OVT code)"), validators=[Length(max=64, message=TOO_LONG)],
        description=_l("0037, then your business ID without the hyphen, for example "
                       "003712345671. Leave empty if you get invoices by e-mail."))
    einvoice_operator = StringField(
        _l("E-invoice operator ID"), validators=[Length(max=64, message=TOO_LONG)],
        description=_l("Your operator's code, for example NDEAFIHH or 003721291126."))
    billing_reference = StringField(
        _l("Your reference on invoices (optional)"),
        validators=[Length(max=100, message=TOO_LONG)],
        description=_l("For example a cost centre. An order can have its own reference."))


class OrderFilterForm(FlaskForm):
    """The order list's filter, sent with GET; the service checks the state."""

    class Meta:
        csrf = False

    status = SelectField(_l("Show orders"), choices=[], validate_choice=False)


class VettingForm(FlaskForm):
    """The coordinator's decision on a new organisation: the button pressed
    (``decision`` = approve / reject) and the reason, which the organisation gets."""

    reason = TextAreaField(
        _l("Reason (sent to the organisation)"), validators=[Length(max=2000, message=TOO_LONG)],
        description=_l("Needed when you reject. For example: the business ID does not match "
                       "the organisation's name."))


class AcceptColleagueInvitationForm(FlaskForm):
    """The invited colleague's answer: their name (as the inviter typed it, or corrected)
    and a password. Declining is a separate button (``decision`` = decline)."""

    full_name = StringField(
        _l("Your name"), validators=[DataRequired(REQUIRED), Length(max=200)],
        description=_l("Correct your name if it is not right."))
    password = password_field(_l("Choose a password"))
    confirm = PasswordField(
        _l("Password again"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", message=_l("The passwords are not the same.")),
        ],
    )
