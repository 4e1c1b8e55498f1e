"""Standing groups: creating them, their members and roles, the activation rule,
booking their meetings through the ordinary order flow, and topics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import ORGANISATION_MEMBER, PARTICIPANT, User
from app.accounts.services import create_user, normalize_email, user_by_email
from app.audit.services import record_audit
from app.bookings.models import Order, OrderSession
from app.bookings.services import (
    CO_DEVELOPMENT_SESSIONS,
    CO_DEVELOPMENT_TEMPLATE,
    OrderRequest,
    SessionRequest,
    create_order,
    invite_experts,
)
from app.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.common.paging import Page, keyset_page
from app.common.timeutil import utcnow
from app.experts.models import VERIFIED, ExpertProfile
from app.extensions import db
from app.organisations.models import Organisation
from app.organisations.services import require_approved
from app.participation import access
from app.participation.groups.models import (
    EvaluationCriterion,
    GroupMeeting,
    GroupMember,
    ParticipationGroup,
    Topic,
)
from app.participation.mails import absolute_url, mail_user, password_link
from app.participation.rules import (
    GROUP_KINDS,
    GROUP_ROLES,
    MEMBER_KINDS,
    Shortfall,
    activation_shortfalls,
)
from app.participation.states import GROUP, MEMBER, TOPIC
from app.reference.models import ExpertiseArea, Municipality

#: Roles that only one member holds at a time.
SINGLE_ROLES = ("chair", "secretary")
#: The questions a new group starts from (seed 001: "it was nice to come, things were
#: talked about clearly and the participants' opinion mattered"); the group edits them.
DEFAULT_CRITERIA = (
    _l("Was it nice to come to the meeting?"),
    _l("Did we talk about things clearly?"),
    _l("Did your opinion matter?"),
)


class GroupRuleNotMet(Conflict):
    """The group does not yet meet the rule of its kind; ``shortfalls`` say what is missing."""

    code = "group_rule_not_met"

    def __init__(self, shortfalls: list[Shortfall]):
        super().__init__("The group cannot be active yet.")
        self.shortfalls = shortfalls


@dataclass(frozen=True)
class GroupData:
    kind: str
    name: str
    purpose: str = ""
    services: str = ""
    region: str = ""
    expertise_area: str | None = None
    municipality_code: str | None = None
    address: str = ""
    remote: bool = False


def _check_group_data(data: GroupData) -> tuple[ExpertiseArea | None, Municipality | None]:
    if data.kind not in GROUP_KINDS:
        raise InvalidInput("Choose the kind of group.", code="unknown_group_kind", field="kind")
    if not data.name.strip():
        raise InvalidInput("Give the group a name.", code="missing_name", field="name")
    area = None
    if data.expertise_area:
        area = db.session.scalar(select(ExpertiseArea).where(
            ExpertiseArea.slug == data.expertise_area))
        if area is None:
            raise InvalidInput("Unknown expertise area.", code="unknown_expertise_area",
                               field="expertise_area")
    municipality = None
    if data.municipality_code:
        municipality = db.session.get(Municipality, data.municipality_code)
        if municipality is None:
            raise InvalidInput("Choose the municipality from the list.",
                               code="unknown_municipality", field="municipality_code")
    return area, municipality


def _apply(group: ParticipationGroup, data: GroupData, area, municipality) -> None:
    group.kind = data.kind
    group.name = data.name.strip()
    group.purpose = data.purpose.strip()
    group.services = data.services.strip()
    group.region = data.region.strip()
    group.expertise_area = area
    group.municipality = municipality
    group.address = data.address.strip()
    group.remote = data.remote


def create_group(actor: User, data: GroupData, organisation_id: int | None = None,
                 now: datetime | None = None) -> ParticipationGroup:
    """A new group of the actor's organisation (or, for a coordinator, of the one given).

    It starts "forming" with the default evaluation questions in the actor's language.
    """
    now = now or utcnow()
    if actor.role == ORGANISATION_MEMBER and actor.organisation_id is not None:
        require_approved(actor)
        organisation_id = actor.organisation_id
    elif access.is_staff(actor):
        if organisation_id is None or db.session.get(Organisation, organisation_id) is None:
            raise InvalidInput("Choose the organisation that runs the group.",
                               code="unknown_organisation", field="organisation_id")
    else:
        raise PermissionDenied("Only organisations and the bank's coordinators can create "
                               "groups.")
    area, municipality = _check_group_data(data)
    group = ParticipationGroup(organisation_id=organisation_id, created_by_id=actor.id,
                               created_at=now, status="forming")
    _apply(group, data, area, municipality)
    with force_locale(actor.language):
        for position, question in enumerate(DEFAULT_CRITERIA, start=1):
            group.criteria.append(EvaluationCriterion(
                question=str(question), position=position, created_by_id=actor.id,
                created_at=now))
    db.session.add(group)
    db.session.flush()
    record_audit(actor, "group_created", "group", group.id, kind=group.kind)
    return group


def update_group(actor: User, group_id: int, data: GroupData) -> ParticipationGroup:
    group = access.group_for_manager(actor, group_id)
    area, municipality = _check_group_data(data)
    if data.kind != group.kind and group.status == "active" and activation_shortfalls(
            data.kind, [m.role for m in group.active_members]):
        raise Conflict("An active group cannot change to a kind whose rule it does not meet.",
                       code="group_rule_not_met", field="kind")
    _apply(group, data, area, municipality)
    record_audit(actor, "group_updated", "group", group.id)
    db.session.flush()
    return group


def shortfalls(group: ParticipationGroup) -> list[Shortfall]:
    """What the group lacks before it can be active (empty: it meets its rule). The roles of
    its active members come from one query: the members themselves are not loaded."""
    return activation_shortfalls(group.kind, db.session.scalars(
        select(GroupMember.role).where(GroupMember.group_id == group.id,
                                       GroupMember.status == "active")))


def members_page(group: ParticipationGroup, status: str, *, cursor: str | None,
                 limit: int) -> Page:
    """One page of the group's members of one status ("active" or "left"), by name, with
    their accounts loaded together."""
    query = select(GroupMember).where(GroupMember.group_id == group.id,
                                      GroupMember.status == status).options(
        selectinload(GroupMember.user))
    return keyset_page(db.session, query, [GroupMember.name, GroupMember.id], cursor=cursor,
                       limit=limit, descending=False)


def invited_count(group: ParticipationGroup) -> int:
    """How many invitations to the group wait for an answer (counted in the database)."""
    return db.session.scalar(select(func.count()).select_from(GroupMember).where(
        GroupMember.group_id == group.id, GroupMember.status == "invited"))


def activate_group(actor: User, group_id: int, now: datetime | None = None
                   ) -> ParticipationGroup:
    """Make the group active; raises `GroupRuleNotMet` unless its kind's rule is met."""
    group = access.group_for_manager(actor, group_id)
    missing = shortfalls(group)
    if missing:
        raise GroupRuleNotMet(missing)
    GROUP.apply(group, "activate")
    group.activated_at = now or utcnow()
    record_audit(actor, "group_activated", "group", group.id)
    db.session.flush()
    return group


