"""GET /api/v1/orders (filters, paging, who sees what), PATCH /api/v1/orders/{id} (also of a
series: the times of every session), the cancel
time rules (409 already_started) and POST /api/v1/assignments/{id}/resolve."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.bookings.models import Assignment, CompletionReport, Order
from app.common.timeutil import to_helsinki, utcnow
from app.experts.models import Unavailability
from app.extensions import db
from app.mail.models import OutboxMessage
from app.organisations.models import Organisation
from app.payouts.models import PayoutItem
from tests import factories
from tests.web.helpers import api_error, bearer


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.get_json()["items"]]


def test_an_organisation_sees_only_its_own_orders(app, client, cast, token_of):
    headers = bearer(token_of("a_member"))
    assert _ids(client.get("/api/v1/orders", headers=headers)) == [cast.order_a]
    # Asking for the other organisation by id shows nothing of it.
    assert _ids(client.get(f"/api/v1/orders?organisation_id={cast.org_b}",
                           headers=headers)) == []


def test_a_coordinator_sees_every_organisations_orders(client, cast, token_of):
    headers = bearer(token_of("coordinator"))
    ids = _ids(client.get("/api/v1/orders", headers=headers))
    assert {cast.order_a, cast.order_b} <= set(ids)
    only_b = client.get(f"/api/v1/orders?organisation_id={cast.org_b}", headers=headers)
    assert _ids(only_b) == [cast.order_b]
    assert only_b.get_json()["items"][0]["organisation_name"] == "Organisaatio B"


@pytest.mark.parametrize("who", ["expert", "finance"])
def test_others_may_not_list_orders(client, cast, token_of, who):
    api_error(client.get("/api/v1/orders", headers=bearer(token_of(who))), 403)


def test_filters_and_paging(app, client, cast, token_of):
    with app.app_context():
        organisation = db.session.get(Organisation, cast.org_a)
        now = utcnow().replace(minute=0, second=0, microsecond=0)
        made = []
        for days in (3, 20, 40, 60, 80):
            made.append(factories.order(organisation, sessions=[(now + timedelta(days=days), 45)],
                                        status="matching" if days == 3 else "filled",
                                        areas=["substance-use"] if days == 40
                                        else ["mental-health"]))
        ids = [o.id for o in made]
        day_of_40 = to_helsinki(made[2].starts_at).date()
        db.session.commit()
    headers = bearer(token_of("coordinator"))
    both = _ids(client.get(f"/api/v1/orders?organisation_id={cast.org_a}", headers=headers))
    # Newest start first: the cast's own order starts in 14 days.
    assert both == [ids[4], ids[3], ids[2], ids[1], cast.order_a, ids[0]]
    assert _ids(client.get(f"/api/v1/orders?organisation_id={cast.org_a}&status=matching",
                           headers=headers)) == [ids[0]]
    assert _ids(client.get(f"/api/v1/orders?from={day_of_40}&to={day_of_40}",
                           headers=headers)) == [ids[2]]
    assert _ids(client.get(f"/api/v1/orders?organisation_id={cast.org_a}&area=substance-use",
                           headers=headers)) == [ids[2]]
    attention = client.get(f"/api/v1/orders?organisation_id={cast.org_a}&needs_attention=true",
                           headers=headers)
    assert _ids(attention) == [ids[0]]
    assert attention.get_json()["items"][0]["needs_attention"] == ["short_of_experts"]
    # Pages of two, keeping the filter, add up to the whole list, each order once.
    seen, cursor = [], None
    while True:
        url = f"/api/v1/orders?organisation_id={cast.org_a}&limit=2"
        body = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=headers)
        assert len(body.get_json()["items"]) <= 2
        seen += _ids(body)
        cursor = body.get_json()["next"]
        if cursor is None:
            break
    assert seen == both


@pytest.mark.parametrize("query", ["status=nonsense", "from=2026-13-01", "limit=0",
                                   "cursor=xyz", "needs_attention=maybe", "organisation_id=a",
                                   "from=2026-05-02&to=2026-05-01"])
def test_bad_filters_are_422(client, cast, token_of, query):
    api_error(client.get(f"/api/v1/orders?{query}", headers=bearer(token_of("coordinator"))),
              422)


# --- PATCH ---------------------------------------------------------------------------------

def _booked_order(app, cast, *, days=10):
    with app.app_context():
        order = db.session.get(Order, cast.order_a)
        start = (utcnow() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
        order.sessions[0].starts_at = start
        expert = factories.expert()
        factories.booking(order, expert)
        order.status = "filled"
        db.session.commit()
        return order.id, expert.id, start


def test_patch_changes_the_order_and_tells_the_booked_expert(app, client, cast, token_of):
    order_id, expert_id, start = _booked_order(app, cast)
    new_start = start + timedelta(days=1, hours=2)
    response = client.patch(f"/api/v1/orders/{order_id}", headers=bearer(token_of("a_member")),
                            json={"title": "Uusi otsikko", "starts_at": new_start.isoformat(),
                                  "duration_minutes": 60})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["title"] == "Uusi otsikko"
    assert set(body["changed"]) == {"title", "starts_at", "duration_minutes"}
    assert body["released"] == []
    with app.app_context():
        assignment = db.session.scalar(select(Assignment).where(Assignment.order_id == order_id))
        assert assignment.starts_at == new_start
        assert assignment.ends_at == new_start + timedelta(minutes=60)
        assert assignment.calendar_sequence == 1
        mail = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.kind == "booking_changed"))
        assert mail is not None and "SEQUENCE:1" in mail.ics
        assert f"UID:assignment-{assignment.id}@kokemuspankki" in mail.ics


def test_patch_releases_an_expert_whose_other_plans_collide(app, client, cast, token_of):
    order_id, expert_id, start = _booked_order(app, cast)
    new_start = start + timedelta(days=2)
    with app.app_context():
        db.session.add(Unavailability(expert_id=expert_id, starts_at=new_start - timedelta(hours=1),
                                      ends_at=new_start + timedelta(hours=3)))
        db.session.commit()
    response = client.patch(f"/api/v1/orders/{order_id}", headers=bearer(token_of("a_admin")),
                            json={"starts_at": new_start.isoformat()})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert [r["expert_id"] for r in body["released"]] == [expert_id]
    assert body["booked"] == 0
    assert body["status"] == "matching"
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.kind).where(
            OutboxMessage.kind == "booking_released")) == "booking_released"


def test_patch_of_another_organisations_order_is_404(app, client, cast, token_of):
    api_error(client.patch(f"/api/v1/orders/{cast.order_b}", headers=bearer(token_of("a_member")),
                           json={"title": "x"}), 404)
    api_error(client.patch(f"/api/v1/orders/{cast.order_b}", headers=bearer(token_of("expert")),
                           json={"title": "x"}), 403)


@pytest.mark.parametrize(("body", "field"), [
    ({"title": ""}, "title"), ({"starts_at": "2020-01-01T10:00:00+02:00"}, "starts_at"),
    ({"starts_at": "tomorrow"}, "starts_at"), ({"duration_minutes": 0}, "duration_minutes"),
    ({"remote": "yes"}, "remote"), ({"status": "closed"}, "status"),
    ({"remote": False, "municipality_code": "999"}, "municipality_code"),
])
def test_patch_bad_values_are_422(client, cast, token_of, body, field):
    error = api_error(client.patch(f"/api/v1/orders/{cast.order_a}",
                                   headers=bearer(token_of("a_member")), json=body), 422)
    assert error["field"] == field


# --- PATCH of a series ----------------------------------------------------------------------

def _booked_series(app, cast, *, organisation_id=None, first_in_days=10):
    """A three-session series (weekly, 2 h) of organisation A with one booked expert."""
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id or cast.org_a)
        start = (utcnow() + timedelta(days=first_in_days)).replace(minute=0, second=0,
                                                                    microsecond=0)
        order = factories.order(organisation, status="filled", sessions=[
            (start + timedelta(days=7 * n), 120) for n in range(3)])
        expert = factories.expert()
        factories.booking(order, expert)
        db.session.commit()
        return order.id, expert.id, [start + timedelta(days=7 * n) for n in range(3)]


def _sessions(starts, minutes=(120, 120, 120)):
    return [{"starts_at": start.isoformat(), "duration_minutes": length}
            for start, length in zip(starts, minutes, strict=True)]


def test_patch_moves_every_session_of_a_series(app, client, cast, token_of):
    order_id, expert_id, starts = _booked_series(app, cast)
    new = [start + timedelta(days=1, hours=2) for start in starts]
    response = client.patch(f"/api/v1/orders/{order_id}", headers=bearer(token_of("a_member")),
                            json={"sessions": _sessions(new, (90, 120, 60))})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["changed"] == ["sessions"] and body["released"] == []
    assert [s["duration_minutes"] for s in body["sessions"]] == [90, 120, 60]
    assert [datetime.fromisoformat(s["starts_at"]) for s in body["sessions"]] == new
    assert sorted(datetime.fromisoformat(b["starts_at"]) for b in body["bookings"]) == new
    with app.app_context():
        booked = list(db.session.scalars(select(Assignment).where(
            Assignment.order_id == order_id).order_by(Assignment.starts_at)))
        assert [a.ends_at - a.starts_at for a in booked] == [
            timedelta(minutes=m) for m in (90, 120, 60)]
        (mail,) = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "booking_changed"))
        entries = Calendar.from_ical(mail.ics).walk("VEVENT")
        assert [str(e["UID"]) for e in entries] == [f"assignment-{a.id}@kokemuspankki"
                                                    for a in booked]
        assert [int(e["SEQUENCE"]) for e in entries] == [1, 1, 1]
        assert [e.decoded("DTSTART") for e in entries] == new


def test_patch_moves_only_the_third_session(app, client, cast, token_of):
    order_id, _, starts = _booked_series(app, cast)
    new = [starts[0], starts[1], starts[2] + timedelta(days=2)]
    response = client.patch(f"/api/v1/orders/{order_id}", headers=bearer(token_of("coordinator")),
                            json={"sessions": _sessions(new), "title": "Kehittäjäryhmä"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert set(response.get_json()["changed"]) == {"sessions", "title"}
    assert [datetime.fromisoformat(s["starts_at"])
            for s in response.get_json()["sessions"]] == new


def test_patch_of_a_series_releases_a_colliding_expert_from_every_session(app, client, cast,
                                                                           token_of):
    order_id, expert_id, starts = _booked_series(app, cast)
    new = [starts[0], starts[1] + timedelta(days=1), starts[2]]
    with app.app_context():
        db.session.add(Unavailability(expert_id=expert_id, starts_at=new[1],
                                      ends_at=new[1] + timedelta(minutes=30)))
        db.session.commit()
    response = client.patch(f"/api/v1/orders/{order_id}", headers=bearer(token_of("a_admin")),
                            json={"sessions": _sessions(new)})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert [r["expert_id"] for r in body["released"]] == [expert_id] * 3
    assert body["booked"] == 0 and body["status"] == "matching"
    assert {b["status"] for b in body["bookings"]} == {"cancelled_by_organisation"}
    with app.app_context():
        (mail,) = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "booking_released"))
        assert len(Calendar.from_ical(mail.ics).walk("VEVENT")) == 3


@pytest.mark.parametrize(("case", "code", "field", "session"), [
    ("starts_at_alone", "sessions_required", "sessions", None),
    ("duration_alone", "sessions_required", "sessions", None),
    ("two_sessions", "wrong_session_count", "sessions", None),
    ("four_sessions", "wrong_session_count", "sessions", None),
    ("overlap", "sessions_overlap", "starts_at", 2),
    ("out_of_order", "sessions_out_of_order", "starts_at", 3),
    ("in_the_past", "start_in_past", "starts_at", 1),
    ("too_long", "invalid_duration", "duration_minutes", 2),
    ("both", "conflicting_times", "sessions", None),
    ("year_9999", "start_too_far", "starts_at", 3),
    ("year_1", "invalid_time", "starts_at", None),
])
def test_patch_bad_series_times_are_422(app, client, cast, token_of, case, code, field,
                                        session):
    order_id, _, starts = _booked_series(app, cast)
    one, two, three = starts
    body = {
        "starts_at_alone": {"starts_at": (one + timedelta(days=1)).isoformat()},
        "duration_alone": {"duration_minutes": 60},
        "two_sessions": {"sessions": _sessions([one, two], (60, 60))},
        "four_sessions": {"sessions": _sessions([*starts, three + timedelta(days=7)],
                                                (60, 60, 60, 60))},
        "overlap": {"sessions": _sessions([one, one + timedelta(minutes=60), three])},
        "out_of_order": {"sessions": _sessions([one, two, two - timedelta(hours=3)])},
        "in_the_past": {"sessions": _sessions([utcnow() - timedelta(hours=1), two, three])},
        "too_long": {"sessions": _sessions(starts, (120, 1441, 120))},
        "both": {"sessions": _sessions(starts), "starts_at": one.isoformat()},
        # Far ahead (no end time can be counted) and before the first UTC moment: never 500.
        "year_9999": {"sessions": [*_sessions([one, two], (60, 60)), {
            "starts_at": "9999-12-31T23:00:00+00:00", "duration_minutes": 1440}]},
        "year_1": {"sessions": [{"starts_at": "0001-01-01T00:00:00+02:00",
                                 "duration_minutes": 60}, *_sessions([two, three], (60, 60))]},
    }[case]
    error = api_error(client.patch(f"/api/v1/orders/{order_id}",
                                   headers=bearer(token_of("a_member")), json=body), 422)
    assert (error["code"], error["field"]) == (code, field)
    if session:  # the message (in Finnish, the API's default language) names the session
        assert re.match(rf"Tapaami(nen|sen) {session}\b", error["message"]), error["message"]
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert [s.starts_at for s in order.sessions] == starts


@pytest.mark.parametrize("sessions", [
    "tomorrow", [], [1, 2, 3], {"starts_at": "2030-01-01T10:00:00+02:00"},
    [{"starts_at": "2030-01-01T10:00:00", "duration_minutes": 60}] * 3,
    [{"starts_at": "2030-01-01T10:00:00+02:00", "duration_minutes": "60"}] * 3,
    [{"starts_at": "2030-01-01T10:00:00+02:00", "duration_minutes": True}] * 3,
    [{"starts_at": None, "duration_minutes": 60}] * 3, [{}] * 3,
    [{"starts_at": "2030-01-01T10:00:00+02:00", "duration_minutes": 60, "title": "x"}] * 3,
])
def test_patch_malformed_sessions_are_422(app, client, cast, token_of, sessions):
    order_id, _, _ = _booked_series(app, cast)
    error = api_error(client.patch(f"/api/v1/orders/{order_id}",
                                   headers=bearer(token_of("a_member")),
                                   json={"sessions": sessions}), 422)
    assert error["field"] in ("sessions", "starts_at", "duration_minutes")


def test_patch_of_a_one_off_order_far_ahead_is_422(app, client, cast, token_of):
    order_id, _, _ = _booked_order(app, cast)
    error = api_error(client.patch(f"/api/v1/orders/{order_id}",
                                   headers=bearer(token_of("a_member")),
                                   json={"starts_at": "9999-12-31T23:59:00+00:00",
                                         "duration_minutes": 1440}), 422)
    assert error["code"] == "start_too_far"


def test_patch_of_a_started_series_is_409(app, client, cast, token_of):
    order_id, _, starts = _booked_series(app, cast)
    with app.app_context():
        order = db.session.get(Order, order_id)
        order.sessions[0].starts_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    new = [utcnow() + timedelta(days=1), starts[1], starts[2]]
    for who in ("a_member", "coordinator"):
        error = api_error(client.patch(f"/api/v1/orders/{order_id}", headers=bearer(
            token_of(who)), json={"sessions": _sessions(new)}), 409)
        assert error["code"] == "already_started"


def test_patch_of_another_organisations_series_is_404(app, client, cast, token_of):
    order_id, _, starts = _booked_series(app, cast, organisation_id=cast.org_b)
    body = {"sessions": _sessions([s + timedelta(hours=1) for s in starts])}
    api_error(client.patch(f"/api/v1/orders/{order_id}", headers=bearer(token_of("a_member")),
                           json=body), 404)
    api_error(client.patch(f"/api/v1/orders/{order_id}", headers=bearer(token_of("expert")),
                           json=body), 403)
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert [s.starts_at for s in order.sessions] == starts


def test_the_openapi_document_tells_how_a_series_is_moved(client):
    patch = client.get("/api/v1/openapi.json").get_json()["paths"][
        "/api/v1/orders/{order_id}"]["patch"]
    schema = patch["requestBody"]["content"]["application/json"]["schema"]
    item = schema["properties"]["sessions"]["items"]
    assert item["required"] == ["starts_at", "duration_minutes"]
    assert "sessions_required" in patch["description"] and "Roles:" in patch["description"]


def test_patch_and_cancel_after_the_start_are_409(app, client, cast, token_of):
    with app.app_context():
        order = db.session.get(Order, cast.order_a)
        order.sessions[0].starts_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    for who in ("a_member", "coordinator"):
        headers = bearer(token_of(who))
        error = api_error(client.patch(f"/api/v1/orders/{cast.order_a}", headers=headers,
                                       json={"title": "Myöhässä"}), 409)
        assert error["code"] == "already_started"
        error = api_error(client.post(f"/api/v1/orders/{cast.order_a}/cancel", headers=headers,
                                      json={"reason": "Sairastuminen"}), 409)
        assert error["code"] == "already_started"


def test_a_series_with_a_started_session_cannot_be_cancelled(app, client, cast, token_of):
    with app.app_context():
        organisation = db.session.get(Organisation, cast.org_a)
        now = utcnow()
        order = factories.order(organisation, status="filled", sessions=[
            (now - timedelta(days=7), 120), (now + timedelta(days=7), 120)])
        order_id = order.id
        db.session.commit()
    error = api_error(client.post(f"/api/v1/orders/{order_id}/cancel",
                                  headers=bearer(token_of("a_member"))), 409)
    assert error["code"] == "already_started"


def test_reported_work_cannot_be_cancelled(app, client, cast, token_of):
    """Work reported early (a session in the future but reported) is never cancelled."""
    order_id, expert_id, start = _booked_order(app, cast, days=3)
    with app.app_context():
        assignment = db.session.scalar(select(Assignment).where(Assignment.order_id == order_id))
        assignment.status = "reported"
        db.session.commit()
    error = api_error(client.post(f"/api/v1/orders/{order_id}/cancel",
                                  headers=bearer(token_of("a_member"))), 409)
    assert error["code"] == "already_started"
    with app.app_context():
        assert db.session.get(Order, order_id).status == "filled"


def test_a_coordinator_cancels_on_the_organisations_behalf_with_a_reason(app, client, cast,
                                                                        token_of):
    headers = bearer(token_of("coordinator"))
    error = api_error(client.post(f"/api/v1/orders/{cast.order_b}/cancel", headers=headers,
                                  json={}), 422)
    assert error["field"] == "reason"
    response = client.post(f"/api/v1/orders/{cast.order_b}/cancel", headers=headers,
                           json={"reason": "Tilaaja pyysi puhelimessa."})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "cancelled"
    with app.app_context():
        order = db.session.get(Order, cast.order_b)
        assert order.cancel_reason == "Tilaaja pyysi puhelimessa."
        told = set(db.session.scalars(select(OutboxMessage.to_address).where(
            OutboxMessage.kind == "order_cancelled_by_bank")))
        assert cast.b_admin in told and cast.a_admin not in told


# --- Resolving disputes --------------------------------------------------------------------

def _disputed(app, cast, *, km="100"):
    with app.app_context():
        organisation = db.session.get(Organisation, cast.org_a)
        start = (utcnow() - timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
        order = factories.order(organisation, sessions=[(start, 45)], status="filled")
        expert = factories.expert()
        assignment = factories.booking(order, expert, status="disputed")[0]
        db.session.add(CompletionReport(
            assignment=assignment, reported_by_id=expert.user_id, duration_minutes=45,
            remote=False, km_driven=Decimal(km), one_way_km=Decimal("50"),
            disputed_at=utcnow(), dispute_reason="Matka oli lyhyempi."))
        db.session.commit()
        return assignment.id, expert.user.email


def test_correct_reprices_confirms_and_shows_the_difference(app, client, cast, token_of):
    assignment_id, expert_email = _disputed(app, cast)
    response = client.post(f"/api/v1/assignments/{assignment_id}/resolve",
                           headers=bearer(token_of("coordinator")),
                           json={"action": "correct", "reason": "Kuitin mukaan 40 km.",
                                 "travel": {"km_driven": "40", "one_way_km": "20"}})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["assignment"]["status"] == "confirmed"
    before, after = Decimal(body["before"]["travel"]), Decimal(body["after"]["travel"])
    assert after < before and after > 0
    assert Decimal(body["difference"]) == Decimal(body["after"]["total"]) - Decimal(
        body["before"]["total"])
    assert Decimal(body["payout_item"]["travel"]) == after
    with app.app_context():
        report = db.session.scalar(select(CompletionReport).where(
            CompletionReport.assignment_id == assignment_id))
        assert report.km_driven == Decimal("40") and report.resolution == "correct"
        told = set(db.session.scalars(select(OutboxMessage.to_address).where(
            OutboxMessage.kind == "dispute_resolved")))
        assert expert_email in told and cast.a_admin in told


def test_void_needs_a_reason_and_pays_nothing(app, client, cast, token_of):
    assignment_id, _ = _disputed(app, cast)
    headers = bearer(token_of("coordinator"))
    url = f"/api/v1/assignments/{assignment_id}/resolve"
    assert api_error(client.post(url, headers=headers, json={"action": "void"}),
                     422)["field"] == "reason"
    response = client.post(url, headers=headers,
                           json={"action": "void", "reason": "Työtä ei tehty."})
    assert response.status_code == 200
    assert response.get_json()["assignment"]["status"] == "voided"
    assert response.get_json()["payout_item"] is None
    with app.app_context():
        assert db.session.scalar(select(PayoutItem).where(
            PayoutItem.assignment_id == assignment_id)) is None
    # Resolved once: a second resolution is a conflict.
    assert api_error(client.post(url, headers=headers, json={"action": "confirm"}),
                     409)["code"] == "not_disputed"


@pytest.mark.parametrize("who", ["a_admin", "expert", "finance"])
def test_only_coordinators_resolve(app, client, cast, token_of, who):
    assignment_id, _ = _disputed(app, cast)
    api_error(client.post(f"/api/v1/assignments/{assignment_id}/resolve",
                          headers=bearer(token_of(who)), json={"action": "confirm"}), 403)


@pytest.mark.parametrize(("body", "status"), [
    ({"action": "approve"}, 422), ({"action": "correct"}, 422),
    ({"action": "correct", "duration_minutes": 0}, 422),
    ({"action": "correct", "travel": {"km_driven": "-3"}}, 422),
    ({"action": "correct", "travel": {"bogus": 1}}, 422), ({}, 422),
])
def test_bad_resolutions(app, client, cast, token_of, body, status):
    assignment_id, _ = _disputed(app, cast)
    api_error(client.post(f"/api/v1/assignments/{assignment_id}/resolve",
                          headers=bearer(token_of("coordinator")), json=body), status)
    with app.app_context():
        assert db.session.get(Assignment, assignment_id).status == "disputed"


def test_new_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/orders"] and "post" in paths["/api/v1/orders"]
    assert "patch" in paths["/api/v1/orders/{order_id}"]
    assert "post" in paths["/api/v1/assignments/{assignment_id}/resolve"]
    assert "409" in paths["/api/v1/orders/{order_id}/cancel"]["post"]["responses"]


def test_the_expert_is_asked_and_replies_to_a_dispute(app, client, cast, token_of, api_token):
    assignment_id, expert_email = _disputed(app, cast)
    with app.app_context():
        assignment = db.session.get(Assignment, assignment_id)
        assignment.status = "reported"
        assignment.report.disputed_at = assignment.report.dispute_reason = None
        db.session.commit()
    response = client.post(f"/api/v1/assignments/{assignment_id}/dispute",
                           headers=bearer(token_of("a_admin")), json={"reason": "Liian pitkä."})
    assert response.status_code == 200
    with app.app_context():
        asked = db.session.scalar(select(OutboxMessage.to_address).where(
            OutboxMessage.kind == "dispute_reply_request"))
        assert asked == expert_email
    # Another expert cannot answer for them.
    api_error(client.post(f"/api/v1/assignments/{assignment_id}/reply",
                          headers=bearer(token_of("expert")), json={"reply": "Minä"}), 404)
    own = bearer(api_token(client, expert_email, factories.DEFAULT_PASSWORD))
    api_error(client.post(f"/api/v1/assignments/{assignment_id}/reply", headers=own,
                          json={"reply": "  "}), 422)
    ok = client.post(f"/api/v1/assignments/{assignment_id}/reply", headers=own,
                     json={"reply": "Kiersin tietyön."})
    assert ok.status_code == 200, ok.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Assignment, assignment_id).report.expert_reply == \
            "Kiersin tietyön."
