"""How a status badge looks: its tone by meaning, so that a status differs by colour, icon
and text (never by colour alone; the text is the status's own label).

Status codes are shared across the domains' state machines (orders, invitations,
assignments, payouts, invoices, experts, participation groups …); a code means the
same kind of thing wherever it appears, so one table serves them all.
"""

from __future__ import annotations

#: done, agreed, in force: green with a check mark.
OK = frozenset({
    "accepted", "active", "approved", "booked", "completed", "confirmed", "done", "filled",
    "paid", "verified",
})
#: someone still has to act: amber with an open circle.
WAITING = frozenset({
    "applied", "exported", "forming", "in_batch", "info_requested", "matching", "new", "on_agenda",
    "open", "partially_filled", "paused", "pending", "pending_approval", "proposed", "reported",
    "submitted",
})
#: stopped, refused or failed: red with a cross.
PROBLEM = frozenset({
    "cancelled", "cancelled_by_expert", "cancelled_by_organisation", "declined", "disputed",
    "expired", "rejected", "uncollectible", "unfilled", "void", "withdrawn",
})


def status_tone(code: str) -> str:
    """The badge class of a status code: ``status-ok``, ``-waiting``, ``-problem`` or
    ``-neutral`` (a draft, something closed, archived or left)."""
    if code in OK:
        return "status-ok"
    if code in WAITING:
        return "status-waiting"
    if code in PROBLEM:
        return "status-problem"
    return "status-neutral"


def init_app(app) -> None:
    app.jinja_env.filters["tone"] = status_tone
