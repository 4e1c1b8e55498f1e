"""Forms of the data-rights pages (CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired

UNDERSTOOD = _l("Tick the box to show that you understand.")


class ExportForm(FlaskForm):
    """Only the CSRF token: the download is a POST because it is audited."""


class CloseAccountForm(FlaskForm):
    understood = BooleanField(
        _l("I understand that my account is closed for good and cannot be opened again."),
        validators=[DataRequired(message=UNDERSTOOD)],
    )
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(message=_l("Write your password."))],
        description=_l("We ask for it so that nobody else can close your account."),
    )


class StaffCloseAccountForm(FlaskForm):
    understood = BooleanField(
        _l("The person asked for their account to be closed. I understand that this cannot "
           "be undone."),
        validators=[DataRequired(message=UNDERSTOOD)],
    )
