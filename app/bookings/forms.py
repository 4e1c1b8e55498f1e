"""The order form: one-off work or the three-session co-development series."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.web.fields import LocalDecimalField

REQUIRED = _l("This field is required.")

LANGUAGE_LABELS = {
    "fi": _l("Finnish"),
    "sv": _l("Swedish"),
    "en": _l("English"),
    "se": _l("Sami"),
    "ru": _l("Russian"),
    "et": _l("Estonian"),
    "ar": _l("Arabic"),
    "so": _l("Somali"),
    "fa": _l("Persian"),
    "uk": _l("Ukrainian"),
    "fit": _l("Meänkieli"),
}


class CheckboxList(SelectMultipleField):
    """Several choices as a list of checkboxes (easier than a multi-select for everyone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OrderForm(FlaskForm):
    kind = RadioField(
        _l("What do you order?"),
        choices=[("single", _l("One-off work (one date)")),
                 ("co_development_3", _l("Co-development series of three sessions"))],
        default="single", validators=[InputRequired(REQUIRED)],
        description=_l("In the series the same experts come to all three sessions."),
    )
    assignment_type = SelectField(_l("Type of work"), validators=[DataRequired(REQUIRED)])
    title = StringField(_l("Title"), validators=[DataRequired(REQUIRED), Length(max=200)],
                        description=_l("For example: Experience talk at the staff day."))
    description = TextAreaField(
        _l("What should the expert do?"), validators=[Optional(), Length(max=5000)],
        description=_l("Tell what the work is about and what you hope for. Plain words are best."),
    )
    expertise_areas = CheckboxList(
        _l("Expertise needed"), validators=[DataRequired(_l("Choose at least one."))],
        description=_l("Choose one or more. Experts must have every area you choose."),
    )
    language = SelectField(_l("Language of the work"),
                           choices=list(LANGUAGE_LABELS.items()), default="fi")
    experts_needed = IntegerField(
        _l("How many experts?"), default=1,
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=1, max=50, message=_l("Give 1–50."))],
    )
    date = DateField(_l("Date"), validators=[InputRequired(REQUIRED)],
                     description=_l("In a series: the date of the first session."))
    start_time = TimeField(_l("Start time"), validators=[InputRequired(REQUIRED)],
                           description=_l("For example 13:00."))
    duration_minutes = IntegerField(
        _l("Length in minutes"), default=45,
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=1, max=1440, message=_l("Give 1–1440 minutes."))],
        description=_l("A lecture is often 45 minutes, a meeting 2–3 hours."),
    )
    second_date = DateField(_l("Date of the second session"), validators=[Optional()],
                            description=_l("Only for a series."))
    third_date = DateField(_l("Date of the third session"), validators=[Optional()],
                           description=_l("Only for a series."))
    remote = BooleanField(_l("Remote work (video meeting)"))
    municipality_code = SelectField(_l("Municipality of the place"), validators=[Optional()],
                                    description=_l("Not needed for remote work."))
    address = StringField(_l("Street address"), validators=[Optional(), Length(max=300)])
    audience = StringField(_l("Who is the audience?"), validators=[Optional(), Length(max=300)],
                           description=_l("For example: 40 social workers."))
    accessibility = StringField(
        _l("Accessibility of the place"), validators=[Optional(), Length(max=500)],
        description=_l("For example: step-free entrance, induction loop, quiet room."),
    )
    billing_reference = StringField(_l("Billing reference (optional)"),
                                    validators=[Optional(), Length(max=100)])
    deadline_date = DateField(
        _l("Experts must be found by (optional)"), validators=[Optional()],
        description=_l("If no expert is found by this date, the order ends and you are told."),
    )


class AnswerForm(FlaskForm):
    """Accept or decline a work offer; the reason is optional, never required."""

    reason = TextAreaField(
        _l("Reason (optional)"), validators=[Optional(), Length(max=500)],
        description=_l("You do not have to tell why. If you want, a short note helps us."),
    )


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Anything you want to tell us (optional)"), validators=[Optional(), Length(max=500)],
        description=_l("For example: I am ill. You do not have to explain."),
    )


