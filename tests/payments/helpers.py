"""Test data for invoicing: confirmed work with its invoice lines, a demo invoice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from tests import factories


def confirmed_work(now, organisation=None, *, fee=Decimal("30.00"), travel=Decimal("12.60"),
                   per_diem=Decimal("0.00"), billing_reference="Viite 4711/2025",
                   starts=None, lines_at=None, title=None, order_status="completed"):
    """An order whose one expert's work is confirmed, with its invoice lines added; commits.

    Returns (order, assignment, lines). ``lines_at`` is when the work was
    confirmed (the lines' time, which decides their invoicing month).
    """
    from app.payments.services import add_invoice_lines_for_assignment

    organisation = organisation or factories.organisation()
    starts = starts or (now - timedelta(days=2)).replace(minute=0, second=0)
    order = factories.order(organisation, sessions=[(starts, 45)], status=order_status,
                            billing_reference=billing_reference, title=title)
    (assignment,) = factories.booking(order, factories.expert(), status="confirmed")
    lines = add_invoice_lines_for_assignment(assignment, fee, travel, per_diem, lines_at or now)
    db.session.commit()
    return order, assignment, lines


def ensure_demo_invoice(organisation_name: str = "Demo hyvinvointialue") -> int:
    """The id of an open invoice of the demo organisation, invoicing its confirmed work if needed.

    Call in the live server's app context (no Stripe keys: a manual invoice); commits.
    """
    from app.bookings.models import Assignment, Order
    from app.common.timeutil import utcnow
    from app.organisations.models import Organisation
    from app.payments import services
    from app.payments.models import Invoice, InvoiceLine

    organisation = db.session.scalar(
        select(Organisation).where(Organisation.name == organisation_name))
    found = db.session.scalar(
        select(Invoice.id).where(Invoice.organisation_id == organisation.id,
                                 Invoice.status == "open").order_by(Invoice.id))
    if found is not None:
        return found
    now = utcnow()
    invoiced = select(InvoiceLine.assignment_id)
    assignment = db.session.scalars(
        select(Assignment).join(Order).where(
            Order.organisation_id == organisation.id, Assignment.status == "confirmed",
            Assignment.id.not_in(invoiced))
        .order_by(Assignment.id)).first()
    if assignment is not None:  # the demo's own confirmed work
        services.add_invoice_lines_for_assignment(
            assignment, Decimal("30.00"), Decimal("12.60"), Decimal("0.00"), now)
    else:
        confirmed_work(now, organisation, title="Laskutettava luento")
    for invoice in services.create_due_invoices(now):
        services.make_manual(invoice.id, now)
    db.session.commit()
    found = db.session.scalar(
        select(Invoice.id).where(Invoice.organisation_id == organisation.id,
                                 Invoice.status == "open").order_by(Invoice.id))
    assert found is not None, "no invoice could be made for the demo organisation"
    return found
