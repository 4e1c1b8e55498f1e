"""The vetting of an organisation: pending until a coordinator approves or rejects it."""

from app.common.statemachine import StateMachine

ORGANISATION = StateMachine(
    "organisation",
    {
        ("pending", "approve"): "approved",
        ("pending", "reject"): "rejected",
        #: A rejected organisation may be approved later (e.g. after a clarification).
        ("rejected", "approve"): "approved",
    },
)
ORGANISATION_STATUSES = ORGANISATION.states
