"""The demo data of `flask seed-demo`: idempotent, and covering what testers need to try.

Distances are plain great-circle distances between municipality centres
(haversine on ``app/data/municipalities.csv``), without the ×1.3 road factor.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

import app as app_package
from app.accounts.models import User
from app.bookings.models import Assignment, Invitation, Order
from app.bookings.states import ORDER_STATUSES
from app.common.timeutil import utcnow
from app.demo import seed_demo
from app.experts.models import ExpertArea, ExpertLanguage, ExpertProfile
from app.extensions import db
from app.organisations.invitations import pending_invitations
from app.organisations.models import ColleagueInvitation, Organisation
from app.reference.models import ExpertiseArea
from tests.web.helpers import login, redirect_path

DEMO_PASSWORD = "kokemus-demo"
PORI = "609"
MUNICIPALITIES_CSV = Path(app_package.__file__).parent / "data" / "municipalities.csv"
DASHBOARDS = {
    "organisation_member": "/organisation/",
    "expert": "/expert/",
    "coordinator": "/coordinator/",
    "finance": "/finance/",
    "admin": "/admin/",
    "participant": "/participation/",
}
NAMED_ACCOUNTS = {
    "admin@demo.test": "admin",
    "coordinator@demo.test": "coordinator",
    "finance@demo.test": "finance",
    "org@demo.test": "organisation_member",
    "org2@demo.test": "organisation_member",
    "org3@demo.test": "organisation_member",
    "applicant@demo.test": "expert",
}


def municipality_centres() -> dict[str, tuple[float, float, str]]:
    with open(MUNICIPALITIES_CSV, newline="", encoding="utf-8") as handle:
        return {
            row["code"]: (float(row["lat"]), float(row["lon"]), row["region_fi"])
            for row in csv.DictReader(handle)
        }


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def test_great_circle_distance():
    """Helsinki–Pori is about 220 km as the crow flies."""
    centres = municipality_centres()
    assert great_circle_km(centres["091"][:2], centres["091"][:2]) == 0
    assert 200 < great_circle_km(centres["091"][:2], centres[PORI][:2]) < 240


@pytest.fixture
def seeded(app) -> None:
    """The demo data in this test's database (committed, so requests see it)."""
    with app.app_context():
        seed_demo(password=DEMO_PASSWORD)
        db.session.commit()


@pytest.fixture
def demo(app, seeded):
    """The demo data; the test runs inside an app context for its queries."""
    with app.app_context():
        yield


def row_counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (User, Organisation, ExpertProfile, Order, Invitation, Assignment,
                      ColleagueInvitation)
    }


def test_seeding_twice_adds_nothing(app):
    with app.app_context():
        seed_demo(password=DEMO_PASSWORD)
        db.session.commit()
        first = row_counts()
        assert first["users"] >= 30 and first["orders"] > 0 and first["assignments"] > 0
        seed_demo(password=DEMO_PASSWORD)
        db.session.commit()
        assert row_counts() == first


def test_the_demo_organisation_has_a_colleague_invitation_waiting(demo):
    org = db.session.scalar(select(User).where(User.email == "org@demo.test"))
    (waiting,) = pending_invitations(org.organisation_id)
    assert waiting.email == "ville.vastaanottaja@demo.test" and waiting.invited_by_id == org.id
    # Not an account: the invited person has not answered.
    assert db.session.scalar(select(User).where(User.email == waiting.email)) is None


def verified_experts() -> list[ExpertProfile]:
    return list(db.session.scalars(select(ExpertProfile).where(ExpertProfile.status == "verified")))


def test_accounts_and_their_roles(demo):
    roles = dict(db.session.execute(select(User.email, User.role)).all())
    for email, role in NAMED_ACCOUNTS.items():
        assert roles[email] == role, email
    for number in range(1, 25):
        assert roles[f"expert{number}@demo.test"] == "expert"
    org = db.session.scalar(select(User).where(User.email == "org@demo.test"))
    assert org.membership.organisation.name == "Demo hyvinvointialue"
    assert org.is_organisation_admin
    org2 = db.session.scalar(select(User).where(User.email == "org2@demo.test"))
    assert org2.membership.organisation.name == "Toinen yhdistys ry"
    assert not org2.is_organisation_admin
    applicant = db.session.scalar(select(User).where(User.email == "applicant@demo.test"))
    assert applicant.expert_profile.status != "verified"
    experts = {p.user.email: p for p in verified_experts()}
    assert {f"expert{n}@demo.test" for n in range(1, 25)} <= set(experts)


