"""The record of a meeting or co-development session: agenda, notes, ideas, decisions and
follow-up items. Entries are added, never rewritten, so the record shows who wrote what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app.accounts.models import User
from app.audit.services import record_audit
from app.bookings.models import Assignment, OrderSession
from app.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.common.timeutil import utcnow
from app.experts.models import ExpertProfile
from app.extensions import db
from app.organisations.models import Membership
from app.participation import access
from app.participation.groups.models import FollowUp, MeetingEntry
from app.participation.states import FOLLOW_UP

MAX_TEXT = 20000


@dataclass(frozen=True)
class SessionRecord:
    agenda: str
    #: The latest agenda entry; None while the agenda is the template's prompts.
    agenda_entry: MeetingEntry | None
    notes: list[MeetingEntry]
    ideas: list[MeetingEntry]
    decisions: list[MeetingEntry]
    follow_ups: list[FollowUp]
    agenda_history: list[MeetingEntry]


def record_of(session: OrderSession) -> SessionRecord:
    entries = list(db.session.scalars(
        select(MeetingEntry).where(MeetingEntry.session_id == session.id)
        .order_by(MeetingEntry.created_at, MeetingEntry.id)))
    by_kind: dict[str, list[MeetingEntry]] = {"agenda": [], "notes": [], "idea": [],
                                              "decision": []}
    for entry in entries:
        by_kind[entry.kind].append(entry)
    agendas = by_kind["agenda"]
    follow_ups = list(db.session.scalars(
        select(FollowUp).where(FollowUp.session_id == session.id)
        .order_by(FollowUp.due_on, FollowUp.id)))
    return SessionRecord(
        agenda=agendas[-1].text if agendas else session.agenda,
        agenda_entry=agendas[-1] if agendas else None,
        notes=by_kind["notes"], ideas=by_kind["idea"], decisions=by_kind["decision"],
        follow_ups=follow_ups, agenda_history=agendas,
    )


def _clean(text: str, field: str = "text") -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Write something first.", code="missing_text", field=field)
    if len(text) > MAX_TEXT:
        raise InvalidInput("The text is too long.", code="text_too_long", field=field)
    return text


def add_entry(actor: User, session_id: int, kind: str, text: str,
              now: datetime | None = None) -> MeetingEntry:
    """Add the agenda, notes, an idea or a decision to the session's record.

    Everyone in the circle writes notes and ideas; the agenda and decisions are written
    by those who lead (the organisation, the bank, the group's chair, secretary …).
    """
    seen = access.session_for_reader(actor, session_id)
    if kind not in ("agenda", "notes", "idea", "decision"):
        raise InvalidInput("Unknown kind of entry.", code="unknown_entry_kind", field="kind")
    if kind in ("agenda", "decision") and not seen.can_lead:
        raise PermissionDenied("Only the people who lead the group can do this.")
    if not seen.can_write:
        raise PermissionDenied("You cannot write in this meeting's record.")
    entry = MeetingEntry(session_id=seen.session.id, kind=kind, text=_clean(text),
                         author_id=actor.id, created_at=now or utcnow())
    db.session.add(entry)
    db.session.flush()
    record_audit(actor, "meeting_entry_added", "session", seen.session.id, kind=kind,
                 entry=entry.id)
    return entry


def circle_people(session: OrderSession) -> list[User]:
    """Who can own a follow-up: the organisation's members, the group's members with an
    account and the experts booked for the order."""
    order = session.order
    people: dict[int, User] = {}
    for user in db.session.scalars(select(User).join(Membership).where(
            Membership.organisation_id == order.organisation_id, User.active.is_(True))):
        people[user.id] = user
    group = access.group_of_order(order.id)
    if group is not None:
        for member in group.active_members:
            if member.user is not None and member.user.active:
                people[member.user.id] = member.user
    for user in db.session.scalars(
        select(User).join(ExpertProfile, ExpertProfile.user_id == User.id)
        .join(Assignment, Assignment.expert_id == ExpertProfile.id)
        .where(Assignment.order_id == order.id,
               Assignment.status.not_in(access.CANCELLED_ASSIGNMENT_STATUSES))
    ):
        people[user.id] = user
    return sorted(people.values(), key=lambda u: (u.full_name, u.id))


def add_follow_up(actor: User, session_id: int, text: str, owner_id: int | None,
                  due_on: date | None, now: datetime | None = None) -> FollowUp:
    seen = access.session_for_reader(actor, session_id)
    if not seen.can_lead:
        raise PermissionDenied("Only the people who lead the group can do this.")
    text = _clean(text)[:500]
    owner = next((u for u in circle_people(seen.session) if u.id == owner_id), None)
    if owner is None:
        raise InvalidInput("Choose who takes care of it.", code="unknown_owner",
                           field="owner_id")
    if due_on is None:
        raise InvalidInput("Give the date by which it is done.", code="missing_due_date",
                           field="due_on")
    item = FollowUp(session_id=seen.session.id, text=text, owner_id=owner.id, due_on=due_on,
                    created_by_id=actor.id, created_at=now or utcnow())
    db.session.add(item)
    db.session.flush()
    record_audit(actor, "follow_up_added", "session", seen.session.id, follow_up=item.id)
    return item


def follow_up_for_reader(actor: User, follow_up_id: int) -> FollowUp:
    item = db.session.get(FollowUp, follow_up_id)
    if item is None:
        raise NotFound("The follow-up was not found.", code="follow_up_not_found")
    access.session_for_reader(actor, item.session_id)
    return item


def set_follow_up_done(actor: User, follow_up_id: int, done: bool = True,
                       now: datetime | None = None) -> FollowUp:
    """Mark a follow-up done (or open again): its owner or those who lead."""
    item = follow_up_for_reader(actor, follow_up_id)
    seen = access.session_for_reader(actor, item.session_id)
    if not (seen.can_lead or item.owner_id == actor.id):
        raise PermissionDenied("Only its owner and the people who lead the group can do this.")
    action = "finish" if done else "reopen"
    if not FOLLOW_UP.can(item.status, action):
        raise Conflict("The follow-up is already marked like that.", code="follow_up_state")
    FOLLOW_UP.apply(item, action)
    item.done_at, item.done_by_id = (now or utcnow(), actor.id) if done else (None, None)
    record_audit(actor, "follow_up_done" if done else "follow_up_reopened", "session",
                 item.session_id, follow_up=item.id)
    db.session.flush()
    return item


def open_follow_ups_of(user: User) -> list[FollowUp]:
    """The user's own open follow-ups, for their participation page."""
    return list(db.session.scalars(
        select(FollowUp).where(FollowUp.owner_id == user.id, FollowUp.status == "open")
        .order_by(FollowUp.due_on, FollowUp.id)))
