"""Invoicing organisations: lines from confirmed work, invoicing runs, Stripe events.

The flow:

1. Confirmed work and late cancellations add `InvoiceLine` rows
   (`add_invoice_lines_for_assignment`, `add_late_cancellation_line`).
2. The scheduled invoicing run (`run_invoicing`) gathers the lines that are not
   on an invoice yet into invoices — one per order, or one per organisation per
   ended calendar month (the ``invoice_grouping`` setting) — and commits them.
3. With Stripe keys it then issues each new invoice in Stripe (customer,
   invoice, one item per line, finalize, send); without keys the invoice is
   marked for manual handling and finance records the payment by hand
   (`mark_invoice_paid`).
4. Stripe's webhook events (`handle_stripe_event`) move invoices forward along
   the transition table in `app.payments.states`; an ``invoice.paid`` whose
   ``amount_paid`` is below the amount due leaves the invoice open.
5. Organisations paying by bank transfer quote the invoice's Finnish reference
   number; finance registers those payments by reference
   (`register_bank_payment`, `register_bank_payments_csv`). Each registration
   adds to ``amount_paid``; the invoice is paid once that reaches its total.

VAT is configuration (``INVOICE_VAT_PERCENT``): each line stores its rate and
VAT; without a rate the lines are exempt and the invoice prints the legal
reason (``INVOICE_VAT_EXEMPTION_REASON``, by default AVL 34 §).
"""

from __future__ import annotations

import csv
import io
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import stripe
from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.accounts.models import ADMIN, FINANCE, ORGANISATION_MEMBER
from app.admin.services import get_choice_setting, get_setting
from app.audit.services import record_audit
from app.bookings.models import Assignment, Order
from app.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.common.paging import Page, keyset_page
from app.common.timeutil import to_helsinki, utcnow
from app.extensions import db
from app.payments import stripe_gateway
from app.payments.models import (
    INVOICE_STATUSES,
    SERVICE_FEE_KINDS,
    BankPayment,
    Invoice,
    InvoiceLine,
    ServiceFeeRate,
    StripeEvent,
)
from app.payments.reference_numbers import finnish_reference, normalize_reference
from app.payments.states import EVENT_ACTIONS, INVOICE, STATUS_ACTIONS

log = logging.getLogger(__name__)

#: Invoice texts stored and sent to Stripe are in Finnish, the bank's language.
INVOICE_LANGUAGE = "fi"

LINE_KINDS = {
    "fee": _l("Expert fee"),
    "travel": _l("Travel costs"),
    "per_diem": _l("Daily allowance"),
    "late_cancellation": _l("Fee for a late cancellation"),
    "service_fee": _l("Service fee of Kokemuspankki"),
}

#: Assignments in these states may still change what the order costs.
OPEN_ASSIGNMENT_STATUSES = ("booked", "reported", "disputed")
#: Orders in these states get no new bookings.
FINISHED_ORDER_STATUSES = ("completed", "closed", "cancelled", "unfilled")


# Invoice lines -------------------------------------------------------------


def add_invoice_lines_for_assignment(
    assignment: Assignment, fee: Decimal, travel: Decimal, per_diem: Decimal, now: datetime
) -> list[InvoiceLine]:
    """Charge the organisation for confirmed work: one line per non-zero amount.

    Called by the completion flow when the assignment is confirmed. Each line
    is described with the order's title, the work date (Helsinki) and the
    order's billing reference. Calling it again for the same assignment adds
    nothing twice. The bank's service fee in force on the work date, if any,
    becomes a line of its own (`service_fee_for`).
    """
    day = to_helsinki(assignment.starts_at).date()
    amounts = {"fee": fee, "travel": travel, "per_diem": per_diem}
    amounts["service_fee"] = service_fee_for(day, fee + travel + per_diem)
    return _add_lines(assignment, amounts, now)


def add_late_cancellation_line(
    assignment: Assignment, fee: Decimal, now: datetime
) -> InvoiceLine | None:
    """Charge the expert's fee of an assignment the organisation cancelled too late."""
    lines = _add_lines(assignment, {"late_cancellation": fee}, now)
    return lines[0] if lines else None


