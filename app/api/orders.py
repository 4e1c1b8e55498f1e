"""Orders in the API."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import jsonify, request

from app.accounts.models import ADMIN, COORDINATOR, ORGANISATION_MEMBER
from app.api.core import ApiError, current_api_user, json_body, list_answer, money, operation
from app.bookings import changes, services
from app.bookings.changes import OrderChange, SessionTime
from app.bookings.console import REASONS, ConsoleFilters, console_page
from app.bookings.models import Order
from app.bookings.queries import booked_count, order_for_reader
from app.common.paging import parse_limit
from app.common.timeutil import to_helsinki, utcnow
from app.extensions import db
from app.fees.estimate import SessionPlan, estimate_order

ORDER_RESPONSE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string"},
        "title": {"type": "string"},
        "assignment_type": {"type": "string"},
        "experts_needed": {"type": "integer"},
        "booked": {"type": "integer"},
        "remote": {"type": "boolean"},
        "municipality_code": {"type": "string", "nullable": True},
        "sessions": {"type": "array", "items": {"type": "object"}},
        "invitations": {"type": "array", "items": {"type": "object"}},
        "bookings": {"type": "array", "items": {"type": "object"}},
    },
}


def iso(moment) -> str | None:
    return to_helsinki(moment).isoformat() if moment else None


def order_json(order: Order, for_staff: bool = True) -> dict:
    return {
        "id": order.id,
        "status": order.status,
        "title": order.title,
        "description": order.description,
        "assignment_type": order.assignment_type.code,
        "expertise_areas": [area.slug for area in order.expertise_areas],
        "language": order.language,
        "experts_needed": order.experts_needed,
        "booked": booked_count(order),
        "remote": order.remote,
        "municipality_code": order.municipality_code,
        "address": order.address,
        "audience": order.audience,
        "accessibility": order.accessibility,
        "billing_reference": order.billing_reference,
        "starts_at": iso(order.starts_at),
        "duration_minutes": order.sessions[0].duration_minutes if order.sessions else None,
        "sessions": [
            {
                "id": s.id,
                "position": s.position,
                "title": s.title,
                "starts_at": iso(s.starts_at),
                "duration_minutes": s.duration_minutes,
            }
            for s in order.sessions
        ],
        # Who was invited (not booked) would reveal experts' hidden expertise areas to
        # the organisation: only the bank's staff see those expert ids.
        "invitations": [
            {
                "id": i.id,
                "expert_id": i.expert_id if for_staff else None,
                "status": i.status,
                "expires_at": iso(i.expires_at),
            }
            for i in order.invitations
        ],
        "bookings": [
            {
                "id": a.id,
                "expert_id": a.expert_id,
                "session_id": a.session_id,
                "status": a.status,
                "starts_at": iso(a.starts_at),
            }
            for a in order.assignments
        ],
    }


@operation(
    "/orders/<int:order_id>",
    summary="An order with its sessions, invitations and bookings",
    roles=(ORGANISATION_MEMBER, COORDINATOR, ADMIN),
    response_schema=ORDER_RESPONSE,
    responses=(200, 404),
    tags=("orders",),
)
def get_order(order_id: int):
    user = current_api_user()
    order = order_for_reader(user, order_id)
    return jsonify(order_json(order, for_staff=user.role != ORGANISATION_MEMBER))


SESSION_SCHEMA = {
    "type": "object",
    "required": ["starts_at", "duration_minutes"],
    "properties": {"starts_at": {"type": "string", "format": "date-time"},
                   "duration_minutes": {"type": "integer"}, "title": {"type": "string"}},
}
ORDER_REQUEST = {
    "type": "object",
    "required": ["title", "assignment_type", "expertise_areas", "experts_needed"],
    "properties": {
        "title": {"type": "string"}, "description": {"type": "string"},
        "assignment_type": {"type": "string"},
        "expertise_areas": {"type": "array", "items": {"type": "string"}},
        "language": {"type": "string"}, "experts_needed": {"type": "integer"},
        "starts_at": {"type": "string", "format": "date-time"},
        "duration_minutes": {"type": "integer"},
        "sessions": {"type": "array", "items": SESSION_SCHEMA},
        "remote": {"type": "boolean"}, "municipality_code": {"type": "string"},
        "address": {"type": "string"}, "audience": {"type": "string"},
        "accessibility": {"type": "string"}, "billing_reference": {"type": "string"},
        "deadline_at": {"type": "string", "format": "date-time"},
    },
}
ESTIMATE_SCHEMA = {
    "type": "object",
    "properties": {name: {"type": "string"}
                   for name in ("fee", "travel", "per_diem", "total", "total_all")},
}
CREATED_ORDER = {
    "type": "object",
    "properties": {**ORDER_RESPONSE["properties"], "estimate": ESTIMATE_SCHEMA},
}


def parse_moment(value, field: str) -> datetime:
    """An ISO 8601 time with its offset, as aware UTC."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                return moment.astimezone(UTC)
        except (ValueError, OverflowError):  # OverflowError: 0001-01-01 east of UTC
            pass
    raise ApiError(422, "invalid_time",
                   "Give the time in ISO 8601 with its offset, e.g. 2026-03-10T13:00:00+02:00.",
                   field)


