"""Markup that tools beside axe check (issue 14): the accessibility statement's required
content in every language, status badges that differ by meaning, one id per element on
pages with several forms, and the right autocomplete token for a one-line street field."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.web import labels
from app.web.status import status_tone
from tests import factories
from tests.web.helpers import page

#: What the Act on the Provision of Digital Services asks of the statement, per language.
STATEMENT = {
    "fi": ["Saavutettavuusseloste", "osittain", "Ei-saavutettava sisältö", "14 päivän",
           "Etelä-Suomen aluehallintovirasto", "laadittu 1.12.2026"],
    "sv": ["Tillgänglighetsutlåtande", "delvis", "Innehåll som inte är tillgängligt",
           "14 dagar", "Regionförvaltningsverket i Södra Finland"],
    "en": ["Accessibility statement", "partly meets", "Content that is not accessible",
           "within 14 days", "Regional State Administrative Agency for Southern Finland",
           "prepared on", "last reviewed on"],
}


@pytest.mark.parametrize("language", sorted(STATEMENT))
def test_the_accessibility_statement_has_what_the_law_asks(app, client, language):
    client.get(f"/language/{language}")
    text = page(client.get("/accessibility"))
    for phrase in STATEMENT[language]:
        assert phrase in text, f"{language}: {phrase!r} missing"
    # The supervisory authority: its contact details with a link, and our feedback channel.
    assert 'href="https://www.saavutettavuusvaatimukset.fi/"' in text
    assert 'href="mailto:saavutettavuus@avi.fi"' in text
    feedback = app.config["ACCESSIBILITY_FEEDBACK_EMAIL"]
    assert f'href="mailto:{feedback}"' in text
    assert 'lang="' + language + '"' in text


@pytest.mark.parametrize("path", ["/", "/login", "/prices", "/no-such-page"])
def test_every_page_links_the_statement_in_its_footer(client, path):
    footer = page(client.get(path)).split('<footer class="site-footer">')[1]
    assert 'href="/accessibility"' in footer


def test_every_known_status_has_a_tone_and_the_tones_differ_by_meaning():
    tables = [labels.ORDER_STATUS, labels.INVITATION_STATUS, labels.ASSIGNMENT_STATUS,
              labels.PAYOUT_STATUS, labels.INVOICE_STATUS, labels.EXPERT_STATUS]
    for table in tables:
        for code in table:
            assert status_tone(code) in {"status-ok", "status-waiting", "status-problem",
                                         "status-neutral"}
    assert status_tone("paid") == "status-ok"
    assert status_tone("pending_approval") == "status-waiting"
    assert status_tone("cancelled") == "status-problem"
    assert status_tone("rejected") == "status-problem"
    assert status_tone("closed") == "status-neutral"
    assert status_tone("something-new") == "status-neutral"


def test_each_badge_tone_has_its_own_colour_and_icon():
    css = open("app/static/style.css", encoding="utf-8").read()
    icons = {}
    for tone in ("ok", "waiting", "problem", "neutral"):
        assert re.search(rf"\.status-{tone} \{{ background: [^;]+; border-color", css), tone
        icon = re.search(rf"\.status-{tone}::before \{{ content: \"(.)\" / \"\"", css)
        assert icon, f"status-{tone} has no decorative icon"
        icons[tone] = icon.group(1)
    assert len(set(icons.values())) == 4, icons


def test_order_badges_carry_their_tone(app, client):
    with app.app_context():
        admin = factories.organisation_admin()
        organisation = admin.membership.organisation
        factories.order(organisation, status="cancelled", created_by=admin, title="Peruttu")
        factories.order(organisation, status="filled", created_by=admin, title="Täynnä")
        db.session.commit()
        email = admin.email
    client.post("/login", data={"email": email, "password": factories.DEFAULT_PASSWORD})
    html = page(client.get("/organisation/"))
    badges = re.findall(r'<span class="status (status-[a-z]+)">', html)
    assert sorted(badges) == ["status-ok", "status-problem"]


def test_several_forms_on_a_page_repeat_no_csrf_id_and_keep_the_token_name(csrf_app):
    from flask import render_template_string
    from flask_wtf import FlaskForm

    template = (
        '{% from "macros/forms.html" import hidden_fields %}'
        '<form>{{ hidden_fields(first, "first") }}</form>'
        '<form>{{ hidden_fields(second, "second") }}</form>'
        '<form>{{ hidden_fields(prefixed, "unused") }}</form>')
    with csrf_app.test_request_context("/"):
        html = render_template_string(template, first=FlaskForm(), second=FlaskForm(),
                                      prefixed=FlaskForm(prefix="pause"))
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert ids == ["first-csrf_token", "second-csrf_token", "pause-csrf_token"]
    assert re.findall(r'\bname="([^"]+)"', html) == ["csrf_token", "csrf_token", "pause-csrf_token"]
    assert all(re.findall(r'\bvalue="([^"]+)"', html))


def test_the_one_line_street_field_asks_for_address_line1(app, client):
    with app.app_context():
        admin = factories.organisation_admin()
        db.session.commit()
        email = admin.email
    client.post("/login", data={"email": email, "password": factories.DEFAULT_PASSWORD})
    html = page(client.get("/organisation/orders/new"))
    field = re.search(r'<input[^>]*\bid="address"[^>]*>', html)
    assert field, "no address field"
    assert 'autocomplete="address-line1"' in field.group(0)
    assert "street-address" not in field.group(0)
