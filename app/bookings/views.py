"""The organisation's order pages: the order form with its price estimate, order details."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from urllib.parse import quote_plus

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.accounts.access import role_required
from app.accounts.models import ADMIN, COORDINATOR, EXPERT, FINANCE, ORGANISATION_MEMBER
from app.admin.services import get_setting
from app.bookings import changes, completion, services
from app.bookings.calendar import single_assignment_ics, venue_text
from app.bookings.forms import (
    AnswerForm,
    CancelOrderForm,
    ChangeOrderForm,
    ConfirmForm,
    DisputeReplyForm,
    OrderForm,
    ReportForm,
    WithdrawForm,
    change_order_form,
)
from app.bookings.offers import offer_for
from app.bookings.queries import (
    answered_invitations,
    assignments_of_expert,
    booked_count,
    coming_work_page,
    open_invitations_page,
    order_contact,
    order_for_reader,
    past_work_page,
    work_to_report_page,
)
from app.common.errors import DomainError, InvalidInput, NotFound, translated
from app.common.paging import parse_limit
from app.common.timeutil import helsinki_to_utc, to_helsinki, utcnow
from app.common.uploads import read_upload, remove_stored, store_upload
from app.extensions import db
from app.fees.errors import FeeError
from app.fees.estimate import SessionPlan, estimate_order
from app.fees.rules import describe_line
from app.fees.services import active_assignment_types
from app.reference.queries import expertise_areas, municipality_choices
from app.web.actions import attempt, guard
from app.web.fields_errors import fee_error_text
from app.web.forms import attach_error
from app.web.templating import current_language, line_formats, localized_date, localized_name

bp = Blueprint("bookings", __name__, url_prefix="/organisation/orders")
#: The receipts of work reports, for the people who check them.
receipts_bp = Blueprint("receipts", __name__, url_prefix="/work-reports")


def _with_choices(form: OrderForm) -> OrderForm:
    language = current_language()
    form.assignment_type.choices = [("", _("Choose the type of work"))] + [
        (t.code, localized_name(t)) for t in active_assignment_types()
    ]
    form.expertise_areas.choices = [(a.slug, a.name(language)) for a in expertise_areas()]
    form.municipality_code.choices = municipality_choices(language)
    return form


def session_requests(form: OrderForm) -> list[services.SessionRequest]:
    """The sessions the form describes (one, or three for the series).

    In the series each date must come after the one before; a date out of order is an
    error on that field (never silently re-sorted), as is a missing date.
    """
    start: time = form.start_time.data
    minutes = form.duration_minutes.data
    if form.kind.data != services.CO_DEVELOPMENT_TEMPLATE:
        return [services.SessionRequest(helsinki_to_utc(form.date.data, start), minutes)]
    days = [form.date.data, form.second_date.data, form.third_date.data]
    later = (form.second_date, form.third_date)
    problems = {}
    for position, (field, day) in enumerate(zip(later, days[1:], strict=True), 2):
        if day is None:
            if not field.errors:
                problems[field] = _("Give the date of each session of the series.")
        elif days[position - 2] is not None and day <= days[position - 2]:
            problems[field] = _(
                "Session %(num)s must be after session %(before)s (%(date)s). Check the "
                "order of the dates.", num=position, before=position - 1,
                date=localized_date(days[position - 2]))
    for field, message in problems.items():
        field.errors = list(field.errors) + [message]
    if problems or None in days:
        return []
    return [
        services.SessionRequest(helsinki_to_utc(day, start), minutes, str(title), str(agenda))
        for day, (title, agenda) in zip(days, services.CO_DEVELOPMENT_SESSIONS, strict=True)
    ]


#: The form field of each field the order service names (the service speaks of the
#: sessions' start; the form has a date field per session).
SERVICE_FIELDS = {"deadline_at": "deadline_date"}
SESSION_DATE_FIELDS = ("date", "second_date", "third_date")


def show_order_problems(form: OrderForm, sessions) -> bool:
    """Check what the form says with the order service's rules too, in the same round as
    the form's own checks, and show each problem next to its field (a field that already
    has an error keeps only that). True when the service found problems."""
    _resolved, problems = services.order_request_problems(order_request(form, sessions),
                                                          utcnow())
    for problem in problems:
        if problem.code == "missing_sessions":
            continue  # the date and time fields already say what is missing
        name = SERVICE_FIELDS.get(problem.field, problem.field)
        if problem.field == "starts_at":
            name = SESSION_DATE_FIELDS[getattr(problem, "session_index", 0)]
        field = getattr(form, name or "", None)
        if field is not None and field.errors:
            continue
        if field is not None and problem.field != name:
            field.errors = list(field.errors) + [translated(problem)]
        else:
            attach_error(form, problem)
    return bool(problems)


def order_request(form: OrderForm, sessions) -> services.OrderRequest:
    deadline = None
    if form.deadline_date.data:
        deadline = helsinki_to_utc(form.deadline_date.data, time(23, 59))
    return services.OrderRequest(
        title=form.title.data or "", assignment_type=form.assignment_type.data,
        expertise_areas=list(form.expertise_areas.data or []), language=form.language.data,
        experts_needed=form.experts_needed.data or 0, sessions=sessions,
        remote=form.remote.data,
        municipality_code=form.municipality_code.data or None,
        description=form.description.data or "", address=form.address.data or "",
        audience=form.audience.data or "", accessibility=form.accessibility.data or "",
        billing_reference=form.billing_reference.data or "", deadline_at=deadline,
        series_template=(services.CO_DEVELOPMENT_TEMPLATE
                         if form.kind.data == services.CO_DEVELOPMENT_TEMPLATE else None),
    )


def form_estimate(form: OrderForm, sessions):
    """The price estimate for what the form says so far, or (None, reason)."""
    if not sessions or not form.assignment_type.data:
        return None, None
    if not form.remote.data and not form.municipality_code.data:
        return None, _("Choose the municipality, or remote work, to see the travel estimate.")
    try:
        return estimate_order(
            form.assignment_type.data,
            [SessionPlan(s.starts_at.date(), s.duration_minutes) for s in sessions],
            form.experts_needed.data or 1, remote=form.remote.data,
            area_slugs=list(form.expertise_areas.data or []), language=form.language.data,
            municipality_code=form.municipality_code.data,
        ), None
    except FeeError as error:
        return None, fee_error_text(error)


@bp.route("/new", methods=["GET", "POST"])
@role_required(ORGANISATION_MEMBER)
def new_order():
    form = _with_choices(OrderForm())
    estimate, estimate_note = None, None
    if request.method == "POST":
        valid = form.validate_on_submit()
        sessions = session_requests(form) if valid or _has_times(form) else []
        estimate, estimate_note = form_estimate(form, sessions)
        sending = request.form.get("action") == "submit"
        if sending and show_order_problems(form, sessions):
            valid = False
        if valid and sessions and sending:
            try:
                order = services.create_order(current_user, order_request(form, sessions))
            except DomainError as error:
                db.session.rollback()
                attach_error(form, error)
            else:
                db.session.commit()
                flash(_("Thank you! Your order was sent. A coordinator now looks for experts, "
                        "and you get an e-mail when they are booked."), "success")
                return redirect(url_for("bookings.order_detail", order_id=order.id))
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template("bookings/new_order.html", form=form, estimate=estimate,
                           estimate_note=estimate_note), status


def _has_times(form: OrderForm) -> bool:
    return bool(form.date.data and form.start_time.data and form.duration_minutes.data
                and not form.duration_minutes.errors)


@bp.route("/<int:order_id>")
@role_required(ORGANISATION_MEMBER, COORDINATOR, ADMIN)
def order_detail(order_id: int):
    if current_user.role != ORGANISATION_MEMBER:
        # The bank's staff act on any order from its page in the coordinator's console.
        return redirect(url_for("matching.order_matches", order_id=order_id))
    try:
        order = order_for_reader(current_user, order_id)
    except NotFound:
        abort(404)
    outlook = services.cancellation_outlook(order, utcnow())
    return render_template("organisations/order_detail.html", order=order,
                           booked=booked_count(order), cancellable=outlook in ("free", "late"),
                           changeable=outlook in ("free", "late")
                           and order.status in changes.CHANGEABLE_STATUSES,
                           changed=_last_change(order))


def _last_change(order):
    """What the last change of the order did (bookings released, candidates invited)."""
    return [a for a in order.assignments if a.status == "cancelled_by_organisation"
            and a.cancel_reason == changes.RELEASED_REASON]


def _back_to_order(order_id: int) -> str:
    if current_user.role == ORGANISATION_MEMBER:
        return url_for("bookings.order_detail", order_id=order_id)
    return url_for("matching.order_matches", order_id=order_id)


@bp.route("/<int:order_id>/cancel", methods=["GET", "POST"])
@role_required(ORGANISATION_MEMBER, COORDINATOR, ADMIN)
def cancel(order_id: int):
    """A confirmation page that says plainly what cancelling now means: refused once the work
    has started, free early, and late with the booked experts' fees invoiced."""
    order = guard(order_for_reader, current_user, order_id)
    form = CancelOrderForm()
    on_behalf = current_user.role != ORGANISATION_MEMBER
    if form.validate_on_submit() and attempt(
        lambda: services.cancel_order(current_user, order.id, reason=form.reason.data),
        form=form, success=_("The order was cancelled and the experts were told."),
    ).ok:
        return redirect(_back_to_order(order.id))
    outlook = services.cancellation_outlook(order, utcnow())
    status = 409 if request.method == "POST" and outlook in ("started", "closed") else (
        422 if request.method == "POST" and form.errors else 200)
    return render_template("bookings/cancel_order.html", order=order, outlook=outlook,
                           form=form, on_behalf=on_behalf, back=_back_to_order(order.id),
                           booked=booked_count(order),
                           hours=get_setting("late_cancellation_hours")), status


