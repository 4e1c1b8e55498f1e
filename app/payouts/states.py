"""The payout item and batch state machines: the only place they are defined."""

from app.common.statemachine import StateMachine

PAYOUT_ITEM = StateMachine(
    "payout_item",
    {
        ("pending_approval", "approve"): "approved",
        ("pending_approval", "reject"): "rejected",
        ("rejected", "resubmit"): "pending_approval",
        ("approved", "add_to_batch"): "in_batch",
        ("in_batch", "mark_paid"): "paid",
    },
)
PAYOUT_ITEM_STATUSES = PAYOUT_ITEM.states

PAYOUT_BATCH = StateMachine("payout_batch", {("exported", "mark_paid"): "paid"})
PAYOUT_BATCH_STATUSES = PAYOUT_BATCH.states
