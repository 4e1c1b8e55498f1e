"""Sign-up, sign-in and password forms (Flask-WTF, CSRF on every one)."""

from __future__ import annotations

import email_validator
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, PasswordField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from app.accounts.passwords import MIN_PASSWORD_LENGTH

#: The demo accounts live under the reserved ".test" domain (demo.test); accept it.
if "test" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("test")


class TrimmedEmailField(EmailField):
    """An e-mail field that ignores spaces typed or pasted around the address."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = self.data.strip()


REQUIRED = _l("This field is required.")
EMAIL = _l("Enter an e-mail address such as name@example.fi.")
PASSWORD_HELP = _l("At least 10 characters. A long sentence you remember is a good password.")

ORGANISATION_KIND_LABELS = {
    "wellbeing_county": _l("Wellbeing services county"),
    "municipality": _l("Municipality"),
    "ngo": _l("Association or foundation"),
    "school": _l("School or educational institution"),
    "company": _l("Company"),
    "other": _l("Other"),
}


def password_field(label, help_text=PASSWORD_HELP):
    return PasswordField(
        label,
        validators=[
            DataRequired(REQUIRED),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("The password must be at least 10 characters long."),
            ),
        ],
        description=help_text,
    )


class LoginForm(FlaskForm):
    email = TrimmedEmailField(
        _l("E-mail address"), validators=[DataRequired(REQUIRED), Email(EMAIL)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)])


class ForgotPasswordForm(FlaskForm):
    email = TrimmedEmailField(
        _l("E-mail address"),
        validators=[DataRequired(REQUIRED), Email(EMAIL)],
        description=_l("We send a link for choosing a new password to this address."),
    )


class ResetPasswordForm(FlaskForm):
    password = password_field(_l("New password"))
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", message=_l("The passwords are not the same.")),
        ],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])
    new_password = password_field(_l("New password"))
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("new_password", message=_l("The passwords are not the same.")),
        ],
    )


class ChangeEmailForm(FlaskForm):
    email = TrimmedEmailField(
        _l("New e-mail address"),
        validators=[DataRequired(REQUIRED), Email(EMAIL), Length(max=254)],
        description=_l("We send a link to this address. Your address changes when you open "
                       "the link."),
    )
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(REQUIRED), Length(max=200)],
        description=_l("So that we know it is you."))


class OrganisationSignupForm(FlaskForm):
    organisation_name = StringField(
        _l("Name of the organisation"),
        validators=[DataRequired(REQUIRED), Length(max=200)],
        description=_l("For example Satakunnan hyvinvointialue or Mielenterveysyhdistys ry."),
    )
    business_id = StringField(
        _l("Business ID"),
        validators=[DataRequired(REQUIRED), Length(max=12)],
        description=_l("The Finnish business ID (Y-tunnus), for example 1234567-8."),
    )
    kind = SelectField(
        _l("Type of organisation"),
        choices=list(ORGANISATION_KIND_LABELS.items()),
        validators=[DataRequired(REQUIRED)],
    )
    billing_email = TrimmedEmailField(
        _l("E-mail address for invoices"),
        validators=[DataRequired(REQUIRED), Email(EMAIL)],
    )
    einvoice_address = StringField(
        _l("E-invoice address (optional)"),
        validators=[Optional(), Length(max=64)],
        description=_l("If your organisation receives e-invoices, for example 003712345678."),
    )
    einvoice_operator = StringField(
        _l("E-invoice operator (optional)"),
        validators=[Optional(), Length(max=64)],
    )
    full_name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = TrimmedEmailField(
        _l("Your e-mail address"),
        validators=[DataRequired(REQUIRED), Email(EMAIL)],
        description=_l("You sign in with this address."),
    )
    phone = TelField(_l("Your phone number (optional)"), validators=[Optional(), Length(max=40)])
    password = password_field(_l("Password"))


class ExpertApplicationForm(FlaskForm):
    full_name = StringField(
        _l("Your full name"),
        validators=[DataRequired(REQUIRED), Length(max=200)],
        description=_l("Organisations see your full name only when you work for them."),
    )
    email = TrimmedEmailField(
        _l("E-mail address"),
        validators=[DataRequired(REQUIRED), Email(EMAIL)],
        description=_l("You sign in with this address."),
    )
    phone = TelField(_l("Phone number (optional)"), validators=[Optional(), Length(max=40)])
    home_municipality_code = SelectField(
        _l("Home municipality"),
        validators=[DataRequired(_l("Choose your home municipality."))],
        description=_l("We use it to find work near you and to estimate travel."),
    )
    training_provider = StringField(
        _l("Who organised your experience-expert training?"),
        validators=[DataRequired(REQUIRED), Length(max=200)],
        description=_l("For example Kokemusasiantuntijakoulutus KoKoA ry or a wellbeing county."),
    )
    training_course = StringField(
        _l("Name of the training"),
        validators=[DataRequired(REQUIRED), Length(max=200)],
    )
    training_completed_on = DateField(
        _l("When did you finish the training?"),
        validators=[DataRequired(_l("Enter a date, for example 31.5.2025."))],
        description=_l("The date you received your certificate."),
    )
    password = password_field(_l("Password"))


class InviteColleagueForm(FlaskForm):
    full_name = StringField(
        _l("Colleague's name"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    email = TrimmedEmailField(
        _l("Colleague's e-mail address"),
        validators=[DataRequired(REQUIRED), Email(EMAIL)],
        description=_l("We send an invitation to this address. Your colleague chooses their "
                       "own password."),
    )


class LogoutForm(FlaskForm):
    """An empty form: signing out (here or everywhere) is a POST with a CSRF token."""


class SecondFactorForm(FlaskForm):
    """The second step of a staff sign-in, or a fresh second factor before moving money."""

    totp = StringField(
        _l("Two-factor code"),
        validators=[DataRequired(REQUIRED), Length(max=20)],
        description=_l("The six digits that your authenticator app shows for Kokemuspankki "
                       "now, or one of your recovery codes."),
    )


class TwoFactorSetupForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(REQUIRED), Length(max=20)],
        description=_l("The six digits that your authenticator app shows for Kokemuspankki "
                       "now."),
    )


class SignInLinkForm(FlaskForm):
    email = TrimmedEmailField(
        _l("E-mail address"),
        validators=[DataRequired(REQUIRED), Email(EMAIL)],
        description=_l("We send a link that signs you in once, within 15 minutes."),
    )
