"""The organisation's order pages: the order form with its price estimate, order details."""

from __future__ import annotations

from datetime import time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.access import role_required
from app.accounts.models import ORGANISATION_MEMBER
from app.bookings import services
from app.bookings.forms import OrderForm
from app.bookings.queries import booked_count, order_for_reader
from app.common.errors import DomainError, NotFound
from app.common.timeutil import helsinki_to_utc
from app.extensions import db
from app.fees.errors import FeeError
from app.fees.estimate import SessionPlan, estimate_order
from app.fees.services import active_assignment_types
from app.reference.queries import expertise_areas, municipality_choices
from app.web.fields_errors import fee_error_text
from app.web.forms import attach_error
from app.web.templating import current_language, localized_name

bp = Blueprint("bookings", __name__, url_prefix="/organisation/orders")


def _with_choices(form: OrderForm) -> OrderForm:
    language = current_language()
    form.assignment_type.choices = [("", _("Choose the type of work"))] + [
        (t.code, localized_name(t)) for t in active_assignment_types()
    ]
    form.expertise_areas.choices = [(a.slug, a.name(language)) for a in expertise_areas()]
    form.municipality_code.choices = municipality_choices(language)
    return form


def session_requests(form: OrderForm) -> list[services.SessionRequest]:
    """The sessions the form describes (one, or three for the series)."""
    start: time = form.start_time.data
    minutes = form.duration_minutes.data
    if form.kind.data != services.CO_DEVELOPMENT_TEMPLATE:
        return [services.SessionRequest(helsinki_to_utc(form.date.data, start), minutes)]
    days = [form.date.data, form.second_date.data, form.third_date.data]
    missing = [f for f, d in zip((form.second_date, form.third_date), days[1:], strict=True)
               if d is None]
    for field in missing:
        field.errors = list(field.errors) + [_("Give the date of each session of the series.")]
    if missing:
        return []
    return [
        services.SessionRequest(helsinki_to_utc(day, start), minutes, str(title), str(agenda))
        for day, (title, agenda) in zip(days, services.CO_DEVELOPMENT_SESSIONS, strict=True)
    ]


def order_request(form: OrderForm, sessions) -> services.OrderRequest:
    deadline = None
    if form.deadline_date.data:
        deadline = helsinki_to_utc(form.deadline_date.data, time(23, 59))
    return services.OrderRequest(
        title=form.title.data or "", assignment_type=form.assignment_type.data,
        expertise_areas=list(form.expertise_areas.data or []), language=form.language.data,
        experts_needed=form.experts_needed.data, sessions=sessions, remote=form.remote.data,
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
        if valid and sessions and request.form.get("action") == "submit":
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
@role_required(ORGANISATION_MEMBER)
def order_detail(order_id: int):
    try:
        order = order_for_reader(current_user, order_id)
    except NotFound:
        abort(404)
    return render_template("organisations/order_detail.html", order=order,
                           booked=booked_count(order))