class ReportForm(FlaskForm):
    """The expert's report after the work: how long it took and the travel."""

    duration_minutes = IntegerField(
        _l("How long did the work take, in minutes?"),
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=1, max=1440, message=_l("Give 1–1440 minutes."))],
    )
    remote = BooleanField(_l("I worked remotely (no travel)"))
    km_driven = LocalDecimalField(
        _l("Kilometres driven with your own car, there and back"), places=1,
        validators=[Optional(), NumberRange(min=0, max=5000, message=_l("Give 0–5000 km."))],
        description=_l("Leave empty if you did not drive."),
    )
    passengers = IntegerField(
        _l("Passengers who rode with you"),
        validators=[Optional(), NumberRange(min=0, max=8, message=_l("Give 0–8 passengers."))],
    )
    public_transport_eur = LocalDecimalField(
        _l("Bus and train tickets, euros"), places=2,
        validators=[Optional(), NumberRange(min=0, max=1000, message=_l("Give 0–1000 euros."))],
        description=_l("Keep the receipts. You can send a photo of them below."),
    )
    parking_eur = LocalDecimalField(
        _l("Parking, euros"), places=2,
        validators=[Optional(), NumberRange(min=0, max=1000, message=_l("Give 0–1000 euros."))],
    )
    one_way_km = LocalDecimalField(
        _l("Distance from home to the place, one way, km"), places=1,
        validators=[Optional(), NumberRange(min=0, max=5000, message=_l("Give 0–5000 km."))],
        description=_l("Needed for the daily allowance: it is paid when this is over 15 km."),
    )
    departure_date = DateField(_l("Date you left home"), validators=[Optional()])
    departure_time = TimeField(_l("Time you left home"), validators=[Optional()],
                               description=_l("For example 8:30."))
    return_date = DateField(_l("Date you came back home"), validators=[Optional()])
    return_time = TimeField(_l("Time you came back home"), validators=[Optional()])
    free_meals = IntegerField(
        _l("Free meals you were given during the trip"),
        validators=[Optional(), NumberRange(min=0, max=3, message=_l("Give 0–3 meals."))],
        description=_l("Free meals halve the daily allowance."),
    )
    receipt = FileField(_l("Receipts (optional): a photo or a PDF, at most 5 MB"))


class ConfirmForm(FlaskForm):
    reason = TextAreaField(
        _l("If something is not right, tell what"), validators=[Optional(), Length(max=2000)],
        description=_l("Needed only if you say the report is not right. It goes to the "
                       "bank's coordinator."),
    )


class ResetCalendarForm(FlaskForm):
    """One button: a new secret calendar address (the old one stops working)."""


class ChangeOrderForm(FlaskForm):
    """Changing an order before it starts; the time fields only for a one-off order."""

    title = StringField(_l("Title"), validators=[DataRequired(REQUIRED), Length(max=200)])
    description = TextAreaField(_l("What should the expert do?"),
                                validators=[Optional(), Length(max=5000)])
    date = DateField(_l("Date"), validators=[Optional()])
    start_time = TimeField(_l("Start time"), validators=[Optional()],
                           description=_l("For example 13:00."))
    duration_minutes = IntegerField(
        _l("Length in minutes"),
        validators=[Optional(), NumberRange(min=1, max=1440, message=_l("Give 1–1440 minutes."))])
    remote = BooleanField(_l("Remote work (video meeting)"))
    municipality_code = SelectField(_l("Municipality of the place"), validators=[Optional()],
                                    description=_l("Not needed for remote work."))
    address = StringField(_l("Street address"), validators=[Optional(), Length(max=300)])
    audience = StringField(_l("Who is the audience?"), validators=[Optional(), Length(max=300)])
    accessibility = StringField(_l("Accessibility of the place"),
                                validators=[Optional(), Length(max=500)])


def session_time_fields(number: int) -> dict:
    """The date, start time and length of a series' later session ``number`` (2, 3 …),
    named ``date_2``, ``start_time_2``, ``duration_minutes_2`` …"""
    return {
        f"date_{number}": DateField(_l("Date of session %(num)s", num=number),
                                    validators=[Optional()]),
        f"start_time_{number}": TimeField(_l("Start time of session %(num)s", num=number),
                                          validators=[Optional()],
                                          description=_l("For example 13:00.")),
        f"duration_minutes_{number}": IntegerField(
            _l("Length of session %(num)s in minutes", num=number),
            validators=[Optional(), NumberRange(min=1, max=1440,
                                                message=_l("Give 1–1440 minutes."))]),
    }


def change_order_form(sessions: int) -> type[ChangeOrderForm]:
    """The change form of an order of ``sessions`` sessions: a series has the date, start
    time and length of each of its sessions (every session may have its own time)."""
    if sessions <= 1:
        return ChangeOrderForm
    fields: dict = {}
    for number in range(2, sessions + 1):
        fields.update(session_time_fields(number))
    return type("ChangeSeriesForm", (ChangeOrderForm,), fields)


class CancelOrderForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for the cancellation"), validators=[Optional(), Length(max=500)],
        description=_l("Needed when the bank cancels on the organisation's behalf. The "
                       "organisation sees it."))


class DisputeReplyForm(FlaskForm):
    reply = TextAreaField(
        _l("Your side"), validators=[DataRequired(REQUIRED), Length(max=2000)],
        description=_l("Tell in your own words how the work and the travel went. The bank's "
                       "coordinator reads both sides."))
