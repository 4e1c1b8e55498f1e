"""The audit log for administrators: filtered, newest first, paged per API.md "Lists"."""

from __future__ import annotations

from flask import jsonify, request

from app.accounts.models import ADMIN
from app.api.core import list_answer, operation
from app.audit import queries
from app.common.paging import parse_limit

ENTRY = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "actor_id": {"type": "integer", "nullable": True},
        "actor_email": {"type": "string", "nullable": True},
        "action": {"type": "string"},
        "object_type": {"type": "string"},
        "object_id": {"type": "string"},
        "details": {"type": "object"},
    },
}
AUDIT_LIST = {
    "type": "object",
    "properties": {
        "items": {"type": "array", "items": ENTRY},
        "next": {"type": "string", "nullable": True},
    },
}


@operation(
    "/audit",
    summary="Audit log entries, newest first; filters actor_id, action, object_type, "
            "object_id, from, to (YYYY-MM-DD, Helsinki days), limit, cursor",
    roles=(ADMIN,),
    response_schema=AUDIT_LIST,
    responses=(200, 422),
    tags=("audit",),
)
def list_audit_entries():
    filters = queries.AuditFilters.parse(request.args)
    page = queries.audit_page(filters, cursor=request.args.get("cursor"),
                              limit=parse_limit(request.args.get("limit")))
    actors = queries.actors_of(page.items)
    items = [queries.entry_as_dict(entry, actors.get(entry.actor_id)) for entry in page.items]
    return jsonify(list_answer(items, page.next_cursor))
