"""Orders (one-off or a series of sessions), invitations, assignments, completion reports."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.bookings.states import ASSIGNMENT_STATUSES, INVITATION_STATUSES, ORDER_STATUSES
from app.common.checks import one_of
from app.common.timeutil import utcnow
from app.common.types import FixedDecimal, Money, UTCDateTime
from app.extensions import db

order_expertise_areas = Table(
    "order_expertise_areas",
    db.metadata,
    Column("order_id", ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("expertise_areas.id"), primary_key=True),
)


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        one_of("status", ORDER_STATUSES, "status_known"),
        CheckConstraint("experts_needed >= 1 AND experts_needed <= 50", name="experts_needed"),
        CheckConstraint("remote OR municipality_code IS NOT NULL", name="venue_or_remote"),
        #: The organisation's order list, newest first, in keyset pages.
        Index("ix_orders_organisation_id_created_at_id", "organisation_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    assignment_type_id: Mapped[int] = mapped_column(ForeignKey("assignment_types.id"))
    #: The schedule in force on the first session's date, kept for the booking's life.
    fee_schedule_id: Mapped[int | None] = mapped_column(ForeignKey("fee_schedules.id"))
    language: Mapped[str] = mapped_column(String(3), default="fi")
    experts_needed: Mapped[int] = mapped_column(Integer, default=1)
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipalities.code"))
    address: Mapped[str] = mapped_column(String(300), default="")
    audience: Mapped[str] = mapped_column(String(300), default="")
    accessibility: Mapped[str] = mapped_column(String(500), default="")
    billing_reference: Mapped[str] = mapped_column(String(100), default="")
    #: Orders still short of experts at this moment become unfilled.
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    #: Set for a series (e.g. the three-session co-development process).
    series_template: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: True when cancelled inside the late-cancellation window (fees still paid).
    cancelled_late: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Why a coordinator cancelled on the organisation's behalf.
    cancel_reason: Mapped[str | None] = mapped_column(String(500))

    organisation: Mapped[Organisation] = relationship()  # noqa: F821
    assignment_type: Mapped[AssignmentType] = relationship()  # noqa: F821
    municipality: Mapped[Municipality | None] = relationship()  # noqa: F821
    expertise_areas: Mapped[list[ExpertiseArea]] = relationship(  # noqa: F821
        secondary=order_expertise_areas
    )
    sessions: Mapped[list[OrderSession]] = relationship(
        back_populates="order", order_by="OrderSession.position", cascade="all, delete-orphan"
    )
    invitations: Mapped[list[Invitation]] = relationship(back_populates="order")
    assignments: Mapped[list[Assignment]] = relationship(back_populates="order")

    @property
    def is_series(self) -> bool:
        return len(self.sessions) > 1

    @property
    def starts_at(self) -> datetime | None:
        return self.sessions[0].starts_at if self.sessions else None


class OrderSession(db.Model):
    """One meeting of an order; a one-off order has one, a series several."""

    __tablename__ = "order_sessions"
    __table_args__ = (
        UniqueConstraint("order_id", "position"),
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 1440", name="duration"),
        #: The coordinator's order console: orders by their first session, newest first.
        Index("ix_order_sessions_position_starts_at_id", "position", "starts_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    #: Agenda prompts, e.g. from the co-development template.
    agenda: Mapped[str] = mapped_column(Text, default="")

    order: Mapped[Order] = relationship(back_populates="sessions")


class Invitation(db.Model):
    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("order_id", "expert_id"),
        one_of("status", INVITATION_STATUSES, "status_known"),
        #: The expert's own invitations, newest first, in keyset pages.
        Index("ix_invitations_expert_id_created_at_id", "expert_id", "created_at", "id"),
        # The expert's open offers, paged by their deadline.
        Index("ix_invitations_expert_id_status_expires_at_id", "expert_id", "status",
              "expires_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert_profiles.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    #: The candidate's place in the matching ranking when invited (cascade order).
    rank: Mapped[int | None] = mapped_column(Integer)
    #: Null when the cascade invited automatically.
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Optional, never required.
    decline_reason: Mapped[str | None] = mapped_column(String(500))

    order: Mapped[Order] = relationship(back_populates="invitations")
    expert: Mapped[ExpertProfile] = relationship()  # noqa: F821


class Assignment(db.Model):
    """An accepted invitation: one expert booked for one session."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("session_id", "expert_id"),
        one_of("status", ASSIGNMENT_STATUSES, "status_known"),
        #: Matching looks up each candidate's bookings near the order's sessions.
        Index("ix_assignments_expert_id_starts_at", "expert_id", "starts_at"),
        #: "What needs you now" and the coordinator's console read the work in one state
        #: (reported, disputed…) in time order: without it they scan every assignment.
        Index("ix_assignments_status_starts_at_id", "status", "starts_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("order_sessions.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert_profiles.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"))
    status: Mapped[str] = mapped_column(String(32), default="booked", index=True)
    #: Copied from the session so overlap checks need no join.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    #: Late cancellation by the organisation: the fee is still paid.
    fee_due_despite_cancellation: Mapped[bool] = mapped_column(Boolean, default=False)
    #: iCalendar SEQUENCE: grows with every change sent to the expert's calendar.
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[Order] = relationship(back_populates="assignments")
    session: Mapped[OrderSession] = relationship()
    expert: Mapped[ExpertProfile] = relationship()  # noqa: F821
    report: Mapped[CompletionReport | None] = relationship(
        back_populates="assignment", uselist=False
    )


class CompletionReport(db.Model):
    """What the expert reports after the assignment, and the organisation's confirmation."""

    __tablename__ = "completion_reports"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 1440", name="duration"),
        CheckConstraint("km_driven >= 0 AND km_driven <= 50000", name="km_driven"),
        CheckConstraint("one_way_km >= 0 AND one_way_km <= 50000", name="one_way_km"),
        CheckConstraint("passengers >= 0 AND passengers <= 8", name="passengers"),
        CheckConstraint("public_transport_eur >= 0", name="public_transport"),
        CheckConstraint("parking_eur >= 0", name="parking"),
        CheckConstraint("trip_hours >= 0 AND trip_hours <= 2400", name="trip_hours"),
        CheckConstraint("free_meals >= 0 AND free_meals <= 3", name="free_meals"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), unique=True)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Kilometres with one decimal (stored in tenths).
    km_driven: Mapped[Decimal] = mapped_column(FixedDecimal(1), default=Decimal("0"))
    passengers: Mapped[int] = mapped_column(Integer, default=0)
    public_transport_eur: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    parking_eur: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    departure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trip_hours: Mapped[Decimal] = mapped_column(FixedDecimal(2), default=Decimal("0"))
    one_way_km: Mapped[Decimal] = mapped_column(FixedDecimal(1), default=Decimal("0"))
    free_meals: Mapped[int] = mapped_column(Integer, default=0)
    receipt_path: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispute_reason: Mapped[str | None] = mapped_column(Text)
    #: The expert's answer to the organisation's dispute (they are asked for one).
    expert_reply: Mapped[str | None] = mapped_column(Text)
    expert_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: How a coordinator resolved a dispute: confirm, correct or void.
    resolution: Mapped[str | None] = mapped_column(String(20))
    resolution_reason: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    assignment: Mapped[Assignment] = relationship(back_populates="report")


class CalendarFeed(db.Model):
    """A user's secret calendar subscription address (an expert's work, an organisation's
    orders). The address is ``selector`` + ``verifier``: the row is found by the selector and
    the verifier compared in constant time; a reset replaces both."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    #: Random, public half of the secret address: finds the row.
    selector: Mapped[str] = mapped_column(String(16), unique=True)
    #: Random, secret half (32 URL-safe characters, 192 bits).
    verifier: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderNote(db.Model):
    """A coordinator's note on an order, seen by the bank's staff only."""

    __tablename__ = "order_notes"
    __table_args__ = (Index("ix_order_notes_order_id_created_at_id", "order_id", "created_at",
                            "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()  # noqa: F821
