"""Building blocks for participation tests: groups with members, booked meetings."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.accounts.models import User
from app.bookings.models import Assignment, Order
from app.common.timeutil import utcnow
from app.extensions import db
from app.participation.groups import services as groups
from app.participation.groups.models import GroupMeeting, GroupMember, ParticipationGroup
from tests import factories


def group(actor: User, *, kind: str = "client_panel", name: str | None = None,
          now: datetime | None = None, area: str = "mental-health") -> ParticipationGroup:
    return groups.create_group(actor, groups.GroupData(
        kind=kind, name=name or f"Testiryhmä {factories.sequence()}",
        purpose="Kehitämme palveluja yhdessä.", expertise_area=area,
        municipality_code="609", address="Itsenäisyydenkatu 33"), now=now)


def add_people(actor: User, group_id: int, count: int, role: str = "member",
               with_accounts: bool = False) -> list[GroupMember]:
    """``count`` clients (with participant accounts, who accept the invitation, when
    asked), all in ``role``."""
    added = []
    for _ in range(count):
        number = factories.sequence()
        email = f"asiakas{number}@example.fi" if with_accounts else None
        member = groups.invite_person(actor, group_id, f"Asiakas {number}", email, "client",
                                      role)
        if member.user is not None:
            groups.answer_invitation(member.user, member.id, accept=True)
        added.append(member)
    return added


def add_expert(actor: User, group_id: int, expert_id: int, role: str = "member",
               share_contact: bool = False) -> GroupMember:
    """An expert invited to the group who accepts."""
    member = groups.add_expert(actor, group_id, expert_id, role)
    return groups.answer_invitation(member.user, member.id, accept=True,
                                    share_contact=share_contact)


def participant(actor: User, group_id: int, role: str = "member") -> User:
    """A client with a light account in the group; returns the account."""
    (member,) = add_people(actor, group_id, 1, role, with_accounts=True)
    return member.user


def past_meeting(group: ParticipationGroup, experts=(), *, start: datetime | None = None,
                 minutes: int = 120, status: str = "reported") -> Order:
    """A meeting of the group that took place (an order linked to it, experts booked)."""
    start = start or (utcnow() - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    organiser = db.session.get(User, group.created_by_id)
    order = factories.order(group.organisation, created_by=organiser, status="filled",
                            sessions=[(start, minutes)], assignment_type_code="meeting",
                            experts_needed=max(1, len(experts)), title=f"Kokous {group.name}")
    db.session.add(GroupMeeting(group=group, order=order, booked_by_id=organiser.id))
    for expert in experts:
        factories.booking(order, expert, status=status)
    db.session.flush()
    return order


def assignment_of(order: Order, expert) -> Assignment:
    return next(a for a in order.assignments if a.expert_id == expert.id)