def session_fields(form: ChangeOrderForm, number: int) -> tuple:
    """The (date, start time, length) fields of session ``number`` (from 1) of the form."""
    suffix = "" if number == 1 else f"_{number}"
    return (getattr(form, "date" + suffix), getattr(form, "start_time" + suffix),
            getattr(form, "duration_minutes" + suffix))


def _change_form(order) -> ChangeOrderForm:
    form = change_order_form(len(order.sessions))(
        obj=order if request.method == "GET" else None)
    form.municipality_code.choices = municipality_choices(current_language())
    for number, session in enumerate(order.sessions, 1):
        day, start, minutes = session_fields(form, number)
        if order.is_series and number == 1:
            day.label.text = _("Date of session %(num)s", num=1)
            start.label.text = _("Start time of session %(num)s", num=1)
            minutes.label.text = _("Length of session %(num)s in minutes", num=1)
        if request.method == "GET":
            moment = to_helsinki(session.starts_at)
            day.data, start.data, minutes.data = moment.date(), moment.time(), \
                session.duration_minutes
    return form


def _wall_clock_utc(day, clock):
    """``helsinki_to_utc``; the first moments of year 1 (which have no UTC time) become the
    earliest time there is, so that the start is refused as being in the past."""
    try:
        return helsinki_to_utc(day, clock)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


