"""Webhooks that localstripe itself sends, received by the app served on loopback.

The app runs in a werkzeug server thread and the webhook requests arrive on
their own threads, so these tests commit for real, on a scratch database of
their own (the rolled-back test transaction cannot be shared across threads).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from decimal import Decimal

import pytest
import stripe
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.audit.models import AuditEntry
from app.common.timeutil import utcnow
from app.extensions import db
from app.payments import services, stripe_gateway
from app.payments.models import Invoice, StripeEvent
from tests.payments.conftest import WEBHOOK_SECRET, stripe_settings
from tests.payments.helpers import confirmed_work
from tests.support.databases import build_schema, scratch_database

WEBHOOK_NAME = "kokemuspankki-live"


@pytest.fixture(scope="module")
def live(tmp_path_factory, localstripe):
    """The app on a scratch database, served on 127.0.0.1, registered as localstripe's webhook."""
    from app import create_app
    from config import TestConfig

    with scratch_database(tmp_path_factory.mktemp("webhooks"), "app_webhooks") as url:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, **stripe_settings(localstripe))
        build_schema(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="live-app", daemon=True)
        thread.start()
        endpoint = f"http://127.0.0.1:{server.server_port}/stripe/webhook"
        localstripe.register_webhook(WEBHOOK_NAME, endpoint, WEBHOOK_SECRET)
        try:
            yield app, endpoint
        finally:
            localstripe.unregister_webhook(WEBHOOK_NAME)
            server.shutdown()
            thread.join(10)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture(autouse=True)
def _app_context(live, localstripe):
    """Override the package's fixture: the live app's context, no rolled-back transaction."""
    localstripe.flush()
    with live[0].app_context():
        yield
        db.session.remove()


def wait_for(check: Callable[[], bool], seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.remove()  # a fresh session sees what the server's threads committed
        if check():
            return True
        time.sleep(0.2)
    return False


def invoice_status(invoice_id: int) -> str:
    return db.session.get(Invoice, invoice_id).status


def test_a_payment_reported_by_localstripe_marks_the_invoice_paid(localstripe):
    now = utcnow()
    order, _assignment, _lines = confirmed_work(now, fee=Decimal("30.00"),
                                                travel=Decimal("7.25"))
    assert services.run_invoicing(now)["issued"] == 1
    invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
    invoice_id, stripe_id = invoice.id, invoice.stripe_invoice_id
    assert invoice.status == "open" and invoice.paid_at is None

    # The organisation pays (here: recorded in Stripe as paid outside it); Stripe tells us.
    assert stripe_gateway.mark_paid_out_of_band(stripe_id) == "paid"
    assert wait_for(lambda: invoice_status(invoice_id) == "paid"), "no invoice.paid arrived"

    invoice = db.session.get(Invoice, invoice_id)
    assert invoice.paid_at is not None and invoice.total == Decimal("37.25")
    received = db.session.scalars(select(StripeEvent.type)).all()
    assert "invoice.paid" in received
    reasons = db.session.scalars(select(AuditEntry.details).where(
        AuditEntry.action == "invoice_status_changed",
        AuditEntry.subject_id == str(invoice_id))).all()
    assert {"old": "open", "new": "paid"}.items() <= next(
        r for r in reasons if r.get("reason") == "invoice.paid").items()
    # The invoice.finalized event sent earlier arrives too, and changes nothing.
    assert wait_for(lambda: db.session.scalar(select(func.count()).select_from(StripeEvent)
                                              .where(StripeEvent.type == "invoice.finalized"))
                    >= 1)
    assert invoice_status(invoice_id) == "paid"


def test_the_same_event_delivered_at_the_same_moment_counts_once(live):
    _app, endpoint = live
    now = utcnow()
    order, _assignment, _lines = confirmed_work(now)
    assert services.run_invoicing(now)["issued"] == 1
    invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
    payload = json.dumps({
        "id": f"evt_race_{invoice.id}_{int(time.time() * 1000)}", "object": "event",
        "type": "invoice.paid", "created": int(time.time()),
        "data": {"object": {"id": invoice.stripe_invoice_id, "object": "invoice",
                            "status_transitions": {"paid_at": int(time.time())}}},
    })
    header = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
    barrier = threading.Barrier(6)
    statuses = []

    def post():
        request = urllib.request.Request(endpoint, data=payload.encode(), headers={
            "Content-Type": "application/json", "Stripe-Signature": header})
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [200] * 6
    db.session.remove()
    assert invoice_status(invoice.id) == "paid"
    changes = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "invoice_status_changed", AuditEntry.subject_id == str(invoice.id),
        AuditEntry.details["reason"].as_string() == "invoice.paid"))
    assert changes == 1
