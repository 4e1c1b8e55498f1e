"""The fee quote: the fee engine for anyone, without signing in."""

from __future__ import annotations

from datetime import date

from flask import jsonify
from flask_babel import gettext

from app.api.core import ApiError, bp, json_body, money, operation
from app.fees.errors import FeeError
from app.fees.rules import TravelClaim, describe_line
from app.fees.services import quote_with_schedule
from app.web.errors import api_error_body

TRAVEL_SCHEMA = {
    "type": "object",
    "properties": {
        name: {"oneOf": [{"type": "string"}, {"type": "number"}]}
        for name in ("km_driven", "passengers", "public_transport_eur", "parking_eur",
                     "trip_hours", "one_way_km", "free_meals")
    },
}
QUOTE_REQUEST = {
    "type": "object",
    "required": ["assignment_type", "duration_minutes", "date"],
    "properties": {
        "assignment_type": {"type": "string"},
        "duration_minutes": {"type": "integer"},
        "date": {"type": "string", "format": "date"},
        "remote": {"type": "boolean"},
        "travel": TRAVEL_SCHEMA,
    },
}
QUOTE_RESPONSE = {
    "type": "object",
    "properties": {
        "currency": {"type": "string"},
        "fee": {"type": "string"}, "travel": {"type": "string"},
        "per_diem": {"type": "string"}, "total": {"type": "string"},
        "units": {"type": "integer"}, "fee_schedule": {"type": "string"},
        "lines": {"type": "array", "items": {"type": "object", "properties": {
            "kind": {"type": "string"}, "description": {"type": "string"},
            "amount": {"type": "string"}}}},
    },
}


@bp.errorhandler(FeeError)
def fee_error(error: FeeError):
    return jsonify(api_error_body(422, error.message, error.code, error.field)), 422


def parse_duration(value) -> int:
    """Whole minutes from a JSON number or a string of digits."""
    if isinstance(value, bool) or value is None:
        raise ApiError(422, "invalid_duration", "Give the duration in whole minutes.",
                       "duration_minutes")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value <= 0 or value > 1440:
        raise ApiError(422, "invalid_duration",
                       "The duration must be whole minutes from 1 to 1440.", "duration_minutes")
    return value


def parse_date(value) -> date:
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ApiError(422, "invalid_date", "Give the date as YYYY-MM-DD.", "date")


def parse_bool(value, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ApiError(422, "invalid_value", "Give true or false.", field)
    return value


def parse_quote_request(data: dict) -> dict:
    """Validated arguments for `app.fees.services.quote` from the JSON body."""
    assignment_type = data.get("assignment_type")
    if not isinstance(assignment_type, str) or not assignment_type:
        raise ApiError(422, "unknown_assignment_type", "Give the assignment type.",
                       "assignment_type")
    day = parse_date(data.get("date"))
    travel = data.get("travel")
    return {
        "assignment_type": assignment_type,
        "duration_minutes": parse_duration(data.get("duration_minutes")),
        "day": day,
        "remote": parse_bool(data.get("remote"), "remote"),
        "travel": None if travel is None else TravelClaim.from_mapping(travel),
    }


def quote_json(priced, schedule_name: str) -> dict:
    return {
        "currency": "EUR",
        "fee": money(priced.fee),
        "travel": money(priced.travel),
        "per_diem": money(priced.per_diem),
        "total": money(priced.total),
        "units": priced.units,
        "fee_schedule": schedule_name,
        "lines": [
            {"kind": line.kind, "description": describe_line(line, gettext),
             "amount": money(line.amount)}
            for line in priced.lines
        ],
    }


@operation("/fees/quote", "POST", summary="Price one expert for one assignment (fee + travel)",
           auth=False, request_schema=QUOTE_REQUEST, response_schema=QUOTE_RESPONSE,
           responses=(200, 400, 422), tags=("fees",))
def fee_quote():
    args = parse_quote_request(json_body())
    priced, schedule = quote_with_schedule(
        args["assignment_type"], args["duration_minutes"], args["day"],
        remote=args["remote"], travel=args["travel"],
    )
    return jsonify(quote_json(priced, schedule.name))
