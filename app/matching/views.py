"""The coordinator's pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.accounts.access import role_required
from app.accounts.models import ADMIN, COORDINATOR
from app.bookings.queries import booked_count, orders_needing_attention
from app.experts.queries import verification_queue

bp = Blueprint("matching", __name__, url_prefix="/coordinator")


@bp.route("/")
@role_required(COORDINATOR, ADMIN)
def dashboard():
    return render_template(
        "matching/dashboard.html",
        applicants=verification_queue(),
        orders=orders_needing_attention(),
        booked_count=booked_count,
    )
