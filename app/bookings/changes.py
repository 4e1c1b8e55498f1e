"""Changing an order before it starts: the experts are told, colliding bookings released.

Invited experts get the new details; booked experts get an updated calendar entry (the
same UID, a higher SEQUENCE). A booked expert whom the new time collides with other
booked work or declared unavailability is released politely, the place reopens and the
cascade invites the next candidate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.accounts.models import User
from app.audit.services import record_audit
from app.bookings import services
from app.bookings.calendar import assignment_ics
from app.bookings.models import Assignment, Order
from app.bookings.states import ASSIGNMENT
from app.common.errors import Conflict, InvalidInput
from app.common.timeutil import utcnow
from app.extensions import db
from app.reference.models import Municipality

#: Orders that may still be changed (and then only before they start).
CHANGEABLE_STATUSES = (*services.OPEN_ORDER_STATUSES, "filled")
#: The cancel reason of a booking released because the order's new time collided.
RELEASED_REASON = "The time of the order changed."
TEXT_LIMITS = {"title": 200, "address": 300, "audience": 300, "accessibility": 500}


@dataclass(frozen=True)
class OrderChange:
    """The new values; ``None`` leaves a field as it is."""

    title: str | None = None
    description: str | None = None
    starts_at: datetime | None = None
    duration_minutes: int | None = None
    remote: bool | None = None
    municipality_code: str | None = None
    address: str | None = None
    audience: str | None = None
    accessibility: str | None = None


@dataclass
class ChangeResult:
    order: Order
    #: The fields whose value changed.
    changed: list[str] = field(default_factory=list)
    #: Bookings released because the new time collided with the expert's other plans.
    released: list[Assignment] = field(default_factory=list)
    #: Bookings that stay, told with an updated calendar entry.
    updated: list[Assignment] = field(default_factory=list)
    invited: int = 0


def _validate(order: Order, change: OrderChange, now: datetime) -> None:
    if change.title is not None and not change.title.strip():
        raise InvalidInput("Give the order a title.", code="missing_title", field="title")
    for name, limit in TEXT_LIMITS.items():
        value = getattr(change, name)
        if value is not None and len(value.strip()) > limit:
            raise InvalidInput("The text is too long (at most %(limit)s characters).",
                               code="too_long", field=name, values={"limit": limit})
    if (change.starts_at is not None or change.duration_minutes is not None) \
            and order.is_series:
        raise InvalidInput("The times of a series cannot be changed here. Ask the bank's "
                           "coordinator.", code="series_time_change", field="starts_at")
    if change.starts_at is not None and change.starts_at <= now:
        raise InvalidInput("The start time must be in the future.", code="start_in_past",
                           field="starts_at")
    if change.duration_minutes is not None and not 1 <= change.duration_minutes <= 1440:
        raise InvalidInput("The length must be 1–1440 minutes.", code="invalid_duration",
                           field="duration_minutes")
    remote = order.remote if change.remote is None else change.remote
    code = change.municipality_code if change.municipality_code is not None \
        else order.municipality_code
    if not remote and db.session.get(Municipality, code or "") is None:
        raise InvalidInput("Choose the municipality of the place, or choose remote work.",
                           code="unknown_municipality", field="municipality_code")


def change_order(actor: User, order_id: int, change: OrderChange,
                 now: datetime | None = None) -> ChangeResult:
    """Apply ``change`` to an order that has not started; tell and release experts."""
    now = now or utcnow()
    order = services._lock_order(order_id)
    services.check_manager(actor, order)
    if services.has_started(order, now):
        raise Conflict("The work has already started, so the order can no longer be changed.",
                       code="already_started")
    if order.status not in CHANGEABLE_STATUSES:
        raise Conflict("This order can no longer be changed.", code="order_not_changeable")
    _validate(order, change, now)
    result = ChangeResult(order)
    for name in ("title", "description", "address", "audience", "accessibility"):
        value = getattr(change, name)
        if value is not None and value.strip() != getattr(order, name):
            setattr(order, name, value.strip())
            result.changed.append(name)
    if change.remote is not None and change.remote != order.remote:
        order.remote = change.remote
        result.changed.append("remote")
    if order.remote:
        if order.municipality_code is not None or order.address:
            order.municipality_code, order.address = None, ""
            result.changed.append("municipality_code")
    elif change.municipality_code is not None and \
            change.municipality_code != order.municipality_code:
        order.municipality_code = change.municipality_code
        result.changed.append("municipality_code")
    session = order.sessions[0]
    if change.starts_at is not None and change.starts_at != session.starts_at:
        session.starts_at = change.starts_at
        result.changed.append("starts_at")
    if change.duration_minutes is not None and change.duration_minutes != \
            session.duration_minutes:
        session.duration_minutes = change.duration_minutes
        result.changed.append("duration_minutes")
    if not result.changed:
        return result
    db.session.flush()
    record_audit(actor, "order_changed", "order", order.id, fields=result.changed)
    if {"starts_at", "duration_minutes"} & set(result.changed):
        _move_bookings(order, now, result)
    for assignment in order.assignments:
        if assignment.status == "booked" and assignment not in result.released:
            assignment.calendar_sequence += 1
            result.updated.append(assignment)
            _tell_booked(assignment, result.changed)
    for invitation in order.invitations:
        if invitation.status == "pending":
            services._mail_expert(invitation.expert, "invitation_changed", "invitation_changed",
                                  order=order, invitation=invitation)
    if result.released:
        services._after_lost_booking(order, now)
        db.session.flush()
        result.invited = len(services.cascade_order(order, now))
    db.session.flush()
    return result


def _move_bookings(order: Order, now: datetime, result: ChangeResult) -> None:
    """Move the bookings and invitation deadlines to the new time; release the experts
    whose other plans collide with it."""
    bounds = services.session_bounds(order)
    for invitation in order.invitations:
        if invitation.status == "pending":
            invitation.expires_at = min(invitation.expires_at, order.sessions[0].starts_at)
    by_session = dict(zip((s.id for s in order.sessions), bounds, strict=True))
    for assignment in order.assignments:
        if assignment.status != "booked":
            continue
        assignment.starts_at, assignment.ends_at = by_session[assignment.session_id]
    db.session.flush()
    experts = sorted({a.expert_id for a in order.assignments if a.status == "booked"})
    for expert_id in experts:
        if not services.collides(expert_id, bounds, excluding_order_id=order.id):
            continue
        for assignment in order.assignments:
            if assignment.expert_id == expert_id and assignment.status == "booked":
                _release(assignment, now)
                result.released.append(assignment)


def _release(assignment: Assignment, now: datetime) -> None:
    ASSIGNMENT.apply(assignment, "cancel_by_organisation")
    assignment.cancelled_at = now
    assignment.cancel_reason = RELEASED_REASON
    assignment.calendar_sequence += 1
    record_audit(None, "booking_released", "assignment", assignment.id,
                 order=assignment.order_id)
    db.session.flush()
    services._mail_expert(assignment.expert, "booking_released", "booking_released",
                          ics=assignment_ics(assignment, cancelled=True),
                          assignment=assignment, order=assignment.order)


def _tell_booked(assignment: Assignment, changed: list[str]) -> None:
    db.session.flush()
    services._mail_expert(assignment.expert, "booking_changed", "booking_changed",
                          ics=assignment_ics(assignment), assignment=assignment,
                          order=assignment.order, changed=changed)
