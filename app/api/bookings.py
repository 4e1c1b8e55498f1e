"""Invitations, acceptance, cancellation and the expert's own bookings in the API."""

from __future__ import annotations

from decimal import Decimal

from flask import jsonify, request

from app.accounts.models import ADMIN, COORDINATOR, EXPERT, ORGANISATION_MEMBER
from app.api.core import ApiError, current_api_user, json_body, list_answer, money, operation
from app.api.fees import TRAVEL_SCHEMA, parse_bool, parse_duration
from app.api.orders import iso, order_json
from app.bookings import completion, services
from app.bookings.models import Invitation
from app.bookings.queries import assignments_page, invitations_page, order_for_reader
from app.common.paging import parse_limit
from app.extensions import db
from app.fees.rules import TravelClaim

INVITATION_ITEM = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "order_id": {"type": "integer"},
                   "status": {"type": "string"}, "expires_at": {"type": "string"},
                   "title": {"type": "string"}, "starts_at": {"type": "string"}},
}
ASSIGNMENT_ITEM = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "order_id": {"type": "integer"},
                   "starts_at": {"type": "string"}, "duration_minutes": {"type": "integer"},
                   "status": {"type": "string"}},
}


def invitation_json(invitation: Invitation) -> dict:
    return {"id": invitation.id, "order_id": invitation.order_id, "status": invitation.status,
            "expires_at": iso(invitation.expires_at), "title": invitation.order.title,
            "starts_at": iso(invitation.order.starts_at)}


def assignment_json(assignment) -> dict:
    return {"id": assignment.id, "order_id": assignment.order_id,
            "starts_at": iso(assignment.starts_at),
            "duration_minutes": assignment.session.duration_minutes,
            "status": assignment.status}


def _list_of(item: dict) -> dict:
    return {"type": "object", "properties": {
        "items": {"type": "array", "items": item}, "next": {"type": "string", "nullable": True}}}


@operation("/me/invitations", summary="The expert's own invitations, newest first; query "
           "parameters limit (1–200, default 50) and cursor", roles=(EXPERT,),
           response_schema=_list_of(INVITATION_ITEM), responses=(200, 401, 403, 422),
           tags=("bookings",))
def my_invitations():
    page = invitations_page(current_api_user(), cursor=request.args.get("cursor"),
                            limit=parse_limit(request.args.get("limit")))
    return jsonify(list_answer([invitation_json(i) for i in page.items], page.next_cursor))


@operation("/me/assignments", summary="The expert's own assignments, soonest first; query "
           "parameters limit (1–200, default 50) and cursor", roles=(EXPERT,),
           response_schema=_list_of(ASSIGNMENT_ITEM), responses=(200, 401, 403, 422),
           tags=("bookings",))
def my_assignments():
    page = assignments_page(current_api_user(), cursor=request.args.get("cursor"),
                            limit=parse_limit(request.args.get("limit")))
    return jsonify(list_answer([assignment_json(a) for a in page.items], page.next_cursor))


@operation("/invitations/<int:invitation_id>/accept", "POST",
           summary="Accept: books the expert, or 409 when filled or busy", roles=(EXPERT,),
           response_schema={"type": "object", "properties": {
               "assignments": {"type": "array", "items": ASSIGNMENT_ITEM}}},
           responses=(200, 404, 409), tags=("bookings",))
def accept(invitation_id: int):
    assignments = services.accept_invitation(current_api_user(), invitation_id)
    db.session.commit()
    return jsonify({"assignments": [assignment_json(a) for a in assignments]})


@operation("/invitations/<int:invitation_id>/decline", "POST",
           summary="Decline; {\"reason\": \"…\"} is optional", roles=(EXPERT,),
           response_schema=INVITATION_ITEM, responses=(200, 404, 409), tags=("bookings",))
def decline(invitation_id: int):
    reason = _optional_body().get("reason")
    if reason is not None and not isinstance(reason, str):
        raise ApiError(422, "invalid_value", "Give the reason as text.", "reason")
    invitation = services.decline_invitation(current_api_user(), invitation_id, reason)
    db.session.commit()
    return jsonify(invitation_json(invitation))


@operation("/orders/<int:order_id>/withdraw", "POST",
           summary="A booked expert cancels their coming sessions of the order",
           roles=(EXPERT,), responses=(200, 404), tags=("bookings",),
           response_schema={"type": "object"})
def withdraw(order_id: int):
    reason = _optional_body().get("reason")
    cancelled = services.withdraw_from_order(current_api_user(), order_id,
                                             reason if isinstance(reason, str) else None)
    db.session.commit()
    return jsonify({"assignments": [assignment_json(a) for a in cancelled]})


