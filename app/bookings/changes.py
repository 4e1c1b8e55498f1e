"""Changing an order before it starts: the experts are told, colliding bookings released.

Invited experts get the new details; booked experts get an updated calendar entry (the
same UID, a higher SEQUENCE). A booked expert whom the new time collides with other
booked work or declared unavailability is released politely, the place reopens and the
cascade invites the next candidate.

A series (the same experts booked for every session) is moved with the new times of all
its sessions (``OrderChange.sessions``). An expert whose other plans collide with any new
session is released from every session of the series, and each booked expert gets one mail
whose calendar holds every session's entry (each its own UID, a higher SEQUENCE).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.accounts.models import User
from app.audit.services import record_audit
from app.bookings import services
from app.bookings.calendar import assignments_ics
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
#: A new start at most this far ahead (a typo in the year, never work planned so far).
MAX_AHEAD = timedelta(days=10 * 366)


@dataclass(frozen=True)
class SessionTime:
    """The new start and length of one session of the order."""

    starts_at: datetime
    duration_minutes: int


@dataclass(frozen=True)
class OrderChange:
    """The new values; ``None`` leaves a field as it is.

    ``sessions`` gives the times of every session of the order, in order (a series must use
    it; a one-off order may, with one entry, instead of ``starts_at``/``duration_minutes``).
    """

    title: str | None = None
    description: str | None = None
    starts_at: datetime | None = None
    duration_minutes: int | None = None
    remote: bool | None = None
    municipality_code: str | None = None
    address: str | None = None
    audience: str | None = None
    accessibility: str | None = None
    sessions: tuple[SessionTime, ...] | None = None


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
    if change.sessions is not None:
        _validate_sessions(order, change, now)
    elif (change.starts_at is not None or change.duration_minutes is not None) \
            and order.is_series:
        raise InvalidInput("This order is a series of %(num)s sessions: give the new times of "
                           "every session in sessions.", code="sessions_required",
                           field="sessions", values={"num": len(order.sessions)})
    if change.starts_at is not None and change.starts_at <= now:
        raise InvalidInput("The start time must be in the future.", code="start_in_past",
                           field="starts_at")
    if change.starts_at is not None and change.starts_at > now + MAX_AHEAD:
        raise InvalidInput("The start time is too far in the future. Check the year.",
                           code="start_too_far", field="starts_at")
    if change.duration_minutes is not None and not 1 <= change.duration_minutes <= 1440:
        raise InvalidInput("The length must be 1–1440 minutes.", code="invalid_duration",
                           field="duration_minutes")
    remote = order.remote if change.remote is None else change.remote
    code = change.municipality_code if change.municipality_code is not None \
        else order.municipality_code
    if not remote and db.session.get(Municipality, code or "") is None:
        raise InvalidInput("Choose the municipality of the place, or choose remote work.",
                           code="unknown_municipality", field="municipality_code")


def session_problems(times: list[SessionTime], now: datetime) -> list[InvalidInput]:
    """Every problem of a series' new times, each naming its session (``session_index``:
    its place in ``times``, from 0): in the future, 1–1440 minutes long, and each session
    after the one before has ended."""
    problems = []
    for index, session in enumerate(times):
        found = []
        number = {"num": index + 1}
        if session.starts_at <= now:
            found.append(InvalidInput("Session %(num)s: the start time must be in the future.",
                                      code="start_in_past", field="starts_at", values=number))
        elif session.starts_at > now + MAX_AHEAD:
            found.append(InvalidInput(
                "Session %(num)s: the start time is too far in the future. Check the year.",
                code="start_too_far", field="starts_at", values=number))
        if not 1 <= session.duration_minutes <= 1440:
            found.append(InvalidInput("Session %(num)s: the length must be 1–1440 minutes.",
                                      code="invalid_duration", field="duration_minutes",
                                      values=number))
        before = times[index - 1] if index else None
        if before is not None and session.starts_at <= before.starts_at:
            found.append(InvalidInput(
                "Session %(num)s must be after session %(before)s. Check the order of the "
                "times.", code="sessions_out_of_order", field="starts_at",
                values={**number, "before": index}))
        elif before is not None and 1 <= before.duration_minutes <= 1440 and \
                before.starts_at <= now + MAX_AHEAD and \
                session.starts_at < before.starts_at + timedelta(minutes=before.duration_minutes):
            found.append(InvalidInput(
                "Session %(num)s starts before session %(before)s has ended. Give it a later "
                "time or make session %(before)s shorter.", code="sessions_overlap",
                field="starts_at", values={**number, "before": index}))
        for problem in found:
            problem.session_index = index
        problems.extend(found)
    return problems


def _validate_sessions(order: Order, change: OrderChange, now: datetime) -> None:
    if change.starts_at is not None or change.duration_minutes is not None:
        raise InvalidInput("Give the times either in sessions or in starts_at and "
                           "duration_minutes, not both.", code="conflicting_times",
                           field="sessions")
    if len(change.sessions) != len(order.sessions):
        raise InvalidInput("The order has %(num)s sessions: give the times of each of them, "
                           "in order.", code="wrong_session_count", field="sessions",
                           values={"num": len(order.sessions)})
    problems = session_problems(list(change.sessions), now)
    if problems:
        raise problems[0]


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
    _apply_times(order, change, result)
    if not result.changed:
        return result
    db.session.flush()
    record_audit(actor, "order_changed", "order", order.id, fields=result.changed)
    if set(TIME_FIELDS) & set(result.changed):
        _move_bookings(order, now, result)
    for assignment in order.assignments:
        if assignment.status == "booked" and assignment not in result.released:
            assignment.calendar_sequence += 1
            result.updated.append(assignment)
    for assignments in _by_expert(result.updated):
        _tell_booked(assignments, result.changed)
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


#: The names in ``ChangeResult.changed`` of a new time.
TIME_FIELDS = ("starts_at", "duration_minutes", "sessions")


def _apply_times(order: Order, change: OrderChange, result: ChangeResult) -> None:
    """Set the sessions' new times; a series' changes are named ``sessions``, a one-off
    order's ``starts_at`` and ``duration_minutes``."""
    if change.sessions is not None:
        times = list(change.sessions)
    else:
        first = order.sessions[0]
        times = [SessionTime(change.starts_at or first.starts_at,
                             change.duration_minutes or first.duration_minutes)]
    for session, new in zip(order.sessions, times, strict=False):
        if new.starts_at != session.starts_at:
            session.starts_at = new.starts_at
            _mark(result, "sessions" if order.is_series else "starts_at")
        if new.duration_minutes != session.duration_minutes:
            session.duration_minutes = new.duration_minutes
            _mark(result, "sessions" if order.is_series else "duration_minutes")


