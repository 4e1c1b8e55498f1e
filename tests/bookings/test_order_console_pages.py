"""The coordinator's console and order page, resolving a dispute, changing and cancelling an
order on the pages (time rules), and the "what needs you now" list."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from flask import g
from sqlalchemy import select

from app.bookings.models import CompletionReport, Order, OrderNote
from app.common.timeutil import helsinki_to_utc, to_helsinki
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


def _series_on_page(world, booked=1):
    """A three-session series (weekly, 2 h) of world's organisation with ``booked`` of
    world's experts booked."""
    start = world["start"]
    order = factories.order(world["organiser"].membership.organisation,
                            created_by=world["organiser"], status="filled",
                            experts_needed=booked, series_template="co_development_3",
                            sessions=[(start + timedelta(days=7 * n), 120) for n in range(3)])
    for expert in world["experts"][:booked]:
        factories.booking(order, expert)
    db.session.commit()
    return order


def _series_form(order, days, time="10:00", minutes=("120", "120", "120")):
    data = {"title": order.title, "description": "", "municipality_code": "609",
            "address": "", "audience": "", "accessibility": ""}
    for number, (day, length) in enumerate(zip(days, minutes, strict=True), 1):
        suffix = "" if number == 1 else f"_{number}"
        data[f"date{suffix}"] = day.isoformat() if day else ""
        data[f"start_time{suffix}"] = time
        data[f"duration_minutes{suffix}"] = length
    return data


def test_the_series_edit_page_shows_every_session_filled_in(client, login, world):
    order = _series_on_page(world)
    login(client, world["organiser"].email)
    page = client.get(f"/organisation/orders/{order.id}/edit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for number, session in enumerate(order.sessions, 1):
        suffix = "" if number == 1 else f"_{number}"
        moment = to_helsinki(session.starts_at)
        assert f'id="date{suffix}"' in html and f'value="{moment.date().isoformat()}"' in html
        assert f'id="start_time{suffix}"' in html and f'id="duration_minutes{suffix}"' in html
        assert f"Date of session {number}" in html
    assert "cannot be changed here" not in html


def test_organisation_moves_a_series_on_the_page(client, login, world):
    order = _series_on_page(world, booked=2)
    login(client, world["organiser"].email)
    days = [to_helsinki(s.starts_at).date() + timedelta(days=1) for s in order.sessions]
    response = client.post(f"/organisation/orders/{order.id}/edit",
                           data=_series_form(order, days, "09:30", ("90", "120", "60")))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    assert [(to_helsinki(s.starts_at).date(), to_helsinki(s.starts_at).strftime("%H:%M"),
             s.duration_minutes) for s in order.sessions] == [
        (days[0], "09:30", 90), (days[1], "09:30", 120), (days[2], "09:30", 60)]
    assert all(a.calendar_sequence == 1 and a.starts_at == a.session.starts_at
               for a in order.assignments)
    for expert in world["experts"][:2]:
        assert len(list(db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "booking_changed",
            OutboxMessage.to_address == expert.user.email)))) == 1
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The order was changed." in follow


