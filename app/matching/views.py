"""The coordinator's pages: the work dashboard and matching experts to an order."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.access import role_required
from app.accounts.models import ADMIN, COORDINATOR
from app.bookings import completion, notes
from app.bookings.console import ConsoleFilters, console_page, needs_attention
from app.bookings.forms import LANGUAGE_LABELS
from app.bookings.queries import booked_count, order_for_reader, orders_needing_attention
from app.bookings.services import OPEN_ORDER_STATUSES, cancellation_outlook, invite_experts
from app.bookings.views import report_data
from app.common.errors import DomainError, InvalidInput, translated
from app.common.paging import parse_limit
from app.common.timeutil import to_helsinki, utcnow
from app.common.uploads import kind_for_path, stored_path
from app.experts.queries import verification_queue
from app.extensions import db
from app.fees.errors import FeeError
from app.fees.rules import describe_line
from app.matching.forms import ConsoleFilterForm, NoteForm, ResolveForm
from app.matching.services import match_order
from app.matching.texts import describe_all
from app.organisations.models import Membership, Organisation
from app.organisations.services import vetting_queue
from app.reference.queries import expertise_areas
from app.web.actions import attempt, guard
from app.web.fields_errors import fee_error_text
from app.web.labels import ORDER_STATUS, label
from app.web.templating import current_language, line_formats

bp = Blueprint("matching", __name__, url_prefix="/coordinator")

@bp.app_template_filter("km")
def kilometres(value) -> str:
    """A distance with one decimal in the page's number format (e.g. "42,0")."""
    return format_decimal(value, format="#,##0.0")


class InviteForm(FlaskForm):
    """Only the CSRF token: the chosen experts are checkboxes named ``expert_ids``."""


@bp.route("/")
@role_required(COORDINATOR, ADMIN)
def dashboard():
    return render_template(
        "matching/dashboard.html",
        attention=needs_attention(utcnow()),
        applicants=verification_queue(),
        waiting_organisations=vetting_queue(current_user),
        orders=orders_needing_attention(),
        booked_count=booked_count,
    )


def _chosen_ids(candidate_ids: set[int]) -> tuple[list[int], str | None]:
    """The experts ticked on the form, in the form's order, or an error text."""
    chosen: list[int] = []
    for value in request.form.getlist("expert_ids"):
        try:
            expert_id = int(value)
        except ValueError:
            return [], _("The choice could not be read. Choose the experts again.")
        if expert_id not in chosen:
            chosen.append(expert_id)
    if not chosen:
        return [], _("Choose at least one expert to invite.")
    if not set(chosen) <= candidate_ids:
        return [], _("Some of the chosen experts can no longer be invited. "
                     "Check the list and choose again.")
    return chosen, None


def _top_ids(matches, order) -> tuple[list[int], str | None]:
    """The N best-ranked candidates not yet invited (N from the form)."""
    raw = (request.form.get("top_count") or "").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= 50:
        return [], _("Give how many experts to invite: a whole number from 1 to 50.")
    invited = {i.expert_id for i in order.invitations}
    chosen = [m.expert_id for m in matches if m.expert_id not in invited][: int(raw)]
    if not chosen:
        return [], _("No candidate is left to invite.")
    return chosen, None


def _invite(order, chosen: list[int]) -> bool:
    """Invite the chosen experts through the booking service; False (and a message) on failure."""
    try:
        invitations = invite_experts(current_user, order, chosen)
    except DomainError as error:
        db.session.rollback()
        flash(translated(error), "error")
        return False
    db.session.commit()
    flash(_("Invitations sent: %(count)s.", count=len(invitations)), "success")
    return True


@bp.route("/orders/<int:order_id>", methods=["GET", "POST"])
@role_required(COORDINATOR, ADMIN)
def order_matches(order_id: int):
    try:
        order = order_for_reader(current_user, order_id)
    except DomainError:
        abort(404)
    matches = match_order(order)
    form = InviteForm()
    chosen: list[int] = []
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if request.form.get("action") == "top":
            chosen, problem = _top_ids(matches, order)
        else:
            chosen, problem = _chosen_ids({m.expert_id for m in matches})
        if problem:
            flash(problem, "error")
        elif _invite(order, chosen):
            return redirect(url_for("matching.order_matches", order_id=order.id))
    return render_template(
        "matching/order_matches.html",
        order=order,
        booked=booked_count(order),
        language_name=str(LANGUAGE_LABELS.get(order.language, order.language)),
        rows=[(m, describe_all(m.reasons), describe_all(m.warnings)) for m in matches],
        invitations=sorted(order.invitations, key=lambda i: (i.rank or 0, i.id)),
        form=form,
        chosen=set(chosen),
        can_invite=order.status in OPEN_ORDER_STATUSES,
        contacts=_contacts(order),
        notes=notes.notes_of(current_user, order.id),
        note_form=NoteForm(formdata=None),
        outlook=cancellation_outlook(order, utcnow()),
        disputed=[a for a in order.assignments if a.status == "disputed"],
    )


def _contacts(order):
    """The organisation's people: who ordered first, then the others by name."""
    members = db.session.scalars(
        select(Membership).where(Membership.organisation_id == order.organisation_id)
        .options(joinedload(Membership.user))).all()
    people = [m.user for m in members if m.user.active]
    return sorted(people, key=lambda u: (u.id != order.created_by_id, u.full_name))


@bp.route("/orders/<int:order_id>/notes", methods=["POST"])
@role_required(COORDINATOR, ADMIN)
def add_note(order_id: int):
    order = guard(order_for_reader, current_user, order_id)
    form = NoteForm()
    if form.validate_on_submit():
        attempt(lambda: notes.add_note(current_user, order.id, form.body.data),
                success=_("The note was saved."))
    else:
        flash(_("Write the note first."), "error")
    return redirect(url_for("matching.order_matches", order_id=order.id) + "#notes")


