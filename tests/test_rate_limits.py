"""Rate limits: every limited route refuses the request after its limit, per client address.

The limits are found in the app itself (Flask-Limiter's registry), so a new limited route
without a case here fails `test_every_limited_route_has_a_case`, and a limit that is
declared but not on the routed function (the old token-endpoint bug) fails
`test_every_declared_limit_is_on_a_routed_function`.
"""

from __future__ import annotations

import pytest
from flask_limiter.util import get_qualified_name

from app import create_app
from app.extensions import limiter
from config import TestConfig
from tests.web.helpers import api_error

WRAPPER_MARK = "__wrapper-limiter-instance"


def _token(client, address, headers=None):
    # No password: answered 422 without touching an account, but it still counts.
    return client.post("/api/v1/auth/token", json={"email": "nobody@example.test"},
                       environ_base={"REMOTE_ADDR": address}, headers=headers or {})


def _login(client, address):
    return client.post("/login", data={}, environ_base={"REMOTE_ADDR": address})


def _forgot(client, address):
    return client.post("/password/forgot", data={}, environ_base={"REMOTE_ADDR": address})


def _poster(path: str, data: dict | None = None):
    def send(client, address):
        return client.post(path, data=data or {}, environ_base={"REMOTE_ADDR": address})

    return send


def _feedback(client, address):
    return client.post("/feedback/", data={"topic": "nonsense"},
                       environ_base={"REMOTE_ADDR": address})


#: endpoint → (limit per minute, one request from an address, the same route's GET path)
CASES = {
    "api.create_token_post": (30, _token, None),
    "accounts.login": (30, _login, "/login"),
    "accounts.forgot_password": (10, _forgot, "/password/forgot"),
    "channel.form": (10, _feedback, "/feedback/"),
    "accounts.two_factor": (30, _poster("/login/two-factor", {"totp": "123456"}), None),
    "accounts.two_factor_setup": (30, _poster("/login/two-factor/setup", {"code": "1"}), None),
    "accounts.request_sign_in_link": (10, _poster("/login/link"), "/login/link"),
    "accounts.sign_in_link": (30, _poster("/login/link/not-a-token"), None),
    "accounts.change_email": (10, _poster("/account/email"), None),
    "organisations.colleague_invitation": (30, _poster("/organisation/join/not-a-token"), None),
}


def limited_endpoints(app) -> dict[str, list]:
    """Every routed endpoint with a decorated limit, and its limits."""
    found = {}
    for endpoint, view in app.view_functions.items():
        limits = limiter.limit_manager.decorated_limits(get_qualified_name(view))
        if limits:
            found[endpoint] = limits
    return found


def test_every_declared_limit_is_on_a_routed_function(app):
    routed = {get_qualified_name(view): view for view in app.view_functions.values()}
    for name in limiter._marked_for_limiting:
        assert name in routed, f"{name} is limited but not routed"
        assert getattr(routed[name], WRAPPER_MARK, None) == limiter, (
            f"{name}: the limit wraps a function that Flask does not call"
        )


def test_every_limited_route_has_a_case(app):
    found = limited_endpoints(app)
    assert set(found) == set(CASES)
    for endpoint, limits in found.items():
        assert [lim.limit.amount for lim in limits] == [CASES[endpoint][0]], endpoint
        assert all(lim.limit.get_expiry() == 60 for lim in limits), endpoint


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_the_request_after_the_limit_is_refused(app, client, endpoint):
    allowed, send, page_path = CASES[endpoint]
    for number in range(allowed):
        response = send(client, "192.0.2.10")
        assert response.status_code != 429, f"request {number + 1} of {allowed}"
    refused = send(client, "192.0.2.10")
    assert refused.status_code == 429
    if endpoint.startswith("api."):
        assert api_error(refused, 429)["code"] == "too_many_requests"
    # Another address is not affected, and reading the page is never limited.
    assert send(client, "192.0.2.11").status_code != 429
    if page_path:
        assert client.get(page_path, environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 200


def test_the_token_limit_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert "429" in document["paths"]["/api/v1/auth/token"]["post"]["responses"]


@pytest.fixture
def proxied_client(app):
    """A client of an app that trusts one reverse proxy (PROXY_COUNT=1)."""
    proxied = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         PROXY_COUNT=1)
    return proxied.test_client()


def test_behind_a_proxy_the_limit_counts_the_forwarded_client(proxied_client):
    proxy = "127.0.0.1"
    for _ in range(30):
        # A client may put anything in front; only the hop the proxy added is trusted.
        forwarded = {"X-Forwarded-For": "10.9.9.9, 203.0.113.5"}
        assert _token(proxied_client, proxy, forwarded).status_code == 422
    refused = _token(proxied_client, proxy, {"X-Forwarded-For": "10.1.1.1, 203.0.113.5"})
    assert refused.status_code == 429
    # Another client behind the same proxy is not limited.
    assert _token(proxied_client, proxy, {"X-Forwarded-For": "203.0.113.6"}).status_code == 422


def test_without_proxy_count_forwarded_headers_are_ignored(client):
    for number in range(30):
        spoofed = {"X-Forwarded-For": f"203.0.113.{number}"}
        assert _token(client, "192.0.2.20", spoofed).status_code == 422
    assert _token(client, "192.0.2.20", {"X-Forwarded-For": "203.0.113.99"}).status_code == 429


def test_behind_a_proxy_address_scheme_and_host_come_from_the_proxy(app):
    proxied = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         PROXY_COUNT=1)

    @proxied.route("/_test/request-origin")
    def request_origin():
        from flask import request

        return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    headers = {"X-Forwarded-For": "10.9.9.9, 203.0.113.5", "X-Forwarded-Proto": "https",
               "X-Forwarded-Host": "kokemuspankki.example.fi"}
    seen = proxied.test_client().get("/_test/request-origin", headers=headers,
                                     environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_json()
    assert seen == {"addr": "203.0.113.5", "scheme": "https", "host": "kokemuspankki.example.fi"}
    plain = app.test_client()
    assert plain.get("/login", headers=headers).request.remote_addr == "127.0.0.1"
