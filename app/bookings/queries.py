"""Read access to orders and assignments, always checked against the reader."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import ADMIN, COORDINATOR, EXPERT, ORGANISATION_MEMBER, User
from app.bookings.models import Assignment, Invitation, Order
from app.common.errors import NotFound, PermissionDenied
from app.extensions import db


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


def orders_of_organisation(organisation_id: int) -> list[Order]:
    return list(
        db.session.scalars(
            select(Order)
            .where(Order.organisation_id == organisation_id)
            .options(selectinload(Order.sessions), selectinload(Order.assignments))
            .order_by(Order.created_at.desc(), Order.id.desc())
        )
    )


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


def assignments_of_expert(user: User) -> list[Assignment]:
    if user.role != EXPERT or user.expert_profile is None:
        raise PermissionDenied("Only experts have assignments.")
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.expert_id == user.expert_profile.id)
            .options(selectinload(Assignment.order), selectinload(Assignment.session))
            .order_by(Assignment.starts_at)
        )
    )


def invitations_of_expert(user: User) -> list[Invitation]:
    if user.role != EXPERT or user.expert_profile is None:
        raise PermissionDenied("Only experts have invitations.")
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.expert_id == user.expert_profile.id)
            .options(selectinload(Invitation.order).selectinload(Order.sessions))
            .order_by(Invitation.created_at.desc())
        )
    )


def booked_count(order: Order) -> int:
    """Experts booked for the order (for a series: experts booked for its first session)."""
    first = order.sessions[0].id if order.sessions else None
    return sum(
        1
        for a in order.assignments
        if a.session_id == first
        and a.status not in ("cancelled_by_organisation", "cancelled_by_expert")
    )
