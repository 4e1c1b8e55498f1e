"""The anonymous feedback channel: messages without any identifier, and their tags."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.checks import one_of
from app.common.types import UTCDateTime
from app.extensions import db
from app.participation.rules import (
    CHANNEL_TOPICS,
)
from app.participation.states import (
    CHANNEL_STATUSES,
)

# --- The anonymous feedback channel ---------------------------------------------------------

#: Ids of anonymous messages are drawn at random from 1 … 2**31 - 1 (the INTEGER column's
#: range on every database): a sequential id would tell the order, and so the timing, of
#: the messages (e.g. "the message after mine").
ANONYMOUS_ID_LIMIT = 2**31 - 1


def random_message_id() -> int:
    """A fresh random id; a clash (about one in two billion) fails the insert, not the data."""
    return secrets.randbelow(ANONYMOUS_ID_LIMIT) + 1


class AnonymousFeedback(db.Model):
    """A message sent without an account.

    Deliberately holds nothing about the sender: no address, browser, account,
    session or exact time (only the day it arrived).
    """

    __tablename__ = "anonymous_feedback"
    __table_args__ = (
        one_of("topic", CHANNEL_TOPICS, "topic_known"),
        one_of("status", CHANNEL_STATUSES, "status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True,
                                    default=random_message_id)
    topic: Mapped[str] = mapped_column(String(32))
    #: Which service or organisation it is about, in the sender's words (optional).
    about: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12), default="new", index=True)
    forwarded_to_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"),
                                                        index=True)
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    forwarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The coordinator's words to the organisation it was forwarded to.
    forward_note: Mapped[str] = mapped_column(Text, default="")

    forwarded_to: Mapped[Organisation | None] = relationship()  # noqa: F821
    tags: Mapped[list[AnonymousFeedbackTag]] = relationship(
        order_by="AnonymousFeedbackTag.tag", cascade="all, delete-orphan"
    )


class AnonymousFeedbackTag(db.Model):
    """A coordinator's tag on an anonymous message (e.g. "transport", "waiting times")."""

    __tablename__ = "anonymous_feedback_tags"

    feedback_id: Mapped[int] = mapped_column(
        ForeignKey("anonymous_feedback.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
