"""Read access to orders and assignments, always checked against the reader."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import ADMIN, COORDINATOR, EXPERT, ORGANISATION_MEMBER, User
from app.bookings.models import Assignment, Invitation, Order, OrderSession
from app.bookings.states import ORDER_STATUSES
from app.common.errors import InvalidInput, NotFound, PermissionDenied
from app.common.paging import Page, keyset_page
from app.extensions import db

#: Assignment states that no longer hold a place in the order.
CANCELLED = ("cancelled_by_organisation", "cancelled_by_expert")


def order_for_reader(user: User, order_id: int) -> Order:
    """The order if ``user`` may read it: its own organisation's members and the bank's staff.

    Another organisation's order is reported as not found, so its existence is not revealed.
    """
    order = db.session.get(Order, order_id)
    if order is None:
        raise NotFound("The order was not found.", code="order_not_found")
    if user.role in (COORDINATOR, ADMIN):
        return order
    if user.role == ORGANISATION_MEMBER and user.organisation_id == order.organisation_id:
        return order
    if user.role == ORGANISATION_MEMBER:
        raise NotFound("The order was not found.", code="order_not_found")
    raise PermissionDenied("You do not have access to this order.")


@dataclass(frozen=True)
class OrderRow:
    """An order of a list with the figures the list shows, all computed in SQL."""

    order: Order
    #: The start of the first session (the order's start; a series' first meeting).
    first_start: datetime | None
    session_count: int
    #: Experts booked for the first session, cancelled bookings left out.
    booked: int


def _order_figures():
    """Correlated subqueries of an order's first start, session count and booked experts."""
    first_session = (select(OrderSession.id).where(OrderSession.order_id == Order.id)
                     .order_by(OrderSession.position).limit(1)
                     .correlate(Order).scalar_subquery())
    first_start = (select(OrderSession.starts_at).where(OrderSession.order_id == Order.id)
                   .order_by(OrderSession.position).limit(1)
                   .correlate(Order).scalar_subquery())
    session_count = (select(func.count(OrderSession.id))
                     .where(OrderSession.order_id == Order.id)
                     .correlate(Order).scalar_subquery())
    booked = (select(func.count(Assignment.id))
              .where(Assignment.order_id == Order.id, Assignment.session_id == first_session,
                     Assignment.status.not_in(CANCELLED))
              .correlate(Order).scalar_subquery())
    return first_start, session_count, booked


def order_rows_of_organisation(organisation_id: int, *, status: str | None = None,
                               cursor: str | None, limit: int) -> Page[OrderRow]:
    """One page of the organisation's orders (in ``status``, if given), newest first, with
    their figures. One statement per page, whatever the number of orders, sessions or bookings.
    """
    if status is not None and status not in ORDER_STATUSES:
        raise InvalidInput("Choose a state from the list.", field="status")
    first_start, session_count, booked = _order_figures()
    stmt = (select(Order, first_start, session_count, booked)
            .where(Order.organisation_id == organisation_id))
    if status is not None:
        stmt = stmt.where(Order.status == status)
    page = keyset_page(db.session, stmt, (Order.created_at, Order.id), cursor=cursor,
                       limit=limit, key_of=lambda row: (row[0].created_at, row[0].id),
                       scalars=False)
    rows = [OrderRow(order, start, sessions or 0, count or 0)
            for order, start, sessions, count in page.items]
    return Page(items=rows, next_cursor=page.next_cursor, is_continuation=page.is_continuation)


def orders_needing_attention() -> list[Order]:
    """Orders the coordinators still have to match."""
    return list(
        db.session.scalars(
            select(Order)
            .where(Order.status.in_(("submitted", "matching", "partially_filled")))
            .options(
                selectinload(Order.sessions),
                selectinload(Order.organisation),
                selectinload(Order.assignments),
            )
            .order_by(Order.id)
        )
    )


def _expert_id(user: User) -> int:
    if user.role != EXPERT or user.expert_profile is None:
        raise PermissionDenied("Only experts have assignments and invitations.")
    return user.expert_profile.id


def assignments_of_expert(user: User) -> list[Assignment]:
    """All the expert's assignments, soonest first (for checks over every booking)."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.expert_id == _expert_id(user))
            .options(selectinload(Assignment.order), selectinload(Assignment.session))
            .order_by(Assignment.starts_at)
        )
    )


def _assignments_with_venue(expert_id: int) -> Select:
    """The expert's assignments with their order, session and venue loaded in the same query."""
    return (select(Assignment).where(Assignment.expert_id == expert_id)
            .options(joinedload(Assignment.order).joinedload(Order.municipality),
                     joinedload(Assignment.session)))


