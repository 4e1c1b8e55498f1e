"""GET /api/v1/invoices: finance sees all, an organisation member its own; keyset pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from app.extensions import db
from app.payments.reference_numbers import is_valid_finnish_reference, rf_reference
from tests import factories
from tests.payments.test_bank_payments import invoiced


def bearer(client, api_token, user) -> dict:
    return {"Authorization": f"Bearer {api_token(client, user.email)}"}


@pytest.fixture
def two_organisations(now):
    org_a, org_b = factories.organisation(), factories.organisation()
    own = [invoiced(now + timedelta(seconds=i), org_a) for i in range(3)]
    other = invoiced(now, org_b)
    member = factories.member(org_a)
    db.session.commit()
    return own, other, member


def test_a_member_sees_only_the_organisations_own_invoices(client, api_token, two_organisations):
    own, other, member = two_organisations
    response = client.get("/api/v1/invoices", headers=bearer(client, api_token, member))
    assert response.status_code == 200
    body = response.get_json()
    assert body["next"] is None
    assert [item["id"] for item in body["items"]] == [i.id for i in reversed(own)]
    item = body["items"][0]
    assert is_valid_finnish_reference(item["reference_number"])
    assert item["rf_reference"] == rf_reference(item["reference_number"])
    assert item["status"] == "open" and item["total"] == "42.60"
    assert item["missing"] == "42.60" and item["amount_paid"] == "0.00"
    assert item["due_date"] == own[-1].due_date.isoformat()
    assert other.id not in {i["id"] for i in body["items"]}


def test_finance_sees_all_in_pages(client, api_token, two_organisations):
    own, other, _member = two_organisations
    finance = factories.user("finance")
    db.session.commit()
    headers = bearer(client, api_token, finance)
    seen, cursor = [], None
    while True:
        url = "/api/v1/invoices?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).get_json()
        assert len(body["items"]) <= 2
        seen += [item["id"] for item in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert sorted(seen) == sorted([i.id for i in own] + [other.id])
    assert len(seen) == len(set(seen))
    paid = client.get("/api/v1/invoices?status=paid", headers=headers).get_json()
    assert paid["items"] == []


@pytest.mark.parametrize(("query", "field"), [("limit=0", "limit"), ("limit=201", "limit"),
                                              ("cursor=forged", "cursor"),
                                              ("status=bogus", "status")])
def test_bad_parameters_are_422(client, api_token, two_organisations, query, field):
    _own, _other, member = two_organisations
    response = client.get(f"/api/v1/invoices?{query}", headers=bearer(client, api_token, member))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


@pytest.mark.parametrize("role", ["expert", "coordinator"])
def test_other_roles_are_refused(client, api_token, role):
    user = factories.user(role)
    db.session.commit()
    assert client.get("/api/v1/invoices", headers=bearer(client, api_token, user)).status_code \
        == 403
    assert client.get("/api/v1/invoices").status_code == 401


def test_a_partly_paid_invoice_shows_what_is_missing(client, api_token, now):
    from datetime import date

    from app.payments import services

    invoice = invoiced(now)
    finance = factories.user("finance")
    services.register_bank_payment(finance, invoice.reference_number, Decimal("40.00"),
                                   date(2026, 12, 1), now=now)
    db.session.commit()
    body = client.get("/api/v1/invoices", headers=bearer(client, api_token, finance)).get_json()
    (item,) = [i for i in body["items"] if i["id"] == invoice.id]
    assert item["amount_paid"] == "40.00" and item["missing"] == "2.60"
    assert item["status"] == "open"


def test_finance_registers_a_bank_payment_through_the_api(client, api_token, now):
    invoice = invoiced(now)
    finance = factories.user("finance")
    member = factories.member(invoice.organisation)
    db.session.commit()
    headers = bearer(client, api_token, finance)
    body = {"reference": rf_reference(invoice.reference_number), "amount": "40.00",
            "paid_on": "2026-12-01", "archive_id": "API-1"}
    first = client.post("/api/v1/bank-payments", json=body, headers=headers)
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["outcome"] == "partly_paid"
    assert first.get_json()["invoice"]["missing"] == "2.60"
    again = client.post("/api/v1/bank-payments", json=body, headers=headers)
    assert again.get_json()["outcome"] == "duplicate"
    rest = client.post("/api/v1/bank-payments", json={**body, "amount": 2.6, "archive_id": "A2"},
                       headers=headers)
    assert rest.get_json()["outcome"] == "paid"
    assert rest.get_json()["invoice"]["status"] == "paid"
    more = client.post("/api/v1/bank-payments", json={**body, "archive_id": "A3"},
                       headers=headers)
    assert more.status_code == 409 and more.get_json()["error"]["code"] == "already_paid"
    for bad, field in [({**body, "reference": "12345673"}, "reference"),
                       ({**body, "amount": "-1"}, "amount"),
                       ({**body, "paid_on": "eilen"}, "paid_on")]:
        response = client.post("/api/v1/bank-payments", json=bad, headers=headers)
        assert response.status_code == 422 and response.get_json()["error"]["field"] == field
    unknown = client.post("/api/v1/bank-payments", json={**body, "reference": "1232"},
                          headers=headers)
    assert unknown.status_code == 404
    assert client.post("/api/v1/bank-payments", data="[]", headers=headers,
                       content_type="application/json").status_code == 400
    assert client.post("/api/v1/bank-payments", json=body,
                       headers=bearer(client, api_token, member)).status_code == 403
