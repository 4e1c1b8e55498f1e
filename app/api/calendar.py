"""The secret calendar subscription address of an expert or an organisation member."""

from __future__ import annotations

from flask import jsonify

from app.accounts.models import EXPERT, ORGANISATION_MEMBER
from app.api.core import current_api_user, operation
from app.bookings.feeds import calendar_feed_of, feed_url, reset_calendar_feed
from app.extensions import db

CALENDAR_SCHEMA = {
    "type": "object",
    "properties": {"url": {"type": "string", "description": "https://…/calendar/<secret>.ics; "
                                                           "serves text/calendar without sign-in"}},
    "required": ["url"],
}


@operation("/me/calendar", summary="The secret address of the user's calendar feed (an "
           "expert's booked work, an organisation's orders); made on first use",
           roles=(EXPERT, ORGANISATION_MEMBER), response_schema=CALENDAR_SCHEMA,
           responses=(200, 401, 403), tags=("calendar",))
def my_calendar():
    feed = calendar_feed_of(current_api_user())
    db.session.commit()
    return jsonify({"url": feed_url(feed)})


@operation("/me/calendar/reset", "POST", summary="A new secret calendar address; the old one "
           "answers 404 from now on", roles=(EXPERT, ORGANISATION_MEMBER),
           response_schema=CALENDAR_SCHEMA, responses=(200, 401, 403), tags=("calendar",))
def reset_my_calendar():
    feed = reset_calendar_feed(current_api_user())
    db.session.commit()
    return jsonify({"url": feed_url(feed)})
