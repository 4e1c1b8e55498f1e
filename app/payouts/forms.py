"""The finance forms: approving with a two-factor code, rejecting, correcting, batches."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.web.fields import LocalDecimalField

REQUIRED = _l("This field is required.")
TOTP_HINT = _l("The six digits that your authenticator app shows for Kokemuspankki now.")


def totp_field() -> StringField:
    return StringField(_l("Two-factor code"), validators=[DataRequired(REQUIRED)],
                       description=TOTP_HINT)


class ApproveForm(FlaskForm):
    """The chosen items come as ``item_ids`` checkboxes in the table."""

    totp = totp_field()


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is the payout rejected?"),
        validators=[DataRequired(_l("Write the reason. The expert sees it.")),
                    Length(max=2000, message=_l("Write at most 2000 characters."))],
        description=_l("The expert sees this text and gets it by e-mail. Write plainly what "
                       "is wrong and what happens next."),
    )
    totp = totp_field()


class EditForm(FlaskForm):
    travel = LocalDecimalField(
        _l("Travel costs in euros (tax-free)"),
        validators=[InputRequired(REQUIRED), NumberRange(min=0, max=10000)],
    )
    per_diem = LocalDecimalField(
        _l("Daily allowance in euros (tax-free)"),
        validators=[InputRequired(REQUIRED), NumberRange(min=0, max=10000)],
    )
    reason = TextAreaField(
        _l("Why are the amounts corrected?"),
        validators=[DataRequired(REQUIRED), Length(max=2000)],
        description=_l("Saved in the audit log. After a correction another finance user "
                       "must approve the payout."),
    )


class BatchForm(FlaskForm):
    """The chosen approved items come as ``item_ids`` checkboxes."""


class PaidForm(FlaskForm):
    confirm = BooleanField(
        _l("I have checked in the online bank that these payments were made."),
        validators=[DataRequired(_l("Check the payments in the online bank first."))],
    )


class TwoFactorForm(FlaskForm):
    code = StringField(
        _l("Code from the app"), validators=[DataRequired(REQUIRED)],
        description=_l("After adding the key, type the six digits the app shows."),
    )
