"""Sign-in, sign-out, sign-up and password pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import services
from app.accounts.forms import (
    ChangePasswordForm,
    ExpertApplicationForm,
    ForgotPasswordForm,
    LoginForm,
    OrganisationSignupForm,
    ResetPasswordForm,
)
from app.accounts.mails import queue_password_reset_mail
from app.accounts.models import User
from app.common.errors import DomainError, translated
from app.extensions import db, limiter, login_manager
from app.reference.queries import municipality_choices
from app.web.forms import attach_error
from app.web.navigation import dashboard_url, safe_next_url

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None  # closed or deactivated


@login_manager.unauthorized_handler
def unauthorized():
    flash(_("Please sign in to continue."), "info")
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(dashboard_url(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        config = current_app.config
        try:
            user = services.authenticate(
                form.email.data,
                form.password.data,
                max_failures=config["LOGIN_MAX_FAILURES"],
                window_minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"],
            )
        except services.TooManyAttempts:
            db.session.rollback()
            form.password.errors.append(
                _(
                    "Too many wrong passwords. Wait %(minutes)s minutes or choose a new "
                    "password with the link below.",
                    minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"],
                )
            )
            return render_template("accounts/login.html", form=form), 429
        db.session.commit()
        if user is not None:
            login_user(user)
            return redirect(safe_next_url(request.args.get("next")) or dashboard_url(user))
        form.password.errors.append(_("The e-mail address or the password is not correct."))
        status = 200
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("web.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.user_by_email(form.email.data)
        if user is not None and user.active:
            queue_password_reset_mail(user)
            db.session.commit()
        flash(
            _(
                "If the address is in our service, we sent a link to it. Check your e-mail, "
                "also the spam folder."
            ),
            "success",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    config = current_app.config
    try:
        services.user_for_reset_token(config["SECRET_KEY"], token, config["PASSWORD_RESET_MAX_AGE"])
    except DomainError as error:
        flash(translated(error), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(
                config["SECRET_KEY"], token, form.password.data, config["PASSWORD_RESET_MAX_AGE"]
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Your new password is saved."), "success")
            return redirect(dashboard_url(user))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/password/change", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # the user, not the proxy
            flash(_("Your new password is saved."), "success")
            return redirect(dashboard_url(current_user))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/register/organisation", methods=["GET", "POST"])
def register_organisation():
    form = OrganisationSignupForm()
    if form.validate_on_submit():
        data = services.OrganisationSignup(
            organisation_name=form.organisation_name.data,
            business_id=form.business_id.data,
            kind=form.kind.data,
            billing_email=form.billing_email.data,
            einvoice_address=form.einvoice_address.data or "",
            einvoice_operator=form.einvoice_operator.data or "",
            full_name=form.full_name.data,
            email=form.email.data,
            phone=form.phone.data or "",
            password=form.password.data,
            language=str(_current_language()),
        )
        try:
            user = services.register_organisation(data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            login_user(user)
            flash(
                _("Welcome! Your organisation is registered and you can now order experts."),
                "success",
            )
            return redirect(dashboard_url(user))
    elif form.is_submitted() and form.business_id.data and not form.business_id.errors:
        # Every check in one round: the business ID's check digit too, not only after
        # the other fields are right.
        problem = services.business_id_problem(form.business_id.data)
        if problem is not None:
            attach_error(form, problem)
    return render_template("accounts/register_organisation.html", form=form), _form_status(form)


@bp.route("/register/expert", methods=["GET", "POST"])
def register_expert():
    form = ExpertApplicationForm()
    form.home_municipality_code.choices = municipality_choices(str(_current_language()))
    if form.validate_on_submit():
        data = services.ExpertApplication(
            full_name=form.full_name.data,
            email=form.email.data,
            phone=form.phone.data or "",
            password=form.password.data,
            home_municipality_code=form.home_municipality_code.data,
            training_provider=form.training_provider.data,
            training_course=form.training_course.data,
            training_completed_on=form.training_completed_on.data,
            language=str(_current_language()),
        )
        try:
            user = services.apply_as_expert(data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            login_user(user)
            flash(
                _(
                    "Thank you! Your application was received. A coordinator checks your "
                    "training and tells you by e-mail."
                ),
                "success",
            )
            return redirect(dashboard_url(user))
    return render_template("accounts/register_expert.html", form=form), _form_status(form)


def _form_status(form) -> int:
    """422 when a sent form is shown again with errors, else 200."""
    return 422 if request.method == "POST" and form.errors else 200


def _current_language() -> str:
    from app.web.templating import current_language

    return current_language()
