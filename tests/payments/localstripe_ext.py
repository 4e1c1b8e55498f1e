"""A small, test-only extension of localstripe 1.15 for one-off invoices.

localstripe (a Stripe-compatible HTTP server) only makes invoices for
subscriptions. Stripe's one-off invoice flow that `app.payments.stripe_gateway`
uses is added here, following the shapes of Stripe's API reference
(https://docs.stripe.com/api/invoices). Exactly these parts are extended;
everything else is localstripe as released:

* ``POST /v1/invoices`` without ``subscription`` (localstripe answers 404
  "No upcoming invoices"): creates a draft `OneOffInvoice` with
  ``collection_method`` (``charge_automatically`` | ``send_invoice``),
  ``days_until_due`` / ``due_date`` (send_invoice only; one is required),
  ``auto_advance``, ``currency``, ``description``, ``metadata`` and
  ``pending_invoice_items_behavior`` (``exclude``, the default of current API
  versions, or ``include``: the customer's pending invoice items). Requests
  with a subscription still go to localstripe's own code.
* ``POST /v1/invoiceitems`` with ``invoice``: the item is added to that draft
  invoice's lines (localstripe stored the id but left the invoice's lines
  alone); adding to an invoice that is no longer a draft is a 400, as in Stripe.
* ``POST /v1/invoices/{id}/finalize`` (new route): draft → open, with a
  ``number``, a ``hosted_invoice_url`` and ``status_transitions.finalized_at``;
  sends the ``invoice.finalized`` event.
* ``POST /v1/invoices/{id}/send`` (new route): for an open ``send_invoice``
  invoice; sends the ``invoice.sent`` event.
* ``POST /v1/invoices/{id}/pay`` with ``paid_out_of_band=true`` (localstripe's
  route only charges a payment method): open → paid, ``paid_out_of_band``,
  ``status_transitions.paid_at``; sends the ``invoice.paid`` event. Without
  ``paid_out_of_band`` the request goes on to localstripe's own route.
* ``Idempotency-Key`` (localstripe ignores the header): a POST repeated with
  the same key (per API key) returns the first successful answer again, with
  ``Idempotent-Replayed: true``; the same key with other parameters is a 400
  ``idempotency_error``. ``DELETE /_config/data`` forgets the keys too.

Retrieve (``GET /v1/invoices/{id}``), list (``GET /v1/invoices?customer=…``),
lines and events are localstripe's own and work unchanged for these invoices.
Webhooks are sent by localstripe's own machinery (`schedule_webhook`).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import warnings

from aiohttp import web

with warnings.catch_warnings():  # localstripe's handlers are plain functions: aiohttp warns
    warnings.simplefilter("ignore", DeprecationWarning)
    from localstripe import server
from localstripe.errors import UserError
from localstripe.resources import (
    Customer,
    Event,
    Invoice,
    InvoiceItem,
    InvoiceLineItem,
    List,
    StripeObject,
    fingerprint,
    random_id,
    try_convert_to_bool,
    try_convert_to_int,
)
from localstripe.webhooks import schedule_webhook

_installed = False
#: (Authorization header, Idempotency-Key) → (path and body digest, status, JSON text)
_idempotent_results: dict[tuple[str, str], tuple[tuple[str, str], int, str]] = {}


class OneOffInvoice(Invoice):
    """An invoice without a subscription, as Stripe's ``POST /v1/invoices`` makes it."""

    def __init__(self, customer=None, collection_method=None, days_until_due=None,
                 due_date=None, auto_advance=None, currency=None, description=None,
                 metadata=None, pending_invoice_items_behavior=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        collection_method = collection_method or "charge_automatically"
        days_until_due = try_convert_to_int(days_until_due)
        due_date = try_convert_to_int(due_date)
        auto_advance = try_convert_to_bool(auto_advance)
        behavior = pending_invoice_items_behavior or "exclude"
        try:
            assert type(customer) is str and customer.startswith("cus_")
            assert collection_method in ("charge_automatically", "send_invoice")
            if collection_method == "send_invoice":
                assert days_until_due is not None or due_date is not None
            else:
                assert days_until_due is None and due_date is None
            assert days_until_due is None or (type(days_until_due) is int and days_until_due >= 0)
            assert due_date is None or type(due_date) is int
            assert auto_advance is None or type(auto_advance) is bool
            assert currency is None or (type(currency) is str and len(currency) == 3)
            assert description is None or type(description) is str
            assert metadata is None or type(metadata) is dict
            assert behavior in ("include", "exclude")
        except AssertionError:
            raise UserError(400, "Bad request") from None

        cus = Customer._api_retrieve(customer)  # 404 if there is no such customer

        # All exceptions must be raised before this point (it stores the object).
        StripeObject.__init__(self)

        self.customer = customer
        self.customer_email = cus.email
        self.customer_name = cus.name
        self.subscription = None
        self.tax_percent = None
        self.default_tax_rates = None
        self.date = self.created
        self.metadata = metadata or {}
        self.payment_intent = None
        self.application_fee = None
        self.attempt_count = 0
        self.attempted = False
        self.auto_advance = bool(auto_advance) if auto_advance is not None else False
        self.billing_reason = "manual"
        self.collection_method = collection_method
        self.days_until_due = days_until_due
        if due_date is None and days_until_due is not None:
            due_date = self.created + days_until_due * 24 * 3600
        self.due_date = due_date
        self.description = description
        self.discount = None
        self.receipt_number = None
        self.starting_balance = cus.account_balance
        self.ending_balance = None
        self.statement_descriptor = None
        self.webhooks_delivered_at = self.created
        self.status_transitions = {"finalized_at": None, "paid_at": None,
                                   "marked_uncollectible_at": None, "voided_at": None}
        self.period_start = self.period_end = self.created
        self.number = None
        self.hosted_invoice_url = None
        self.invoice_pdf = None
        self.paid_out_of_band = False
        self.currency = (currency or "eur").lower()
        self.lines = List("/v1/invoices/" + self.id + "/lines")
        self._draft = True
        self._voided = False

        if behavior == "include":
            pending = InvoiceItem._api_list_all(None, customer=customer, limit=99)._list
            for item in sorted(pending, key=lambda ii: ii.date):
                item.invoice = self.id
                self.lines._list.append(InvoiceLineItem(item))

        schedule_webhook(Event("invoice.created", self))

    @property
    def status(self):
        if self.paid_out_of_band:
            return "paid"
        return super().status

    @property
    def amount_remaining(self):
        return self.amount_due - self.amount_paid

    def _add_item(self, item):
        item.invoice = self.id
        self.lines._list.append(InvoiceLineItem(item))

    def _finalize_now(self):
        self._finalize()  # localstripe's: draft → open, finalized_at
        prefix = fingerprint(self.customer)[:8].upper()
        sequence = sum(1 for key, value in _invoices() if value.customer == self.customer
                       and value.number is not None) + 1
        self.number = f"{prefix}-{sequence:04d}"
        self.hosted_invoice_url = f"https://invoice.stripe.com/i/acct_localstripe/test_{random_id(24)}"
        self.invoice_pdf = self.hosted_invoice_url + "/pdf"
        schedule_webhook(Event("invoice.finalized", self))
        if self.status == "paid":  # nothing to pay: Stripe marks it paid at once
            self.status_transitions["paid_at"] = int(time.time())
            schedule_webhook(Event("invoice.paid", self))


def _invoices():
    return [(key, value) for key, value in server.store.items()
            if key.startswith("invoice:") and isinstance(value, OneOffInvoice)]


def _one_off(invoice_id) -> OneOffInvoice:
    invoice = Invoice._api_retrieve(invoice_id)
    if not isinstance(invoice, OneOffInvoice):
        raise UserError(400, "Only one-off invoices are supported by this route")
    return invoice


def _create_invoice(original):
    def create(cls, subscription=None, **data):
        if subscription is not None:
            return original(subscription=subscription, **data)
        return OneOffInvoice(**data)

    return classmethod(create)


def _create_invoice_item(original):
    def create(cls, invoice=None, **data):
        target = None
        if invoice is not None:
            target = Invoice._api_retrieve(invoice) if type(invoice) is str else None
            if isinstance(target, OneOffInvoice) and target.status != "draft":
                raise UserError(400, "You can only add invoice items to draft invoices")
        item = original(invoice=invoice, **data)
        if isinstance(target, OneOffInvoice):
            target._add_item(item)
        return item

    return classmethod(create)


def finalize_invoice(id, auto_advance=None, **kwargs):
    if kwargs:
        raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
    invoice = _one_off(id)
    if invoice.status != "draft":
        raise UserError(400, "This invoice is already finalized")
    if auto_advance is not None:
        invoice.auto_advance = try_convert_to_bool(auto_advance)
    invoice._finalize_now()
    return invoice


def send_invoice(id, **kwargs):
    if kwargs:
        raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
    invoice = _one_off(id)
    if invoice.collection_method != "send_invoice" or invoice.status != "open":
        raise UserError(400, "Only open invoices with collection_method=send_invoice are sent")
    schedule_webhook(Event("invoice.sent", invoice))
    return invoice


def pay_out_of_band(invoice: OneOffInvoice) -> OneOffInvoice:
    if invoice.status == "paid":
        raise UserError(400, "Invoice is already paid")
    if invoice.status == "draft":
        invoice._finalize_now()
    elif invoice.status not in ("open", "uncollectible"):
        raise UserError(400, "Bad request")
    invoice.paid_out_of_band = True
    invoice.status_transitions["paid_at"] = int(time.time())
    schedule_webhook(Event("invoice.paid", invoice))
    return invoice


_PAY = re.compile(r"^/v1/invoices/(?P<id>[^/]+)/pay$")


@web.middleware
async def pay_out_of_band_middleware(request, handler):
    """``paid_out_of_band=true`` is handled here; other payments go on to localstripe."""
    match = _PAY.match(request.path)
    if request.method == "POST" and match:
        data = await server.get_post_data(request) or {}
        if try_convert_to_bool(data.get("paid_out_of_band")) is True:
            invoice = Invoice._api_retrieve(match["id"])
            if isinstance(invoice, OneOffInvoice):
                return server.json_response(pay_out_of_band(invoice)._export())
    return await handler(request)


@web.middleware
async def idempotency_middleware(request, handler):
    """Replay the first successful answer to a POST with the same ``Idempotency-Key``."""
    if request.method == "DELETE" and request.path == "/_config/data":
        _idempotent_results.clear()
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key or not request.path.startswith("/v1/"):
        return await handler(request)
    body = await request.read()
    scope = (request.headers.get("Authorization", ""), key)
    digest = (request.path, hashlib.sha256(body).hexdigest())
    saved = _idempotent_results.get(scope)
    if saved is not None:
        if saved[0] != digest:
            error = {"error": {"type": "idempotency_error", "message":
                               "Keys for idempotent requests can only be used with the same "
                               "parameters they were first used with."}}
            return web.json_response(error, status=400)
        return web.Response(status=saved[1], text=saved[2], content_type="application/json",
                            headers={"Idempotent-Replayed": "true"})
    response = await handler(request)
    if 200 <= response.status < 300 and isinstance(response, web.Response):
        _idempotent_results[scope] = (digest, response.status, response.text)
    return response


def install(app: web.Application | None = None) -> web.Application:
    """Add the extension to localstripe's app (once, before it starts) and return the app."""
    global _installed
    app = app or server.app
    if _installed:
        return app
    Invoice._api_create = _create_invoice(Invoice._api_create)
    InvoiceItem._api_create = _create_invoice_item(InvoiceItem._api_create)
    app.router.add_route("POST", "/v1/invoices/{id}/finalize",
                         server.api_extra(finalize_invoice, "/v1/invoices/{id}/finalize"))
    app.router.add_route("POST", "/v1/invoices/{id}/send",
                         server.api_extra(send_invoice, "/v1/invoices/{id}/send"))
    app.middlewares.append(idempotency_middleware)
    app.middlewares.append(pay_out_of_band_middleware)
    _installed = True
    return app


def exported(obj) -> dict:
    """A localstripe object as JSON would show it (handy in assertions)."""
    return json.loads(json.dumps(obj._export()))
