"""Feedback after every assignment, from the organisation and from the expert.

The expert's feedback about the organisation goes to the bank's coordinators. The
organisation sees it without the expert's name, order or date (pooled, and only once
there are a few, so one answer cannot be traced back) unless the expert chose to share
their name. Notes for the coordinator are never shown to the other side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import EXPERT, ORGANISATION_MEMBER, User
from app.audit.services import record_audit
from app.bookings.models import Assignment, Order
from app.common.errors import Conflict, InvalidInput, NotFound
from app.common.paging import Page, keyset_page
from app.common.timeutil import helsinki_to_utc, to_helsinki, utcnow
from app.extensions import db
from app.participation import access
from app.participation.feedback.models import Feedback
from app.participation.mails import absolute_url, coordinators, mail_user

#: Assignments whose work took place (booked ones count once they have ended).
TOOK_PLACE = ("reported", "disputed", "confirmed", "paid")
#: The organisation sees anonymous expert feedback only in batches of this many.
ANONYMITY_THRESHOLD = 3
#: Feedback is asked once the work has ended, and for this long afterwards.
REQUEST_DELAY = timedelta(hours=2)
REQUEST_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class FeedbackData:
    #: 1–5: how the cooperation worked (None: not answered).
    rating: int | None
    #: Was the expert's input heard and respected (None: cannot say).
    input_heard: bool | None
    text: str = ""
    share_identity_with_organisation: bool = False
    coordinator_note: str = ""


def _took_place(assignment: Assignment, now: datetime) -> bool:
    return assignment.status in TOOK_PLACE or (
        assignment.status == "booked" and assignment.ends_at <= now)


def side_of(user: User, assignment: Assignment) -> str | None:
    """"expert" or "organisation" when ``user`` may give feedback on the assignment."""
    if user.role == EXPERT and user.expert_id == assignment.expert_id:
        return "expert"
    if access.is_organisation_member_of(user, assignment.order.organisation_id):
        return "organisation"
    return None


def assignment_for_feedback(actor: User, assignment_id: int,
                            now: datetime | None = None) -> tuple[Assignment, str]:
    now = now or utcnow()
    assignment = db.session.get(Assignment, assignment_id)
    side = side_of(actor, assignment) if assignment is not None else None
    if side is None:
        raise NotFound("The work was not found.", code="assignment_not_found")
    if not _took_place(assignment, now):
        raise Conflict("You can give feedback once the work has taken place.",
                       code="assignment_not_done")
    return assignment, side


def existing_feedback(assignment_id: int, side: str) -> Feedback | None:
    return db.session.scalar(select(Feedback).where(Feedback.assignment_id == assignment_id,
                                                    Feedback.author_kind == side))


def give_feedback(actor: User, assignment_id: int, data: FeedbackData,
                  now: datetime | None = None) -> Feedback:
    """The organisation's or the expert's feedback on one assignment (once per side)."""
    now = now or utcnow()
    assignment, side = assignment_for_feedback(actor, assignment_id, now)
    if existing_feedback(assignment.id, side) is not None:
        raise Conflict("Feedback on this work has already been given. Thank you!",
                       code="feedback_given")
    if data.rating is not None and not 1 <= data.rating <= 5:
        raise InvalidInput("Choose one of the answers.", code="invalid_rating", field="rating")
    if data.rating is None and data.input_heard is None and not data.text.strip():
        raise InvalidInput("Answer at least one question.", code="empty_feedback",
                           field="rating")
    feedback = Feedback(
        assignment_id=assignment.id, author_id=actor.id, author_kind=side, rating=data.rating,
        input_heard=data.input_heard, text=data.text.strip()[:5000],
        share_identity_with_organisation=side == "expert"
        and data.share_identity_with_organisation,
        coordinator_note=data.coordinator_note.strip()[:5000], created_at=now,
    )
    db.session.add(feedback)
    db.session.flush()
    record_audit(actor, "feedback_given", "assignment", assignment.id, side=side)
    if side == "expert" and needs_attention(feedback):
        for coordinator in coordinators():
            mail_user(coordinator, "feedback_attention", feedback=feedback,
                      order=assignment.order,
                      link=absolute_url("participation_feedback.feedback_list"))
    return feedback


def needs_attention(feedback: Feedback) -> bool:
    """Expert feedback a coordinator should read at once: a low rating, not being heard,
    or a note written for the coordinator."""
    return bool((feedback.rating is not None and feedback.rating <= 2)
                or feedback.input_heard is False or feedback.coordinator_note)


# --- What each side sees ---------------------------------------------------------------------


def _waiting(user: User, now: datetime):
    """The conditions of the assignments that took place and still lack this user's side's
    feedback; None when the user gives no feedback."""
    if user.role == EXPERT and user.expert_id is not None:
        side, scope = "expert", Assignment.expert_id == user.expert_id
    elif user.role == ORGANISATION_MEMBER and user.organisation_id is not None:
        side = "organisation"
        scope = Assignment.order_id.in_(select(Order.id).where(
            Order.organisation_id == user.organisation_id))
    else:
        return None
    given = exists().where(Feedback.assignment_id == Assignment.id,
                           Feedback.author_kind == side)
    return (scope, ~given,
            (Assignment.status.in_(TOOK_PLACE))
            | ((Assignment.status == "booked") & (Assignment.ends_at <= now)))


def waiting_for_feedback(user: User, now: datetime | None = None) -> list[Assignment]:
    """Assignments that took place and still lack this user's side's feedback."""
    conditions = _waiting(user, now or utcnow())
    if conditions is None:
        return []
    return list(db.session.scalars(
        select(Assignment).where(*conditions)
        .options(selectinload(Assignment.order), selectinload(Assignment.expert))
        .order_by(Assignment.starts_at.desc())))


def waiting_count(user: User, now: datetime | None = None) -> int:
    """How many of `waiting_for_feedback` there are, counted in the database."""
    conditions = _waiting(user, now or utcnow())
    if conditions is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(Assignment).where(*conditions))


def given_by(user: User) -> list[Feedback]:
    """The feedback the user (or their organisation) has given."""
    if user.role == ORGANISATION_MEMBER and user.organisation_id is not None:
        scope = Feedback.assignment_id.in_(select(Assignment.id).join(Order).where(
            Order.organisation_id == user.organisation_id))
        query = select(Feedback).where(scope, Feedback.author_kind == "organisation")
    else:
        query = select(Feedback).where(Feedback.author_id == user.id)
    return list(db.session.scalars(query.order_by(Feedback.created_at.desc())))


def about_expert(user: User) -> list[Feedback]:
    """The organisations' feedback on the expert's work (without notes for the coordinator)."""
    if user.role != EXPERT or user.expert_id is None:
        return []
    return list(db.session.scalars(
        select(Feedback).join(Assignment).where(Assignment.expert_id == user.expert_id,
                                                Feedback.author_kind == "organisation")
        .order_by(Feedback.created_at.desc())))


@dataclass(frozen=True)
class OrganisationView:
    """Expert feedback as the organisation sees it."""

    #: With the expert's name (they chose to share it).
    named: list[Feedback]
    #: Without name, order or date; empty while there are fewer than the threshold.
    anonymous: list[AnonymousEntry]
    #: How many anonymous answers wait for the threshold.
    withheld: int


@dataclass(frozen=True)
class AnonymousEntry:
    rating: int | None
    input_heard: bool | None
    text: str


def about_organisation(user: User, now: datetime | None = None) -> OrganisationView:
    """What experts said about working with the user's organisation.

    Feedback without the expert's name is released in whole batches of
    `ANONYMITY_THRESHOLD` and only from the next day (Helsinki) on: an answer never
    appears alone, nor on the day of the work, so its timing cannot point at one
    assignment. The count of answers still held back moves only once a day too.
    """
    if user.role != ORGANISATION_MEMBER or user.organisation_id is None:
        return OrganisationView([], [], 0)
    rows = list(db.session.scalars(
        select(Feedback).join(Assignment).join(Order, Order.id == Assignment.order_id)
        .where(Order.organisation_id == user.organisation_id,
               Feedback.author_kind == "expert")
        .order_by(Feedback.created_at.desc())))
    named = [f for f in rows if f.share_identity_with_organisation]
    before_today = helsinki_to_utc(to_helsinki(now or utcnow()).date(), time())
    eligible = sorted((f for f in rows if not f.share_identity_with_organisation
                       and f.created_at < before_today), key=lambda f: (f.created_at, f.id))
    released = eligible[:len(eligible) // ANONYMITY_THRESHOLD * ANONYMITY_THRESHOLD]
    entries = sorted((AnonymousEntry(f.rating, f.input_heard, f.text) for f in released),
                     key=lambda e: (-(e.rating or 0), e.text))
    return OrganisationView(named, entries, len(eligible) - len(released))


def feedback_page(organisation_id: int | None = None, *, cursor: str | None,
                  limit: int) -> Page:
    """One page of all feedback (of one organisation's orders), newest first, with its author
    and the work's order and organisation loaded together, for the bank's coordinators."""
    query = select(Feedback).options(
        selectinload(Feedback.author),
        selectinload(Feedback.assignment).selectinload(Assignment.order)
        .selectinload(Order.organisation))
    if organisation_id is not None:
        query = query.join(Assignment).join(Order, Order.id == Assignment.order_id).where(
            Order.organisation_id == organisation_id)
    return keyset_page(db.session, query, [Feedback.created_at, Feedback.id], cursor=cursor,
                       limit=limit)


# --- Asking for feedback -----------------------------------------------------------------------


def _feedback_link(assignment: Assignment) -> str:
    return absolute_url("participation_feedback.give_feedback", assignment_id=assignment.id)


def request_feedback(now: datetime | None = None) -> int:
    """Ask for feedback once after each assignment: the expert, and (once per session)
    the member of the organisation who made the order.

    Returns the number of mails queued (each at most once: outbox dedupe keys).
    """
    now = now or utcnow()
    due = db.session.scalars(
        select(Assignment).where(
            Assignment.ends_at <= now - REQUEST_DELAY,
            Assignment.ends_at > now - REQUEST_WINDOW,
            Assignment.status.in_(("booked", *TOOK_PLACE)))
        .options(selectinload(Assignment.order), selectinload(Assignment.expert))
        .order_by(Assignment.id)).all()
    queued = 0
    for assignment in due:
        sides = {f.author_kind for f in db.session.scalars(
            select(Feedback).where(Feedback.assignment_id == assignment.id))}
        if "expert" not in sides:
            queued += mail_user(assignment.expert.user, "feedback_request",
                                dedupe_key=f"feedback_request:expert:{assignment.id}",
                                assignment=assignment, order=assignment.order, side="expert",
                                link=_feedback_link(assignment))
        creator = db.session.get(User, assignment.order.created_by_id)
        if "organisation" not in sides and creator is not None and \
                creator.organisation_id == assignment.order.organisation_id:
            queued += mail_user(creator, "feedback_request",
                                dedupe_key=f"feedback_request:organisation:{assignment.session_id}",
                                assignment=assignment, order=assignment.order,
                                side="organisation",
                                link=absolute_url("participation_feedback.feedback_list"))
    return queued