def _add_lines(assignment: Assignment, amounts: dict[str, Decimal], now: datetime):
    existing = set(
        db.session.scalars(
            select(InvoiceLine.kind).where(InvoiceLine.assignment_id == assignment.id)
        )
    )
    added = []
    for kind, amount in amounts.items():
        if not isinstance(amount, Decimal):
            raise TypeError(f"{kind}: amounts must be Decimal, not {type(amount).__name__}")
        if amount < 0:
            raise ValueError(f"{kind}: a negative amount {amount}")
        if amount == 0 or kind in existing:
            continue
        vat_percent = vat_rate()
        line = InvoiceLine(
            organisation_id=assignment.order.organisation_id,
            assignment_id=assignment.id,
            kind=kind,
            description=line_description(kind, assignment),
            amount=amount,
            vat_percent=vat_percent,
            vat=vat_of(amount, vat_percent),
            created_at=now,
        )
        db.session.add(line)
        added.append(line)
    db.session.flush()
    return added


def service_fee_rate_on(day: date) -> ServiceFeeRate | None:
    """The service fee rate in force on ``day`` (the latest from that day or before)."""
    return db.session.scalar(
        select(ServiceFeeRate).where(ServiceFeeRate.effective_from <= day)
        .order_by(ServiceFeeRate.effective_from.desc()).limit(1))