def test_series_time_errors_name_the_session_and_keep_what_was_typed(client, login, world):
    order = _series_on_page(world)
    before = [s.starts_at for s in order.sessions]
    login(client, world["organiser"].email)
    days = [to_helsinki(s.starts_at).date() for s in order.sessions]
    wrong = [days[0], days[1], days[1] - timedelta(days=2)]
    response = client.post(f"/organisation/orders/{order.id}/edit",
                           data={**_series_form(order, wrong), "title": "Uusi otsikko"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Session 3 must be after session 2" in html
    assert f'value="{wrong[2].isoformat()}"' in html and 'value="Uusi otsikko"' in html
    overlapping = client.post(f"/organisation/orders/{order.id}/edit", data=_series_form(
        order, [days[0], days[0], days[2]], minutes=("120", "30", "120")))
    assert overlapping.status_code == 422
    assert "Session 2 must be after session 1" in overlapping.get_data(as_text=True)
    missing = client.post(f"/organisation/orders/{order.id}/edit",
                          data=_series_form(order, [days[0], None, days[2]]))
    assert missing.status_code == 422
    assert "Give the date, start time and length of session 2." in \
        missing.get_data(as_text=True)
    too_long = client.post(f"/organisation/orders/{order.id}/edit",
                           data=_series_form(order, days, minutes=("120", "120", "2000")))
    assert too_long.status_code == 422
    assert "Give 1–1440 minutes." in too_long.get_data(as_text=True)
    year_1 = client.post(f"/organisation/orders/{order.id}/edit", data=_series_form(
        order, [days[0], date(1, 1, 1), days[2]], time="00:00"))
    assert year_1.status_code == 422
    assert "Session 2: the start time must be in the future." in year_1.get_data(as_text=True)
    year_9999 = client.post(f"/organisation/orders/{order.id}/edit", data=_series_form(
        order, [days[0], days[1], date(9999, 12, 31)]))
    assert year_9999.status_code == 422
    assert "Session 3: the start time is too far in the future." in \
        year_9999.get_data(as_text=True)
    db.session.expire_all()
    assert [s.starts_at for s in order.sessions] == before and order.title != "Uusi otsikko"
    assert db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.kind == "booking_changed")) is None


def test_series_overlap_on_the_same_day_names_the_session(client, login, world):
    order = _series_on_page(world)
    login(client, world["organiser"].email)
    day = to_helsinki(order.sessions[0].starts_at).date()
    data = _series_form(order, [day, day, day + timedelta(days=7)])
    data["start_time_2"] = "11:00"  # session 1 is 10:00–12:00
    response = client.post(f"/organisation/orders/{order.id}/edit", data=data)
    assert response.status_code == 422
    assert "Session 2 starts before session 1 has ended." in response.get_data(as_text=True)


def test_a_colliding_expert_is_released_from_the_series_on_the_page(client, login, world):
    from app.experts.models import Unavailability

    order = _series_on_page(world)
    busy = world["experts"][0]
    days = [to_helsinki(s.starts_at).date() for s in order.sessions]
    days[2] += timedelta(days=1)
    new_third = helsinki_to_utc(days[2], time(10, 0))
    db.session.add(Unavailability(expert_id=busy.id, starts_at=new_third,
                                  ends_at=new_third + timedelta(hours=1)))
    db.session.commit()
    login(client, world["organiser"].email)
    response = client.post(f"/organisation/orders/{order.id}/edit",
                           data=_series_form(order, days))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    assert {a.status for a in order.assignments} == {"cancelled_by_organisation"}
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "was released from all sessions of the series" in text
    assert "After the time changed, 1 booked expert had other plans" in text


def test_a_started_series_is_not_changed_on_the_page(client, login, world, now):
    order = _series_on_page(world)
    order.sessions[0].starts_at = now - timedelta(minutes=10)
    db.session.commit()
    login(client, world["organiser"].email)
    days = [to_helsinki(s.starts_at).date() + timedelta(days=1) for s in order.sessions]
    response = client.post(f"/organisation/orders/{order.id}/edit",
                           data=_series_form(order, days))
    assert response.status_code == 409
    assert "can no longer be changed" in response.get_data(as_text=True)


def test_another_organisation_cannot_open_or_move_the_series(client, login, world):
    order = _series_on_page(world)
    stranger = factories.member()
    db.session.commit()
    login(client, stranger.email)
    days = [to_helsinki(s.starts_at).date() + timedelta(days=1) for s in order.sessions]
    assert client.get(f"/organisation/orders/{order.id}/edit").status_code == 404
    assert client.post(f"/organisation/orders/{order.id}/edit",
                       data=_series_form(order, days)).status_code == 404


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
