"""Invoice lines and the invoicing run: Stripe invoices, manual invoices, grouping, idempotency."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.admin.services import set_choice_setting, set_setting
from app.audit.models import AuditEntry
from app.common.timeutil import to_helsinki
from app.extensions import db
from app.payments import services
from app.payments.models import Invoice, InvoiceLine
from tests import factories
from tests.payments.helpers import confirmed_work


def invoices_of(organisation_id):
    return db.session.scalars(
        select(Invoice).where(Invoice.organisation_id == organisation_id).order_by(Invoice.id)
    ).all()


def audit_actions(invoice_id):
    return db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.subject_type == "invoice",
                                        AuditEntry.subject_id == str(invoice_id))
        .order_by(AuditEntry.id)
    ).all()


def last_month(now):
    """A moment in the previous Helsinki calendar month."""
    first = to_helsinki(now).replace(day=1, hour=12, minute=0, second=0)
    return first - timedelta(days=3)


# Invoice lines --------------------------------------------------------------


def test_confirmed_work_adds_one_described_line_per_non_zero_amount(now):
    order, assignment, lines = confirmed_work(
        now, fee=Decimal("30.00"), travel=Decimal("12.60"), per_diem=Decimal("0.00"),
        billing_reference="Hanke 12/2025", title="Mielenterveysluento")
    assert [(line.kind, line.amount) for line in lines] == [
        ("fee", Decimal("30.00")), ("travel", Decimal("12.60"))]
    day = to_helsinki(assignment.starts_at).date()
    for line in lines:
        assert line.invoice_id is None
        assert line.organisation_id == order.organisation_id
        assert "Mielenterveysluento" in line.description
        assert f"{day.day}.{day.month}.{day.year}" in line.description
        assert "Hanke 12/2025" in line.description


def test_adding_the_same_work_again_adds_nothing(now):
    _order, assignment, _lines = confirmed_work(now)
    again = services.add_invoice_lines_for_assignment(
        assignment, Decimal("30.00"), Decimal("12.60"), Decimal("0.00"), now)
    assert again == []
    count = db.session.scalar(select(func.count()).select_from(InvoiceLine)
                              .where(InvoiceLine.assignment_id == assignment.id))
    assert count == 2


def test_amounts_must_be_exact_decimals(now):
    order = factories.order()
    (assignment,) = factories.booking(order, factories.expert(), status="confirmed")
    with pytest.raises(TypeError):
        services.add_invoice_lines_for_assignment(assignment, 30.0, Decimal("0"), Decimal("0"),
                                                  now)


def test_a_late_cancellation_is_invoiced(now):
    order = factories.order(status="cancelled", billing_reference="PO-99")
    (assignment,) = factories.booking(order, factories.expert(),
                                      status="cancelled_by_organisation")
    line = services.add_late_cancellation_line(assignment, Decimal("30.00"), now)
    assert line.kind == "late_cancellation" and "PO-99" in line.description
    assert services.add_late_cancellation_line(assignment, Decimal("30.00"), now) is None
    db.session.commit()
    services.run_invoicing(now)
    (invoice,) = invoices_of(order.organisation_id)
    assert invoice.total == Decimal("30.00") and invoice.lines == [line]


# Without Stripe keys --------------------------------------------------------


def test_without_stripe_keys_the_run_makes_manual_invoices(now):
    order, _assignment, lines = confirmed_work(now, per_diem=Decimal("20.00"))
    counts = services.run_invoicing(now)
    assert counts == {"created": 1, "issued": 0, "manual": 1, "failed": 0}
    (invoice,) = invoices_of(order.organisation_id)
    assert invoice.manual is True
    assert invoice.status == "open"
    assert invoice.stripe_invoice_id is None and invoice.hosted_invoice_url is None
    assert invoice.order_id == order.id and invoice.period is None
    assert invoice.total == Decimal("62.60")
    assert invoice.due_date == to_helsinki(now).date() + timedelta(days=14)
    assert {line.invoice_id for line in lines} == {invoice.id}
    assert audit_actions(invoice.id) == ["invoice_created", "invoice_issued"]


def test_running_twice_makes_nothing_twice(now):
    order, _assignment, _lines = confirmed_work(now)
    services.run_invoicing(now)
    assert services.run_invoicing(now + timedelta(hours=1)) == {
        "created": 0, "issued": 0, "manual": 0, "failed": 0}
    assert len(invoices_of(order.organisation_id)) == 1


def test_the_payment_term_setting_sets_the_due_date(now):
    set_setting(factories.user("admin"), "payment_term_days", 30)
    order, _assignment, _lines = confirmed_work(now)
    services.run_invoicing(now)
    (invoice,) = invoices_of(order.organisation_id)
    assert invoice.due_date == to_helsinki(now).date() + timedelta(days=30)


# Grouping -------------------------------------------------------------------


def test_per_order_waits_until_no_work_of_the_order_can_change(now):
    start = (now - timedelta(days=1)).replace(minute=0, second=0)
    later = start + timedelta(days=7)
    order = factories.order(sessions=[(start, 45), (later, 45)], status="filled")
    first, second = factories.booking(order, factories.expert())
    first.status = "confirmed"
    services.add_invoice_lines_for_assignment(first, Decimal("30.00"), Decimal("0.00"),
                                              Decimal("0.00"), now)
    db.session.commit()
    assert services.run_invoicing(now)["created"] == 0  # the second session is still booked

    second.status = "confirmed"
    services.add_invoice_lines_for_assignment(second, Decimal("30.00"), Decimal("5.00"),
                                              Decimal("0.00"), later)
    db.session.commit()
    assert services.run_invoicing(later + timedelta(hours=2))["created"] == 1
    (invoice,) = invoices_of(order.organisation_id)
    assert invoice.total == Decimal("65.00") and len(invoice.lines) == 3


@pytest.mark.parametrize(
    ("grouping", "expected"),
    [
        # One invoice per order, whatever the month.
        ("per_order", {("A", "order 1"), ("A", "order 2"), ("A", "order 3"), ("B", "order 4")}),
        # One per organisation and ended month: this month's work waits.
        ("monthly", {("A", "last month"), ("B", "last month")}),
    ],
)
def test_per_order_or_monthly_grouping(now, grouping, expected):
    set_choice_setting(factories.user("admin"), "invoice_grouping", grouping)
    earlier = last_month(now)
    org_a, org_b = factories.organisation(), factories.organisation()
    orders = {
        "order 1": confirmed_work(now, org_a, lines_at=earlier, starts=earlier)[0],
        "order 2": confirmed_work(now, org_a, lines_at=earlier, starts=earlier)[0],
        "order 3": confirmed_work(now, org_a, lines_at=now)[0],
        "order 4": confirmed_work(now, org_b, lines_at=earlier, starts=earlier)[0],
    }
    services.run_invoicing(now)
    names = {org_a.id: "A", org_b.id: "B"}
    order_names = {order.id: name for name, order in orders.items()}
    made = set()
    for organisation_id in names:
        for invoice in invoices_of(organisation_id):
            if grouping == "per_order":
                assert invoice.period is None
                made.add((names[organisation_id], order_names[invoice.order_id]))
            else:
                assert invoice.order_id is None
                assert invoice.period == to_helsinki(earlier).strftime("%Y-%m")
                made.add((names[organisation_id], "last month"))
    assert made == expected
    if grouping == "monthly":
        (a_invoice,) = invoices_of(org_a.id)
        assert a_invoice.total == Decimal("85.20")  # orders 1 and 2: 2 × (30.00 + 12.60)
        waiting = db.session.scalars(select(InvoiceLine).join(InvoiceLine.assignment)
                                     .where(InvoiceLine.invoice_id.is_(None))).all()
        assert {line.assignment.order_id for line in waiting} == {orders["order 3"].id}


# With Stripe (localstripe) -------------------------------------------------


def test_the_run_issues_a_stripe_invoice_per_order(stripe_on, now):
    order, assignment, lines = confirmed_work(
        now, fee=Decimal("30.00"), travel=Decimal("12.60"), per_diem=Decimal("20.00"),
        billing_reference="Viite 4711/2025", title="Asiakasraadin kokous")
    counts = services.run_invoicing(now)
    assert counts == {"created": 1, "issued": 1, "manual": 0, "failed": 0}

    (invoice,) = invoices_of(order.organisation_id)
    assert invoice.manual is False and invoice.status == "open"
    assert invoice.stripe_invoice_id and invoice.hosted_invoice_url.startswith("https://")
    assert invoice.total == Decimal("62.60") and invoice.finalized_at == now
    assert all(line.stripe_invoice_item_id for line in invoice.lines)
    assert audit_actions(invoice.id) == ["invoice_created", "invoice_status_changed",
                                         "invoice_issued"]

    client = stripe_on.client()
    remote = client.v1.invoices.retrieve(invoice.stripe_invoice_id)
    assert remote.customer == invoice.organisation.stripe_customer_id
    assert remote.status == "open" and remote.collection_method == "send_invoice"
    assert remote.days_until_due == 14
    assert remote.metadata["kokemuspankki_invoice_id"] == str(invoice.id)
    assert invoice.number in remote.description and "Viite 4711/2025" in remote.description
    assert remote.total == 6260
    remote_lines = {line.invoice_item: line for line in remote.lines.data}
    for line in lines:
        remote_line = remote_lines[line.stripe_invoice_item_id]
        assert remote_line.amount == int(line.amount * 100)
        assert remote_line.description == line.description
        assert "Viite 4711/2025" in remote_line.description
        assert "Asiakasraadin kokous" in remote_line.description
        assert remote_line.metadata["invoice_line_id"] == str(line.id)
    sent = [e for e in client.v1.events.list(params={"type": "invoice.sent"}).data
            if e.data.object.id == invoice.stripe_invoice_id]
    assert len(sent) == 1


def test_a_second_run_makes_nothing_twice_in_stripe(stripe_on, now):
    order, _assignment, _lines = confirmed_work(now)
    services.run_invoicing(now)
    assert services.run_invoicing(now + timedelta(minutes=5))["created"] == 0
    (invoice,) = invoices_of(order.organisation_id)
    client = stripe_on.client()
    remote = client.v1.invoices.list(params={"customer": invoice.organisation.stripe_customer_id})
    assert [i.id for i in remote.data] == [invoice.stripe_invoice_id]
    assert len(client.v1.events.list(params={"type": "invoice.sent"}).data) == 1


def test_a_crash_between_stripe_and_our_commit_charges_once(stripe_on, now):
    """Stripe did everything, but none of our commits survived: the rerun reuses Stripe's work."""
    order, _assignment, _lines = confirmed_work(now)
    services.create_due_invoices(now)
    db.session.commit()
    (invoice,) = invoices_of(order.organisation_id)
    services.issue_invoice(invoice.id, now)
    db.session.commit()
    first = (invoice.organisation.stripe_customer_id, invoice.stripe_invoice_id,
             sorted(line.stripe_invoice_item_id for line in invoice.lines))

    # What the database would hold if the process had died before each of our commits.
    invoice.organisation.stripe_customer_id = None
    invoice.stripe_invoice_id = invoice.hosted_invoice_url = invoice.finalized_at = None
    invoice.status = "draft"
    for line in invoice.lines:
        line.stripe_invoice_item_id = None
    db.session.commit()

    assert services.run_invoicing(now + timedelta(minutes=1))["issued"] == 1
    db.session.refresh(invoice)
    again = (invoice.organisation.stripe_customer_id, invoice.stripe_invoice_id,
             sorted(line.stripe_invoice_item_id for line in invoice.lines))
    assert again == first
    assert invoice.status == "open"
    client = stripe_on.client()
    remote = client.v1.invoices.list(params={"customer": first[0]})
    assert [i.id for i in remote.data] == [first[1]]
    assert len(remote.data[0].lines.data) == 2
    assert len(client.v1.customers.list(params={"email": invoice.organisation.billing_email})
               .data) == 1


