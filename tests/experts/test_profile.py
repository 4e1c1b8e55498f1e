"""The expert's own profile: one form in plain language, every field explained and checked.

IBANs are validated and shown masked, a postcode finds the home municipality,
the withholding percentage is 0–100, and only the money-related changes are
audited (without the account number).
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.common.errors import NotFound, PermissionDenied
from app.experts import services
from app.experts.iban import mask_iban
from app.experts.models import ExpertProfile
from app.extensions import db
from app.fees.models import AssignmentType
from tests import factories
from tests.experts.helpers import PDF, audit_entries
from tests.web.helpers import (
    field_error,
    field_value,
    logged_in,
    page,
    redirect_path,
    selected_option,
    use_english,
)

IBAN = "FI2112345600000785"
IBAN_MASKED = "FI** **** **** **07 85"


@pytest.fixture
def expert(app):
    with app.app_context():
        profile = factories.expert(full_name="Pirjo Profiili", areas=("mental-health",))
        other = factories.expert("applied")
        db.session.commit()
        return SimpleNamespace(id=profile.id, email=profile.user.email, user_id=profile.user_id,
                               other=other.user.email, other_id=other.id)


def profile_form(**overrides) -> dict:
    data = {
        "display_name": "Pirjo",
        "bio": "Kerron toipumisestani ja vertaistuesta.",
        "areas": ["mental-health", "substance-use"],
        "shown_areas": ["mental-health"],
        "languages": ["fi", "sv"],
        "home_municipality_code": "609",
        "postcode": "",
        "assignment_types": ["lecture", "meeting"],
        "travel_range_km": "80",
        "remote_ok": "yes",
        "monthly_earnings_limit": "",
        "yearly_earnings_limit": "",
        "iban": "",
        "withholding_percent": "",
        "current_password": factories.DEFAULT_PASSWORD,
    }
    data.update(overrides)
    return data


def saved(app, expert_id: int) -> SimpleNamespace:
    with app.app_context():
        profile = db.session.get(ExpertProfile, expert_id)
        codes = dict(db.session.execute(select(AssignmentType.id, AssignmentType.code)).all())
        return SimpleNamespace(
            display_name=profile.display_name, bio=profile.bio,
            areas={row.area.slug: row.visible_to_organisations for row in profile.areas},
            languages={row.language for row in profile.languages},
            municipality=profile.home_municipality_code,
            types={codes[row.assignment_type_id] for row in profile.assignment_types},
            travel=profile.travel_range_km, remote=profile.remote_ok,
            monthly=profile.monthly_earnings_limit, yearly=profile.yearly_earnings_limit,
            iban=profile.iban, withholding=profile.withholding_percent, status=profile.status,
        )


def test_the_form_explains_every_field(app, client, expert):
    use_english(client)
    logged_in(client, expert.email)
    response = client.get("/expert/profile")
    assert response.status_code == 200
    html = page(response)
    for hint in (
        "Many experts receive benefits or a pension with an earnings limit. "
        "We warn you before you go over it.",
        "If you leave this empty, 60 per cent is withheld.",
        "Organisations may see this before booking",
        "I have experience of this",
        "If you write your postcode, we find your municipality from it.",
    ):
        assert hint in html
    assert field_value(response, "display_name") == "Pirjo"
    assert selected_option(response, "home_municipality_code") == "609"
    for name in ("display_name", "bio", "postcode", "travel_range_km", "iban",
                 "withholding_percent", "monthly_earnings_limit", "yearly_earnings_limit"):
        assert f'id="{name}-hint"' in html, name


def test_everything_is_saved(app, client, expert):
    logged_in(client, expert.email)
    response = client.post("/expert/profile", data=profile_form(
        monthly_earnings_limit="1 200,50", yearly_earnings_limit="8000",
        iban="fi21 1234 5600 0007 85", withholding_percent="15,5", remote_ok="no",
    ))
    assert redirect_path(response) == "/expert/profile"
    result = saved(app, expert.id)
    assert result.display_name == "Pirjo"
    assert result.bio == "Kerron toipumisestani ja vertaistuesta."
    assert result.areas == {"mental-health": True, "substance-use": False}
    assert result.languages == {"fi", "sv"}
    assert result.municipality == "609"
    assert result.types == {"lecture", "meeting"}
    assert (result.travel, result.remote) == (80, False)
    assert (result.monthly, result.yearly) == (Decimal("1200.50"), Decimal("8000.00"))
    assert result.iban == IBAN
    assert result.withholding == Decimal("15.50")
    assert result.status == "verified"


def test_the_iban_is_masked_on_the_page_except_in_its_input(app, client, expert):
    logged_in(client, expert.email)
    client.post("/expert/profile", data=profile_form(iban="FI21 1234 5600 0007 85"))
    response = client.get("/expert/profile")
    html = page(response)
    assert IBAN_MASKED in html
    assert field_value(response, "iban") == IBAN
    assert html.count(IBAN) == 1  # only the input's value
    for other in ("/expert/", "/expert/availability", "/expert/application"):
        assert IBAN not in page(client.get(other)), other


@pytest.mark.parametrize(
    ("compact", "masked"),
    [
        (IBAN, IBAN_MASKED),
        ("DE89370400440532013000", "DE** **** **** **** **30 00"),
        (None, ""),
    ],
)
def test_mask_keeps_only_the_country_and_last_four(compact, masked):
    assert mask_iban(compact) == masked


@pytest.mark.parametrize("value", ["FI2112345600000786", "FI21 1234", "12345", "XX00 0000"])
def test_an_invalid_iban_is_refused(app, client, expert, value):
    use_english(client)
    logged_in(client, expert.email)
    response = client.post("/expert/profile", data=profile_form(iban=value, bio="Ei tallennu"))
    assert response.status_code == 422
    assert "account number is not valid" in field_error(response, "iban")
    assert field_value(response, "iban") == value
    result = saved(app, expert.id)
    assert result.iban is None and result.bio != "Ei tallennu"


def test_payment_details_are_audited_without_the_account_number(app, client, expert):
    logged_in(client, expert.email)
    client.post("/expert/profile", data=profile_form(bio="Vain teksti muuttuu"))
    assert audit_entries(app, "expert_payment_details_changed") == []

    client.post("/expert/profile", data=profile_form(iban=IBAN, withholding_percent="20"))
    (entry,) = audit_entries(app, "expert_payment_details_changed", expert.id)
    assert entry["actor_id"] == expert.user_id
    assert entry["details"] == {"fields": "iban,withholding_percent"}

    client.post("/expert/profile", data=profile_form(iban=IBAN, withholding_percent="20",
                                                     bio="Sama tili"))
    assert len(audit_entries(app, "expert_payment_details_changed")) == 1
    client.post("/expert/profile", data=profile_form(iban="", withholding_percent="20"))
    entries = audit_entries(app, "expert_payment_details_changed")
    assert [e["details"] for e in entries][-1] == {"fields": "iban"}
    assert IBAN not in json.dumps(entries) and "0785" not in json.dumps(entries)


def test_a_postcode_wins_over_the_chosen_municipality(app, client, expert):
    logged_in(client, expert.email)
    response = client.post("/expert/profile",
                           data=profile_form(home_municipality_code="091", postcode="28100"))
    assert redirect_path(response) == "/expert/profile"
    assert saved(app, expert.id).municipality == "609"
    client.post("/expert/profile", data=profile_form(home_municipality_code="", postcode="00100"))
    assert saved(app, expert.id).municipality == "091"


@pytest.mark.parametrize("postcode", ["00000", "12345"])
def test_an_unknown_postcode_is_a_clear_error(app, client, expert, postcode):
    use_english(client)
    logged_in(client, expert.email)
    response = client.post("/expert/profile", data=profile_form(postcode=postcode,
                                                                home_municipality_code="091"))
    assert response.status_code == 422
    assert "do not know this postcode" in field_error(response, "postcode")
    assert saved(app, expert.id).municipality == "609"


def test_a_badly_written_postcode_is_refused(app, client, expert):
    use_english(client)
    logged_in(client, expert.email)
    response = client.post("/expert/profile", data=profile_form(postcode="281"))
    assert response.status_code == 422
    assert "5 digits" in field_error(response, "postcode")


def test_without_municipality_or_postcode_the_form_asks(app, client, expert):
    use_english(client)
    logged_in(client, expert.email)
    response = client.post("/expert/profile", data=profile_form(home_municipality_code=""))
    assert response.status_code == 422
    assert "postcode" in field_error(response, "home_municipality_code")


@pytest.mark.parametrize(
    ("value", "stored"),
    [("0", Decimal("0.00")), ("100", Decimal("100.00")), ("15,5", Decimal("15.50")),
     ("37.25", Decimal("37.25")), ("", None)],
)
def test_withholding_within_bounds_is_saved(app, client, expert, value, stored):
    logged_in(client, expert.email)
    response = client.post("/expert/profile", data=profile_form(withholding_percent=value))
    assert redirect_path(response) == "/expert/profile"
    assert saved(app, expert.id).withholding == stored


@pytest.mark.parametrize("value", ["-1", "100,01", "250", "abc", "12,345"])
def test_withholding_out_of_bounds_is_refused(app, client, expert, value):
    logged_in(client, expert.email)
    response = client.post("/expert/profile", data=profile_form(withholding_percent=value))
    assert response.status_code == 422
    assert field_error(response, "withholding_percent")
    assert saved(app, expert.id).withholding is None


@pytest.mark.parametrize(("value", "ok"), [("0", True), ("2000", True), ("2001", False),
                                           ("-5", False), ("", False)])
def test_travel_range_is_0_to_2000_km(app, client, expert, value, ok):
    logged_in(client, expert.email)
    response = client.post("/expert/profile", data=profile_form(travel_range_km=value))
    if ok:
        assert redirect_path(response) == "/expert/profile"
        assert saved(app, expert.id).travel == int(value)
    else:
        assert response.status_code == 422
        assert field_error(response, "travel_range_km")


def test_earnings_limits_cannot_be_negative(app, client, expert):
    logged_in(client, expert.email)
    response = client.post("/expert/profile", data=profile_form(monthly_earnings_limit="-10"))
    assert response.status_code == 422
    assert field_error(response, "monthly_earnings_limit")


def test_showing_an_area_needs_having_it(app, client, expert):
    use_english(client)
    logged_in(client, expert.email)
    response = client.post("/expert/profile", data=profile_form(
        areas=["mental-health"], shown_areas=["mental-health", "disability"]))
    assert response.status_code == 422
    assert "not ticked as your own" in page(response)
    assert saved(app, expert.id).areas == {"mental-health": True}


def test_areas_can_be_hidden_and_removed(app, client, expert):
    logged_in(client, expert.email)
    client.post("/expert/profile", data=profile_form())
    client.post("/expert/profile", data=profile_form(areas=["substance-use", "disability"],
                                                     shown_areas=["disability"]))
    assert saved(app, expert.id).areas == {"substance-use": False, "disability": True}


def test_at_least_one_language_is_needed(app, client, expert):
    logged_in(client, expert.email)
    response = client.post("/expert/profile", data=profile_form(languages=[]))
    assert response.status_code == 422
    assert field_error(response, "languages")


def test_only_experts_have_a_profile_page(app, client):
    with app.app_context():
        member = factories.member()
        db.session.commit()
        email = member.email
    logged_in(client, email)
    assert client.get("/expert/profile").status_code == 403


def test_services_act_on_the_actors_own_profile_only(app, expert):
    with app.app_context():
        own = db.session.get(ExpertProfile, expert.id)
        other = db.session.get(ExpertProfile, expert.other_id)
        with pytest.raises(NotFound):
            services.attach_certificate(other.user, own.trainings[0].id, io.BytesIO(PDF), "x.pdf")
        coordinator = factories.user("coordinator")
        with pytest.raises(PermissionDenied):
            services.update_profile(coordinator, services.ProfileChanges(display_name="X"))
