"""Organisations (municipalities, wellbeing services counties, NGOs…) and memberships."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.checks import one_of
from app.common.timeutil import utcnow
from app.common.types import UTCDateTime
from app.extensions import db
from app.organisations.states import COLLEAGUE_INVITATION_STATUSES, ORGANISATION_STATUSES

ORGANISATION_KINDS = (
    "wellbeing_county",
    "municipality",
    "ngo",
    "school",
    "company",
    "other",
)


class Organisation(db.Model):
    __tablename__ = "organisations"
    __table_args__ = (
        one_of("kind", ORGANISATION_KINDS, "kind_known"),
        one_of("status", ORGANISATION_STATUSES, "status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Finnish business ID (Y-tunnus) such as 1234567-1, check digit validated.
    business_id: Mapped[str] = mapped_column(String(9), unique=True)
    kind: Mapped[str] = mapped_column(String(32), default="other")
    billing_email: Mapped[str] = mapped_column(String(254))
    #: E-invoice address: OVT code 0037 + business ID digits + optional suffix.
    einvoice_address: Mapped[str | None] = mapped_column(String(64))
    #: E-invoice operator (intermediator) ID: its OVT code or BIC.
    einvoice_operator: Mapped[str | None] = mapped_column(String(64))
    #: The organisation's reference on every invoice (an order may give its own).
    billing_reference: Mapped[str | None] = mapped_column(String(100))
    stripe_customer_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Vetting: a new organisation is "pending" until a coordinator approves it
    #: (`ORGANISATION` in states.py, applied only by services.decide_organisation).
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The coordinator's reason, sent to the organisation.
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation")

    @property
    def is_approved(self) -> bool:
        return self.status == "approved"


class Membership(db.Model):
    """A user's place in one organisation; admins may invite colleagues."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="membership")  # noqa: F821
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class ColleagueInvitation(db.Model):
    """An organisation administrator's invitation to a colleague's e-mail address.

    No account is made until the invited person accepts with the e-mailed link, so the
    organisation sees the same waiting row for every address: an address that already has
    an account is told so by e-mail, and its invitation just expires. Only the SHA-256 hash
    of the link's secret is stored. Its ``status`` follows `COLLEAGUE_INVITATION`
    (states.py), applied only by app/organisations/invitations.py.
    """

    __tablename__ = "colleague_invitations"
    __table_args__ = (
        one_of("status", COLLEAGUE_INVITATION_STATUSES, "status_known"),
        Index("ix_colleague_invitations_organisation_status", "organisation_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    #: The name the administrator typed (the invited person may correct it on accepting).
    full_name: Mapped[str] = mapped_column(String(200))
    #: Stored lower-case, as the sign-in name would be.
    email: Mapped[str] = mapped_column(String(254), index=True)
    #: The language of the mail and of the new account (the inviter's language).
    language: Mapped[str] = mapped_column(String(2), default="fi")
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the mail was last sent (the first time or again).
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When it was accepted, declined, cancelled or expired.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship(  # noqa: F821
        foreign_keys=[invited_by_id])
