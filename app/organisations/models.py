"""Organisations (municipalities, wellbeing services counties, NGOs…) and memberships."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.checks import one_of
from app.common.timeutil import utcnow
from app.common.types import UTCDateTime
from app.extensions import db
from app.organisations.states import ORGANISATION_STATUSES

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