def parse_int(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(422, "invalid_value", "Give a whole number.", field)
    return value


def parse_text(data: dict, field: str, required: bool = False) -> str:
    value = data.get(field, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ApiError(422, "invalid_value", "Give text.", field)
    if required and not value.strip():
        raise ApiError(422, "missing_field", "This field is required.", field)
    return value


def order_request_from_json(data: dict) -> services.OrderRequest:
    areas = data.get("expertise_areas")
    if not isinstance(areas, list) or not all(isinstance(a, str) for a in areas):
        raise ApiError(422, "invalid_value", "Give the expertise areas as a list of slugs.",
                       "expertise_areas")
    remote = data.get("remote", False)
    if not isinstance(remote, bool):
        raise ApiError(422, "invalid_value", "Give true or false.", "remote")
    if "sessions" in data:
        raw_sessions = data["sessions"]
        if not isinstance(raw_sessions, list) or not raw_sessions or not all(
            isinstance(s, dict) for s in raw_sessions
        ):
            raise ApiError(422, "invalid_value", "Give the sessions as a list of objects.",
                           "sessions")
    else:
        raw_sessions = [{"starts_at": data.get("starts_at"),
                         "duration_minutes": data.get("duration_minutes")}]
    sessions = [
        services.SessionRequest(
            starts_at=parse_moment(s.get("starts_at"), "starts_at"),
            duration_minutes=parse_int(s.get("duration_minutes"), "duration_minutes"),
            title=parse_text(s, "title"),
        )
        for s in raw_sessions
    ]
    deadline = data.get("deadline_at")
    municipality = data.get("municipality_code")
    if municipality is not None and not isinstance(municipality, str):
        raise ApiError(422, "invalid_value", "Give the municipality code as text.",
                       "municipality_code")
    return services.OrderRequest(
        title=parse_text(data, "title", required=True),
        assignment_type=parse_text(data, "assignment_type", required=True),
        expertise_areas=areas, language=parse_text(data, "language") or "fi",
        experts_needed=parse_int(data.get("experts_needed", 1), "experts_needed"),
        sessions=sessions, remote=remote, municipality_code=municipality,
        description=parse_text(data, "description"), address=parse_text(data, "address"),
        audience=parse_text(data, "audience"), accessibility=parse_text(data, "accessibility"),
        billing_reference=parse_text(data, "billing_reference"),
        deadline_at=None if deadline is None else parse_moment(deadline, "deadline_at"),
        series_template=services.CO_DEVELOPMENT_TEMPLATE if len(sessions) > 1 else None,
    )


def estimate_json(order: Order) -> dict:
    estimate = estimate_order(
        order.assignment_type.code,
        [SessionPlan(to_helsinki(s.starts_at).date(), s.duration_minutes)
         for s in order.sessions],
        order.experts_needed, remote=order.remote,
        area_slugs=[a.slug for a in order.expertise_areas], language=order.language,
        municipality_code=order.municipality_code,
    )
    return {"fee": money(estimate.fee), "travel": money(estimate.travel),
            "per_diem": money(estimate.per_diem), "total": money(estimate.total),
            "total_all": money(estimate.total_all), "basis": estimate.basis}


@operation("/orders", "POST", summary="Create and submit an order (one-off or a series)",
           roles=(ORGANISATION_MEMBER,), request_schema=ORDER_REQUEST,
           response_schema=CREATED_ORDER, responses=(201, 400, 422), tags=("orders",))
def create_order():
    request_data = order_request_from_json(json_body())
    order = services.create_order(current_api_user(), request_data)
    answer = {**order_json(order, for_staff=False), "estimate": estimate_json(order)}
    db.session.commit()
    return jsonify(answer), 201


ORDER_LIST_ITEM = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "status": {"type": "string"}, "title": {"type": "string"},
        "organisation_id": {"type": "integer"}, "organisation_name": {"type": "string"},
        "assignment_type": {"type": "string"},
        "starts_at": {"type": "string", "format": "date-time"},
        "sessions": {"type": "integer"}, "experts_needed": {"type": "integer"},
        "booked": {"type": "integer"}, "remote": {"type": "boolean"},
        "municipality_code": {"type": "string", "nullable": True},
        "needs_attention": {"type": "array", "items": {"type": "string", "enum": list(REASONS)}},
    },
}
ORDER_LIST = {"type": "object", "properties": {
    "items": {"type": "array", "items": ORDER_LIST_ITEM},
    "next": {"type": "string", "nullable": True}}}