def close_group(actor: User, group_id: int, now: datetime | None = None) -> ParticipationGroup:
    group = access.group_for_manager(actor, group_id)
    if not GROUP.can(group.status, "close"):
        raise Conflict("The group is already closed.", code="group_closed")
    GROUP.apply(group, "close")
    group.closed_at = now or utcnow()
    record_audit(actor, "group_closed", "group", group.id)
    db.session.flush()
    return group


def reopen_group(actor: User, group_id: int) -> ParticipationGroup:
    group = access.group_for_manager(actor, group_id)
    if not GROUP.can(group.status, "reopen"):
        raise Conflict("The group is not closed.", code="group_not_closed")
    GROUP.apply(group, "reopen")
    group.closed_at = None
    record_audit(actor, "group_reopened", "group", group.id)
    db.session.flush()
    return group


def _lapse_if_rule_broken(actor: User, group: ParticipationGroup) -> None:
    if group.status == "active" and shortfalls(group):
        GROUP.apply(group, "lapse")
        record_audit(actor, "group_lapsed", "group", group.id)


# --- Members ---------------------------------------------------------------------------------


def _check_role(role: str) -> None:
    if role not in GROUP_ROLES:
        raise InvalidInput("Choose the person's task in the group.", code="unknown_group_role",
                           field="role")


