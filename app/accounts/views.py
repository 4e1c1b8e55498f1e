"""Sign-in (with the staff's second step), sign-out, sign-up and password pages, and the
server-side check of every signed-in request."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from app.accounts import email_change, second_factor, services, sessions, totp
from app.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ExpertApplicationForm,
    ForgotPasswordForm,
    LoginForm,
    LogoutForm,
    OrganisationSignupForm,
    ResetPasswordForm,
    SecondFactorForm,
    SignInLinkForm,
    TwoFactorSetupForm,
)
from app.accounts.mails import (
    queue_account_exists_mail,
    queue_password_reset_mail,
    queue_sign_in_link_mail,
)
from app.accounts.models import User
from app.accounts.tokens import EMAIL_CHANGE_MAX_AGE, user_for_sign_in_token
from app.common.errors import DomainError, PermissionDenied, translated
from app.common.timeutil import utcnow
from app.extensions import db, limiter, login_manager
from app.reference.queries import municipality_choices
from app.web.fastpaths import anonymous_page
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


#: The session key of the signed-in session's random key (its hash is in user_sessions).
SESSION_KEY = "session_key"
#: A staff sign-in whose password (or e-mailed link) is done and whose second factor is not.
PENDING = "pending_sign_in"
PENDING_FOR = timedelta(minutes=10)
#: A two-factor secret shown at enrolment but not yet confirmed.
PENDING_SECRET = "pending_totp_secret"


def _timeouts() -> sessions.Timeouts:
    config = current_app.config
    return sessions.Timeouts(
        staff_idle=timedelta(minutes=config["SESSION_IDLE_MINUTES_STAFF"]),
        idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        lifetime=timedelta(hours=config["SESSION_LIFETIME_HOURS"]),
    )


@bp.before_app_request
def check_session():
    """A signed-in request counts only while its session lives on the server."""
    if request.blueprint == "api" or request.endpoint == "static" or "_user_id" not in session:
        return
    try:
        user_id = int(session["_user_id"])
    except (TypeError, ValueError):
        user_id = 0
    row = sessions.live_session(user_id, session.get(SESSION_KEY), utcnow(), _timeouts())
    if db.session.dirty:
        db.session.commit()
    if row is None:
        logout_user()
        session.pop(SESSION_KEY, None)
        flash(_("Your session has ended. Please sign in again."), "info")
        return
    g.user_session = row


def recent_second_factor() -> bool:
    """Whether this session passed the second factor within the last 15 minutes."""
    row = g.get("user_session")
    return row is not None and second_factor.is_fresh(row.second_factor_at, utcnow())


def _sign_in(user: User, *, passed_second_factor: bool, next_url: str | None = None):
    """Start a server-side session for ``user`` and go on to ``next_url`` or their page."""
    now = utcnow()
    key = sessions.start_session(user, now, second_factor=passed_second_factor)
    user.last_login_at = now
    db.session.commit()
    session.pop(PENDING, None)
    login_user(user)
    session[SESSION_KEY] = key
    return redirect(safe_next_url(next_url) or dashboard_url(user))


def _second_step(user: User, next_url: str | None, code: str | None = None):
    """After the password (or an e-mailed link): others are signed in; the staff pass their
    second factor (here, when the form sent ``code`` too) or set it up first."""
    if not second_factor.needs_second_factor(user):
        return _sign_in(user, passed_second_factor=False, next_url=next_url)
    session[PENDING] = {"user": user.id, "at": utcnow().isoformat(),
                        "next": safe_next_url(next_url)}
    if not user.totp_secret:
        return redirect(url_for("accounts.two_factor_setup"))
    if code:
        try:
            second_factor.check_code(user, code, utcnow(), recovery=True)
        except DomainError as error:
            _rolled_back(error)
            flash(translated(error), "error")
        else:
            return _sign_in(user, passed_second_factor=True, next_url=next_url)
    return redirect(url_for("accounts.two_factor"))


def _rolled_back(error: DomainError) -> None:
    db.session.rollback()
    error.after_rollback()
    db.session.commit()


def _pending_user() -> tuple[User | None, str | None]:
    """The user half-way through a staff sign-in (for at most 10 minutes), and their next."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None, None
    try:
        started = datetime.fromisoformat(pending["at"])
    except (KeyError, TypeError, ValueError):
        return None, None
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.active or utcnow() - started > PENDING_FOR:
        session.pop(PENDING, None)
        return None, None
    return user, pending.get("next")


