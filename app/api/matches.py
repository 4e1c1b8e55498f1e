"""Matching in the API: the ranked candidates of an order, for coordinators."""

from __future__ import annotations

from flask import jsonify

from app.accounts.models import ADMIN, COORDINATOR
from app.api.core import current_api_user, list_answer, operation
from app.bookings.queries import order_for_reader
from app.matching.rules import Match
from app.matching.services import match_order
from app.matching.texts import describe_all

MATCH_SCHEMA = {
    "type": "object",
    "properties": {
        "expert_id": {"type": "integer"},
        "display_name": {"type": "string"},
        "rank": {"type": "integer"},
        "score": {"type": "string", "description": "Points with one decimal; higher first."},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "warnings": {"type": "array", "items": {"type": "string"}},
        "distance_km": {"type": "string", "nullable": True,
                        "description": "One-way road distance; null for remote work."},
    },
}
MATCHES_RESPONSE = {
    "type": "object",
    "properties": {
        "items": {"type": "array", "items": MATCH_SCHEMA},
        "next": {"type": "string", "nullable": True},
    },
}


def match_json(match: Match) -> dict:
    return {
        "expert_id": match.expert_id,
        "display_name": match.display_name,
        "rank": match.rank,
        "score": f"{match.score:f}",
        "reasons": describe_all(match.reasons),
        "warnings": describe_all(match.warnings),
        "distance_km": None if match.distance_km is None else f"{match.distance_km:f}",
    }


@operation(
    "/orders/<int:order_id>/matches",
    summary="Ranked candidates for an order, with reasons and warnings",
    roles=(COORDINATOR, ADMIN),
    response_schema=MATCHES_RESPONSE,
    responses=(200, 404),
    tags=("matching",),
)
def order_matches(order_id: int):
    order = order_for_reader(current_api_user(), order_id)
    return jsonify(list_answer([match_json(match) for match in match_order(order)]))
