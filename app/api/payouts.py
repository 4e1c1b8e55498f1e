"""Payouts in the API: finance approves (with a two-factor code), rejects, corrects, batches
and marks paid; experts read their earnings. The same services as the finance pages."""

from __future__ import annotations

from flask import Response, jsonify, request

from app.accounts.models import ADMIN, EXPERT, FINANCE
from app.api.core import (
    ApiError,
    current_api_user,
    json_body,
    list_answer,
    money,
    operation,
    require_recent_second_factor,
)
from app.api.orders import iso
from app.common.paging import parse_limit
from app.common.timeutil import to_helsinki, utcnow
from app.extensions import db
from app.payouts import queries, services
from app.payouts.models import PayoutBatch, PayoutItem
from app.payouts.states import PAYOUT_ITEM_STATUSES

FINANCE_ROLES = (FINANCE, ADMIN)
MONEY = {"type": "string", "example": "30.00"}
PAYOUT_ITEM = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "assignment_id": {"type": "integer"},
        "expert_id": {"type": "integer"}, "status": {"type": "string"},
        "fee": MONEY, "travel": MONEY, "per_diem": MONEY, "withholding_percent": MONEY,
        "withholding": MONEY, "net_fee": MONEY, "total_paid": MONEY,
        "work_date": {"type": "string"}, "batch_id": {"type": "integer", "nullable": True},
        "rejection_reason": {"type": "string", "nullable": True},
    },
}
PAYOUT_LIST = {"type": "object", "properties": {
    "items": {"type": "array", "items": PAYOUT_ITEM}, "next": {"type": "string", "nullable": True}}}
BATCH = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "status": {"type": "string"}, "created_at": {"type": "string"},
        "paid_at": {"type": "string", "nullable": True}, "sepa_message_id": {"type": "string"},
        "total_net": MONEY, "item_count": {"type": "integer"},
        "payment_date": {"type": "string", "format": "date"},
        "item_ids": {"type": "array", "items": {"type": "integer"}},
    },
}
TOTALS = {"type": "object", "properties": {
    name: MONEY for name in ("fee", "withholding", "net_fee", "travel", "per_diem", "total_paid",
                             "paid")}}
EARNINGS = {
    "type": "object",
    "properties": {
        "year": {"type": "integer"}, "currency": {"type": "string"},
        "months": {"type": "array", "items": {"type": "object", "properties": {
            "month": {"type": "integer"}, **TOTALS["properties"]}}},
        "totals": TOTALS,
        "monthly_limit": {"type": "string", "nullable": True},
        "yearly_limit": {"type": "string", "nullable": True},
    },
}
TOTP_BODY = {"type": "object", "required": ["totp"], "properties": {"totp": {"type": "string"}}}


def payout_json(item: PayoutItem) -> dict:
    return {
        "id": item.id,
        "assignment_id": item.assignment_id,
        "expert_id": item.expert_id,
        "status": item.status,
        "fee": money(item.fee),
        "travel": money(item.travel),
        "per_diem": money(item.per_diem),
        "withholding_percent": money(item.withholding_percent),
        "withholding": money(item.withholding),
        "net_fee": money(item.net_fee),
        "total_paid": money(item.total_paid),
        "work_date": to_helsinki(item.work_date).date().isoformat(),
        "batch_id": item.batch_id,
        "rejection_reason": item.rejection_reason,
    }


def batch_json(batch: PayoutBatch, item_ids: list[int] | None = None) -> dict:
    """A batch; ``item_ids`` when already loaded (a list loads them for every batch at once)."""
    if item_ids is None:
        item_ids = queries.item_ids_of([batch.id])[batch.id]
    return {
        "id": batch.id,
        "status": batch.status,
        "created_at": iso(batch.created_at),
        "paid_at": iso(batch.paid_at),
        "payment_date": batch.execution_date.isoformat(),
        "sepa_message_id": batch.sepa_message_id,
        "total_net": money(batch.total_net),
        "item_count": batch.item_count,
        "item_ids": item_ids,
    }


def _totals_json(totals: queries.Totals) -> dict:
    return {name: money(getattr(totals, name)) for name in TOTALS["properties"]}


# --- finance --------------------------------------------------------------------------------


@operation("/payouts", summary="Payout items, oldest first; query parameters status (e.g. "
           "pending_approval), limit (1–200, default 50) and cursor", roles=FINANCE_ROLES,
           response_schema=PAYOUT_LIST, responses=(200, 422), tags=("payouts",))
def list_payouts():
    status = request.args.get("status") or None
    if status is not None and status not in PAYOUT_ITEM_STATUSES:
        raise ApiError(422, "invalid_value", "Unknown payout status.", "status")
    page = queries.payout_page(status, cursor=request.args.get("cursor"),
                               limit=parse_limit(request.args.get("limit")))
    return jsonify(list_answer([payout_json(i) for i in page.items], page.next_cursor))


