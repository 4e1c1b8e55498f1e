"""Helpers for tests that drive pages and the API through Flask's test client."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.factories import DEFAULT_PASSWORD

_CSRF_INPUT = re.compile(r"<input\b[^>]*\bname=\"csrf_token\"[^>]*>")
_VALUE = re.compile(r"\bvalue=\"([^\"]+)\"")
_SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def page(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def csrf_token(response: TestResponse) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF_INPUT.search(page(response))
    assert match, "no csrf_token field on the page"
    value = _VALUE.search(match.group(0))
    assert value, "the csrf_token field has no value"
    return value.group(1)


def use_english(client: FlaskClient) -> None:
    """Show this client's pages in English, so that messages can be matched as text."""
    response = client.get("/language/en")
    assert response.status_code == 302


def login(
    client: FlaskClient, email: str, password: str = DEFAULT_PASSWORD, **kwargs
) -> TestResponse:
    """Sign in through the login form (CSRF off, as in the ``app`` fixture); staff also send
    a fresh two-factor code."""
    from tests.support.two_factor import sign_in_post

    return sign_in_post(client, "/login", email, {"email": email, "password": password},
                        **kwargs)


def logged_in(client: FlaskClient, email: str, password: str = DEFAULT_PASSWORD) -> FlaskClient:
    response = login(client, email, password)
    assert response.status_code == 302, page(response)
    return client


def redirect_path(response: TestResponse) -> str:
    assert response.status_code in (301, 302, 303), response.status_code
    return urlsplit(response.headers["Location"]).path


def redirect_query(response: TestResponse) -> dict[str, list[str]]:
    return parse_qs(urlsplit(response.headers["Location"]).query)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def api_error(response: TestResponse, status: int) -> dict:
    """Check that ``response`` has exactly the API error format and ``status``; return the error."""
    assert response.status_code == status, (response.status_code, page(response))
    assert response.mimetype == "application/json", response.mimetype
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error, dict) and set(error) == {"code", "message", "field"}, error
    assert isinstance(error["code"], str) and _SNAKE_CASE.match(error["code"]), error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    assert error["field"] is None or (isinstance(error["field"], str) and error["field"]), error
    return error


def field_error(response: TestResponse, field_id: str) -> str | None:
    """The error shown next to the form field ``field_id``, or None when there is none."""
    match = re.search(
        rf"<span class=\"field-error\" id=\"{re.escape(field_id)}-error\">(.*?)</span>",
        page(response),
        re.S,
    )
    return html.unescape(match.group(1)).strip() if match else None


def field_value(response: TestResponse, field_id: str) -> str | None:
    """The ``value`` of the input ``field_id`` as re-rendered on the page (None if it has none)."""
    match = re.search(rf"<input\b[^>]*\bid=\"{re.escape(field_id)}\"[^>]*>", page(response))
    assert match, f"no input {field_id!r} on the page"
    value = re.search(r"\bvalue=\"([^\"]*)\"", match.group(0))
    return html.unescape(value.group(1)) if value else None


def selected_option(response: TestResponse, field_id: str) -> str | None:
    match = re.search(
        rf"<select\b[^>]*\bid=\"{re.escape(field_id)}\"[^>]*>(.*?)</select>", page(response), re.S
    )
    assert match, f"no select {field_id!r} on the page"
    for option in re.findall(r"<option\b[^>]*>", match.group(1)):
        if re.search(r"\bselected\b", option):
            value = re.search(r"\bvalue=\"([^\"]*)\"", option)
            return html.unescape(value.group(1)) if value else None
    return None
