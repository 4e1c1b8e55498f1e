"""Plain-language names of every state, shown instead of raw codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.web import status

ORDER_STATUS = {
    "draft": _l("Draft, not sent"),
    "submitted": _l("Received, waiting for matching"),
    "matching": _l("Looking for experts"),
    "partially_filled": _l("Some experts found"),
    "filled": _l("All experts booked"),
    "completed": _l("Took place"),
    "closed": _l("Closed"),
    "cancelled": _l("Cancelled"),
    "unfilled": _l("No expert found in time"),
}

ORGANISATION_STATUS = {
    "pending": _l("Waiting for approval"),
    "approved": _l("Approved"),
    "rejected": _l("Not approved"),
}

INVITATION_STATUS = {
    "pending": _l("Waiting for your answer"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "expired": _l("Time to answer ran out"),
    "withdrawn": _l("Withdrawn by the bank"),
    "closed": _l("Already filled"),
}

ASSIGNMENT_STATUS = {
    "booked": _l("Booked"),
    "reported": _l("Reported, waiting for confirmation"),
    "disputed": _l("Being checked by the coordinator"),
    "confirmed": _l("Confirmed, payment being prepared"),
    "paid": _l("Paid"),
    "cancelled_by_organisation": _l("Cancelled by the organisation"),
    "cancelled_by_expert": _l("Cancelled by the expert"),
    "voided": _l("Voided after checking: not paid"),
}

#: Why an order is in the coordinator's "needs attention" list (app/bookings/console.py).
ATTENTION_REASON = {
    "disputed": _l("A report is disputed"),
    "short_of_experts": _l("Short of experts, starts within a week"),
    "withdrawal": _l("An expert withdrew"),
    "invitation_expiring": _l("An invitation is about to expire"),
    "report_overdue": _l("A report is overdue"),
    "confirmation_overdue": _l("A confirmation is overdue"),
}

PAYOUT_STATUS = {
    "pending_approval": _l("Waiting for approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "in_batch": _l("In a payment batch"),
    "paid": _l("Paid"),
}

INVOICE_STATUS = {
    "draft": _l("Being prepared"),
    "open": _l("Waiting for payment"),
    "paid": _l("Paid"),
    "void": _l("Cancelled"),
    "uncollectible": _l("Not collectible"),
}

EXPERT_STATUS = {
    "applied": _l("Application received, waiting for a check"),
    "info_requested": _l("More information requested"),
    "verified": _l("Verified, can be booked"),
    "paused": _l("On a break"),
    "rejected": _l("Application not accepted"),
    "retired": _l("No longer active"),
}

ROLE = {
    "organisation_member": _l("Organisation member"),
    "expert": _l("Experience expert"),
    "coordinator": _l("Coordinator"),
    "finance": _l("Finance"),
    "admin": _l("Administrator"),
    "participant": _l("Group member"),
}


def label(table: dict, code: str) -> str:
    return str(table.get(code, code))


def init_app(app) -> None:
    for name, table in {
        "order_status": ORDER_STATUS,
        "invitation_status": INVITATION_STATUS,
        "assignment_status": ASSIGNMENT_STATUS,
        "attention_reason": ATTENTION_REASON,
        "payout_status": PAYOUT_STATUS,
        "invoice_status": INVOICE_STATUS,
        "expert_status": EXPERT_STATUS,
        "organisation_status": ORGANISATION_STATUS,
        "role_name": ROLE,
    }.items():
        app.jinja_env.filters[name] = lambda code, table=table: label(table, code)
    status.init_app(app)
