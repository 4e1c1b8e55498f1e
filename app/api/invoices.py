"""Invoices in the API: finance sees all, an organisation member its own (the same service)."""

from __future__ import annotations

from flask import jsonify, request

from app.accounts.models import ADMIN, FINANCE, ORGANISATION_MEMBER
from app.api.core import current_api_user, json_body, list_answer, money, operation
from app.common.paging import parse_limit
from app.extensions import db
from app.payments import services
from app.payments.models import Invoice
from app.payments.reference_numbers import rf_reference

MONEY = {"type": "string", "example": "42.60"}
INVOICE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "number": {"type": "string", "example": "KP-000042"},
        "organisation_id": {"type": "integer"}, "order_id": {"type": "integer", "nullable": True},
        "period": {"type": "string", "nullable": True, "example": "2026-11"},
        "status": {"type": "string", "enum": ["draft", "open", "paid", "void", "uncollectible"]},
        "reference_number": {"type": "string", "nullable": True, "example": "1000423"},
        "rf_reference": {"type": "string", "nullable": True, "example": "RF761000423"},
        "billing_reference": {"type": "string", "nullable": True},
        "total": MONEY, "amount_paid": MONEY, "missing": MONEY,
        "invoice_date": {"type": "string", "format": "date"},
        "due_date": {"type": "string", "format": "date", "nullable": True},
        "manual": {"type": "boolean"},
    },
}
INVOICE_LIST = {"type": "object", "properties": {
    "items": {"type": "array", "items": INVOICE}, "next": {"type": "string", "nullable": True}}}


def invoice_json(invoice: Invoice) -> dict:
    return {
        "id": invoice.id,
        "number": invoice.number,
        "organisation_id": invoice.organisation_id,
        "order_id": invoice.order_id,
        "period": invoice.period,
        "status": invoice.status,
        "reference_number": invoice.reference_number,
        "rf_reference": rf_reference(invoice.reference_number) if invoice.reference_number
        else None,
        "billing_reference": invoice.billing_reference,
        "total": money(invoice.total),
        "amount_paid": money(invoice.amount_paid),
        "missing": money(invoice.missing),
        "invoice_date": invoice.invoice_date.isoformat(),
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "manual": invoice.manual,
    }


@operation("/invoices", summary="Invoices, newest first: finance sees all, an organisation "
           "member its own; query parameters status, limit (1–200, default 50) and cursor",
           roles=(FINANCE, ADMIN, ORGANISATION_MEMBER), response_schema=INVOICE_LIST,
           responses=(200, 401, 403, 422), tags=("invoices",))
def list_invoices():
    page = services.invoices_for(
        current_api_user(), status=request.args.get("status") or None,
        cursor=request.args.get("cursor"), limit=parse_limit(request.args.get("limit")))
    return jsonify(list_answer([invoice_json(i) for i in page.items], page.next_cursor))


BANK_PAYMENT_BODY = {
    "type": "object", "required": ["reference", "amount", "paid_on"],
    "properties": {
        "reference": {"type": "string", "example": "1000423",
                      "description": "the Finnish reference number or its RF form"},
        "amount": {"type": "string", "example": "42.60"},
        "paid_on": {"type": "string", "format": "date"},
        "archive_id": {"type": "string", "nullable": True,
                       "description": "the bank's archive ID; the same one counts once"},
    },
}
BANK_PAYMENT_ANSWER = {"type": "object", "properties": {
    "outcome": {"type": "string", "enum": ["paid", "partly_paid", "duplicate"]},
    "invoice": INVOICE}}


@operation("/bank-payments", "POST",
           summary="Register a bank transfer by its reference number: adds to the invoice's "
           "amount paid, paid when it reaches the total; the same archive_id counts once "
           "(outcome duplicate); 409 already_paid, 404 reference_not_found",
           roles=(FINANCE, ADMIN), request_schema=BANK_PAYMENT_BODY,
           response_schema=BANK_PAYMENT_ANSWER, responses=(200, 400, 404, 409, 422),
           tags=("invoices",))
def register_bank_payment():
    data = json_body()
    archive_id = data.get("archive_id")
    result = services.register_bank_payment(
        current_api_user(), str(data.get("reference") or ""),
        services.parse_bank_amount(data.get("amount")),
        services.parse_bank_date(data.get("paid_on")),
        str(archive_id) if archive_id is not None else None)
    db.session.commit()
    return jsonify({"outcome": result.outcome, "invoice": invoice_json(result.invoice)})
