"""Assignment types, fee schedules versioned by date, and travel rates by year."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.timeutil import utcnow
from app.common.types import FixedDecimal, Money, UTCDateTime
from app.extensions import db


class AssignmentType(db.Model):
    __tablename__ = "assignment_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable code used by the API, e.g. "lecture".
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_fi: Mapped[str] = mapped_column(String(100))
    name_sv: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def name(self, language: str) -> str:
        return getattr(self, f"name_{language}", None) or self.name_fi


class FeeSchedule(db.Model):
    """A set of fee rules in force from a date until the next schedule's date."""

    __tablename__ = "fee_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    rules: Mapped[list[FeeRuleRow]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan"
    )


class FeeRuleRow(db.Model):
    """One assignment type's fee within a schedule: amount per unit of up to N minutes."""

    __tablename__ = "fee_rules"
    __table_args__ = (
        UniqueConstraint("schedule_id", "assignment_type_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("unit_minutes > 0", name="unit_minutes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("fee_schedules.id", ondelete="CASCADE"))
    assignment_type_id: Mapped[int] = mapped_column(ForeignKey("assignment_types.id"))
    amount: Mapped[Decimal] = mapped_column(Money())
    unit_minutes: Mapped[int] = mapped_column(Integer)

    schedule: Mapped[FeeSchedule] = relationship(back_populates="rules")
    assignment_type: Mapped[AssignmentType] = relationship()


class TravelRate(db.Model):
    """Tax-free travel rates of one calendar year (state travel regulation)."""

    __tablename__ = "travel_rates"
    __table_args__ = (
        CheckConstraint("car_per_km >= 0", name="car_rate"),
        CheckConstraint("passenger_per_km >= 0", name="passenger_rate"),
        CheckConstraint("per_diem_partial >= 0", name="per_diem_partial"),
        CheckConstraint("per_diem_full >= 0", name="per_diem_full"),
    )

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    car_per_km: Mapped[Decimal] = mapped_column(FixedDecimal(4))
    passenger_per_km: Mapped[Decimal] = mapped_column(FixedDecimal(4))
    per_diem_partial: Mapped[Decimal] = mapped_column(Money())
    per_diem_full: Mapped[Decimal] = mapped_column(Money())
    source: Mapped[str] = mapped_column(String(300), default="")
