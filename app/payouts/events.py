"""What payouts tells the domains above it through app/common/events.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class BatchPaid:
    """The bank paid a batch: its experts (users) may now be owed nothing more, so
    privacy can erase the payment data of those who closed their account."""

    batch_id: int
    user_ids: tuple[int, ...]
    now: datetime
