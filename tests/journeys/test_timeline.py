"""The order's timeline, walked through with the real services: submitted → experts invited
→ booked (k of N) → done → reported → confirmed → invoiced → paid, with dates and who acted."""

from __future__ import annotations

from datetime import timedelta

from app.bookings import completion, services
from app.bookings.completion import ReportData
from app.common.timeutil import utcnow
from app.extensions import db
from app.journeys.timeline import STEPS, order_timeline
from app.payments import services as payments
from tests import factories


def _states(steps):
    return {s.key: s.state for s in steps}


def test_a_two_expert_order_from_submission_to_payment(app):
    now = utcnow().replace(microsecond=0)
    start = (now + timedelta(days=10)).replace(minute=0, second=0)
    organiser = factories.member(is_admin=True, full_name="Outi Tilaaja")
    coordinator = factories.user("coordinator", full_name="Kaija Koordinaattori")
    finance = factories.user("finance")
    order = factories.order(organiser.membership.organisation, created_by=organiser,
                            sessions=[(start, 45)], experts_needed=2, status="submitted")
    first, second = factories.expert(), factories.expert()

    steps = order_timeline(order, now)
    assert [s.key for s in steps] == list(STEPS)
    assert steps[0].who == "Outi Tilaaja" and steps[0].when == order.submitted_at
    assert [s.state for s in steps] == ["done"] + ["waiting"] * 7

    invitations = services.invite_experts(coordinator, order, [first.id, second.id], now)
    services.accept_invitation(first.user, invitations[0].id, now)
    steps = {s.key: s for s in order_timeline(order, now)}
    assert (steps["invited"].state, steps["invited"].who, steps["invited"].count) == (
        "done", "Kaija Koordinaattori", 2)
    assert (steps["booked"].state, steps["booked"].count, steps["booked"].needed) == (
        "partly", 1, 2)

    (second_booking,) = services.accept_invitation(second.user, invitations[1].id, now)
    assert _states(order_timeline(order, now))["booked"] == "done"
    assert _states(order_timeline(order, now))["done"] == "waiting"

    after = start + timedelta(hours=1)
    assert _states(order_timeline(order, after))["done"] == "done"
    for expert in (first, second):
        (assignment,) = [a for a in order.assignments if a.expert_id == expert.id]
        completion.report_assignment(expert.user, assignment.id,
                                     ReportData(duration_minutes=45, remote=True), after)
        if expert is first:
            steps = {s.key: s for s in order_timeline(order, after)}
            assert (steps["reported"].state, steps["reported"].count) == ("partly", 1)
            assert steps["reported"].who == first.user.full_name
    confirmed_at = after + timedelta(hours=1)
    for assignment in order.assignments:
        completion.confirm_assignment(organiser, assignment.id, confirmed_at)
    db.session.flush()
    steps = {s.key: s for s in order_timeline(order, confirmed_at)}
    assert steps["confirmed"].state == "done" and steps["confirmed"].when == confirmed_at
    assert steps["confirmed"].who == "Outi Tilaaja"
    assert steps["invoiced"].state == "waiting"

    invoiced_at = confirmed_at + timedelta(days=1)
    (invoice,) = payments.create_due_invoices(invoiced_at)
    payments.make_manual(invoice.id, invoiced_at)
    steps = {s.key: s for s in order_timeline(order, invoiced_at)}
    assert steps["invoiced"].state == "done" and steps["paid"].state == "waiting"

    payments.mark_invoice_paid(finance, invoice.id, invoiced_at + timedelta(days=3))
    steps = order_timeline(order, invoiced_at + timedelta(days=3))
    assert [s.state for s in steps] == ["done"] * 8
    assert steps[-1].who == order.organisation.name


def test_a_cancelled_order_ends_with_the_cancellation(app):
    now = utcnow().replace(microsecond=0)
    organiser = factories.member(is_admin=True, full_name="Outi Tilaaja")
    order = factories.order(organiser.membership.organisation, created_by=organiser,
                            sessions=[(now + timedelta(days=20), 45)], status="submitted")
    services.cancel_order(organiser, order.id, now)
    steps = order_timeline(order, now)
    assert (steps[-1].key, steps[-1].state, steps[-1].who) == ("cancelled", "done",
                                                               "Outi Tilaaja")
    assert _states(steps)["done"] == "waiting"
