"""Security headers on every answer (issue 11, point 7).

Every page, API answer, error page and static file carries a Content-Security-Policy
without ``'unsafe-inline'`` and with ``frame-ancestors 'none'``, ``nosniff``, a
Referrer-Policy and a Permissions-Policy; production adds HSTS; whatever a signed-in
user (or an API token) gets is ``Cache-Control: no-store``. The browser table
(tests/browser/test_pages.py) checks the same on every page with real ids; here every
GET rule without arguments is fetched by an anonymous visitor and by signed-in users.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.extensions import db
from tests import factories
from tests.web.helpers import bearer, logged_in

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
#: Templates that are never served as pages (so no CSP applies), with the reason.
NOT_SERVED = {
    "privacy/summary.html": "the summary file inside the data export ZIP, opened from disk",
}


def assert_security_headers(response, *, personal: bool) -> None:
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy
    assert directives.get("frame-ancestors") == ["'none'"], policy
    assert directives.get("default-src") == ["'self'"], policy
    assert directives.get("script-src") == ["'self'"], policy
    assert directives.get("style-src") == ["'self'"], policy
    assert directives.get("object-src") == ["'none'"], policy
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") in ("same-origin", "strict-origin-when-cross-origin",
                                              "no-referrer")
    assert "camera=()" in headers.get("Permissions-Policy", "")
    if personal:
        assert "no-store" in headers.get("Cache-Control", ""), (
            response.request.path, headers.get("Cache-Control"))


def argument_free_get_rules(app) -> list[str]:
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments
                   and not rule.rule.startswith("/static/")})


def test_every_argument_free_page_has_the_headers_for_visitors(app, client):
    paths = argument_free_get_rules(app)
    assert "/login" in paths and "/api/v1/openapi.json" in paths
    for path in paths:
        assert_security_headers(client.get(path), personal=False)


@pytest.mark.parametrize("role", ["organisation_member", "expert", "coordinator", "finance",
                                  "admin"])
def test_every_argument_free_page_of_a_signed_in_user_is_no_store(app, client, role):
    with app.app_context():
        if role == "organisation_member":
            email = factories.organisation_admin().email
        elif role == "expert":
            email = factories.expert().user.email
        else:
            email = factories.user(role).email
        db.session.commit()
    logged_in(client, email)
    for path in argument_free_get_rules(app):
        if path == "/logout":
            continue
        response = client.get(path)
        assert response.status_code < 500, path
        assert_security_headers(response, personal=True)


def test_an_error_page_and_a_missing_page_have_the_headers(client):
    assert_security_headers(client.get("/no-such-page"), personal=False)
    assert_security_headers(client.get("/organisation/orders/99999999999999999999"),
                            personal=False)


def test_api_answers_with_a_token_are_no_store(client, app, api_token):
    with app.app_context():
        email = factories.user("coordinator").email
        db.session.commit()
    token = api_token(client, email)
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert_security_headers(response, personal=True)
    assert_security_headers(client.get("/api/v1/me", headers=bearer("forged")), personal=True)


def test_static_files_have_the_headers(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert_security_headers(response, personal=False)


def test_hsts_only_in_production(app, client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    hsts = client.get("/login").headers.get("Strict-Transport-Security", "")
    assert re.fullmatch(r"max-age=(\d+); includeSubDomains", hsts), hsts
    assert int(hsts.split("=")[1].split(";")[0]) >= 15552000  # at least half a year


def test_a_signed_out_visitor_may_cache_the_public_pages(client):
    assert "no-store" not in client.get("/accessibility").headers.get("Cache-Control", "")


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)


def test_no_template_has_inline_scripts_styles_or_event_handlers():
    """The CSP without 'unsafe-inline' would block them (and break the page) in browsers."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name in NOT_SERVED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if INLINE.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert not found, "inline script/style/handler in templates:\n" + "\n".join(found)
