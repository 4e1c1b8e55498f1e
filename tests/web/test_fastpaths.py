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


def _renders(app):
    """A list that grows by one template name for each template the app renders."""
    from flask import template_rendered

    rendered: list[str] = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(record, app, weak=False)
    return rendered, lambda: template_rendered.disconnect(record, app)


def test_the_login_page_is_rendered_once_and_each_visitor_gets_their_own_token(
        app, csrf_app):
    from app.extensions import db
    from tests import factories
    from tests.web.helpers import csrf_token

    csrf_app.extensions.pop("kp_anonymous_pages", None)
    rendered, stop = _renders(csrf_app)
    try:
        first, second = csrf_app.test_client(), csrf_app.test_client()
        first_page, second_page = first.get("/login"), second.get("/login")
    finally:
        stop()
    assert rendered.count("accounts/login.html") == 1  # the second visitor got the stored page
    first_token, second_token = csrf_token(first_page), csrf_token(second_page)
    assert first_token != second_token
    assert fastpaths.TOKEN_MARK not in page(second_page)
    assert (page(first_page).replace(first_token, "T")
            == page(second_page).replace(second_token, "T"))
    with app.app_context():
        email = factories.user().email
        db.session.commit()
    # Each visitor's token is valid for their own session only.
    stolen = second.post("/login", data={"csrf_token": first_token, "email": email,
                                         "password": "wrong password"})
    assert stolen.status_code == 400
    own = second.post("/login", data={"csrf_token": second_token, "email": email,
                                      "password": "wrong password"})
    assert own.status_code == 200 and 'name="email"' in page(own)


def test_the_stored_login_page_follows_the_language(csrf_app):
    csrf_app.extensions.pop("kp_anonymous_pages", None)
    finnish, swedish = csrf_app.test_client(), csrf_app.test_client()
    assert 'lang="fi"' in page(finnish.get("/login"))
    swedish.get("/language/sv")
    html = page(swedish.get("/login"))
    assert 'lang="sv"' in html and "Logga in" in html
    assert 'lang="fi"' in page(csrf_app.test_client().get("/login"))


def test_a_flashed_message_or_a_query_string_renders_the_login_page_anew(csrf_app):
    csrf_app.extensions.pop("kp_anonymous_pages", None)
    client = csrf_app.test_client()
    client.get("/login")  # stored
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "A message only for this visitor")]
    rendered, stop = _renders(csrf_app)
    try:
        assert "A message only for this visitor" in page(client.get("/login"))
        assert "A message only for this visitor" not in page(client.get("/login"))  # shown once
        next_page = page(client.get("/login?next=/expert/"))
    finally:
        stop()
    assert rendered.count("accounts/login.html") == 2  # the flash and the query string
    assert "next=/login%3Fnext%3D/expert/" in next_page or "/expert/" in next_page
