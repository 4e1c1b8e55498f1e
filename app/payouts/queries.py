"""Read helpers for the finance pages."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.experts.models import ExpertProfile
from app.extensions import db
from app.payouts.models import PayoutBatch, PayoutItem


def payout_items(status: str | None = None) -> list[PayoutItem]:
    query = (
        select(PayoutItem)
        .options(
            selectinload(PayoutItem.expert).selectinload(ExpertProfile.user),
            selectinload(PayoutItem.assignment),
        )
        .order_by(PayoutItem.created_at, PayoutItem.id)
    )
    if status:
        query = query.where(PayoutItem.status == status)
    return list(db.session.scalars(query))


def status_totals() -> dict[str, tuple[int, object]]:
    """Count and sum of net payments per payout status."""
    rows = db.session.execute(
        select(PayoutItem.status, func.count(), func.sum(PayoutItem.total_paid)).group_by(
            PayoutItem.status
        )
    )
    return {status: (count, total) for status, count, total in rows}


def batches() -> list[PayoutBatch]:
    return list(db.session.scalars(select(PayoutBatch).order_by(PayoutBatch.created_at.desc())))
