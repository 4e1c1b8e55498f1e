"""What bookings tells the domains above it (payouts, payments) through app/common/events.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from app.bookings.models import Assignment
from app.fees.rules import Line


@dataclass(frozen=True)
class WorkPayable:
    """Confirmed work, or work the organisation cancelled late: the expert is paid
    (payouts: a payout item, returned as ``"payout"``) and the organisation invoiced
    (payments). ``late_cancellation`` work is invoiced for the fee only."""

    assignment: Assignment
    fee: Decimal
    travel: Decimal
    per_diem: Decimal
    fee_schedule_id: int | None
    prepared_by_id: int | None
    now: datetime
    late_cancellation: bool = False
    #: The fee engine's priced lines: payouts stores them as the item's income components.
    lines: tuple[Line, ...] = ()
