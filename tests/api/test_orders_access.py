"""GET /api/v1/orders/{id}: an organisation reads its own orders only."""

from __future__ import annotations

import pytest

from tests.web.helpers import api_error, bearer


def test_member_reads_own_order(client, cast, token_of):
    response = client.get(f"/api/v1/orders/{cast.order_a}", headers=bearer(token_of("a_member")))
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == cast.order_a
    assert body["title"] == cast.order_a_title
    assert body["status"] == "submitted"


@pytest.mark.parametrize("who", ["a_member", "a_admin"])
def test_member_cannot_read_another_organisations_order(client, cast, token_of, who):
    response = client.get(f"/api/v1/orders/{cast.order_b}", headers=bearer(token_of(who)))
    error = api_error(response, 404)
    assert cast.order_b_title not in response.get_data(as_text=True)
    # The same answer as for an order that does not exist: nothing is revealed.
    missing = client.get(f"/api/v1/orders/{cast.order_b + 1000}", headers=bearer(token_of(who)))
    assert api_error(missing, 404) == error


@pytest.mark.parametrize(
    ("who", "status"),
    [("coordinator", 200), ("admin", 200), ("expert", 403), ("finance", 403)],
)
def test_staff_and_experts(client, cast, token_of, who, status):
    token = token_of(who)
    for order_id in (cast.order_a, cast.order_b):
        response = client.get(f"/api/v1/orders/{order_id}", headers=bearer(token))
        if status == 200:
            assert response.status_code == 200
            assert response.get_json()["id"] == order_id
        else:
            api_error(response, status)


def test_orders_need_a_token(client, cast):
    api_error(client.get(f"/api/v1/orders/{cast.order_a}"), 401)