def assignments_page(user: User, *, cursor: str | None, limit: int) -> Page[Assignment]:
    """One page of all the expert's assignments, soonest first."""
    return keyset_page(db.session, _assignments_with_venue(_expert_id(user)),
                       (Assignment.starts_at, Assignment.id), cursor=cursor, limit=limit,
                       descending=False)


def coming_work_page(user: User, now: datetime, *, cursor: str | None,
                     limit: int) -> Page[Assignment]:
    """One page of the expert's booked work that has not started yet, soonest first."""
    stmt = _assignments_with_venue(_expert_id(user)).where(
        Assignment.status == "booked", Assignment.starts_at > now)
    return keyset_page(db.session, stmt, (Assignment.starts_at, Assignment.id), cursor=cursor,
                       limit=limit, descending=False)


def past_work_page(user: User, now: datetime, *, cursor: str | None,
                   limit: int) -> Page[Assignment]:
    """One page of the expert's work that has started (any state), latest first."""
    stmt = _assignments_with_venue(_expert_id(user)).where(Assignment.starts_at <= now)
    return keyset_page(db.session, stmt, (Assignment.starts_at, Assignment.id), cursor=cursor,
                       limit=limit)


def count_coming_work(user: User, now: datetime) -> int:
    """How many booked assignments of the expert have not started yet."""
    return db.session.scalar(
        select(func.count(Assignment.id)).where(
            Assignment.expert_id == _expert_id(user), Assignment.status == "booked",
            Assignment.starts_at > now)) or 0


def _work_to_report(user: User, now: datetime) -> Select:
    return (_assignments_with_venue(_expert_id(user))
            .where(Assignment.status.in_(("booked", "disputed")), Assignment.starts_at <= now))


def work_to_report_page(user: User, now: datetime, *, cursor: str | None,
                        limit: int) -> Page[Assignment]:
    """One page of the work that has started and still waits for the expert's report (or a
    dispute's end), the earliest first."""
    return keyset_page(db.session, _work_to_report(user, now),
                       (Assignment.starts_at, Assignment.id), cursor=cursor, limit=limit,
                       descending=False)


def _invitations_with_order(expert_id: int) -> Select:
    return (select(Invitation).where(Invitation.expert_id == expert_id)
            .options(selectinload(Invitation.order).selectinload(Order.sessions)))


def _open_invitations(user: User, now: datetime) -> Select:
    return (_invitations_with_order(_expert_id(user))
            .where(Invitation.status == "pending", Invitation.expires_at > now))


def open_invitations_page(user: User, now: datetime, *, cursor: str | None,
                          limit: int) -> Page[Invitation]:
    """One page of the invitations still waiting for the expert's answer, the first
    deadline first."""
    return keyset_page(db.session, _open_invitations(user, now),
                       (Invitation.expires_at, Invitation.id), cursor=cursor, limit=limit,
                       descending=False)


def answered_invitations(user: User, now: datetime, limit: int = 20) -> list[Invitation]:
    """The latest invitations no longer open (answered, expired or withdrawn), newest first."""
    return list(db.session.scalars(
        select(Invitation).where(Invitation.expert_id == _expert_id(user),
                                 or_(Invitation.status != "pending", Invitation.expires_at <= now))
        .options(joinedload(Invitation.order))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(limit)))


def invitations_page(user: User, *, cursor: str | None, limit: int) -> Page[Invitation]:
    """One page of all the expert's invitations, newest first."""
    return keyset_page(db.session, _invitations_with_order(_expert_id(user)),
                       (Invitation.created_at, Invitation.id), cursor=cursor, limit=limit)


def booked_count(order: Order) -> int:
    """Experts booked for the order (for a series: experts booked for its first session)."""
    first = order.sessions[0].id if order.sessions else None
    return sum(
        1
        for a in order.assignments
        if a.session_id == first and a.status not in CANCELLED
    )


def order_contact(order: Order) -> User | None:
    """The organisation's contact person of the order: the member who made it, while still
    an active member of the organisation."""
    user = db.session.get(User, order.created_by_id)
    if user is None or not user.active or user.organisation_id != order.organisation_id:
        return None
    return user
