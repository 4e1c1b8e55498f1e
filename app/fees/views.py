"""The public price page with its calculator, and the administrators' fee pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.access import role_required
from app.accounts.models import ADMIN
from app.common.errors import DomainError
from app.common.timeutil import to_helsinki, utcnow
from app.extensions import db
from app.fees import services
from app.fees.errors import FeeError
from app.fees.forms import AssignmentTypeForm, QuoteForm, TravelRatesForm, schedule_form_class
from app.fees.rules import TravelClaim, describe_line
from app.web.fields_errors import fee_error_text
from app.web.forms import attach_error
from app.web.templating import line_formats, localized_name

bp = Blueprint("fees", __name__)


def today_in_helsinki() -> date:
    return to_helsinki(utcnow()).date()


@bp.route("/prices")
def prices():
    """Fee rules, travel rules and current rates in plain language, plus a calculator."""
    today = today_in_helsinki()
    schedule = services.schedule_in_force(today)
    upcoming = [s for s in services.current_schedules() if s.effective_from > today]
    rates = services.travel_rates_for_year(today.year)
    types = services.active_assignment_types()
    form = QuoteForm(request.args, meta={"csrf": False})
    form.assignment_type.choices = [(t.code, localized_name(t)) for t in types]
    if not request.args:
        form.date.data = today
        form.duration_minutes.data = 45
    result, lines, error = None, [], None
    if request.args and form.validate():
        try:
            travel = None if form.remote.data else TravelClaim.from_mapping(form.travel_fields())
            result = services.quote(form.assignment_type.data, form.duration_minutes.data,
                                    form.date.data, remote=form.remote.data, travel=travel)
            lines = [(describe_line(line, _, **line_formats()), line.amount)
                     for line in result.lines]
        except FeeError as fee_error:
            error = fee_error_text(fee_error)
    status = 422 if request.args and (form.errors or error) else 200
    return render_template("fees/prices.html", schedule=schedule, upcoming=upcoming,
                           rates=rates, year=today.year, form=form, result=result, lines=lines,
                           error=error), status


@bp.route("/admin/fees")
@role_required(ADMIN)
def admin_fees():
    return render_template("fees/admin_fees.html", schedules=services.current_schedules(),
                           rates=services.all_travel_rates(),
                           types=services.active_assignment_types())


@bp.route("/admin/fees/schedules/new", methods=["GET", "POST"])
@role_required(ADMIN)
def new_schedule():
    types = services.active_assignment_types()
    form = schedule_form_class([(t.code, localized_name(t)) for t in types])()
    if request.method == "GET":
        current = services.fee_rules(services.schedule_in_force(today_in_helsinki()))
        for kind in types:
            rule = current.get(kind.code)
            subform = getattr(form, f"rule_{kind.code}")
            if rule:
                subform.amount.data = rule.amount
                subform.unit_minutes.data = rule.unit_minutes
    if form.validate_on_submit():
        rules = {}
        for kind in types:
            subform = getattr(form, f"rule_{kind.code}")
            if subform.amount.data is not None:
                if not subform.unit_minutes.data:
                    subform.unit_minutes.errors.append(_("Give the unit length in minutes."))
                    break
                rules[kind.code] = (Decimal(subform.amount.data).quantize(Decimal("0.01")),
                                    subform.unit_minutes.data)
        else:
            try:
                services.add_fee_schedule(current_user, form.name.data, form.effective_from.data,
                                          rules, today=today_in_helsinki())
            except DomainError as error:
                db.session.rollback()
                attach_error(form, error)
            else:
                db.session.commit()
                flash(_("The new fee schedule is saved."), "success")
                return redirect(url_for("fees.admin_fees"))
    return render_template("fees/new_schedule.html", form=form, types=types)


@bp.route("/admin/fees/rates/new", methods=["GET", "POST"])
@role_required(ADMIN)
def new_rates():
    form = TravelRatesForm()
    if form.validate_on_submit():
        try:
            services.add_travel_rates(
                current_user, form.year.data, form.car_per_km.data,
                form.passenger_per_km.data or Decimal("0"), form.per_diem_partial.data,
                form.per_diem_full.data, form.source.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The travel rates are saved."), "success")
            return redirect(url_for("fees.admin_fees"))
    return render_template("fees/new_rates.html", form=form)


@bp.route("/admin/fees/types/new", methods=["GET", "POST"])
@role_required(ADMIN)
def new_type():
    form = AssignmentTypeForm()
    if form.validate_on_submit():
        try:
            services.add_assignment_type(current_user, form.code.data, form.name_fi.data,
                                         form.name_sv.data, form.name_en.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The new type of work is saved. Give it a fee in a new fee schedule."),
                  "success")
            return redirect(url_for("fees.admin_fees"))
    return render_template("fees/new_type.html", form=form)