def _ensure_single_role(group: ParticipationGroup, role: str, except_member_id=None) -> None:
    if role in SINGLE_ROLES and any(
        m.role == role and m.id != except_member_id for m in group.active_members
    ):
        raise Conflict("The group already has a person in this task. Change their task "
                       "first.", code="role_taken", field="role")


def _existing_member(group: ParticipationGroup, user_id: int) -> GroupMember | None:
    return next((m for m in group.members if m.user_id == user_id), None)


def _invite(actor: User, group: ParticipationGroup, *, user: User | None, name: str, kind: str,
            role: str, now: datetime) -> tuple[GroupMember, bool]:
    """The person's membership, "invited" (or, without an account, "active" at once: the
    group's lead keeps in touch with them). Returns ``(member, new)``; ``new`` is False when
    the person is already invited or a member, which is not told apart to the inviter."""
    _check_role(role)
    _ensure_single_role(group, role)
    if user is not None:
        member = _existing_member(group, user.id)
        if member is not None and member.status in ("active", "invited"):
            return member, False
        if member is not None:  # invited again after leaving or declining
            MEMBER.apply(member, "reinvite")
            member.role, member.kind, member.name = role, kind, name
            member.left_at, member.joined_at, member.added_by_id = None, now, actor.id
            member.shares_contact = False
            return member, True
    member = GroupMember(group=group, user=user, name=name, kind=kind, role=role,
                         added_by_id=actor.id, joined_at=now,
                         status="invited" if user is not None else "active")
    db.session.add(member)
    return member, True


def _require_may_add(actor: User) -> None:
    """Adding people shows the experts of the bank: only for approved organisations."""
    require_approved(actor)


def may_add_people(actor: User) -> bool:
    try:
        _require_may_add(actor)
    except PermissionDenied:
        return False
    return True


def add_expert(actor: User, group_id: int, expert_id: int, role: str = "member",
               now: datetime | None = None) -> GroupMember:
    """Invite a verified expert of the bank: they become a member only when they accept
    (`answer_invitation`); until then the group sees no name."""
    now = now or utcnow()
    group = access.group_for_manager(actor, group_id)
    _require_may_add(actor)
    expert = db.session.get(ExpertProfile, expert_id)
    if expert is None or expert.status != VERIFIED or not expert.user.active:
        raise InvalidInput("Choose a verified expert of the bank.", code="expert_not_bookable",
                           field="expert_id")
    member, new = _invite(actor, group, user=expert.user, name=expert.display_name,
                          kind="expert", role=role, now=now)
    db.session.flush()
    if new:
        record_audit(actor, "group_member_invited", "group", group.id, member=member.id,
                     kind="expert")
        _mail_invitation(member, group)
    return member


def _mail_invitation(member: GroupMember, group: ParticipationGroup) -> None:
    mail_user(member.user, "participation_invited", group=group, member=member,
              link=absolute_url("participation.invitation", member_id=member.id))


