"""Calendar subscription feeds at secret addresses: an expert's work, an organisation's orders.

The secret is random (selector + verifier, 288 bits); the row is found by its selector and
the verifier is compared with `hmac.compare_digest`, so the answer time tells nothing of it.
A reset replaces both halves and the old address answers 404.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import EXPERT, ORGANISATION_MEMBER, User
from app.audit.services import record_audit
from app.bookings.calendar import expert_feed_ics, organisation_feed_ics
from app.bookings.models import Assignment, CalendarFeed, Order, OrderSession
from app.common.errors import NotFound, PermissionDenied
from app.common.timeutil import utcnow
from app.extensions import db
from app.web.templating import absolute_url

SELECTOR_LENGTH = 16
VERIFIER_LENGTH = 32
#: How far back a feed shows past work.
FEED_HISTORY = timedelta(days=365)


def _check_role(user: User) -> None:
    if user.role == EXPERT and user.expert_profile is not None:
        return
    if user.role == ORGANISATION_MEMBER and user.organisation_id is not None:
        return
    raise PermissionDenied("Only experts and organisation members have a calendar feed.")


def _new_secret(feed: CalendarFeed) -> None:
    feed.selector = secrets.token_urlsafe(12)[:SELECTOR_LENGTH]
    feed.verifier = secrets.token_urlsafe(24)[:VERIFIER_LENGTH]
    feed.created_at = utcnow()


def calendar_feed_of(user: User) -> CalendarFeed:
    """The user's feed, made on first use (flushed; the caller commits)."""
    _check_role(user)
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        _new_secret(feed)
        db.session.add(feed)
        db.session.flush()
    return feed


def reset_calendar_feed(user: User) -> CalendarFeed:
    """A new secret address; the old one stops working at once."""
    feed = calendar_feed_of(user)
    _new_secret(feed)
    record_audit(user, "calendar_feed_reset", "user", user.id)
    db.session.flush()
    return feed


def feed_secret(feed: CalendarFeed) -> str:
    return feed.selector + feed.verifier


def feed_url(feed: CalendarFeed) -> str:
    """The full subscription address, on ``BASE_URL``."""
    return absolute_url("calendar_feed.feed", secret=feed_secret(feed))


def feed_by_secret(secret: str) -> CalendarFeed:
    """The feed of a secret address, or `NotFound` (also for a closed account or a member who
    has left the organisation)."""
    missing = NotFound("The calendar was not found.", code="calendar_not_found")
    if len(secret) != SELECTOR_LENGTH + VERIFIER_LENGTH or not secret.isascii():
        raise missing
    selector, verifier = secret[:SELECTOR_LENGTH], secret[SELECTOR_LENGTH:]
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.selector == selector))
    expected = feed.verifier if feed is not None else "x" * VERIFIER_LENGTH
    if not hmac.compare_digest(expected.encode(), verifier.encode()) or feed is None:
        raise missing
    user = db.session.get(User, feed.user_id)
    if user is None or not user.active:
        raise missing
    try:
        _check_role(user)
    except PermissionDenied:
        raise missing from None
    return feed


def feed_ics(feed: CalendarFeed, now: datetime | None = None) -> str:
    """The feed's calendar: the expert's work, or the organisation's orders."""
    now = now or utcnow()
    user = db.session.get(User, feed.user_id)
    since = now - FEED_HISTORY
    if user.role == EXPERT:
        assignments = db.session.scalars(
            select(Assignment)
            .where(Assignment.expert_id == user.expert_profile.id, Assignment.starts_at >= since)
            .options(selectinload(Assignment.order).selectinload(Order.municipality),
                     selectinload(Assignment.expert))
            .order_by(Assignment.starts_at, Assignment.id))
        return expert_feed_ics(assignments, "Kokemuspankki")
    has_recent_session = (select(OrderSession.id)
                          .where(OrderSession.order_id == Order.id,
                                 OrderSession.starts_at >= since).exists())
    orders = db.session.scalars(
        select(Order)
        .where(Order.organisation_id == user.organisation_id, Order.status != "draft",
               has_recent_session)
        .options(selectinload(Order.sessions), selectinload(Order.municipality),
                 selectinload(Order.assignments).selectinload(Assignment.expert))
        .order_by(Order.id))
    return organisation_feed_ics(orders, user, "Kokemuspankki")
