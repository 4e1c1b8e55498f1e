"""Throttling that cannot lock the owner out: wrong passwords are counted per account and per
client address, and while an attacker's wrong passwords pause the account, its owner signs in
with an e-mailed one-time link."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts.models import LoginAttempt
from app.extensions import db
from app.mail.models import OutboxMessage
from tests import factories
from tests.web.helpers import page, redirect_path, use_english

WRONG = "not-the-password"


def person(app, role: str = "expert") -> str:
    with app.app_context():
        user = factories.expert().user if role == "expert" else factories.user(role)
        db.session.commit()
        return user.email


def attempt(client, email: str, password: str = WRONG, address: str = "198.51.100.7"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def signed_in(client) -> bool:
    return redirect_path(client.get("/home")) != "/login"


def link_from_mail(app, email: str) -> str:
    with app.app_context():
        mails = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.to_address == email, OutboxMessage.kind == "sign_in_link")
            .order_by(OutboxMessage.id)).all()
        assert mails, "no sign-in link was mailed"
        return re.search(r"https?://\S+(/login/link/\S+)", mails[-1].body_text).group(1)


def test_the_owner_signs_in_with_a_link_while_the_attacker_is_paused(app):
    victim = person(app)
    attacker = app.test_client()
    for _ in range(5):
        assert attempt(attacker, victim).status_code == 200
    assert attempt(attacker, victim, factories.DEFAULT_PASSWORD).status_code == 429
    owner = app.test_client()
    use_english(owner)
    paused = attempt(owner, victim, factories.DEFAULT_PASSWORD, address="203.0.113.9")
    assert paused.status_code == 429
    assert "/login/link" in page(paused)  # the way in is offered
    assert redirect_path(owner.post("/login/link", data={"email": victim})) == "/login"
    path = link_from_mail(app, victim)
    assert owner.get(path).status_code == 200
    assert not signed_in(owner)  # opening the link (e.g. a mail scanner) does not sign in
    assert redirect_path(owner.post(path)) == "/expert/"
    assert signed_in(owner)
    # The link works once.
    again = app.test_client()
    assert redirect_path(again.post(path)) == "/login/link"
    assert not signed_in(again)


def test_the_link_request_answers_the_same_for_unknown_addresses(app):
    known = person(app)
    answers = []
    for email in (known, "nobody-here@example.fi"):
        client = app.test_client()
        answers.append(page(client.post("/login/link", data={"email": email},
                                        follow_redirects=True)))
    assert answers[0] == answers[1]
    with app.app_context():
        assert [m.to_address for m in db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "sign_in_link"))] == [known]


def test_staff_still_pass_the_code_after_a_link(app):
    email = person(app, "finance")
    client = app.test_client()
    client.post("/login/link", data={"email": email})
    assert redirect_path(client.post(link_from_mail(app, email))) == "/login/two-factor"
    assert not signed_in(client)


def test_one_address_is_slowed_down_across_accounts(app):
    """Guessing one password for many accounts from one address is paused too."""
    people = [person(app) for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] // 4 + 1)]
    client = app.test_client()
    sent = 0
    for email in people:
        for _ in range(4):  # below the per-account limit
            if sent < app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]:
                assert attempt(client, email).status_code == 200
                sent += 1
    last = people[-1]
    assert attempt(client, last, factories.DEFAULT_PASSWORD).status_code == 429
    # The owner, from another address, is not affected.
    assert redirect_path(attempt(app.test_client(), last, factories.DEFAULT_PASSWORD,
                                 address="203.0.113.50")) == "/expert/"
    with app.app_context():
        addresses = set(db.session.scalars(select(LoginAttempt.address)))
        assert "198.51.100.7" in addresses


def test_behind_a_proxy_the_client_address_is_counted(app):
    """With PROXY_COUNT=1 the attempts carry the client's address from X-Forwarded-For."""
    from app import create_app
    from config import TestConfig

    proxied = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         PROXY_COUNT=1)
    with proxied.app_context():
        db.engine.dispose()
    db._app_engines[proxied] = db._app_engines[app]
    email = person(app)
    client = proxied.test_client()
    client.post("/login", data={"email": email, "password": WRONG},
                headers={"X-Forwarded-For": "192.0.2.77"},
                environ_base={"REMOTE_ADDR": "10.0.0.1"})
    with app.app_context():
        (row,) = db.session.scalars(select(LoginAttempt).where(LoginAttempt.email == email))
        assert row.address == "192.0.2.77"
