"""Organisation services: its members and details, always within the actor's organisation."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.audit.services import record_audit
from app.common.errors import NotFound, PermissionDenied
from app.extensions import db
from app.organisations.models import Membership, Organisation


def organisation_of(user: User) -> Organisation:
    if user.organisation_id is None:
        raise PermissionDenied("You are not a member of an organisation.")
    return db.session.get(Organisation, user.organisation_id)


def members_of(organisation_id: int) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .join(Membership.user)
            .where(Membership.organisation_id == organisation_id, User.active.is_(True))
            .order_by(User.full_name)
        )
    )


def remove_member(actor: User, user_id: int) -> User:
    """An organisation administrator closes a colleague's access to the organisation."""
    if not actor.is_organisation_admin:
        raise PermissionDenied("Only the organisation's administrator can remove members.")
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user_id))
    if membership is None or membership.organisation_id != actor.organisation_id:
        raise NotFound("The member was not found.", code="member_not_found")
    if membership.user_id == actor.id:
        raise PermissionDenied("You cannot remove yourself.")
    membership.user.active = False
    record_audit(actor, "member_removed", "user", user_id, organisation=membership.organisation_id)
    return membership.user


def organisations_by_name() -> list[Organisation]:
    """Every organisation, for the staff's choosers."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))
