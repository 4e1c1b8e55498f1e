"""Security headers on every answer, and the bounded integer converter of the URLs.

Every response gets a Content-Security-Policy without ``'unsafe-inline'`` (the pages
have no inline scripts, styles or event handlers: CSS and JS are static files),
``frame-ancestors 'none'``, ``X-Content-Type-Options``, ``Referrer-Policy`` and
``Permissions-Policy``; production adds HSTS. An answer to a signed-in user (session or
bearer token) carries personal or money data, so it is ``Cache-Control: no-store``;
this is decided per request, not per page, so new pages are covered without a list.
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.routing import IntegerConverter

#: Everything from this site only; nothing inline; no frames, plugins or foreign forms.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000; includeSubDomains"

#: The largest id the database's INTEGER columns hold (PostgreSQL: 32-bit signed).
MAX_DATABASE_INTEGER = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` that only matches 0 … 2³¹−1, so a larger id is 404, not a database error."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_DATABASE_INTEGER if max is None else max, signed=signed)


def signed_in() -> bool:
    """Whether the answer may hold one user's data: a signed-in session or an API token."""
    if request.headers.get("Authorization"):
        return True
    from flask_login import current_user

    return bool(getattr(current_user, "is_authenticated", False))


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    from flask import current_app

    if current_app.config.get("ENV_NAME") == "production":
        headers.setdefault("Strict-Transport-Security", HSTS)
    if not request.path.startswith("/static/") and signed_in():
        headers["Cache-Control"] = "no-store"
        headers.setdefault("Pragma", "no-cache")
    return response


def install_converters(app: Flask) -> None:
    """Before any route is added: ``int`` in URL rules is the bounded converter."""
    app.url_map.converters["int"] = BoundedIntegerConverter


def init_app(app: Flask) -> None:
    from app.web.forms import install_control_character_check

    install_control_character_check()
    app.after_request(add_security_headers)
