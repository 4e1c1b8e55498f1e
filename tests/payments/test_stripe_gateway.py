"""The Stripe gateway against a real localstripe server: customer, items, invoice, pay."""

from __future__ import annotations

from decimal import Decimal

import pytest
import stripe

from app.payments import stripe_gateway
from tests import factories


@pytest.mark.parametrize(
    ("amount", "cents"),
    [("0.01", 1), ("0.10", 10), ("0.1", 10), ("12.60", 1260), ("19.99", 1999),
     ("30", 3000), ("1234567.89", 123456789)],
)
def test_amounts_become_exact_cents(amount, cents):
    assert stripe_gateway.to_cents(Decimal(amount)) == cents


@pytest.mark.parametrize(("amount", "error"), [(0.1, TypeError), (30, TypeError),
                                               (Decimal("0.005"), ValueError)])
def test_floats_and_fractions_of_a_cent_are_refused(amount, error):
    with pytest.raises(error):
        stripe_gateway.to_cents(amount)


def test_without_keys_stripe_is_off(app):
    assert app.config["STRIPE_SECRET_KEY"] == ""
    assert not stripe_gateway.is_configured()
    with pytest.raises(stripe_gateway.StripeNotConfigured):
        stripe_gateway.create_invoice("cus_x", 14, {}, "x")


def test_customer_items_invoice_finalize_send_and_pay(stripe_on):
    client = stripe_on.client()
    organisation = factories.organisation(name="Porin kaupunki", billing_email="laskut@pori.fi")

    customer = stripe_gateway.ensure_customer(organisation, idempotency_key="t-customer")
    assert organisation.stripe_customer_id == customer
    assert stripe_gateway.ensure_customer(organisation) == customer  # stored: no second one
    remote_customer = client.v1.customers.retrieve(customer)
    assert remote_customer.email == "laskut@pori.fi"
    assert remote_customer.metadata["organisation_id"] == str(organisation.id)

    invoice = stripe_gateway.create_invoice(customer, 14, {"kokemuspankki_invoice_id": "7"},
                                            "Kokemuspankki invoice KP-000007",
                                            idempotency_key="t-invoice")
    amounts = [Decimal("30.00"), Decimal("12.60"), Decimal("9.99")]
    items = [
        stripe_gateway.add_invoice_item(customer, amount, f"Rivi {n}: viite ABC-1",
                                        {"invoice_line_id": str(n)}, invoice=invoice,
                                        idempotency_key=f"t-line-{n}")
        for n, amount in enumerate(amounts)
    ]
    draft = stripe_gateway.retrieve_invoice(invoice)
    assert draft.status == "draft"
    assert draft.collection_method == "send_invoice"
    assert draft.days_until_due == 14
    assert [line.amount for line in draft.lines.data] == [3000, 1260, 999]
    assert [line.invoice_item for line in draft.lines.data] == items
    assert all("viite ABC-1" in line.description for line in draft.lines.data)
    assert draft.total == 5259  # exactly 52.59 €

    status, url = stripe_gateway.finalize_invoice(invoice, idempotency_key="t-finalize")
    assert status == "open" and url.startswith("https://")
    stripe_gateway.send_invoice(invoice, idempotency_key="t-send")
    assert stripe_gateway.mark_paid_out_of_band(invoice, idempotency_key="t-pay") == "paid"

    paid = stripe_gateway.retrieve_invoice(invoice)
    assert paid.status == "paid" and paid.paid_out_of_band is True
    assert paid.amount_paid == 5259
    assert paid.number and paid.hosted_invoice_url == url
    events = [e.type for e in client.v1.events.list(params={"limit": 50}).data
              if e.data.object.id == invoice]
    assert {"invoice.created", "invoice.finalized", "invoice.sent", "invoice.paid"} <= set(events)


def test_the_same_idempotency_key_gives_back_the_same_object(stripe_on):
    organisation = factories.organisation()
    customer = stripe_gateway.ensure_customer(organisation, idempotency_key="t-once")
    organisation.stripe_customer_id = None
    assert stripe_gateway.ensure_customer(organisation, idempotency_key="t-once") == customer
    invoice = stripe_gateway.create_invoice(customer, 14, {}, "x", idempotency_key="t-inv")
    first = stripe_gateway.add_invoice_item(customer, Decimal("20.00"), "x", {}, invoice=invoice,
                                            idempotency_key="t-item")
    again = stripe_gateway.add_invoice_item(customer, Decimal("20.00"), "x", {}, invoice=invoice,
                                            idempotency_key="t-item")
    assert again == first
    assert [line.amount for line in stripe_gateway.retrieve_invoice(invoice).lines.data] == [2000]
    with pytest.raises(stripe.StripeError):  # the same key with other parameters
        stripe_gateway.add_invoice_item(customer, Decimal("21.00"), "x", {}, invoice=invoice,
                                        idempotency_key="t-item")


def test_finalizing_again_reports_the_current_state(stripe_on):
    customer = stripe_gateway.ensure_customer(factories.organisation())
    invoice = stripe_gateway.create_invoice(customer, 14, {}, "x")
    stripe_gateway.add_invoice_item(customer, Decimal("15.00"), "x", {}, invoice=invoice)
    first = stripe_gateway.finalize_invoice(invoice, idempotency_key="a")
    assert stripe_gateway.finalize_invoice(invoice, idempotency_key="b") == first
    stripe_gateway.mark_paid_out_of_band(invoice)
    assert stripe_gateway.finalize_invoice(invoice, idempotency_key="c")[0] == "paid"


def test_items_cannot_be_added_to_a_finalized_invoice(stripe_on):
    customer = stripe_gateway.ensure_customer(factories.organisation())
    invoice = stripe_gateway.create_invoice(customer, 14, {}, "x")
    stripe_gateway.add_invoice_item(customer, Decimal("15.00"), "x", {}, invoice=invoice)
    stripe_gateway.finalize_invoice(invoice)
    with pytest.raises(stripe.InvalidRequestError):
        stripe_gateway.add_invoice_item(customer, Decimal("1.00"), "late", {}, invoice=invoice)