def test_every_area_has_two_verified_experts_and_mental_health_six(demo):
    per_area = Counter(
        db.session.scalars(
            select(ExpertiseArea.slug)
            .join(ExpertArea, ExpertArea.area_id == ExpertiseArea.id)
            .join(ExpertProfile, ExpertProfile.id == ExpertArea.expert_id)
            .where(ExpertProfile.status == "verified")
        )
    )
    slugs = db.session.scalars(select(ExpertiseArea.slug)).all()
    assert len(slugs) == 16
    short = {slug: per_area[slug] for slug in slugs if per_area[slug] < 2}
    assert not short, f"areas with fewer than two verified experts: {short}"
    assert per_area["mental-health"] >= 6


def test_mental_health_experts_near_pori(demo):
    centres = municipality_centres()
    pori = centres[PORI][:2]
    near = [
        p.user.email
        for p in verified_experts()
        if any(a.area.slug == "mental-health" for a in p.areas)
        and great_circle_km(centres[p.home_municipality_code][:2], pori) <= 150
    ]
    assert len(near) >= 3, near


def test_experts_live_in_eight_regions_and_speak_several_languages(demo):
    centres = municipality_centres()
    experts = verified_experts()
    regions = {centres[p.home_municipality_code][2] for p in experts}
    assert len(regions) >= 8, regions
    languages = set(
        db.session.scalars(
            select(ExpertLanguage.language).join(
                ExpertProfile, ExpertProfile.id == ExpertLanguage.expert_id
            )
        )
    )
    assert {"fi", "sv", "en"} <= languages
    assert all(any(lang.language == "fi" for lang in p.languages) for p in experts)
    assert any(
        p.monthly_earnings_limit is not None or p.yearly_earnings_limit is not None for p in experts
    )
    assert len({p.travel_range_km for p in experts}) > 1
    assert len({len(p.assignment_types) for p in experts}) > 1


def test_demo_orders_in_every_status(demo):
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.name == "Demo hyvinvointialue")
    )
    statuses = set(
        db.session.scalars(select(Order.status).where(Order.organisation_id == organisation.id))
    )
    assert set(ORDER_STATUSES) - statuses == set()
    assert any(order.is_series for order in db.session.scalars(select(Order)))


def test_expert1_has_past_assignments_waiting_for_a_report(demo):
    expert1 = db.session.scalar(select(User).where(User.email == "expert1@demo.test"))
    waiting = db.session.scalars(
        select(Assignment).where(
            Assignment.expert_id == expert1.expert_profile.id,
            Assignment.status == "booked",
            Assignment.ends_at < utcnow(),
        )
    ).all()
    assert len(waiting) >= 2


def test_every_demo_account_signs_in_and_reaches_its_dashboard(app, seeded):
    with app.app_context():
        accounts = dict(db.session.execute(select(User.email, User.role)).all())
    assert len(accounts) >= 30
    failures = []
    for number, (email, role) in enumerate(sorted(accounts.items())):
        client = app.test_client()
        # One address per account: Flask-Limiter limits sign-in posts per address.
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{number + 1}"
        response = login(client, email, DEMO_PASSWORD)
        if response.status_code != 302 or redirect_path(response) != DASHBOARDS[role]:
            failures.append((email, "sign-in", response.status_code))
            continue
        dashboard = client.get(DASHBOARDS[role])
        if dashboard.status_code != 200:
            failures.append((email, DASHBOARDS[role], dashboard.status_code))
    assert not failures


def test_demo_payouts_have_their_components_and_experts_their_identity_codes(app, demo):
    from flask import current_app

    from app.experts.identity_code import decrypt_identity_code, normalize_identity_code
    from app.payouts.models import PayoutItem

    items = db.session.scalars(select(PayoutItem)).all()
    assert items
    for item in items:
        assert item.components and item.components[0].component == "fee"
        assert sum(c.amount for c in item.components) == item.fee + item.travel + item.per_diem
        assert sum(c.net for c in item.components) == item.total_paid
    for profile in verified_experts():
        code = decrypt_identity_code(profile.identity_code_encrypted, current_app.config)
        assert normalize_identity_code(code) == code
        assert int(code[7:10]) >= 900  # temporary numbers, never a real person's


@pytest.mark.parametrize(("email", "kinds"), [
    ("org@demo.test", {"confirm_report", "short_of_experts", "pay_invoice"}),
    ("expert1@demo.test", {"report_work"}),
    ("finance@demo.test", {"approve_payouts", "batch_payouts"}),
])
def test_every_dashboards_what_needs_you_now_has_something(demo, email, kinds):
    from app.journeys.needs import needs_of

    user = db.session.scalar(select(User).where(User.email == email))
    assert kinds <= {need.kind for need in needs_of(user)}
