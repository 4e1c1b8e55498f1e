"""Forms of the price calculator and the administrators' fee pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FormField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.web.fields import LocalDecimalField as DecimalField

REQUIRED = _l("This field is required.")

def _decimal(label, description=None, maximum=None, places=2):
    validators = [Optional(), NumberRange(min=0, max=maximum,
                                          message=_l("The value is outside the allowed range."))]
    return DecimalField(label, validators=validators, places=places, description=description,
                        default=None)


class QuoteForm(FlaskForm):
    """The calculator of the price page (a GET form: nothing is saved)."""

    class Meta:
        csrf = False

    assignment_type = SelectField(_l("Type of work"), validators=[DataRequired(REQUIRED)])
    duration_minutes = IntegerField(
        _l("Length in minutes"),
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=1, max=1440, message=_l("Give 1–1440 minutes."))],
        description=_l("For example 45 for a lecture of 45 minutes."),
    )
    date = DateField(_l("Date of the work"), validators=[DataRequired(REQUIRED)])
    remote = BooleanField(_l("Remote work (no travel)"))
    # Nothing is saved: as many decimals as the quote API takes (the fee cases have 555.05 km).
    km_driven = _decimal(_l("Kilometres driven by car, there and back"), maximum=5000,
                         places=2)
    passengers = IntegerField(_l("Passengers in the car"), validators=[
        Optional(), NumberRange(min=0, max=8, message=_l("Give 0–8 passengers."))])
    public_transport_eur = _decimal(_l("Public transport tickets, euros"), maximum=1000)
    parking_eur = _decimal(_l("Parking, euros"), maximum=1000)
    trip_hours = _decimal(
        _l("Length of the whole trip in hours"), maximum=24,
        description=_l("From leaving home until coming back. Affects the daily allowance."),
    )
    one_way_km = _decimal(_l("Distance from home to the place, one way, km"), maximum=5000,
                          places=2)
    free_meals = IntegerField(_l("Free meals during the trip"), validators=[
        Optional(), NumberRange(min=0, max=3, message=_l("Give 0–3 meals."))])

    def travel_fields(self) -> dict:
        return {
            name: getattr(self, name).data or 0
            for name in ("km_driven", "passengers", "public_transport_eur", "parking_eur",
                         "trip_hours", "one_way_km", "free_meals")
        }


class RuleForm(FlaskForm):
    class Meta:
        csrf = False

    amount = DecimalField(_l("Fee per unit, euros"), places=2, validators=[
        Optional(), NumberRange(min=0, max=10000, message=_l("Give 0–10000 euros."))],
        description=_l("Leave empty if this type is not offered."))
    unit_minutes = IntegerField(_l("Unit length in minutes"), validators=[
        Optional(), NumberRange(min=1, max=1440, message=_l("Give 1–1440 minutes."))])


class FeeScheduleForm(FlaskForm):
    name = StringField(_l("Name of the fee schedule"),
                       validators=[DataRequired(REQUIRED), Length(max=100)],
                       description=_l("For example Satakunta 2027."))
    effective_from = DateField(_l("In force from"), validators=[DataRequired(REQUIRED)],
                               description=_l("Today or later. Earlier prices never change."))


def schedule_form_class(types: list[tuple[str, str]]):
    """A schedule form with one amount/unit pair per (code, name) type of work."""

    class _Form(FeeScheduleForm):
        pass

    for code, name in types:
        setattr(_Form, f"rule_{code}", FormField(RuleForm, label=name))
    return _Form


class TravelRatesForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[
        DataRequired(REQUIRED), NumberRange(min=2000, max=2100, message=_l("Give a year."))])
    car_per_km = DecimalField(_l("Own car, euros per km"), places=4,
                              validators=[DataRequired(REQUIRED), NumberRange(min=0, max=10)])
    passenger_per_km = DecimalField(_l("Each passenger, euros per km"), places=4,
                                    validators=[Optional(), NumberRange(min=0, max=10)],
                                    default=0)
    per_diem_partial = DecimalField(_l("Partial daily allowance (over 6 h), euros"), places=2,
                                    validators=[DataRequired(REQUIRED),
                                                NumberRange(min=0, max=1000)])
    per_diem_full = DecimalField(_l("Full daily allowance (over 10 h), euros"), places=2,
                                 validators=[DataRequired(REQUIRED), NumberRange(min=0, max=1000)])
    source = StringField(_l("Source"), validators=[Optional(), Length(max=300)],
                         description=_l("For example the Tax Administration's decision."))


class AssignmentTypeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(REQUIRED), Length(max=40)],
                       description=_l("Used by the API, for example training_day."))
    name_fi = StringField(_l("Name in Finnish"), validators=[DataRequired(REQUIRED),
                                                             Length(max=100)])
    name_sv = StringField(_l("Name in Swedish"), validators=[DataRequired(REQUIRED),
                                                             Length(max=100)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(REQUIRED),
                                                             Length(max=100)])
