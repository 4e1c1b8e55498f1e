"""The expert's page of a booked task, its .ics download, the calendar subscription page and
the order page's timeline: each checked against the reader."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import vobject
from icalendar import Calendar

from app.common.timeutil import utcnow
from app.extensions import db
from tests import factories
from tests.web.helpers import csrf_token, logged_in, page, use_english


def _booked(days: float, **order_fields):
    organiser = factories.member(is_admin=True, full_name="Outi Tilaaja", phone="040 123 4567")
    start = (utcnow() + timedelta(days=days)).replace(microsecond=0, second=0)
    order = factories.order(organiser.membership.organisation, created_by=organiser,
                            sessions=[(start, 45)], status="filled", title="Luento Porissa",
                            accessibility="Esteetön sisäänkäynti", **order_fields)
    expert = factories.expert(home_municipality_code="886")
    (assignment,) = factories.booking(order, expert)
    db.session.commit()
    return organiser, expert, order, assignment


def test_the_expert_sees_everything_about_a_coming_task(client):
    organiser, expert, order, assignment = _booked(5)
    logged_in(client, expert.user.email)
    use_english(client)
    response = client.get(f"/expert/work/assignments/{assignment.id}")
    assert response.status_code == 200
    text = page(response)
    for expected in ("Luento Porissa", "Itsenäisyydenkatu 33, Pori", "Outi Tilaaja",
                     organiser.email, "040 123 4567", "Esteetön sisäänkäynti",
                     "https://www.openstreetmap.org/search?query=", "€30.00"):
        assert expected in text, expected
    assert f"/expert/work/assignments/{assignment.id}/calendar.ics" in text
    assert f"/expert/work/orders/{order.id}/withdraw" in text
    assert f"/expert/work/assignments/{assignment.id}/report" not in text  # not yet


def test_after_the_work_the_task_page_offers_the_report_not_withdrawal(client):
    _, expert, order, assignment = _booked(-1)
    logged_in(client, expert.user.email)
    text = page(client.get(f"/expert/work/assignments/{assignment.id}"))
    assert f"/expert/work/assignments/{assignment.id}/report" in text
    assert f"/expert/work/orders/{order.id}/withdraw" not in text


def test_remote_task_has_no_map_and_no_travel(client):
    _, expert, _, assignment = _booked(5, remote=True)
    logged_in(client, expert.user.email)
    use_english(client)
    text = page(client.get(f"/expert/work/assignments/{assignment.id}"))
    assert "openstreetmap" not in text
    assert "No travel: remote work" in text


def test_another_expert_sees_neither_the_task_nor_its_calendar(client):
    _, _, _, assignment = _booked(5)
    other = factories.expert()
    db.session.commit()
    logged_in(client, other.user.email)
    for path in (f"/expert/work/assignments/{assignment.id}",
                 f"/expert/work/assignments/{assignment.id}/calendar.ics",
                 "/expert/work/assignments/999999"):
        assert client.get(path).status_code == 404, path


def test_the_organisation_has_no_expert_task_page(client):
    organiser, _, _, assignment = _booked(5)
    logged_in(client, organiser.email)
    assert client.get(f"/expert/work/assignments/{assignment.id}").status_code == 403


def test_add_to_calendar_gives_the_bookings_entry(client):
    _, expert, _, assignment = _booked(5)
    logged_in(client, expert.user.email)
    response = client.get(f"/expert/work/assignments/{assignment.id}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    event = Calendar.from_ical(text).walk("VEVENT")[0]
    assert str(event["UID"]) == f"assignment-{assignment.id}@kokemuspankki"
    assert str(event["ATTENDEE"]) == f"mailto:{expert.user.email}"
    parsed = vobject.readOne(text)
    assert parsed.method.value == "PUBLISH"
    assert parsed.vevent.organizer.value.startswith("mailto:")
    assert parsed.vevent.attendee.params["PARTSTAT"] == ["ACCEPTED"]


def test_calendar_page_shows_and_resets_the_address(csrf_client):
    _, expert, _, _ = _booked(5)
    form = csrf_client.get("/login")
    signed_in = csrf_client.post("/login", data={"email": expert.user.email,
                                                 "password": factories.DEFAULT_PASSWORD,
                                                 "csrf_token": csrf_token(form)})
    assert signed_in.status_code == 302
    response = csrf_client.get("/calendar")
    assert response.status_code == 200
    (old,) = set(re.findall(r"/calendar/([A-Za-z0-9_-]{48})\.ics", page(response)))
    assert csrf_client.get(f"/calendar/{old}.ics").status_code == 200
    assert csrf_client.post("/calendar/reset").status_code == 400  # no CSRF token: refused
    assert csrf_client.get(f"/calendar/{old}.ics").status_code == 200
    reset = csrf_client.post("/calendar/reset", data={"csrf_token": csrf_token(response)})
    assert reset.status_code == 302
    (new,) = set(re.findall(r"/calendar/([A-Za-z0-9_-]{48})\.ics",
                            page(csrf_client.get("/calendar"))))
    assert new != old
    assert csrf_client.get(f"/calendar/{old}.ics").status_code == 404
    assert csrf_client.get(f"/calendar/{new}.ics").status_code == 200


def test_staff_have_no_calendar_page(client):
    coordinator = factories.user("coordinator")
    db.session.commit()
    logged_in(client, coordinator.email)
    assert client.get("/calendar").status_code == 403


def test_the_order_page_shows_the_timeline(client):
    organiser, expert, order, _ = _booked(5)
    logged_in(client, organiser.email)
    use_english(client)
    text = page(client.get(f"/organisation/orders/{order.id}"))
    assert "Timeline" in text
    assert re.search(r"Experts booked</strong>\s*\(1 of 1\)", text)
    assert "Outi Tilaaja" in text


@pytest.mark.parametrize("name", ["booking_changed", "booking_released", "invitation_changed",
                                  "dispute_reply_request", "dispute_resolved",
                                  "order_cancelled_by_bank"])
def test_the_mails_of_changes_and_disputes_lead_to_their_page(name):
    """Each carries a deep link (``link(...)``, or the order's link) and writes the place
    with the shared part that leaves out an empty address ("Paikka: , Pori")."""
    from pathlib import Path

    source = (Path(__file__).resolve().parents[2] / "templates" / "mail"
              / f"{name}.txt").read_text()
    assert "link(" in source or '"mail/_order_link.txt"' in source
    assert "address=order.address" not in source