def invite_person(actor: User, group_id: int, name: str, email: str | None, kind: str,
                  role: str = "member", now: datetime | None = None) -> GroupMember:
    """Invite a client, a relative or a professional.

    With an e-mail address the person is invited and becomes a member only when they
    accept; someone without an account gets a light one (role "participant") and a link
    for choosing a password. Whatever the address belongs to (an expert, an applicant,
    the bank's staff, a member already, nobody) the inviter sees the same: the name and
    kind they typed and a waiting invitation. Without an address the person takes part
    without an account (the group's lead asked them).
    """
    now = now or utcnow()
    group = access.group_for_manager(actor, group_id)
    _require_may_add(actor)
    if kind not in MEMBER_KINDS or kind == "expert":
        raise InvalidInput("Choose who the person is.", code="unknown_member_kind",
                           field="kind")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Give the person's name.", code="missing_name", field="name")
    address = normalize_email(email or "")
    if address and ("@" not in address or len(address) > 254):
        raise InvalidInput("Check the e-mail address.", code="invalid_email", field="email")
    user = user_by_email(address) if address else None
    created = False
    if address and user is None:
        user = create_user(address, None, PARTICIPANT, name, language=actor.language,
                           actor=actor)
        created = True
    member, new = _invite(actor, group, user=user, name=name, kind=kind, role=role, now=now)
    db.session.flush()
    if not new:
        return member
    record_audit(actor, "group_member_invited" if member.status == "invited"
                 else "group_member_added", "group", group.id, member=member.id, kind=kind,
                 account_created=created)
    if created:
        mail_user(user, "participation_welcome", group=group, inviter=actor,
                  link=password_link(user),
                  invitation_link=absolute_url("participation.invitation", member_id=member.id))
    elif user is not None:
        _mail_invitation(member, group)
    return member


def invitation_for(actor: User, member_id: int) -> GroupMember:
    """The actor's own invitation (any other is "not found")."""
    member = db.session.get(GroupMember, member_id)
    if member is None or member.user_id != actor.id:
        raise NotFound("The invitation was not found.", code="invitation_not_found")
    return member


def invitations_of(user: User) -> list[GroupMember]:
    """The invitations waiting for the user's answer, the newest first."""
    return list(db.session.scalars(
        select(GroupMember).where(GroupMember.user_id == user.id,
                                  GroupMember.status == "invited")
        .options(selectinload(GroupMember.group).selectinload(ParticipationGroup.organisation))
        .order_by(GroupMember.joined_at.desc(), GroupMember.id.desc())))


def answer_invitation(actor: User, member_id: int, accept: bool, share_contact: bool = False,
                      now: datetime | None = None) -> GroupMember:
    """The invited person accepts (and says whether the group's chair and secretary may see
    their e-mail and phone) or declines. Only then does the group see them."""
    member = invitation_for(actor, member_id)
    if member.status != "invited":
        raise Conflict("This invitation has already been answered.", code="invitation_answered")
    group = member.group
    if not accept:
        MEMBER.apply(member, "decline")
        record_audit(actor, "group_invitation_declined", "group", group.id, member=member.id)
        db.session.flush()
        return member
    if group.status == "closed":
        raise Conflict("The group is closed.", code="group_closed")
    if member.role in SINGLE_ROLES and any(
            m.role == member.role and m.id != member.id for m in group.active_members):
        member.role = "member"  # someone else took the task meanwhile
    MEMBER.apply(member, "accept")
    member.joined_at = now or utcnow()
    member.shares_contact = bool(share_contact)
    record_audit(actor, "group_invitation_accepted", "group", group.id, member=member.id,
                 shares_contact=member.shares_contact)
    db.session.flush()
    return member


def set_contact_sharing(actor: User, group_id: int, share: bool) -> GroupMember:
    """A member changes whether the group's chair and secretary see their contact details."""
    group = access.group_for_reader(actor, group_id)
    member = access.membership(group, actor)
    if member is None:
        raise NotFound("The member was not found.", code="member_not_found")
    member.shares_contact = bool(share)
    record_audit(actor, "group_contact_sharing_changed", "group", group.id, member=member.id,
                 shares_contact=member.shares_contact)
    db.session.flush()
    return member


