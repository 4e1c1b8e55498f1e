"""GET /api/v1/openapi.json describes exactly the API's routes."""

from __future__ import annotations

import re

import pytest

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def spec_of(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def openapi_path(rule: str) -> str:
    """``/api/v1/orders/<int:order_id>`` → ``/api/v1/orders/{order_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def routed_operations(app) -> set[tuple[str, str]]:
    operations = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.endpoint.endswith("static"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operations.add((openapi_path(rule.rule), method.lower()))
    return operations


def documented_operations(spec: dict) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ("/api/v1/orders/<int:order_id>", "/api/v1/orders/{order_id}"),
        ("/api/v1/a/<x>/b/<path:rest>", "/api/v1/a/{x}/b/{rest}"),
        ("/api/v1/me", "/api/v1/me"),
    ],
)
def test_rule_conversion(rule, path):
    assert openapi_path(rule) == path


def test_looks_like_openapi_3(app, client):
    spec = spec_of(client)
    assert spec["openapi"] == "3.0.3"
    assert spec["info"]["title"] and spec["info"]["version"]
    assert isinstance(spec["paths"], dict) and spec["paths"]
    for path, item in spec["paths"].items():
        assert path.startswith("/api/v1/"), path
        for method, operation in item.items():
            assert method in HTTP_METHODS, (path, method)
            assert operation["responses"], (path, method)
            assert all(re.fullmatch(r"[1-5]\d\d", status) for status in operation["responses"])
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{([^}]+)}", path)), (path, method)


def test_every_route_is_documented(app, client):
    routed = routed_operations(app)
    assert ("/api/v1/me", "get") in routed and ("/api/v1/auth/token", "post") in routed
    missing = routed - documented_operations(spec_of(client))
    assert not missing, f"routes missing from openapi.json: {sorted(missing)}"


def test_every_documented_operation_exists(app, client):
    extra = documented_operations(spec_of(client)) - routed_operations(app)
    assert not extra, f"openapi.json documents routes that do not exist: {sorted(extra)}"


def test_operations_that_need_a_token_say_so(app, client):
    spec = spec_of(client)
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    me = spec["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}]
    assert "401" in me["responses"]
    assert spec["paths"]["/api/v1/expertise-areas"]["get"]["security"] == []
