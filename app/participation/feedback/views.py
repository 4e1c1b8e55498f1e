"""Pages of feedback after assignments and of reporting back what changed
(blueprint ``participation_feedback``)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import EXPERT, ORGANISATION_MEMBER
from app.common.errors import DomainError, InvalidInput, NotFound, translated
from app.common.paging import parse_limit
from app.extensions import db
from app.organisations.services import organisations_by_name
from app.participation import access
from app.participation.feedback import impact
from app.participation.feedback import services as feedback
from app.participation.feedback.forms import FeedbackForm, ImpactAnswerForm
from app.participation.forms import NO_ANSWER
from app.web.actions import fail as _fail
from app.web.actions import guard as _guard
from app.web.forms import attach_error

bp = Blueprint("participation_feedback", __name__, url_prefix="/participation")


# --- Feedback after assignments ---------------------------------------------------------------


@bp.route("/feedback")
@login_required
def feedback_list():
    user = current_user
    if access.is_staff(user):
        organisation_id = request.args.get("organisation", type=int)
        code = 200
        try:
            page = feedback.feedback_page(organisation_id, cursor=request.args.get("cursor"),
                                          limit=parse_limit(request.args.get("limit")))
        except InvalidInput as error:
            flash(translated(error), "error")
            page = feedback.feedback_page(organisation_id, cursor=None, limit=parse_limit(None))
            code = 422
        return render_template("participation/feedback/feedback_staff.html",
                               page=page, rows=page.items,
                               organisations=organisations_by_name(), chosen=organisation_id), code
    if user.role not in (EXPERT, ORGANISATION_MEMBER):
        abort(403)
    return render_template(
        "participation/feedback/feedback_list.html", waiting=feedback.waiting_for_feedback(user),
        given=feedback.given_by(user), about_me=feedback.about_expert(user),
        about_us=feedback.about_organisation(user),
        threshold=feedback.ANONYMITY_THRESHOLD)


@bp.route("/feedback/assignments/<int:assignment_id>", methods=["GET", "POST"])
@login_required
def give_feedback(assignment_id: int):
    try:
        assignment, side = feedback.assignment_for_feedback(current_user, assignment_id)
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(translated(error), "error")
        return redirect(url_for("participation_feedback.feedback_list"))
    if feedback.existing_feedback(assignment.id, side) is not None:
        flash(_("Feedback on this work has already been given. Thank you!"), "info")
        return redirect(url_for("participation_feedback.feedback_list"))
    form = FeedbackForm()
    if form.validate_on_submit():
        rating = form.rating.data
        heard = form.input_heard.data
        data = feedback.FeedbackData(
            rating=int(rating) if rating and rating != NO_ANSWER else None,
            input_heard={"yes": True, "no": False}.get(heard),
            text=form.text.data or "",
            share_identity_with_organisation=side == "expert" and form.share_identity.data,
            coordinator_note=form.coordinator_note.data or "")
        try:
            feedback.give_feedback(current_user, assignment.id, data)
        except DomainError as error:
            _fail(error)
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Thank you for your feedback!"), "success")
            return redirect(url_for("participation_feedback.feedback_list"))
    status = 422 if request.method == "POST" else 200
    return render_template("participation/feedback/give_feedback.html", form=form,
                           assignment=assignment, order=assignment.order, side=side), status


# --- Reporting back --------------------------------------------------------------------------


@bp.route("/reports-back")
@login_required
def reports_back():
    """What the input led to: requests to answer (organisations) and answers (everyone)."""
    reports_seen = impact.reports_for(current_user)
    return render_template(
        "participation/feedback/reports_back.html",
        open_reports=[r for r in reports_seen if r.answered_at is None],
        answered=[r for r in reports_seen if r.answered_at is not None])


@bp.route("/reports-back/<int:report_id>", methods=["GET", "POST"])
@login_required
def report_back(report_id: int):
    report = _guard(impact.report_for_reader, current_user, report_id)
    can_answer = impact.can_answer(current_user, report)
    form = ImpactAnswerForm(obj=report) if request.method == "GET" else ImpactAnswerForm()
    if request.method == "POST":
        if not can_answer:
            abort(403)
        if form.validate_on_submit():
            try:
                impact.answer_impact_report(current_user, report.id, form.text.data,
                                            form.summary.data or "")
            except DomainError as error:
                _fail(error)
                attach_error(form, error)
            else:
                db.session.commit()
                flash(_("Thank you! The experts and group members can now read what their "
                        "input led to."), "success")
                return redirect(url_for("participation_feedback.report_back", report_id=report.id))
    status = 422 if request.method == "POST" else 200
    return render_template("participation/feedback/report_back.html", report=report,
                           order=report.order, form=form, can_answer=can_answer,
                           group=access.group_of_order(report.order_id)), status
