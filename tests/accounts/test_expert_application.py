"""Applying as an experience expert: an account, a profile waiting for verification, training."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import User
from app.common.errors import InvalidInput
from app.experts.models import ExpertProfile, TrainingRecord
from app.extensions import db
from app.mail.models import OutboxMessage
from tests.web.helpers import (
    field_error,
    field_value,
    login,
    page,
    redirect_path,
    use_english,
)

PASSWORD = "my recovery story 2025"


def application(**overrides) -> dict[str, str]:
    data = {
        "full_name": "Helmi Hakija",
        "email": "helmi.hakija@example.fi",
        "phone": "040 765 4321",
        "home_municipality_code": "609",
        "training_provider": "Satakunnan kokemusasiantuntijakoulutus",
        "training_course": "Kokemusasiantuntijakoulutus 2024",
        "training_completed_on": "2024-11-30",
        "password": PASSWORD,
    }
    data.update(overrides)
    return data


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_application_creates_an_applied_expert_with_training(app, client):
    response = client.post("/register/expert", data=application())
    assert redirect_path(response) == "/login"  # the same answer as for a taken address
    assert redirect_path(login(client, "helmi.hakija@example.fi", PASSWORD)) == "/expert/"
    assert client.get("/expert/").status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "helmi.hakija@example.fi"))
        assert user.role == "expert"
        assert user.password_hash.startswith("$argon2id$")
        profile = db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == user.id))
        assert profile.status == "applied"
        assert profile.home_municipality_code == "609"
        assert profile.verified_at is None
        (training,) = db.session.scalars(
            select(TrainingRecord).where(TrainingRecord.expert_id == profile.id)
        ).all()
        assert training.provider == "Satakunnan kokemusasiantuntijakoulutus"
        assert training.course == "Kokemusasiantuntijakoulutus 2024"
        assert training.completed_on == date(2024, 11, 30)


def test_training_finished_today_is_accepted(app, client):
    response = client.post(
        "/register/expert", data=application(training_completed_on=date.today().isoformat())
    )
    assert redirect_path(response) == "/login"


@pytest.mark.parametrize("code", ["999", "abc", ""])
def test_unknown_municipality_is_refused(app, client, code):
    before = user_count(app)
    response = client.post("/register/expert", data=application(home_municipality_code=code))
    assert response.status_code in (200, 422)
    assert field_error(response, "home_municipality_code")
    assert field_value(response, "full_name") == "Helmi Hakija"
    assert user_count(app) == before


def test_future_completion_date_is_refused(app, client):
    use_english(client)
    before = user_count(app)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = client.post("/register/expert", data=application(training_completed_on=tomorrow))
    assert response.status_code in (200, 422)
    assert "future" in (field_error(response, "training_completed_on") or "")
    assert field_value(response, "training_provider") == "Satakunnan kokemusasiantuntijakoulutus"
    assert PASSWORD not in page(response)
    assert user_count(app) == before


def test_a_taken_email_gets_the_same_answer_and_no_second_account(app, client):
    """Whether an address belongs to an expert must not show: the same redirect and message
    as for a new address, no account, and a mail to the owner."""
    use_english(client)
    first = client.post("/register/expert", data=application())
    other = app.test_client()
    use_english(other)
    before = user_count(app)
    response = other.post(
        "/register/expert", data=application(email="Helmi.Hakija@Example.fi", full_name="Toinen")
    )
    assert response.status_code == first.status_code == 302
    assert response.headers["Location"] == first.headers["Location"]
    assert page(other.get("/login")) == page(client.get("/login"))
    assert user_count(app) == before
    with app.app_context():
        (mail,) = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.to_address == "helmi.hakija@example.fi")).all()
        assert mail.kind == "account_exists"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"home_municipality_code": "999"}, "unknown_municipality"),
        ({"training_completed_on": date.today() + timedelta(days=1)}, "date_in_future"),
    ],
)
def test_service_refuses_bad_applications(app, overrides, code):
    values = {
        **application(),
        "training_completed_on": date(2024, 11, 30),
        **overrides,
    }
    with app.app_context():
        with pytest.raises(InvalidInput) as raised:
            services.apply_as_expert(services.ExpertApplication(**values))
        assert raised.value.code == code
        assert db.session.scalar(select(User).where(User.email == values["email"])) is None
