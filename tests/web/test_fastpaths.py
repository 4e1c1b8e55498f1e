"""The per-request work done once (app/web/fastpaths.py) gives the same pages."""

from __future__ import annotations

import pytest
from flask import render_template_string
from flask_babel import force_locale
from markupsafe import Markup
from wtforms.widgets import core as widgets

from app.web import fastpaths
from tests.web.helpers import page


@pytest.mark.parametrize("attributes", [
    {"name": "email", "id": "email", "type": "email", "value": 'a"b<c>&d'},
    {"checked": True, "readonly": False, "name": "x", "class_": "wide", "for_": "y"},
    {"data_user_name": "Åsa", "aria_describedby": "e-hint e-error", "required": False},
    {"value": Markup("<b>kept</b>"), "title": 3},
    {},
])
def test_html_params_gives_what_wtforms_gives(app, attributes):
    assert fastpaths.WTFORMS_HTML_PARAMS is not fastpaths.html_params
    given = fastpaths.html_params(**attributes)
    assert given == fastpaths.WTFORMS_HTML_PARAMS(**attributes)
    assert isinstance(given, Markup)
    assert widgets.html_params is fastpaths.html_params
    assert widgets.Input.html_params is fastpaths.html_params


def test_login_page_fields_are_rendered_as_before(client):
    html = page(client.get("/login"))
    assert 'autocomplete="email"' in html and 'id="email"' in html and 'name="email"' in html
    assert 'type="password"' in html and 'autocomplete="current-password"' in html


def test_templates_follow_force_locale(app):
    """A mail rendered in another language inside a request gets that language."""
    with app.test_request_context("/"):
        template = "{{ _('Sign in') }}"
        assert render_template_string(template) == "Kirjaudu sisään"
        with force_locale("sv"):
            assert render_template_string(template) == "Logga in"
        with force_locale("en"):
            assert render_template_string(template) == "Sign in"
        assert render_template_string(template) == "Kirjaudu sisään"


def test_fixed_urls_follow_the_application_root(app):
    with app.test_request_context("/", base_url="http://example.test/bank/"):
        assert fastpaths.fixed_url("fees.prices") == "/bank/prices"
    with app.test_request_context("/"):
        assert fastpaths.fixed_url("fees.prices") == "/prices"


def test_session_signer_is_made_once_and_follows_the_key(app):
    interface = fastpaths.CachedSignerSessionInterface()
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    old_key = app.secret_key
    try:
        app.secret_key = "another-key-" + "y" * 40
        assert interface.get_signing_serializer(app) is not first
    finally:
        app.secret_key = old_key


def test_a_session_survives_the_cached_signer(client):
    client.get("/language/sv")
    assert 'lang="sv"' in page(client.get("/login"))
