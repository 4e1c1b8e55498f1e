"""The expert's own pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from app.accounts.access import role_required
from app.accounts.models import EXPERT
from app.bookings.queries import assignments_of_expert, invitations_of_expert
from app.common.timeutil import utcnow

bp = Blueprint("experts", __name__, url_prefix="/expert")


@bp.route("/")
@role_required(EXPERT)
def dashboard():
    profile = current_user.expert_profile
    now = utcnow()
    assignments = assignments_of_expert(current_user)
    invitations = [i for i in invitations_of_expert(current_user) if i.status == "pending"]
    upcoming = [a for a in assignments if a.status == "booked" and a.starts_at >= now]
    to_report = [a for a in assignments if a.status == "booked" and a.ends_at < now]
    return render_template(
        "experts/dashboard.html",
        profile=profile,
        invitations=invitations,
        upcoming=upcoming,
        to_report=to_report,
    )
