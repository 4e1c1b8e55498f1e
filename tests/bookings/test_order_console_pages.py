"""The coordinator's console and order page, resolving a dispute, changing and cancelling an
order on the pages (time rules), and the "what needs you now" list."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from flask import g
from sqlalchemy import select

from app.bookings.models import CompletionReport, Order, OrderNote
from app.extensions import db
from app.mail.models import OutboxMessage
from tests import factories


@pytest.fixture
def login(login):
    def english_login(client, email, password=None):
        response = login(client, email, password)
        client.get("/language/en")
        return response

    return english_login


def _disputed(world, now):
    order = factories.order(world["organiser"].membership.organisation, status="filled",
                            sessions=[(now - timedelta(days=4), 45)], title="Kiistelty luento")
    expert = world["experts"][0]
    assignment = factories.booking(order, expert, status="disputed")[0]
    db.session.add(CompletionReport(
        assignment=assignment, reported_by_id=expert.user_id, duration_minutes=45, remote=False,
        km_driven=Decimal("120"), one_way_km=Decimal("60"), disputed_at=now,
        dispute_reason="Ajettu matka on liian pitkä.", expert_reply="Kiersin tietyön takia."))
    db.session.commit()
    return assignment


def test_console_lists_every_organisation_and_filters(client, login, world, coordinator, now):
    other = factories.order(title="Toisen järjestön tilaus")
    disputed = _disputed(world, now)
    login(client, coordinator.email)
    html = client.get("/coordinator/orders").get_data(as_text=True)
    assert world["order"].title in html and other.title in html
    attention = client.get("/coordinator/orders?needs_attention=y")
    text = attention.get_data(as_text=True)
    assert attention.status_code == 200
    assert "Kiistelty luento" in text and "A report is disputed" in text
    assert other.title not in text
    assert disputed.order.title in client.get("/coordinator/").get_data(as_text=True)
    bad = client.get("/coordinator/orders?status=boss&organisation_id=x")
    assert bad.status_code == 422


def test_organisations_may_not_open_the_console(client, login, world):
    login(client, world["organiser"].email)
    assert client.get("/coordinator/orders").status_code == 403


def test_coordinator_opens_an_order_adds_a_note_and_sees_contacts(client, login, world,
                                                                  coordinator):
    login(client, coordinator.email)
    order = world["order"]
    detail = client.get(f"/organisation/orders/{order.id}")
    assert detail.status_code == 302
    html = client.get(detail.headers["Location"]).get_data(as_text=True)
    assert world["organiser"].email in html
    assert client.post(f"/coordinator/orders/{order.id}/notes",
                       data={"body": "Soitin tilaajalle."}).status_code == 302
    assert db.session.scalar(select(OrderNote.body).where(OrderNote.order_id == order.id)) \
        == "Soitin tilaajalle."
    assert "Soitin tilaajalle." in client.get(
        f"/coordinator/orders/{order.id}").get_data(as_text=True)


def test_coordinator_corrects_travel_and_confirms(client, login, world, coordinator, now):
    assignment = _disputed(world, now)
    login(client, coordinator.email)
    url = f"/coordinator/assignments/{assignment.id}/resolve"
    page = client.get(url).get_data(as_text=True)
    assert "Ajettu matka on liian pitkä." in page and "Kiersin tietyön takia." in page
    form = {"action": "correct", "duration_minutes": "45", "km_driven": "80",
            "one_way_km": "40", "reason": "Kartan mukaan 80 km."}
    preview = client.post(url, data={**form, "step": "preview"})
    assert preview.status_code == 200
    assert 'id="difference"' in preview.get_data(as_text=True)
    db.session.expire_all()
    assert assignment.status == "disputed"
    saved = client.post(url, data={**form, "step": "save"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert assignment.status == "confirmed"
    assert assignment.report.km_driven == Decimal("80")


def test_void_without_a_reason_keeps_the_dispute(client, login, world, coordinator, now):
    assignment = _disputed(world, now)
    login(client, coordinator.email)
    response = client.post(f"/coordinator/assignments/{assignment.id}/resolve",
                           data={"action": "void", "duration_minutes": "45", "step": "save"})
    assert response.status_code == 422
    db.session.expire_all()
    assert assignment.status == "disputed"


def test_an_organisation_cannot_resolve(client, login, world, now):
    assignment = _disputed(world, now)
    login(client, world["organiser"].email)
    assert client.get(f"/coordinator/assignments/{assignment.id}/resolve").status_code == 403


def test_cancel_page_refuses_a_started_order(client, login, world, now):
    order = world["order"]
    order.sessions[0].starts_at = now - timedelta(minutes=10)
    db.session.commit()
    login(client, world["organiser"].email)
    page = client.get(f"/organisation/orders/{order.id}/cancel")
    assert "can no longer be cancelled" in page.get_data(as_text=True)
    response = client.post(f"/organisation/orders/{order.id}/cancel")
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "submitted"


def test_coordinator_cancels_with_a_reason(client, login, world, coordinator):
    order = world["order"]
    login(client, coordinator.email)
    refused = client.post(f"/organisation/orders/{order.id}/cancel", data={"reason": ""})
    assert refused.status_code == 422
    done = client.post(f"/organisation/orders/{order.id}/cancel",
                       data={"reason": "Tilaaja soitti."})
    assert done.status_code == 302
    db.session.expire_all()
    assert order.status == "cancelled" and order.cancel_reason == "Tilaaja soitti."


def test_organisation_reschedules_on_the_page(client, login, world, now):
    order, expert = world["order"], world["experts"][0]
    (assignment,) = factories.booking(order, expert)
    order.status = "filled"
    db.session.commit()
    login(client, world["organiser"].email)
    assert client.get(f"/organisation/orders/{order.id}/edit").status_code == 200
    new_day = (world["start"] + timedelta(days=3)).astimezone()
    response = client.post(f"/organisation/orders/{order.id}/edit", data={
        "title": order.title, "description": "", "date": new_day.date().isoformat(),
        "start_time": "10:00", "duration_minutes": "60", "municipality_code": "609",
        "address": "Uusi osoite 1", "audience": "", "accessibility": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert assignment.calendar_sequence == 1 and assignment.session.duration_minutes == 60
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "booking_changed"))
    assert mail.to_address == expert.user.email and "SEQUENCE:1" in mail.ics


def test_changing_another_organisations_order_is_404(client, login, world):
    stranger = factories.member()
    db.session.commit()
    login(client, stranger.email)
    assert client.get(f"/organisation/orders/{world['order'].id}/edit").status_code == 404
    assert client.post(f"/organisation/orders/{world['order'].id}/edit",
                       data={"title": "Kaapattu"}).status_code == 404


def test_the_expert_tells_their_side_on_the_page(app, client, login, world, now):
    assignment = _disputed(world, now)
    login(client, world["experts"][0].user.email)
    url = f"/expert/work/assignments/{assignment.id}/reply"
    assert "Ajettu matka on liian pitkä." in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"reply": ""}).status_code == 422
    assert client.post(url, data={"reply": "Tietyö pidensi matkaa."}).status_code == 302
    db.session.expire_all()
    assert assignment.report.expert_reply == "Tietyö pidensi matkaa."
    other = app.test_client()
    g.pop("_login_user", None)  # the test's app context would keep the first signed-in user
    login(other, world["experts"][1].user.email)
    assert other.get(url).status_code == 404
