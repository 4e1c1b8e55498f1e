"""Calendar subscriptions: the secret feed address (no sign-in) and the page that shows and
resets it for experts and organisation members."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.access import role_required
from app.accounts.models import EXPERT, ORGANISATION_MEMBER
from app.bookings.feeds import (
    calendar_feed_of,
    feed_by_secret,
    feed_ics,
    feed_url,
    reset_calendar_feed,
)
from app.bookings.forms import ResetCalendarForm
from app.common.errors import NotFound
from app.extensions import db
from app.web.actions import attempt, guard

bp = Blueprint("calendar_feed", __name__)


@bp.route("/calendar/<secret>.ics")
def feed(secret: str):
    try:
        found = feed_by_secret(secret)
    except NotFound:
        abort(404)
    response = Response(feed_ics(found), mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Disposition"] = 'inline; filename="kokemuspankki.ics"'
    return response


@bp.route("/calendar")
@role_required(EXPERT, ORGANISATION_MEMBER)
def settings():
    feed_row = guard(calendar_feed_of, current_user)
    db.session.commit()  # the address is made on the first visit
    return render_template("bookings/calendar_feed.html", url=feed_url(feed_row),
                           form=ResetCalendarForm())


@bp.route("/calendar/reset", methods=["POST"])
@role_required(EXPERT, ORGANISATION_MEMBER)
def reset():
    form = ResetCalendarForm()
    if form.validate_on_submit():
        attempt(lambda: reset_calendar_feed(current_user),
                success=_("Your calendar has a new address. The old address no longer works: "
                          "add the new one to your calendar app."))
    return redirect(url_for("calendar_feed.settings"))
