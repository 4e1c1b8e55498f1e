"""GET /api/v1/orders/{id}/matches: coordinators' ranked candidates, with reasons as text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.extensions import db
from app.matching.rules import FILTER_CODES
from tests import factories
from tests.web.helpers import api_error, bearer

ITEM_KEYS = {"expert_id", "display_name", "rank", "score", "reasons", "warnings", "distance_km"}
CODES = set(FILTER_CODES) | {"distance", "remote", "recent_assignments", "earnings_limit_month",
                             "earnings_limit_year"}


def matches(client, token: str, order_id: int, **headers):
    return client.get(f"/api/v1/orders/{order_id}/matches",
                      headers={**bearer(token), **headers})


@pytest.fixture
def limited_expert(app, cast) -> int:
    """A second candidate in Tampere whose monthly limit this 30 € lecture would cross."""
    with app.app_context():
        expert = factories.expert(home_municipality_code="837", travel_range_km=300,
                                  monthly_earnings_limit=Decimal("10.00"))
        db.session.commit()
        return expert.id


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_answer_shape(client, cast, token_of, limited_expert, who):
    response = matches(client, token_of(who), cast.order_a)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"items", "next"} and body["next"] is None
    items = {item["expert_id"]: item for item in body["items"]}
    assert list(items)[:2] == [cast.expert_id, limited_expert]  # Pori before Tampere
    for item in body["items"]:
        assert set(item) == ITEM_KEYS
        assert isinstance(item["score"], str) and Decimal(item["score"])
        assert item["reasons"] and all(isinstance(text, str) for text in item["reasons"])
        assert all(isinstance(text, str) for text in item["warnings"])
    near = items[cast.expert_id]
    assert near["distance_km"] == "0.0" and near["rank"] == 1
    assert near["score"] == "1000.0"
    assert near["warnings"] == []
    far = items[limited_expert]
    assert Decimal("100") < Decimal(far["distance_km"]) < Decimal("200")
    assert len(far["warnings"]) == 1


def test_reasons_are_human_readable_text_not_codes(client, cast, token_of, limited_expert):
    response = matches(client, token_of("coordinator"), cast.order_a, **{"Accept-Language": "en"})
    items = {item["expert_id"]: item for item in response.get_json()["items"]}
    texts = [t for item in items.values() for t in item["reasons"] + item["warnings"]]
    assert not CODES & set(texts)
    assert all(" " in text for text in texts)
    assert "About 0.0 km from home to the place by road" in items[cast.expert_id]["reasons"]
    assert "No paid assignments in the last 90 days" in items[cast.expert_id]["reasons"]
    assert "monthly earnings limit" in items[limited_expert]["warnings"][0]


def test_reasons_in_finnish_by_default(client, cast, token_of):
    response = matches(client, token_of("coordinator"), cast.order_a, **{"Accept-Language": "fi"})
    reasons = response.get_json()["items"][0]["reasons"]
    assert any("km" in text and "0,0" in text for text in reasons), reasons


@pytest.mark.parametrize("who", ["a_member", "a_admin", "b_member", "expert", "finance"])
def test_only_coordinators_and_admins(client, cast, token_of, who):
    response = matches(client, token_of(who), cast.order_a)
    api_error(response, 403)
    assert "expert_id" not in response.get_data(as_text=True)


def test_unknown_order(client, cast, token_of):
    api_error(matches(client, token_of("coordinator"), cast.order_b + 1000), 404)


def test_needs_a_token(client, cast):
    api_error(client.get(f"/api/v1/orders/{cast.order_a}/matches"), 401)


def test_documented_in_openapi(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/orders/{order_id}/matches"]["get"]
    assert {"200", "401", "403", "404"} <= set(operation["responses"])
