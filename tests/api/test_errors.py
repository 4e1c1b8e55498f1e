"""Every API error has the documented shape {"error": {"code", "message", "field"}}."""

from __future__ import annotations

import pytest

from tests import factories
from tests.web.helpers import api_error, bearer, logged_in

#: (id, method, path, token of, keyword arguments, status, code, field). "{name}" in the
#: path and in JSON strings is filled in from the cast (e.g. "{order_a}"); codes are
#: checked where the API defines them.
CASES = [
    ("no-token", "GET", "/api/v1/me", None, {}, 401, "unauthorized", None),
    ("unknown-token", "GET", "/api/v1/me", "bogus", {}, 401, "invalid_token", None),
    ("basic-auth", "GET", "/api/v1/me", "basic", {}, 401, None, None),
    ("empty-bearer", "GET", "/api/v1/me", "empty", {}, 401, None, None),
    ("expert-reads-order", "GET", "/api/v1/orders/{order_a}", "expert", {}, 403, None, None),
    ("unknown-order", "GET", "/api/v1/orders/999999", "coordinator", {}, 404, None, None),
    ("unknown-path", "GET", "/api/v1/nothing", None, {}, 404, "not_found", None),
    ("unknown-path-authed", "GET", "/api/v1/nothing", "coordinator", {}, 404, "not_found", None),
    (
        "empty-email",
        "POST",
        "/api/v1/auth/token",
        None,
        {"json": {"email": ""}},
        422,
        None,
        "email",
    ),
    (
        "email-not-a-string",
        "POST",
        "/api/v1/auth/token",
        None,
        {"json": {"email": 12, "password": "x"}},
        422,
        None,
        "email",
    ),
    (
        "no-password",
        "POST",
        "/api/v1/auth/token",
        None,
        {"json": {"email": "someone@example.fi"}},
        422,
        None,
        "password",
    ),
    (
        "malformed-json",
        "POST",
        "/api/v1/auth/token",
        None,
        {"data": '{"email": ', "content_type": "application/json"},
        400,
        None,
        None,
    ),
    (
        "json-not-an-object",
        "POST",
        "/api/v1/auth/token",
        None,
        {"json": ["someone@example.fi", "password"]},
        400,
        None,
        None,
    ),
    (
        "form-instead-of-json",
        "POST",
        "/api/v1/auth/token",
        None,
        {"data": {"email": "someone@example.fi", "password": "x"}},
        400,
        None,
        None,
    ),
    ("wrong-method", "GET", "/api/v1/auth/token", None, {}, 405, None, None),
    (
        "wrong-password",
        "POST",
        "/api/v1/auth/token",
        None,
        {"json": {"email": "{expert}", "password": "not-the-password"}},
        401,
        None,
        None,
    ),
]


def _token(kind, client, cast, token_of) -> dict[str, str]:
    if kind is None:
        return {}
    if kind == "bogus":
        return bearer("not-a-real-token")
    if kind == "basic":
        return {"Authorization": "Basic dXNlcjpwYXNz"}
    if kind == "empty":
        return {"Authorization": "Bearer "}
    return bearer(token_of(kind))


@pytest.mark.parametrize(
    ("method", "path", "token", "kwargs", "status", "code", "field"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_error_format(client, cast, token_of, method, path, token, kwargs, status, code, field):
    path = path.format(**vars(cast))
    if isinstance(kwargs.get("json"), dict):
        filled = {
            k: v.format(**vars(cast)) if isinstance(v, str) else v
            for k, v in kwargs["json"].items()
        }
        kwargs = {**kwargs, "json": filled}
    response = client.open(
        path, method=method, headers=_token(token, client, cast, token_of), **kwargs
    )
    error = api_error(response, status)
    if code is not None:
        assert error["code"] == code
    assert error["field"] == field


def test_session_cookie_is_not_accepted(app, client, cast):
    logged_in(client, cast.a_member)
    assert client.get("/organisation/").status_code == 200  # the cookie works on pages
    api_error(client.get("/api/v1/me"), 401)
    api_error(client.get(f"/api/v1/orders/{cast.order_a}"), 401)


def test_too_many_attempts_has_the_error_format(client, cast):
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"email": cast.expert, "password": "wrong-password"})
    response = client.post(
        "/api/v1/auth/token", json={"email": cast.expert, "password": factories.DEFAULT_PASSWORD}
    )
    assert api_error(response, 429)["code"] == "too_many_attempts"