def _console_filters(form: ConsoleFilterForm) -> ConsoleFilters:
    organisation = form.organisation_id.data or ""
    if organisation and not organisation.isdecimal():
        raise InvalidInput("Choose an organisation from the list.", field="organisation_id")
    return ConsoleFilters(
        status=form.status.data or None, starts_from=form.starts_from.data,
        starts_to=form.starts_to.data,
        organisation_id=int(organisation) if organisation else None,
        area=form.area.data or None, needs_attention=bool(form.needs_attention.data))


@bp.route("/orders")
@role_required(COORDINATOR, ADMIN)
def console():
    """Every organisation's orders, filtered and paged; "needs attention" narrows the list."""
    form = ConsoleFilterForm(request.args)
    language = current_language()
    form.status.choices = [("", _("All states"))] + [
        (code, label(ORDER_STATUS, code)) for code in ORDER_STATUS]
    form.organisation_id.choices = [("", _("All organisations"))] + [
        (str(o.id), o.name) for o in db.session.scalars(
            select(Organisation).order_by(Organisation.name, Organisation.id))]
    form.area.choices = [("", _("All areas"))] + [
        (a.slug, a.name(language)) for a in expertise_areas()]
    page, status = None, 200
    form.validate()
    date_errors = form.starts_from.errors or form.starts_to.errors
    try:
        if date_errors:
            raise InvalidInput("Give the date as day.month.year.", field="starts_from")
        page = console_page(current_user, _console_filters(form), utcnow(),
                            cursor=request.args.get("cursor"),
                            limit=parse_limit(request.args.get("limit")))
    except InvalidInput as error:
        target = {"to": "starts_to"}.get(error.field, error.field)
        if target in form and not getattr(form, target).errors:
            getattr(form, target).errors = [translated(error)]
        elif target not in form:
            flash(translated(error), "error")
        status = 422
    return render_template("matching/console.html", form=form, page=page), status


def _prefill(form: ResolveForm, report) -> None:
    form.duration_minutes.data = report.duration_minutes
    form.remote.data = report.remote
    form.km_driven.data = report.km_driven or None
    form.passengers.data = report.passengers or None
    form.public_transport_eur.data = report.public_transport_eur or None
    form.parking_eur.data = report.parking_eur or None
    form.one_way_km.data = report.one_way_km or None
    form.free_meals.data = report.free_meals or None
    if report.departure_at and report.return_at:
        departure, back = to_helsinki(report.departure_at), to_helsinki(report.return_at)
        form.departure_date.data, form.departure_time.data = departure.date(), departure.time()
        form.return_date.data, form.return_time.data = back.date(), back.time()


def _correction(form: ResolveForm, report) -> completion.Correction:
    data = report_data(form)
    claim = completion.travel_claim(data)
    if claim is not None and not any((data.departure_at, data.return_at)):
        from dataclasses import replace

        claim = replace(claim, trip_hours=report.trip_hours)
    return completion.Correction(duration_minutes=data.duration_minutes, travel=claim,
                                 remote=data.remote)


@bp.route("/assignments/<int:assignment_id>/resolve", methods=["GET", "POST"])
@role_required(COORDINATOR, ADMIN)
def resolve(assignment_id: int):
    """A disputed report: both sides' words, the reported price, and the decision."""
    assignment = guard(completion.assignment_for_confirmer, current_user, assignment_id)
    report = assignment.report
    if report is None:
        abort(404)
    form = ResolveForm()
    if request.method == "GET":
        _prefill(form, report)
    before = completion.price_report(assignment, completion.report_claim(report))
    after, error_text = None, None
    if assignment.status == "disputed" and form.validate_on_submit():
        action = form.action.data
        try:
            correction = _correction(form, report) if action == "correct" else None
            if correction is not None:
                before, after = completion.preview_resolution(assignment, correction)
            if request.form.get("step") == "save":
                done = attempt(lambda: completion.resolve_dispute(
                    current_user, assignment.id, action, correction=correction,
                    reason=form.reason.data or ""), form=form,
                    success=_("The decision was saved and both sides were told."))
                if done.ok:
                    return redirect(url_for("matching.order_matches",
                                            order_id=assignment.order_id))
        except FeeError as error:
            db.session.rollback()
            error_text = fee_error_text(error)
        except DomainError as error:
            db.session.rollback()
            flash(translated(error), "error")
    status = 422 if request.method == "POST" and (form.errors or error_text) else 200
    return render_template(
        "matching/resolve.html", assignment=assignment, order=assignment.order, report=report,
        form=form, before=before, after=after, error_text=error_text,
        lines=[(describe_line(line, _, **line_formats()), line.amount) for line in before.lines],
        after_lines=[(describe_line(line, _, **line_formats()), line.amount)
                     for line in after.lines]
        if after else []), status



@bp.route("/assignments/<int:assignment_id>/receipt")
@role_required(COORDINATOR, ADMIN)
def receipt(assignment_id: int):
    """The receipt the expert sent with the report, as a download for checking a dispute."""
    assignment = guard(completion.assignment_for_confirmer, current_user, assignment_id)
    relative = assignment.report.receipt_path if assignment.report else None
    path = stored_path(relative) if relative else None
    if path is None:
        abort(404)
    kind = kind_for_path(relative)
    response = send_file(path, mimetype=kind.mimetype, as_attachment=True,
                         download_name=f"receipt-{assignment.id}{kind.extension}", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
