"""Orders in the API."""

from __future__ import annotations

from flask import jsonify

from app.accounts.models import ADMIN, COORDINATOR, ORGANISATION_MEMBER
from app.api.core import current_api_user, operation
from app.bookings.models import Order
from app.bookings.queries import booked_count, order_for_reader
from app.common.timeutil import to_helsinki

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


def order_json(order: Order) -> dict:
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
        "invitations": [
            {
                "id": i.id,
                "expert_id": i.expert_id,
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
    return jsonify(order_json(order_for_reader(current_api_user(), order_id)))
