"""The booking pages: the expert answers and withdraws, the organisation cancels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.bookings import services
from app.bookings.models import Order
from app.extensions import db
from tests import factories


@pytest.fixture
def login(login):
    """Sign in and read the pages in English, so texts can be asserted whatever the catalogs."""

    def english_login(client, email, password=None):
        response = login(client, email, password)
        client.get("/language/en")
        return response

    return english_login


def test_expert_accepts_on_the_offer_page(client, login, world, coordinator, now):
    expert = world["experts"][0]
    (invitation,) = services.invite_experts(coordinator, world["order"], [expert.id], now)
    db.session.commit()
    login(client, expert.user.email)
    page = client.get("/expert/work/")
    assert page.status_code == 200 and world["order"].title in page.get_data(as_text=True)
    offer = client.get(f"/expert/work/invitations/{invitation.id}")
    assert offer.status_code == 200
    html = offer.get_data(as_text=True)
    assert "€30.00" in html  # the fee of a 45-minute lecture
    response = client.post(f"/expert/work/invitations/{invitation.id}",
                           data={"answer": "accept"}, follow_redirects=True)
    assert response.status_code == 200
    assert invitation.status == "accepted"


def test_late_accepter_sees_a_friendly_message(client, login, world, coordinator, now):
    first, second = world["experts"][:2]
    a, b = services.invite_experts(coordinator, world["order"], [first.id, second.id], now)
    services.accept_invitation(first.user, a.id, now)
    db.session.commit()
    login(client, second.user.email)
    response = client.post(f"/expert/work/invitations/{b.id}", data={"answer": "accept"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "just filled" in response.get_data(as_text=True)


def test_decline_needs_no_reason(client, login, world, coordinator, now):
    expert = world["experts"][0]
    (invitation,) = services.invite_experts(coordinator, world["order"], [expert.id], now)
    db.session.commit()
    login(client, expert.user.email)
    response = client.post(f"/expert/work/invitations/{invitation.id}",
                           data={"answer": "decline", "reason": ""})
    assert response.status_code == 302
    assert invitation.status == "declined"


def test_another_expert_cannot_open_the_offer(client, login, world, coordinator, now):
    (invitation,) = services.invite_experts(coordinator, world["order"],
                                            [world["experts"][0].id], now)
    db.session.commit()
    login(client, world["experts"][1].user.email)
    assert client.get(f"/expert/work/invitations/{invitation.id}").status_code == 404


def test_expert_withdraws_from_the_booking_page(client, login, world, coordinator, now):
    expert = world["experts"][0]
    (invitation,) = services.invite_experts(coordinator, world["order"], [expert.id], now)
    services.accept_invitation(expert.user, invitation.id, now)
    db.session.commit()
    login(client, expert.user.email)
    url = f"/expert/work/orders/{world['order'].id}/withdraw"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"reason": "flunssa"}).status_code == 302
    assert db.session.get(Order, world["order"].id).status == "matching"


def test_organisation_sees_the_late_fee_warning_and_cancels(client, login, world, coordinator,
                                                           now):
    order, expert = world["order"], world["experts"][0]
    order.sessions[0].starts_at = now + timedelta(hours=20)
    (invitation,) = services.invite_experts(coordinator, order, [expert.id], now)
    services.accept_invitation(expert.user, invitation.id, now)
    db.session.commit()
    login(client, world["organiser"].email)
    page = client.get(f"/organisation/orders/{order.id}/cancel")
    assert page.status_code == 200
    assert "still get their fee" in page.get_data(as_text=True)
    assert client.post(f"/organisation/orders/{order.id}/cancel").status_code == 302
    assert order.status == "cancelled" and order.cancelled_late is True


def test_other_organisation_cannot_reach_the_cancel_page(client, login, world):
    stranger = factories.member(is_admin=True)
    db.session.commit()
    login(client, stranger.email)
    assert client.get(f"/organisation/orders/{world['order'].id}/cancel").status_code == 404
    assert client.post(f"/organisation/orders/{world['order'].id}/cancel").status_code == 404
    assert world["order"].status == "submitted"


def test_order_form_submits_a_one_off_order(client, login, world):
    login(client, world["organiser"].email)
    day = (world["start"] + timedelta(days=2)).date().isoformat()
    response = client.post("/organisation/orders/new", data={
        "kind": "single", "assignment_type": "lecture", "title": "Henkilöstöpäivä",
        "expertise_areas": ["mental-health"], "language": "fi", "experts_needed": "1",
        "date": day, "start_time": "13:00", "duration_minutes": "45",
        "municipality_code": "609", "address": "Katu 1", "action": "submit"})
    assert response.status_code == 302
    detail = client.get(response.headers["Location"])
    assert "Henkilöstöpäivä" in detail.get_data(as_text=True)


def test_order_form_keeps_input_on_errors(client, login, world):
    login(client, world["organiser"].email)
    response = client.post("/organisation/orders/new", data={
        "kind": "single", "assignment_type": "lecture", "title": "Säilyvä otsikko",
        "language": "fi", "experts_needed": "1", "date": "", "start_time": "13:00",
        "duration_minutes": "45", "municipality_code": "609", "action": "submit"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="Säilyvä otsikko"' in html
    assert "error-summary" in html