def test_when_stripe_cannot_be_reached_the_next_run_issues_the_invoice(stripe_on, app, now):
    order, _assignment, _lines = confirmed_work(now)
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # nothing listens there
    assert services.run_invoicing(now) == {"created": 1, "issued": 0, "manual": 0, "failed": 1}
    (invoice,) = invoices_of(order.organisation_id)
    assert invoice.status == "draft" and invoice.stripe_invoice_id is None

    app.config["STRIPE_API_BASE"] = stripe_on.url
    assert services.run_invoicing(now + timedelta(hours=1))["issued"] == 1
    db.session.refresh(invoice)
    assert invoice.status == "open" and invoice.stripe_invoice_id


def test_monthly_invoices_in_stripe_name_the_month(stripe_on, now):
    set_choice_setting(factories.user("admin"), "invoice_grouping", "monthly")
    earlier = last_month(now)
    organisation = factories.organisation()
    confirmed_work(now, organisation, lines_at=earlier, starts=earlier)
    confirmed_work(now, organisation, lines_at=earlier, starts=earlier, fee=Decimal("20.00"))
    services.run_invoicing(now)
    (invoice,) = invoices_of(organisation.id)
    remote = stripe_on.client().v1.invoices.retrieve(invoice.stripe_invoice_id)
    month = to_helsinki(earlier)
    assert f"{month.month}/{month.year}" in remote.description
    assert remote.total == 3000 + 1260 + 2000 + 1260
    assert len(remote.lines.data) == 4