@operation("/payouts/<int:item_id>", summary="One payout item", roles=FINANCE_ROLES,
           response_schema=PAYOUT_ITEM, responses=(200, 404), tags=("payouts",))
def get_payout(item_id: int):
    return jsonify(payout_json(queries.payout_item(item_id)))


def _totp(data: dict) -> str:
    code = data.get("totp")
    if code is not None and not isinstance(code, (str, int)):
        raise ApiError(422, "invalid_value", "Give the two-factor code as text.", "totp")
    return "" if code is None else str(code)


@operation("/payouts/<int:item_id>/approve", "POST",
           summary="Approve: {\"totp\": \"123456\"}; 403 for a wrong code or your own work "
           "(reported, corrected or paid to you), 409 when not waiting for approval",
           roles=FINANCE_ROLES, request_schema=TOTP_BODY, response_schema=PAYOUT_ITEM,
           responses=(200, 400, 404, 409), tags=("payouts",))
def approve_payout(item_id: int):
    data = json_body()
    (item,) = services.approve_payout_items(current_api_user(), [item_id], _totp(data),
                                            utcnow())
    db.session.commit()
    return jsonify(payout_json(item))


@operation("/payouts/approve", "POST",
           summary="Approve several at once with one code: {\"item_ids\": [...], \"totp\"}; "
           "all or none", roles=FINANCE_ROLES,
           request_schema={"type": "object", "required": ["item_ids", "totp"], "properties": {
               "item_ids": {"type": "array", "items": {"type": "integer"}},
               "totp": {"type": "string"}}},
           response_schema=PAYOUT_LIST, responses=(200, 400, 404, 409, 422), tags=("payouts",))
def approve_payouts():
    data = json_body()
    ids = data.get("item_ids")
    if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ApiError(422, "invalid_value", "Give item_ids as a list of ids.", "item_ids")
    items = services.approve_payout_items(current_api_user(), ids, _totp(data), utcnow())
    db.session.commit()
    return jsonify(list_answer([payout_json(i) for i in items]))


@operation("/payouts/<int:item_id>/reject", "POST",
           summary="Reject with a reason the expert sees: {\"totp\", \"reason\"}",
           roles=FINANCE_ROLES,
           request_schema={"type": "object", "required": ["totp", "reason"], "properties": {
               "totp": {"type": "string"}, "reason": {"type": "string"}}},
           response_schema=PAYOUT_ITEM, responses=(200, 400, 404, 409, 422), tags=("payouts",))
def reject_payout(item_id: int):
    data = json_body()
    reason = data.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise ApiError(422, "invalid_value", "Give the reason as text.", "reason")
    item = services.reject_payout_item(current_api_user(), item_id, reason, _totp(data),
                                       utcnow())
    db.session.commit()
    return jsonify(payout_json(item))


@operation("/payouts/<int:item_id>/correct", "POST",
           summary="Correct travel and daily allowance: {\"travel\", \"per_diem\", \"reason\"}; "
           "someone else must then approve", roles=FINANCE_ROLES,
           request_schema={"type": "object", "required": ["travel", "per_diem", "reason"],
                           "properties": {"travel": {"type": "string"},
                                          "per_diem": {"type": "string"},
                                          "reason": {"type": "string"}}},
           response_schema=PAYOUT_ITEM, responses=(200, 400, 404, 409, 422), tags=("payouts",))
def correct_payout(item_id: int):
    data = json_body()
    reason = data.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise ApiError(422, "invalid_value", "Give the reason as text.", "reason")
    item = services.edit_payout_item(current_api_user(), item_id, data.get("travel"),
                                     data.get("per_diem"), reason, utcnow())
    db.session.commit()
    return jsonify(payout_json(item))


@operation("/payout-batches", summary="Payment batches, newest first; query parameters limit "
           "(1–200, default 50) and cursor", roles=FINANCE_ROLES,
           response_schema={"type": "object", "properties": {
               "items": {"type": "array", "items": BATCH},
               "next": {"type": "string", "nullable": True}}},
           responses=(200, 422), tags=("payouts",))
def list_batches():
    page = queries.batch_page(cursor=request.args.get("cursor"),
                              limit=parse_limit(request.args.get("limit")))
    item_ids = queries.item_ids_of([b.id for b in page.items])
    return jsonify(list_answer([batch_json(b, item_ids[b.id]) for b in page.items],
                               page.next_cursor))


