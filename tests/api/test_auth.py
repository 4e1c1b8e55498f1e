"""Bearer tokens: issued for e-mail and password, stored hashed, revocable; GET /api/v1/me."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.extensions import db
from tests import factories
from tests.support.two_factor import sign_in_post
from tests.web.helpers import api_error, bearer


def test_token_for_email_and_password(client, cast):
    response = sign_in_post(client, "/api/v1/auth/token", cast.coordinator, {}, json={
        "email": cast.coordinator.upper(), "password": factories.DEFAULT_PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["role"] == "coordinator"
    assert isinstance(body["token"], str) and len(body["token"]) >= 32
    me = client.get("/api/v1/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.get_json()["email"] == cast.coordinator


def test_wrong_password_gives_no_token(client, cast):
    response = client.post(
        "/api/v1/auth/token", json={"email": cast.coordinator, "password": "wrong-password"}
    )
    assert api_error(response, 401)["code"] == "invalid_credentials"


def test_inactive_user_gets_no_token_and_loses_old_ones(app, client, cast, token_of):
    token = token_of("a_member")
    with app.app_context():
        from app.accounts.models import User

        db.session.get(User, cast.a_member_id).active = False
        db.session.commit()
    api_error(client.get("/api/v1/me", headers=bearer(token)), 401)
    response = client.post(
        "/api/v1/auth/token", json={"email": cast.a_member, "password": factories.DEFAULT_PASSWORD}
    )
    api_error(response, 401)


def test_revoked_token_stops_working(client, cast, token_of):
    token, other = token_of("a_member"), token_of("a_member")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    response = client.delete("/api/v1/auth/token", headers=bearer(token))
    assert response.status_code == 204
    assert (
        api_error(client.get("/api/v1/me", headers=bearer(token)), 401)["code"] == "invalid_token"
    )
    api_error(client.delete("/api/v1/auth/token", headers=bearer(token)), 401)
    # Only the token used is revoked, not the user's other tokens.
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200


def test_revoking_needs_a_token(client, cast):
    api_error(client.delete("/api/v1/auth/token"), 401)


def test_tokens_are_stored_hashed(app, client, cast, token_of):
    token = token_of("expert")
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM api_tokens")).all()
    assert rows, "no token rows"
    stored = " ".join(str(value) for row in rows for value in row)
    assert token not in stored
    assert token[:16] not in stored


@pytest.mark.parametrize(
    ("who", "role", "organisation", "expert"),
    [
        ("a_member", "organisation_member", "org_a", None),
        ("a_admin", "organisation_member", "org_a", None),
        ("b_member", "organisation_member", "org_b", None),
        ("expert", "expert", None, "expert_id"),
        ("coordinator", "coordinator", None, None),
        ("finance", "finance", None, None),
        ("admin", "admin", None, None),
    ],
)
def test_me(client, cast, token_of, who, role, organisation, expert):
    response = client.get("/api/v1/me", headers=bearer(token_of(who)))
    assert response.status_code == 200
    body = response.get_json()
    user_ids = {
        "a_member": cast.a_member_id,
        "a_admin": cast.a_admin_id,
        "b_member": cast.b_member_id,
        "expert": cast.expert_user_id,
        "coordinator": cast.coordinator_id,
        "finance": cast.finance_id,
        "admin": cast.admin_id,
    }
    assert body == {
        "user_id": user_ids[who],
        "email": getattr(cast, who),
        "role": role,
        "organisation_id": getattr(cast, organisation) if organisation else None,
        "expert_id": getattr(cast, expert) if expert else None,
    }


def _writes(statements: list[str]) -> list[str]:
    """UPDATE/INSERT/DELETE statements and commits (a commit inside a test's transaction is
    a RELEASE SAVEPOINT)."""
    return [s for s in statements if s.lstrip().split()[0].upper() in (
        "UPDATE", "INSERT", "DELETE", "COMMIT", "RELEASE")]


def test_reads_write_the_last_use_at_most_every_few_minutes(app, client, cast, token_of):
    from datetime import timedelta

    from sqlalchemy import select

    from app.accounts.models import ApiToken
    from app.accounts.services import _token_hash
    from tests.support.sql import counted_statements

    token = token_of("a_member")
    with counted_statements() as first:
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    # The first use of the token is written down …
    assert any(s.lstrip().upper().startswith("UPDATE API_TOKEN") for s in _writes(first))
    with app.app_context():
        used = db.session.scalar(select(ApiToken.last_used_at).where(
            ApiToken.token_hash == _token_hash(token)))
    assert used is not None
    # … and the reads in the next minutes neither update nor commit anything.
    for _ in range(3):
        with counted_statements() as statements:
            assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
        assert _writes(statements) == []
    # Once the last use is older than API_TOKEN_TOUCH_SECONDS it is written again.
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
        row.last_used_at = used - timedelta(seconds=app.config["API_TOKEN_TOUCH_SECONDS"])
        db.session.commit()
    with counted_statements() as later:
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert any(s.lstrip().upper().startswith("UPDATE API_TOKEN") for s in _writes(later))
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at).where(
            ApiToken.token_hash == _token_hash(token))) > used - timedelta(seconds=1)
