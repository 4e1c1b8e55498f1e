"""The administrator's users: search, role changes that keep each role whole, deactivation.

A role needs its own record: an organisation member a membership, an expert a
profile. A role change therefore creates what the new role needs (a
membership in the chosen organisation, an expert profile waiting for
verification) or refuses with a clear reason, and tidies what the old role
leaves behind (the membership goes; an expert profile is retired but kept,
since bookings and payouts refer to it). Everything here is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select, update

from app.accounts.models import EXPERT, ORGANISATION_MEMBER, ROLES, ApiToken, User
from app.audit.services import record_audit
from app.bookings.models import Assignment, Invitation
from app.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.common.paging import Page, keyset_page
from app.common.timeutil import utcnow
from app.experts.models import ExpertProfile
from app.experts.states import EXPERT_PROFILE
from app.extensions import db
from app.organisations.models import Membership, Organisation

STATES = ("active", "inactive")
#: Assignment statuses that are still ahead of the expert.
_COMING = ("booked",)


@dataclass(frozen=True)
class UserFilters:
    """Words in the name or e-mail, a role and a state; empty means any."""

    q: str = ""
    role: str = ""
    state: str = ""

    @classmethod
    def parse(cls, q: str | None, role: str | None, state: str | None) -> UserFilters:
        q = (q or "").strip()
        if len(q) > 100:
            raise InvalidInput("The search word is too long.", field="q")
        if role and role not in ROLES:
            raise InvalidInput("Unknown role.", field="role")
        if state and state not in STATES:
            raise InvalidInput("Choose active or deactivated.", field="state")
        return cls(q=q, role=role or "", state=state or "")


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def users_query(filters: UserFilters) -> Select:
    stmt = select(User)
    if filters.q:
        pattern = _like(filters.q)
        stmt = stmt.where(or_(User.email.like(pattern, escape="\\"),
                              func.lower(User.full_name).like(pattern, escape="\\")))
    if filters.role:
        stmt = stmt.where(User.role == filters.role)
    if filters.state:
        stmt = stmt.where(User.active.is_(filters.state == "active"))
    return stmt


def users_page(filters: UserFilters, *, cursor: str | None, limit: int) -> Page[User]:
    """One page of users in e-mail order."""
    return keyset_page(db.session, users_query(filters), (User.email, User.id), cursor=cursor,
                       limit=limit, descending=False)


def user_for_admin(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def has_coming_work(profile: ExpertProfile | None, now: datetime | None = None) -> bool:
    """Whether the expert has an open invitation or a booked assignment still to come."""
    if profile is None:
        return False
    now = now or utcnow()
    invitation = db.session.scalar(select(Invitation.id).where(
        Invitation.expert_id == profile.id, Invitation.status == "pending").limit(1))
    assignment = db.session.scalar(select(Assignment.id).where(
        Assignment.expert_id == profile.id, Assignment.status.in_(_COMING),
        Assignment.starts_at > now).limit(1))
    return invitation is not None or assignment is not None


#: The largest id the database holds; a larger one (a forged form) is no organisation.
MAX_ID = 2**31 - 1


def change_role(actor: User, user: User, role: str, organisation_id: int | None = None,
                now: datetime | None = None) -> None:
    """Give ``user`` another role, creating or tidying the records the roles need.

    - to organisation member: keeps an existing membership, otherwise needs
      ``organisation_id`` and makes the person an ordinary member there;
    - to expert: an existing profile stays as it is, otherwise a profile
      waiting for a coordinator's verification is made;
    - from organisation member: the membership ends, but not for the
      organisation's last administrator while others remain;
    - from expert: refused while the expert has open invitations or coming
      bookings; otherwise the profile is retired (kept for history).

    Choosing the person's current role only repairs a missing membership or
    profile (left behind by older role changes); otherwise it is refused.
    """
    if role not in ROLES:
        raise InvalidInput("Unknown role.", field="role")
    if actor.id == user.id:
        raise PermissionDenied("You cannot change your own role.")
    if user.closed_at is not None:
        raise Conflict("A closed or removed account cannot be opened again.",
                       code="account_closed")
    old = user.role
    if role == old and not _misses_record(user):
        raise InvalidInput("The person already has this role.", code="same_role", field="role")
    organisation = None
    if role == ORGANISATION_MEMBER and user.membership is None:
        if organisation_id is None:
            raise InvalidInput("Choose the organisation that the person belongs to.",
                               code="organisation_required", field="organisation_id")
        organisation = (db.session.get(Organisation, organisation_id)
                        if 0 < organisation_id <= MAX_ID else None)
        if organisation is None or not organisation.active:
            raise InvalidInput("Choose the organisation from the list.",
                               code="unknown_organisation", field="organisation_id")
    if old == EXPERT and role != EXPERT:
        _leave_expert_role(actor, user, now)
    if old == ORGANISATION_MEMBER and role != ORGANISATION_MEMBER:
        _leave_membership(actor, user)
    user.role = role
    if organisation is not None:
        db.session.add(Membership(user=user, organisation=organisation, is_admin=False))
        record_audit(actor, "membership_created", "user", user.id,
                     organisation_id=organisation.id)
    if role == EXPERT and user.expert_profile is None:
        first_name = user.full_name.split()[0] if user.full_name.split() else user.full_name
        profile = ExpertProfile(user=user, display_name=first_name[:100] or "-")
        db.session.add(profile)
        db.session.flush()
        record_audit(actor, "expert_profile_created", "expert", profile.id, user_id=user.id)
    if role != old:
        record_audit(actor, "role_changed", "user", user.id, old=old, new=role)
    db.session.flush()


def _misses_record(user: User) -> bool:
    """Whether the user's role lacks the membership or profile it needs."""
    return (user.role == ORGANISATION_MEMBER and user.membership is None) or (
        user.role == EXPERT and user.expert_profile is None)


