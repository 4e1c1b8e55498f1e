"""iCalendar (.ics) invitations for booked experts: stable UID, growing SEQUENCE."""

from __future__ import annotations

from icalendar import Calendar, Event

from app.bookings.models import Assignment
from app.common.timeutil import utcnow


def assignment_uid(assignment: Assignment) -> str:
    return f"assignment-{assignment.id}@kokemuspankki"


def assignment_ics(assignment: Assignment, *, cancelled: bool = False) -> str:
    """A REQUEST (or CANCEL) for the assignment's calendar entry."""
    order = assignment.order
    calendar = Calendar()
    calendar.add("prodid", "-//Kokemuspankki//Booking//FI")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", assignment_uid(assignment))
    event.add("sequence", assignment.calendar_sequence)
    event.add("summary", order.title)
    event.add("dtstart", assignment.starts_at)
    event.add("dtend", assignment.ends_at)
    event.add("dtstamp", utcnow())
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if order.remote:
        event.add("location", "Etä / Remote")
    else:
        place = ", ".join(p for p in (order.address, order.municipality.name_fi
                                      if order.municipality else "") if p)
        event.add("location", place)
    if order.description:
        event.add("description", order.description)
    calendar.add_component(event)
    return calendar.to_ical().decode()
