"""The Stripe webhook endpoint: signatures on the raw body, once-only events, forward-only moves.

These events are signed here with the webhook secret exactly as Stripe signs
them (``stripe.WebhookSignature``: HMAC-SHA256 of "timestamp.body");
tests/payments/test_localstripe_webhooks.py receives events that localstripe
itself sends.
"""

from __future__ import annotations

import itertools
import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import stripe
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.common.statemachine import IllegalTransition
from app.extensions import db
from app.payments.models import INVOICE_STATUSES, Invoice, StripeEvent
from app.payments.states import INVOICE
from tests import factories
from tests.payments.conftest import WEBHOOK_SECRET

_numbers = itertools.count(1)


def local_invoice(now, status="draft", **fields) -> Invoice:
    invoice = Invoice(
        organisation_id=factories.organisation().id, status=status, manual=False,
        total=Decimal("42.60"), due_date=now.date() + timedelta(days=14), created_at=now,
        stripe_invoice_id=fields.pop("stripe_invoice_id", f"in_test{next(_numbers):06d}"),
        **fields,
    )
    db.session.add(invoice)
    db.session.commit()
    return invoice


def invoice_event(event_type, invoice, *, event_id=None, paid_at=None, url=None, metadata=None,
                  amount_paid=None):
    event = {
        "id": event_id or f"evt_test{next(_numbers):08d}",
        "object": "event",
        "type": event_type,
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "data": {"object": {
            "id": invoice if isinstance(invoice, str) else invoice.stripe_invoice_id,
            "object": "invoice",
            "hosted_invoice_url": url,
            "status_transitions": {"paid_at": paid_at},
            "metadata": metadata or {},
        }},
    }
    if amount_paid is not None:
        event["data"]["object"]["amount_paid"] = amount_paid
    return event


def deliver(client, event, *, secret=WEBHOOK_SECRET, header=None, timestamp=None):
    payload = json.dumps(event)
    if header is None:
        header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)
    headers = {"Stripe-Signature": header} if header else {}
    return client.post("/stripe/webhook", data=payload, headers=headers,
                       content_type="application/json")


def status_changes(invoice):
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "invoice_status_changed", AuditEntry.subject_id == str(invoice.id)))


def event_count():
    return db.session.scalar(select(func.count()).select_from(StripeEvent))


# Signatures ----------------------------------------------------------------


@pytest.mark.parametrize("case", ["wrong secret", "no header", "tampered body", "stale",
                                  "garbage header"])
def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(client, webhook_secret,
                                                                   now, case):
    invoice = local_invoice(now, status="open")
    event = invoice_event("invoice.paid", invoice)
    if case == "wrong secret":
        response = deliver(client, event, secret="whsec_someone_else")
    elif case == "no header":
        response = deliver(client, event, header="")
    elif case == "tampered body":
        header = stripe.WebhookSignature.generate_signature_header(
            json.dumps(invoice_event("invoice.voided", invoice)), WEBHOOK_SECRET)
        response = deliver(client, event, header=header)
    elif case == "stale":
        response = deliver(client, event, timestamp=int(time.time()) - 3600)
    else:
        response = deliver(client, event, header="t=abc,v9=nothing")
    assert response.status_code == 400
    db.session.refresh(invoice)
    assert invoice.status == "open" and invoice.paid_at is None
    assert event_count() == 0


def test_without_a_webhook_secret_nothing_is_accepted(client, app, now):
    assert not app.config["STRIPE_WEBHOOK_SECRET"]
    invoice = local_invoice(now, status="open")
    assert deliver(client, invoice_event("invoice.paid", invoice)).status_code == 400
    db.session.refresh(invoice)
    assert invoice.status == "open"


def test_the_endpoint_needs_no_csrf_token(csrf_app, csrf_client, now, monkeypatch):
    assert csrf_app.config["WTF_CSRF_ENABLED"]
    monkeypatch.setitem(csrf_app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    invoice = local_invoice(now, status="open")
    assert deliver(csrf_client, invoice_event("invoice.paid", invoice)).status_code == 200
    db.session.refresh(invoice)
    assert invoice.status == "paid"


# Events --------------------------------------------------------------------


def test_finalized_opens_the_invoice_with_its_payment_link(client, webhook_secret, now):
    invoice = local_invoice(now)
    url = "https://invoice.stripe.com/i/acct_x/test_abc"
    response = deliver(client, invoice_event("invoice.finalized", invoice, url=url))
    assert response.status_code == 200 and response.get_json()["outcome"] == "processed"
    db.session.refresh(invoice)
    assert invoice.status == "open" and invoice.hosted_invoice_url == url
    assert status_changes(invoice) == 1


def test_a_duplicate_event_is_processed_once(client, webhook_secret, now):
    invoice = local_invoice(now, status="open")
    event = invoice_event("invoice.paid", invoice, paid_at=int(now.timestamp()))
    outcomes = [deliver(client, event).get_json()["outcome"] for _ in range(3)]
    assert outcomes == ["processed", "duplicate", "duplicate"]
    db.session.refresh(invoice)
    assert invoice.status == "paid" and invoice.paid_at == now
    assert status_changes(invoice) == 1
    assert db.session.get(StripeEvent, event["id"]).type == "invoice.paid"


def test_paid_before_finalized_ends_paid(client, webhook_secret, now):
    invoice = local_invoice(now)
    url = "https://invoice.stripe.com/i/acct_x/test_late"
    assert deliver(client, invoice_event("invoice.paid", invoice)).status_code == 200
    assert deliver(client, invoice_event("invoice.finalized", invoice, url=url)).status_code == 200
    db.session.refresh(invoice)
    assert invoice.status == "paid"
    assert invoice.hosted_invoice_url == url  # the late event still brings the link
    assert status_changes(invoice) == 1


@pytest.mark.parametrize(
    ("events", "final"),
    [
        (["invoice.finalized", "invoice.voided"], "void"),
        (["invoice.voided", "invoice.finalized"], "void"),
        (["invoice.finalized", "invoice.marked_uncollectible"], "uncollectible"),
        (["invoice.finalized", "invoice.marked_uncollectible", "invoice.paid"], "paid"),
        (["invoice.paid", "invoice.voided"], "paid"),
        (["invoice.payment_failed"], "open"),
        (["invoice.finalized", "invoice.payment_failed", "invoice.payment_succeeded"], "paid"),
    ],
)
def test_events_in_any_order_only_move_forward(client, webhook_secret, now, events, final):
    invoice = local_invoice(now)
    for event_type in events:
        assert deliver(client, invoice_event(event_type, invoice)).status_code == 200
    db.session.refresh(invoice)
    assert invoice.status == final


def test_a_failed_payment_is_written_to_the_audit_log(client, webhook_secret, now):
    invoice = local_invoice(now, status="open")
    deliver(client, invoice_event("invoice.payment_failed", invoice))
    db.session.refresh(invoice)
    assert invoice.status == "open"
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.subject_id == str(invoice.id))) == "invoice_payment_failed"


