"""Privacy's answers to what lower domains tell it (registered at app start)."""

from __future__ import annotations

from app.common.events import subscribe
from app.payouts.events import BatchPaid
from app.privacy.services import erase_settled_accounts


def erase_after_payment(event: BatchPaid) -> int:
    return erase_settled_accounts(event.now, event.user_ids)


def register() -> None:
    subscribe(BatchPaid, "erase_settled_accounts", erase_after_payment)
