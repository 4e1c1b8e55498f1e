"""The administrator's forms: settings, audit log filters, users and expertise areas."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.admin.services import SETTINGS

REQUIRED = _l("This field is required.")


def _optional_int(value):
    """A select's value as a whole number, or None when empty or not a number."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


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


class AuditFilterForm(FlaskForm):
    """The audit log's filters (a GET form: no CSRF, the address keeps the filters)."""

    class Meta:
        csrf = False

    actor = StringField(_l("Who"), validators=[Optional(), Length(max=254)],
                        description=_l("The person's e-mail address or user number."))
    action = SelectField(_l("What was done"), choices=[], validate_choice=False)
    object_type = SelectField(_l("Type of object"), choices=[], validate_choice=False)
    object_id = StringField(_l("Number of the object"), validators=[Optional(), Length(max=64)])
    start = StringField(_l("From day"), description=_l("For example 30.11.2026."))
    end = StringField(_l("Until day"), description=_l("For example 30.11.2026."))


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or e-mail address"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    state = SelectField(_l("State"), choices=[
        SelectChoice("", _l("All")), SelectChoice("active", _l("Active")),
        SelectChoice("inactive", _l("Deactivated"))], validate_choice=False)


class RoleForm(FlaskForm):
    role = SelectField(_l("New role"), choices=[], validators=[DataRequired(REQUIRED)])
    organisation_id = SelectField(
        _l("Organisation"), choices=[], coerce=_optional_int, validate_choice=False,
        description=_l("Needed when the person becomes an organisation member and does not "
                       "belong to an organisation yet."))


class AreaForm(FlaskForm):
    name_fi = StringField(_l("Name in Finnish"), validators=[
        DataRequired(REQUIRED), Length(max=200)])
    name_sv = StringField(_l("Name in Swedish"), validators=[
        DataRequired(REQUIRED), Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[
        DataRequired(REQUIRED), Length(max=200)])