def contact_viewer(actor: User, group: ParticipationGroup) -> bool:
    """Contact details are shown only to the group's chair and secretary."""
    member = access.membership(group, actor)
    return member is not None and member.role in SINGLE_ROLES


def contacts_for(actor: User, group: ParticipationGroup) -> dict[int, User]:
    """{member id: account} of the active members whose e-mail and phone ``actor`` may see:
    for the chair and the secretary, those who agreed to share them; for anyone else none."""
    if not contact_viewer(actor, group):
        return {}
    return {m.id: m.user for m in group.active_members
            if m.shares_contact and m.user is not None and m.user.active}


def _member_of(group: ParticipationGroup, member_id: int) -> GroupMember:
    member = next((m for m in group.members if m.id == member_id), None)
    if member is None:
        raise NotFound("The member was not found.", code="member_not_found")
    return member


def change_role(actor: User, group_id: int, member_id: int, role: str) -> GroupMember:
    group = access.group_for_manager(actor, group_id)
    member = _member_of(group, member_id)
    if member.status != "active":
        raise Conflict("This person has left the group.", code="member_left")
    _check_role(role)
    _ensure_single_role(group, role, except_member_id=member.id)
    old, member.role = member.role, role
    record_audit(actor, "group_role_changed", "group", group.id, member=member.id, old=old,
                 new=role)
    _lapse_if_rule_broken(actor, group)
    db.session.flush()
    return member


def remove_member(actor: User, group_id: int, member_id: int, now: datetime | None = None
                  ) -> GroupMember:
    """The organisation or the bank removes a member, or members leave themselves."""
    group = access.group_for_reader(actor, group_id)
    member = _member_of(group, member_id)
    if not access.can_manage(actor, group) and member.user_id != actor.id:
        raise PermissionDenied("Only the group's organisation and the bank's coordinators "
                               "can do this.")
    if member.status != "active":
        raise Conflict("This person has left the group.", code="member_left")
    MEMBER.apply(member, "leave")
    member.left_at = now or utcnow()
    member.role = "member"
    record_audit(actor, "group_member_left", "group", group.id, member=member.id)
    _lapse_if_rule_broken(actor, group)
    db.session.flush()
    return member


# --- Reading -----------------------------------------------------------------------------------


def _visible(query, user: User):
    """``query`` of groups narrowed to those ``user`` may see: all for staff, the
    organisation's, or their own."""
    if access.is_staff(user):
        return query
    if user.role == ORGANISATION_MEMBER and user.organisation_id is not None:
        return query.where(or_(
            ParticipationGroup.organisation_id == user.organisation_id,
            ParticipationGroup.id.in_(_my_group_ids(user))))
    return query.where(ParticipationGroup.id.in_(_my_group_ids(user)))


def groups_for_user(user: User) -> list[ParticipationGroup]:
    """The groups ``user`` may see: all for staff, the organisation's, or their own."""
    query = _visible(select(ParticipationGroup).options(
        selectinload(ParticipationGroup.members), selectinload(ParticipationGroup.organisation)),
        user)
    return list(db.session.scalars(query.order_by(ParticipationGroup.name,
                                                  ParticipationGroup.id)))


def groups_page(user: User, *, cursor: str | None, limit: int) -> Page:
    """One page of the groups ``user`` may see, by name, as ``(group, active members)`` rows:
    the organisation loaded with the group, the members counted in the database."""
    active = (select(func.count(GroupMember.id))
              .where(GroupMember.group_id == ParticipationGroup.id,
                     GroupMember.status == "active")
              .correlate(ParticipationGroup).scalar_subquery())
    query = _visible(select(ParticipationGroup, active.label("active_members")).options(
        selectinload(ParticipationGroup.organisation)), user)
    return keyset_page(db.session, query, [ParticipationGroup.name, ParticipationGroup.id],
                       cursor=cursor, limit=limit, descending=False, scalars=False,
                       key_of=lambda row: (row[0].name, row[0].id))