def series_times(form: ChangeOrderForm, order) -> list[changes.SessionTime] | None:
    """The new times of every session of a series as the form gives them, or None after
    showing each problem next to its session's field (a missing value, a time in the past,
    sessions out of order or overlapping: the message names the session)."""
    fields = [session_fields(form, number) for number in range(1, len(order.sessions) + 1)]
    missing = False
    for number, trio in enumerate(fields, 1):
        for field in trio:
            if field.data is None and not field.errors:
                field.errors = [*field.errors, _(
                    "Give the date, start time and length of session %(num)s.", num=number)]
                missing = True
    if missing or any(field.errors for trio in fields for field in trio):
        return None
    times = [changes.SessionTime(_wall_clock_utc(day.data, start.data), minutes.data)
             for day, start, minutes in fields]
    problems = changes.session_problems(times, utcnow())
    for problem in problems:
        day, _start, minutes = fields[problem.session_index]
        field = minutes if problem.field == "duration_minutes" else day
        field.errors = [*field.errors, translated(problem)]
    return None if problems else times


def order_change(form: ChangeOrderForm, order,
                 times: list[changes.SessionTime] | None = None) -> changes.OrderChange:
    moment = None
    if not order.is_series and form.date.data and form.start_time.data:
        moment = _wall_clock_utc(form.date.data, form.start_time.data)
    return changes.OrderChange(
        title=form.title.data or "", description=form.description.data or "",
        starts_at=moment,
        duration_minutes=None if order.is_series else form.duration_minutes.data,
        sessions=tuple(times) if order.is_series and times else None,
        remote=bool(form.remote.data), municipality_code=form.municipality_code.data or None,
        address=form.address.data or "", audience=form.audience.data or "",
        accessibility=form.accessibility.data or "")


