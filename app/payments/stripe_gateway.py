"""The one place that talks to Stripe (the official ``stripe`` library, a `StripeClient`).

Configuration: ``STRIPE_SECRET_KEY`` (without it Stripe is off and invoices are
handled by hand), ``STRIPE_API_BASE`` (another Stripe-compatible server, e.g.
localstripe in the tests), ``STRIPE_MAX_NETWORK_RETRIES`` and
``STRIPE_WEBHOOK_SECRET``.

Amounts go to Stripe as integer cents converted exactly from `Decimal`. Every
call that creates or changes something takes an ``idempotency_key``: the
caller derives it from its own rows, so repeating a call after a crash gives
back the object made the first time instead of a second one.
"""

from __future__ import annotations

from decimal import Decimal

import stripe
from flask import current_app

from app.common.text import has_control_characters

#: Invoices to organisations are in euros.
CURRENCY = "eur"


class StripeNotConfigured(RuntimeError):
    """A Stripe call was made although ``STRIPE_SECRET_KEY`` is not set."""


def is_configured() -> bool:
    """True when Stripe keys are set; otherwise invoices are made for manual handling."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def to_cents(amount: Decimal) -> int:
    """Euros as integer cents, exactly: ``Decimal("12.30")`` → 1230; floats are refused."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"amounts must be Decimal, not {type(amount).__name__}")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of cents")
    return int(cents)


def _client() -> stripe.StripeClient:
    """The app's `StripeClient`, made once per configuration."""
    config = current_app.config
    key = config.get("STRIPE_SECRET_KEY")
    if not key:
        raise StripeNotConfigured("STRIPE_SECRET_KEY is not set")
    base = config.get("STRIPE_API_BASE") or None
    retries = int(config.get("STRIPE_MAX_NETWORK_RETRIES", 2))
    settings = (key, base, retries)
    cached = current_app.extensions.get("stripe_client")
    if cached is None or cached[0] != settings:
        client = stripe.StripeClient(
            key,
            base_addresses={"api": base} if base else None,
            max_network_retries=retries,
        )
        cached = current_app.extensions["stripe_client"] = (settings, client)
    return cached[1]


def _options(idempotency_key: str | None) -> dict:
    return {"idempotency_key": idempotency_key} if idempotency_key else {}


def ensure_customer(organisation, *, idempotency_key: str | None = None) -> str:
    """The organisation's Stripe customer id, creating the customer the first time.

    Stores the id on ``organisation.stripe_customer_id`` (the caller commits).
    """
    if organisation.stripe_customer_id:
        return organisation.stripe_customer_id
    params = {
        "name": organisation.name,
        "email": organisation.billing_email,
        "preferred_locales": ["fi"],
        "metadata": {
            "organisation_id": str(organisation.id),
            "business_id": organisation.business_id,
        },
    }
    customer = _client().v1.customers.create(params=params, options=_options(idempotency_key))
    organisation.stripe_customer_id = customer.id
    return customer.id


def add_invoice_item(
    customer: str,
    amount: Decimal,
    description: str,
    metadata: dict[str, str],
    *,
    invoice: str | None = None,
    idempotency_key: str | None = None,
) -> str:
    """Add a charge of ``amount`` euros; onto the draft ``invoice`` when given. Returns its id."""
    params = {
        "customer": customer,
        "amount": to_cents(amount),
        "currency": CURRENCY,
        "description": description,
        "metadata": metadata,
    }
    if invoice:
        params["invoice"] = invoice
    item = _client().v1.invoice_items.create(params=params, options=_options(idempotency_key))
    return item.id


def create_invoice(
    customer: str,
    days_until_due: int,
    metadata: dict[str, str],
    description: str,
    *,
    idempotency_key: str | None = None,
) -> str:
    """Create an empty draft invoice that is sent to the customer to pay (not charged).

    ``pending_invoice_items_behavior="exclude"``: the caller adds its items to
    this invoice explicitly, so stray pending items never end up on it.
    """
    params = {
        "customer": customer,
        "collection_method": "send_invoice",
        "days_until_due": days_until_due,
        "currency": CURRENCY,
        "auto_advance": False,
        "pending_invoice_items_behavior": "exclude",
        "description": description,
        "metadata": metadata,
    }
    invoice = _client().v1.invoices.create(params=params, options=_options(idempotency_key))
    return invoice.id


def retrieve_invoice(invoice_id: str):
    """The invoice as Stripe has it now (a `stripe.Invoice`)."""
    return _client().v1.invoices.retrieve(invoice_id)


def finalize_invoice(
    invoice_id: str, *, idempotency_key: str | None = None
) -> tuple[str, str | None]:
    """Finalize a draft; returns (status, hosted_invoice_url).

    An invoice that is already finalized (a repeated run after the
    idempotency key has expired) is not an error: its current state is returned.
    """
    try:
        invoice = _client().v1.invoices.finalize_invoice(
            invoice_id, params={"auto_advance": False}, options=_options(idempotency_key)
        )
    except stripe.InvalidRequestError:
        invoice = retrieve_invoice(invoice_id)
        if invoice.status == "draft":
            raise
    return invoice.status, invoice.hosted_invoice_url


def send_invoice(invoice_id: str, *, idempotency_key: str | None = None) -> None:
    """E-mail the finalized invoice with its payment link to the customer."""
    _client().v1.invoices.send_invoice(invoice_id, options=_options(idempotency_key))


def mark_paid_out_of_band(invoice_id: str, *, idempotency_key: str | None = None) -> str:
    """Tell Stripe the invoice was paid outside Stripe (e.g. a bank transfer); returns status."""
    invoice = _client().v1.invoices.pay(
        invoice_id, params={"paid_out_of_band": True}, options=_options(idempotency_key)
    )
    return invoice.status


def verify_webhook(payload: bytes, signature_header: str | None, secret: str):
    """The event of a webhook request, after checking its signature on the raw body.

    Raises `stripe.SignatureVerificationError` for a bad, missing or stale
    signature and `ValueError` for a body that is not JSON or not an event: a signed
    body still needs a text ``id`` (at most 255 characters: the primary key of the
    processed events) and a text ``type`` (at most 100).
    """
    try:
        event = stripe.Webhook.construct_event(payload, signature_header, secret)
        data = event.to_dict() if hasattr(event, "to_dict") else dict(event)
    except (AttributeError, TypeError, KeyError) as error:  # signed, but not an object
        raise ValueError("the body is not an event") from error
    for key, longest in (("id", 255), ("type", 100)):
        value = data.get(key)
        if not isinstance(value, str) or not 0 < len(value) <= longest \
                or has_control_characters(value):
            raise ValueError(f"the event has no valid {key}")
    return event
