"""Payout items (one per confirmed assignment) and the batches that pay them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.checks import one_of
from app.common.timeutil import utcnow
from app.common.types import FixedDecimal, Money, UTCDateTime
from app.extensions import db
from app.payouts.states import PAYOUT_BATCH_STATUSES, PAYOUT_ITEM_STATUSES


class PayoutBatch(db.Model):
    """Approved items exported together to the bank (pain.001) and payroll (CSV)."""

    __tablename__ = "payout_batches"
    __table_args__ = (
        one_of("status", PAYOUT_BATCH_STATUSES, "status_known"),
        CheckConstraint("total_net >= 0", name="total_net"),
        #: The paging order of the batch lists (newest first).
        Index("ix_payout_batches_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="exported")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Sum of the net payments in the pain.001 file (its control sum).
    total_net: Mapped[Decimal] = mapped_column(Money())
    item_count: Mapped[int] = mapped_column(Integer)
    sepa_message_id: Mapped[str] = mapped_column(String(35), unique=True)
    sepa_xml: Mapped[str] = mapped_column(Text)
    payroll_csv: Mapped[str] = mapped_column(Text)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    items: Mapped[list[PayoutItem]] = relationship(back_populates="batch")

    #: Names of experts whose payouts `create_batch` left out (not stored: the audit has them).
    left_out: tuple[str, ...] = ()


class PayoutItem(db.Model):
    """What the bank owes an expert for one assignment, computed by the fee engine."""

    __tablename__ = "payout_items"
    __table_args__ = (
        one_of("status", PAYOUT_ITEM_STATUSES, "status_known"),
        CheckConstraint("fee >= 0 AND travel >= 0 AND per_diem >= 0", name="amounts_not_negative"),
        CheckConstraint("withholding >= 0 AND withholding <= fee", name="withholding_within_fee"),
        CheckConstraint(
            "withholding_percent >= 0 AND withholding_percent <= 10000", name="withholding_percent"
        ),
        CheckConstraint("net_fee + withholding = fee", name="net_fee_sum"),
        CheckConstraint("total_paid = net_fee + travel + per_diem", name="total_paid_sum"),
        CheckConstraint(
            "(status IN ('in_batch', 'paid')) = (batch_id IS NOT NULL)", name="batch_iff_batched"
        ),
        #: Covers matching's counts of recent paid work and sums of earnings per expert.
        Index("ix_payout_items_expert_id_work_date", "expert_id", "work_date", "status", "fee"),
        #: The paging orders of the approval queue (per status) and of a batch's items.
        Index("ix_payout_items_status_id", "status", "id"),
        Index("ix_payout_items_batch_id_expert_id_id", "batch_id", "expert_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), unique=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert_profiles.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending_approval", index=True)
    fee_schedule_id: Mapped[int | None] = mapped_column(ForeignKey("fee_schedules.id"))
    fee: Mapped[Decimal] = mapped_column(Money())
    travel: Mapped[Decimal] = mapped_column(Money())
    per_diem: Mapped[Decimal] = mapped_column(Money())
    withholding_percent: Mapped[Decimal] = mapped_column(FixedDecimal(2))
    withholding: Mapped[Decimal] = mapped_column(Money())
    net_fee: Mapped[Decimal] = mapped_column(Money())
    #: Net fee + tax-free travel + daily allowance: what reaches the expert's account.
    total_paid: Mapped[Decimal] = mapped_column(Money())
    #: The date of the work, for monthly and yearly earnings.
    work_date: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who reported or last edited the amounts: they may not approve.
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payout_batches.id"), index=True)

    batch: Mapped[PayoutBatch | None] = relationship(back_populates="items")
    assignment: Mapped[Assignment] = relationship()  # noqa: F821
    expert: Mapped[ExpertProfile] = relationship()  # noqa: F821
