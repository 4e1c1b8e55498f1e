"""No input gives a 500 (issue 11, point 6): illegal state moves are 409s, ids beyond the
database's integer range 404 / 422, control characters 422, more decimals than a column
holds 422 with the field named, a signed Stripe event without an id 400."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import stripe

from app.common.timeutil import utcnow
from app.extensions import db
from tests import factories
from tests.web.helpers import api_error, bearer

TOO_BIG = 2**31  # one beyond PostgreSQL's INTEGER
HUGE = 10**20  # beyond BIGINT too


@pytest.fixture
def booked(app, cast):
    """``booked(status=…, past=…)``: the cast's expert booked for a new order of
    organisation A; (order id, assignment id, invitation id)."""

    def booked(**options):
        with app.app_context():
            return _booked(cast, **options)

    return booked


def _booked(cast, *, status: str = "booked", past: bool = False):
    from app.organisations.models import Organisation

    start = utcnow() + (timedelta(days=-2) if past else timedelta(days=10))
    start = start.replace(minute=0, second=0, microsecond=0)
    order = factories.order(db.session.get(Organisation, cast.org_a), status="filled",
                            sessions=[(start, 60)])
    from app.experts.models import ExpertProfile

    (assignment,) = factories.booking(order, db.session.get(ExpertProfile, cast.expert_id),
                                      status=status)
    db.session.commit()
    return order.id, assignment.id, assignment.invitation_id


# --- illegal state moves are 409 illegal_transition ------------------------------------------


def test_declining_an_accepted_invitation_is_409(client, booked, token_of):
    _, _, invitation_id = booked()
    response = client.post(f"/api/v1/invitations/{invitation_id}/decline",
                           headers=bearer(token_of("expert")), json={"reason": "sairas"})
    assert api_error(response, 409)["code"] == "illegal_transition"


def test_disputing_a_confirmed_report_is_409(client, booked, token_of):
    _, assignment_id, _ = booked(status="confirmed", past=True)
    response = client.post(f"/api/v1/assignments/{assignment_id}/dispute",
                           headers=bearer(token_of("a_admin")), json={"reason": "ei pidä"})
    assert api_error(response, 409)["code"] == "illegal_transition"


def test_an_illegal_transition_is_a_domain_conflict():
    from app.common.errors import Conflict, DomainError
    from app.common.statemachine import IllegalTransition, StateMachine

    machine = StateMachine("DOOR", {("open", "close"): "closed"})
    with pytest.raises(IllegalTransition) as error:
        machine.next_state("closed", "close")
    assert isinstance(error.value, Conflict) and isinstance(error.value, DomainError)
    assert (error.value.status, error.value.code) == (409, "illegal_transition")
    assert "cannot close from closed" in error.value.detail


# --- ids beyond the integer range ------------------------------------------------------------


@pytest.mark.parametrize("number", [TOO_BIG, HUGE, 2**63, 2**64 + 1])
@pytest.mark.parametrize("path", ["/api/v1/orders/{n}", "/api/v1/invoices/{n}",
                                  "/api/v1/payouts/{n}"])
def test_an_id_beyond_the_database_is_404(client, cast, token_of, path, number):
    response = client.get(path.format(n=number), headers=bearer(token_of("coordinator")))
    assert api_error(response, 404)["code"] == "not_found"


def test_the_largest_integer_id_is_an_ordinary_404(client, cast, token_of):
    response = client.get(f"/api/v1/orders/{TOO_BIG - 1}", headers=bearer(token_of("coordinator")))
    api_error(response, 404)


@pytest.mark.parametrize("value", [TOO_BIG, -TOO_BIG, HUGE])
def test_an_id_beyond_the_database_in_a_json_body_is_422(client, cast, token_of, value):
    response = client.post(f"/api/v1/orders/{cast.order_a}/invitations",
                           headers=bearer(token_of("coordinator")),
                           json={"expert_ids": [cast.expert_id, value]})
    error = api_error(response, 422)
    assert error["field"] == "expert_ids[1]"


@pytest.mark.parametrize("body", ['{"duration_minutes": NaN}', '{"duration_minutes": Infinity}',
                                  '{"duration_minutes": 1e400}'])
def test_numbers_that_are_not_finite_are_422(client, booked, token_of, body):
    _, assignment_id, _ = booked(past=True)
    response = client.post(f"/api/v1/assignments/{assignment_id}/report", data=body,
                           content_type="application/json", headers=bearer(token_of("expert")))
    assert api_error(response, 422)["field"] == "duration_minutes"


# --- control characters ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Luento\x00", "\x1b[31mpunainen", "a\x7fb", "\x85", "\ud800"])
def test_control_characters_in_json_text_are_422_with_the_field(client, cast, token_of, text):
    response = client.post("/api/v1/orders", headers=bearer(token_of("a_admin")),
                           data=json.dumps({"title": "Luento", "description": text}),
                           content_type="application/json")
    error = api_error(response, 422)
    assert (error["code"], error["field"]) == ("control_characters", "description")


def test_control_characters_in_nested_json_name_the_path(client, booked, token_of):
    _, assignment_id, _ = booked(past=True)
    response = client.post(f"/api/v1/assignments/{assignment_id}/report",
                           headers=bearer(token_of("expert")),
                           json={"duration_minutes": 60, "travel": {"km_driven\x00": 3}})
    assert api_error(response, 422)["field"] == "travel.km_driven\x00"


def test_ordinary_whitespace_is_text(client, cast, token_of):
    response = client.post("/api/v1/orders", headers=bearer(token_of("a_admin")),
                           json={"title": "Luento", "description": "Rivi 1\r\nRivi 2\tsarkain"})
    assert api_error(response, 422)["code"] != "control_characters"  # other fields are missing


def test_control_characters_in_the_query_are_422(client, cast, token_of):
    response = client.get("/api/v1/experts?q=mieli%00", headers=bearer(token_of("a_admin")))
    error = api_error(response, 422)
    assert (error["code"], error["field"]) == ("control_characters", "q")


def test_control_characters_in_the_sign_in_are_422(client):
    response = client.post("/api/v1/auth/token", json={"email": "a\x00@example.fi",
                                                       "password": "x"})
    assert api_error(response, 422)["field"] == "email"


# --- decimals beyond the column ---------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), [("km_driven", "12.34"), ("one_way_km", "20.05"),
                                              ("parking_eur", "3.001"),
                                              ("public_transport_eur", 2.555)])
def test_more_decimals_than_the_report_holds_is_422_with_the_field(client, booked, token_of,
                                                                   field, value):
    _, assignment_id, _ = booked(past=True)
    response = client.post(f"/api/v1/assignments/{assignment_id}/report",
                           headers=bearer(token_of("expert")),
                           json={"duration_minutes": 60, "travel": {field: value}})
    error = api_error(response, 422)
    assert (error["code"], error["field"]) == ("too_many_decimals", field)


def test_as_many_decimals_as_the_report_holds_is_fine(client, booked, token_of):
    _, assignment_id, _ = booked(past=True)
    response = client.post(f"/api/v1/assignments/{assignment_id}/report",
                           headers=bearer(token_of("expert")),
                           json={"duration_minutes": 60,
                                 "travel": {"km_driven": "12.3", "parking_eur": "3.50"}})
    assert response.status_code == 200, response.get_data(as_text=True)


# --- Stripe ------------------------------------------------------------------------------


@pytest.mark.parametrize("event", [
    {"object": "event", "type": "invoice.paid", "data": {"object": {}}},
    {"id": None, "object": "event", "type": "invoice.paid"},
    {"id": 12, "object": "event", "type": "invoice.paid"},
    {"id": "", "object": "event", "type": "invoice.paid"},
    {"id": "evt_" + "x" * 300, "object": "event", "type": "invoice.paid"},
    {"id": "evt_\x00", "object": "event", "type": "invoice.paid"},
    {"id": "evt_1", "object": "event"},
    [1, 2],
    "evt_1",
], ids=["no id", "null id", "number id", "empty id", "long id", "nul id", "no type", "list",
        "string"])
def test_a_signed_stripe_event_without_a_usable_id_is_400(client, app, event, monkeypatch):
    from app.payments.models import StripeEvent

    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "whsec_hardening")
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, "whsec_hardening")
    response = client.post("/stripe/webhook", data=payload, content_type="application/json",
                           headers={"Stripe-Signature": header})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(StripeEvent).count() == 0
