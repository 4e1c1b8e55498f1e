"""The e-mail outbox: messages wait here until a job delivers them over SMTP."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.common.checks import one_of
from app.common.timeutil import utcnow
from app.common.types import UTCDateTime
from app.extensions import db

OUTBOX_STATUSES = ("pending", "sent", "failed")


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (one_of("status", OUTBOX_STATUSES, "status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    to_address: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    #: iCalendar attachment (text/calendar), for booking mails.
    ics: Mapped[str | None] = mapped_column(Text)
    #: The recipient's language, in which the mail was written (the HTML part's ``lang``).
    language: Mapped[str | None] = mapped_column(String(3))
    #: Kind of mail, e.g. "password_reset", for tests and support.
    kind: Mapped[str] = mapped_column(String(64), index=True)
    #: Set for mails that must go out once only (e.g. "reminder_48h:17"); unique.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