def _mark(result: ChangeResult, name: str) -> None:
    if name not in result.changed:
        result.changed.append(name)


def _by_expert(assignments: list[Assignment]) -> list[list[Assignment]]:
    """The assignments of each expert together (a series: one per session), in session
    order; the experts in the order of their first assignment."""
    grouped: dict[int, list[Assignment]] = {}
    for assignment in assignments:
        grouped.setdefault(assignment.expert_id, []).append(assignment)
    return [sorted(group, key=lambda a: a.session.position) for group in grouped.values()]


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
        # As accepting does: an offer the expert accepts at this moment waits, then sees
        # the new times (never two overlapping bookings).
        services._lock_expert(expert_id)
        if not services.collides(expert_id, bounds, excluding_order_id=order.id):
            continue
        released = [a for a in order.assignments
                    if a.expert_id == expert_id and a.status == "booked"]
        for assignment in released:
            _release(assignment, now)
        result.released.extend(released)
        _tell_released(sorted(released, key=lambda a: a.session.position))


def _release(assignment: Assignment, now: datetime) -> None:
    ASSIGNMENT.apply(assignment, "cancel_by_organisation")
    assignment.cancelled_at = now
    assignment.cancel_reason = RELEASED_REASON
    assignment.calendar_sequence += 1
    record_audit(None, "booking_released", "assignment", assignment.id,
                 order=assignment.order_id)


def _tell_released(assignments: list[Assignment]) -> None:
    """One mail to the released expert; its calendar cancels every session's entry."""
    db.session.flush()
    first = assignments[0]
    services._mail_expert(first.expert, "booking_released", "booking_released",
                          ics=assignments_ics(assignments, cancelled=True),
                          assignment=first, assignments=assignments, order=first.order)


def _tell_booked(assignments: list[Assignment], changed: list[str]) -> None:
    """One mail to a booked expert; its calendar updates every session's entry."""
    db.session.flush()
    first = assignments[0]
    services._mail_expert(first.expert, "booking_changed", "booking_changed",
                          ics=assignments_ics(assignments), assignment=first,
                          assignments=assignments, order=first.order, changed=changed)
