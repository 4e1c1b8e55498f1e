"""An organisation's administrator invites colleagues, who choose their password by e-mail."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import User
from app.common.errors import DomainError, PermissionDenied
from app.extensions import db
from app.mail.models import OutboxMessage
from tests import factories
from tests.web.helpers import field_error, logged_in, login, redirect_path, use_english

COLLEAGUE = {"full_name": "Kaisu Kollega", "email": "kaisu.kollega@example.fi"}


@pytest.fixture
def organisation(app):
    with app.app_context():
        created = factories.organisation()
        admin = factories.organisation_admin(created)
        plain = factories.member(created)
        db.session.commit()
        return {
            "id": admin.organisation_id,
            "admin": admin.email,
            "admin_id": admin.id,
            "member": plain.email,
        }


def welcome_mails(app) -> list[OutboxMessage]:
    with app.app_context():
        messages = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "welcome")
        ).all()
        db.session.expunge_all()
        return messages


def test_invited_colleague_joins_the_same_organisation(app, client, organisation):
    logged_in(client, organisation["admin"])
    response = client.post("/organisation/members", data=COLLEAGUE)
    assert redirect_path(response) == "/organisation/members"
    with app.app_context():
        colleague = db.session.scalar(select(User).where(User.email == COLLEAGUE["email"]))
        assert colleague.role == "organisation_member"
        assert colleague.full_name == COLLEAGUE["full_name"]
        assert colleague.organisation_id == organisation["id"]
        assert not colleague.is_organisation_admin
        assert colleague.password_hash == ""  # no password until they choose one
        colleague_id = colleague.id
    (mail,) = welcome_mails(app)
    assert mail.to_address == COLLEAGUE["email"]
    assert mail.user_id == colleague_id
    assert "/password/reset/" in mail.body_text
    assert COLLEAGUE["email"] in client.get("/organisation/members").get_data(as_text=True)


def test_invited_colleague_cannot_sign_in_before_choosing_a_password(app, client, organisation):
    logged_in(client, organisation["admin"])
    client.post("/organisation/members", data=COLLEAGUE)
    for password in ("", factories.DEFAULT_PASSWORD, "anything at all"):
        assert login(app.test_client(), COLLEAGUE["email"], password).status_code != 302


def test_welcome_link_lets_the_colleague_choose_a_password(app, client, organisation):
    logged_in(client, organisation["admin"])
    client.post("/organisation/members", data=COLLEAGUE)
    (mail,) = welcome_mails(app)
    (link,) = re.findall(r"https?://\S+/password/reset/\S+", mail.body_text)
    colleague = app.test_client()
    path = urlsplit(link).path
    response = colleague.post(
        path, data={"password": "my own password", "confirm": "my own password"}
    )
    assert redirect_path(response) == "/organisation/"
    assert colleague.get("/organisation/").status_code == 200
    with app.app_context():
        stored = db.session.scalar(select(User).where(User.email == COLLEAGUE["email"]))
        assert stored.password_hash.startswith("$argon2id$")
    assert redirect_path(login(app.test_client(), COLLEAGUE["email"], "my own password")) == (
        "/organisation/"
    )


def test_inviting_a_taken_address_is_refused(app, client, organisation):
    use_english(client)
    logged_in(client, organisation["admin"])
    response = client.post(
        "/organisation/members",
        data={"full_name": "Jo Olemassa", "email": organisation["member"].upper()},
    )
    assert response.status_code in (200, 409, 422)
    assert "already exists" in (field_error(response, "email") or "")
    assert welcome_mails(app) == []


def test_plain_member_sees_no_invitation_form_and_invites_nobody(app, client, organisation):
    logged_in(client, organisation["member"])
    page = client.get("/organisation/members").get_data(as_text=True)
    assert 'name="email"' not in page
    client.post("/organisation/members", data=COLLEAGUE)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(User).where(User.email == COLLEAGUE["email"])
            )
            == 0
        )
    assert welcome_mails(app) == []


def test_service_refuses_invitations_by_plain_members(app, organisation):
    with app.app_context():
        plain = db.session.scalar(select(User).where(User.email == organisation["member"]))
        with pytest.raises(PermissionDenied):
            services.invite_colleague(plain, "Ei Kutsuttu", "ei.kutsuttu@example.fi")


@pytest.mark.parametrize("role", ["expert", "coordinator", "finance", "admin"])
def test_only_organisation_admins_can_invite(app, role):
    with app.app_context():
        someone = factories.user(role)
        with pytest.raises(DomainError):
            services.invite_colleague(someone, "Ei Kutsuttu", "ei.kutsuttu@example.fi")
