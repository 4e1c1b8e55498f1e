"""Forms of groups, meetings, session records and evaluations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.participation import texts
from app.participation.forms import NO_ANSWER, REQUIRED
from app.participation.rules import GROUP_KINDS, GROUP_ROLES, SMILEY_SCORES


def _role_choices():
    return [(code, texts.GROUP_ROLE[code]) for code in GROUP_ROLES]


class GroupForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation that runs the group"), coerce=int,
                                  validators=[Optional()])
    kind = RadioField(_l("Kind of group"), choices=[(k, texts.GROUP_KIND[k]) for k in GROUP_KINDS],
                      default="client_panel", validators=[InputRequired(REQUIRED)])
    name = StringField(_l("Name of the group"), validators=[DataRequired(REQUIRED),
                                                            Length(max=200)],
                       description=_l("For example: Client panel of adult social work."))
    purpose = TextAreaField(_l("What is the group for?"), validators=[Optional(),
                                                                     Length(max=5000)],
                            description=_l("Plain words: why the group meets and what it "
                                           "wants to change."))
    services = TextAreaField(_l("Which services does the group develop?"),
                             validators=[Optional(), Length(max=5000)])
    region = StringField(_l("Area"), validators=[Optional(), Length(max=200)],
                         description=_l("For example: Satakunta, or the whole county."))
    expertise_area = SelectField(_l("Experience the group needs"),
                                 validators=[Optional()],
                                 description=_l("The experts of the group's meetings are "
                                                "booked with this expertise area."))
    municipality_code = SelectField(_l("Usual meeting place: municipality"),
                                    validators=[Optional()])
    address = StringField(_l("Usual meeting place: address"),
                          validators=[Optional(), Length(max=300)])
    remote = BooleanField(_l("The group usually meets remotely"))


class AddExpertForm(FlaskForm):
    expert_id = SelectField(_l("Experience expert"), coerce=int,
                            validators=[InputRequired(REQUIRED)])
    expert_role = SelectField(_l("Task in the group"), choices=_role_choices,
                              default="member")


class InvitePersonForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = StringField(_l("E-mail address (optional)"), validators=[Optional(),
                                                                     Length(max=254)],
                        description=_l("With an e-mail address the person gets their own "
                                       "light account and a link for choosing a password. "
                                       "Without one they take part without an account."))
    kind = RadioField(_l("Who is the person?"),
                      choices=[(k, texts.MEMBER_KIND[k]) for k in ("client", "relative",
                                                                   "staff")],
                      default="client", validators=[InputRequired(REQUIRED)])
    role = SelectField(_l("Task in the group"), choices=_role_choices, default="member")


class InvitationAnswerForm(FlaskForm):
    """The invited person's answer: the button pressed (``answer`` = accept / decline)."""

    share_contact = BooleanField(
        _l("Show my e-mail address and phone to the group's chair and secretary"),
        description=_l("Nobody else in the group sees them. You can change this later on "
                       "the group's page."))


class RoleForm(FlaskForm):
    role = SelectField(_l("Task in the group"), choices=_role_choices)


class MeetingForm(FlaskForm):
    kind = RadioField(
        _l("What do you book?"),
        choices=[("single", _l("One meeting")),
                 ("series", _l("Co-development series of three sessions"))],
        default="single", validators=[InputRequired(REQUIRED)],
        description=_l("The series has three sessions: getting started, experiences of the "
                       "services, and the ideal service with evaluation."),
    )
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)],
                        description=_l("Leave empty to use the group's name."))
    assignment_type = SelectField(_l("Type of work"), validators=[DataRequired(REQUIRED)])
    date = DateField(_l("Date"), validators=[InputRequired(REQUIRED)],
                     description=_l("In a series: the date of the first session."))
    start_time = TimeField(_l("Start time"), validators=[InputRequired(REQUIRED)],
                           description=_l("For example 13:00."))
    duration_minutes = IntegerField(
        _l("Length in minutes"), default=120,
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=15, max=600, message=_l("Give 15–600 minutes."))])
    second_date = DateField(_l("Date of the second session"), validators=[Optional()])
    third_date = DateField(_l("Date of the third session"), validators=[Optional()])
    remote = BooleanField(_l("Remote meeting"))
    municipality_code = SelectField(_l("Municipality"), validators=[Optional()])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    description = TextAreaField(_l("What will the meeting be about?"),
                                validators=[Optional(), Length(max=5000)])
    invite_members = BooleanField(
        _l("Invite the group's experience experts to the meeting"), default=True,
        description=_l("They get a work offer and are paid the fee and travel costs."))


class TopicForm(FlaskForm):
    title = StringField(_l("Topic"), validators=[DataRequired(REQUIRED), Length(max=200)])
    description = TextAreaField(_l("Tell more (optional)"),
                                validators=[Optional(), Length(max=5000)])


class TopicMoveForm(FlaskForm):
    session_id = SelectField(_l("Meeting"), coerce=int, validators=[Optional()])


class CriterionForm(FlaskForm):
    question = StringField(_l("New question"), validators=[DataRequired(REQUIRED),
                                                           Length(max=300)],
                           description=_l("A short question that can be answered yes, "
                                          "partly or no."))


class EntryForm(FlaskForm):
    """Agenda, notes, an idea or a decision; used with a prefix per kind."""

    text = TextAreaField(_l("Text"), validators=[DataRequired(REQUIRED), Length(max=20000)])


class FollowUpForm(FlaskForm):
    text = StringField(_l("What will be done?"), validators=[DataRequired(REQUIRED),
                                                             Length(max=500)])
    owner_id = SelectField(_l("Who takes care of it?"), coerce=int,
                           validators=[InputRequired(REQUIRED)])
    due_on = DateField(_l("By when?"), validators=[InputRequired(REQUIRED)])


def evaluation_form(criteria, formdata=None):
    """A form with one smiley-scale question per criterion and a free comment."""

    class EvaluationForm(FlaskForm):
        comment = TextAreaField(_l("Anything else you want to say? (optional)"),
                                validators=[Optional(), Length(max=5000)],
                                description=_l("The others see your comment without your "
                                               "name."))

    choices = [(str(score), texts.SMILEY[score]) for score in SMILEY_SCORES]
    choices.append((NO_ANSWER, _l("I do not want to answer")))
    for criterion in criteria:
        setattr(EvaluationForm, f"criterion_{criterion.id}", RadioField(
            criterion.question, choices=choices, validators=[Optional()]))
    return EvaluationForm(formdata=formdata) if formdata is not None else EvaluationForm()
