"""Data helpers of the matching tests: paid work and unavailability."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from app.experts.models import ExpertProfile, Unavailability
from app.extensions import db
from app.payouts.models import PayoutItem
from tests import factories


def paid_assignment(
    expert: ExpertProfile, work_date: datetime, *, fee: Decimal = Decimal("30.00"),
    status: str = "approved",
) -> PayoutItem:
    """A confirmed past assignment of ``expert`` on ``work_date`` and its payout item."""
    past = factories.order(status="completed", sessions=[(work_date, 45)])
    [assignment] = factories.booking(past, expert, status="confirmed")
    withholding = (fee * Decimal("0.6")).quantize(Decimal("0.01"))
    item = PayoutItem(
        assignment_id=assignment.id, expert_id=expert.id, status=status, fee=fee,
        travel=Decimal("0.00"), per_diem=Decimal("0.00"), withholding_percent=Decimal("60.00"),
        withholding=withholding, net_fee=fee - withholding, total_paid=fee - withholding,
        work_date=work_date,
    )
    db.session.add(item)
    db.session.flush()
    return item


def unavailable(expert: ExpertProfile, starts_at: datetime, ends_at: datetime) -> Unavailability:
    period = Unavailability(expert_id=expert.id, starts_at=starts_at, ends_at=ends_at)
    db.session.add(period)
    db.session.flush()
    return period