def coming_meetings(user: User, now: datetime, limit: int = 10) -> list[tuple]:
    """The next ``limit`` meeting sessions of the groups ``user`` may see, soonest first, as
    ``(session, group)`` pairs: one query, whatever the number of groups and meetings."""
    visible = _visible(select(ParticipationGroup.id), user)
    rows = db.session.execute(
        select(OrderSession, ParticipationGroup)
        .join(Order, Order.id == OrderSession.order_id)
        .join(GroupMeeting, GroupMeeting.order_id == Order.id)
        .join(ParticipationGroup, ParticipationGroup.id == GroupMeeting.group_id)
        .where(ParticipationGroup.id.in_(visible), OrderSession.starts_at >= now,
               Order.status.not_in(("cancelled", "unfilled")))
        .options(selectinload(OrderSession.order))
        .order_by(OrderSession.starts_at, OrderSession.id).limit(limit))
    return [(session, group) for session, group in rows]


def _my_group_ids(user: User):
    return select(GroupMember.group_id).where(GroupMember.user_id == user.id,
                                              GroupMember.status == "active")


def meetings_of(group: ParticipationGroup) -> list[Order]:
    """The group's meeting orders, soonest first."""
    orders = [meeting.order for meeting in group.meetings]
    return sorted(orders, key=lambda o: (o.starts_at is None, o.starts_at))


def verified_expert_members(group: ParticipationGroup) -> list[ExpertProfile]:
    experts = []
    for member in group.active_members:
        profile = member.user.expert_profile if member.user is not None else None
        if member.kind == "expert" and profile is not None and profile.status == VERIFIED:
            experts.append(profile)
    return experts


def bookable_experts(actor: User, language: str = "fi") -> list[tuple[int, str, str | None]]:
    """Verified experts for the group's invitation list, as ``(expert id, display name,
    home region in ``language``)``: never their home municipality or full name. Empty for
    an organisation that is not approved yet."""
    try:
        require_approved(actor)
    except PermissionDenied:
        return []
    rows = db.session.execute(
        select(ExpertProfile.id, ExpertProfile.display_name, Municipality.region_fi,
               Municipality.region_sv)
        .join(User, User.id == ExpertProfile.user_id)
        .outerjoin(Municipality, Municipality.code == ExpertProfile.home_municipality_code)
        .where(ExpertProfile.status == VERIFIED, User.active.is_(True))
        .order_by(ExpertProfile.display_name, ExpertProfile.id))
    return [(row.id, row.display_name, row.region_sv if language == "sv" else row.region_fi)
            for row in rows]


# --- Meetings through the order flow ---------------------------------------------------------


@dataclass(frozen=True)
class MeetingRequest:
    """A meeting (one session) or the three-session co-development series of a group."""

    title: str
    sessions: list[SessionRequest]
    assignment_type: str = "meeting"
    remote: bool = False
    municipality_code: str | None = None
    address: str = ""
    language: str = "fi"
    description: str = ""
    series: bool = False
    #: None: as many as the group has verified experts (at least one).
    experts_needed: int | None = None
    invite_members: bool = True


def series_sessions(starts: list[datetime], duration_minutes: int) -> list[SessionRequest]:
    """The three co-development sessions with their titles and agenda prompts (seed 003)."""
    return [SessionRequest(start, duration_minutes, str(title), str(agenda))
            for start, (title, agenda) in zip(starts, CO_DEVELOPMENT_SESSIONS, strict=True)]


