"""Payouts' answers to what bookings tells it (registered at app start)."""

from __future__ import annotations

from app.bookings.events import WorkPayable
from app.common.events import subscribe
from app.payouts.models import PayoutItem
from app.payouts.services import create_payout_item


def pay_expert(event: WorkPayable) -> PayoutItem:
    return create_payout_item(
        event.assignment, fee=event.fee, travel=event.travel, per_diem=event.per_diem,
        fee_schedule_id=event.fee_schedule_id, prepared_by_id=event.prepared_by_id,
        now=event.now, lines=event.lines,
    )


def register() -> None:
    subscribe(WorkPayable, "payout", pay_expert)