def _leave_expert_role(actor: User, user: User, now: datetime | None) -> None:
    profile = user.expert_profile
    if profile is None:
        return
    if has_coming_work(profile, now):
        raise Conflict("This expert has open invitations or coming work. Withdraw them first, "
                       "then change the role.", code="expert_has_work", field="role")
    if EXPERT_PROFILE.can(profile.status, "retire"):
        EXPERT_PROFILE.apply(profile, "retire")
        record_audit(actor, "expert_retired", "expert", profile.id, reason="role_changed")


def _leave_membership(actor: User, user: User) -> None:
    membership = user.membership
    if membership is None:
        return
    if membership.is_admin:
        others = db.session.scalars(select(Membership).where(
            Membership.organisation_id == membership.organisation_id,
            Membership.user_id != user.id)).all()
        if others and not any(other.is_admin for other in others):
            raise Conflict("This person is the organisation's only administrator. Make another "
                           "member an administrator first.", code="last_organisation_admin",
                           field="role")
    record_audit(actor, "membership_removed", "user", user.id,
                 organisation_id=membership.organisation_id)
    db.session.delete(membership)
    db.session.flush()
    db.session.expire(user, ["membership"])


def deactivate_user(actor: User, user: User, now: datetime | None = None) -> None:
    """Stop the account: no sign-in, open sessions end, every API token is revoked."""
    if actor.id == user.id:
        raise PermissionDenied("You cannot deactivate your own account.")
    if not user.active:
        raise Conflict("The account is already deactivated.", code="already_inactive")
    if user.role == EXPERT and has_coming_work(user.expert_profile, now):
        raise Conflict("This expert has open invitations or coming work. Withdraw them first, "
                       "then deactivate the account.", code="expert_has_work")
    now = now or utcnow()
    user.active = False
    db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False))
    record_audit(actor, "user_deactivated", "user", user.id)
    db.session.flush()


def reactivate_user(actor: User, user: User) -> None:
    """Let a deactivated account sign in again (old API tokens stay revoked)."""
    if actor.id == user.id:
        raise PermissionDenied("You cannot reactivate your own account.")
    if user.active:
        raise Conflict("The account is already active.", code="already_active")
    if user.closed_at is not None or (not user.password_hash
                                      and user.email.endswith(".invalid")):
        raise Conflict("A closed or removed account cannot be opened again.",
                       code="account_closed")
    user.active = True
    record_audit(actor, "user_reactivated", "user", user.id)
    db.session.flush()


def organisation_choices() -> list[tuple[int, str]]:
    return [(o.id, o.name) for o in db.session.scalars(
        select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name))]
