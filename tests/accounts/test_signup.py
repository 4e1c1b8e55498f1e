"""Organisation sign-up: business ID with its check digit, the first user as its admin."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from app.mail.models import OutboxMessage
from app.organisations.business_id import normalize_business_id
from app.organisations.models import Organisation
from tests import factories
from tests.web.helpers import (
    field_error,
    field_value,
    login,
    page,
    redirect_path,
    selected_option,
    use_english,
)

PASSWORD = "a long and secret sentence"


def signup_data(**overrides) -> dict[str, str]:
    data = {
        "organisation_name": "Porin Mielenterveysseura ry",
        "business_id": factories.unique_business_id(),
        "kind": "school",
        "billing_email": "Laskutus@Seura.example.fi",
        "einvoice_address": "003712345678",
        "einvoice_operator": "OKOYFIHH",
        "full_name": "Sirkka Seuralainen",
        "email": "sirkka@seura.example.fi",
        "phone": "+358 40 123 4567",
        "password": PASSWORD,
    }
    data.update(overrides)
    return data


def wrong_check_digit(valid: str) -> str:
    digits, check = valid.split("-")
    return f"{digits}-{(int(check) + 1) % 10}"


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Organisation)),
            db.session.scalar(select(func.count()).select_from(User)),
        )


def test_sign_up_creates_organisation_and_its_admin(app, client):
    data = signup_data()
    response = client.post("/register/organisation", data=data)
    assert redirect_path(response) == "/login"  # the same answer as for a taken address
    assert redirect_path(login(client, data["email"], data["password"])) == "/organisation/"
    dashboard = client.get("/organisation/")
    assert dashboard.status_code == 200
    assert data["organisation_name"] in page(dashboard)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == data["email"]))
        assert user.role == "organisation_member"
        assert user.is_organisation_admin
        assert user.full_name == data["full_name"]
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        organisation = db.session.get(Organisation, user.organisation_id)
        assert organisation.name == data["organisation_name"]
        assert organisation.business_id == data["business_id"]
        assert organisation.kind == "school"
        assert organisation.billing_email == "laskutus@seura.example.fi"
        assert organisation.einvoice_address == "003712345678"
        assert organisation.einvoice_operator == "OKOYFIHH"


def test_sign_up_with_old_six_digit_business_id(app, client):
    six = "123456-2"  # stored as 0123456-2
    assert normalize_business_id(six) == "0123456-2"
    response = client.post("/register/organisation", data=signup_data(business_id=six))
    assert redirect_path(response) == "/login"
    with app.app_context():
        assert db.session.scalar(
            select(Organisation).where(Organisation.business_id == "0123456-2")
        )


def test_wrong_check_digit_is_refused_and_the_form_keeps_the_values(app, client):
    use_english(client)
    data = signup_data(business_id=wrong_check_digit(factories.unique_business_id()))
    before = counts(app)
    response = client.post("/register/organisation", data=data)
    assert response.status_code in (200, 422)
    assert "business ID is not valid" in (field_error(response, "business_id") or "")
    for name in (
        "organisation_name",
        "business_id",
        "billing_email",
        "einvoice_address",
        "einvoice_operator",
        "full_name",
        "email",
        "phone",
    ):
        assert field_value(response, name) == data[name], name
    assert selected_option(response, "kind") == "school"
    assert field_value(response, "password") in (None, "")
    assert PASSWORD not in page(response)
    assert counts(app) == before


@pytest.mark.parametrize("business_id", ["", "1234567", "abc", "12345678-9"])
def test_malformed_business_id_is_refused(app, client, business_id):
    before = counts(app)
    response = client.post("/register/organisation", data=signup_data(business_id=business_id))
    assert response.status_code in (200, 422)
    assert field_error(response, "business_id")
    assert counts(app) == before


@pytest.fixture
def existing(app):
    with app.app_context():
        # A leading zero, so that the old six-digit form of the same ID can be typed too.
        business_id = next(
            valid
            for base in range(712_345, 712_400)
            if (valid := factories.business_id_with_check_digit(f"{base:07d}"))
        )
        organisation = factories.organisation(business_id=business_id)
        user = factories.user("expert")
        db.session.commit()
        return {"business_id": organisation.business_id, "email": user.email}


@pytest.mark.parametrize("form", ["as-stored", "six-digit", "spaces"])
def test_duplicate_business_id_is_refused(app, client, existing, form):
    use_english(client)
    business_id = existing["business_id"]
    typed = {
        "as-stored": business_id,
        "six-digit": business_id.removeprefix("0"),
        "spaces": f"  {business_id} ",
    }[form]
    before = counts(app)
    response = client.post("/register/organisation", data=signup_data(business_id=typed))
    assert response.status_code in (200, 409, 422)
    assert "already registered" in (field_error(response, "business_id") or "")
    assert counts(app) == before


def test_a_registered_address_gets_the_same_answer_and_its_owner_a_mail(app, client,
                                                                        existing):
    """Sign-up reveals nothing: a taken address is answered as a new one (no field error, no
    "already exists"), no account is made, and the address's owner is told by e-mail."""
    use_english(client)
    before = counts(app)
    fresh = client.post("/register/organisation", data=signup_data(
        email="uusi.osoite@example.fi", business_id=factories.unique_business_id()))
    taken = client.post(
        "/register/organisation", data=signup_data(email=existing["email"].upper())
    )
    assert taken.status_code == fresh.status_code == 302
    assert taken.headers["Location"] == fresh.headers["Location"]
    assert "already exists" not in page(client.get("/login"))
    assert counts(app)[1] == before[1] + 1  # only the new address got an account
    with app.app_context():
        mails = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.to_address == existing["email"])).all()
        assert [m.kind for m in mails] == ["account_exists"]
        assert "/password/reset/" in mails[0].body_text
        assert not db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.to_address == "uusi.osoite@example.fi")).all()


@pytest.mark.parametrize(
    ("field", "value"),
    [("password", "short"), ("email", "not-an-address"), ("organisation_name", "")],
)
def test_invalid_fields_are_shown_next_to_the_field(app, client, field, value):
    before = counts(app)
    response = client.post("/register/organisation", data=signup_data(**{field: value}))
    assert response.status_code in (200, 422)
    assert field_error(response, field)
    assert counts(app) == before


def test_an_invalid_business_id_is_reported_with_the_other_errors(app, client):
    """Every check in one round: a missing name and a wrong check digit are both shown,
    not the business ID only after the rest is right (issue 14)."""
    use_english(client)
    data = signup_data(business_id=wrong_check_digit(factories.unique_business_id()),
                       organisation_name="", full_name="")
    before = counts(app)
    response = client.post("/register/organisation", data=data)
    assert response.status_code == 422
    assert "business ID is not valid" in (field_error(response, "business_id") or "")
    assert field_error(response, "organisation_name")
    assert field_error(response, "full_name")
    assert counts(app) == before
