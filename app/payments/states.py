"""The invoice's state machine: every legal move of an invoice, and nothing else.

The states mirror Stripe's (draft → open → paid / void / uncollectible). Moves
only go forward, so Stripe events that arrive late or twice cannot move an
invoice backwards: ``invoice.finalized`` after ``invoice.paid`` finds no
(paid, finalize) move and changes nothing.
"""

from __future__ import annotations

from app.common.statemachine import StateMachine

INVOICE = StateMachine(
    "invoice",
    {
        # Finalizing: Stripe gives the invoice a number and a payment page.
        ("draft", "finalize"): "open",
        # Paying: also from draft, because invoice.paid may arrive before invoice.finalized.
        ("draft", "pay"): "paid",
        ("open", "pay"): "paid",
        ("uncollectible", "pay"): "paid",
        # A failed payment attempt leaves the invoice waiting for payment.
        ("draft", "payment_failed"): "open",
        ("open", "payment_failed"): "open",
        ("draft", "void"): "void",
        ("open", "void"): "void",
        ("uncollectible", "void"): "void",
        ("open", "mark_uncollectible"): "uncollectible",
    },
)

#: What each handled Stripe event asks of the invoice.
EVENT_ACTIONS = {
    "invoice.finalized": "finalize",
    "invoice.paid": "pay",
    "invoice.payment_succeeded": "pay",
    "invoice.payment_failed": "payment_failed",
    "invoice.voided": "void",
    "invoice.marked_uncollectible": "mark_uncollectible",
}

#: The move that brings an invoice to a status Stripe reports (after finalize, say).
STATUS_ACTIONS = {
    "open": "finalize",
    "paid": "pay",
    "void": "void",
    "uncollectible": "mark_uncollectible",
}
