"""Signed-in sessions kept on the server: started at sign-in, ended by sign-out, by "sign out
everywhere" and by a new password, and by an idle timeout and an absolute lifetime."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.accounts.models import ApiToken, User, UserSession
from app.accounts.second_factor import STAFF_ROLES
from app.audit.services import record_audit
from app.extensions import db

#: A session's last use is written down at most this often.
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class Timeouts:
    """Idle timeouts (staff with money or personal data, everyone else) and the lifetime."""

    staff_idle: timedelta = timedelta(minutes=30)
    idle: timedelta = timedelta(hours=8)
    lifetime: timedelta = timedelta(hours=12)

    def idle_for(self, user: User) -> timedelta:
        return self.staff_idle if user.role in STAFF_ROLES else self.idle


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user: User, now: datetime, *, second_factor: bool) -> str:
    """A new session of ``user``; returns the random key that the cookie carries."""
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_hash=_hash(key), created_at=now,
                               last_seen_at=now, second_factor_at=now if second_factor else None))
    db.session.flush()
    return key


def live_session(user_id: int, key: str | None, now: datetime,
                 timeouts: Timeouts) -> UserSession | None:
    """The session of ``key`` if it belongs to ``user_id`` and has not ended, idled out or
    outlived its lifetime; an expired one is ended here. Touches its last use (the caller
    commits)."""
    if not key:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.key_hash == _hash(key)))
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return None
    user = db.session.get(User, row.user_id)
    if (user is None or not user.active or now - row.last_seen_at > timeouts.idle_for(user)
            or now - row.created_at > timeouts.lifetime):
        row.ended_at = now
        return None
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
    return row


def end_session(key: str | None, now: datetime) -> None:
    """End one session (sign-out)."""
    if key:
        db.session.execute(update(UserSession).where(
            UserSession.key_hash == _hash(key), UserSession.ended_at.is_(None)).values(
            ended_at=now))


def end_sessions(user: User, now: datetime, *, keep_key: str | None = None) -> None:
    """End every session of ``user`` but the one of ``keep_key``, and revoke every API token."""
    query = update(UserSession).where(UserSession.user_id == user.id,
                                      UserSession.ended_at.is_(None))
    if keep_key:
        query = query.where(UserSession.key_hash != _hash(keep_key))
    db.session.execute(query.values(ended_at=now))
    db.session.execute(update(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now))


def sign_out_everywhere(user: User, now: datetime) -> None:
    """End all the user's sessions (this one too) and revoke their API tokens; audited."""
    end_sessions(user, now)
    record_audit(user, "signed_out_everywhere", "user", user.id)
    db.session.flush()


def mark_second_factor(row: UserSession, now: datetime) -> None:
    row.second_factor_at = now
    db.session.flush()
