"""The participation reports page and its CSV (blueprint ``reports``): figures across
groups, orders and organisations for the bank's staff and each organisation."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import ORGANISATION_MEMBER
from app.common.timeutil import to_helsinki, utcnow
from app.extensions import db
from app.organisations.models import Organisation
from app.organisations.services import organisations_by_name
from app.participation import access
from app.participation.feedback import impact
from app.reports import services as reports
from app.reports.exports import figure_rows, figures_csv
from app.reports.forms import ReportFilterForm

bp = Blueprint("reports", __name__, url_prefix="/participation")


# --- Reports ------------------------------------------------------------------------------------


def _report_scope():
    """(period, organisation id or None for the whole bank, the filter form)."""
    user = current_user
    if not (access.is_staff(user) or user.role == ORGANISATION_MEMBER):
        abort(403)
    form = ReportFilterForm(request.args)
    form.organisation.choices = [(0, _("All organisations"))] + [
        (o.id, o.name) for o in organisations_by_name()]
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
    figures = reports.kept_figures(period, organisation_id,
                                   current_app.config["REPORT_CACHE_SECONDS"])
    overview = impact.report_back_overview(organisation_id)
    status = 422 if form.errors else 200
    return render_template(
        "reports/reports.html", figures=figures, form=form, overview=overview,
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
    figures = reports.kept_figures(period, organisation_id,
                                   current_app.config["REPORT_CACHE_SECONDS"])
    filename = f"participation-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(figures_csv(figures), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