def _start_again():
    flash(_("Please sign in again."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(dashboard_url(current_user))
    if request.method == "GET":
        return anonymous_page("accounts/login.html", lambda: {"form": LoginForm()})
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
                address=request.remote_addr,
                max_address_failures=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
            )
        except services.TooManyAttempts:
            db.session.rollback()
            form.password.errors.append(
                _(
                    "Too many wrong passwords. Wait %(minutes)s minutes, or sign in with a "
                    "link that we send to your e-mail.",
                    minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"],
                )
            )
            return render_template("accounts/login.html", form=form, throttled=True), 429
        db.session.commit()
        if user is not None:
            return _second_step(user, request.args.get("next"), request.form.get("totp"))
        form.password.errors.append(_("The e-mail address or the password is not correct."))
        status = 200
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def two_factor():
    """The staff's second step: a TOTP code (accepted once) or a recovery code."""
    user, next_url = _pending_user()
    if user is None:
        return _start_again()
    if not user.totp_secret:
        return redirect(url_for("accounts.two_factor_setup"))
    form = SecondFactorForm()
    status = 200
    if form.validate_on_submit():
        try:
            used = second_factor.check_code(user, form.totp.data, utcnow(), recovery=True)
        except DomainError as error:
            _rolled_back(error)
            attach_error(form, error)
            status = error.status if error.status == 429 else 422
        else:
            if used == "recovery":
                flash(_("You used a recovery code. Each code works once; %(num)s are left.",
                        num=second_factor.unused_recovery_codes(user)), "info")
            return _sign_in(user, passed_second_factor=True, next_url=next_url)
    elif request.method == "POST":
        status = 422
    return render_template("accounts/two_factor.html", form=form), status


@bp.route("/login/two-factor/setup", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def two_factor_setup():
    """A staff member without a second factor sets one up before the first sign-in ends."""
    user, next_url = _pending_user()
    if user is None:
        return _start_again()
    if user.totp_secret:
        return redirect(url_for("accounts.two_factor"))
    secret = session.get(PENDING_SECRET) or totp.new_secret()
    session[PENDING_SECRET] = secret
    form = TwoFactorSetupForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = second_factor.enrol(user, secret, form.code.data, utcnow())
        except DomainError as error:
            _rolled_back(error)
            attach_error(form, error)
            status = 422
        else:
            session.pop(PENDING_SECRET, None)
            _sign_in(user, passed_second_factor=True)
            return render_template("accounts/recovery_codes.html", codes=codes,
                                   next_url=safe_next_url(next_url) or dashboard_url(user))
    elif request.method == "POST":
        status = 422
    return render_template(
        "accounts/two_factor_setup.html", form=form, secret=totp.grouped(secret),
        uri=totp.provisioning_uri(secret, user.email), email=user.email,
    ), status


@bp.route("/login/confirm", methods=["GET", "POST"])
@login_required
def confirm_second_factor():
    """A fresh second factor before a money-moving step (batch, bank file, paid)."""
    next_url = safe_next_url(request.args.get("next")) or dashboard_url(current_user)
    if not current_user.totp_secret:
        return redirect(next_url)
    form = SecondFactorForm()
    status = 200
    if form.validate_on_submit():
        try:
            second_factor.check_code(current_user, form.totp.data, utcnow())
            sessions.mark_second_factor(g.user_session, utcnow())
        except DomainError as error:
            _rolled_back(error)
            attach_error(form, error)
            status = error.status if error.status == 429 else 422
        else:
            db.session.commit()
            flash(_("Confirmed. You can go on for 15 minutes."), "success")
            return redirect(next_url)
    elif request.method == "POST":
        status = 422
    return render_template("accounts/confirm_second_factor.html", form=form), status


@bp.route("/login/link", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def request_sign_in_link():
    """A one-time sign-in link by e-mail: the owner's way in while wrong passwords (perhaps
    someone else's) pause the password sign-in. The answer is the same for every address."""
    form = SignInLinkForm()
    if form.validate_on_submit():
        user = services.user_by_email(form.email.data)
        if user is not None and user.active:
            queue_sign_in_link_mail(user)
            db.session.commit()
        flash(_("If the address is in our service, we sent a sign-in link to it. Check your "
                "e-mail, also the spam folder."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/sign_in_link.html", form=form), _form_status(form)


@bp.route("/login/link/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def sign_in_link(token: str):
    """The link's page: a button signs in (a mail scanner that opens the link does not)."""
    try:
        user = user_for_sign_in_token(current_app.config["SECRET_KEY"], token)
    except DomainError as error:
        flash(translated(error), "error")
        return redirect(url_for("accounts.request_sign_in_link"))
    form = LogoutForm()
    if form.validate_on_submit():
        user.last_login_at = utcnow()  # the link is spent
        db.session.commit()
        return _second_step(user, None)
    return render_template("accounts/sign_in_link_landing.html", form=form, email=user.email)


def sign_in_here(user: User):
    """Sign ``user`` in on this browser, as after an e-mailed link (the colleague invitation's
    page): whoever was signed in here before is signed out and their session ends."""
    if current_user.is_authenticated:
        sessions.end_session(session.get(SESSION_KEY), utcnow())
        db.session.commit()
        logout_user()
        session.pop(SESSION_KEY, None)
    return _second_step(user, None)


@bp.route("/logout", methods=["POST"])
def logout():
    sessions.end_session(session.get(SESSION_KEY), utcnow())
    db.session.commit()
    logout_user()
    session.pop(SESSION_KEY, None)
    flash(_("You have signed out."), "success")
    return redirect(url_for("web.index"))


@bp.route("/account/sign-out-everywhere", methods=["GET", "POST"])
@login_required
def sign_out_everywhere():
    """End every session of the user (this one too) and revoke their API tokens."""
    form = LogoutForm()
    if form.validate_on_submit():
        sessions.sign_out_everywhere(current_user, utcnow())
        db.session.commit()
        logout_user()
        session.pop(SESSION_KEY, None)
        flash(_("You have signed out on every device. Your API tokens no longer work."),
              "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/sign_out_everywhere.html", form=form)


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
            flash(_("Your new password is saved."), "success")
            return _second_step(user, None)
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/password/change", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data,
                keep_session_key=session.get(SESSION_KEY),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Your new password is saved. You were signed out on your other devices."),
                  "success")
            return redirect(dashboard_url(current_user))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@login_required
def change_email():
    """Ask to change the e-mail address: a link goes to the new address (the same answer
    whether or not the address already has an account)."""
    form = ChangeEmailForm()
    status = 200
    if form.validate_on_submit():
        config = current_app.config
        try:
            email_change.request_email_change(
                current_user, form.email.data, form.current_password.data, now=utcnow(),
                max_failures=config["LOGIN_MAX_FAILURES"],
                window_minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"],
                address=request.remote_addr)
        except DomainError as error:
            _rolled_back(error)
            attach_error(form, error)
            status = error.status if error.status == 429 else 422
        else:
            db.session.commit()
            flash(_("We sent a link to the new address. Open it within %(hours)s hours to "
                    "finish the change. Until then, sign in with your current address.",
                    hours=EMAIL_CHANGE_MAX_AGE // 3600), "success")
            return redirect(url_for("privacy.account"))
    elif request.method == "POST":
        status = 422
    return render_template("accounts/change_email.html", form=form,
                           hours=EMAIL_CHANGE_MAX_AGE // 3600), status


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
@login_required
def confirm_email_change(token: str):
    """The link's page: a button makes the change (a mail scanner that opens the link does
    not). Only the account that asked for the change can use it."""
    secret = current_app.config["SECRET_KEY"]
    try:
        new_email = email_change.email_change_of_link(current_user, secret, token)
    except PermissionDenied as error:
        return render_template("accounts/confirm_email_change.html", form=None,
                               problem=translated(error)), 403
    except DomainError as error:
        flash(translated(error), "error")
        return redirect(url_for("accounts.change_email"))
    form = LogoutForm()
    if form.validate_on_submit():
        try:
            email_change.confirm_email_change(current_user, secret, token, now=utcnow(),
                                              keep_session_key=session.get(SESSION_KEY))
            db.session.commit()
        except (DomainError, IntegrityError) as error:  # the address was taken meanwhile
            db.session.rollback()
            flash(translated(error) if isinstance(error, DomainError) else _(
                "This address cannot be used. Ask for a change to another address."), "error")
            return redirect(url_for("accounts.change_email"))
        flash(_("Your e-mail address is now %(email)s. Sign in with it from now on. You were "
                "signed out on your other devices, and your API tokens no longer work.",
                email=new_email), "success")
        return redirect(url_for("privacy.account"))
    return render_template("accounts/confirm_email_change.html", form=form,
                           new_email=new_email, problem=None)


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
            services.register_organisation(data)
        except DomainError as error:
            db.session.rollback()
            if error.code != "email_taken":
                attach_error(form, error)
            else:
                return _signed_up(data.email, data.password, created=False)
        else:
            db.session.commit()
            return _signed_up(data.email, data.password, created=True)
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
            services.apply_as_expert(data)
        except DomainError as error:
            db.session.rollback()
            if error.code != "email_taken":
                attach_error(form, error)
            else:
                return _signed_up(data.email, data.password, created=False)
        else:
            db.session.commit()
            return _signed_up(data.email, data.password, created=True)
    return render_template("accounts/register_expert.html", form=form), _form_status(form)


def _signed_up(email: str, password: str, *, created: bool):
    """The one answer to every sign-up, whether the address was new or already had an
    account; in the latter case its owner is told by e-mail (nothing else reveals it)."""
    existing = None if created else services.user_by_email(email)
    if existing is not None:
        services.hash_password(password)  # the same work as a new account's hash
        queue_account_exists_mail(existing)
        db.session.commit()
    flash(_("Thank you! Sign in with your e-mail address and the password you chose. If this "
            "address already had an account, we sent a message to it."), "success")
    return redirect(url_for("accounts.login"))


def _form_status(form) -> int:
    """422 when a sent form is shown again with errors, else 200."""
    return 422 if request.method == "POST" and form.errors else 200


def _current_language() -> str:
    from app.web.templating import current_language

    return current_language()
