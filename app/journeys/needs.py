""""What needs you now": the few things waiting for this person, each with the link to the
page where it is done. Shown first on the organisation's, the expert's and finance's pages.

Every list is a bounded query with its related rows loaded in the same statements, so the
dashboards cost the same whatever the amount of data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.accounts.models import EXPERT, FINANCE, ORGANISATION_MEMBER, User
from app.bookings.models import Assignment, Invitation, Order, OrderSession
from app.common.timeutil import utcnow
from app.experts.models import ExpertProfile
from app.extensions import db
from app.payments.models import Invoice
from app.payouts.models import PayoutBatch, PayoutItem

#: Items shown per kind; the rest is behind the kind's list link.
SHOWN = 5
#: Orders still short of experts this close to their start need the organisation's eye.
SHORT_OF_EXPERTS_WITHIN = timedelta(days=7)
_OPEN_ORDER = ("submitted", "matching", "partially_filled")
_CANCELLED = ("cancelled_by_organisation", "cancelled_by_expert")


@dataclass(frozen=True)
class Need:
    """One thing to do. ``kind`` picks the sentence in templates/journeys/_needs_you_now.html;
    the other fields fill it in."""

    kind: str
    url_endpoint: str
    url_values: dict = field(default_factory=dict)
    title: str = ""
    when: datetime | None = None
    day: date | None = None
    amount: Decimal | None = None
    count: int = 0
    needed: int = 0
    name: str = ""
    overdue: bool = False


def needs_of(user: User, now: datetime | None = None) -> list[Need]:
    """What waits for ``user`` now, most urgent kinds first (empty for other roles)."""
    now = now or utcnow()
    if user.role == EXPERT and user.expert_profile is not None:
        return expert_needs(user.expert_profile, now)
    if user.role == ORGANISATION_MEMBER and user.organisation_id is not None:
        return organisation_needs(user.organisation_id, now)
    if user.role == FINANCE:
        return finance_needs()
    return []


def _more(kind: str, endpoint: str, total: int, shown: int, **values) -> list[Need]:
    return [Need(kind, endpoint, values, count=total - shown)] if total > shown else []


def expert_needs(expert: ExpertProfile, now: datetime) -> list[Need]:
    """Work offers to answer (to the offer's page) and finished work to report (to the form)."""
    open_offer = (Invitation.expert_id == expert.id, Invitation.status == "pending",
                  Invitation.expires_at > now)
    offers = db.session.scalars(
        select(Invitation).where(*open_offer).options(joinedload(Invitation.order))
        .order_by(Invitation.expires_at, Invitation.id).limit(SHOWN)).all()
    offer_count = db.session.scalar(select(func.count(Invitation.id)).where(*open_offer))
    unreported = (Assignment.expert_id == expert.id, Assignment.status == "booked",
                  Assignment.ends_at < now)
    work = db.session.scalars(
        select(Assignment).where(*unreported).options(joinedload(Assignment.order))
        .order_by(Assignment.starts_at, Assignment.id).limit(SHOWN)).all()
    work_count = db.session.scalar(select(func.count(Assignment.id)).where(*unreported))
    needs = [Need("answer_offer", "expert_work.invitation", {"invitation_id": i.id},
                  title=i.order.title, when=i.expires_at) for i in offers]
    needs += _more("more_offers", "expert_work.offers", offer_count, len(offers))
    needs += [Need("report_work", "expert_work.report", {"assignment_id": a.id},
                   title=a.order.title, when=a.starts_at) for a in work]
    needs += _more("more_reports", "expert_work.offers", work_count, len(work))
    return needs


def organisation_needs(organisation_id: int, now: datetime) -> list[Need]:
    """Reports to confirm, orders short of experts near their start, invoices to pay."""
    to_confirm = (Assignment.status == "reported", Order.organisation_id == organisation_id)
    reports = db.session.scalars(
        select(Assignment).join(Order, Assignment.order_id == Order.id).where(*to_confirm)
        .options(joinedload(Assignment.order), joinedload(Assignment.expert))
        .order_by(Assignment.starts_at, Assignment.id).limit(SHOWN)).all()
    report_count = db.session.scalar(
        select(func.count(Assignment.id)).join(Order, Assignment.order_id == Order.id)
        .where(*to_confirm))
    needs = [Need("confirm_report", "bookings.confirm",
                  {"order_id": a.order_id, "assignment_id": a.id}, title=a.order.title,
                  when=a.starts_at, name=a.expert.display_name) for a in reports]
    needs += _more("more_reports_to_confirm", "organisations.dashboard", report_count,
                   len(reports))
    needs += _short_orders(organisation_id, now)
    due = (Invoice.organisation_id == organisation_id, Invoice.status == "open")
    invoices = db.session.scalars(select(Invoice).where(*due)
                                  .order_by(Invoice.due_date, Invoice.id).limit(SHOWN)).all()
    invoice_count = db.session.scalar(select(func.count(Invoice.id)).where(*due))
    today = now.date()
    needs += [Need("pay_invoice", "payments.organisation_invoice", {"invoice_id": i.id},
                   title=i.reference_number or str(i.id), day=i.due_date, amount=i.total,
                   overdue=i.due_date is not None and i.due_date < today) for i in invoices]
    needs += _more("more_invoices", "payments.organisation_invoices", invoice_count,
                   len(invoices))
    return needs


def _short_orders(organisation_id: int, now: datetime) -> list[Need]:
    first_session = (select(OrderSession.id).where(OrderSession.order_id == Order.id)
                     .order_by(OrderSession.position).limit(1).correlate(Order)
                     .scalar_subquery())
    first_start = (select(OrderSession.starts_at).where(OrderSession.order_id == Order.id)
                   .order_by(OrderSession.position).limit(1).correlate(Order)
                   .scalar_subquery())
    booked = (select(func.count(Assignment.id))
              .where(Assignment.order_id == Order.id, Assignment.session_id == first_session,
                     Assignment.status.not_in(_CANCELLED))
              .correlate(Order).scalar_subquery())
    rows = db.session.execute(
        select(Order.id, Order.title, Order.experts_needed, first_start, booked)
        .where(Order.organisation_id == organisation_id, Order.status.in_(_OPEN_ORDER),
               first_start > now, first_start <= now + SHORT_OF_EXPERTS_WITHIN,
               booked < Order.experts_needed)
        .order_by(first_start, Order.id).limit(SHOWN)).all()
    return [Need("short_of_experts", "bookings.order_detail", {"order_id": order_id},
                 title=title, when=start, count=count or 0, needed=needed)
            for order_id, title, needed, start, count in rows]


def finance_needs() -> list[Need]:
    """Payouts to approve, approved payouts to batch, batches to mark paid."""
    counts = dict(db.session.execute(
        select(PayoutItem.status, func.count(PayoutItem.id))
        .where(PayoutItem.status.in_(("pending_approval", "approved")))
        .group_by(PayoutItem.status)).all())
    needs = []
    if counts.get("pending_approval"):
        needs.append(Need("approve_payouts", "payouts.queue", {"status": "pending_approval"},
                          count=counts["pending_approval"]))
    if counts.get("approved"):
        needs.append(Need("batch_payouts", "payouts.batches", count=counts["approved"]))
    unpaid = select(PayoutBatch).where(PayoutBatch.status == "exported")
    batches = db.session.scalars(unpaid.order_by(PayoutBatch.execution_date, PayoutBatch.id)
                                 .limit(SHOWN)).all()
    batch_count = db.session.scalar(select(func.count(PayoutBatch.id))
                                    .where(PayoutBatch.status == "exported"))
    needs += [Need("mark_batch_paid", "payouts.batch", {"batch_id": b.id},
                   day=b.execution_date, amount=b.total_net, count=b.item_count)
              for b in batches]
    needs += _more("more_batches", "payouts.batches", batch_count, len(batches))
    return needs
