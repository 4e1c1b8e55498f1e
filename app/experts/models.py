"""Expert profiles, what they offer, their training and unavailability."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.checks import one_of
from app.common.timeutil import utcnow
from app.common.types import FixedDecimal, Money, UTCDateTime
from app.extensions import db

APPLIED = "applied"
INFO_REQUESTED = "info_requested"
VERIFIED = "verified"
PAUSED = "paused"
REJECTED = "rejected"
RETIRED = "retired"
EXPERT_STATUSES = (APPLIED, INFO_REQUESTED, VERIFIED, PAUSED, REJECTED, RETIRED)

#: Languages an expert can work in (ISO 639-1); the UI itself is fi/sv/en.
WORK_LANGUAGES = ("fi", "sv", "en", "se", "ru", "et", "ar", "so", "fa", "uk", "fit")


class ExpertProfile(db.Model):
    __tablename__ = "expert_profiles"
    __table_args__ = (
        one_of("status", EXPERT_STATUSES, "status_known"),
        CheckConstraint("travel_range_km >= 0 AND travel_range_km <= 2000", name="travel_range"),
        CheckConstraint(
            "withholding_percent IS NULL"
            " OR (withholding_percent >= 0 AND withholding_percent <= 10000)",
            name="withholding_percent_range",
        ),
        CheckConstraint(
            "monthly_earnings_limit IS NULL OR monthly_earnings_limit >= 0", name="monthly_limit"
        ),
        CheckConstraint(
            "yearly_earnings_limit IS NULL OR yearly_earnings_limit >= 0", name="yearly_limit"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    #: What organisations see before a booking; the full name stays private.
    display_name: Mapped[str] = mapped_column(String(100))
    bio: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=APPLIED)
    status_reason: Mapped[str | None] = mapped_column(Text)
    paused_until: Mapped[date | None] = mapped_column(Date)
    home_municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipalities.code"))
    travel_range_km: Mapped[int] = mapped_column(Integer, default=100)
    remote_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Personal earnings limits (benefits, pensions); a warning, never a block.
    monthly_earnings_limit: Mapped[Decimal | None] = mapped_column(Money())
    yearly_earnings_limit: Mapped[Decimal | None] = mapped_column(Money())
    #: Validated IBAN without spaces; shown masked.
    iban: Mapped[str | None] = mapped_column(String(34))
    #: Tax-card withholding percentage; 60 % is used when none is given.
    withholding_percent: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    #: The personal identity code (henkilötunnus), Fernet-encrypted; never plain text.
    #: Read it only through `app.experts.identity_code`.
    identity_code_encrypted: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(  # noqa: F821
        back_populates="expert_profile", foreign_keys=[user_id]
    )
    areas: Mapped[list[ExpertArea]] = relationship(
        back_populates="expert", cascade="all, delete-orphan"
    )
    languages: Mapped[list[ExpertLanguage]] = relationship(cascade="all, delete-orphan")
    assignment_types: Mapped[list[ExpertAssignmentType]] = relationship(
        cascade="all, delete-orphan"
    )
    trainings: Mapped[list[TrainingRecord]] = relationship(
        back_populates="expert", cascade="all, delete-orphan"
    )
    unavailabilities: Mapped[list[Unavailability]] = relationship(cascade="all, delete-orphan")
    home_municipality: Mapped[Municipality | None] = relationship()  # noqa: F821

    @property
    def is_bookable(self) -> bool:
        return self.status == VERIFIED


class ExpertArea(db.Model):
    """An expertise area of an expert, and whether organisations may see it before booking."""

    __tablename__ = "expert_areas"
    #: Matching starts from the experts of one area.
    __table_args__ = (Index("ix_expert_areas_area_id_expert_id", "area_id", "expert_id"),)

    expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(ForeignKey("expertise_areas.id"), primary_key=True)
    visible_to_organisations: Mapped[bool] = mapped_column(Boolean, default=False)

    expert: Mapped[ExpertProfile] = relationship(back_populates="areas")
    area: Mapped[ExpertiseArea] = relationship()  # noqa: F821


class ExpertLanguage(db.Model):
    __tablename__ = "expert_languages"
    __table_args__ = (one_of("language", WORK_LANGUAGES, "language_known"),)

    expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(3), primary_key=True)


class ExpertAssignmentType(db.Model):
    __tablename__ = "expert_assignment_types"

    expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    assignment_type_id: Mapped[int] = mapped_column(
        ForeignKey("assignment_types.id"), primary_key=True
    )


class TrainingRecord(db.Model):
    """Experience-expert training the applicant reports; a coordinator verifies it."""

    __tablename__ = "training_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(200))
    course: Mapped[str] = mapped_column(String(200))
    completed_on: Mapped[date] = mapped_column(Date)
    #: Path of an uploaded certificate under instance/uploads, never in the web root.
    certificate_path: Mapped[str | None] = mapped_column(String(255))
    certificate_filename: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    expert: Mapped[ExpertProfile] = relationship(back_populates="trainings")


class Unavailability(db.Model):
    __tablename__ = "unavailabilities"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Private note for the expert; never shown to organisations.
    note: Mapped[str | None] = mapped_column(String(200))
