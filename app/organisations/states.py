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

#: A colleague invitation waits for the invited person's answer for a week. Only
#: app/organisations/invitations.py applies it. "resend" keeps it waiting with a new link
#: and a new week; an answered, cancelled or expired invitation cannot be sent again.
COLLEAGUE_INVITATION = StateMachine(
    "colleague invitation",
    {
        ("pending", "resend"): "pending",
        ("pending", "accept"): "accepted",
        ("pending", "decline"): "declined",
        ("pending", "cancel"): "cancelled",
        ("pending", "expire"): "expired",
    },
)
COLLEAGUE_INVITATION_STATUSES = COLLEAGUE_INVITATION.states
