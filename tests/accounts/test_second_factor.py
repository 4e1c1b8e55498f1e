"""The staff's second factor: a code is accepted once, wrong codes pause after five (audited),
staff pass it at sign-in (page and API), recovery codes work once, and money-moving steps
need one from the last 15 minutes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from app.accounts import second_factor, totp
from app.audit.models import AuditEntry
from app.common.timeutil import utcnow
from app.extensions import db
from tests import factories
from tests.web.helpers import page, redirect_path

NOW = utcnow()


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    totp_secret: str | None


@pytest.fixture
def ctx(app):
    """An app context for the tests that call the services directly."""
    with app.app_context():
        yield


def staff(app, role: str, **fields) -> Person:
    """A committed user made in an app context of its own (the test clients get theirs)."""
    with app.app_context():
        user = factories.user(role, **fields)
        db.session.commit()
        return Person(user.id, user.email, user.totp_secret)


def code_at(user, step: int) -> str:
    return pyotp.TOTP(user.totp_secret).at(step * totp.STEP_SECONDS)


def wrong_code(user) -> str:
    current = totp.time_step(utcnow())
    codes = {code_at(user, s) for s in range(current - 1, current + 2)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in codes)


def audit_actions(app, user) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.subject_id == str(user.id)).order_by(AuditEntry.id)))


# --- the rule itself ------------------------------------------------------------------------


def test_a_code_is_accepted_once_and_older_steps_never(ctx):
    user = factories.user("finance")
    step = totp.time_step(NOW)
    second_factor.check_code(user, code_at(user, step), NOW)
    assert user.totp_last_step == step
    for again in (code_at(user, step), code_at(user, step - 1)):
        with pytest.raises(second_factor.WrongCode):
            second_factor.check_code(user, again, NOW)
    second_factor.check_code(user, code_at(user, step + 1), NOW)  # the next step, once
    with pytest.raises(second_factor.WrongCode):
        second_factor.check_code(user, code_at(user, step + 1), NOW)


def test_five_wrong_codes_pause_even_the_right_one_and_are_audited(app, ctx):
    user = factories.user("coordinator")
    for _ in range(second_factor.MAX_WRONG_CODES):
        with pytest.raises(second_factor.WrongCode) as raised:
            second_factor.check_code(user, "000000" if code_at(
                user, totp.time_step(NOW)) != "000000" else "111111", NOW)
        raised.value.after_rollback()  # what the pages and the API do after rolling back
    with pytest.raises(second_factor.CodesPaused):
        second_factor.check_code(user, code_at(user, totp.time_step(NOW)), NOW)
    actions = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.subject_id == str(user.id))))
    assert actions.count("totp_failed") == 5 and "totp_paused" in actions
    later = NOW + second_factor.WRONG_CODE_WINDOW + timedelta(seconds=1)
    second_factor.check_code(user, code_at(user, totp.time_step(later)), later)


def test_recovery_codes_work_once_and_only_where_allowed(ctx):
    user = factories.user("admin", totp_secret=None)
    secret = pyotp.random_base32()
    codes = second_factor.enrol(user, secret, pyotp.TOTP(secret).at(NOW), NOW)
    assert len(codes) == 10 and len(set(codes)) == 10
    with pytest.raises(second_factor.WrongCode):  # not where only the app's code counts
        second_factor.check_code(user, codes[0], NOW)
    assert second_factor.check_code(user, codes[0].upper(), NOW, recovery=True) == "recovery"
    with pytest.raises(second_factor.WrongCode):
        second_factor.check_code(user, codes[0], NOW, recovery=True)
    assert second_factor.unused_recovery_codes(user) == 9


# --- sign-in on the pages -------------------------------------------------------------------


def signed_in(client) -> bool:
    return redirect_path(client.get("/home")) != "/login"


@pytest.mark.parametrize("role", ["coordinator", "finance", "admin"])
def test_staff_pass_the_code_at_sign_in_and_a_used_code_fails(app, role):
    user = staff(app, role)
    client = app.test_client()
    response = client.post("/login", data={"email": user.email,
                                           "password": factories.DEFAULT_PASSWORD})
    assert redirect_path(response) == "/login/two-factor"
    assert not signed_in(client)  # the password alone is not enough
    current = totp.time_step(utcnow())
    good = code_at(user, current)
    assert client.post("/login/two-factor", data={"totp": good}).status_code == 302
    assert signed_in(client)
    other = app.test_client()  # someone who saw the code
    other.post("/login", data={"email": user.email, "password": factories.DEFAULT_PASSWORD})
    replay = other.post("/login/two-factor", data={"totp": good})
    assert replay.status_code == 422
    assert not signed_in(other)


def test_experts_and_organisations_sign_in_without_a_code(app):
    with app.app_context():
        email = factories.expert().user.email
        db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"email": email,
                                           "password": factories.DEFAULT_PASSWORD})
    assert redirect_path(response) == "/expert/"


def test_the_second_step_needs_a_fresh_password_step(app):
    client = app.test_client()
    assert redirect_path(client.get("/login/two-factor")) == "/login"
    assert redirect_path(client.post("/login/two-factor", data={"totp": "123456"})) == "/login"


def test_a_recovery_code_signs_in_once(app):
    with app.app_context():
        user = factories.user("finance", totp_secret=None)
        secret = pyotp.random_base32()
        codes = second_factor.enrol(user, secret, pyotp.TOTP(secret).at(
            NOW - timedelta(hours=1)), NOW - timedelta(hours=1))
        db.session.commit()
        user = Person(user.id, user.email, secret)
    for expected in (True, False):
        client = app.test_client()
        client.post("/login", data={"email": user.email, "password": factories.DEFAULT_PASSWORD})
        client.post("/login/two-factor", data={"totp": codes[3]})
        assert signed_in(client) is expected


def test_wrong_codes_at_sign_in_pause_after_five(app):
    user = staff(app, "coordinator")
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": factories.DEFAULT_PASSWORD})
    for _ in range(5):
        assert client.post("/login/two-factor", data={"totp": wrong_code(user)}).status_code \
            == 422
    paused = client.post("/login/two-factor", data={"totp": code_at(
        user, totp.time_step(utcnow()))})
    assert paused.status_code == 429
    assert not signed_in(client)
    assert audit_actions(app, user).count("totp_failed") == 5


# --- the API --------------------------------------------------------------------------------


def token_request(client, user, **extra):
    return client.post("/api/v1/auth/token", json={
        "email": user.email, "password": factories.DEFAULT_PASSWORD, **extra})


@pytest.mark.parametrize("role", ["coordinator", "finance", "admin"])
def test_staff_tokens_need_a_code_that_is_accepted_once(app, client, role):
    user = staff(app, role)
    missing = token_request(client, user)
    assert missing.status_code == 401
    assert missing.get_json()["error"]["code"] == "totp_required"
    wrong = token_request(client, user, totp=wrong_code(user))
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "totp_invalid"
    good = code_at(user, totp.time_step(utcnow()))
    assert token_request(client, user, totp=good).status_code == 200
    used = token_request(client, user, totp=good)
    assert used.status_code == 401 and used.get_json()["error"]["code"] == "totp_invalid"


def test_an_approval_with_a_used_code_is_403(app, client):
    from tests.payouts.helpers import payout

    finance = staff(app, "finance")
    with app.app_context():
        item_id = payout().id
        db.session.commit()
    good = code_at(finance, totp.time_step(utcnow()))
    token = token_request(client, finance, totp=good).get_json()["token"]
    response = client.post(f"/api/v1/payouts/{item_id}/approve", json={"totp": good},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "invalid_totp"


def test_a_code_stays_used_when_the_approval_it_was_given_for_fails(app, client):
    """The code is accepted, then the approval fails (the payout is no longer waiting) and
    the request is rolled back: the code must still count as used."""
    from tests.payouts.helpers import payout

    finance = staff(app, "finance")
    with app.app_context():
        gone, waiting = payout(), payout()
        gone.status = "rejected"
        db.session.commit()
        gone_id, waiting_id = gone.id, waiting.id
    step = totp.time_step(utcnow())
    token = token_request(client, finance, totp=code_at(finance, step - 1)).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    good = code_at(finance, step)
    failed = client.post(f"/api/v1/payouts/{gone_id}/approve", json={"totp": good},
                         headers=headers)
    assert failed.status_code == 409
    replayed = client.post(f"/api/v1/payouts/{waiting_id}/approve", json={"totp": good},
                           headers=headers)
    assert replayed.status_code == 403
    assert replayed.get_json()["error"]["code"] == "invalid_totp"
    with app.app_context():
        from app.accounts.models import User

        assert db.session.get(User, finance.id).totp_last_step == step


# --- money-moving steps need a recent second factor -----------------------------------------


def test_an_old_token_needs_a_fresh_code_for_batches_bank_files_and_paid(app, client):
    from app.accounts.models import ApiToken

    finance = staff(app, "finance")
    token = token_request(client, finance, totp=code_at(
        finance, totp.time_step(utcnow()))).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    # Fresh from sign-in: counts (nothing approved, so the batch is a 409, not a 403).
    assert client.post("/api/v1/payout-batches", json={}, headers=headers).status_code == 409
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == finance.id))
        row.created_at = utcnow() - timedelta(minutes=16)
        db.session.commit()
    for method, url in (("POST", "/api/v1/payout-batches"),
                        ("POST", "/api/v1/payout-batches/999999/paid"),
                        ("GET", "/api/v1/payout-batches/999999/pain001")):
        response = client.open(url, method=method, headers=headers,
                               json={} if method == "POST" else None)
        assert response.status_code == 403, url
        assert response.get_json()["error"]["code"] == "totp_required"
    fresh = code_at(finance, totp.time_step(utcnow()) + 1)
    answer = client.get(f"/api/v1/payout-batches/999999/pain001?totp={fresh}", headers=headers)
    assert answer.status_code == 404  # past the second factor, on to the batch
    again = client.post("/api/v1/payout-batches/999999/paid", json={"totp": fresh},
                        headers=headers)
    assert again.status_code == 403  # the code was used


def test_the_finance_pages_ask_for_a_fresh_code_before_a_batch(app, login):
    from app.accounts.models import UserSession

    finance = staff(app, "finance")
    client = app.test_client()
    login(client, finance.email)
    assert client.post("/finance/batches", data={}).status_code in (302, 422)
    with app.app_context():
        row = db.session.scalar(select(UserSession).where(UserSession.user_id == finance.id))
        row.second_factor_at = utcnow() - timedelta(minutes=16)
        db.session.commit()
    for method, url in (("POST", "/finance/batches"), ("GET", "/finance/batches/1/pain001.xml"),
                        ("POST", "/finance/batches/1/paid")):
        response = client.open(url, method=method)
        assert redirect_path(response) == "/login/confirm", url
    confirm = client.post("/login/confirm?next=/finance/batches",
                          data={"totp": code_at(finance, totp.time_step(utcnow()) + 1)})
    assert redirect_path(confirm) == "/finance/batches"
    assert client.get("/finance/batches/999999/pain001.xml").status_code == 404


def test_the_setup_page_at_first_sign_in_gives_recovery_codes(app):
    user = staff(app, "coordinator", totp_secret=None)
    client = app.test_client()
    response = client.post("/login", data={"email": user.email,
                                           "password": factories.DEFAULT_PASSWORD})
    assert redirect_path(response) == "/login/two-factor/setup"
    html = page(client.get("/login/two-factor/setup"))
    secret = re.search(r"secret=([A-Z2-7]+)", html).group(1)
    done = client.post("/login/two-factor/setup", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    assert len(re.findall(r"[0-9a-f]{5}-[0-9a-f]{5}", page(done))) == 10
    assert signed_in(client)