@operation("/orders/<int:order_id>/cancel", "POST",
           summary="Cancel an order; late cancellations still pay the booked experts; 409 "
           "already_started once a session has started or any work is reported. A coordinator "
           "cancels on the organisation's behalf with {\"reason\": \"…\"}",
           roles=(ORGANISATION_MEMBER, COORDINATOR, ADMIN),
           request_schema={"type": "object", "properties": {"reason": {"type": "string"}}},
           response_schema={"type": "object"}, responses=(200, 404, 409, 422),
           tags=("orders",))
def cancel(order_id: int):
    user = current_api_user()
    reason = _optional_body().get("reason")
    if reason is not None and not isinstance(reason, str):
        raise ApiError(422, "invalid_value", "Give the reason as text.", "reason")
    order = services.cancel_order(user, order_id, reason=reason)
    answer = {**order_json(order, for_staff=user.role != ORGANISATION_MEMBER),
              "cancelled_late": order.cancelled_late}
    db.session.commit()
    return jsonify(answer)


@operation("/orders/<int:order_id>/invitations", "POST",
           summary="Invite experts: {\"expert_ids\": [...]} or the top N: {\"top\": N}",
           roles=(COORDINATOR, ADMIN), responses=(201, 404, 409, 422), tags=("bookings",),
           request_schema={"type": "object", "properties": {
               "expert_ids": {"type": "array", "items": {"type": "integer"}},
               "top": {"type": "integer"}}},
           response_schema={"type": "object", "properties": {
               "items": {"type": "array", "items": INVITATION_ITEM}}})
def invite(order_id: int):
    actor = current_api_user()
    order = order_for_reader(actor, order_id)
    data = json_body()
    expert_ids = data.get("expert_ids")
    top = data.get("top")
    if expert_ids is None and isinstance(top, int) and not isinstance(top, bool) and top > 0:
        from app.matching.services import match_order

        invited = {i.expert_id for i in order.invitations}
        expert_ids = [m.expert_id for m in match_order(order) if m.expert_id not in invited][:top]
        if not expert_ids:
            raise ApiError(409, "no_candidates", "No suitable candidate is left to invite.")
    if not isinstance(expert_ids, list) or not expert_ids or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in expert_ids
    ):
        raise ApiError(422, "invalid_value", "Give expert_ids as a list of ids, or top.",
                       "expert_ids")
    invitations = services.invite_experts(actor, order, expert_ids)
    db.session.commit()
    return jsonify(list_answer([invitation_json(i) for i in invitations])), 201


def _optional_body() -> dict:
    from flask import request

    if not request.get_data():
        return {}
    return json_body()


REPORT_REQUEST = {
    "type": "object",
    "required": ["duration_minutes"],
    "properties": {"duration_minutes": {"type": "integer"}, "remote": {"type": "boolean"},
                   "travel": TRAVEL_SCHEMA},
}
PRICED = {"type": "object", "properties": {
    name: {"type": "string"} for name in ("fee", "travel", "per_diem", "total")}}


@operation("/assignments/<int:assignment_id>/report", "POST",
           summary="The booked expert reports the actual duration and travel",
           roles=(EXPERT,), request_schema=REPORT_REQUEST,
           response_schema={"type": "object", "properties": {
               "assignment": ASSIGNMENT_ITEM, "priced": PRICED}},
           responses=(200, 404, 409, 422), tags=("completion",))
def report_assignment(assignment_id: int):
    completion.assignment_of_expert(current_api_user(), assignment_id)  # 404 before the body
    data = json_body()
    remote = parse_bool(data.get("remote"), "remote")
    travel = data.get("travel")
    claim = TravelClaim.from_mapping(travel) if travel is not None and not remote else None
    report_data = completion.ReportData(
        duration_minutes=parse_duration(data.get("duration_minutes")), remote=remote,
        km_driven=claim.km_driven if claim else Decimal("0"),
        passengers=claim.passengers if claim else 0,
        public_transport_eur=claim.public_transport_eur if claim else Decimal("0"),
        parking_eur=claim.parking_eur if claim else Decimal("0"),
        one_way_km=claim.one_way_km if claim else Decimal("0"),
        free_meals=claim.free_meals if claim else 0,
        trip_hours=claim.trip_hours if claim else None,
    )
    report = completion.report_assignment(current_api_user(), assignment_id, report_data)
    priced = completion.price_report(report.assignment, report_data)
    answer = {"assignment": assignment_json(report.assignment), "priced": {
        "fee": money(priced.fee), "travel": money(priced.travel),
        "per_diem": money(priced.per_diem), "total": money(priced.total)}}
    db.session.commit()
    return jsonify(answer)


PAYOUT_ITEM = {"type": "object", "properties": {
    name: {"type": "string"} for name in ("fee", "travel", "per_diem", "withholding_percent",
                                          "withholding", "net_fee", "total_paid", "status")}}