@pytest.mark.parametrize("event_type", ["customer.created", "invoice.created", "invoice.sent"])
def test_other_event_types_are_acknowledged_and_ignored(client, webhook_secret, now, event_type):
    invoice = local_invoice(now)
    response = deliver(client, invoice_event(event_type, invoice))
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"
    db.session.refresh(invoice)
    assert invoice.status == "draft"


@pytest.mark.parametrize(("amount_paid", "status", "missing"),
                         [(4000, "open", "2.60"), (0, "open", "42.60"), (4260, "paid", "0.00"),
                          (5000, "paid", "0.00")])
def test_amount_paid_is_compared_with_the_amount_due(client, webhook_secret, now, amount_paid,
                                                      status, missing):
    invoice = local_invoice(now)  # total 42.60
    event = invoice_event("invoice.paid", invoice, amount_paid=amount_paid)
    assert deliver(client, event).get_json()["outcome"] == "processed"
    db.session.refresh(invoice)
    assert invoice.status == status and invoice.missing == Decimal(missing)
    if status == "open":
        assert invoice.paid_at is None
        assert invoice.amount_paid == Decimal(amount_paid) / 100
        assert db.session.scalar(select(AuditEntry.action).where(
            AuditEntry.subject_id == str(invoice.id),
            AuditEntry.action == "invoice_partly_paid")) == "invoice_partly_paid"


def test_a_partial_then_full_stripe_payment_ends_paid(client, webhook_secret, now):
    invoice = local_invoice(now, status="open")
    deliver(client, invoice_event("invoice.payment_succeeded", invoice, amount_paid=2000))
    db.session.refresh(invoice)
    assert invoice.status == "open" and invoice.missing == Decimal("22.60")
    deliver(client, invoice_event("invoice.paid", invoice, amount_paid=4260))
    db.session.refresh(invoice)
    assert invoice.status == "paid" and invoice.amount_paid == Decimal("42.60")


def test_an_invoice_that_is_not_ours_is_ignored(client, webhook_secret):
    response = deliver(client, invoice_event("invoice.paid", "in_somebody_elses"))
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"


def test_an_event_before_the_run_stored_the_stripe_id_finds_the_invoice_by_metadata(
        client, webhook_secret, now):
    invoice = local_invoice(now, stripe_invoice_id=None)
    event = invoice_event("invoice.finalized", "in_lost_id",
                          metadata={"kokemuspankki_invoice_id": str(invoice.id)})
    assert deliver(client, event).get_json()["outcome"] == "processed"
    db.session.refresh(invoice)
    assert invoice.stripe_invoice_id == "in_lost_id" and invoice.status == "open"


# The transition table ------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "action", "expected"),
    [
        ("draft", "finalize", "open"),
        ("draft", "pay", "paid"),
        ("open", "pay", "paid"),
        ("open", "void", "void"),
        ("open", "mark_uncollectible", "uncollectible"),
        ("uncollectible", "pay", "paid"),
        ("uncollectible", "void", "void"),
        ("open", "payment_failed", "open"),
    ],
)
def test_allowed_moves(state, action, expected):
    assert INVOICE.next_state(state, action) == expected


@pytest.mark.parametrize("state", ["paid", "void"])
@pytest.mark.parametrize("action", ["finalize", "pay", "void", "mark_uncollectible",
                                    "payment_failed"])
def test_paid_and_void_are_final(state, action):
    with pytest.raises(IllegalTransition):
        INVOICE.next_state(state, action)


def test_no_move_leads_back_to_draft_or_from_paid_to_open():
    assert set(INVOICE.states) == set(INVOICE_STATUSES)
    assert "draft" not in INVOICE.transitions.values()
    assert not any(state == "paid" for state, _ in INVOICE.transitions)
