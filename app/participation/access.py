"""Who may read and write what in participation: groups, their meetings and records.

Every page and service asks here; objects a user may not read are reported as
not found, so their existence is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.accounts.models import ADMIN, COORDINATOR, EXPERT, ORGANISATION_MEMBER, User
from app.bookings.models import Assignment, Order, OrderSession
from app.bookings.services import CO_DEVELOPMENT_TEMPLATE
from app.common.errors import NotFound, PermissionDenied
from app.extensions import db
from app.participation.groups.models import GroupMeeting, GroupMember, ParticipationGroup
from app.participation.rules import LEADING_ROLES

STAFF_ROLES = (COORDINATOR, ADMIN)
CANCELLED_ASSIGNMENT_STATUSES = ("cancelled_by_organisation", "cancelled_by_expert")


def is_staff(user: User) -> bool:
    return user.role in STAFF_ROLES


def is_organisation_member_of(user: User, organisation_id: int) -> bool:
    return user.role == ORGANISATION_MEMBER and user.organisation_id == organisation_id


def membership(group: ParticipationGroup, user: User) -> GroupMember | None:
    """The user's active membership of the group, if any."""
    return next((m for m in group.members if m.user_id == user.id and m.status == "active"),
                None)


def can_manage(user: User, group: ParticipationGroup) -> bool:
    """Change the group itself and its members: the bank's staff and the organisation."""
    return is_staff(user) or is_organisation_member_of(user, group.organisation_id)


def can_lead(user: User, group: ParticipationGroup) -> bool:
    """Agenda, decisions, follow-ups, criteria: managers and members with a leading role."""
    if can_manage(user, group):
        return True
    member = membership(group, user)
    return member is not None and member.role in LEADING_ROLES


def can_read(user: User, group: ParticipationGroup) -> bool:
    return can_manage(user, group) or membership(group, user) is not None


def group_for_reader(user: User, group_id: int) -> ParticipationGroup:
    group = db.session.get(ParticipationGroup, group_id)
    if group is None or not can_read(user, group):
        raise NotFound("The group was not found.", code="group_not_found")
    return group


def group_for_manager(user: User, group_id: int) -> ParticipationGroup:
    group = group_for_reader(user, group_id)
    if not can_manage(user, group):
        raise PermissionDenied("Only the group's organisation and the bank's coordinators "
                               "can do this.")
    return group


def group_for_leader(user: User, group_id: int) -> ParticipationGroup:
    group = group_for_reader(user, group_id)
    if not can_lead(user, group):
        raise PermissionDenied("Only the people who lead the group can do this.")
    return group


def group_of_order(order_id: int) -> ParticipationGroup | None:
    return db.session.scalar(
        select(ParticipationGroup).join(GroupMeeting).where(GroupMeeting.order_id == order_id))


def booked_expert_ids(order: Order, session_id: int | None = None) -> set[int]:
    """Experts booked (and not cancelled) for the order, or for one of its sessions."""
    query = select(Assignment.expert_id).where(
        Assignment.order_id == order.id,
        Assignment.status.not_in(CANCELLED_ASSIGNMENT_STATUSES))
    if session_id is not None:
        query = query.where(Assignment.session_id == session_id)
    return set(db.session.scalars(query))


@dataclass(frozen=True)
class SessionAccess:
    """A documented session as one user may use it."""

    session: OrderSession
    group: ParticipationGroup | None
    #: Agenda, decisions and follow-ups.
    can_lead: bool
    #: Notes and ideas: everyone in the session's circle.
    can_write: bool
    #: The user is someone who took part: a group member or an expert booked for it.
    participant: bool

    @property
    def order(self) -> Order:
        return self.session.order

    def can_evaluate(self, now: datetime) -> bool:
        return (self.group is not None and self.participant
                and self.session.starts_at <= now)


def is_documented(order: Order, group: ParticipationGroup | None) -> bool:
    """Group meetings and co-development series have agendas and records."""
    return group is not None or order.series_template == CO_DEVELOPMENT_TEMPLATE


def session_for_reader(user: User, session_id: int) -> SessionAccess:
    """The session if ``user`` is in its circle: the organisation, the bank's staff, the
    group's members and the experts booked for the order. Others get `NotFound`."""
    session = db.session.get(OrderSession, session_id)
    if session is None:
        raise NotFound("The meeting was not found.", code="session_not_found")
    order = session.order
    group = group_of_order(order.id)
    if not is_documented(order, group):
        raise NotFound("The meeting was not found.", code="session_not_found")
    if is_staff(user) or is_organisation_member_of(user, order.organisation_id):
        return SessionAccess(session, group, True, True, False)
    member = membership(group, user) if group is not None else None
    booked = user.role == EXPERT and user.expert_id in booked_expert_ids(order, session.id)
    in_order = user.role == EXPERT and user.expert_id in booked_expert_ids(order)
    if member is None and not in_order:
        raise NotFound("The meeting was not found.", code="session_not_found")
    leads = member is not None and member.role in LEADING_ROLES
    return SessionAccess(session, group, leads, True, member is not None or booked)
