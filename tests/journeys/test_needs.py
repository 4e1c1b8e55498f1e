""""What needs you now": each role sees its own waiting work, each item linked to the page
where it is done, and never another organisation's or another expert's."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask import url_for

from app.bookings.models import Invitation
from app.common.timeutil import utcnow
from app.extensions import db
from app.journeys.needs import SHOWN, needs_of
from app.payments import services as payments
from app.payouts import services as payouts
from tests import factories
from tests.payments.helpers import confirmed_work
from tests.payouts.helpers import approved, finance_user, payout


def _kinds(needs):
    return [n.kind for n in needs]


def _reported(order, expert):
    (assignment,) = factories.booking(order, expert, status="reported")
    return assignment


def test_organisation_sees_its_reports_short_orders_and_invoices_only(app):
    now = utcnow().replace(microsecond=0)
    mine, other = factories.organisation(), factories.organisation()
    member = factories.member(mine)
    past = now - timedelta(days=2)
    reported_order = factories.order(mine, sessions=[(past, 45)], status="filled", title="Oma")
    report = _reported(reported_order, factories.expert())
    _reported(factories.order(other, sessions=[(past, 45)], status="filled", title="Vieras"),
              factories.expert())
    soon = factories.order(mine, sessions=[(now + timedelta(days=3), 45)], status="matching",
                           experts_needed=2, title="Pian")
    factories.booking(soon, factories.expert())
    factories.order(mine, sessions=[(now + timedelta(days=20), 45)], status="matching",
                    title="Myöhemmin")  # short of experts, but not yet near
    full = factories.order(mine, sessions=[(now + timedelta(days=2), 45)], status="filled",
                           title="Täynnä")
    factories.booking(full, factories.expert())
    confirmed_work(now, mine, title="Laskutettu")
    confirmed_work(now, other, title="Toisen lasku")
    for invoice in payments.create_due_invoices(now):
        payments.make_manual(invoice.id, now)
    db.session.flush()

    needs = needs_of(member, now)
    assert _kinds(needs) == ["confirm_report", "short_of_experts", "pay_invoice"]
    confirm, short, invoice = needs
    assert confirm.url_values == {"order_id": reported_order.id, "assignment_id": report.id}
    assert confirm.title == "Oma"
    assert (short.title, short.count, short.needed) == ("Pian", 1, 2)
    assert short.url_values == {"order_id": soon.id}
    assert invoice.amount == Decimal("42.60")
    with app.test_request_context():
        assert url_for(confirm.url_endpoint, **confirm.url_values) == (
            f"/organisation/orders/{reported_order.id}/assignments/{report.id}")
        assert url_for(invoice.url_endpoint, **invoice.url_values).startswith(
            "/organisation/invoices/")


def test_expert_sees_offers_to_answer_and_work_to_report_of_their_own(app):
    now = utcnow().replace(microsecond=0)
    expert, someone = factories.expert(), factories.expert()
    coming = factories.order(sessions=[(now + timedelta(days=9), 45)], title="Tarjous")
    invitation = Invitation(order=coming, expert_id=expert.id, status="pending",
                                      expires_at=now + timedelta(hours=30))
    db.session.add(invitation)
    done = factories.order(sessions=[(now - timedelta(days=1), 45)], status="filled",
                           title="Tehty")
    (work,) = factories.booking(done, expert)
    running = factories.order(sessions=[(now - timedelta(minutes=10), 45)], status="filled",
                              title="Käynnissä")  # not over yet: nothing to report
    factories.booking(running, expert)
    factories.booking(factories.order(sessions=[(now - timedelta(days=1), 45)],
                                      status="filled", title="Toisen"), someone)
    db.session.flush()

    needs = needs_of(expert.user, now)
    assert [(n.kind, n.title) for n in needs] == [("answer_offer", "Tarjous"),
                                                  ("report_work", "Tehty")]
    assert needs[0].url_values == {"invitation_id": invitation.id}
    assert needs[1].url_endpoint == "expert_work.report"
    assert needs[1].url_values == {"assignment_id": work.id}


def test_long_lists_show_a_few_and_link_to_the_rest(app):
    now = utcnow().replace(microsecond=0)
    expert = factories.expert()
    for day in range(SHOWN + 2):
        order = factories.order(sessions=[(now - timedelta(days=day + 1), 45)], status="filled")
        factories.booking(order, expert)
    needs = needs_of(expert.user, now)
    assert _kinds(needs) == ["report_work"] * SHOWN + ["more_reports"]
    assert needs[-1].count == 2


def test_finance_sees_payouts_to_approve_batch_and_mark_paid(app):
    now = utcnow().replace(microsecond=0)
    finance = finance_user()
    assert needs_of(finance, now) == []
    waiting = [payout(now=now) for _ in range(2)]
    assert [(n.kind, n.count) for n in needs_of(finance, now)] == [("approve_payouts", 2)]
    approved([waiting[0]], finance, now)
    assert [(n.kind, n.count) for n in needs_of(finance, now)] == [
        ("approve_payouts", 1), ("batch_payouts", 1)]
    batch = payouts.create_batch(finance, None, now)
    kinds = [(n.kind, n.url_values) for n in needs_of(finance, now)]
    assert kinds == [("approve_payouts", {"status": "pending_approval"}),
                     ("mark_batch_paid", {"batch_id": batch.id})]


def test_other_roles_have_nothing_listed(app):
    for role in ("coordinator", "admin", "participant"):
        assert needs_of(factories.user(role)) == []
