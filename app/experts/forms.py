"""The experts' forms (profile, application, breaks, unavailability), the coordinator's
decision forms and the organisations' expert search. Every field has a plain-language hint.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from app.bookings.forms import LANGUAGE_LABELS, CheckboxList
from app.common.errors import InvalidInput, translated
from app.experts.iban import normalize_iban
from app.experts.identity_code import (
    IDENTITY_CODE_ERRORS,
    InvalidIdentityCode,
    normalize_identity_code,
)
from app.web.fields import LocalDecimalField

REQUIRED = _l("This field is required.")
CERTIFICATE_HINT = _l("A PDF file or a photo (PNG or JPEG), at most 5 MB.")
#: Lets the browser's file dialog offer the accepted kinds first (the server checks the content).
CERTIFICATE_ACCEPT = {"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Name that organisations see"),
        validators=[DataRequired(REQUIRED), Length(max=100)],
        description=_l("For example your first name. Your full name is shown to an "
                       "organisation only after it has booked you."),
    )
    bio = TextAreaField(
        _l("A few words about you"),
        validators=[Optional(), Length(max=1000, message=_l("Write at most 1000 characters."))],
        description=_l("Organisations see this text. Tell what you can offer, in your own "
                       "words. At most 1000 characters."),
    )
    areas = CheckboxList(_l("Your expertise areas"))
    shown_areas = CheckboxList(_l("Areas that organisations may see"))
    languages = CheckboxList(
        _l("Languages you can work in"),
        choices=list(LANGUAGE_LABELS.items()),
        validators=[DataRequired(_l("Choose at least one language."))],
        description=_l("Choose every language in which you can give a talk or take part."),
    )
    home_municipality_code = SelectField(
        _l("Home municipality"), validators=[Optional()],
        description=_l("We use it to count how far the work is from your home."),
    )
    postcode = StringField(
        _l("Or your postcode"),
        validators=[Optional(), Regexp(r"^\s*\d{5}\s*$", message=_l("A postcode has 5 digits."))],
        description=_l("If you write your postcode, we find your municipality from it. "
                       "Leave it empty if you chose the municipality above."),
    )
    assignment_types = CheckboxList(
        _l("Types of work you want to do"),
        description=_l("You only get offers for the types you choose."),
    )
    travel_range_km = IntegerField(
        _l("How far can you travel for work, in km?"), default=100,
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=0, max=2000, message=_l("Give a distance from 0 to 2000 km."))],
        description=_l("One way, from your home. Write 0 if you only work near home or "
                       "remotely."),
    )
    remote_ok = RadioField(
        _l("Can you work remotely (video meeting)?"),
        choices=[("yes", _l("Yes")), ("no", _l("No"))], default="yes",
        validators=[InputRequired(REQUIRED)],
    )
    monthly_earnings_limit = LocalDecimalField(
        _l("Your earnings limit per month, euros (optional)"), places=2,
        validators=[Optional(), NumberRange(min=0, message=_l("Give 0 or more euros."))],
        description=_l("Many experts receive benefits or a pension with an earnings limit. "
                       "We warn you before you go over it. Leave empty if you have no limit."),
    )
    yearly_earnings_limit = LocalDecimalField(
        _l("Your earnings limit per year, euros (optional)"), places=2,
        validators=[Optional(), NumberRange(min=0, message=_l("Give 0 or more euros."))],
        description=_l("For example the yearly limit of your pension. We warn you before "
                       "you go over it."),
    )
    iban = StringField(
        _l("Your bank account number (IBAN)"),
        validators=[Optional(), Length(max=42)],
        description=_l("We pay your fees to this account. A Finnish account number starts "
                       "with FI, for example FI21 1234 5600 0007 85."),
    )
    withholding_percent = LocalDecimalField(
        _l("Withholding percentage on your tax card (optional)"), places=2,
        validators=[Optional(),
                    NumberRange(min=0, max=100, message=_l("Give a percentage from 0 to 100."))],
        description=_l("You find it on your tax card, for example 15,5. If you leave this "
                       "empty, 60 per cent is withheld."),
    )

    identity_code = StringField(
        _l("Your personal identity code (optional until your first payout)"),
        validators=[Optional(), Length(max=20)],
        description=_l("The payroll needs it before we can pay you, for example 131052-308T. "
                       "We keep it encrypted, and only the bank's finance staff can see it. "
                       "Leave this empty to keep the saved one."),
    )

    current_password = PasswordField(
        _l("Your current password (needed to change the bank account or tax card)"),
        validators=[Optional(), Length(max=200)],
        description=_l("We ask it so that nobody else can redirect your fees."),
    )

    def validate_identity_code(self, field) -> None:
        """Check the code here too, so the other fields keep what was typed (the service
        checks again)."""
        if (field.data or "").strip():
            try:
                normalize_identity_code(field.data)
            except InvalidIdentityCode as error:
                raise ValidationError(_l(IDENTITY_CODE_ERRORS[error.reason])) from None

    def validate_iban(self, field) -> None:
        """Check the account number together with the other fields (the service checks again)."""
        if (field.data or "").strip():
            try:
                normalize_iban(field.data)
            except InvalidInput as error:
                raise ValidationError(translated(error)) from None


class TrainingForm(FlaskForm):
    provider = StringField(
        _l("Who organised the training?"), validators=[DataRequired(REQUIRED), Length(max=200)],
        description=_l("For example the name of the association or school."),
    )
    course = StringField(
        _l("Name of the training"), validators=[DataRequired(REQUIRED), Length(max=200)],
        description=_l("For example: Experience expert training."),
    )
    completed_on = DateField(
        _l("When did you finish the training?"), validators=[InputRequired(REQUIRED)],
        description=_l("The date on your certificate."),
    )
    certificate = FileField(_l("Certificate (optional)"), description=CERTIFICATE_HINT,
                            render_kw=CERTIFICATE_ACCEPT)


class CertificateForm(FlaskForm):
    training_id = SelectField(_l("Which training is the certificate for?"), coerce=int,
                              validators=[InputRequired(REQUIRED)])
    certificate = FileField(_l("Certificate file"), validators=[FileRequired(REQUIRED)],
                            description=CERTIFICATE_HINT, render_kw=CERTIFICATE_ACCEPT)


class ResubmitForm(FlaskForm):
    """Only the CSRF token: the button sends the application again."""


class PauseForm(FlaskForm):
    paused_until = DateField(
        _l("When do you want to come back? (optional)"), validators=[Optional()],
        description=_l("If you leave this empty, the break lasts until you end it here."),
    )


class ResumeForm(FlaskForm):
    """Only the CSRF token: the button ends the break."""


class UnavailabilityForm(FlaskForm):
    start_date = DateField(_l("First day"), validators=[InputRequired(REQUIRED)])
    start_time = TimeField(_l("Starting time"),
                           validators=[InputRequired(REQUIRED)],
                           description=_l("For example 08:00. Write 00:00 for the whole day."))
    end_date = DateField(_l("Last day"), validators=[InputRequired(REQUIRED)])
    end_time = TimeField(_l("Ending time"), validators=[InputRequired(REQUIRED)],
                         description=_l("For example 16:00. Write 23:59 for the whole day."))
    note = StringField(
        _l("Note for yourself (optional)"), validators=[Optional(), Length(max=200)],
        description=_l("Only you see this note. Organisations and coordinators do not."),
    )


class DecisionForm(FlaskForm):
    """The approve button: only the CSRF token."""


class InfoRequestForm(FlaskForm):
    message = TextAreaField(
        _l("What information is missing?"),
        validators=[DataRequired(_l("Write what information the applicant should add.")),
                    Length(max=2000)],
        description=_l("The applicant gets this message by e-mail. Use plain words."),
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is the application not accepted?"),
        validators=[DataRequired(_l("Write the reason. The applicant sees it.")),
                    Length(max=2000)],
        description=_l("The applicant gets this reason by e-mail. Be kind and clear."),
    )


class DirectorySearchForm(FlaskForm):
    """The organisations' expert search (a GET form: nothing is saved)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search words"), validators=[Optional(), Length(max=100)],
                    description=_l("Words in the expert's name or introduction."))
    area = SelectField(_l("Expertise area"), validators=[Optional()])
    language = SelectField(_l("Language"), validators=[Optional()])
    region = SelectField(_l("Region"), validators=[Optional()],
                         description=_l("The region where the expert lives."))
