"""Forms posted without their CSRF token are refused; with the page's token they work.

Uses ``csrf_client``: the app with ``WTF_CSRF_ENABLED=True`` on the test's database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.organisations.models import ColleagueInvitation, Organisation
from tests import factories
from tests.web.helpers import csrf_token, page, redirect_path, use_english

EXPIRED = "The form had expired"


@pytest.fixture
def people(app):
    with app.app_context():
        admin = factories.organisation_admin()
        db.session.commit()
        return {"admin": admin.email}


def count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


def sign_in(client, email: str) -> None:
    token = csrf_token(client.get("/login"))
    response = client.post(
        "/login",
        data={"email": email, "password": factories.DEFAULT_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, page(response)


def signed_in(client) -> bool:
    return redirect_path(client.get("/home")) != "/login"


@dataclass
class Form:
    """A form: who signs in first, where the token comes from, what is posted, what it does."""

    signed_in_as: str | None
    token_page: str
    post_to: str
    data: dict[str, Any]

    def effect(self, app, client, people) -> bool:
        raise NotImplementedError


class Login(Form):
    def effect(self, app, client, people):
        return signed_in(client)


class Logout(Form):
    def effect(self, app, client, people):
        return not signed_in(client)


class RegisterOrganisation(Form):
    def effect(self, app, client, people):
        return count(app, Organisation, business_id=self.data["business_id"]) == 1


class InviteColleague(Form):
    def effect(self, app, client, people):
        return count(app, ColleagueInvitation, email=self.data["email"]) == 1


FORMS = {
    "login": Login(None, "/login", "/login", {"email": "{admin}", "password": "{password}"}),
    "logout": Logout("admin", "/organisation/", "/logout", {}),
    "register-organisation": RegisterOrganisation(
        None,
        "/register/organisation",
        "/register/organisation",
        {
            "organisation_name": "Lomakeyhdistys ry",
            "business_id": "7654321-2",
            "kind": "ngo",
            "billing_email": "laskut@lomake.example.fi",
            "full_name": "Lomake Testaaja",
            "email": "lomake@example.fi",
            "password": "correct-horse-battery",
        },
    ),
    "invite-colleague": InviteColleague(
        "admin",
        "/organisation/members",
        "/organisation/members",
        {"full_name": "Kutsuttu Kollega", "email": "kutsuttu@example.fi"},
    ),
}


def filled(data: dict[str, Any], people: dict[str, str]) -> dict[str, Any]:
    values = {**people, "password": factories.DEFAULT_PASSWORD}
    return {k: v.format(**values) if isinstance(v, str) else v for k, v in data.items()}


def test_the_registration_example_has_a_valid_business_id():
    from app.organisations.business_id import normalize_business_id

    assert normalize_business_id(FORMS["register-organisation"].data["business_id"])


@pytest.mark.parametrize("token", ["missing", "wrong"])
@pytest.mark.parametrize("name", sorted(FORMS))
def test_form_without_its_token_is_refused(app, csrf_client, people, name, token):
    form = FORMS[name]
    use_english(csrf_client)
    if form.signed_in_as:
        sign_in(csrf_client, people[form.signed_in_as])
    before = form.effect(app, csrf_client, people)
    data = filled(form.data, people)
    if token == "wrong":
        data["csrf_token"] = "IjEyMzQ1Ig.not-a-real-token"
    response = csrf_client.post(form.post_to, data=data)
    assert response.status_code == 400
    assert EXPIRED in page(response)
    assert form.effect(app, csrf_client, people) == before


@pytest.mark.parametrize("name", sorted(FORMS))
def test_form_with_the_token_of_its_page_works(app, csrf_client, people, name):
    form = FORMS[name]
    if form.signed_in_as:
        sign_in(csrf_client, people[form.signed_in_as])
    assert not form.effect(app, csrf_client, people)
    token = csrf_token(csrf_client.get(form.token_page))
    response = csrf_client.post(
        form.post_to, data={**filled(form.data, people), "csrf_token": token}
    )
    assert response.status_code == 302, page(response)
    assert form.effect(app, csrf_client, people)


def test_the_api_needs_no_csrf_token(app, csrf_client, people):
    response = csrf_client.post(
        "/api/v1/auth/token",
        json={"email": people["admin"], "password": factories.DEFAULT_PASSWORD},
    )
    assert response.status_code == 200
