"""The booking state machines (DESIGN.md, "Booking flow"): the only place they are defined."""

from app.common.statemachine import StateMachine

ORDER = StateMachine(
    "order",
    {
        ("draft", "submit"): "submitted",
        ("draft", "cancel"): "cancelled",
        ("submitted", "start_matching"): "matching",
        ("submitted", "cancel"): "cancelled",
        ("submitted", "expire"): "unfilled",
        ("matching", "book_some"): "partially_filled",
        ("matching", "fill"): "filled",
        ("matching", "cancel"): "cancelled",
        ("matching", "expire"): "unfilled",
        ("partially_filled", "fill"): "filled",
        ("partially_filled", "lose_booking"): "matching",
        ("partially_filled", "cancel"): "cancelled",
        ("partially_filled", "expire"): "unfilled",
        ("filled", "lose_booking"): "partially_filled",
        ("filled", "lose_last_booking"): "matching",
        ("filled", "cancel"): "cancelled",
        ("filled", "complete"): "completed",
        ("completed", "close"): "closed",
    },
)
ORDER_STATUSES = ORDER.states

INVITATION = StateMachine(
    "invitation",
    {
        ("pending", "accept"): "accepted",
        ("pending", "decline"): "declined",
        ("pending", "expire"): "expired",
        ("pending", "withdraw"): "withdrawn",
        ("pending", "close"): "closed",
    },
)
INVITATION_STATUSES = INVITATION.states

ASSIGNMENT = StateMachine(
    "assignment",
    {
        ("booked", "report"): "reported",
        ("booked", "cancel_by_organisation"): "cancelled_by_organisation",
        ("booked", "cancel_by_expert"): "cancelled_by_expert",
        ("reported", "confirm"): "confirmed",
        ("reported", "dispute"): "disputed",
        ("disputed", "confirm"): "confirmed",
        ("disputed", "report"): "reported",
        ("disputed", "void"): "voided",
        ("confirmed", "pay"): "paid",
    },
)
ASSIGNMENT_STATUSES = ASSIGNMENT.states
