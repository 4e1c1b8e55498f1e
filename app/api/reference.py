"""Reference data for API clients."""

from __future__ import annotations

from flask import jsonify

from app.api.core import list_answer, operation
from app.reference.queries import expertise_areas

AREA_LIST = {
    "type": "object",
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "slug": {"type": "string"},
                    "name": {
                        "type": "object",
                        "properties": {
                            "fi": {"type": "string"},
                            "sv": {"type": "string"},
                            "en": {"type": "string"},
                        },
                    },
                },
            },
        },
        "next": {"type": "string", "nullable": True},
    },
}


@operation(
    "/expertise-areas",
    summary="The expertise areas, named in fi/sv/en",
    auth=False,
    response_schema=AREA_LIST,
    responses=(200,),
    tags=("reference",),
)
def list_expertise_areas():
    items = [
        {"slug": area.slug, "name": {"fi": area.name_fi, "sv": area.name_sv, "en": area.name_en}}
        for area in expertise_areas()
    ]
    return jsonify(list_answer(items))
