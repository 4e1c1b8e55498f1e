"""Vetting of new organisations: a self-registered organisation waits for a coordinator's
approval before it can see experts; its orders wait and go forward on approval."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.labels import ACTIONS
from app.audit.models import AuditEntry
from app.bookings import services as bookings
from app.common.errors import Conflict, InvalidInput, PermissionDenied
from app.common.timeutil import utcnow
from app.extensions import db
from app.mail.models import OutboxMessage
from app.organisations import services
from app.participation.groups import services as groups
from tests import factories
from tests.web.helpers import api_error, bearer, logged_in, page


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def coordinator(app):
    user = factories.user("coordinator")
    db.session.commit()
    return user


@pytest.fixture
def newcomer(app):
    """The administrator of an organisation that registered itself a moment ago."""
    user = factories.registered_organisation(organisation_name="Uusi Yritys Oy",
                                             phone="040 123 4567")
    db.session.commit()
    return user


@pytest.fixture
def expert(app):
    profile = factories.expert(full_name="Salainen Kokija", display_name="Kokija K.")
    db.session.commit()
    return profile


def mails(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_a_self_registered_organisation_waits_for_approval(newcomer):
    organisation = newcomer.membership.organisation
    assert organisation.status == "pending" and not organisation.is_approved


def test_a_pending_organisation_cannot_read_experts_on_the_page(client, newcomer, expert):
    logged_in(client, newcomer.email)
    for path in ("/organisation/experts", "/organisation/experts?q=k&area=&language="
                 "&region="):
        response = client.get(path)
        assert response.status_code == 403
        html = page(response)
        assert "Kokija K." not in html and "Salainen" not in html
        assert expert.user.email not in html
    assert client.get("/organisation/").status_code == 200  # its own orders, with a notice


def test_a_pending_organisation_cannot_read_experts_in_the_api(client, newcomer, expert,
                                                               api_token):
    token = api_token(client, newcomer.email)
    error = api_error(client.get("/api/v1/experts", headers=bearer(token)), 403)
    assert error["code"] == "organisation_not_approved"
    order = factories.order(newcomer.membership.organisation, created_by=newcomer)
    db.session.commit()
    response = client.get(f"/api/v1/orders/{order.id}/matches", headers=bearer(token))
    assert response.status_code == 403 and "Kokija" not in page(response)


def test_a_pending_organisation_cannot_make_groups_or_add_experts(client, newcomer, expert):
    with pytest.raises(PermissionDenied):
        groups.create_group(newcomer, groups.GroupData(kind="client_panel", name="Raati"))
    assert groups.bookable_experts(newcomer) == []
    logged_in(client, newcomer.email)
    response = client.post("/participation/groups/new", data={
        "kind": "client_panel", "name": "Raati"})
    assert response.status_code == 403
    assert "Kokija" not in page(client.get("/participation/"))


def test_orders_of_a_pending_organisation_wait_and_go_on_when_it_is_approved(
        newcomer, coordinator, expert):
    order = factories.order(newcomer.membership.organisation, created_by=newcomer,
                            status="draft")
    bookings.submit_order(newcomer, order, utcnow())
    assert order.status == "submitted"
    assert mails("order_received") == []  # nobody starts matching it
    with pytest.raises(Conflict) as refused:
        bookings.invite_experts(coordinator, order, [expert.id])
    assert refused.value.code == "organisation_not_approved"
    assert bookings.cascade_order(order, utcnow()) == []
    assert order.invitations == []

    services.decide_organisation(coordinator, order.organisation_id, "approve", "")
    db.session.commit()
    assert [m.to_address for m in mails("order_received")] == [coordinator.email]
    (invitation,) = bookings.invite_experts(coordinator, order, [expert.id])
    assert invitation.expert_id == expert.id and order.status == "matching"


def test_the_coordinators_queue_shows_business_id_and_contact(client, newcomer, coordinator):
    organisation = newcomer.membership.organisation
    logged_in(client, coordinator.email)
    html = page(client.get("/coordinator/organisations"))
    assert organisation.name in html and organisation.business_id in html
    assert newcomer.email in html
    detail = page(client.get(f"/coordinator/organisations/{organisation.id}"))
    assert "040 123 4567" in detail and organisation.billing_email in detail


def test_rejecting_needs_a_reason_which_is_mailed_and_audited(client, newcomer, coordinator):
    organisation = newcomer.membership.organisation
    logged_in(client, coordinator.email)
    path = f"/coordinator/organisations/{organisation.id}"
    response = client.post(path, data={"decision": "reject", "reason": "  "})
    assert response.status_code == 422
    db.session.refresh(organisation)
    assert organisation.status == "pending"
    response = client.post(path, data={"decision": "reject",
                                       "reason": "Y-tunnus kuuluu toiselle yritykselle."})
    assert response.status_code == 302
    db.session.refresh(organisation)
    assert organisation.status == "rejected" and organisation.decided_by_id == coordinator.id
    sent = mails("organisation_rejected")
    assert {m.to_address for m in sent} == {organisation.billing_email, newcomer.email}
    assert all("Y-tunnus kuuluu toiselle yritykselle." in m.body_text for m in sent)
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "organisation_rejected"))
    assert entry.actor_id == coordinator.id and entry.subject_id == str(organisation.id)
    assert "organisation_rejected" in ACTIONS and "organisation_approved" in ACTIONS
    # a rejected organisation still sees no experts
    with pytest.raises(PermissionDenied):
        services.require_approved(newcomer)


def test_approval_is_audited_and_mailed_and_opens_the_directory(client, newcomer, coordinator,
                                                                expert):
    organisation = newcomer.membership.organisation
    logged_in(client, coordinator.email)
    response = client.post(f"/coordinator/organisations/{organisation.id}",
                           data={"decision": "approve", "reason": ""})
    assert response.status_code == 302
    db.session.refresh(organisation)
    assert organisation.status == "approved"
    assert {m.to_address for m in mails("organisation_approved")} == {
        organisation.billing_email, newcomer.email}
    assert db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "organisation_approved")) is not None
    with pytest.raises(Conflict):  # decided once
        services.decide_organisation(coordinator, organisation.id, "reject", "Myöhässä")
    client.post("/logout")
    logged_in(client, newcomer.email)
    response = client.get("/organisation/experts")
    assert response.status_code == 200 and "Kokija K." in page(response)


def test_only_coordinators_decide(client, newcomer):
    other = factories.member(is_admin=True)  # an approved organisation's administrator
    db.session.commit()
    organisation = newcomer.membership.organisation
    for actor in (newcomer, other):
        with pytest.raises(PermissionDenied):
            services.decide_organisation(actor, organisation.id, "approve", "")
        with pytest.raises(PermissionDenied):
            services.vetting_queue(actor)
    logged_in(client, newcomer.email)
    assert client.get("/coordinator/organisations").status_code == 403
    assert client.post(f"/coordinator/organisations/{organisation.id}",
                       data={"decision": "approve"}).status_code == 403
    db.session.refresh(organisation)
    assert organisation.status == "pending"


def test_an_unknown_decision_is_refused(newcomer, coordinator):
    with pytest.raises(InvalidInput):
        services.decide_organisation(coordinator, newcomer.organisation_id, "maybe", "")
