"""The coordinator's pages: the work dashboard and matching experts to an order."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.accounts.access import role_required
from app.accounts.models import ADMIN, COORDINATOR
from app.bookings.forms import LANGUAGE_LABELS
from app.bookings.queries import booked_count, order_for_reader, orders_needing_attention
from app.bookings.services import OPEN_ORDER_STATUSES, invite_experts
from app.common.errors import DomainError, translated
from app.experts.queries import verification_queue
from app.extensions import db
from app.matching.services import match_order
from app.matching.texts import describe_all
from app.organisations.services import vetting_queue

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
    )
