"""The booking endpoints of the API: orders, invitations, accept, decline, cancel."""

from __future__ import annotations

from datetime import timedelta

from app.bookings import services
from app.common.timeutil import to_helsinki
from app.extensions import db
from tests import factories


def bearer(client, api_token, user) -> dict:
    return {"Authorization": f"Bearer {api_token(client, user.email)}"}


def test_organisation_orders_and_cancels_through_the_api(client, api_token, world):
    organiser = world["organiser"]
    headers = bearer(client, api_token, organiser)
    start = to_helsinki(world["start"] + timedelta(days=3)).isoformat()
    created = client.post("/api/v1/orders", headers=headers, json={
        "title": "Kokemuspuheenvuoro", "assignment_type": "lecture",
        "expertise_areas": ["mental-health"], "language": "fi", "experts_needed": 1,
        "starts_at": start, "duration_minutes": 45, "remote": False, "municipality_code": "609",
        "address": "Itsenäisyydenkatu 33, Pori"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "submitted" and body["booked"] == 0 and body["invitations"] == []
    assert set(body["estimate"]) >= {"fee", "travel", "per_diem", "total", "total_all"}
    fetched = client.get(f"/api/v1/orders/{body['id']}", headers=headers)
    assert fetched.status_code == 200 and fetched.get_json()["starts_at"] == start
    cancelled = client.post(f"/api/v1/orders/{body['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200
    assert cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["cancelled_late"] is False
    again = client.post(f"/api/v1/orders/{body['id']}/cancel", headers=headers)
    assert again.status_code == 409


def test_invite_accept_and_the_late_accepter_gets_409(client, api_token, world, coordinator):
    experts = world["experts"]
    db.session.commit()
    staff = bearer(client, api_token, coordinator)
    invited = client.post(f"/api/v1/orders/{world['order'].id}/invitations", headers=staff,
                          json={"expert_ids": [experts[0].id, experts[1].id]})
    assert invited.status_code == 201, invited.get_json()
    first, second = invited.get_json()["items"]
    mine = client.get("/api/v1/me/invitations", headers=bearer(client, api_token, experts[0].user))
    assert [i["id"] for i in mine.get_json()["items"]] == [first["id"]]
    accepted = client.post(f"/api/v1/invitations/{first['id']}/accept",
                           headers=bearer(client, api_token, experts[0].user))
    assert accepted.status_code == 200, accepted.get_json()
    late = client.post(f"/api/v1/invitations/{second['id']}/accept",
                       headers=bearer(client, api_token, experts[1].user))
    assert late.status_code == 409
    assert late.get_json()["error"]["code"] == "order_filled"
    assignments = client.get("/api/v1/me/assignments",
                             headers=bearer(client, api_token, experts[0].user)).get_json()
    assert [a["status"] for a in assignments["items"]] == ["booked"]
    assert set(assignments["items"][0]) == {"id", "order_id", "starts_at", "duration_minutes",
                                            "status"}


def test_invite_top_candidates_and_decline_without_reason(client, api_token, world, coordinator):
    db.session.commit()
    invited = client.post(f"/api/v1/orders/{world['order'].id}/invitations",
                          headers=bearer(client, api_token, coordinator), json={"top": 1})
    assert invited.status_code == 201, invited.get_json()
    (invitation,) = invited.get_json()["items"]
    nearest = world["experts"][0]
    declined = client.post(f"/api/v1/invitations/{invitation['id']}/decline",
                           headers=bearer(client, api_token, nearest.user))
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"


def test_experts_cannot_invite_and_strangers_cannot_answer(client, api_token, world, coordinator):
    (invitation,) = services.invite_experts(coordinator, world["order"],
                                            [world["experts"][0].id])
    db.session.commit()
    expert_headers = bearer(client, api_token, world["experts"][1].user)
    assert client.post(f"/api/v1/orders/{world['order'].id}/invitations",
                       headers=expert_headers, json={"expert_ids": [1]}).status_code == 403
    assert client.post(f"/api/v1/invitations/{invitation.id}/accept",
                       headers=expert_headers).status_code == 404
    stranger = factories.member(is_admin=True)
    db.session.commit()
    assert client.post(f"/api/v1/orders/{world['order'].id}/cancel",
                       headers=bearer(client, api_token, stranger)).status_code == 404


def test_invitation_input_errors_are_422(client, api_token, world, coordinator):
    db.session.commit()
    headers = bearer(client, api_token, coordinator)
    url = f"/api/v1/orders/{world['order'].id}/invitations"
    for body in ({}, {"expert_ids": "x"}, {"expert_ids": [True]}, {"expert_ids": []}):
        response = client.post(url, headers=headers, json=body)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["field"] == "expert_ids"
