"""THE privacy test (issue 4, "Done when"): an organisation member cannot see hidden expertise
areas, full names or contact details of experts not booked by their organisation — not in the
pages and not in the API. Once an expert is booked with an organisation, that organisation (and
only that one) sees the expert's full name and contact details.
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest

from app.bookings.models import Order
from app.extensions import db
from tests import factories
from tests.web.helpers import bearer, logged_in, page

IBAN = "FI2112345600000785"


@pytest.fixture
def world(app):
    """Two organisations with an order each and three verified experts with secrets.

    Xenia shows mental health and hides substance use; Yrjö shows nothing; Zoe
    is still an applicant and appears nowhere.
    """
    with app.app_context():
        org_a = factories.organisation(name="Organisaatio A")
        org_b = factories.organisation(name="Organisaatio B")
        a_member, b_member = factories.member(org_a), factories.member(org_b)
        order_a = factories.order(org_a, title="A:n luento")
        order_b = factories.order(org_b, title="B:n luento")
        xenia = factories.expert(
            full_name="Xenia Salaisuus", email="xenia.salaisuus@example.fi",
            areas=("mental-health", "substance-use"), languages=("fi", "sv"),
            home_municipality_code="609", iban=IBAN,
        )
        xenia.display_name = "Xenia"
        xenia.bio = "Puhun toipumisesta."
        xenia.user.phone = "040 111 2233"
        for row in xenia.areas:
            row.visible_to_organisations = row.area.slug == "mental-health"
        yrjo = factories.expert(
            full_name="Yrjö Yksityinen", email="yrjo.yksityinen@example.fi",
            areas=("disability",), home_municipality_code="091",
        )
        yrjo.display_name = "Yrjö"
        yrjo.user.phone = "050 999 8877"
        for row in yrjo.areas:
            row.visible_to_organisations = False
        zoe = factories.expert("applied", full_name="Zoe Hakija", email="zoe.hakija@example.fi")
        zoe.display_name = "Zoe"
        coordinator = factories.user("coordinator")
        hidden = factories.expertise_area("substance-use")
        shown = factories.expertise_area("mental-health")
        disability = factories.expertise_area("disability")
        db.session.commit()
        return SimpleNamespace(
            org_a=org_a.id, a_member=a_member.email, b_member=b_member.email,
            order_a=order_a.id, order_b=order_b.id,
            xenia=xenia.id, yrjo=yrjo.id, zoe=zoe.id, coordinator=coordinator.email,
            hidden_area=hidden.name_fi, shown_area=shown.name_fi,
            disability_area=disability.name_fi,
        )


#: What no organisation may see of an expert before booking.
XENIA_SECRETS = ("Xenia Salaisuus", "xenia.salaisuus@example.fi", "040 111 2233", IBAN,
                 "FI** ****")
YRJO_SECRETS = ("Yrjö Yksityinen", "yrjo.yksityinen@example.fi", "050 999 8877")
ZOE_SECRETS = ("Zoe Hakija", "zoe.hakija@example.fi")


def card(html: str, expert_id: int) -> str | None:
    """The expert's card on /organisation/experts, or None when the expert is not listed."""
    match = re.search(rf'<li class="card" id="expert-{expert_id}">(.*?)</li>', html, re.S)
    return match.group(1) if match else None


def api_experts(client, api_token, email: str, **params) -> dict:
    response = client.get("/api/v1/experts", query_string=params,
                          headers=bearer(api_token(client, email)))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def item(answer: dict, expert_id: int) -> dict | None:
    return next((i for i in answer["items"] if i["expert_id"] == expert_id), None)


def book(app, order_id: int, expert_id: int, status: str = "booked") -> None:
    with app.app_context():
        from app.experts.models import ExpertProfile

        factories.booking(db.session.get(Order, order_id),
                          db.session.get(ExpertProfile, expert_id), status=status)
        db.session.commit()


