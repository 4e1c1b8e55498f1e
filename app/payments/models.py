"""Invoices to organisations (mirroring Stripe's states), lines, bank payments, Stripe events."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.checks import one_of
from app.common.timeutil import to_helsinki, utcnow
from app.common.types import FixedDecimal, Money, UTCDateTime
from app.extensions import db

INVOICE_STATUSES = ("draft", "open", "paid", "void", "uncollectible")
INVOICE_LINE_KINDS = ("fee", "travel", "per_diem", "late_cancellation", "service_fee")
SERVICE_FEE_KINDS = ("none", "per_assignment", "percent")
BANK_PAYMENT_SOURCES = ("form", "csv")


class Invoice(db.Model):
    __tablename__ = "invoices"
    __table_args__ = (
        one_of("status", INVOICE_STATUSES, "status_known"),
        CheckConstraint("total >= 0", name="total"),
        CheckConstraint("amount_paid >= 0", name="amount_paid"),
        #: The paging orders of the invoice lists: all, per status, per organisation.
        Index("ix_invoices_created_at_id", "created_at", "id"),
        Index("ix_invoices_status_created_at_id", "status", "created_at", "id"),
        Index("ix_invoices_organisation_id_created_at_id", "organisation_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: Set when invoicing per order; null for a monthly invoice.
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    #: "YYYY-MM" for a monthly invoice.
    period: Mapped[str | None] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    due_date: Mapped[date | None] = mapped_column(Date)
    #: The Finnish reference number (viitenumero, 7-3-1 check digit) the payer quotes.
    reference_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    #: The organisation's own reference for its accounts (from the order or the organisation).
    billing_reference: Mapped[str | None] = mapped_column(String(100))
    #: Money received so far (bank transfers and Stripe); paid when it reaches ``total``.
    amount_paid: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    #: The legal reason printed when the lines carry no VAT, e.g. "AVL 34 §".
    vat_exemption_reason: Mapped[str | None] = mapped_column(String(200))
    #: True when Stripe is not configured: finance handles the invoice by hand.
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    stripe_invoice_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    hosted_invoice_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.id"
    )
    organisation: Mapped[Organisation] = relationship()  # noqa: F821

    @property
    def number(self) -> str:
        """The invoice number shown to people (also in Stripe's description and metadata)."""
        return f"KP-{self.id:06d}"

    @property
    def missing(self) -> Decimal:
        """What is still to be paid (never below zero)."""
        return max(self.total - (self.amount_paid or Decimal("0")), Decimal("0.00"))

    @property
    def invoice_date(self) -> date:
        """The date of the invoice in Helsinki: when it was finalized (or made)."""
        return to_helsinki(self.finalized_at or self.created_at).date()


class InvoiceLine(db.Model):
    """One charge to an organisation (an expert's fee, travel, daily allowance…)."""

    __tablename__ = "invoice_lines"
    __table_args__ = (
        one_of("kind", INVOICE_LINE_KINDS, "kind_known"),
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint("vat >= 0", name="vat"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    #: Null until an invoicing run puts the line on an invoice.
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(500))
    #: The price without VAT.
    amount: Mapped[Decimal] = mapped_column(Money())
    #: The VAT rate of this line in percent, e.g. 25.5; null when the line is VAT exempt.
    vat_percent: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    #: The VAT of this line in euros (0 when exempt); the invoice's total includes it.
    vat: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    stripe_invoice_item_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invoice: Mapped[Invoice | None] = relationship(back_populates="lines")
    assignment: Mapped[Assignment] = relationship()  # noqa: F821

    @property
    def gross(self) -> Decimal:
        """The line's amount with its VAT."""
        return self.amount + (self.vat or Decimal("0"))


class BankPayment(db.Model):
    """A payment to the bank's account that finance registered by its reference number."""

    __tablename__ = "bank_payments"
    __table_args__ = (
        one_of("source", BANK_PAYMENT_SOURCES, "source_known"),
        CheckConstraint("amount > 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    reference_number: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Money())
    paid_on: Mapped[date] = mapped_column(Date)
    #: The bank's archive ID of the transfer (arkistointitunnus): one registration each.
    archive_id: Mapped[str | None] = mapped_column(String(35), unique=True)
    source: Mapped[str] = mapped_column(String(10), default="form")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invoice: Mapped[Invoice] = relationship()


class ServiceFeeRate(db.Model):
    """The bank's own service fee on confirmed work, in force from a date until the next one.

    ``per_assignment``: ``amount`` euros per confirmed assignment; ``percent``:
    ``percent`` of the assignment's fee, travel and daily allowance, rounded half
    up to cents; ``none``: no service fee from this date. The rate in force on the
    work's date (Helsinki) applies, so a new rate never changes earlier lines.
    """

    __tablename__ = "service_fee_rates"
    __table_args__ = (
        one_of("kind", SERVICE_FEE_KINDS, "kind_known"),
        CheckConstraint(
            "(kind = 'none' AND amount IS NULL AND percent IS NULL)"
            " OR (kind = 'per_assignment' AND amount > 0 AND percent IS NULL)"
            " OR (kind = 'percent' AND percent > 0 AND percent <= 10000 AND amount IS NULL)",
            name="value_fits_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal | None] = mapped_column(Money())
    #: Percent with two decimals (stored in hundredths: the CHECK's 10000 is 100 %).
    percent: Mapped[Decimal | None] = mapped_column(FixedDecimal(2))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StripeEvent(db.Model):
    """A processed Stripe webhook event: its id makes every delivery count once."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
