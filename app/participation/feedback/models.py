"""Feedback after an assignment, and reporting back what changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.checks import one_of
from app.common.timeutil import utcnow
from app.common.types import UTCDateTime
from app.extensions import db

# --- Feedback after an assignment, and reporting back ------------------------------------


class Feedback(db.Model):
    """Feedback on one assignment: one from the organisation, one from the expert."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("assignment_id", "author_id"),
        UniqueConstraint("assignment_id", "author_kind"),
        one_of("author_kind", ("organisation", "expert"), "author_kind_known"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
        #: The paging order of the coordinators' feedback list (newest first).
        Index("ix_feedback_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_kind: Mapped[str] = mapped_column(String(20))
    #: 1–5: how the cooperation worked.
    rating: Mapped[int | None] = mapped_column(Integer)
    #: Was the expert's input heard and respected?
    input_heard: Mapped[bool | None] = mapped_column(Boolean)
    text: Mapped[str] = mapped_column(Text, default="")
    #: An expert's feedback reaches the organisation with their name only if they choose so.
    share_identity_with_organisation: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Read by the bank's coordinators only, never shown to the other side.
    coordinator_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignment: Mapped[Assignment] = relationship()  # noqa: F821
    author: Mapped[User | None] = relationship()  # noqa: F821


class ImpactReport(db.Model):
    """The organisation's answer to "what did you do with the input?"."""

    __tablename__ = "impact_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The one reminder, sent when the request has waited long without an answer.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(String(300), default="")

    order: Mapped[Order] = relationship()  # noqa: F821
    answered_by: Mapped[User | None] = relationship()  # noqa: F821
