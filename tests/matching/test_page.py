"""The coordinator's matching page: who may open it, what it shows, inviting from it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.bookings import services as booking_services
from app.bookings.models import Invitation
from app.extensions import db
from tests import factories
from tests.support.two_factor import sign_in_post
from tests.web.helpers import csrf_token, logged_in, page, use_english


def path(order_id: int) -> str:
    return f"/coordinator/orders/{order_id}"


@pytest.fixture
def coordinator(client, cast):
    logged_in(client, cast.coordinator)
    use_english(client)
    return client


def invitations(app, order_id: int) -> list[tuple[int, str]]:
    with app.app_context():
        return [(i.expert_id, i.status) for i in db.session.scalars(
            select(Invitation).where(Invitation.order_id == order_id))]


def test_the_page_shows_the_order_and_the_ranked_candidates(app, coordinator, cast):
    with app.app_context():
        far = factories.expert(home_municipality_code="837", travel_range_km=300,
                               monthly_earnings_limit=Decimal("10.00"))
        far_id, far_name = far.id, far.display_name
        db.session.commit()
    response = coordinator.get(path(cast.order_a))
    assert response.status_code == 200
    html = page(response)
    assert cast.order_a_title in html
    assert "Organisaatio A" in html
    assert "Lecture" in html or "Luento" in html
    assert "Mental health" in html or "mielenterveys" in html.lower()
    assert "Finnish" in html
    # Ranked: the expert in Pori first, then the one in Tampere, each with a labelled checkbox.
    first = html.index(f'id="expert-{cast.expert_id}"')
    second = html.index(f'id="expert-{far_id}"')
    assert first < second
    assert f'<label for="expert-{far_id}">Invite {far_name}</label>' in html
    assert re.search(rf'name="expert_ids" value="{cast.expert_id}"', html)
    assert "About 0.0 km from home to the place by road" in html
    assert "monthly earnings limit" in html
    assert 'name="csrf_token"' in html
    # No raw codes on the page.
    for code in ("recent_assignments", "earnings_limit_month", "distance_km"):
        assert code not in html


def test_dashboard_links_to_the_page(coordinator, cast):
    html = page(coordinator.get("/coordinator/"))
    assert f'href="{path(cast.order_a)}"' in html


@pytest.mark.parametrize(
    ("who", "status"),
    [("coordinator", 200), ("admin", 200), ("a_member", 403), ("a_admin", 403),
     ("expert", 403), ("finance", 403)],
)
def test_who_may_open_the_page(client, cast, who, status):
    logged_in(client, getattr(cast, who))
    response = client.get(path(cast.order_a))
    assert response.status_code == status
    if status == 403:
        assert cast.order_a_title not in page(response)


def test_signed_out_visitors_are_sent_to_sign_in(client, cast):
    response = client.get(path(cast.order_a))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_order(coordinator, cast):
    assert coordinator.get(path(cast.order_b + 1000)).status_code == 404


@pytest.mark.skipif(not hasattr(booking_services, "invite_experts"),
                    reason="app.bookings.services.invite_experts (the booking issue) is not there")
def test_inviting_the_chosen_experts(app, coordinator, cast):
    response = coordinator.post(path(cast.order_a), data={"expert_ids": [str(cast.expert_id)]})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        path(cast.order_a))
    assert invitations(app, cast.order_a) == [(cast.expert_id, "pending")]
    html = page(coordinator.get(path(cast.order_a)))
    assert "Invitations sent: 1." in html
    assert "Invited so far" in html
    # An invited expert is no longer offered.
    assert f'id="expert-{cast.expert_id}"' not in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose at least one expert to invite."),
        ({"expert_ids": ["999999"]}, "Some of the chosen experts can no longer be invited."),
        ({"expert_ids": ["abc"]}, "The choice could not be read."),
    ],
)
def test_a_bad_choice_invites_nobody(app, coordinator, cast, data, message):
    response = coordinator.post(path(cast.order_a), data=data)
    assert response.status_code == 200
    assert message in page(response)
    assert invitations(app, cast.order_a) == []


def test_an_expert_of_another_order_cannot_be_slipped_in(app, coordinator, cast):
    with app.app_context():
        swedish = factories.expert(languages=("sv",))
        swedish_id = swedish.id
        db.session.commit()
    response = coordinator.post(path(cast.order_a),
                                data={"expert_ids": [str(cast.expert_id), str(swedish_id)]})
    assert response.status_code == 200
    assert invitations(app, cast.order_a) == []


def test_the_form_needs_a_csrf_token(app, csrf_client, cast):
    login_form = csrf_client.get("/login")
    signed_in = sign_in_post(csrf_client, "/login", cast.coordinator, {
        "email": cast.coordinator, "password": factories.DEFAULT_PASSWORD,
        "csrf_token": csrf_token(login_form)})
    assert signed_in.status_code == 302
    form_page = csrf_client.get(path(cast.order_a))
    assert form_page.status_code == 200
    refused = csrf_client.post(path(cast.order_a), data={"expert_ids": [str(cast.expert_id)]})
    assert refused.status_code == 400
    assert invitations(app, cast.order_a) == []
    accepted = csrf_client.post(path(cast.order_a), data={
        "expert_ids": [str(cast.expert_id)], "csrf_token": csrf_token(form_page)})
    assert accepted.status_code == 302
    assert invitations(app, cast.order_a) == [(cast.expert_id, "pending")]


def test_coordinator_invites_the_best_ranked_automatically(app, client, login):
    from datetime import timedelta

    from app.bookings.models import Invitation
    from app.common.timeutil import utcnow
    from app.extensions import db
    from tests import factories

    with app.app_context():
        start = (utcnow() + timedelta(days=10)).replace(minute=0, second=0, microsecond=0)
        order = factories.order(sessions=[(start, 45)], experts_needed=2)
        near = [factories.expert(home_municipality_code=code) for code in ("609", "886", "684")]
        coordinator = factories.user("coordinator")
        db.session.commit()
        login(client, coordinator.email)
        url = f"/coordinator/orders/{order.id}"
        refused = client.post(url, data={"action": "top", "top_count": "zero"})
        assert refused.status_code == 200
        assert client.post(url, data={"action": "top", "top_count": "2"}).status_code == 302
        invited = {i.expert_id for i in db.session.query(Invitation).filter_by(order_id=order.id)}
        assert invited == {near[0].id, near[1].id}
