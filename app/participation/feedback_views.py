"""Pages of feedback after assignments, reporting back what changed, the participation
reports, and the coordinators' inbox of anonymous feedback (routes of ``participation``)."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts.models import EXPERT, ORGANISATION_MEMBER
from app.common.errors import DomainError, NotFound, translated
from app.common.timeutil import to_helsinki, utcnow
from app.extensions import db
from app.organisations.models import Organisation
from app.participation import access, channel, feedback, impact, reports
from app.participation.exports import figure_rows, figures_csv
from app.participation.forms import (
    NO_ANSWER,
    FeedbackForm,
    ForwardForm,
    ImpactAnswerForm,
    ReportFilterForm,
    TagForm,
)
from app.participation.views import _action, _fail, _guard, bp
from app.web.forms import attach_error

# --- Feedback after assignments ---------------------------------------------------------------


@bp.route("/feedback")
@login_required
def feedback_list():
    user = current_user
    if access.is_staff(user):
        organisation_id = request.args.get("organisation", type=int)
        return render_template("participation/feedback_staff.html",
                               rows=feedback.all_feedback(organisation_id),
                               organisations=_organisations(), chosen=organisation_id)
    if user.role not in (EXPERT, ORGANISATION_MEMBER):
        abort(403)
    return render_template(
        "participation/feedback_list.html", waiting=feedback.waiting_for_feedback(user),
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
        return redirect(url_for("participation.feedback_list"))
    if feedback.existing_feedback(assignment.id, side) is not None:
        flash(_("Feedback on this work has already been given. Thank you!"), "info")
        return redirect(url_for("participation.feedback_list"))
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
            return redirect(url_for("participation.feedback_list"))
    status = 422 if request.method == "POST" else 200
    return render_template("participation/give_feedback.html", form=form,
                           assignment=assignment, order=assignment.order, side=side), status


# --- Reporting back --------------------------------------------------------------------------


@bp.route("/reports-back")
@login_required
def reports_back():
    """What the input led to: requests to answer (organisations) and answers (everyone)."""
    reports_seen = impact.reports_for(current_user)
    return render_template(
        "participation/reports_back.html",
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
                return redirect(url_for("participation.report_back", report_id=report.id))
    status = 422 if request.method == "POST" else 200
    return render_template("participation/report_back.html", report=report, order=report.order,
                           form=form, can_answer=can_answer,
                           group=access.group_of_order(report.order_id)), status


# --- Reports ------------------------------------------------------------------------------------


def _organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def _report_scope():
    """(period, organisation id or None for the whole bank, the filter form)."""
    user = current_user
    if not (access.is_staff(user) or user.role == ORGANISATION_MEMBER):
        abort(403)
    form = ReportFilterForm(request.args)
    form.organisation.choices = [(0, _("All organisations"))] + [
        (o.id, o.name) for o in _organisations()]
    today = to_helsinki(utcnow()).date()
    period = reports.default_period(today)
    if form.validate():
        start = form.start.data or period.start
        end = form.end.data or period.end
        if start <= end:
            period = reports.Period(start, end)
        else:
            form.end.errors = list(form.end.errors) + [_("The end must not be before the "
                                                         "start.")]
    if access.is_staff(user):
        organisation_id = form.organisation.data or None
    else:
        organisation_id = user.organisation_id
        if organisation_id is None:
            abort(403)
    return period, organisation_id, form


@bp.route("/reports")
@login_required
def reports_page():
    period, organisation_id, form = _report_scope()
    figures = reports.participation_figures(period, organisation_id)
    overview = impact.report_back_overview(organisation_id)
    status = 422 if form.errors else 200
    return render_template(
        "participation/reports.html", figures=figures, form=form, overview=overview,
        summary_rows=figure_rows(figures), month_name=_month_name,
        staff=access.is_staff(current_user),
        organisation=db.session.get(Organisation, organisation_id) if organisation_id
        else None), status


def _month_name(row: reports.MonthRow) -> str:
    return format_date(date(row.year, row.month, 1), "LLLL yyyy")


@bp.route("/reports.csv")
@login_required
def reports_csv():
    period, organisation_id, _form = _report_scope()
    figures = reports.participation_figures(period, organisation_id)
    filename = f"participation-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(figures_csv(figures), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- Anonymous feedback: the coordinators' inbox, and what organisations receive --------------


@bp.route("/channel")
@login_required
def channel_inbox():
    status = request.args.get("status") or None
    tag = request.args.get("tag") or None
    if status not in (None, "new", "read", "forwarded", "archived"):
        status = None
    messages = _guard(channel.inbox, current_user, status, tag)
    return render_template("participation/channel_inbox.html", messages=messages,
                           status=status, tag=tag, tags=channel.all_tags())


@bp.route("/channel/<int:message_id>")
@login_required
def channel_message(message_id: int):
    message = _guard(channel.mark_read, current_user, message_id)
    db.session.commit()
    tag_form = TagForm(tags=", ".join(t.tag for t in message.tags))
    forward_form = ForwardForm()
    forward_form.organisation_id.choices = [(0, _("Choose an organisation"))] + [
        (o.id, o.name) for o in _organisations()]
    return render_template("participation/channel_message.html", message=message,
                           tag_form=tag_form, forward_form=forward_form)


@bp.route("/channel/<int:message_id>/tags", methods=["POST"])
@login_required
def channel_tags(message_id: int):
    form = TagForm()
    form.validate()
    return _action(lambda: channel.set_tags(current_user, message_id, form.tags.data or ""),
                   _("The tags were saved."),
                   url_for("participation.channel_message", message_id=message_id))


@bp.route("/channel/<int:message_id>/forward", methods=["POST"])
@login_required
def channel_forward(message_id: int):
    organisation_id = request.form.get("organisation_id", type=int)
    note = request.form.get("note", "")
    return _action(lambda: channel.forward(current_user, message_id, organisation_id, note),
                   _("The message was forwarded to the organisation."),
                   url_for("participation.channel_message", message_id=message_id))


@bp.route("/channel/<int:message_id>/<action>", methods=["POST"])
@login_required
def channel_archive(message_id: int, action: str):
    if action not in ("archive", "restore"):
        abort(404)
    return _action(lambda: channel.archive(current_user, message_id, action == "restore"),
                   _("The message was archived.") if action == "archive"
                   else _("The message was restored."),
                   url_for("participation.channel_message", message_id=message_id))


@bp.route("/channel/forwarded")
@login_required
def channel_forwarded():
    """Anonymous messages the bank forwarded to the user's organisation."""
    if current_user.role != ORGANISATION_MEMBER:
        abort(403)
    return render_template("participation/channel_forwarded.html",
                           messages=channel.forwarded_to(current_user))

