"""Sign-in throttling: five wrong passwords in a row, and the sixth attempt is answered 429."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.accounts.models import LoginAttempt
from app.common.timeutil import utcnow
from app.extensions import db
from tests import factories
from tests.support.two_factor import sign_in_post
from tests.web.helpers import api_error, login, page, redirect_path, use_english

WRONG = "not-the-password"
NOT_CORRECT = "The e-mail address or the password is not correct."
TOO_MANY = "Too many wrong passwords"


@pytest.fixture
def people(app):
    with app.app_context():
        first, second = factories.user("coordinator"), factories.user("expert")
        db.session.commit()
        return {"first": first.email, "second": second.email}


def fresh_client(app):
    client = app.test_client()
    use_english(client)
    return client


def fail_on_page(client, email: str, times: int) -> None:
    for attempt in range(1, times + 1):
        response = login(client, email, WRONG)
        assert response.status_code == 200, f"attempt {attempt}: {response.status_code}"
        assert NOT_CORRECT in page(response)


def fail_on_api(client, email: str, times: int) -> None:
    for attempt in range(1, times + 1):
        response = client.post("/api/v1/auth/token", json={"email": email, "password": WRONG})
        assert api_error(response, 401)["code"] == "invalid_credentials", attempt


def is_signed_in(client) -> bool:
    return redirect_path(client.get("/home")) != "/login"


@pytest.mark.parametrize("password", [WRONG, factories.DEFAULT_PASSWORD], ids=["wrong", "right"])
def test_sixth_attempt_on_the_page_is_refused(app, people, password):
    client = fresh_client(app)
    fail_on_page(client, people["first"], 5)
    response = login(client, people["first"], password)
    assert response.status_code == 429
    assert TOO_MANY in page(response)
    assert not is_signed_in(client)


def test_throttle_counts_the_address_in_any_letter_case(app, people):
    client = fresh_client(app)
    email = people["first"]
    for variant in (email, email.upper(), email.title(), email.capitalize(), email.upper()):
        assert login(client, variant, WRONG).status_code == 200
    assert login(client, email, factories.DEFAULT_PASSWORD).status_code == 429


def test_success_before_the_fifth_failure_resets_the_count(app, people):
    client = fresh_client(app)
    fail_on_page(client, people["first"], 4)
    assert redirect_path(login(client, people["first"])) == "/coordinator/"
    client = fresh_client(app)  # signed out
    fail_on_page(client, people["first"], 5)  # without the reset, the fifth would be refused
    assert login(client, people["first"], WRONG).status_code == 429


def test_other_addresses_are_not_affected(app, people):
    client = fresh_client(app)
    fail_on_page(client, people["first"], 5)
    assert login(client, people["first"]).status_code == 429
    fail_on_page(client, people["second"], 4)  # answered normally, not 429
    assert redirect_path(login(client, people["second"])) == "/expert/"
    assert login(fresh_client(app), people["first"]).status_code == 429


def test_old_failures_do_not_count(app, people):
    """Failures older than the window (15 minutes) are forgotten."""
    with app.app_context():
        long_ago = utcnow() - timedelta(minutes=app.config["LOGIN_FAILURE_WINDOW_MINUTES"] + 1)
        for _ in range(10):
            db.session.add(
                LoginAttempt(email=people["first"], succeeded=False, created_at=long_ago)
            )
        db.session.commit()
    client = fresh_client(app)
    fail_on_page(client, people["first"], 5)
    assert login(client, people["first"]).status_code == 429


@pytest.mark.parametrize("password", [WRONG, factories.DEFAULT_PASSWORD], ids=["wrong", "right"])
def test_sixth_attempt_on_the_api_is_refused(app, client, people, password):
    fail_on_api(client, people["first"], 5)
    response = client.post(
        "/api/v1/auth/token", json={"email": people["first"], "password": password}
    )
    assert api_error(response, 429)["code"] == "too_many_attempts"
    # Another address still gets its token.
    response = client.post(
        "/api/v1/auth/token",
        json={"email": people["second"], "password": factories.DEFAULT_PASSWORD},
    )
    assert response.status_code == 200


def test_api_success_resets_the_count(app, client, people):
    fail_on_api(client, people["first"], 4)
    response = sign_in_post(client, "/api/v1/auth/token", people["first"], {}, json={
        "email": people["first"], "password": factories.DEFAULT_PASSWORD})
    assert response.status_code == 200
    fail_on_api(client, people["first"], 5)
    response = client.post("/api/v1/auth/token", json={"email": people["first"], "password": WRONG})
    api_error(response, 429)


def test_page_and_api_failures_count_together(app, client, people):
    """Nothing is possible through the API that the pages forbid, and vice versa."""
    fail_on_api(client, people["first"], 3)
    page_client = fresh_client(app)
    fail_on_page(page_client, people["first"], 2)
    assert login(page_client, people["first"]).status_code == 429
    response = client.post(
        "/api/v1/auth/token",
        json={"email": people["first"], "password": factories.DEFAULT_PASSWORD},
    )
    api_error(response, 429)
