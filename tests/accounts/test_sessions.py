"""Sessions end when they should: sign-out ends the session on the server (a copied cookie no
longer works), a new password ends the other sessions and revokes API tokens, "sign out
everywhere" ends them all, and sessions idle out (30 min for staff, 8 h for others) and have
an absolute lifetime."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import UserSession
from app.common.timeutil import utcnow
from app.extensions import db
from tests import factories
from tests.web.helpers import redirect_path

NEW_PASSWORD = "a brand new long password"


def person(app, role: str) -> str:
    with app.app_context():
        user = factories.expert().user if role == "expert" else factories.user(role)
        db.session.commit()
        return user.email


def signed_in(client) -> bool:
    return redirect_path(client.get("/home")) != "/login"


def copy_of(app, client):
    """Another browser with the same session cookie (a stolen or copied cookie)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def age_sessions(app, email: str, *, idle: timedelta | None = None,
                 started: timedelta | None = None) -> None:
    from app.accounts.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        for row in db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)):
            if idle is not None:
                row.last_seen_at = utcnow() - idle
            if started is not None:
                row.created_at = utcnow() - started
        db.session.commit()


def test_sign_out_ends_the_session_on_the_server(app, login):
    email = person(app, "expert")
    client = app.test_client()
    login(client, email)
    thief = copy_of(app, client)
    assert signed_in(thief)
    client.post("/logout")
    assert not signed_in(client)
    assert not signed_in(thief)  # the copied cookie no longer counts


def test_a_password_change_ends_the_other_sessions_and_revokes_tokens(app, login, api_token):
    email = person(app, "coordinator")
    here, elsewhere = app.test_client(), app.test_client()
    login(here, email)
    login(elsewhere, email)
    token = api_token(app.test_client(), email)
    response = here.post("/password/change", data={
        "current_password": factories.DEFAULT_PASSWORD, "new_password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert signed_in(here)
    assert not signed_in(elsewhere)
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


def test_a_password_reset_ends_every_session_and_revokes_tokens(app, login, api_token):
    from app.accounts.models import User
    from app.accounts.tokens import make_reset_token

    email = person(app, "expert")
    old = app.test_client()
    login(old, email)
    token = api_token(app.test_client(), email)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        link = f"/password/reset/{make_reset_token(app.config['SECRET_KEY'], user)}"
    fresh = app.test_client()
    fresh.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert signed_in(fresh)
    assert not signed_in(old)
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


def test_sign_out_everywhere(app, login, api_token):
    email = person(app, "expert")
    here, elsewhere = app.test_client(), app.test_client()
    login(here, email)
    login(elsewhere, email)
    token = api_token(app.test_client(), email)
    assert here.get("/account/sign-out-everywhere").status_code == 200
    assert redirect_path(here.post("/account/sign-out-everywhere")) == "/login"
    assert not signed_in(here) and not signed_in(elsewhere)
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


@pytest.mark.parametrize(("role", "idle_minutes", "still_in"), [
    ("finance", 29, True), ("finance", 31, False),
    ("coordinator", 31, False), ("admin", 31, False),
    ("expert", 31, True), ("expert", 7 * 60, True), ("expert", 8 * 60 + 1, False),
])
def test_idle_timeout_is_shorter_for_staff(app, login, role, idle_minutes, still_in):
    email = person(app, role)
    client = app.test_client()
    login(client, email)
    age_sessions(app, email, idle=timedelta(minutes=idle_minutes))
    assert signed_in(client) is still_in


def test_a_busy_session_still_ends_at_its_lifetime(app, login):
    email = person(app, "expert")
    client = app.test_client()
    login(client, email)
    age_sessions(app, email, idle=timedelta(0),
                 started=timedelta(hours=app.config["SESSION_LIFETIME_HOURS"], minutes=1))
    assert not signed_in(client)


def test_a_session_cookie_without_a_server_session_is_not_signed_in(app, login):
    """A cookie that only names the user (as before server-side sessions) is not enough."""
    from app.accounts.models import User

    email = person(app, "expert")
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    assert not signed_in(client)