def change_message(result: changes.ChangeResult) -> str:
    if not result.changed:
        return _("Nothing was changed.")
    message = _("The order was changed. The invited and booked experts were told.")
    released = len({a.expert_id for a in result.released})
    if released and result.order.is_series:
        message += " " + ngettext(
            "%(num)s booked expert already had other plans at a new time and was released "
            "from all sessions of the series; the next candidates were invited (%(invited)s).",
            "%(num)s booked experts already had other plans at a new time and were released "
            "from all sessions of the series; the next candidates were invited (%(invited)s).",
            released, invited=result.invited)
    elif released:
        message += " " + ngettext(
            "%(num)s booked expert already had other plans at the new time and was released; "
            "the next candidates were invited (%(invited)s).",
            "%(num)s booked experts already had other plans at the new time and were released; "
            "the next candidates were invited (%(invited)s).",
            released, invited=result.invited)
    return message


@bp.route("/<int:order_id>/edit", methods=["GET", "POST"])
@role_required(ORGANISATION_MEMBER, COORDINATOR, ADMIN)
def edit_order(order_id: int):
    """Change the title, description, time, length, place or remote work before the start."""
    order = guard(order_for_reader, current_user, order_id)
    form = _change_form(order)
    if form.validate_on_submit():
        times = series_times(form, order) if order.is_series else None
        outcome = None
        if times is not None or not order.is_series:
            outcome = attempt(lambda: changes.change_order(
                current_user, order.id, order_change(form, order, times)), form=form)
        if outcome is not None and outcome.ok:
            flash(change_message(outcome.value), "success")
            return redirect(_back_to_order(order.id))
    outlook = services.cancellation_outlook(order, utcnow())
    status = 422 if request.method == "POST" and form.errors else 200
    if request.method == "POST" and outlook == "started":
        status = 409
    return render_template("bookings/edit_order.html", order=order, form=form,
                           outlook=outlook, back=_back_to_order(order.id)), status


# --- The expert's work offers and bookings ---------------------------------------------------

expert_bp = Blueprint("expert_work", __name__, url_prefix="/expert/work")
#: Rows per page of each of the three lists on the work page (offers, coming, to report).
WORK_LIST_LIMIT = 20


@expert_bp.route("/")
@role_required(EXPERT)
def offers():
    now = utcnow()
    status = 200
    lists = {}
    # Three lists, each paged on its own: a bad page link of one shows that one's error and
    # leaves the others as they are.
    for name, query, cursor in (("pending", open_invitations_page, "offers_cursor"),
                                ("coming", coming_work_page, "cursor"),
                                ("to_report", work_to_report_page, "report_cursor")):
        try:
            lists[name] = query(current_user, now, cursor=request.args.get(cursor),
                                limit=parse_limit(request.args.get("limit"),
                                                  default=WORK_LIST_LIMIT))
        except InvalidInput as error:
            flash(translated(error), "error")
            lists[name], status = None, 422
    return render_template("bookings/expert_work.html", **lists,
                           answered=answered_invitations(current_user, now)), status


@expert_bp.route("/past")
@role_required(EXPERT)
def past():
    page, status = None, 200
    try:
        page = past_work_page(current_user, utcnow(), cursor=request.args.get("cursor"),
                              limit=parse_limit(request.args.get("limit")))
    except InvalidInput as error:
        flash(translated(error), "error")
        status = 422
    return render_template("bookings/expert_past_work.html", page=page), status


