"""Forms of feedback after assignments and of reporting back."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.participation import texts
from app.participation.forms import NO_ANSWER, REQUIRED


class FeedbackForm(FlaskForm):
    rating = RadioField(
        _l("How did the cooperation work?"),
        choices=[(str(n), texts.RATING[n]) for n in (5, 4, 3, 2, 1)]
        + [(NO_ANSWER, _l("I cannot say"))],
        validators=[Optional()])
    input_heard = RadioField(
        _l("Was the expert's experience heard and respected?"),
        choices=[("yes", _l("Yes")), ("no", _l("No")), (NO_ANSWER, _l("I cannot say"))],
        validators=[Optional()])
    text = TextAreaField(_l("What went well, and what could be better? (optional)"),
                         validators=[Optional(), Length(max=5000)])
    share_identity = BooleanField(
        _l("The organisation may see my name with this feedback"),
        description=_l("If you leave this empty, the organisation sees your feedback without "
                       "your name, together with other experts' feedback."))
    coordinator_note = TextAreaField(
        _l("A note only for the bank's coordinator (optional)"),
        validators=[Optional(), Length(max=5000)],
        description=_l("The other side never sees this."))


class ImpactAnswerForm(FlaskForm):
    summary = StringField(_l("In one sentence: what changed?"),
                          validators=[Optional(), Length(max=300)])
    text = TextAreaField(
        _l("What did you do with the input?"), validators=[DataRequired(REQUIRED),
                                                           Length(max=20000)],
        description=_l("Tell what you changed, what you are still working on, or why "
                       "nothing has changed yet. The experts and group members read this."))
