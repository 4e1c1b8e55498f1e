"""iCalendar (.ics) for booked experts and organisations: stable UID, growing SEQUENCE.

Every calendar the bank sends or serves names the bank as ORGANIZER and the people taking
part as ATTENDEE with their PARTSTAT (RFC 5546); a mail says REQUEST or CANCEL, a
subscription feed says PUBLISH.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

from app.bookings.models import Assignment, Order, OrderSession
from app.common.timeutil import utcnow
from app.mail.services import bank_address
from app.web.templating import absolute_url

#: Assignment states in which the expert has said yes to the work.
_DECLINED = ("cancelled_by_expert",)
_CANCELLED = ("cancelled_by_organisation", "cancelled_by_expert")


def assignment_uid(assignment: Assignment) -> str:
    return f"assignment-{assignment.id}@kokemuspankki"


def session_uid(session: OrderSession) -> str:
    return f"order-{session.order_id}-session-{session.id}@kokemuspankki"


def venue_text(order: Order) -> str:
    """Where the work is, without empty parts ("Etä / Remote" for remote work)."""
    if order.remote:
        return "Etä / Remote"
    parts = (order.address.strip() if order.address else "",
             order.municipality.name_fi if order.municipality else "")
    return ", ".join(p for p in parts if p)


def _organizer() -> vCalAddress:
    name, address = bank_address()
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = vText(name)
    return organizer


def _attendee(email: str, name: str, partstat: str) -> vCalAddress:
    attendee = vCalAddress(f"mailto:{email}")
    attendee.params["cn"] = vText(name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText(partstat)
    attendee.params["rsvp"] = vText("FALSE")
    return attendee


def _expert_attendee(assignment: Assignment) -> vCalAddress:
    user = assignment.expert.user
    partstat = "DECLINED" if assignment.status in _DECLINED else "ACCEPTED"
    return _attendee(user.email, assignment.expert.display_name or user.full_name, partstat)


def _event(uid: str, sequence: int, order: Order, starts_at: datetime, ends_at: datetime,
           *, cancelled: bool, url: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("summary", order.title)
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("dtstamp", stamp)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("location", venue_text(order))
    event.add("url", url)
    description = "\n\n".join(p for p in (order.description, order.accessibility, url) if p)
    event.add("description", description)
    event.add("organizer", _organizer())
    return event


def _calendar(method: str, name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Kokemuspankki//Booking//FI")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def assignment_event(assignment: Assignment, *, cancelled: bool = False,
                     stamp: datetime | None = None) -> Event:
    """The expert's calendar entry of one booked assignment."""
    event = _event(assignment_uid(assignment), assignment.calendar_sequence, assignment.order,
                   assignment.starts_at, assignment.ends_at, cancelled=cancelled,
                   url=absolute_url("expert_work.task", assignment_id=assignment.id),
                   stamp=stamp or utcnow())
    event.add("attendee", _expert_attendee(assignment))
    return event


def assignment_ics(assignment: Assignment, *, cancelled: bool = False) -> str:
    """A REQUEST (or CANCEL) for the assignment's calendar entry, sent by mail."""
    calendar = _calendar("CANCEL" if cancelled else "REQUEST")
    calendar.add_component(assignment_event(assignment, cancelled=cancelled))
    return calendar.to_ical().decode()


def assignments_ics(assignments: Iterable[Assignment], *, cancelled: bool = False) -> str:
    """One REQUEST (or CANCEL) for several of an expert's entries at once: every session of
    a series in one mail, each entry with its own UID and SEQUENCE."""
    calendar = _calendar("CANCEL" if cancelled else "REQUEST")
    stamp = utcnow()
    for assignment in assignments:
        calendar.add_component(assignment_event(assignment, cancelled=cancelled, stamp=stamp))
    return calendar.to_ical().decode()


def single_assignment_ics(assignment: Assignment) -> str:
    """One assignment to add to a calendar by hand (PUBLISH, the booking's UID)."""
    cancelled = assignment.status in _CANCELLED
    calendar = _calendar("PUBLISH")
    calendar.add_component(assignment_event(assignment, cancelled=cancelled))
    return calendar.to_ical().decode()


def expert_feed_ics(assignments: Iterable[Assignment], name: str) -> str:
    """The expert's subscription feed (PUBLISH): their booked and done work."""
    calendar = _calendar("PUBLISH", name)
    stamp = utcnow()
    for assignment in assignments:
        calendar.add_component(assignment_event(
            assignment, cancelled=assignment.status in _CANCELLED, stamp=stamp))
    return calendar.to_ical().decode()


def organisation_feed_ics(orders: Iterable[Order], subscriber, name: str) -> str:
    """An organisation's subscription feed (PUBLISH): one entry per session of its orders,
    with the subscribing member and the booked experts as attendees."""
    calendar = _calendar("PUBLISH", name)
    stamp = utcnow()
    for order in orders:
        cancelled = order.status == "cancelled"
        url = absolute_url("bookings.order_detail", order_id=order.id)
        for session in order.sessions:
            event = _event(session_uid(session), 0, order, session.starts_at,
                           _session_end(session), cancelled=cancelled, url=url, stamp=stamp)
            event.add("attendee", _attendee(subscriber.email, subscriber.full_name, "ACCEPTED"))
            for assignment in order.assignments:
                if assignment.session_id == session.id and assignment.status not in _CANCELLED:
                    event.add("attendee", _expert_attendee(assignment))
            calendar.add_component(event)
    return calendar.to_ical().decode()


def _session_end(session: OrderSession) -> datetime:
    return session.starts_at + timedelta(minutes=session.duration_minutes)