@operation("/payout-batches", "POST",
           summary="Make a batch of approved items ({\"item_ids\": [...]}, or {} for all "
           "approved): pain.001 and payroll CSV, whole or not at all; experts whose name has "
           "no SEPA characters are left out (named in left_out, their items stay approved); "
           "bank_details_changed names the experts whose IBAN changed after approval (each "
           "item is paid to the IBAN it was approved with); \"totp\" when the token's sign-in "
           "is over 15 minutes old",
           roles=FINANCE_ROLES,
           request_schema={"type": "object", "properties": {
               "item_ids": {"type": "array", "items": {"type": "integer"}},
               "totp": {"type": "string"}}},
           response_schema={"type": "object", "properties": {
               **BATCH["properties"],
               "left_out": {"type": "array", "items": {"type": "string"}},
               "bank_details_changed": {"type": "array", "items": {"type": "string"}}}},
           responses=(201, 400, 404, 409, 422, 429), tags=("payouts",))
def create_batch():
    data = json_body() if request.get_data() else {}
    require_recent_second_factor(data.get("totp") or request.args.get("totp"))
    ids = data.get("item_ids")
    if ids is not None and (not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids)):
        raise ApiError(422, "invalid_value", "Give item_ids as a list of ids.", "item_ids")
    batch = services.create_batch(current_api_user(), ids, utcnow())
    db.session.commit()
    return jsonify({**batch_json(batch), "left_out": list(batch.left_out),
                    "bank_details_changed": list(batch.bank_details_changed)}), 201


@operation("/payout-batches/<int:batch_id>", summary="One payment batch", roles=FINANCE_ROLES,
           response_schema=BATCH, responses=(200, 404), tags=("payouts",))
def get_batch(batch_id: int):
    return jsonify(batch_json(queries.batch(batch_id)))


@operation("/payout-batches/<int:batch_id>/pain001",
           summary="The batch's SEPA credit transfer file (application/xml, pain.001.001.03); "
           "?totp= when the token's sign-in is over 15 minutes old",
           roles=FINANCE_ROLES, responses=(200, 404, 422, 429), tags=("payouts",))
def batch_bank_file(batch_id: int):
    require_recent_second_factor(request.args.get("totp"))
    batch = services.record_batch_download(current_api_user(), batch_id, "pain001")
    db.session.commit()
    return Response(batch.sepa_xml, mimetype="application/xml")


@operation("/payout-batches/<int:batch_id>/payroll",
           summary="The batch's payroll file (text/csv), one row per income component: "
           "?format=machine (default: ',', dot decimals) or ?format=fi (';', decimal comma, "
           "UTF-8 with BOM, CRLF)", roles=(FINANCE,), responses=(200, 403, 404, 422),
           tags=("payouts",))
def batch_payroll(batch_id: int):
    fmt = request.args.get("format") or "machine"
    batch, content = services.payroll_file(current_api_user(), batch_id, fmt)
    db.session.commit()
    response = Response(content, mimetype="text/csv")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="{batch.sepa_message_id}-payroll-{fmt}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@operation("/payout-batches/<int:batch_id>/paid", "POST",
           summary="Mark the batch paid ({\"totp\"} when the token's sign-in is over 15 "
           "minutes old): its items and assignments become paid, experts are "
           "told; 409 the second time", roles=FINANCE_ROLES, response_schema=BATCH,
           request_schema={"type": "object", "properties": {"totp": {"type": "string"}}},
           responses=(200, 404, 409, 422, 429), tags=("payouts",))
def mark_batch_paid(batch_id: int):
    data = request.get_json(silent=True) if request.get_data() else None
    require_recent_second_factor((data.get("totp") if isinstance(data, dict) else None)
                                 or request.args.get("totp"))
    batch = services.mark_batch_paid(current_api_user(), batch_id, utcnow())
    db.session.commit()
    return jsonify(batch_json(batch))


# --- experts --------------------------------------------------------------------------------


@operation("/me/earnings", summary="The expert's payouts of a year (query parameter year) by "
           "month of the work: fee, withholding, net fee, travel, per diem; rejected payouts "
           "not counted", roles=(EXPERT,), response_schema=EARNINGS, responses=(200, 422),
           tags=("payouts",))
def my_earnings():
    now = utcnow()
    raw = request.args.get("year") or ""
    if raw and not (raw.isdigit() and 2000 <= int(raw) <= 2100):
        raise ApiError(422, "invalid_value", "Give the year as four digits, e.g. 2026.", "year")
    year = int(raw) if raw else to_helsinki(now).year
    profile = current_api_user().expert_profile
    if profile is None:
        raise ApiError(403, "forbidden", "Only experience experts have earnings.")
    earnings = queries.year_earnings(profile, year, now)
    return jsonify({
        "year": year,
        "currency": "EUR",
        "months": [{"month": row.month, **_totals_json(row.totals)} for row in earnings.months],
        "totals": _totals_json(earnings.total),
        "monthly_limit": money(profile.monthly_earnings_limit)
        if profile.monthly_earnings_limit is not None else None,
        "yearly_limit": money(profile.yearly_earnings_limit)
        if profile.yearly_earnings_limit is not None else None,
    })
