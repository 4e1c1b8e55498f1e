"""Users, their roles, API tokens and the sign-in attempts that rate-limit logins."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, String
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
    #: Base32 TOTP secret; finance users must have one to approve payouts.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: Changes whenever the password does: old reset links stop working.
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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


class LoginAttempt(db.Model):
    """One sign-in attempt; failures in a window make the next attempts wait (HTTP 429).

    Kept in the database so every worker on every host sees the same count.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_created", "email", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
