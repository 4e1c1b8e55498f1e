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


class RevealIdentityCodeForm(FlaskForm):
    """A button only (with its CSRF token): finance asks to see the identity code."""


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


#: What each income component is, as the administrator reads it.
COMPONENT_LABELS = {
    "fee": _l("Fee (taxable), types of work without a row of their own"),
    "kilometre_allowance": _l("Kilometre allowance, own car (tax-free)"),
    "passenger_supplement": _l("Passenger supplement of the kilometre allowance (tax-free)"),
    "public_transport": _l("Public transport tickets (tax-free)"),
    "parking": _l("Parking (tax-free)"),
    "daily_allowance_full": _l("Full daily allowance (tax-free)"),
    "daily_allowance_partial": _l("Partial daily allowance (tax-free)"),
    "travel_correction": _l("Travel costs given by hand (tax-free)"),
    "daily_allowance_correction": _l("Daily allowance given by hand (tax-free)"),
}


def wage_type_form(rows, type_names: dict[str, str], formdata=None):
    """A form with one required text field per wage type row, named by its component."""

    class WageTypeForm(FlaskForm):
        pass

    for row in rows:
        if row.component.startswith("fee:"):
            code = row.component.split(":", 1)[1]
            label = _l("Fee (taxable): %(type)s", type=type_names.get(code, code))
        else:
            label = COMPONENT_LABELS.get(row.component, row.component)
        setattr(WageTypeForm, _field_name(row.component), StringField(
            label, validators=[DataRequired(REQUIRED), Length(max=20)], default=row.code))
    return WageTypeForm(formdata=formdata) if formdata is not None else WageTypeForm()


def _field_name(component: str) -> str:
    return "wt_" + component.replace(":", "__")


def wage_type_codes(form, rows) -> dict[str, str]:
    """The codes typed in ``form``, keyed by component."""
    return {row.component: getattr(form, _field_name(row.component)).data or "" for row in rows}


def wage_type_field(form, component: str):
    return getattr(form, _field_name(component))
