"""The anonymous feedback channel: a public form, no account, nothing about the sender.

Spam is kept out without third-party services: a honeypot field that people never see
(anything in it drops the post) and a signed timestamp in the form (posts sent faster
than a person can write, or with a broken or very old timestamp, are not stored). The
route limits posts per address in Flask-Limiter's counters, never in the database.

Nothing identifying is stored with the text: no address, browser, account, session or
exact time, and no audit entry or mail is written when a message arrives (their times
could be matched with server logs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, Signer
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.audit.services import record_audit
from app.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.common.paging import Page, keyset_page
from app.common.timeutil import to_helsinki, utcnow
from app.extensions import db
from app.organisations.models import Organisation
from app.participation import access
from app.participation.channel.models import AnonymousFeedback, AnonymousFeedbackTag
from app.participation.mails import absolute_url, mail_user, organisation_admins
from app.participation.rules import CHANNEL_TOPICS
from app.participation.states import CHANNEL

SALT = "anonymous-feedback-form"
#: Faster than this from opening the form to sending it is a robot.
MIN_FILL_TIME = timedelta(seconds=3)
#: An older form is sent again with a fresh timestamp.
MAX_FORM_AGE = timedelta(hours=6)
MAX_TEXT = 5000
MAX_TAGS = 10

STORED, DROPPED, TOO_FAST, EXPIRED = "stored", "dropped", "too_fast", "expired"


def make_form_token(secret_key: str, now: datetime | None = None) -> str:
    """The signed moment the form was shown (whole seconds, nothing else)."""
    moment = int((now or utcnow()).timestamp())
    return Signer(secret_key, salt=SALT).sign(str(moment)).decode()


def form_age(secret_key: str, token: str, now: datetime | None = None) -> timedelta | None:
    """How long ago the form with ``token`` was shown; None for a missing or forged token."""
    try:
        moment = int(Signer(secret_key, salt=SALT).unsign(token or "").decode())
    except (BadSignature, ValueError):
        return None
    return (now or utcnow()) - datetime.fromtimestamp(moment, tz=UTC)


@dataclass(frozen=True)
class ChannelPost:
    topic: str
    text: str
    about: str = ""
    #: The signed timestamp of the form.
    token: str = ""
    #: The hidden field; people leave it empty.
    honeypot: str = ""


def receive(secret_key: str, post: ChannelPost, now: datetime | None = None
            ) -> tuple[str, AnonymousFeedback | None]:
    """Store an anonymous message, or drop it; returns (outcome, the stored row or None).

    Outcomes: ``stored``; ``dropped`` (the honeypot was filled: the sender is told
    "thank you" and nothing is kept); ``too_fast`` and ``expired`` (nothing is kept,
    the form is shown again to be sent once more).
    """
    now = now or utcnow()
    if post.honeypot.strip():
        return DROPPED, None
    age = form_age(secret_key, post.token, now)
    if age is None or age > MAX_FORM_AGE or age < timedelta(0):
        return EXPIRED, None
    if age < MIN_FILL_TIME:
        return TOO_FAST, None
    if post.topic not in CHANNEL_TOPICS:
        raise InvalidInput("Choose what your message is about.", code="unknown_topic",
                           field="topic")
    text = (post.text or "").strip()
    if not text:
        raise InvalidInput("Write your message.", code="missing_text", field="text")
    if len(text) > MAX_TEXT:
        raise InvalidInput("The message is too long (at most 5000 characters).",
                           code="text_too_long", field="text")
    row = AnonymousFeedback(topic=post.topic, about=(post.about or "").strip()[:200],
                            text=text, received_on=to_helsinki(now).date(), status="new")
    db.session.add(row)
    db.session.flush()
    return STORED, row


# --- The coordinators' inbox ------------------------------------------------------------------


def _require_staff(actor: User) -> None:
    if not access.is_staff(actor):
        raise PermissionDenied("Only the bank's coordinators can do this.")


def _inbox_query(status: str | None, tag: str | None):
    query = select(AnonymousFeedback).options(selectinload(AnonymousFeedback.tags),
                                              selectinload(AnonymousFeedback.forwarded_to))
    if status:
        query = query.where(AnonymousFeedback.status == status)
    else:
        query = query.where(AnonymousFeedback.status != "archived")
    if tag:
        query = query.where(AnonymousFeedback.id.in_(
            select(AnonymousFeedbackTag.feedback_id).where(AnonymousFeedbackTag.tag == tag)))
    return query


def inbox(actor: User, status: str | None = None, tag: str | None = None
          ) -> list[AnonymousFeedback]:
    """Every message of the inbox (of one status, with one tag), newest first."""
    _require_staff(actor)
    return list(db.session.scalars(_inbox_query(status, tag).order_by(
        AnonymousFeedback.received_on.desc(), AnonymousFeedback.id.desc())))


def inbox_page(actor: User, status: str | None = None, tag: str | None = None, *,
               cursor: str | None, limit: int) -> Page:
    """One page of the inbox, newest first (the day it arrived, then the random id)."""
    _require_staff(actor)
    return keyset_page(db.session, _inbox_query(status, tag),
                       [AnonymousFeedback.received_on, AnonymousFeedback.id],
                       cursor=cursor, limit=limit)


def new_count(actor: User) -> int:
    """How many messages nobody has read yet (counted in the database)."""
    _require_staff(actor)
    return db.session.scalar(select(func.count()).select_from(AnonymousFeedback).where(
        AnonymousFeedback.status == "new"))


def all_tags() -> list[str]:
    return list(db.session.scalars(select(AnonymousFeedbackTag.tag).distinct()
                                   .order_by(AnonymousFeedbackTag.tag)))


def message_for_staff(actor: User, message_id: int) -> AnonymousFeedback:
    _require_staff(actor)
    row = db.session.get(AnonymousFeedback, message_id)
    if row is None:
        raise NotFound("The message was not found.", code="message_not_found")
    return row


def mark_read(actor: User, message_id: int) -> AnonymousFeedback:
    row = message_for_staff(actor, message_id)
    if row.status == "new":
        CHANNEL.apply(row, "read")
        db.session.flush()
    return row


def parse_tags(text: str) -> list[str]:
    """Tags from "Transport, waiting times": lower-case, trimmed, unique, in order."""
    tags = []
    for part in re.split(r"[,;\n]", text or ""):
        tag = " ".join(part.split()).lower()[:40]
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def set_tags(actor: User, message_id: int, text: str) -> AnonymousFeedback:
    row = message_for_staff(actor, message_id)
    tags = parse_tags(text)
    if len(tags) > MAX_TAGS:
        raise InvalidInput("Use at most ten tags.", code="too_many_tags", field="tags")
    row.tags = [AnonymousFeedbackTag(tag=tag) for tag in tags]
    if row.status == "new":
        CHANNEL.apply(row, "read")
    record_audit(actor, "anonymous_feedback_tagged", "anonymous_feedback", row.id,
                 tags=",".join(tags))
    db.session.flush()
    return row


def forward(actor: User, message_id: int, organisation_id: int | None, note: str = "",
            now: datetime | None = None) -> AnonymousFeedback:
    """Send the message on to the organisation it concerns; its administrators are told."""
    row = message_for_staff(actor, message_id)
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None:
        raise InvalidInput("Choose the organisation.", code="unknown_organisation",
                           field="organisation_id")
    if not CHANNEL.can(row.status, "forward"):
        raise Conflict("An archived message cannot be forwarded. Restore it first.",
                       code="message_archived")
    CHANNEL.apply(row, "forward")
    row.forwarded_to = organisation
    row.forwarded_at = now or utcnow()
    row.forwarded_by_id = actor.id
    row.forward_note = (note or "").strip()[:5000]
    record_audit(actor, "anonymous_feedback_forwarded", "anonymous_feedback", row.id,
                 organisation=organisation.id)
    db.session.flush()
    for user in organisation_admins(organisation.id):
        mail_user(user, "channel_forwarded", message=row, organisation=organisation,
                  link=absolute_url("channel_staff.channel_forwarded"))
    return row


def archive(actor: User, message_id: int, restore: bool = False) -> AnonymousFeedback:
    row = message_for_staff(actor, message_id)
    action = "restore" if restore else "archive"
    if not CHANNEL.can(row.status, action):
        raise Conflict("The message cannot be moved like that now.", code="message_state")
    CHANNEL.apply(row, action)
    record_audit(actor, f"anonymous_feedback_{action}d", "anonymous_feedback", row.id)
    db.session.flush()
    return row


def _forwarded_query(user: User):
    return select(AnonymousFeedback).where(
        AnonymousFeedback.forwarded_to_id == user.organisation_id,
        AnonymousFeedback.forwarded_at.is_not(None))


def forwarded_to(user: User) -> list[AnonymousFeedback]:
    """Anonymous messages the bank forwarded to the user's organisation."""
    if user.organisation_id is None:
        return []
    return list(db.session.scalars(_forwarded_query(user).order_by(
        AnonymousFeedback.forwarded_at.desc(), AnonymousFeedback.id.desc())))


def forwarded_page(user: User, *, cursor: str | None, limit: int) -> Page:
    """One page of `forwarded_to`, the latest forwarded first."""
    if user.organisation_id is None:
        return Page(items=[], next_cursor=None, is_continuation=False)
    return keyset_page(db.session, _forwarded_query(user),
                       [AnonymousFeedback.forwarded_at, AnonymousFeedback.id],
                       cursor=cursor, limit=limit)


def forwarded_count(user: User) -> int:
    """How many messages were forwarded to the user's organisation (counted in SQL)."""
    if user.organisation_id is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(
        _forwarded_query(user).subquery()))
