"""The order's timeline: submitted → experts invited → booked (k of N) → done → reported →
confirmed → invoiced → paid, each step with its date and who acted.

It reads bookings and payments (the invoice), which is why it lives above both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.bookings.models import Assignment, CompletionReport, Order
from app.common.timeutil import utcnow
from app.extensions import db
from app.payments.models import Invoice, InvoiceLine

#: The steps in their order; the template names each.
STEPS = ("submitted", "invited", "booked", "done", "reported", "confirmed", "invoiced", "paid")
_CANCELLED = ("cancelled_by_organisation", "cancelled_by_expert")
_VOID_INVOICE = ("void", "uncollectible")


@dataclass(frozen=True)
class Step:
    """One step: ``state`` is "done", "partly" (k of N so far) or "waiting"."""

    key: str
    state: str
    when: datetime | None = None
    who: str = ""
    count: int = 0
    needed: int = 0


def _name(user_id: int | None, names: dict[int, str]) -> str:
    return names.get(user_id, "") if user_id else ""


def _state(count: int, needed: int) -> str:
    if needed and count >= needed:
        return "done"
    return "partly" if count else "waiting"


def order_timeline(order: Order, now: datetime | None = None) -> list[Step]:
    """The steps of ``order`` (for a cancelled order, the steps it reached and "cancelled")."""
    now = now or utcnow()
    first = order.sessions[0].id if order.sessions else None
    last = order.sessions[-1] if order.sessions else None
    live = [a for a in order.assignments if a.status not in _CANCELLED
            or a.fee_due_despite_cancellation]
    first_bookings = sorted((a for a in live if a.session_id == first),
                            key=lambda a: a.created_at)
    needed_work = len(live) or order.experts_needed
    reports = list(db.session.scalars(
        select(CompletionReport).join(Assignment)
        .where(Assignment.order_id == order.id)).all())
    lines = db.session.execute(
        select(Invoice).join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .where(InvoiceLine.assignment_id.in_([a.id for a in order.assignments] or [-1]),
               Invoice.status.not_in(_VOID_INVOICE + ("draft",)))
        .distinct()).scalars().all()
    user_ids = {order.created_by_id, order.cancelled_by_id}
    user_ids |= {i.invited_by_id for i in order.invitations}
    user_ids |= {r.reported_by_id for r in reports} | {r.confirmed_by_id for r in reports}
    names = dict(db.session.execute(select(User.id, User.full_name)
                                    .where(User.id.in_([u for u in user_ids if u]))).all())
    experts = ", ".join(a.expert.display_name for a in first_bookings)

    steps = [Step("submitted", "done" if order.submitted_at else "waiting", order.submitted_at,
                  _name(order.created_by_id, names))]
    invitations = sorted(order.invitations, key=lambda i: i.created_at)
    if invitations:
        inviters = sorted({_name(i.invited_by_id, names) for i in invitations} - {""})
        steps.append(Step("invited", "done", invitations[0].created_at, ", ".join(inviters),
                          count=len(invitations)))
    else:
        steps.append(Step("invited", "waiting"))
    steps.append(Step("booked", _state(len(first_bookings), order.experts_needed),
                      first_bookings[-1].created_at if first_bookings else None, experts,
                      count=len(first_bookings), needed=order.experts_needed))
    ended = last is not None and last.starts_at + timedelta(minutes=last.duration_minutes) <= now
    worked = ended and bool(live) and order.status != "cancelled"
    steps.append(Step("done", "done" if worked else "waiting",
                      last.starts_at + timedelta(minutes=last.duration_minutes)
                      if worked else None, experts if worked else ""))
    reported = sorted(reports, key=lambda r: r.created_at)
    steps.append(Step("reported", _state(len(reported), needed_work),
                      reported[-1].created_at if reported else None,
                      ", ".join(sorted({_name(r.reported_by_id, names) for r in reported})),
                      count=len(reported), needed=needed_work))
    confirmed = sorted((r for r in reports if r.confirmed_at), key=lambda r: r.confirmed_at)
    steps.append(Step("confirmed", _state(len(confirmed), needed_work),
                      confirmed[-1].confirmed_at if confirmed else None,
                      ", ".join(sorted({_name(r.confirmed_by_id, names) for r in confirmed})),
                      count=len(confirmed), needed=needed_work))
    invoiced = sorted(lines, key=lambda i: i.finalized_at or i.created_at)
    steps.append(Step("invoiced", "done" if invoiced else "waiting",
                      (invoiced[-1].finalized_at or invoiced[-1].created_at) if invoiced
                      else None, "Kokemuspankki" if invoiced else ""))
    paid = [i for i in invoiced if i.status == "paid"]
    steps.append(Step("paid", _state(len(paid), len(invoiced)) if invoiced else "waiting",
                      max((i.paid_at for i in paid if i.paid_at), default=None),
                      order.organisation.name if paid else ""))
    if order.status == "cancelled":
        steps.append(Step("cancelled", "done", order.cancelled_at,
                          _name(order.cancelled_by_id, names)))
    return steps
