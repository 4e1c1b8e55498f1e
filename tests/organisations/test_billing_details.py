"""The organisation's billing details: e-invoice address (OVT) and operator, its own reference."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.errors import InvalidInput, PermissionDenied
from app.extensions import db
from app.organisations.einvoice import ovt_for
from app.organisations.services import update_billing_details
from tests import factories


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def admin(app):
    organisation = factories.organisation()
    user = factories.member(organisation, is_admin=True)
    db.session.commit()
    return user


def test_the_administrator_sets_the_organisations_own_ovt(admin):
    organisation = admin.membership.organisation
    own = ovt_for(organisation.business_id, "sote")
    update_billing_details(admin, own.lower(), " ndeafihh ", "Kustannuspaikka 4400")
    assert organisation.einvoice_address == own and organisation.einvoice_operator == "NDEAFIHH"
    assert organisation.billing_reference == "Kustannuspaikka 4400"
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.action == "billing_details_changed")) is not None
    update_billing_details(admin, "", "", "")
    assert organisation.einvoice_address is None and organisation.billing_reference is None


@pytest.mark.parametrize(
    ("address", "operator", "field"),
    [
        ("003701120389", "NDEAFIHH", "einvoice_address"),  # another organisation's code
        ("0037", "NDEAFIHH", "einvoice_address"),
        ("own+TOOLONG", "NDEAFIHH", "einvoice_address"),
        ("own", "?", "einvoice_operator"),
        ("own", "", "einvoice_operator"),
        ("", "NDEAFIHH", "einvoice_address"),
    ],
)
def test_wrong_details_are_refused_naming_the_field(admin, address, operator, field):
    own = ovt_for(admin.membership.organisation.business_id)
    address = address.replace("own+", own).replace("own", own)
    with pytest.raises(InvalidInput) as raised:
        update_billing_details(admin, address, operator, "")
    assert raised.value.field == field


def test_a_plain_member_cannot_change_them(app):
    member = factories.member()
    with pytest.raises(PermissionDenied):
        update_billing_details(member, "", "", "x")


def test_the_settings_page_keeps_what_was_typed_and_saves(client, login, admin):
    client.get("/language/en")
    login(client, admin.email)
    assert client.get("/organisation/settings").status_code == 200
    response = client.post("/organisation/settings", data={
        "einvoice_address": "003799999999", "einvoice_operator": "NDEAFIHH",
        "billing_reference": "Hanke 9"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "The e-invoice address is 0037" in text
    assert 'value="003799999999"' in text and 'value="Hanke 9"' in text
    own = ovt_for(admin.membership.organisation.business_id)
    response = client.post("/organisation/settings", data={
        "einvoice_address": own, "einvoice_operator": "NDEAFIHH", "billing_reference": "Hanke 9"},
        follow_redirects=True)
    assert "The billing details are saved." in response.get_data(as_text=True)
    db.session.refresh(admin.membership.organisation)
    assert admin.membership.organisation.einvoice_address == own


def test_a_member_sees_the_details_but_cannot_post(client, login):
    organisation = factories.organisation(einvoice_address="003712345671")
    member = factories.member(organisation)
    db.session.commit()
    client.get("/language/en")
    login(client, member.email)
    page = client.get("/organisation/settings").get_data(as_text=True)
    assert "003712345671" in page and "<form method=\"post\" novalidate>" not in page
    assert client.post("/organisation/settings", data={}).status_code in (400, 403)
