"""The expert's own pages (application, profile, availability), the coordinators'
verification pages and the organisations' expert directory."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.access import role_required
from app.accounts.models import ADMIN, COORDINATOR, EXPERT, ORGANISATION_MEMBER
from app.bookings.forms import LANGUAGE_LABELS
from app.bookings.queries import (
    coming_work_page,
    count_coming_work,
)
from app.common.errors import DomainError, PermissionDenied, translated
from app.common.timeutil import helsinki_to_utc, utcnow
from app.experts import queries, services
from app.experts.certificates import remove_stored
from app.experts.forms import (
    CertificateForm,
    DecisionForm,
    DirectorySearchForm,
    InfoRequestForm,
    PauseForm,
    ProfileForm,
    RejectForm,
    ResubmitForm,
    ResumeForm,
    TrainingForm,
    UnavailabilityForm,
)
from app.experts.iban import mask_iban
from app.extensions import db
from app.fees.services import active_assignment_types
from app.organisations.services import NOT_APPROVED, require_approved
from app.reference.queries import expertise_areas, municipality_choices
from app.web.actions import attempt
from app.web.forms import attach_error
from app.web.templating import current_language, localized_name

bp = Blueprint("experts", __name__, url_prefix="/expert")
verification_bp = Blueprint("verification", __name__, url_prefix="/coordinator/applications")
directory_bp = Blueprint("expert_directory", __name__, url_prefix="/organisation/experts")


#: Coming work shown on the expert's own page (offers and work to report are in "what needs
#: you now" above it); the rest is on the work pages.
DASHBOARD_COMING = 10


@bp.route("/")
@role_required(EXPERT)
def dashboard():
    profile = current_user.expert_profile
    now = utcnow()
    return render_template(
        "experts/dashboard.html",
        profile=profile,
        upcoming=coming_work_page(current_user, now, cursor=None, limit=DASHBOARD_COMING).items,
        coming_total=count_coming_work(current_user, now),
    )


def _abort_on_access(error: DomainError) -> None:
    """Not found and forbidden become the error pages; other errors are shown on the form."""
    if error.status in (403, 404):
        abort(error.status)


def _failed(form, error: DomainError) -> None:
    db.session.rollback()
    _abort_on_access(error)
    attach_error(form, error)


# --- the application: training records and certificates --------------------------------------


def _certificate_form(profile, formdata=True) -> CertificateForm:
    form = CertificateForm(prefix="certificate") if formdata else CertificateForm(
        prefix="certificate", formdata=None)
    form.training_id.choices = [
        (t.id, f"{t.course}, {t.provider}") for t in profile.trainings
    ]
    return form


def _application_page(training_form=None, certificate_form=None, status: int = 200):
    profile = current_user.expert_profile
    return render_template(
        "experts/application.html",
        profile=profile,
        open_statuses=("applied", "info_requested"),
        training_form=training_form or TrainingForm(prefix="training", formdata=None),
        certificate_form=certificate_form or _certificate_form(profile, formdata=False),
        resubmit_form=ResubmitForm(prefix="resubmit", formdata=None),
    ), status


@bp.route("/application")
@role_required(EXPERT)
def application():
    return _application_page()


@bp.route("/application/training", methods=["POST"])
@role_required(EXPERT)
def add_training():
    form = TrainingForm(prefix="training")
    if form.validate_on_submit():
        upload = form.certificate.data
        if attempt(lambda: services.add_training(
                current_user,
                services.TrainingDetails(form.provider.data, form.course.data,
                                         form.completed_on.data),
                upload.stream if upload else None,
                upload.filename if upload else None,
        ), form=form, success=_("Your training was added.")).ok:
            return redirect(url_for("experts.application"))
    return _application_page(training_form=form, status=422)


@bp.route("/application/certificate", methods=["POST"])
@role_required(EXPERT)
def upload_certificate():
    form = _certificate_form(current_user.expert_profile)
    if form.validate_on_submit():
        upload = form.certificate.data
        done = attempt(lambda: services.attach_certificate(
            current_user, form.training_id.data, upload.stream, upload.filename
        ), form=form, success=_("Your certificate was saved. A coordinator will look at it."))
        if done.ok:
            remove_stored(done.value)
            return redirect(url_for("experts.application"))
    return _application_page(certificate_form=form, status=422)


@bp.route("/application/resubmit", methods=["POST"])
@role_required(EXPERT)
def resubmit_application():
    form = ResubmitForm(prefix="resubmit")
    if form.validate_on_submit():
        attempt(lambda: services.resubmit_application(current_user),
                success=_("Your application was sent again. A coordinator will check it."))
    return redirect(url_for("experts.application"))


@bp.route("/trainings/<int:training_id>/certificate")
@role_required(EXPERT, COORDINATOR, ADMIN)
def certificate(training_id: int):
    """The certificate file, as a download, for the expert and the bank's coordinators."""
    try:
        found = queries.certificate_for_reader(current_user, training_id)
    except DomainError as error:
        abort(error.status)
    response = send_file(found.path, mimetype=found.mimetype, as_attachment=True,
                         download_name=found.download_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the profile -------------------------------------------------------------------------------


def _profile_form() -> ProfileForm:
    language = current_language()
    form = ProfileForm()
    areas = [(a.slug, a.name(language)) for a in expertise_areas()]
    form.areas.choices = areas
    form.shown_areas.choices = areas
    form.home_municipality_code.choices = municipality_choices(language)
    form.assignment_types.choices = [(t.code, localized_name(t))
                                     for t in active_assignment_types()]
    return form


def _fill_profile_form(form: ProfileForm, profile) -> None:
    codes = {t.id: t.code for t in active_assignment_types()}
    form.display_name.data = profile.display_name
    form.bio.data = profile.bio
    form.areas.data = [row.area.slug for row in profile.areas]
    form.shown_areas.data = [row.area.slug for row in profile.areas
                             if row.visible_to_organisations]
    form.languages.data = [row.language for row in profile.languages]
    form.home_municipality_code.data = profile.home_municipality_code or ""
    form.assignment_types.data = [codes[row.assignment_type_id]
                                  for row in profile.assignment_types
                                  if row.assignment_type_id in codes]
    form.travel_range_km.data = profile.travel_range_km
    form.remote_ok.data = "yes" if profile.remote_ok else "no"
    form.monthly_earnings_limit.data = profile.monthly_earnings_limit
    form.yearly_earnings_limit.data = profile.yearly_earnings_limit
    form.iban.data = profile.iban or ""
    form.withholding_percent.data = profile.withholding_percent


def _profile_changes(form: ProfileForm) -> services.ProfileChanges:
    return services.ProfileChanges(
        display_name=form.display_name.data or "",
        bio=form.bio.data or "",
        areas=list(form.areas.data or []),
        shown_areas=list(form.shown_areas.data or []),
        languages=list(form.languages.data or []),
        home_municipality_code=form.home_municipality_code.data or None,
        postcode=form.postcode.data or "",
        assignment_types=list(form.assignment_types.data or []),
        travel_range_km=form.travel_range_km.data,
        remote_ok=form.remote_ok.data == "yes",
        monthly_earnings_limit=form.monthly_earnings_limit.data,
        yearly_earnings_limit=form.yearly_earnings_limit.data,
        iban=form.iban.data or "",
        withholding_percent=form.withholding_percent.data,
        identity_code=form.identity_code.data or "",
        current_password=form.current_password.data or "",
    )


@bp.route("/profile", methods=["GET", "POST"])
@role_required(EXPERT)
def profile():
    form = _profile_form()
    if request.method == "GET":
        _fill_profile_form(form, current_user.expert_profile)
    elif form.validate_on_submit():
        try:
            services.update_profile(current_user, _profile_changes(form))
        except DomainError as error:
            _failed(form, error)
        else:
            db.session.commit()
            flash(_("Your profile was saved."), "success")
            return redirect(url_for("experts.profile"))
    profile = current_user.expert_profile
    status = 422 if request.method == "POST" else 200
    return render_template(
        "experts/profile.html",
        form=form,
        profile=profile,
        masked_iban=mask_iban(profile.iban),
        masked_identity_code=services.masked_identity_code(profile),
        area_pairs=list(zip(form.areas, form.shown_areas, strict=True)),
    ), status


# --- breaks and unavailability ---------------------------------------------------------------


def _availability_page(pause_form=None, unavailability_form=None, status: int = 200):
    profile = current_user.expert_profile
    return render_template(
        "experts/availability.html",
        profile=profile,
        periods=queries.upcoming_unavailabilities(profile, utcnow()),
        pause_form=pause_form or PauseForm(prefix="pause", formdata=None),
        resume_form=ResumeForm(prefix="resume", formdata=None),
        unavailability_form=unavailability_form or UnavailabilityForm(prefix="period",
                                                                      formdata=None),
    ), status


@bp.route("/availability")
@role_required(EXPERT)
def availability():
    return _availability_page()


@bp.route("/availability/pause", methods=["POST"])
@role_required(EXPERT)
def pause():
    form = PauseForm(prefix="pause")
    if form.validate_on_submit():
        if attempt(lambda: services.pause_work(current_user, form.paused_until.data), form=form,
                   success=_("Your break is saved. You get no work offers during the break.")).ok:
            return redirect(url_for("experts.availability"))
    return _availability_page(pause_form=form, status=422)


@bp.route("/availability/resume", methods=["POST"])
@role_required(EXPERT)
def resume():
    form = ResumeForm(prefix="resume")
    if form.validate_on_submit():
        attempt(lambda: services.resume_work(current_user),
                success=_("Welcome back! You can get work offers again."))
    return redirect(url_for("experts.availability"))


@bp.route("/availability/periods", methods=["POST"])
@role_required(EXPERT)
def add_unavailability():
    form = UnavailabilityForm(prefix="period")
    if form.validate_on_submit():
        if attempt(lambda: services.add_unavailability(
                current_user,
                helsinki_to_utc(form.start_date.data, form.start_time.data),
                helsinki_to_utc(form.end_date.data, form.end_time.data),
                form.note.data or "",
        ), form=form, success=_("The time was saved. You get no work offers for that time.")).ok:
            return redirect(url_for("experts.availability"))
    return _availability_page(unavailability_form=form, status=422)


@bp.route("/availability/periods/<int:period_id>/remove", methods=["POST"])
@role_required(EXPERT)
def remove_unavailability(period_id: int):
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            services.remove_unavailability(current_user, period_id)
        except DomainError as error:
            db.session.rollback()
            abort(error.status)
        else:
            db.session.commit()
            flash(_("The time was removed."), "success")
    return redirect(url_for("experts.availability"))


# --- coordinators: the verification queue -----------------------------------------------------


@verification_bp.route("")
@role_required(COORDINATOR, ADMIN)
def queue():
    return render_template("experts/verification_queue.html",
                           applicants=queries.verification_queue())


def _review_page(expert_id: int, info_form=None, reject_form=None, status: int = 200):
    try:
        applicant = queries.application_for_reviewer(current_user, expert_id)
    except DomainError as error:
        abort(error.status)
    return render_template(
        "experts/verification_detail.html",
        applicant=applicant,
        approve_form=DecisionForm(prefix="approve", formdata=None),
        info_form=info_form or InfoRequestForm(prefix="info", formdata=None),
        reject_form=reject_form or RejectForm(prefix="reject", formdata=None),
    ), status


@verification_bp.route("/<int:expert_id>")
@role_required(COORDINATOR, ADMIN)
def review(expert_id: int):
    return _review_page(expert_id)


def _decided(message: str):
    flash(message, "success")
    return redirect(url_for("verification.queue"))


@verification_bp.route("/<int:expert_id>/approve", methods=["POST"])
@role_required(COORDINATOR, ADMIN)
def approve(expert_id: int):
    form = DecisionForm(prefix="approve")
    if form.validate_on_submit():
        done = attempt(lambda: services.approve_expert(current_user, expert_id))
        if done.ok:
            return _decided(_("%(name)s is now a verified expert and can be booked.",
                              name=done.value.user.full_name))
    return redirect(url_for("verification.review", expert_id=expert_id))


@verification_bp.route("/<int:expert_id>/request-info", methods=["POST"])
@role_required(COORDINATOR, ADMIN)
def request_info(expert_id: int):
    form = InfoRequestForm(prefix="info")
    if form.validate_on_submit():
        done = attempt(lambda: services.request_more_information(current_user, expert_id,
                                                                 form.message.data), form=form)
        if done.ok:
            return _decided(_("%(name)s was asked for more information by e-mail.",
                              name=done.value.user.full_name))
    return _review_page(expert_id, info_form=form, status=422)


@verification_bp.route("/<int:expert_id>/reject", methods=["POST"])
@role_required(COORDINATOR, ADMIN)
def reject(expert_id: int):
    form = RejectForm(prefix="reject")
    if form.validate_on_submit():
        done = attempt(lambda: services.reject_expert(current_user, expert_id, form.reason.data),
                       form=form)
        if done.ok:
            return _decided(_("The application of %(name)s was not accepted. They were told "
                              "the reason by e-mail.", name=done.value.user.full_name))
    return _review_page(expert_id, reject_form=form, status=422)


# --- organisations: the expert directory ---------------------------------------------------


@directory_bp.route("")
@role_required(ORGANISATION_MEMBER)
def index():
    """Verified experts as this organisation may see them (see `queries.expert_directory`)."""
    try:
        require_approved(current_user)
    except PermissionDenied as error:
        if error.code != NOT_APPROVED:
            raise
        return render_template("organisations/waiting.html", message=translated(error)), 403
    language = current_language()
    form = DirectorySearchForm(request.args)
    form.area.choices = [("", _("All areas"))] + [
        (a.slug, a.name(language)) for a in expertise_areas()
    ]
    form.language.choices = [("", _("All languages"))] + [
        (code, str(label)) for code, label in LANGUAGE_LABELS.items()
    ]
    form.region.choices = [("", _("All regions"))] + [
        (fi, sv if language == "sv" else fi) for fi, sv in queries.directory_regions()
    ]
    offset = max(request.args.get("offset", 0, type=int) or 0, 0)
    page = None
    if form.validate():
        filters = queries.DirectoryFilters(
            text=form.q.data or "", area=form.area.data or None,
            language=form.language.data or None, region=form.region.data or None,
        )
        try:
            page = queries.expert_directory(current_user, filters, offset=offset)
        except DomainError as error:
            _abort_on_access(error)
            attach_error(form, error)
    next_args = None
    if page and page.next_offset is not None:
        next_args = {**request.args.to_dict(), "offset": page.next_offset}
    status = 200 if page is not None else 422
    return render_template("experts/directory.html", form=form, page=page,
                           next_args=next_args, searched=bool(request.args)), status