@expert_bp.route("/invitations/<int:invitation_id>", methods=["GET", "POST"])
@role_required(EXPERT)
def invitation(invitation_id: int):
    try:
        invitation = services.invitation_for_expert(current_user, invitation_id)
    except NotFound:
        abort(404)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            if request.form.get("answer") == "accept":
                services.accept_invitation(current_user, invitation_id)
                message = _("Thank you! You are booked. The details and a calendar invitation "
                            "are in your e-mail.")
            else:
                services.decline_invitation(current_user, invitation_id, form.reason.data)
                message = _("Thank you for your answer. You declined this work.")
        except DomainError as error:
            db.session.rollback()
            flash(translated(error), "error")
            return redirect(url_for("expert_work.offers"))
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("expert_work.offers"))
    return render_template("bookings/invitation.html", invitation=invitation,
                           order=invitation.order,
                           offer=offer_for(invitation.order, current_user.expert_profile),
                           form=form)


@expert_bp.route("/orders/<int:order_id>/withdraw", methods=["GET", "POST"])
@role_required(EXPERT)
def withdraw(order_id: int):
    mine = [a for a in assignments_of_expert(current_user)
            if a.order_id == order_id and a.status == "booked" and a.starts_at > utcnow()]
    if not mine:
        abort(404)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw_from_order(current_user, order_id, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            flash(translated(error), "error")
        else:
            db.session.commit()
            flash(_("Your booking is cancelled. Take care of yourself – we will find "
                    "another expert."), "success")
        return redirect(url_for("expert_work.offers"))
    return render_template("bookings/withdraw.html", order=mine[0].order, assignments=mine,
                           form=form)


@expert_bp.route("/assignments/<int:assignment_id>")
@role_required(EXPERT)
def task(assignment_id: int):
    """Everything the booked expert needs for one piece of work, and what to do next."""
    try:
        assignment = completion.assignment_of_expert(current_user, assignment_id)
    except NotFound:
        abort(404)
    order, now = assignment.order, utcnow()
    place = venue_text(order) if not order.remote else ""
    return render_template(
        "bookings/task.html", assignment=assignment, order=order,
        offer=offer_for(order, current_user.expert_profile), contact=order_contact(order),
        map_url=("https://www.openstreetmap.org/search?query=" + quote_plus(place)
                 if place else None),
        can_withdraw=assignment.status == "booked" and assignment.starts_at > now,
        can_report=assignment.status in ("booked", "disputed") and assignment.starts_at <= now)


@expert_bp.route("/assignments/<int:assignment_id>/calendar.ics")
@role_required(EXPERT)
def task_calendar(assignment_id: int):
    """The work as a calendar file (the same entry as the booking mail's invitation)."""
    try:
        assignment = completion.assignment_of_expert(current_user, assignment_id)
    except NotFound:
        abort(404)
    response = Response(single_assignment_ics(assignment), mimetype="text/calendar")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="kokemuspankki-{assignment.id}.ics"')
    return response


# --- Reporting and confirming the work -------------------------------------------------------

def _moment(day, clock):
    return helsinki_to_utc(day, clock) if day and clock else None


def report_data(form: ReportForm, receipt_path: str | None = None) -> completion.ReportData:
    return completion.ReportData(
        duration_minutes=form.duration_minutes.data, remote=form.remote.data,
        km_driven=form.km_driven.data or Decimal("0"), passengers=form.passengers.data or 0,
        public_transport_eur=form.public_transport_eur.data or Decimal("0"),
        parking_eur=form.parking_eur.data or Decimal("0"),
        one_way_km=form.one_way_km.data or Decimal("0"),
        departure_at=_moment(form.departure_date.data, form.departure_time.data),
        return_at=_moment(form.return_date.data, form.return_time.data),
        free_meals=form.free_meals.data or 0, receipt_path=receipt_path,
    )


@expert_bp.route("/assignments/<int:assignment_id>/report", methods=["GET", "POST"])
@role_required(EXPERT)
def report(assignment_id: int):
    try:
        assignment = completion.assignment_of_expert(current_user, assignment_id)
    except NotFound:
        abort(404)
    form = ReportForm()
    if request.method == "GET":
        session = assignment.session
        form.duration_minutes.data = session.duration_minutes
        form.remote.data = assignment.order.remote
        form.departure_date.data = form.return_date.data = to_helsinki(session.starts_at).date()
    priced, error_text = None, None
    if form.validate_on_submit():
        try:
            priced = completion.price_report(assignment, report_data(form))
            if request.form.get("action") == "send":
                _send_report(assignment.id, form)
                flash(_("Thank you! Your report was sent. The organisation confirms it, and "
                        "then your payment is prepared."), "success")
                return redirect(url_for("expert_work.offers"))
        except FeeError as error:
            error_text = fee_error_text(error)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
    status = 422 if request.method == "POST" and (form.errors or error_text) else 200
    return render_template("bookings/report.html", form=form, assignment=assignment,
                           order=assignment.order, priced=priced, error_text=error_text,
                           lines=[(describe_line(line, _, **line_formats()), line.amount)
                                  for line in priced.lines] if priced else []), status


@expert_bp.route("/assignments/<int:assignment_id>/reply", methods=["GET", "POST"])
@role_required(EXPERT)
def dispute_reply(assignment_id: int):
    """The expert tells their side of a disputed report."""
    assignment = guard(completion.assignment_of_expert, current_user, assignment_id)
    if assignment.report is None:
        abort(404)
    form = DisputeReplyForm()
    if request.method == "GET" and assignment.report.expert_reply:
        form.reply.data = assignment.report.expert_reply
    if form.validate_on_submit() and attempt(
        lambda: completion.reply_to_dispute(current_user, assignment.id, form.reply.data),
        form=form, success=_("Thank you. The coordinator reads your answer."),
    ).ok:
        return redirect(url_for("expert_work.offers"))
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template("bookings/dispute_reply.html", assignment=assignment,
                           order=assignment.order, report=assignment.report, form=form), status


def _send_report(assignment_id: int, form: ReportForm) -> None:
    """Store the receipt, report and commit; a report that fails leaves no file behind."""
    receipt = _store_receipt(form)
    try:
        completion.report_assignment(current_user, assignment_id, report_data(form, receipt))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        remove_stored(receipt)
        raise


@receipts_bp.route("/<int:assignment_id>/receipt")
@role_required(EXPERT, COORDINATOR, FINANCE)
def receipt(assignment_id: int):
    """The receipt of a work report, as a download (the read of another's receipt is audited)."""
    try:
        found = completion.receipt_for_reader(current_user, assignment_id)
    except DomainError as error:
        db.session.rollback()
        abort(error.status)
    db.session.commit()
    response = send_file(found.path, mimetype=found.kind.mimetype, as_attachment=True,
                         download_name=found.download_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _store_receipt(form: ReportForm) -> str | None:
    upload = form.receipt.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    content, kind = read_upload(upload.stream, "receipt")
    return store_upload(content, kind, "receipts")


@bp.route("/<int:order_id>/assignments/<int:assignment_id>", methods=["GET", "POST"])
@role_required(ORGANISATION_MEMBER)
def confirm(order_id: int, assignment_id: int):
    """The organisation confirms the reported work, or says what is not right."""
    try:
        order = order_for_reader(current_user, order_id)
        assignment = completion.assignment_for_confirmer(current_user, assignment_id)
    except NotFound:
        abort(404)
    if assignment.order_id != order.id:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            if request.form.get("answer") == "dispute":
                completion.dispute_assignment(current_user, assignment.id, form.reason.data or "")
                message = _("Thank you. The bank's coordinator checks the report.")
            else:
                completion.confirm_assignment(current_user, assignment.id)
                message = _("Thank you! The work is confirmed and the expert will be paid.")
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("bookings.order_detail", order_id=order.id))
    priced = None
    if assignment.report is not None:
        priced = completion.price_report(assignment, completion.report_claim(assignment.report))
    return render_template("bookings/confirm.html", order=order, assignment=assignment,
                           form=form, priced=priced), (
        422 if request.method == "POST" and form.errors else 200)