def service_fee_for(day: date, work_total: Decimal) -> Decimal:
    """The bank's service fee of one assignment worth ``work_total``, on the work's date."""
    rate = service_fee_rate_on(day)
    if rate is None or rate.kind == "none":
        return Decimal("0.00")
    if rate.kind == "per_assignment":
        return rate.amount
    return (work_total * rate.percent / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


def add_service_fee_rate(actor, effective_from: date, kind: str, value: Decimal | None, *,
                         today: date) -> ServiceFeeRate:
    """An administrator sets the service fee from a date on (today or later; never rewritten).

    ``value`` is euros per assignment for ``per_assignment``, a percent for
    ``percent``, and nothing for ``none``. Flushes; the caller commits.
    """
    if actor.role != ADMIN:
        raise PermissionDenied("Only an administrator can change the service fee.")
    if kind not in SERVICE_FEE_KINDS:
        raise InvalidInput("Choose one of the options.", code="invalid_choice", field="kind")
    if effective_from < today:
        raise InvalidInput("A new service fee can start today at the earliest, so that "
                           "invoices of the past never change.", code="date_in_past",
                           field="effective_from")
    if db.session.scalar(select(ServiceFeeRate.id)
                         .where(ServiceFeeRate.effective_from == effective_from)):
        raise Conflict("A service fee already starts on this date.", code="rate_exists",
                       field="effective_from")
    amount = percent = None
    if kind != "none":
        if value is None or not value.is_finite() or value <= 0 or value != value.quantize(
                Decimal("0.01")):
            raise InvalidInput("Give a number greater than zero with at most two decimals.",
                               code="invalid_amount", field="value")
        if kind == "percent" and value > 100:
            raise InvalidInput("A percentage is at most 100.", code="invalid_amount",
                               field="value")
        if kind == "per_assignment" and value > 10000:
            raise InvalidInput("Give at most 10000 euros.", code="invalid_amount", field="value")
        amount, percent = (value, None) if kind == "per_assignment" else (None, value)
    rate = ServiceFeeRate(effective_from=effective_from, kind=kind, amount=amount,
                          percent=percent, created_by_id=actor.id)
    db.session.add(rate)
    db.session.flush()
    record_audit(actor, "service_fee_rate_added", "service_fee_rate", rate.id,
                 effective_from=effective_from, kind=kind, amount=amount, percent=percent)
    return rate


def service_fee_rates() -> list[ServiceFeeRate]:
    """Every service fee rate, the newest start first."""
    return list(db.session.scalars(
        select(ServiceFeeRate).order_by(ServiceFeeRate.effective_from.desc())))


def vat_rate() -> Decimal | None:
    """The configured VAT percent of new lines, or None when they are VAT exempt."""
    raw = str(current_app.config.get("INVOICE_VAT_PERCENT") or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        rate = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"INVOICE_VAT_PERCENT is not a number: {raw!r}") from None
    if not Decimal("0") <= rate <= Decimal("100") or rate != rate.quantize(Decimal("0.01")):
        raise ValueError(f"INVOICE_VAT_PERCENT must be 0–100 with at most two decimals: {raw}")
    return rate


def vat_of(amount: Decimal, percent: Decimal | None) -> Decimal:
    """The VAT of one line, rounded half up to cents; 0 for an exempt line."""
    if percent is None:
        return Decimal("0.00")
    return (amount * percent / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


def invoice_reference_number(invoice_id: int) -> str:
    """The invoice's Finnish reference number: base 100000 + id, then the check digit."""
    return finnish_reference(str(100000 + invoice_id))


def line_description(kind: str, assignment: Assignment) -> str:
    """E.g. "Asiantuntijan palkkio: Mielenterveysluento, 12.3.2025, viite KP-123"."""
    order = assignment.order
    title = order.title
    if assignment.session is not None and assignment.session.title:
        title = f"{title} – {assignment.session.title}"
    day = to_helsinki(assignment.starts_at).date()
    with force_locale(INVOICE_LANGUAGE):
        text = gettext(
            "%(kind)s: %(title)s, %(date)s",
            kind=str(LINE_KINDS[kind]),
            title=title,
            date=f"{day.day}.{day.month}.{day.year}",
        )
        if order.billing_reference:
            text += ", " + gettext("reference %(reference)s", reference=order.billing_reference)
    return text[:500]


# The invoicing run ---------------------------------------------------------


def run_invoicing(now: datetime) -> dict[str, int]:
    """The scheduled job: put waiting lines on invoices and issue them.

    Idempotent, and safe against a crash at any point:

    * Lines are claimed by the invoice in the same transaction that creates
      it (``invoice_id`` is set only where it is still empty), and that
      transaction is committed before Stripe is called. A second run finds no
      free lines and makes nothing twice.
    * Issuing in Stripe is a series of steps (customer, invoice, one item per
      line, finalize, send); the id that each step returns is committed at
      once, and a step already recorded is not repeated. Every Stripe call
      carries an idempotency key derived from our own row (its kind, id and
      creation time, e.g. ``kp-line-42-1742203200000000``), so if the process
      dies after Stripe answered but before our commit, the next run repeats
      the call with the same key and Stripe returns the object it already
      made instead of charging twice. An invoice counts as issued only when
      ``finalized_at`` is set, after finalize and send.

    This is why the run commits by itself (after the new invoices, and after
    each Stripe step) instead of leaving one commit to the job runner.
    Returns counts: created, issued, manual, failed.
    """
    created = create_due_invoices(now)
    db.session.commit()
    counts = {"created": len(created), "issued": 0, "manual": 0, "failed": 0}
    waiting = db.session.scalars(
        select(Invoice.id)
        .where(Invoice.manual.is_(False), Invoice.finalized_at.is_(None))
        .order_by(Invoice.id)
    ).all()
    for invoice_id in waiting:
        if not stripe_gateway.is_configured():
            if make_manual(invoice_id, now):
                counts["manual"] += 1
            db.session.commit()
            continue
        try:
            issue_invoice(invoice_id, now)
            db.session.commit()
            counts["issued"] += 1
        except stripe.StripeError:
            db.session.rollback()
            log.exception("issuing invoice %s in Stripe failed; the next run retries", invoice_id)
            counts["failed"] += 1
    return counts


def create_due_invoices(now: datetime) -> list[Invoice]:
    """Gather the lines that are due into new draft invoices (flushes; the caller commits).

    Per order: when none of the order's assignments can change any more (none
    booked, reported or disputed) and the order is finished or its sessions
    have all started. Monthly: per organisation and Helsinki calendar month
    of the line, for months that have ended.
    """
    lines = db.session.scalars(
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id.is_(None))
        .options(selectinload(InvoiceLine.assignment))
        .order_by(InvoiceLine.id)
    ).all()
    if get_choice_setting("invoice_grouping") == "monthly":
        groups = _monthly_groups(lines, now)
    else:
        groups = _order_groups(lines, now)
    today = to_helsinki(now).date()
    due = today + timedelta(days=get_setting("payment_term_days"))
    created = []
    exemption = current_app.config.get("INVOICE_VAT_EXEMPTION_REASON") or None
    for (organisation_id, order_id, period), group in groups.items():
        invoice = Invoice(
            organisation_id=organisation_id,
            order_id=order_id,
            period=period,
            status="draft",
            manual=False,
            total=sum((line.gross for line in group), Decimal("0.00")),
            amount_paid=Decimal("0.00"),
            due_date=due,
            billing_reference=_billing_reference(organisation_id, order_id),
            vat_exemption_reason=(
                exemption if any(line.vat_percent is None for line in group) else None
            ),
            created_at=now,
        )
        db.session.add(invoice)
        db.session.flush()
        invoice.reference_number = invoice_reference_number(invoice.id)
        ids = [line.id for line in group]
        claimed = db.session.execute(
            update(InvoiceLine)
            .where(InvoiceLine.id.in_(ids), InvoiceLine.invoice_id.is_(None))
            .values(invoice_id=invoice.id)
        ).rowcount
        if claimed != len(ids):
            raise Conflict("Another invoicing run took these lines.", code="lines_taken")
        record_audit(None, "invoice_created", "invoice", invoice.id, total=invoice.total,
                     lines=len(ids), order=order_id, period=period)
        created.append(invoice)
    db.session.flush()
    return created


def _billing_reference(organisation_id: int, order_id: int | None) -> str | None:
    """The order's own billing reference, else the organisation's."""
    if order_id is not None:
        order = db.session.get(Order, order_id)
        if order is not None and order.billing_reference:
            return order.billing_reference
    from app.organisations.models import Organisation

    organisation = db.session.get(Organisation, organisation_id)
    return organisation.billing_reference or None


def _order_groups(lines, now):
    by_order = defaultdict(list)
    for line in lines:
        by_order[(line.organisation_id, line.assignment.order_id, None)].append(line)
    if not by_order:
        return {}
    orders = db.session.scalars(
        select(Order)
        .where(Order.id.in_({order_id for _, order_id, _ in by_order}))
        .options(selectinload(Order.assignments), selectinload(Order.sessions))
    ).all()
    ready = {order.id for order in orders if _order_ready(order, now)}
    return {key: group for key, group in by_order.items() if key[1] in ready}


def _order_ready(order: Order, now: datetime) -> bool:
    if any(a.status in OPEN_ASSIGNMENT_STATUSES for a in order.assignments):
        return False
    return order.status in FINISHED_ORDER_STATUSES or all(
        session.starts_at <= now for session in order.sessions
    )


def _monthly_groups(lines, now):
    current = _month(now)
    groups = defaultdict(list)
    for line in lines:
        period = _month(line.created_at)
        if period < current:
            groups[(line.organisation_id, None, period)].append(line)
    return dict(groups)


def _month(moment: datetime) -> str:
    return to_helsinki(moment).strftime("%Y-%m")


def make_manual(invoice_id: int, now: datetime) -> bool:
    """Without Stripe: the draft becomes an open invoice that finance handles by hand."""
    invoice = _locked(invoice_id)
    if invoice.stripe_invoice_id is not None or invoice.status != "draft":
        log.warning("invoice %s was started in Stripe but Stripe is not configured", invoice_id)
        return False
    invoice.manual = True
    INVOICE.apply(invoice, "finalize")
    invoice.finalized_at = now
    record_audit(None, "invoice_issued", "invoice", invoice.id, manual=True,
                 due_date=invoice.due_date)
    db.session.flush()
    return True


def issue_invoice(invoice_id: int, now: datetime) -> Invoice:
    """Issue one invoice in Stripe, step by step, committing what each step made.

    See `run_invoicing` for why every step may be repeated safely.
    """
    invoice = db.session.get(Invoice, invoice_id)
    organisation = invoice.organisation
    customer = stripe_gateway.ensure_customer(
        organisation, idempotency_key=_idempotency_key("customer", organisation)
    )
    db.session.commit()
    metadata = {
        "kokemuspankki_invoice_id": str(invoice.id),
        "invoice_number": invoice.number,
        "organisation_id": str(organisation.id),
    }
    if invoice.stripe_invoice_id is None:
        invoice.stripe_invoice_id = stripe_gateway.create_invoice(
            customer,
            _days_until_due(invoice, now),
            metadata,
            invoice_description(invoice),
            idempotency_key=_idempotency_key("invoice", invoice),
        )
        db.session.commit()
    for line in invoice.lines:
        if line.stripe_invoice_item_id is None:
            line.stripe_invoice_item_id = stripe_gateway.add_invoice_item(
                customer,
                line.gross,
                line.description,
                {**metadata, "invoice_line_id": str(line.id), "kind": line.kind,
                 "assignment_id": str(line.assignment_id)},
                invoice=invoice.stripe_invoice_id,
                idempotency_key=_idempotency_key("line", line),
            )
            db.session.commit()
    status, url = stripe_gateway.finalize_invoice(
        invoice.stripe_invoice_id, idempotency_key=_idempotency_key("finalize", invoice)
    )
    if status == "open":
        stripe_gateway.send_invoice(
            invoice.stripe_invoice_id, idempotency_key=_idempotency_key("send", invoice)
        )
    invoice = _locked(invoice_id)
    _follow_stripe_status(invoice, status, reason="issued")
    invoice.hosted_invoice_url = url or invoice.hosted_invoice_url
    invoice.finalized_at = now
    record_audit(None, "invoice_issued", "invoice", invoice.id, manual=False,
                 stripe_invoice=invoice.stripe_invoice_id, status=invoice.status)
    db.session.flush()
    return invoice


def invoice_description(invoice: Invoice) -> str:
    """The invoice's memo in Stripe: our number and what it is for."""
    with force_locale(INVOICE_LANGUAGE):
        if invoice.order_id is not None:
            order = db.session.get(Order, invoice.order_id)
            text = gettext("Kokemuspankki invoice %(number)s: %(title)s",
                           number=invoice.number, title=order.title)
            if order.billing_reference:
                text += ", " + gettext("reference %(reference)s",
                                       reference=order.billing_reference)
            return text
        year, month = invoice.period.split("-")
        return gettext("Kokemuspankki invoice %(number)s: work in %(month)s",
                       number=invoice.number, month=f"{int(month)}/{year}")


def _days_until_due(invoice: Invoice, now: datetime) -> int:
    return max(1, (invoice.due_date - to_helsinki(now).date()).days)


def _idempotency_key(kind: str, row) -> str:
    """A Stripe idempotency key from our row: kind, id and creation time in microseconds.

    The creation time keeps keys distinct when a database is rebuilt and ids
    start again from 1 (Stripe remembers keys for at least 24 hours).
    """
    stamp = int(row.created_at.timestamp() * 1_000_000)
    return f"kp-{kind}-{row.id}-{stamp}"


def _locked(invoice_id: int) -> Invoice | None:
    """The invoice freshly read and row-locked (PostgreSQL) before a status change."""
    return db.session.get(Invoice, invoice_id, with_for_update=True, populate_existing=True)


def _follow_stripe_status(invoice: Invoice, stripe_status: str, *, reason: str) -> None:
    """Move the invoice towards the status Stripe reports, if the table allows that move."""
    action = STATUS_ACTIONS.get(stripe_status)
    if action is not None and INVOICE.can(invoice.status, action):
        old = invoice.status
        INVOICE.apply(invoice, action)
        record_audit(None, "invoice_status_changed", "invoice", invoice.id,
                     old=old, new=invoice.status, reason=reason)


# Stripe events -------------------------------------------------------------


def handle_stripe_event(event, now: datetime | None = None) -> str:
    """Apply one verified Stripe event; returns "processed", "duplicate" or "ignored".

    The event id is stored first (its primary key makes a second delivery,
    even a concurrent one, a no-op: the session is then rolled back, so call
    this as the first change of the unit of work). Invoice events move the local invoice
    only along the transition table, so late or out-of-order events never
    move it backwards (``invoice.paid`` before ``invoice.finalized`` ends paid).
    Flushes; the caller commits.
    """
    now = now or utcnow()
    data = event.to_dict() if hasattr(event, "to_dict") else dict(event)
    event_id, event_type = data["id"], data["type"]
    if db.session.get(StripeEvent, event_id) is not None:
        return "duplicate"
    db.session.add(StripeEvent(id=event_id, type=event_type, received_at=now))
    try:
        db.session.flush()
    except IntegrityError:  # the same event, delivered at the same moment, was stored first
        db.session.rollback()
        return "duplicate"
    action = EVENT_ACTIONS.get(event_type)
    stripe_invoice = (data.get("data") or {}).get("object") or {}
    if action is None or stripe_invoice.get("object") != "invoice":
        return "ignored"
    invoice = _invoice_of_event(stripe_invoice)
    if invoice is None:
        return "ignored"
    invoice = _locked(invoice.id)
    old = invoice.status
    short = None
    if action == "pay" and old not in ("paid", "void"):
        short = _stripe_shortfall(invoice, stripe_invoice)
    if short is not None:
        # Less than the amount due came in: the invoice stays open, showing what is missing.
        if INVOICE.can(old, "finalize"):
            INVOICE.apply(invoice, "finalize")
        record_audit(None, "invoice_partly_paid", "invoice", invoice.id, stripe_event=event_id,
                     amount_paid=invoice.amount_paid, missing=short)
    elif INVOICE.can(old, action):
        INVOICE.apply(invoice, action)
        if invoice.status == "paid" and old != "paid":
            invoice.paid_at = _paid_at(stripe_invoice) or now
            invoice.amount_paid = max(invoice.amount_paid or Decimal("0"), invoice.total)
    if stripe_invoice.get("hosted_invoice_url") and not invoice.hosted_invoice_url:
        invoice.hosted_invoice_url = stripe_invoice["hosted_invoice_url"]
    if invoice.status != old:
        record_audit(None, "invoice_status_changed", "invoice", invoice.id, old=old,
                     new=invoice.status, reason=event_type, stripe_event=event_id)
    elif action == "payment_failed":
        record_audit(None, "invoice_payment_failed", "invoice", invoice.id,
                     stripe_event=event_id)
    db.session.flush()
    return "processed"


def _invoice_of_event(stripe_invoice: dict) -> Invoice | None:
    """Our invoice for Stripe's, by Stripe id or else by the id in its metadata."""
    stripe_id = stripe_invoice.get("id")
    invoice = db.session.scalar(select(Invoice).where(Invoice.stripe_invoice_id == stripe_id))
    if invoice is not None:
        return invoice
    ours = (stripe_invoice.get("metadata") or {}).get("kokemuspankki_invoice_id")
    if ours and str(ours).isdigit():
        invoice = db.session.get(Invoice, int(ours))
        if invoice is not None and invoice.stripe_invoice_id is None and not invoice.manual:
            invoice.stripe_invoice_id = stripe_id  # the run died before it stored the id
            return invoice
    return None


def _stripe_shortfall(invoice: Invoice, stripe_invoice: dict) -> Decimal | None:
    """What Stripe's ``amount_paid`` (cents) leaves unpaid, or None when it covers the invoice.

    An event without ``amount_paid`` counts as paid in full (Stripe always sends it;
    an older event format may not). The amount received is stored on the invoice.
    """
    raw = stripe_invoice.get("amount_paid")
    if raw is None or isinstance(raw, bool) or not isinstance(raw, int):
        return None
    received = (Decimal(raw) / 100).quantize(Decimal("0.01"))
    if received >= invoice.total:
        return None
    invoice.amount_paid = max(invoice.amount_paid or Decimal("0"), received)
    return invoice.total - invoice.amount_paid


def _paid_at(stripe_invoice: dict) -> datetime | None:
    stamp = (stripe_invoice.get("status_transitions") or {}).get("paid_at")
    if not stamp:
        return None
    return datetime.fromtimestamp(int(stamp), tz=UTC)


# Finance -------------------------------------------------------------------


def mark_invoice_paid(actor, invoice_id: int, now: datetime | None = None) -> Invoice:
    """Finance records a payment received outside Stripe's payment page.

    A manual invoice is simply marked paid. An invoice issued in Stripe is
    first marked "paid out of band" in Stripe, so that Stripe stops asking
    for the money; its ``invoice.paid`` event then finds the invoice already
    paid and changes nothing. Flushes; the caller commits.
    """
    now = now or utcnow()
    _require_finance(actor)
    invoice = _locked(invoice_id)
    if invoice is None:
        raise NotFound("The invoice was not found.", code="invoice_not_found")
    _require_payable(invoice)
    old = invoice.status
    _settle(actor, invoice, now)
    record_audit(actor, "invoice_marked_paid", "invoice", invoice.id, old=old,
                 manual=invoice.manual, total=invoice.total)
    db.session.flush()
    return invoice


def _require_finance(actor) -> None:
    if actor.role not in (FINANCE, ADMIN):
        raise PermissionDenied("Only finance can record payments.")


def _require_payable(invoice: Invoice) -> None:
    if invoice.status not in ("open", "uncollectible"):
        raise Conflict("This invoice is not waiting for payment.", code="not_payable")


def _settle(actor, invoice: Invoice, now: datetime) -> None:
    """Move a payable invoice to paid (in Stripe too, for a Stripe invoice)."""
    if not invoice.manual:
        try:
            stripe_gateway.mark_paid_out_of_band(
                invoice.stripe_invoice_id, idempotency_key=_idempotency_key("pay", invoice)
            )
        except (stripe.StripeError, stripe_gateway.StripeNotConfigured) as error:
            log.warning("Stripe refused to mark invoice %s paid: %s", invoice.id, error)
            raise Conflict("Stripe did not accept the payment. Try again later.",
                           code="stripe_error") from error
    INVOICE.apply(invoice, "pay")
    invoice.paid_at = now
    invoice.amount_paid = max(invoice.amount_paid or Decimal("0"), invoice.total)


# Bank transfers by reference number ----------------------------------------

#: The most a single bank payment may be (a typing error guard), euros.
MAX_BANK_PAYMENT = Decimal("1000000.00")


@dataclass(frozen=True)
class BankPaymentResult:
    """What one registration did: ``paid``, ``partly_paid`` or ``duplicate``."""

    outcome: str
    invoice: Invoice
    payment: BankPayment | None


def parse_bank_amount(raw: object, field: str = "amount") -> Decimal:
    """Euros from a form, CSV or JSON: ``1 234,50`` or ``1234.50``; positive, two decimals."""
    text = str(raw if raw is not None else "").strip().replace("\u00a0", "").replace(" ", "")
    text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if (amount is None or not amount.is_finite() or amount <= 0 or amount > MAX_BANK_PAYMENT
            or amount != amount.quantize(Decimal("0.01"))):
        raise InvalidInput("Give the amount in euros with at most two decimals, "
                           "for example 125,50.", code="invalid_amount", field=field)
    return amount.quantize(Decimal("0.01"))


def parse_bank_date(raw: object, field: str = "paid_on") -> date:
    """A payment date as ``2026-12-01`` or ``1.12.2026``."""
    text = str(raw or "").strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise InvalidInput("Give the payment date, for example 1.12.2026.", code="invalid_date",
                       field=field)


def register_bank_payment(actor, reference: str, amount: Decimal, paid_on: date,
                          archive_id: str | None = None, *, source: str = "form",
                          now: datetime | None = None) -> BankPaymentResult:
    """Finance registers one bank transfer by the reference number the payer quoted.

    The reference may be in the Finnish or the RF form. The amount is added to
    what the invoice has received; when that reaches the total the invoice is
    paid (in Stripe too, for a Stripe invoice), otherwise it stays open and
    shows what is missing. The same bank archive ID is registered only once
    (a second time answers ``duplicate`` and changes nothing); a payment to an
    invoice that is already paid is refused. Flushes; the caller commits.
    """
    now = now or utcnow()
    _require_finance(actor)
    normal = normalize_reference(reference)
    if normal is None:
        raise InvalidInput("This is not a valid reference number. Check the digits.",
                           code="invalid_reference", field="reference")
    archive_id = (archive_id or "").strip() or None
    if archive_id is not None and len(archive_id) > 35:
        raise InvalidInput("The archive ID is at most 35 characters.", code="invalid_value",
                           field="archive_id")
    found = db.session.scalar(select(Invoice.id).where(Invoice.reference_number == normal))
    if found is None:
        raise NotFound("No invoice has the reference number %(reference)s.",
                       code="reference_not_found", field="reference",
                       values={"reference": normal})
    invoice = _locked(found)
    if archive_id is not None:
        earlier = db.session.scalar(select(BankPayment).where(BankPayment.archive_id == archive_id))
        if earlier is not None:
            return BankPaymentResult("duplicate", earlier.invoice, None)
    if invoice.status == "paid":
        raise Conflict("Invoice %(number)s is already paid.", code="already_paid",
                       field="reference", values={"number": invoice.number})
    _require_payable(invoice)
    payment = BankPayment(invoice_id=invoice.id, reference_number=normal, amount=amount,
                          paid_on=paid_on, archive_id=archive_id, source=source,
                          recorded_by_id=actor.id, created_at=now)
    db.session.add(payment)
    invoice.amount_paid = (invoice.amount_paid or Decimal("0")) + amount
    if invoice.amount_paid >= invoice.total:
        _settle(actor, invoice, now)
        outcome = "paid"
    else:
        outcome = "partly_paid"
    db.session.flush()
    record_audit(actor, "bank_payment_registered", "invoice", invoice.id,
                 reference=normal, amount=amount, paid_on=paid_on, archive_id=archive_id,
                 outcome=outcome, missing=invoice.missing)
    return BankPaymentResult(outcome, invoice, payment)


@dataclass(frozen=True)
class CsvRowResult:
    """One row of an uploaded payments file: its line number and what happened."""

    line: int
    reference: str
    outcome: str  # paid, partly_paid, duplicate or error
    invoice: Invoice | None
    message: str | None = None
    values: dict | None = None


#: Column names accepted in a payments CSV (Finnish, Swedish or English headings).
CSV_COLUMNS = {
    "reference": ("reference", "viite", "viitenumero", "referens"),
    "amount": ("amount", "summa", "määrä", "belopp"),
    "paid_on": ("paid_on", "date", "päivä", "maksupäivä", "datum"),
    "archive_id": ("archive_id", "arkistointitunnus", "arkistotunnus", "arkiveringskod"),
}
MAX_CSV_ROWS = 2000
MAX_CSV_BYTES = 1_000_000


def register_bank_payments_csv(actor, content: bytes, *, now: datetime | None = None
                               ) -> list[CsvRowResult]:
    """Register every row of an uploaded CSV of bank payments, each row on its own.

    The file has a heading row naming the columns reference, amount, paid_on and
    (optional) archive_id, in Finnish, Swedish or English; ``;`` or ``,`` as the
    separator; UTF-8 with or without a BOM. A bad row is reported with its line
    number and does not stop the others (each row runs in a savepoint).
    Flushes; the caller commits.
    """
    now = now or utcnow()
    _require_finance(actor)
    if len(content) > MAX_CSV_BYTES:
        raise InvalidInput("The file is too big (at most 1 MB).", code="invalid_file",
                           field="file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("Save the file as UTF-8 CSV and try again.", code="invalid_file",
                           field="file") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise InvalidInput("The file is empty.", code="invalid_file", field="file")
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    heading = [cell.strip().lower() for cell in next(reader)]
    columns = {}
    for key, names in CSV_COLUMNS.items():
        for index, cell in enumerate(heading):
            if cell in names:
                columns[key] = index
    if not {"reference", "amount", "paid_on"} <= columns.keys():
        raise InvalidInput("The first row must name the columns: reference, amount, paid_on "
                           "(and archive_id).", code="invalid_file", field="file")
    results = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(results) >= MAX_CSV_ROWS:
            raise InvalidInput("The file has too many rows (at most 2000).",
                               code="invalid_file", field="file")
        line = reader.line_num
        cell = {key: (row[i] if i < len(row) else "") for key, i in columns.items()}
        try:
            with db.session.begin_nested():
                result = register_bank_payment(
                    actor, cell["reference"], parse_bank_amount(cell["amount"]),
                    parse_bank_date(cell["paid_on"]), cell.get("archive_id"),
                    source="csv", now=now)
        except (InvalidInput, NotFound, Conflict) as error:
            results.append(CsvRowResult(line, cell["reference"].strip(), "error", None,
                                        error.message, error.values))
        else:
            results.append(CsvRowResult(line, cell["reference"].strip(), result.outcome,
                                        result.invoice))
    return results


# Reading -------------------------------------------------------------------


@dataclass(frozen=True)
class PayeeAccount:
    """The bank's own account that organisations pay invoices to."""

    name: str
    iban: str  # in groups of four, as printed
    bic: str


def payee_account() -> PayeeAccount | None:
    """The bank's account from the configuration, or None when BANK_IBAN is not valid."""
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    config = current_app.config
    try:
        iban = IBAN(config.get("BANK_IBAN") or "")
    except SchwiftyException:
        return None
    return PayeeAccount(config.get("BANK_NAME") or "Kokemuspankki", iban.formatted,
                        config.get("BANK_BIC") or "")


def invoice_of_organisation(organisation_id: int, invoice_id: int) -> Invoice:
    """One of the organisation's own invoices; another's is "not found", never "forbidden"."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or invoice.organisation_id != organisation_id or invoice.status == "draft":
        raise NotFound("The invoice was not found.", code="invoice_not_found")
    return invoice


def invoices_for(actor, *, status: str | None, cursor: str | None, limit: int) -> Page:
    """One page of the invoices the actor may see, newest first.

    Finance and administrators see every invoice; an organisation member sees
    the organisation's own, drafts left out. Anyone else is refused.
    """
    query = select(Invoice).options(selectinload(Invoice.organisation))
    if actor.role in (FINANCE, ADMIN):
        pass
    elif actor.role == ORGANISATION_MEMBER and actor.organisation_id is not None:
        query = query.where(Invoice.organisation_id == actor.organisation_id,
                            Invoice.status != "draft")
    else:
        raise PermissionDenied("Only finance and organisations can see invoices.")
    if status is not None:
        if status not in INVOICE_STATUSES:
            raise InvalidInput("Unknown invoice status.", field="status")
        query = query.where(Invoice.status == status)
    return keyset_page(db.session, query, (Invoice.created_at, Invoice.id), cursor=cursor,
                       limit=limit)
