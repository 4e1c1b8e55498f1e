"""Booking mails as real clients see them, through a real SMTP server on loopback (aiosmtpd):
plain text, HTML and the calendar entry side by side in ``multipart/alternative``; the MIME
``method`` is the iCalendar METHOD; ORGANIZER and ATTENDEE are there (RFC 5546), read by two
independent parsers; each mail links to the exact page, in the recipient's language."""

from __future__ import annotations

import email
import re
import socket
from datetime import timedelta

import pytest
import vobject
from aiosmtpd.controller import Controller
from icalendar import Calendar

from app.bookings import services
from app.common.timeutil import utcnow
from app.extensions import db
from app.mail.services import deliver_pending


class Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(app, monkeypatch):
    port = _free_port()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "BASE_URL", "https://pankki.example")
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    yield collector
    controller.stop()


def _deliver(collector: Collector, to: str) -> list:
    db.session.commit()
    deliver_pending(utcnow() + timedelta(seconds=1))
    return [m for m in collector.messages if m["To"] == to]


def _parts(message) -> dict:
    """content type → (part, text) of the leaves of the ``multipart/alternative``."""
    assert message.get_content_type() == "multipart/alternative"
    return {part.get_content_type(): (part, part.get_payload(decode=True).decode(
        part.get_content_charset() or "utf-8")) for part in message.get_payload()}


def _calendar_facts(text: str):
    """(METHOD, ORGANIZER, [(ATTENDEE, PARTSTAT)], UID, SEQUENCE) by icalendar and by vobject."""
    cal = Calendar.from_ical(text)
    (event,) = cal.walk("VEVENT")
    attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
    first = (str(cal["METHOD"]), str(event["ORGANIZER"]),
             [(str(a), str(a.params["PARTSTAT"])) for a in attendees], str(event["UID"]),
             int(event["SEQUENCE"]))
    other = vobject.readOne(text)
    (vevent,) = other.contents["vevent"]
    second = (other.method.value, vevent.organizer.value,
              [(a.value, a.params["PARTSTAT"][0]) for a in vevent.contents["attendee"]],
              vevent.uid.value, int(vevent.sequence.value))
    assert first == second
    return first


def _book(world, coordinator, now):
    expert = world["experts"][0]
    (invitation,) = services.invite_experts(coordinator, world["order"], [expert.id], now)
    (assignment,) = services.accept_invitation(expert.user, invitation.id, now)
    return expert, invitation, assignment


def test_booking_and_cancel_mails_are_invitations_real_clients_accept(world, coordinator, now,
                                                                      inbox):
    expert, invitation, assignment = _book(world, coordinator, now)
    mails = _deliver(inbox, expert.user.email)
    offer, booked = mails  # the work offer, then the booking with its calendar entry
    assert "text/calendar" not in _parts(offer)
    parts = _parts(booked)
    assert set(parts) == {"text/plain", "text/html", "text/calendar"}
    calendar_part, ics = parts["text/calendar"]
    assert calendar_part.get_param("method") == "REQUEST"
    method, organizer, attendees, uid, sequence = _calendar_facts(ics)
    assert method == "REQUEST"
    assert organizer == "mailto:noreply@kokemuspankki.local"
    assert attendees == [(f"mailto:{expert.user.email}", "ACCEPTED")]
    assert (uid, sequence) == (f"assignment-{assignment.id}@kokemuspankki", 0)

    services.withdraw_from_order(expert.user, world["order"].id, None, now)
    cancelled = _deliver(inbox, expert.user.email)[2:]
    ((cancel_part, cancel_ics),) = [p for m in cancelled for t, p in _parts(m).items()
                                    if t == "text/calendar"]
    assert cancel_part.get_param("method") == "CANCEL"
    method, organizer, attendees, uid, sequence = _calendar_facts(cancel_ics)
    assert method == "CANCEL"
    assert attendees == [(f"mailto:{expert.user.email}", "DECLINED")]
    assert (uid, sequence) == (f"assignment-{assignment.id}@kokemuspankki", 1)


def test_mails_link_to_the_exact_page_in_both_parts(world, coordinator, now, inbox):
    expert, invitation, assignment = _book(world, coordinator, now)
    offer, booked = _deliver(inbox, expert.user.email)
    for message, path in ((offer, f"/expert/work/invitations/{invitation.id}"),
                          (booked, f"/expert/work/assignments/{assignment.id}")):
        parts = _parts(message)
        url = f"https://pankki.example{path}"
        text, html = parts["text/plain"][1], parts["text/html"][1]
        assert url in text.split()
        assert f'<a href="{url}">{url}</a>' in html
        # The HTML part says what the text says: the same words once the tags are gone.
        words = re.sub(r"<[^>]+>", " ", html).replace("&quot;", '"').replace("&#x27;", "'")
        assert words.split()[-len(text.split()):] == text.split()


def test_mails_are_in_the_recipients_language(world, coordinator, now, inbox):
    expert = world["experts"][0]
    expert.user.language = "sv"
    _, invitation, _ = _book(world, coordinator, now)
    offer, booked = _deliver(inbox, expert.user.email)
    assert '<html lang="sv">' in _parts(booked)["text/html"][1]
    assert "Hej" in _parts(booked)["text/plain"][1]


def test_no_empty_address_parts(world, coordinator, now, inbox):
    world["order"].address = "  "
    expert, _, _ = _book(world, coordinator, now)
    offer, booked = _deliver(inbox, expert.user.email)
    for message in (offer, booked):
        text = _parts(message)["text/plain"][1]
        (where,) = [line for line in text.splitlines() if line.startswith("Paikka")]
        assert where == "Paikka: Pori", where
        assert ": ," not in text
    ics = _parts(booked)["text/calendar"][1]
    assert Calendar.from_ical(ics).walk("VEVENT")[0]["LOCATION"] == "Pori"
