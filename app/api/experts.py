"""The expert directory in the API, with the same privacy rules as the organisations' page.

Organisations see display names, bios, home regions and only the expertise
areas each expert chose to show; ``full_name``, ``email`` and ``phone`` are
present only for experts booked for the reader's own organisation (and for the
bank's staff). See `app.experts.queries.expert_directory`.
"""

from __future__ import annotations

from flask import jsonify, request

from app.accounts.models import ADMIN, COORDINATOR, ORGANISATION_MEMBER
from app.api.core import ApiError, current_api_user, list_answer, operation
from app.experts.queries import DirectoryEntry, DirectoryFilters, expert_directory

MAX_LIMIT = 100
DEFAULT_LIMIT = 50

EXPERT_SCHEMA = {
    "type": "object",
    "required": ["expert_id", "display_name", "bio", "region", "expertise_areas"],
    "properties": {
        "expert_id": {"type": "integer"},
        "display_name": {"type": "string"},
        "bio": {"type": "string"},
        "region": {"type": "string", "nullable": True,
                   "description": "The home region's Finnish name."},
        "expertise_areas": {
            "type": "array", "items": {"type": "string"},
            "description": "Slugs; for organisations only the areas the expert chose to show.",
        },
        "full_name": {"type": "string",
                      "description": "Only for experts booked by the reader's organisation."},
        "email": {"type": "string",
                  "description": "Only for experts booked by the reader's organisation."},
        "phone": {"type": "string", "nullable": True,
                  "description": "Only for experts booked by the reader's organisation."},
    },
}
EXPERT_LIST = {
    "type": "object",
    "properties": {
        "items": {"type": "array", "items": EXPERT_SCHEMA},
        "next": {"type": "string", "nullable": True},
    },
}


def expert_json(entry: DirectoryEntry) -> dict:
    answer = {
        "expert_id": entry.expert_id,
        "display_name": entry.display_name,
        "bio": entry.bio,
        "region": entry.region_fi,
        "expertise_areas": [area.slug for area in entry.areas],
    }
    if entry.shows_contact:
        answer.update(full_name=entry.full_name, email=entry.email, phone=entry.phone)
    return answer


def _whole_number(name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < minimum or (maximum is not None and int(raw) > maximum):
        raise ApiError(422, "invalid_value", "Give a whole number in the allowed range.", name)
    return int(raw)


@operation(
    "/experts",
    summary="Verified experts: query parameters q (search words), area (slug), language, "
    "region, limit (1–100), cursor. An organisation that the bank has not approved yet "
    "gets 403 with the code organisation_not_approved",
    roles=(ORGANISATION_MEMBER, COORDINATOR, ADMIN),
    response_schema=EXPERT_LIST,
    responses=(200, 403, 422),
    tags=("experts",),
)
def list_experts():
    limit = _whole_number("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _whole_number("cursor", 0, 0)
    filters = DirectoryFilters(
        text=request.args.get("q", ""),
        area=request.args.get("area") or None,
        language=request.args.get("language") or None,
        region=request.args.get("region") or None,
    )
    page = expert_directory(current_api_user(), filters, offset=offset, limit=limit)
    next_cursor = str(page.next_offset) if page.next_offset is not None else None
    return jsonify(list_answer([expert_json(entry) for entry in page.entries], next_cursor))
