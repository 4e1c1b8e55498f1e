"""Forms of the anonymous channel: the public form, tags and forwarding."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.participation import texts
from app.participation.forms import REQUIRED
from app.participation.rules import CHANNEL_TOPICS


class ChannelForm(FlaskForm):
    topic = RadioField(_l("What is your message about?"),
                       choices=[(t, texts.CHANNEL_TOPIC[t]) for t in CHANNEL_TOPICS],
                       validators=[InputRequired(_l("Choose one."))])
    about = StringField(_l("Which service or place? (optional)"),
                        validators=[Optional(), Length(max=200)],
                        description=_l("For example: the health centre of Pori."))
    text = TextAreaField(_l("Your message"), validators=[DataRequired(REQUIRED),
                                                         Length(max=5000)],
                         description=_l("Do not write your name or other details about "
                                        "yourself, if you want to stay anonymous."))
    #: The honeypot: hidden from people, filled in by robots.
    website = StringField(_l("Leave this empty"), validators=[Optional()])
    form_token = HiddenField()


class TagForm(FlaskForm):
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=500)],
                       description=_l("Separate tags with commas, for example: transport, "
                                      "waiting times."))


class ForwardForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int,
                                  validators=[InputRequired(REQUIRED)])
    note = TextAreaField(_l("A note to the organisation (optional)"),
                         validators=[Optional(), Length(max=5000)])
