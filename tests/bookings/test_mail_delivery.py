"""The outbox over a real SMTP server on loopback (aiosmtpd), with calendar invitations."""

from __future__ import annotations

import email
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import select

from app.bookings import services
from app.common.timeutil import utcnow
from app.extensions import db
from app.mail.models import OutboxMessage
from app.mail.services import deliver_pending


class Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    port = free_port()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    yield collector, controller, port
    try:
        controller.stop()
    except Exception:  # noqa: BLE001 - already stopped by the test
        pass


def calendar_of(message) -> Calendar:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_payload(decode=True))
    raise AssertionError("no calendar attachment")


def test_booking_mail_arrives_with_a_valid_ics(world, coordinator, now, smtp):
    collector, _controller, _port = smtp
    expert = world["experts"][0]
    (invitation,) = services.invite_experts(coordinator, world["order"], [expert.id], now)
    (assignment,) = services.accept_invitation(expert.user, invitation.id, now)
    db.session.commit()
    sent = deliver_pending(utcnow() + timedelta(seconds=1))  # everything queued is due
    assert sent >= 2  # the invitation and the booking (plus the order's notices)
    booking = [m for m in collector.messages if m["To"] == expert.user.email
               and any(part.get_content_type() == "text/calendar" for part in m.walk())]
    assert len(booking) == 1
    event = calendar_of(booking[0]).walk("VEVENT")[0]
    assert str(event["UID"]) == f"assignment-{assignment.id}@kokemuspankki"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == assignment.starts_at
    assert event.decoded("DTEND") == assignment.ends_at
    assert deliver_pending(utcnow() + timedelta(minutes=5)) == 0  # nothing is sent twice


def test_outbox_keeps_mail_while_smtp_is_down_and_delivers_it_later(world, coordinator, now,
                                                                    smtp):
    collector, controller, port = smtp
    controller.stop()
    expert = world["experts"][0]
    services.invite_experts(coordinator, world["order"], [expert.id], now)
    db.session.commit()
    first_try = utcnow() + timedelta(seconds=1)  # after the mail was queued
    assert deliver_pending(first_try) == 0
    waiting = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "invitation")).one()
    assert waiting.status == "pending" and waiting.attempts == 1 and waiting.last_error
    assert waiting.next_attempt_at == first_try + timedelta(minutes=1)
    assert deliver_pending(first_try + timedelta(seconds=30)) == 0  # not due yet: back-off
    assert waiting.attempts == 1

    restarted = Controller(collector, hostname="127.0.0.1", port=port)
    restarted.start()
    try:
        assert deliver_pending(first_try + timedelta(minutes=2)) == 1
        assert waiting.status == "sent"
        assert deliver_pending(first_try + timedelta(minutes=10)) == 0
        assert [m["To"] for m in collector.messages] == [expert.user.email]
    finally:
        restarted.stop()


def test_changed_and_cancelled_bookings_update_the_same_calendar_entry(world, coordinator, now):
    expert = world["experts"][0]
    (invitation,) = services.invite_experts(coordinator, world["order"], [expert.id], now)
    (assignment,) = services.accept_invitation(expert.user, invitation.id, now)
    services.withdraw_from_order(expert.user, world["order"].id, None, now)
    icses = [m.ics for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.ics.is_not(None)).order_by(OutboxMessage.id))]
    events = [Calendar.from_ical(text).walk("VEVENT")[0] for text in icses]
    assert {str(e["UID"]) for e in events} == {f"assignment-{assignment.id}@kokemuspankki"}
    assert [int(e["SEQUENCE"]) for e in events] == [0, 1]
    assert str(events[1]["STATUS"]) == "CANCELLED"
