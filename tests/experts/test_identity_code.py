"""The personal identity code: validated (check character, every century sign), stored
encrypted (the raw row holds no plain text), shown in full only to finance, every read
audited, erased on request."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import text

from app.common.errors import PermissionDenied
from app.experts import services
from app.experts.identity_code import (
    InvalidIdentityCode,
    birth_date,
    decrypt_identity_code,
    encrypt_identity_code,
    fernet_for,
    mask_identity_code,
    normalize_identity_code,
)
from app.experts.models import ExpertProfile
from app.extensions import db
from tests import factories
from tests.experts.helpers import audit_entries
from tests.experts.test_profile import profile_form
from tests.payouts.helpers import finance_user, payout
from tests.web.helpers import field_error, field_value, logged_in, page, use_english

#: Examples published by the Digital and Population Data Services Agency (DVV), one per
#: century sign, with the date of birth they stand for.
VALID = [
    ("131052-308T", date(1952, 10, 13)),
    ("010594Y9021", date(1994, 5, 1)),
    ("020594X903P", date(1994, 5, 2)),
    ("030594W903B", date(1994, 5, 3)),
    ("040594V9030", date(1994, 5, 4)),
    ("050594U903M", date(1994, 5, 5)),
    ("010516B903X", date(2016, 5, 1)),
    ("020516C903K", date(2016, 5, 2)),
    ("030516D9037", date(2016, 5, 3)),
    ("010501E9032", date(2001, 5, 1)),
    ("020502E902X", date(2002, 5, 2)),
    ("020503F9037", date(2003, 5, 2)),
    ("020504A902E", date(2004, 5, 2)),
]


def with_check(digits: str, sign: str) -> str:
    """A code from DDMMYY + individual number and a sign, with the check character by hand:
    the nine digits modulo 31 index into 0123456789ABCDEFHJKLMNPRSTUVWXY."""
    table = "0123456789ABCDEFHJKLMNPRSTUVWXY"
    return f"{digits[:6]}{sign}{digits[6:]}{table[int(digits) % 31]}"


@pytest.mark.parametrize(("code", "born"), VALID, ids=[c for c, _ in VALID])
def test_valid_codes_with_every_century_sign(code, born):
    assert normalize_identity_code(code) == code
    assert birth_date(code) == born


def test_codes_are_normalized():
    assert normalize_identity_code(" 131052-308t ") == "131052-308T"
    assert normalize_identity_code("010594y9021") == "010594Y9021"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("131052-308U", "check_character"),  # wrong check character
        ("010594Y9022", "check_character"),
        ("020516C903L", "check_character"),
        ("131052A308T", "date"),  # the wrong century sign: born in 2052
        ("131052Z308T", "format"),  # no such century sign
        ("131052G308T", "format"),
        ("131052*308T", "format"),
        ("131052T308T", "format"),
        ("131052-308", "format"),
        ("1310523308T", "format"),
        ("", "format"),
        ("300252-308T", "date"),  # 30 February
        ("290201A901X", "date"),  # 2001 is no leap year
        ("131052-000" + "0", "individual_number"),
        ("131052-001" + "1", "individual_number"),
    ],
)
def test_invalid_codes_say_why(code, reason):
    with pytest.raises(InvalidIdentityCode) as refused:
        normalize_identity_code(code)
    assert refused.value.reason == reason


def test_the_1800s_sign():
    code = with_check("010195901", "+")
    assert code == "010195+901" + "0123456789ABCDEFHJKLMNPRSTUVWXY"[10195901 % 31]
    assert birth_date(code) == date(1895, 1, 1)


def test_leap_day_is_a_date():
    code = with_check("290200900", "A")
    assert birth_date(code) == date(2000, 2, 29)


def test_masked_shows_the_date_part_only():
    assert mask_identity_code("131052-308T") == "131052-****"
    assert mask_identity_code(None) == ""


def test_encryption_with_a_configured_key_and_a_derived_one():
    configured = {"IDENTITY_CODE_KEY": Fernet.generate_key().decode(), "ENV_NAME": "production"}
    token = encrypt_identity_code("131052-308T", configured)
    assert "131052" not in token and "308T" not in token
    assert decrypt_identity_code(token, configured) == "131052-308T"
    other = {"IDENTITY_CODE_KEY": Fernet.generate_key().decode()}
    with pytest.raises(InvalidToken):
        decrypt_identity_code(token, other)
    derived = {"SECRET_KEY": "dev-secret", "ENV_NAME": "development"}
    assert decrypt_identity_code(encrypt_identity_code("131052-308T", derived),
                                 {"SECRET_KEY": "dev-secret"}) == "131052-308T"
    with pytest.raises(RuntimeError):
        fernet_for({"SECRET_KEY": "x", "ENV_NAME": "production"})


def test_production_needs_its_own_key(monkeypatch):
    from app import create_app
    from config import ProductionConfig

    with pytest.raises(RuntimeError, match="IDENTITY_CODE_KEY"):
        create_app(ProductionConfig, SECRET_KEY="s" * 32, SQLALCHEMY_DATABASE_URI="sqlite://",
                   IDENTITY_CODE_KEY="")
    with pytest.raises(ValueError):
        create_app(ProductionConfig, SECRET_KEY="s" * 32, SQLALCHEMY_DATABASE_URI="sqlite://",
                   IDENTITY_CODE_KEY="not a fernet key")


@pytest.fixture
def expert(app):
    with app.app_context():
        profile = factories.expert(full_name="Tiina Tunnus", areas=("mental-health",))
        db.session.commit()
        return SimpleNamespace(id=profile.id, email=profile.user.email)


def raw_column(app, expert_id: int) -> str | None:
    with app.app_context():
        return db.session.execute(
            text("SELECT identity_code_encrypted FROM expert_profiles WHERE id = :id"),
            {"id": expert_id}).scalar()


def test_the_expert_saves_the_code_and_the_row_holds_no_plain_text(app, client, expert):
    logged_in(client, expert.email)
    response = client.post("/expert/profile",
                           data=profile_form(identity_code="010594y9021"))
    assert response.status_code == 302
    stored = raw_column(app, expert.id)
    assert stored
    for part in ("010594", "9021", "010594Y9021", "010594y9021"):
        assert part not in stored
    with app.app_context():
        assert decrypt_identity_code(stored, app.config) == "010594Y9021"
    entry = audit_entries(app, "expert_payment_details_changed", expert.id)[-1]
    assert entry["details"] == {"fields": "identity_code"}
    again = page(client.get("/expert/profile"))
    assert "010594-****" in again  # shown masked, even to its owner
    assert "010594Y9021" not in again and "Y9021" not in again
    # Leaving the field empty keeps the saved code.
    client.post("/expert/profile", data=profile_form(identity_code=""))
    with app.app_context():
        assert decrypt_identity_code(raw_column(app, expert.id), app.config) == "010594Y9021"


@pytest.mark.parametrize(
    ("value", "message"),
    [("131052-308U", "last character"), ("131052Z308T", "in the form 131052-308T"),
     ("300252-308T", "not a real date")],
)
def test_a_wrong_code_is_refused_and_kept_in_the_form(app, client, expert, value, message):
    use_english(client)
    logged_in(client, expert.email)
    response = client.post("/expert/profile",
                           data=profile_form(identity_code=value, bio="Ei tallennu"))
    assert response.status_code == 422
    assert message in field_error(response, "identity_code")
    assert field_value(response, "identity_code") == value
    assert raw_column(app, expert.id) is None


def test_only_finance_reads_the_code_and_every_read_is_audited(app):
    with app.app_context():
        profile = factories.expert()
        services.store_identity_code(profile, "010594Y9021")
        finance = finance_user()
        assert services.read_identity_code(finance, profile.id, "check") == "010594Y9021"
        for role in ("admin", "coordinator", "expert"):
            with pytest.raises(PermissionDenied):
                services.read_identity_code(factories.user(role), profile.id, "check")
        reads = audit_entries(app, "identity_code_read", profile.id)
        assert [(r["actor_id"], r["details"]["purpose"]) for r in reads] == [
            (finance.id, "check")]
        db.session.rollback()


def test_finance_sees_the_code_on_the_payout_page_only_when_asked(app, client):
    with app.app_context():
        item = payout()
        services.store_identity_code(item.expert, "020594X903P")
        finance = finance_user()
        admin = factories.user("admin")
        db.session.commit()
        ids = SimpleNamespace(item=item.id, expert=item.expert_id, finance=finance.email,
                              admin=admin.email)
    use_english(client)
    logged_in(client, ids.finance)
    shown = client.get(f"/finance/payouts/{ids.item}")
    assert "020594X903P" not in page(shown) and "020594-****" in page(shown)
    assert audit_entries(app, "identity_code_read", ids.expert) == []
    revealed = client.post(f"/finance/payouts/{ids.item}/identity-code")
    assert revealed.status_code == 200
    assert "020594X903P" in page(revealed)
    assert len(audit_entries(app, "identity_code_read", ids.expert)) == 1
    client.post("/logout")
    logged_in(client, ids.admin)
    assert "Show the personal identity code" not in page(client.get(f"/finance/payouts/{ids.item}"))
    assert client.post(f"/finance/payouts/{ids.item}/identity-code").status_code == 403


def test_erasing_the_code(app):
    with app.app_context():
        profile = factories.expert()
        services.store_identity_code(profile, "131052-308T")
        db.session.flush()
        assert services.erase_identity_code(profile) is True
        db.session.flush()
        assert db.session.get(ExpertProfile, profile.id).identity_code_encrypted is None
        assert services.erase_identity_code(profile) is False
        db.session.rollback()
