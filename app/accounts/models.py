"""Users, their roles, API tokens and the sign-in attempts that rate-limit logins."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.checks import one_of
from app.common.timeutil import utcnow
from app.common.types import UTCDateTime
from app.extensions import db

ORGANISATION_MEMBER = "organisation_member"
EXPERT = "expert"
COORDINATOR = "coordinator"
FINANCE = "finance"
ADMIN = "admin"
#: A client or relative in a participation group (a light account: group pages only).
PARTICIPANT = "participant"
ROLES = (ORGANISATION_MEMBER, EXPERT, COORDINATOR, FINANCE, ADMIN, PARTICIPANT)
LANGUAGES = ("fi", "sv", "en")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        one_of("role", ROLES, "role_known"),
        one_of("language", LANGUAGES, "language_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-case; the sign-in name.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: argon2id hash; empty for anonymised (closed) accounts.
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(2), default="fi")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Base32 TOTP secret; staff (finance, coordinator, admin) sign in with its codes.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: The 30-second time step of the last accepted TOTP code: a code is accepted once.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    #: Changes whenever the password does: old reset links stop working.
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The address the account had before its latest e-mail change (app/accounts/email_change):
    #: money-change notices go there too for 30 days. Erased when the account is closed.
    previous_email: Mapped[str | None] = mapped_column(String(254))
    #: When the e-mail address last changed; an unused change link stops working then.
    email_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the account was closed (app/privacy): it can no longer sign in.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when a closed account's e-mail and payment details were erased (after its
    #: last payout was paid); null while the bank still owes it money.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    membership: Mapped[Membership | None] = relationship(  # noqa: F821
        back_populates="user", uselist=False
    )
    expert_profile: Mapped[ExpertProfile | None] = relationship(  # noqa: F821
        back_populates="user", uselist=False, foreign_keys="ExpertProfile.user_id"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    @property
    def organisation_id(self) -> int | None:
        return self.membership.organisation_id if self.membership else None

    @property
    def expert_id(self) -> int | None:
        return self.expert_profile.id if self.expert_profile else None

    @property
    def is_organisation_admin(self) -> bool:
        return bool(self.membership and self.membership.is_admin)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


#: Kinds of counted attempts: a password at sign-in, a two-factor code.
ATTEMPT_KINDS = ("password", "totp")


class LoginAttempt(db.Model):
    """One sign-in attempt or two-factor code; failures in a window make the next attempts
    wait (HTTP 429), counted per account and per client address.

    Kept in the database so every worker on every host sees the same count.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_created", "email", "created_at"),
        Index("ix_login_attempts_address_created", "address", "created_at"),
        one_of("kind", ATTEMPT_KINDS, "kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The client's address as the app sees it (behind PROXY_COUNT proxies: the real one).
    address: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="password", server_default="password")


class UserSession(db.Model):
    """A signed-in browser session; the cookie carries a random key, only its hash is here.

    Ending the row (sign-out, sign out everywhere, a new password) ends the session on the
    server, whatever the browser keeps.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Written at most once a minute: the idle timeout counts from here.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the user last passed the second factor in this session (money-moving steps
    #: need one from the last 15 minutes).
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(db.Model):
    """A one-time recovery code given at two-factor enrolment; only its hash is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
