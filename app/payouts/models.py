"""Payout items (one per confirmed assignment), their income components, the batches
that pay them and the payroll system's wage types."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.checks import one_of
from app.common.timeutil import utcnow
from app.common.types import FixedDecimal, Money, UTCDateTime
from app.extensions import db
from app.payouts.states import PAYOUT_BATCH_STATUSES, PAYOUT_ITEM_STATUSES

#: The income components of a payout item, each reported under its own income type.
#: The two "correction" components hold a total given by hand (corrected by finance, or
#: an item made without the fee engine's lines).
PAYOUT_COMPONENTS = (
    "fee",
    "kilometre_allowance",
    "passenger_supplement",
    "public_transport",
    "parking",
    "daily_allowance_full",
    "daily_allowance_partial",
    "travel_correction",
    "daily_allowance_correction",
)


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
    #: The payment date (Helsinki): the bank file's execution date, then the day it was paid.
    execution_date: Mapped[date] = mapped_column(Date)
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
    #: The expert's IBAN when finance approved the item: the bank file pays this account,
    #: so a later change of the bank details never redirects approved money.
    approved_iban: Mapped[str | None] = mapped_column(String(34))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payout_batches.id"), index=True)

    batch: Mapped[PayoutBatch | None] = relationship(back_populates="items")
    assignment: Mapped[Assignment] = relationship()  # noqa: F821
    expert: Mapped[ExpertProfile] = relationship()  # noqa: F821
    components: Mapped[list[PayoutComponent]] = relationship(
        back_populates="item", order_by="PayoutComponent.position",
        cascade="all, delete-orphan",
    )


class PayoutComponent(db.Model):
    """One income component of a payout item, kept as the fee engine priced it.

    Written when the item is created (and again when finance corrects it), so
    the payroll file never recomputes with later schedules or rates. The fee
    carries the whole withholding; the tax-free components none.
    """

    __tablename__ = "payout_components"
    __table_args__ = (
        one_of("component", PAYOUT_COMPONENTS, "component_known"),
        CheckConstraint("amount >= 0 AND withholding >= 0", name="amounts_not_negative"),
        CheckConstraint("net + withholding = amount", name="net_sum"),
        Index("ix_payout_components_item_position", "payout_item_id", "position", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payout_item_id: Mapped[int] = mapped_column(ForeignKey("payout_items.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    component: Mapped[str] = mapped_column(String(40))
    #: The fee's assignment type code (fee components only): the wage type may depend on it.
    assignment_type: Mapped[str | None] = mapped_column(String(40))
    #: Fee: units; kilometre allowance: km; passenger supplement: passenger-km; daily
    #: allowance: 1 or 0.5; tickets, parking and corrections: none.
    quantity: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    #: Euros per unit of ``quantity`` (per km for the kilometre parts).
    rate: Mapped[Decimal | None] = mapped_column(FixedDecimal(4))
    amount: Mapped[Decimal] = mapped_column(Money())
    withholding: Mapped[Decimal] = mapped_column(Money())
    net: Mapped[Decimal] = mapped_column(Money())
    #: Daily allowance halved for free meals.
    halved: Mapped[bool] = mapped_column(Boolean, default=False)

    item: Mapped[PayoutItem] = relationship(back_populates="components")


class WageType(db.Model):
    """The payroll system's wage-type code of one income component (admin-editable).

    ``component`` is a `PAYOUT_COMPONENTS` name, or ``fee:<assignment type>``
    for the fee of one type of work (``fee`` is used for types without a row).
    """

    __tablename__ = "wage_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    component: Mapped[str] = mapped_column(String(60), unique=True)
    code: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
