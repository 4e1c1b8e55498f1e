"""The coordinator's forms: the order console's filter, notes, resolving a disputed report."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.bookings.forms import REQUIRED, ReportForm


class ConsoleFilterForm(FlaskForm):
    """The console's filter, sent with GET; the query checks the values."""

    class Meta:
        csrf = False

    needs_attention = BooleanField(_l("Only orders that need attention"))
    status = SelectField(_l("State"), choices=[], validate_choice=False)
    starts_from = DateField(_l("Starts on or after"), validators=[Optional()])
    starts_to = DateField(_l("Starts on or before"), validators=[Optional()])
    organisation_id = SelectField(_l("Organisation"), choices=[], validate_choice=False)
    area = SelectField(_l("Expertise area"), choices=[], validate_choice=False)


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Note"), validators=[DataRequired(REQUIRED), Length(max=2000)],
                         description=_l("Only the bank's staff see the notes."))


class ResolveForm(ReportForm):
    """The coordinator's decision on a disputed report; the travel fields as in the report."""

    action = RadioField(
        _l("Decision"), validators=[InputRequired(REQUIRED)],
        choices=[("confirm", _l("Confirm the report as it is")),
                 ("correct", _l("Correct the duration or travel, then confirm")),
                 ("void", _l("Void the work: nothing is paid or invoiced"))])
    duration_minutes = IntegerField(
        _l("Duration in minutes"),
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=1, max=1440, message=_l("Give 1–1440 minutes."))])
    reason = TextAreaField(
        _l("Reason"), validators=[Optional(), Length(max=2000)],
        description=_l("Both the expert and the organisation see it. Needed when voiding."))
