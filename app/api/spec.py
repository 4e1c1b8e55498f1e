"""The OpenAPI 3 document, generated from the registered operations."""

from __future__ import annotations

import re

from flask import jsonify

from app.api.core import OPERATIONS, operation

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string", "nullable": True},
            },
        }
    },
}
STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "No content",
    400: "Malformed request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    409: "State conflict",
    422: "Invalid values",
    429: "Too many requests",
}


def openapi_path(rule: str) -> str:
    """``/orders/<int:order_id>`` → ``/orders/{order_id}``."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def build_spec() -> dict:
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        path = "/api/v1" + openapi_path(op.rule)
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}
            for name in re.findall(r"{([^}]+)}", path)
        ]
        responses = {}
        for status in op.responses:
            entry = {"description": STATUS_TEXT.get(status, str(status))}
            schema = op.response_schema if status < 300 else ERROR_SCHEMA
            if schema and status != 204:
                binary = status < 300 and schema.get("format") == "binary"
                entry["content"] = {"application/zip" if binary else "application/json":
                                    {"schema": schema}}
            responses[str(status)] = entry
        body = {
            "summary": op.summary,
            "operationId": f"{op.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', path.lower())}".strip(
                "_"
            ),
            "tags": list(op.tags),
            "responses": responses,
        }
        if parameters:
            body["parameters"] = parameters
        if op.request_schema:
            body["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": op.request_schema}},
            }
        texts = [op.description] if op.description else []
        if op.auth:
            body["security"] = [{"bearerAuth": []}]
            if op.roles:
                texts.append("Roles: " + ", ".join(op.roles))
        else:
            body["security"] = []
        if texts:
            body["description"] = "\n\n".join(texts)
        paths.setdefault(path, {})[op.method.lower()] = body
    return {
        "openapi": "3.0.3",
        "info": {"title": "Kokemuspankki API", "version": "1"},
        "paths": paths,
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }


@operation(
    "/openapi.json",
    summary="This OpenAPI document",
    auth=False,
    responses=(200,),
    response_schema={"type": "object"},
    tags=("meta",),
)
def openapi_document():
    return jsonify(build_spec())
