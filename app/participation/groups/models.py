"""Standing groups, their members and meetings, the record of each session, and
evaluations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
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
from app.participation.rules import (
    ENTRY_KINDS,
    GROUP_KINDS,
    GROUP_ROLES,
    MEMBER_KINDS,
    SMILEY_MAX,
    SMILEY_MIN,
    TOPIC_SOURCES,
)
from app.participation.states import (
    FOLLOW_UP_STATUSES,
    GROUP_STATUSES,
    MEMBER_STATUSES,
    TOPIC_STATUSES,
)

# --- Standing groups ----------------------------------------------------------------------


class ParticipationGroup(db.Model):
    """A client panel, a client participation group or a regional developer group."""

    __tablename__ = "participation_groups"
    __table_args__ = (
        one_of("kind", GROUP_KINDS, "kind_known"),
        one_of("status", GROUP_STATUSES, "status_known"),
        #: The paging order of the group list (by name).
        Index("ix_participation_groups_name_id", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The organisation that runs the group and books (and pays for) its meetings.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")
    #: The services the group develops and evaluates, in plain words.
    services: Mapped[str] = mapped_column(Text, default="")
    region: Mapped[str] = mapped_column(String(200), default="")
    #: Defaults for the orders of its meetings.
    expertise_area_id: Mapped[int | None] = mapped_column(ForeignKey("expertise_areas.id"))
    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipalities.code"))
    address: Mapped[str] = mapped_column(String(300), default="")
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="forming", index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()  # noqa: F821
    expertise_area: Mapped[ExpertiseArea | None] = relationship()  # noqa: F821
    municipality: Mapped[Municipality | None] = relationship()  # noqa: F821
    members: Mapped[list[GroupMember]] = relationship(
        back_populates="group", order_by="GroupMember.id", cascade="all, delete-orphan"
    )
    meetings: Mapped[list[GroupMeeting]] = relationship(
        back_populates="group", order_by="GroupMeeting.id"
    )
    criteria: Mapped[list[EvaluationCriterion]] = relationship(
        back_populates="group", order_by="EvaluationCriterion.position"
    )

    @property
    def active_members(self) -> list[GroupMember]:
        return [m for m in self.members if m.status == "active"]


class GroupMember(db.Model):
    """A person in a group: an expert of the bank, a client, a relative or a professional.

    ``user_id`` is empty for someone who takes part without an account (the
    group's key person keeps in touch with them).
    """

    __tablename__ = "group_members"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        one_of("kind", MEMBER_KINDS, "kind_known"),
        one_of("role", GROUP_ROLES, "role_known"),
        one_of("status", MEMBER_STATUSES, "status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("participation_groups.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    #: The person's task in the group (chair, secretary, key person, responsible person).
    role: Mapped[str] = mapped_column(String(20), default="member")
    status: Mapped[str] = mapped_column(String(10), default="active")
    #: The member agreed that the group's chair and secretary see their e-mail and phone.
    shares_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[ParticipationGroup] = relationship(back_populates="members")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])  # noqa: F821


class GroupMeeting(db.Model):
    """A group's meeting (or co-development series), booked as an ordinary order."""

    __tablename__ = "group_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("participation_groups.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[ParticipationGroup] = relationship(back_populates="meetings")
    order: Mapped[Order] = relationship()  # noqa: F821


class Topic(db.Model):
    """A topic that a member or the organisation proposes for the group to work on."""

    __tablename__ = "group_topics"
    __table_args__ = (
        one_of("source", TOPIC_SOURCES, "source_known"),
        one_of("status", TOPIC_STATUSES, "status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("participation_groups.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Who proposed it: a member, the organisation or the bank.
    source: Mapped[str] = mapped_column(String(20))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    #: The meeting where the topic is (or was) handled.
    session_id: Mapped[int | None] = mapped_column(ForeignKey("order_sessions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[ParticipationGroup] = relationship()
    proposed_by: Mapped[User | None] = relationship()  # noqa: F821
    session: Mapped[OrderSession | None] = relationship()  # noqa: F821


# --- Documentation of meetings and co-development sessions --------------------------------


class MeetingEntry(db.Model):
    """One piece of a session's record: the agenda, notes, an idea or a decision.

    Entries are never edited: a new agenda is a new entry, so the record shows
    who wrote what and when. The latest agenda entry is the current agenda.
    """

    __tablename__ = "meeting_entries"
    __table_args__ = (one_of("kind", ENTRY_KINDS, "kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("order_sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()  # noqa: F821


class FollowUp(db.Model):
    """Something to do after a session, with the person responsible and a due date."""

    __tablename__ = "follow_up_items"
    __table_args__ = (one_of("status", FOLLOW_UP_STATUSES, "status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("order_sessions.id"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])  # noqa: F821
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])  # noqa: F821


# --- Evaluation ----------------------------------------------------------------------------


class EvaluationCriterion(db.Model):
    """A plain-language question the group agreed to evaluate its sessions with."""

    __tablename__ = "evaluation_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("participation_groups.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=1)
    #: Retired questions keep their earlier answers but are no longer asked.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[ParticipationGroup] = relationship(back_populates="criteria")


class EvaluationResponse(db.Model):
    """One member's evaluation of one session; results are shown only as totals."""

    __tablename__ = "evaluation_responses"
    __table_args__ = (UniqueConstraint("session_id", "respondent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("order_sessions.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("participation_groups.id"), index=True)
    #: Kept so that each member answers once; never shown with the answers.
    respondent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    answers: Mapped[list[EvaluationAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class EvaluationAnswer(db.Model):
    __tablename__ = "evaluation_answers"
    __table_args__ = (
        UniqueConstraint("response_id", "criterion_id"),
        CheckConstraint(
            f"score IS NULL OR (score >= {SMILEY_MIN} AND score <= {SMILEY_MAX})", name="score"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_responses.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(ForeignKey("evaluation_criteria.id"), index=True)
    #: The smiley scale: 1 no, 2 partly, 3 yes; empty when the member skipped it.
    score: Mapped[int | None] = mapped_column(Integer)

    response: Mapped[EvaluationResponse] = relationship(back_populates="answers")
