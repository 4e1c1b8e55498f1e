"""The payout API: four eyes and TOTP as 403, state conflicts as 409, batches, earnings."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests import factories
from tests.factories import DEFAULT_PASSWORD
from tests.payouts.helpers import approved, code, expert_with_iban, finance_user, payout


def bearer(client, api_token, user) -> dict:
    return {"Authorization": f"Bearer {api_token(client, user.email)}"}


@pytest.fixture
def live_now(monkeypatch, now):
    """The API uses the clock; pin it to ``now`` so that codes made for ``now`` are current."""
    import app.api.payouts as api

    monkeypatch.setattr(api, "utcnow", lambda: now)
    return now


def test_list_by_status_for_finance_only(client, api_token, finance, now):
    waiting = payout()
    other = payout()
    approved([other], finance, now)
    db.session.commit()
    response = client.get("/api/v1/payouts?status=pending_approval",
                          headers=bearer(client, api_token, finance))
    assert response.status_code == 200
    body = response.get_json()
    assert body["next"] is None
    (item,) = body["items"]
    assert item == {
        "id": waiting.id, "assignment_id": waiting.assignment_id, "expert_id": waiting.expert_id,
        "status": "pending_approval", "fee": "30.00", "travel": "0.00", "per_diem": "0.00",
        "withholding_percent": "60.00", "withholding": "18.00", "net_fee": "12.00",
        "total_paid": "12.00", "work_date": "2026-03-10", "batch_id": None,
        "rejection_reason": None,
    }
    everything = client.get("/api/v1/payouts", headers=bearer(client, api_token, finance))
    assert {i["id"] for i in everything.get_json()["items"]} == {waiting.id, other.id}
    bad = client.get("/api/v1/payouts?status=nonsense", headers=bearer(client, api_token, finance))
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "status"
    expert = waiting.expert.user
    assert client.get("/api/v1/payouts", headers=bearer(client, api_token, expert)
                      ).status_code == 403


def test_four_eyes_and_totp_are_403_and_another_finance_user_may_approve(
        client, api_token, finance, other_finance, live_now):
    item = payout(reported_by=finance)
    payee = finance_user()
    paid_to_finance = payout(expert_with_iban(), reported_by=factories.user("coordinator"))
    paid_to_finance.expert.user_id = payee.id
    db.session.commit()
    url = f"/api/v1/payouts/{item.id}/approve"

    reporter = client.post(url, json={"totp": code(finance, live_now)},
                           headers=bearer(client, api_token, finance))
    assert reporter.status_code == 403
    assert reporter.get_json()["error"]["code"] == "four_eyes"

    own = client.post(f"/api/v1/payouts/{paid_to_finance.id}/approve",
                      json={"totp": code(payee, live_now)},
                      headers=bearer(client, api_token, payee))
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "four_eyes"

    wrong = "000000" if code(other_finance, live_now) != "000000" else "111111"
    bad_code = client.post(url, json={"totp": wrong},
                           headers=bearer(client, api_token, other_finance))
    assert bad_code.status_code == 403
    assert bad_code.get_json()["error"] == {
        "code": "invalid_totp", "field": "totp",
        "message": bad_code.get_json()["error"]["message"]}
    missing = client.post(url, json={}, headers=bearer(client, api_token, other_finance))
    assert missing.status_code == 403 and missing.get_json()["error"]["code"] == "invalid_totp"
    not_json = client.post(url, data="totp", headers=bearer(client, api_token, other_finance))
    assert not_json.status_code == 400

    ok = client.post(url, json={"totp": code(other_finance, live_now)},
                     headers=bearer(client, api_token, other_finance))
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["status"] == "approved"
    again = client.post(url, json={"totp": code(other_finance, live_now)},
                        headers=bearer(client, api_token, other_finance))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_pending"
    unknown = client.post("/api/v1/payouts/999999/approve",
                          json={"totp": code(other_finance, live_now)},
                          headers=bearer(client, api_token, other_finance))
    assert unknown.status_code == 404


def test_finance_without_two_factor_gets_no_token(client, live_now):
    """Finance signs in with a code: without two-factor authentication there is no token."""
    user = finance_user(totp_secret=None)
    db.session.commit()
    body = {"email": user.email, "password": DEFAULT_PASSWORD}
    response = client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "totp_required"
    response = client.post("/api/v1/auth/token", json={**body, "totp": "123456"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "totp_invalid"


def test_reject_needs_a_reason_and_the_expert_sees_it(client, api_token, login, finance,
                                                      live_now):
    item = payout()
    db.session.commit()
    url = f"/api/v1/payouts/{item.id}/reject"
    headers = bearer(client, api_token, finance)
    no_reason = client.post(url, json={"totp": code(finance, live_now)}, headers=headers)
    assert no_reason.status_code == 422
    assert no_reason.get_json()["error"]["field"] == "reason"
    response = client.post(url, json={"totp": code(finance, live_now), "reason":
                                      "Matkakuitti puuttuu."}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["status"] == "rejected"
    assert response.get_json()["rejection_reason"] == "Matkakuitti puuttuu."
    expert_client = client.application.test_client()
    login(expert_client, item.expert.user.email)
    page = expert_client.get("/expert/money?year=2026").get_data(as_text=True)
    assert "Matkakuitti puuttuu." in page


def test_bulk_approve_batch_and_paid_through_the_api(client, api_token, finance, other_finance,
                                                     live_now):
    items = [payout(), payout(expert_with_iban(1))]
    db.session.commit()
    headers = bearer(client, api_token, finance)
    approve = client.post("/api/v1/payouts/approve",
                          json={"item_ids": [i.id for i in items], "totp": code(finance, live_now)},
                          headers=headers)
    assert approve.status_code == 200
    assert [i["status"] for i in approve.get_json()["items"]] == ["approved", "approved"]
    made = client.post("/api/v1/payout-batches", json={}, headers=headers)
    assert made.status_code == 201, made.get_json()
    batch = made.get_json()
    assert sorted(batch["item_ids"]) == sorted(i.id for i in items)
    assert batch["total_net"] == "24.00" and batch["status"] == "exported"
    assert batch["payment_date"] == "2026-03-20"
    again = client.post("/api/v1/payout-batches", json={"item_ids": [items[0].id]},
                        headers=headers)
    assert again.status_code == 409
    xml = client.get(f"/api/v1/payout-batches/{batch['id']}/pain001", headers=headers)
    assert xml.status_code == 200 and b"<CtrlSum>24.00</CtrlSum>" in xml.data
    paid = client.post(f"/api/v1/payout-batches/{batch['id']}/paid",
                       headers=bearer(client, api_token, other_finance))
    assert paid.status_code == 200 and paid.get_json()["status"] == "paid"
    assert paid.get_json()["payment_date"] == "2026-03-20"
    admin = factories.user("admin")
    db.session.commit()
    payroll = client.get(f"/api/v1/payout-batches/{batch['id']}/payroll",
                         headers=bearer(client, api_token, admin))
    assert payroll.status_code == 403  # identity codes: finance only
    twice = client.post(f"/api/v1/payout-batches/{batch['id']}/paid", headers=headers)
    assert twice.status_code == 409
    assert twice.get_json()["error"]["code"] == "batch_already_paid"


def test_a_batch_names_the_experts_it_left_out(client, api_token, finance, now):
    kept, nameless = payout(), payout(expert_with_iban(1, full_name="☺"))
    approved([kept, nameless], finance, now)
    db.session.commit()
    made = client.post("/api/v1/payout-batches", json={},
                       headers=bearer(client, api_token, finance))
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["left_out"] == ["☺"]
    assert made.get_json()["item_ids"] == [kept.id]


# --- the expert's earnings ------------------------------------------------------------------


MONTHS_2026 = {
    1: {"fee": "50.00", "withholding": "10.00", "net_fee": "40.00", "travel": "46.20",
        "per_diem": "25.00", "total_paid": "111.20", "paid": "70.20"},
    2: {"fee": "15.00", "withholding": "3.00", "net_fee": "12.00", "travel": "10.50",
        "per_diem": "0.00", "total_paid": "22.50", "paid": "0.00"},
}
YEAR_2026 = {"fee": "65.00", "withholding": "13.00", "net_fee": "52.00", "travel": "56.70",
             "per_diem": "25.00", "total_paid": "133.70", "paid": "70.20"}
ZERO_MONTH = {name: "0.00" for name in YEAR_2026}


def test_earnings_by_month_on_a_known_year(client, api_token, earnings_data):
    response = client.get("/api/v1/me/earnings?year=2026",
                          headers=bearer(client, api_token, earnings_data.user))
    assert response.status_code == 200
    body = response.get_json()
    assert body["year"] == 2026 and body["currency"] == "EUR"
    assert [m["month"] for m in body["months"]] == list(range(1, 13))
    for month in body["months"]:
        expected = MONTHS_2026.get(month["month"], ZERO_MONTH)
        assert {k: v for k, v in month.items() if k != "month"} == expected, month["month"]
    assert body["totals"] == YEAR_2026
    assert body["monthly_limit"] == "40.00" and body["yearly_limit"] == "1000.00"
    other_year = client.get("/api/v1/me/earnings?year=2025",
                            headers=bearer(client, api_token, earnings_data.user)).get_json()
    assert other_year["totals"]["fee"] == "30.00"


@pytest.mark.parametrize("year", ["26", "abc", "1999", "3000"])
def test_earnings_year_must_be_sensible(client, api_token, earnings_data, year):
    response = client.get(f"/api/v1/me/earnings?year={year}",
                          headers=bearer(client, api_token, earnings_data.user))
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "year"


def test_earnings_are_for_experts_only(client, api_token, finance):
    db.session.commit()
    response = client.get("/api/v1/me/earnings", headers=bearer(client, api_token, finance))
    assert response.status_code == 403
