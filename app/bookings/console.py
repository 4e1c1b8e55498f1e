"""The order console: every organisation's orders for the bank's coordinators (an
organisation's member sees its own), filtered, keyset-paged by the first session's start,
newest first, each with the reasons it needs attention — all in one statement per page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, exists, func, literal, or_, select

from app.accounts.models import ADMIN, COORDINATOR, ORGANISATION_MEMBER, User
from app.bookings.models import (
    Assignment,
    CompletionReport,
    Invitation,
    Order,
    OrderSession,
    order_expertise_areas,
)
from app.bookings.queries import CANCELLED
from app.bookings.states import ORDER_STATUSES
from app.common.errors import InvalidInput, PermissionDenied
from app.common.paging import Page, keyset_page
from app.common.timeutil import helsinki_to_utc
from app.extensions import db
from app.fees.models import AssignmentType
from app.organisations.models import Organisation
from app.reference.models import ExpertiseArea

OPEN_STATUSES = ("submitted", "matching", "partially_filled")
#: An open order starting within this time is short of experts.
SHORT_WITHIN = timedelta(days=7)
#: A pending invitation ending within this time is about to expire.
EXPIRING_WITHIN = timedelta(hours=12)
#: An expert's withdrawal stays in view this long while the order is open.
WITHDRAWAL_WITHIN = timedelta(days=7)
#: Work not reported this long after it ended is overdue.
REPORT_OVERDUE_AFTER = timedelta(days=2)
#: A report not confirmed this long after it came is overdue.
CONFIRMATION_OVERDUE_AFTER = timedelta(days=3)

#: The reasons an order needs attention, in the order they are shown.
REASONS = ("disputed", "short_of_experts", "withdrawal", "invitation_expiring",
           "report_overdue", "confirmation_overdue")


@dataclass(frozen=True)
class ConsoleFilters:
    status: str | None = None
    #: Helsinki dates of the first session, both ends included.
    starts_from: date | None = None
    starts_to: date | None = None
    organisation_id: int | None = None
    area: str | None = None
    needs_attention: bool = False


@dataclass(frozen=True)
class ConsoleRow:
    order: Order
    organisation_name: str
    assignment_type: str
    first_start: datetime
    session_count: int
    booked: int
    #: Codes of `REASONS` that hold for the order now.
    reasons: tuple[str, ...]


def _reason_conditions(now: datetime) -> dict:
    def any_assignment(*conditions):
        return exists(select(Assignment.id).where(Assignment.order_id == Order.id, *conditions)
                      .correlate(Order))

    return {
        "disputed": any_assignment(Assignment.status == "disputed"),
        "short_of_experts": and_(Order.status.in_(OPEN_STATUSES),
                                 OrderSession.starts_at > now,
                                 OrderSession.starts_at <= now + SHORT_WITHIN),
        "withdrawal": and_(Order.status.in_(OPEN_STATUSES), any_assignment(
            Assignment.status == "cancelled_by_expert",
            Assignment.cancelled_at >= now - WITHDRAWAL_WITHIN)),
        "invitation_expiring": exists(select(Invitation.id).where(
            Invitation.order_id == Order.id, Invitation.status == "pending",
            Invitation.expires_at > now, Invitation.expires_at <= now + EXPIRING_WITHIN)
            .correlate(Order)),
        "report_overdue": any_assignment(Assignment.status == "booked",
                                         Assignment.ends_at <= now - REPORT_OVERDUE_AFTER),
        "confirmation_overdue": exists(
            select(Assignment.id).join(CompletionReport).where(
                Assignment.order_id == Order.id, Assignment.status == "reported",
                CompletionReport.created_at <= now - CONFIRMATION_OVERDUE_AFTER)
            .correlate(Order)),
    }


def _scope(user: User, filters: ConsoleFilters) -> int | None:
    """The organisation the reader is limited to (None: all, for the bank's staff)."""
    if user.role in (COORDINATOR, ADMIN):
        return filters.organisation_id
    if user.role == ORGANISATION_MEMBER and user.organisation_id is not None:
        if filters.organisation_id not in (None, user.organisation_id):
            # Asking for another organisation's orders shows none of them.
            return -1
        return user.organisation_id
    raise PermissionDenied("Only organisations and the bank's staff see orders.")


def console_page(user: User, filters: ConsoleFilters, now: datetime, *, cursor: str | None,
                 limit: int) -> Page[ConsoleRow]:
    """One page of the orders ``user`` may see that match ``filters``, newest start first."""
    if filters.status is not None and filters.status not in ORDER_STATUSES:
        raise InvalidInput("Choose a state from the list.", field="status")
    if filters.starts_from and filters.starts_to and filters.starts_to < filters.starts_from:
        raise InvalidInput("The end date must not be before the start date.", field="to")
    return _page(_scope(user, filters), filters, now, cursor=cursor, limit=limit)


def _page(organisation_id: int | None, filters: ConsoleFilters, now: datetime, *,
          cursor: str | None, limit: int) -> Page[ConsoleRow]:
    reasons = _reason_conditions(now)
    session_count = (select(func.count(OrderSession.id))
                     .where(OrderSession.order_id == Order.id).correlate(Order)
                     .scalar_subquery())
    booked = (select(func.count(Assignment.id))
              .where(Assignment.order_id == Order.id, Assignment.session_id == OrderSession.id,
                     Assignment.status.not_in(CANCELLED))
              .correlate(Order, OrderSession).scalar_subquery())
    stmt = (select(Order, Organisation.name, AssignmentType.code, OrderSession.starts_at,
                   OrderSession.id, session_count, booked,
                   *(condition.label(name) for name, condition in reasons.items()))
            .join(OrderSession, and_(OrderSession.order_id == Order.id,
                                     OrderSession.position == 1))
            .join(Organisation, Organisation.id == Order.organisation_id)
            .join(AssignmentType, AssignmentType.id == Order.assignment_type_id))
    if organisation_id is not None:
        stmt = stmt.where(Order.organisation_id == organisation_id)
    if filters.status is not None:
        stmt = stmt.where(Order.status == filters.status)
    if filters.starts_from is not None:
        stmt = stmt.where(OrderSession.starts_at >= helsinki_to_utc(filters.starts_from, time()))
    if filters.starts_to is not None:
        stmt = stmt.where(OrderSession.starts_at < helsinki_to_utc(
            filters.starts_to + timedelta(days=1), time()))
    if filters.area:
        stmt = stmt.where(exists(
            select(literal(1)).select_from(order_expertise_areas)
            .join(ExpertiseArea, ExpertiseArea.id == order_expertise_areas.c.area_id)
            .where(order_expertise_areas.c.order_id == Order.id,
                   ExpertiseArea.slug == filters.area).correlate(Order)))
    if filters.needs_attention:
        stmt = stmt.where(or_(*reasons.values()))
    page = keyset_page(db.session, stmt, (OrderSession.starts_at, OrderSession.id),
                       cursor=cursor, limit=limit, scalars=False,
                       key_of=lambda row: (row[3], row[4]))
    rows = [ConsoleRow(order=row[0], organisation_name=row[1], assignment_type=row[2],
                       first_start=row[3], session_count=row[5] or 0, booked=row[6] or 0,
                       reasons=tuple(name for name in REASONS if row._mapping[name]))
            for row in page.items]
    return Page(items=rows, next_cursor=page.next_cursor, is_continuation=page.is_continuation)


def needs_attention(now: datetime, limit: int = 20) -> Page[ConsoleRow]:
    """The first orders that need the coordinators now (the dashboard's "what needs you")."""
    return _page(None, ConsoleFilters(needs_attention=True), now, cursor=None, limit=limit)
