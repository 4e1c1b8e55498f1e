"""GET /api/v1/me/export and POST /api/v1/me/close."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from app.accounts.models import User
from app.extensions import db
from tests import factories
from tests.factories import DEFAULT_PASSWORD


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_export_answers_a_zip(pair, client):
    person, other = pair
    response = client.get("/api/v1/me/export", headers=_bearer(person.token))
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == person.email
    assert other.email not in response.data.decode("latin-1")


def test_export_needs_a_token(client):
    response = client.get("/api/v1/me/export")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_close_with_the_password(pair, client):
    person, _other = pair
    response = client.post("/api/v1/me/close", json={"password": DEFAULT_PASSWORD},
                           headers=_bearer(person.token))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"closed": True, "payment_data_erased": False}
    assert db.session.get(User, person.user_id).closed_at is not None
    again = client.get("/api/v1/me", headers=_bearer(person.token))
    assert again.status_code == 401


@pytest.mark.parametrize(("body", "status", "code", "field"), [
    ({"password": "wrong-password"}, 422, "wrong_password", "password"),
    ({}, 422, "missing_field", "password"),
    ({"password": 12}, 422, "missing_field", "password"),
])
def test_close_refuses_without_the_right_password(pair, client, body, status, code, field):
    person, _other = pair
    response = client.post("/api/v1/me/close", json=body, headers=_bearer(person.token))
    assert response.status_code == status
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert db.session.get(User, person.user_id).closed_at is None


def test_close_refuses_a_body_that_is_not_json(pair, client):
    person, _other = pair
    response = client.post("/api/v1/me/close", data="password", headers=_bearer(person.token))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"


def test_staff_accounts_are_closed_by_a_coordinator_not_by_the_api(client):
    from app.accounts.services import issue_api_token

    finance = factories.user("finance")
    token = issue_api_token(finance)
    db.session.commit()
    response = client.post("/api/v1/me/close", json={"password": DEFAULT_PASSWORD},
                           headers=_bearer(token))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert db.session.get(type(finance), finance.id).closed_at is None


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/me/export"]
    assert "application/zip" in paths["/api/v1/me/export"]["get"]["responses"]["200"]["content"]
    assert paths["/api/v1/me/close"]["post"]["requestBody"]
