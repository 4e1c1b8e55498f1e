"""Operator commands: create-user, seed-demo --if-empty, load-reference."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from app.fees.models import AssignmentType, TravelRate
from app.reference.models import ExpertiseArea, Municipality, Postcode
from tests import factories
from tests.web.helpers import login, redirect_path

PASSWORD = "long-enough-pw"


def find_user(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.refresh(user)
            _ = (user.membership, user.expert_profile)
            if user.membership:
                _ = user.membership.organisation
            db.session.expunge_all()
        return user


@pytest.mark.parametrize(
    ("role", "dashboard"),
    [  # new staff set up their second factor at the first sign-in
        ("coordinator", "/login/two-factor/setup"),
        ("finance", "/login/two-factor/setup"),
        ("admin", "/login/two-factor/setup"),
        ("expert", "/expert/"),
    ],
)
def test_create_user(app, runner, role, dashboard):
    result = runner.invoke(
        args=["create-user", "x@example.fi", "--role", role, "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    user = find_user(app, "x@example.fi")
    assert user.role == role
    assert user.password_hash.startswith("$argon2id$")
    assert (user.expert_profile is not None) == (role == "expert")
    assert redirect_path(login(app.test_client(), "x@example.fi", PASSWORD)) == dashboard


def test_organisation_member_needs_an_organisation(app, runner):
    result = runner.invoke(
        args=[
            "create-user",
            "m@example.fi",
            "--role",
            "organisation_member",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code != 0
    assert "--organisation" in result.output
    assert find_user(app, "m@example.fi") is None


def test_organisation_must_exist(app, runner):
    result = runner.invoke(
        args=[
            "create-user",
            "m@example.fi",
            "--role",
            "organisation_member",
            "--organisation",
            "Ei ole olemassa ry",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code != 0
    assert find_user(app, "m@example.fi") is None


@pytest.mark.parametrize("admin_flag", [False, True])
def test_create_organisation_member(app, runner, admin_flag):
    with app.app_context():
        organisation = factories.organisation(name="Komentoriviyhdistys ry")
        db.session.commit()
        organisation_id = organisation.id
    args = [
        "create-user",
        "m@example.fi",
        "--role",
        "organisation_member",
        "--organisation",
        "Komentoriviyhdistys ry",
        "--password",
        PASSWORD,
    ]
    if admin_flag:
        args.append("--admin-of-organisation")
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    user = find_user(app, "m@example.fi")
    assert user.membership.organisation_id == organisation_id
    assert user.membership.is_admin is admin_flag
    client = app.test_client()
    assert redirect_path(login(client, "m@example.fi", PASSWORD)) == "/organisation/"
    assert client.get("/organisation/").status_code == 200


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["create-user", "x@example.fi", "--role", "coordinator", "--password", "short"], "short"),
        (["create-user", "x@example.fi", "--role", "superuser", "--password", PASSWORD], "role"),
    ],
)
def test_create_user_refuses_bad_input(app, runner, args, reason):
    result = runner.invoke(args=args)
    assert result.exit_code != 0, reason
    assert find_user(app, "x@example.fi") is None


def test_create_user_refuses_a_taken_address(app, runner):
    with app.app_context():
        factories.user("finance", email="taken@example.fi")
        db.session.commit()
    result = runner.invoke(
        args=["create-user", "TAKEN@example.fi", "--role", "admin", "--password", PASSWORD]
    )
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert find_user(app, "taken@example.fi").role == "finance"


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_seed_demo_if_empty_does_nothing_when_users_exist(app, runner):
    with app.app_context():
        factories.user("admin")
        db.session.commit()
    before = user_count(app)
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert user_count(app) == before
    assert find_user(app, "admin@demo.test") is None


def test_seed_demo_if_empty_seeds_an_empty_database(app, runner):
    assert user_count(app) == 0
    result = runner.invoke(args=["seed-demo", "--if-empty", "--password", "another-demo-pw"])
    assert result.exit_code == 0, result.output
    assert "org@demo.test" in result.output
    assert user_count(app) >= 30
    assert redirect_path(login(app.test_client(), "org@demo.test", "another-demo-pw")) == (
        "/organisation/"
    )


REFERENCE_TABLES = (ExpertiseArea, Municipality, Postcode, AssignmentType, TravelRate)


def reference_counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in REFERENCE_TABLES
        }


def test_load_reference_is_idempotent(app, runner):
    before = reference_counts(app)
    assert all(before.values()), before
    for _ in range(2):
        result = runner.invoke(args=["load-reference"])
        assert result.exit_code == 0, result.output
        assert reference_counts(app) == before
