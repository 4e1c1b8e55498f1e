"""Password reset by an e-mailed signed link, changing the password, and how they are stored."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.mail.models import OutboxMessage
from tests import factories
from tests.web.helpers import field_error, login, page, redirect_path, use_english

NEW_PASSWORD = "a brand new password"


@pytest.fixture
def person(app):
    with app.app_context():
        user = factories.user("finance")
        db.session.commit()
        return {"email": user.email, "id": user.id}


def reset_mails(app, to: str | None = None) -> list[OutboxMessage]:
    with app.app_context():
        query = select(OutboxMessage).where(OutboxMessage.kind == "password_reset")
        if to is not None:
            query = query.where(OutboxMessage.to_address == to)
        messages = db.session.scalars(query).all()
        db.session.expunge_all()
        return messages


def reset_path(message: OutboxMessage) -> str:
    links = re.findall(r"https?://\S+/password/reset/\S+", message.body_text)
    assert len(links) == 1, message.body_text
    return urlsplit(links[0]).path


def request_reset(app, email: str) -> str:
    response = app.test_client().post("/password/forgot", data={"email": email})
    assert redirect_path(response) == "/login"
    (message,) = reset_mails(app, email)
    return reset_path(message)


def can_sign_in(app, email: str, password: str) -> bool:
    return login(app.test_client(), email, password).status_code == 302


def password_hash(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).password_hash


def test_forgot_password_queues_one_mail(app, person):
    client = app.test_client()
    response = client.post("/password/forgot", data={"email": person["email"].upper()})
    assert redirect_path(response) == "/login"
    (message,) = reset_mails(app)
    assert message.to_address == person["email"]
    assert message.user_id == person["id"]
    assert message.status == "pending"
    assert message.subject.strip()
    assert reset_path(message).startswith("/password/reset/")


def test_unknown_address_gets_no_mail_and_the_same_answer(app, person):
    answers = []
    for email in (person["email"], "nobody@example.fi"):
        client = app.test_client()
        answers.append(
            client.post("/password/forgot", data={"email": email}, follow_redirects=True)
        )
    known, unknown = answers
    assert known.status_code == unknown.status_code == 200
    assert page(known) == page(unknown)
    assert [m.to_address for m in reset_mails(app)] == [person["email"]]


def test_reset_link_sets_the_password_once(app, person):
    path = request_reset(app, person["email"])
    client = app.test_client()
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert redirect_path(response) == "/login/two-factor"  # finance: the code is still asked
    assert password_hash(app, person["id"]).startswith("$argon2id$")
    assert can_sign_in(app, person["email"], NEW_PASSWORD)
    assert not can_sign_in(app, person["email"], factories.DEFAULT_PASSWORD)
    # The second use of the same link is refused, also when posting directly.
    again = app.test_client()
    assert redirect_path(again.get(path)) == "/password/forgot"
    response = again.post(
        path, data={"password": "yet another password", "confirm": "yet another password"}
    )
    assert redirect_path(response) == "/password/forgot"
    assert can_sign_in(app, person["email"], NEW_PASSWORD)


def test_reset_link_needs_matching_passwords(app, person):
    client = app.test_client()
    use_english(client)
    path = request_reset(app, person["email"])
    before = password_hash(app, person["id"])
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert response.status_code in (200, 422)
    assert "not the same" in (field_error(response, "confirm") or "")
    short = client.post(path, data={"password": "short", "confirm": "short"})
    assert field_error(short, "password")
    assert password_hash(app, person["id"]) == before


def tamper(path: str) -> str:
    """Change one character in the middle of the token."""
    head, token = path.rsplit("/", 1)
    middle = len(token) // 2
    replacement = "A" if token[middle] != "A" else "B"
    return f"{head}/{token[:middle]}{replacement}{token[middle + 1 :]}"


@pytest.mark.parametrize("how", ["tampered", "expired", "garbage", "after-password-change"])
def test_bad_reset_links_are_refused(app, person, monkeypatch, how):
    if how == "expired":
        max_age = app.config["PASSWORD_RESET_MAX_AGE"]
        with monkeypatch.context() as patch:
            # The link is made max_age + 1 minute ago.
            patch.setattr(
                TimestampSigner, "get_timestamp", lambda self: int(time.time()) - max_age - 60
            )
            path = request_reset(app, person["email"])
    else:
        path = request_reset(app, person["email"])
    if how == "tampered":
        path = tamper(path)
    elif how == "garbage":
        path = "/password/reset/not-a-token"
    elif how == "after-password-change":
        client = app.test_client()
        login(client, person["email"])
        response = client.post(
            "/password/change",
            data={
                "current_password": factories.DEFAULT_PASSWORD,
                "new_password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
            },
        )
        assert response.status_code == 302
    before = password_hash(app, person["id"])
    client = app.test_client()
    assert redirect_path(client.get(path)) == "/password/forgot"
    response = client.post(
        path, data={"password": "hijacked password", "confirm": "hijacked password"}
    )
    assert redirect_path(response) == "/password/forgot"
    assert password_hash(app, person["id"]) == before
    assert redirect_path(client.get("/home")) == "/login"  # not signed in by the link


def test_the_untampered_link_still_works(app, person):
    """Control for the tampering case: the same steps with the real link succeed."""
    path = request_reset(app, person["email"])
    assert tamper(tamper(path)) != path
    assert app.test_client().get(path).status_code == 200


def test_change_password_needs_the_current_one(app, person):
    client = app.test_client()
    use_english(client)
    login(client, person["email"])
    before = password_hash(app, person["id"])
    response = client.post(
        "/password/change",
        data={
            "current_password": "wrong-password",
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code in (200, 422)
    assert "not correct" in (field_error(response, "current_password") or "")
    assert password_hash(app, person["id"]) == before
    response = client.post(
        "/password/change",
        data={
            "current_password": factories.DEFAULT_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert redirect_path(response) == "/finance/"
    assert client.get("/finance/").status_code == 200  # still signed in
    assert can_sign_in(app, person["email"], NEW_PASSWORD)
    assert not can_sign_in(app, person["email"], factories.DEFAULT_PASSWORD)


def test_change_password_refuses_a_short_one(app, person):
    client = app.test_client()
    login(client, person["email"])
    response = client.post(
        "/password/change",
        data={
            "current_password": factories.DEFAULT_PASSWORD,
            "new_password": "short",
            "confirm": "short",
        },
    )
    assert response.status_code in (200, 422)
    assert field_error(response, "new_password")
    assert can_sign_in(app, person["email"], factories.DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    "role", ["organisation_member", "expert", "coordinator", "finance", "admin"]
)
def test_passwords_are_stored_as_argon2id_hashes(app, role):
    with app.app_context():
        user = factories.user(role, password="plain text password")
        assert user.password_hash.startswith("$argon2id$")
        assert "plain text password" not in user.password_hash
