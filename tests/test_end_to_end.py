"""The whole money path through the API, with amounts checked against the fee engine's quote:
order → invitation → accept → report → confirm → approve → batch → paid."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pyotp
import pytest
from sqlalchemy import update

from app.bookings.models import Assignment, OrderSession
from app.common.timeutil import to_helsinki, utcnow
from app.experts.services import store_identity_code
from app.extensions import db
from tests import factories

TRAVEL = {"km_driven": "84", "passengers": 1, "public_transport_eur": "0",
          "parking_eur": "4.50", "trip_hours": "7", "one_way_km": "42", "free_meals": 1}


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        yield


def bearer(client, api_token, user) -> dict:
    return {"Authorization": f"Bearer {api_token(client, user.email)}"}


def test_order_to_paid_matches_the_quote(client, api_token):
    organiser = factories.member(is_admin=True)
    coordinator = factories.user("coordinator")
    secret = pyotp.random_base32()
    finance = factories.user("finance", totp_secret=secret)
    expert = factories.expert(home_municipality_code="684", iban="FI2112345600000785",
                              withholding_percent=Decimal("25.50"))
    store_identity_code(expert, "131052-308T")
    db.session.commit()
    org, staff, money_people = (bearer(client, api_token, u) for u in
                                (organiser, coordinator, finance))
    expert_headers = bearer(client, api_token, expert.user)

    start = (utcnow() + timedelta(days=8)).replace(minute=0, second=0, microsecond=0)
    created = client.post("/api/v1/orders", headers=org, json={
        "title": "Kokemuspuheenvuoro", "assignment_type": "lecture",
        "expertise_areas": ["mental-health"], "language": "fi", "experts_needed": 1,
        "starts_at": to_helsinki(start).isoformat(), "duration_minutes": 45, "remote": False,
        "municipality_code": "609", "address": "Itsenäisyydenkatu 33, Pori",
        "billing_reference": "KP-E2E"})
    assert created.status_code == 201, created.get_json()
    order_id = created.get_json()["id"]

    invited = client.post(f"/api/v1/orders/{order_id}/invitations", headers=staff,
                          json={"expert_ids": [expert.id]})
    assert invited.status_code == 201, invited.get_json()
    invitation_id = invited.get_json()["items"][0]["id"]
    accepted = client.post(f"/api/v1/invitations/{invitation_id}/accept", headers=expert_headers)
    assert accepted.status_code == 200, accepted.get_json()
    assignment_id = accepted.get_json()["assignments"][0]["id"]

    # Drive the clock: the work took place yesterday (no sleeping).
    worked = (utcnow() - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    db.session.execute(update(Assignment).where(Assignment.id == assignment_id).values(
        starts_at=worked, ends_at=worked + timedelta(minutes=90)))
    db.session.execute(update(OrderSession).where(OrderSession.order_id == order_id)
                       .values(starts_at=worked))
    db.session.commit()

    quoted = client.post("/api/v1/fees/quote", json={
        "assignment_type": "lecture", "duration_minutes": 90,
        "date": to_helsinki(worked).date().isoformat(), "travel": TRAVEL}).get_json()
    reported = client.post(f"/api/v1/assignments/{assignment_id}/report", headers=expert_headers,
                           json={"duration_minutes": 90, "remote": False, "travel": TRAVEL})
    assert reported.status_code == 200, reported.get_json()
    assert reported.get_json()["priced"] == {k: quoted[k] for k in
                                             ("fee", "travel", "per_diem", "total")}

    confirmed = client.post(f"/api/v1/assignments/{assignment_id}/confirm", headers=org)
    assert confirmed.status_code == 200, confirmed.get_json()
    item = confirmed.get_json()["payout_item"]
    fee, travel, per_diem = (Decimal(quoted[k]) for k in ("fee", "travel", "per_diem"))
    withholding = (fee * Decimal("0.255")).quantize(Decimal("0.01"))
    assert (item["fee"], item["travel"], item["per_diem"]) == (quoted["fee"], quoted["travel"],
                                                               quoted["per_diem"])
    assert item["withholding_percent"] == "25.50"
    assert Decimal(item["withholding"]) == withholding
    assert Decimal(item["net_fee"]) == fee - withholding
    assert Decimal(item["total_paid"]) == fee - withholding + travel + per_diem

    pending = client.get("/api/v1/payouts?status=pending_approval", headers=money_people)
    assert [p["id"] for p in pending.get_json()["items"]] == [item["id"]]
    wrong = client.post(f"/api/v1/payouts/{item['id']}/approve", headers=money_people,
                        json={"totp": "000000" if pyotp.TOTP(secret).now() != "000000"
                              else "111111"})
    assert wrong.status_code == 403
    approved = client.post(f"/api/v1/payouts/{item['id']}/approve", headers=money_people,
                           json={"totp": pyotp.TOTP(secret).now()})
    assert approved.status_code == 200, approved.get_json()

    batch = client.post("/api/v1/payout-batches", headers=money_people,
                        json={"item_ids": [item["id"]]})
    assert batch.status_code == 201, batch.get_json()
    assert batch.get_json()["total_net"] == item["total_paid"]
    xml = client.get(f"/api/v1/payout-batches/{batch.get_json()['id']}/pain001",
                     headers=money_people).get_data(as_text=True)
    assert f"<CtrlSum>{item['total_paid']}</CtrlSum>" in xml
    payroll = client.get(f"/api/v1/payout-batches/{batch.get_json()['id']}/payroll",
                         headers=money_people)
    rows = list(csv.DictReader(io.StringIO(payroll.get_data(as_text=True), newline="")))
    assert sum(Decimal(r["net"]) for r in rows) == Decimal(item["total_paid"])
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal(item["total_paid"]) + Decimal(
        item["withholding"])
    assert {"fee", "kilometre_allowance", "passenger_supplement"} <= {r["component"] for r in rows}
    assert {r["payee_identity_code"] for r in rows} == {"131052-308T"}
    paid = client.post(f"/api/v1/payout-batches/{batch.get_json()['id']}/paid",
                       headers=money_people)
    assert paid.status_code == 200, paid.get_json()

    mine = client.get("/api/v1/me/assignments", headers=expert_headers).get_json()["items"]
    assert [a["status"] for a in mine] == ["paid"]
    year = to_helsinki(worked).year
    earnings = client.get(f"/api/v1/me/earnings?year={year}", headers=expert_headers).get_json()
    assert earnings["year"] == year
    assert (earnings["totals"]["fee"], earnings["totals"]["travel"],
            earnings["totals"]["per_diem"]) == (quoted["fee"], quoted["travel"],
                                                quoted["per_diem"])
    month = to_helsinki(worked).month
    (row,) = [m for m in earnings["months"] if m["month"] == month]
    assert Decimal(row["withholding"]) == withholding
