"""The finance pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.accounts.access import role_required
from app.accounts.models import ADMIN, FINANCE
from app.payouts.queries import batches, payout_items, status_totals

bp = Blueprint("payouts", __name__, url_prefix="/finance")


@bp.route("/")
@role_required(FINANCE, ADMIN)
def dashboard():
    return render_template(
        "payouts/dashboard.html",
        pending=payout_items("pending_approval"),
        totals=status_totals(),
        batches=batches(),
    )