def book_meeting(actor: User, group_id: int, data: MeetingRequest,
                 now: datetime | None = None) -> Order:
    """Order the meeting like any order (fees and travel are paid to the booked experts),
    link it to the group, and invite the group's verified experts to it."""
    now = now or utcnow()
    group = access.group_for_reader(actor, group_id)
    if not access.is_organisation_member_of(actor, group.organisation_id):
        raise PermissionDenied("Only the group's organisation can book its meetings.")
    if group.status == "closed":
        raise Conflict("The group is closed.", code="group_closed")
    if group.expertise_area is None:
        raise InvalidInput("Choose the group's expertise area first: the experts are booked "
                           "for it.", code="missing_expertise_area", field="title")
    experts = verified_expert_members(group)
    needed = data.experts_needed or max(1, len(experts))
    order = create_order(actor, OrderRequest(
        title=data.title.strip() or group.name, assignment_type=data.assignment_type,
        expertise_areas=[group.expertise_area.slug], language=data.language,
        experts_needed=needed, sessions=data.sessions, remote=data.remote,
        municipality_code=data.municipality_code, description=data.description,
        address=data.address, audience=group.name,
        series_template=CO_DEVELOPMENT_TEMPLATE if data.series else None,
    ), now)
    db.session.add(GroupMeeting(group=group, order=order, booked_by_id=actor.id,
                                created_at=now))
    db.session.flush()
    record_audit(actor, "group_meeting_booked", "group", group.id, order=order.id)
    if data.invite_members and experts:
        invite_experts(None, order, [e.id for e in experts[:needed]], now)
    for member in group.active_members:
        if member.user is not None and member.kind != "expert":
            mail_user(member.user, "participation_meeting",
                      dedupe_key=f"group_meeting:{order.id}:{member.user_id}",
                      group=group, order=order,
                      link=absolute_url("participation.session",
                                        session_id=order.sessions[0].id))
    return order


# --- Topics ------------------------------------------------------------------------------------


def propose_topic(actor: User, group_id: int, title: str, description: str = "",
                  now: datetime | None = None) -> Topic:
    """Members and the organisation (and the bank) propose what the group works on."""
    group = access.group_for_reader(actor, group_id)
    if not title.strip():
        raise InvalidInput("Give the topic a short title.", code="missing_title",
                           field="title")
    if access.membership(group, actor) is not None:
        source = "member"
    elif access.is_staff(actor):
        source = "bank"
    else:
        source = "organisation"
    topic = Topic(group=group, title=title.strip()[:200], description=description.strip(),
                  source=source, proposed_by_id=actor.id, created_at=now or utcnow())
    db.session.add(topic)
    db.session.flush()
    record_audit(actor, "topic_proposed", "group", group.id, topic=topic.id)
    return topic


def move_topic(actor: User, group_id: int, topic_id: int, action: str,
               session_id: int | None = None, now: datetime | None = None) -> Topic:
    """Take a topic onto a meeting's agenda, mark it done or decline it (the group's leads)."""
    group = access.group_for_leader(actor, group_id)
    topic = db.session.get(Topic, topic_id)
    if topic is None or topic.group_id != group.id:
        raise NotFound("The topic was not found.", code="topic_not_found")
    if not TOPIC.can(topic.status, action):
        raise Conflict("The topic cannot be moved like that now.", code="topic_state")
    if action == "schedule":
        session_ids = {s.id for order in meetings_of(group) for s in order.sessions}
        if session_id not in session_ids:
            raise InvalidInput("Choose one of the group's meetings.", code="unknown_meeting",
                               field="session_id")
        topic.session_id = session_id
    TOPIC.apply(topic, action)
    if topic.status in ("done", "declined"):
        topic.decided_at = now or utcnow()
    record_audit(actor, f"topic_{action}", "group", group.id, topic=topic.id)
    db.session.flush()
    return topic


def topics_of(group: ParticipationGroup) -> list[Topic]:
    return list(db.session.scalars(
        select(Topic).where(Topic.group_id == group.id).order_by(Topic.created_at, Topic.id)))