@operation("/assignments/<int:assignment_id>/confirm", "POST",
           summary="Confirm the work took place: creates the payout item and invoice lines",
           roles=(ORGANISATION_MEMBER, COORDINATOR, ADMIN),
           response_schema={"type": "object", "properties": {
               "assignment": ASSIGNMENT_ITEM, "payout_item": PAYOUT_ITEM}},
           responses=(200, 404, 409), tags=("completion",))
def confirm_assignment(assignment_id: int):
    item = completion.confirm_assignment(current_api_user(), assignment_id)
    from app.api.payouts import payout_json

    answer = {"assignment": assignment_json(item.assignment), "payout_item": payout_json(item)}
    db.session.commit()
    return jsonify(answer)


@operation("/assignments/<int:assignment_id>/dispute", "POST",
           summary="Say the report is not right: {\"reason\": \"…\"}; a coordinator checks it",
           roles=(ORGANISATION_MEMBER, COORDINATOR, ADMIN),
           request_schema={"type": "object", "required": ["reason"],
                           "properties": {"reason": {"type": "string"}}},
           response_schema=ASSIGNMENT_ITEM, responses=(200, 404, 409, 422),
           tags=("completion",))
def dispute_assignment(assignment_id: int):
    completion.assignment_for_confirmer(current_api_user(), assignment_id)  # 404/403 first
    reason = json_body().get("reason")
    if not isinstance(reason, str):
        raise ApiError(422, "missing_reason", "Tell what is not right.", "reason")
    assignment = completion.dispute_assignment(current_api_user(), assignment_id, reason)
    db.session.commit()
    return jsonify(assignment_json(assignment))


RESOLVE_REQUEST = {
    "type": "object",
    "required": ["action"],
    "properties": {"action": {"type": "string", "enum": list(completion.RESOLUTIONS)},
                   "duration_minutes": {"type": "integer"}, "remote": {"type": "boolean"},
                   "travel": TRAVEL_SCHEMA, "reason": {"type": "string"}},
}
RESOLUTION = {"type": "object", "properties": {
    "assignment": ASSIGNMENT_ITEM, "action": {"type": "string"}, "before": PRICED,
    "after": {**PRICED, "nullable": True}, "difference": {"type": "string"},
    "payout_item": {**PAYOUT_ITEM, "nullable": True}}}


def _priced(quote) -> dict:
    return {"fee": money(quote.fee), "travel": money(quote.travel),
            "per_diem": money(quote.per_diem), "total": money(quote.total)}


@operation("/assignments/<int:assignment_id>/resolve", "POST",
           summary="A coordinator resolves a disputed report: confirm it, correct the duration "
           "or travel (re-priced by the fee engine, then confirmed) or void the work with a "
           "reason (no pay); both sides are told",
           roles=(COORDINATOR, ADMIN), request_schema=RESOLVE_REQUEST,
           response_schema=RESOLUTION, responses=(200, 400, 404, 409, 422),
           tags=("completion",))
def resolve_dispute(assignment_id: int):
    data = json_body()
    action = data.get("action")
    if not isinstance(action, str):
        raise ApiError(422, "invalid_action", "Choose confirm, correct or void.", "action")
    reason = data.get("reason") or ""
    if not isinstance(reason, str):
        raise ApiError(422, "invalid_value", "Give the reason as text.", "reason")
    remote = data.get("remote")
    if remote is not None and not isinstance(remote, bool):
        raise ApiError(422, "invalid_value", "Give true or false.", "remote")
    travel = data.get("travel")
    correction = completion.Correction(
        duration_minutes=parse_duration(data["duration_minutes"])
        if data.get("duration_minutes") is not None else None,
        travel=TravelClaim.from_mapping(travel) if travel is not None else None,
        remote=remote)
    resolution = completion.resolve_dispute(current_api_user(), assignment_id, action,
                                            correction=correction, reason=reason)
    from app.api.payouts import payout_json

    answer = {"assignment": assignment_json(resolution.assignment), "action": resolution.action,
              "before": _priced(resolution.before),
              "after": _priced(resolution.after) if resolution.after else None,
              "difference": money(resolution.difference),
              "payout_item": payout_json(resolution.payout_item)
              if resolution.payout_item is not None else None}
    db.session.commit()
    return jsonify(answer)


@operation("/assignments/<int:assignment_id>/reply", "POST",
           summary="The expert tells their side of a disputed report: {\"reply\": \"…\"}",
           roles=(EXPERT,), request_schema={"type": "object", "required": ["reply"],
                                            "properties": {"reply": {"type": "string"}}},
           response_schema=ASSIGNMENT_ITEM, responses=(200, 400, 404, 409, 422),
           tags=("completion",))
def reply_to_dispute(assignment_id: int):
    reply = json_body().get("reply")
    if not isinstance(reply, str):
        raise ApiError(422, "missing_reply", "Write your answer.", "reply")
    report = completion.reply_to_dispute(current_api_user(), assignment_id, reply)
    answer = assignment_json(report.assignment)
    db.session.commit()
    return jsonify(answer)