def assert_nothing_private(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text, secret


def test_the_page_shows_only_public_details_before_booking(app, client, world):
    logged_in(client, world.a_member)
    response = client.get("/organisation/experts")
    assert response.status_code == 200
    html = page(response)
    assert_nothing_private(html, *XENIA_SECRETS, *YRJO_SECRETS, *ZOE_SECRETS)
    xenia = card(html, world.xenia)
    assert "Xenia" in xenia and "Puhun toipumisesta." in xenia and "Satakunta" in xenia
    assert world.shown_area in xenia
    assert world.hidden_area not in xenia
    yrjo = card(html, world.yrjo)
    assert "Yrjö" in yrjo and "Helsinki-Uusimaa" in yrjo and world.disability_area not in yrjo
    assert card(html, world.zoe) is None


def test_searching_by_a_hidden_area_does_not_reveal_it(app, client, world, api_token):
    logged_in(client, world.a_member)
    html = page(client.get("/organisation/experts", query_string={"area": "substance-use"}))
    assert card(html, world.xenia) is None
    html = page(client.get("/organisation/experts", query_string={"area": "mental-health"}))
    assert card(html, world.xenia) is not None
    answer = api_experts(client, api_token, world.a_member, area="substance-use")
    assert item(answer, world.xenia) is None
    answer = api_experts(client, api_token, world.a_member, area="disability")
    assert item(answer, world.yrjo) is None


def test_the_api_shows_only_public_details_before_booking(app, client, world, api_token):
    answer = api_experts(client, api_token, world.a_member)
    assert_nothing_private(json.dumps(answer, ensure_ascii=False),
                           *XENIA_SECRETS, *YRJO_SECRETS, *ZOE_SECRETS)
    xenia = item(answer, world.xenia)
    assert xenia == {"expert_id": world.xenia, "display_name": "Xenia",
                     "bio": "Puhun toipumisesta.", "region": "Satakunta",
                     "expertise_areas": ["mental-health"]}
    assert item(answer, world.yrjo)["expertise_areas"] == []
    assert item(answer, world.zoe) is None
    assert answer["next"] is None


def test_an_own_order_does_not_leak_invited_experts(app, client, world, api_token):
    book(app, world.order_a, world.xenia)
    with app.app_context():
        from app.bookings.models import Invitation
        from app.common.timeutil import utcnow

        order = db.session.get(Order, world.order_a)
        db.session.add(Invitation(order=order, expert_id=world.yrjo, status="pending",
                                  expires_at=order.starts_at or utcnow()))
        db.session.commit()
    response = client.get(f"/api/v1/orders/{world.order_a}",
                          headers=bearer(api_token(client, world.a_member)))
    assert response.status_code == 200
    text = json.dumps(response.get_json(), ensure_ascii=False)
    assert_nothing_private(text, *YRJO_SECRETS, *ZOE_SECRETS, IBAN, "040 111 2233")
    assert "substance-use" not in text
    other = client.get(f"/api/v1/orders/{world.order_b}",
                       headers=bearer(api_token(client, world.a_member)))
    assert other.status_code == 404
    order_page = page(logged_in(app.test_client(), world.a_member).get(
        f"/organisation/orders/{world.order_a}"))
    assert_nothing_private(order_page, *YRJO_SECRETS, *ZOE_SECRETS, IBAN, "substance-use",
                           world.hidden_area)


def test_after_a_booking_only_that_organisation_sees_the_name_and_contact(
    app, client, world, api_token
):
    book(app, world.order_a, world.xenia)

    a_page = page(logged_in(client, world.a_member).get("/organisation/experts"))
    xenia = card(a_page, world.xenia)
    for detail in ("Xenia Salaisuus", "xenia.salaisuus@example.fi", "040 111 2233"):
        assert detail in xenia
    assert world.hidden_area not in xenia  # booking does not reveal hidden areas
    assert IBAN not in a_page and "FI** ****" not in a_page
    assert_nothing_private(a_page, *YRJO_SECRETS, *ZOE_SECRETS)

    a_api = item(api_experts(client, api_token, world.a_member), world.xenia)
    assert a_api["full_name"] == "Xenia Salaisuus"
    assert a_api["email"] == "xenia.salaisuus@example.fi"
    assert a_api["expertise_areas"] == ["mental-health"]
    assert "full_name" not in item(api_experts(client, api_token, world.a_member), world.yrjo)

    b_client = logged_in(app.test_client(), world.b_member)
    b_page = page(b_client.get("/organisation/experts"))
    assert card(b_page, world.xenia) is not None
    assert_nothing_private(b_page, *XENIA_SECRETS, *YRJO_SECRETS)
    b_answer = api_experts(b_client, api_token, world.b_member)
    assert_nothing_private(json.dumps(b_answer, ensure_ascii=False), *XENIA_SECRETS)
    assert set(item(b_answer, world.xenia)) == {"expert_id", "display_name", "bio", "region",
                                                "expertise_areas"}


@pytest.mark.parametrize("status", ["cancelled_by_organisation", "cancelled_by_expert"])
def test_a_cancelled_booking_does_not_reveal_the_expert(app, client, world, api_token, status):
    book(app, world.order_a, world.xenia, status=status)
    html = page(logged_in(client, world.a_member).get("/organisation/experts"))
    assert_nothing_private(html, *XENIA_SECRETS)
    assert "full_name" not in item(api_experts(client, api_token, world.a_member), world.xenia)


def test_a_booking_that_took_place_still_counts(app, client, world, api_token):
    book(app, world.order_a, world.xenia, status="paid")
    assert item(api_experts(client, api_token, world.a_member), world.xenia)["full_name"] == \
        "Xenia Salaisuus"


def test_coordinators_see_every_area_and_contact(app, client, world, api_token):
    answer = api_experts(client, api_token, world.coordinator)
    xenia = item(answer, world.xenia)
    assert xenia["expertise_areas"] == ["mental-health", "substance-use"]
    assert (xenia["full_name"], xenia["email"]) == ("Xenia Salaisuus",
                                                    "xenia.salaisuus@example.fi")
    assert item(answer, world.yrjo)["expertise_areas"] == ["disability"]
    assert item(api_experts(client, api_token, world.coordinator, area="substance-use"),
                world.xenia) is not None
    assert IBAN not in json.dumps(answer)


@pytest.mark.parametrize("who", ["expert", "finance", "organisation_member_without_org"])
def test_others_may_not_list_experts(app, client, world, api_token, who):
    with app.app_context():
        if who == "expert":
            user = factories.expert().user
        elif who == "finance":
            user = factories.user("finance")
        else:
            user = factories.user("organisation_member")
        db.session.commit()
        email = user.email
    response = client.get("/api/v1/experts", headers=bearer(api_token(client, email)))
    assert response.status_code == 403
    assert_nothing_private(response.get_data(as_text=True), *XENIA_SECRETS)
    logged_in(client, email)
    assert client.get("/organisation/experts").status_code == 403


def test_the_api_needs_a_token(app, client, world):
    assert client.get("/api/v1/experts").status_code == 401


def test_search_filters(app, client, world, api_token):
    def ids(**params) -> set[int]:
        return {i["expert_id"] for i in api_experts(client, api_token, world.a_member,
                                                    **params)["items"]}

    assert ids(q="toipumis") == {world.xenia}
    assert ids(q="YRJÖ") in ({world.yrjo}, set())  # SQLite lowers ASCII letters only
    assert ids(q="yrj") == {world.yrjo}
    assert ids(q="salaisuus") == set()  # full names are not searchable
    assert ids(language="sv") == {world.xenia}
    assert ids(region="Satakunta") == {world.xenia}
    assert ids(region="Helsingfors-Nyland") == {world.yrjo}
    assert world.zoe not in ids()


def test_the_page_filters_too(app, client, world):
    logged_in(client, world.a_member)
    html = page(client.get("/organisation/experts", query_string={"region": "Helsinki-Uusimaa"}))
    assert card(html, world.yrjo) is not None and card(html, world.xenia) is None
    html = page(client.get("/organisation/experts", query_string={"q": "toipumis"}))
    assert card(html, world.xenia) is not None and card(html, world.yrjo) is None


@pytest.mark.parametrize(
    ("params", "field"),
    [({"area": "no-such-area"}, "area"), ({"language": "xx"}, "language"),
     ({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"), ({"cursor": "-1"}, "cursor"),
     ({"limit": "abc"}, "limit")],
)
def test_bad_filters_are_422(app, client, world, api_token, params, field):
    response = client.get("/api/v1/experts", query_string=params,
                          headers=bearer(api_token(client, world.a_member)))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


def test_pages_of_the_api_list(app, client, world, api_token):
    first = api_experts(client, api_token, world.coordinator, limit=1)
    assert len(first["items"]) == 1 and first["next"] == "1"
    second = api_experts(client, api_token, world.coordinator, limit=1, cursor=first["next"])
    assert second["items"][0]["expert_id"] != first["items"][0]["expert_id"]


def test_assignment_statuses_used_for_booking_are_known():
    from app.bookings.states import ASSIGNMENT_STATUSES
    from app.experts.queries import CANCELLED_ASSIGNMENTS

    assert set(CANCELLED_ASSIGNMENTS) <= set(ASSIGNMENT_STATUSES)


def test_closed_accounts_are_not_listed(app, client, world, api_token):
    with app.app_context():
        from app.experts.models import ExpertProfile

        db.session.get(ExpertProfile, world.yrjo).user.active = False
        db.session.commit()
    assert item(api_experts(client, api_token, world.coordinator), world.yrjo) is None