def _query_date(name: str) -> date | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(422, "invalid_date", "Give the date as YYYY-MM-DD.", name) from None


def _query_int(name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdecimal() or len(raw) > 9:
        raise ApiError(422, "invalid_value", "Give a whole number.", name)
    return int(raw)


def _query_bool(name: str) -> bool:
    raw = (request.args.get(name) or "").lower()
    if raw in ("", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    raise ApiError(422, "invalid_value", "Give true or false.", name)


@operation("/orders", summary="Orders, newest start first: an organisation's member sees its "
           "own, coordinators all. Query parameters status, from and to (YYYY-MM-DD, the first "
           "session's date), organisation_id, area (an expertise area's slug), "
           "needs_attention=true, limit (1–200, default 50) and cursor",
           roles=(ORGANISATION_MEMBER, COORDINATOR, ADMIN), response_schema=ORDER_LIST,
           responses=(200, 401, 403, 422), tags=("orders",))
def list_orders():
    filters = ConsoleFilters(
        status=request.args.get("status") or None, starts_from=_query_date("from"),
        starts_to=_query_date("to"), organisation_id=_query_int("organisation_id"),
        area=request.args.get("area") or None, needs_attention=_query_bool("needs_attention"))
    page = console_page(current_api_user(), filters, utcnow(),
                        cursor=request.args.get("cursor"),
                        limit=parse_limit(request.args.get("limit")))
    return jsonify(list_answer([{
        "id": row.order.id, "status": row.order.status, "title": row.order.title,
        "organisation_id": row.order.organisation_id,
        "organisation_name": row.organisation_name, "assignment_type": row.assignment_type,
        "starts_at": iso(row.first_start), "sessions": row.session_count,
        "experts_needed": row.order.experts_needed, "booked": row.booked,
        "remote": row.order.remote, "municipality_code": row.order.municipality_code,
        "needs_attention": list(row.reasons),
    } for row in page.items], page.next_cursor))


SESSION_TIME_SCHEMA = {
    "type": "object",
    "required": ["starts_at", "duration_minutes"],
    "properties": {"starts_at": {"type": "string", "format": "date-time"},
                   "duration_minutes": {"type": "integer", "minimum": 1, "maximum": 1440}},
    "additionalProperties": False,
}
ORDER_CHANGE = {
    "type": "object",
    "properties": {
        "title": {"type": "string"}, "description": {"type": "string"},
        "starts_at": {"type": "string", "format": "date-time"},
        "duration_minutes": {"type": "integer"}, "remote": {"type": "boolean"},
        "municipality_code": {"type": "string"}, "address": {"type": "string"},
        "audience": {"type": "string"}, "accessibility": {"type": "string"},
        "sessions": {"type": "array", "minItems": 1, "items": SESSION_TIME_SCHEMA},
    },
}
SESSION_TIME_FIELDS = set(SESSION_TIME_SCHEMA["properties"])
ORDER_CHANGE_DESCRIPTION = (
    "Leave out what stays as it is. The time of a one-off order is `starts_at` and "
    "`duration_minutes`. A series (more than one session) is moved with `sessions`: the new "
    "`starts_at` and `duration_minutes` of every session of the order, in order, also of the "
    "sessions that keep their time (a one-off order may use `sessions` with one entry too). "
    "For a series, `starts_at` or `duration_minutes` alone is refused with 422 "
    "`sessions_required` (the series is never shifted by guess); a wrong number of sessions "
    "is 422 `wrong_session_count`; a session in the past, or one that starts before the one "
    "before it has ended, is 422 (`start_in_past`, `sessions_out_of_order`, "
    "`sessions_overlap`) with a message naming the session; `sessions` together with "
    "`starts_at`/`duration_minutes` is 422 `conflicting_times`. A booked expert whose other "
    "booked work or declared unavailability collides with any new session is released from "
    "every session of the series (`released` has one entry per released booking, so a "
    "series' expert once per session) and the next candidates are invited (`invited`); the "
    "others get one mail with an updated calendar entry for every session (the same UID, a "
    "higher SEQUENCE). `changed` names `sessions` when a series' times changed (a one-off "
    "order's: `starts_at`, `duration_minutes`). A start more than ten years ahead is 422 "
    "`start_too_far`. 409 `already_started` once any session has started or any of the "
    "work is reported.")
CHANGED_ORDER = {
    "type": "object",
    "properties": {
        **ORDER_RESPONSE["properties"],
        "changed": {"type": "array", "items": {"type": "string"}},
        "released": {"type": "array", "items": {"type": "object", "properties": {
            "assignment_id": {"type": "integer"}, "expert_id": {"type": "integer"}}}},
        "invited": {"type": "integer"},
    },
}
CHANGEABLE_FIELDS = set(ORDER_CHANGE["properties"])


def _optional_text(data: dict, name: str) -> str | None:
    if name not in data:
        return None
    return parse_text(data, name)


def _session_times(raw) -> tuple[SessionTime, ...]:
    """``[{"starts_at", "duration_minutes"}, …]``; a problem names its session (from 1)."""
    if not isinstance(raw, list) or not raw or not all(isinstance(s, dict) for s in raw):
        raise ApiError(422, "invalid_value",
                       'Give the sessions as a list of {"starts_at", "duration_minutes"}.',
                       "sessions")
    times = []
    for number, item in enumerate(raw, 1):
        unknown = sorted(set(item) - SESSION_TIME_FIELDS)
        if unknown:
            raise ApiError(422, "unknown_field",
                           f"Session {number}: only starts_at and duration_minutes can be "
                           "changed.", "sessions")
        try:
            times.append(SessionTime(parse_moment(item.get("starts_at"), "starts_at"),
                                     parse_int(item.get("duration_minutes"),
                                               "duration_minutes")))
        except ApiError as error:
            raise ApiError(422, error.code, f"Session {number}: {error.message}",
                           error.field) from None
    return tuple(times)


def order_change_from_json(data: dict) -> OrderChange:
    unknown = sorted(set(data) - CHANGEABLE_FIELDS)
    if unknown:
        raise ApiError(422, "unknown_field", "This field cannot be changed.", unknown[0])
    remote = data.get("remote")
    if remote is not None and not isinstance(remote, bool):
        raise ApiError(422, "invalid_value", "Give true or false.", "remote")
    municipality = data.get("municipality_code")
    if municipality is not None and not isinstance(municipality, str):
        raise ApiError(422, "invalid_value", "Give the municipality code as text.",
                       "municipality_code")
    return OrderChange(
        sessions=_session_times(data["sessions"]) if "sessions" in data else None,
        title=_optional_text(data, "title"), description=_optional_text(data, "description"),
        starts_at=parse_moment(data["starts_at"], "starts_at") if "starts_at" in data else None,
        duration_minutes=parse_int(data["duration_minutes"], "duration_minutes")
        if "duration_minutes" in data else None,
        remote=remote, municipality_code=municipality,
        address=_optional_text(data, "address"), audience=_optional_text(data, "audience"),
        accessibility=_optional_text(data, "accessibility"),
    )


@operation("/orders/<int:order_id>", "PATCH",
           summary="Change an order before it starts; invited and booked experts are told "
           "(booked ones with an updated calendar entry), experts whose other plans collide "
           "with a new time are released and the next candidates invited",
           roles=(ORGANISATION_MEMBER, COORDINATOR, ADMIN), request_schema=ORDER_CHANGE,
           response_schema=CHANGED_ORDER, responses=(200, 400, 404, 409, 422),
           tags=("orders",), description=ORDER_CHANGE_DESCRIPTION)
def change_order(order_id: int):
    user = current_api_user()
    change = order_change_from_json(json_body())
    result = changes.change_order(user, order_id, change)
    answer = {**order_json(result.order, for_staff=user.role != ORGANISATION_MEMBER),
              "changed": result.changed,
              "released": [{"assignment_id": a.id, "expert_id": a.expert_id}
                           for a in result.released],
              "invited": result.invited}
    db.session.commit()
    return jsonify(answer)
