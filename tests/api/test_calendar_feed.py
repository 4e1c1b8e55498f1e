"""GET /api/v1/me/calendar and POST /api/v1/me/calendar/reset: a secret feed address that
serves text/calendar without sign-in, read by two independent parsers (icalendar, vobject)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import vobject
from icalendar import Calendar

from app.bookings.models import Order
from app.experts.models import ExpertProfile
from app.extensions import db
from tests import factories
from tests.web.helpers import api_error, bearer

FEED_URL = re.compile(r"^https?://[^/]+/calendar/([A-Za-z0-9_-]{48})\.ics$")


def _book(app, cast, *orders: int) -> None:
    with app.app_context():
        expert = db.session.get(ExpertProfile, cast.expert_id)
        for order_id in orders:
            factories.booking(db.session.get(Order, order_id), expert)
        db.session.commit()


def _url(client, token: str) -> str:
    response = client.get("/api/v1/me/calendar", headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    url = response.get_json()["url"]
    assert FEED_URL.match(url), url
    return url


def _fetch(client, url: str):
    """The feed as a calendar app fetches it: no token, no cookie."""
    return client.get(urlsplit(url).path)


def _both_parsers(text: str):
    """The feed as icalendar and as vobject read it: (METHOD, [(uid, organizer, attendees)])."""
    first = Calendar.from_ical(text)
    by_icalendar = (str(first["METHOD"]), sorted(
        (str(e["UID"]), str(e["ORGANIZER"]),
         sorted((str(a), str(a.params["PARTSTAT"])) for a in _list(e.get("ATTENDEE"))))
        for e in first.walk("VEVENT")))
    second = vobject.readOne(text)
    by_vobject = (second.method.value, sorted(
        (e.uid.value, e.organizer.value,
         sorted((a.value, a.params["PARTSTAT"][0]) for a in e.contents.get("attendee", [])))
        for e in second.contents.get("vevent", [])))
    return by_icalendar, by_vobject


def _list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def test_expert_feed_serves_booked_work_without_sign_in(app, client, cast, token_of):
    _book(app, cast, cast.order_a, cast.order_b)
    url = _url(client, token_of("expert"))
    assert _url(client, token_of("expert")) == url  # the same address until it is reset
    response = _fetch(client, url)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    by_icalendar, by_vobject = _both_parsers(response.get_data(as_text=True))
    assert by_icalendar == by_vobject
    method, events = by_icalendar
    assert method == "PUBLISH"
    assert len(events) == 2
    for uid, organizer, attendees in events:
        assert uid.startswith("assignment-")
        assert organizer.startswith("mailto:") and "@" in organizer
        assert attendees == [(f"mailto:{cast.expert}", "ACCEPTED")]


def test_reset_makes_the_old_address_404(app, client, cast, token_of):
    _book(app, cast, cast.order_a)
    token = token_of("expert")
    old = _url(client, token)
    response = client.post("/api/v1/me/calendar/reset", headers=bearer(token))
    assert response.status_code == 200
    new = response.get_json()["url"]
    assert FEED_URL.match(new) and new != old
    assert _fetch(client, old).status_code == 404
    assert _fetch(client, new).status_code == 200
    assert _url(client, token) == new


def test_organisation_feed_shows_only_its_own_orders(app, client, cast, token_of):
    _book(app, cast, cast.order_a)
    url = _url(client, token_of("a_member"))
    assert _url(client, token_of("a_admin")) != url  # each member has their own address
    text = _fetch(client, url).get_data(as_text=True)
    assert cast.order_a_title in text
    assert cast.order_b_title not in text
    by_icalendar, by_vobject = _both_parsers(text)
    assert by_icalendar == by_vobject
    method, events = by_icalendar
    assert method == "PUBLISH"
    ((uid, organizer, attendees),) = events
    assert uid.startswith(f"order-{cast.order_a}-session-")
    assert organizer.startswith("mailto:")
    assert (f"mailto:{cast.a_member}", "ACCEPTED") in attendees
    assert (f"mailto:{cast.expert}", "ACCEPTED") in attendees


@pytest.mark.parametrize("who", ["coordinator", "finance", "admin"])
def test_staff_have_no_feed(client, token_of, who):
    token = token_of(who)
    api_error(client.get("/api/v1/me/calendar", headers=bearer(token)), 403)
    api_error(client.post("/api/v1/me/calendar/reset", headers=bearer(token)), 403)


def test_feed_needs_a_token(client):
    assert client.get("/api/v1/me/calendar").status_code == 401
    assert client.post("/api/v1/me/calendar/reset").status_code == 401


def test_guessed_and_altered_addresses_are_404(client, cast, token_of):
    url = _url(client, token_of("expert"))
    secret = FEED_URL.match(url).group(1)
    altered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for path in (f"/calendar/{altered}.ics", f"/calendar/{secret[:16]}.ics",
                 f"/calendar/{secret}x.ics", "/calendar/" + "A" * 48 + ".ics",
                 f"/calendar/{secret[:16]}" + "é" * 32 + ".ics"):
        assert client.get(path).status_code == 404, path


def test_a_closed_account_loses_the_feed(app, client, cast, token_of):
    url = _url(client, token_of("a_member"))
    with app.app_context():
        from app.accounts.models import User

        user = db.session.get(User, cast.a_member_id)
        user.active = False
        db.session.commit()
    assert _fetch(client, url).status_code == 404


def test_the_calendar_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/me/calendar"]
    assert "post" in paths["/api/v1/me/calendar/reset"]
    schema = paths["/api/v1/me/calendar"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    assert schema["required"] == ["url"]
