"""Who may open which page: roles, sign-in, and an organisation's own data only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.organisations.models import ColleagueInvitation
from tests import factories
from tests.web.helpers import logged_in, login, page, redirect_path, redirect_query


@pytest.fixture
def cast(app):
    with app.app_context():
        return factories.cast()


def user_is_active(app, user_id: int) -> bool:
    with app.app_context():
        return db.session.get(User, user_id).active


#: Whom each role's people are in `factories.cast`, and where they land.
DASHBOARD_OF = {
    "a_member": "/organisation/",
    "a_admin": "/organisation/",
    "expert": "/expert/",
    "coordinator": "/coordinator/",
    "finance": "/finance/",
    "admin": "/admin/",
}
PAGES = [
    "/organisation/",
    "/organisation/members",
    "/expert/",
    "/coordinator/",
    "/finance/",
    "/admin/",
]
#: The pages each person may open; every other page in PAGES answers 403.
ALLOWED = {
    "a_member": {"/organisation/", "/organisation/members"},
    "a_admin": {"/organisation/", "/organisation/members"},
    "expert": {"/expert/"},
    "coordinator": {"/coordinator/"},
    "finance": {"/finance/"},
    "admin": {"/admin/", "/coordinator/", "/finance/"},
}
MATRIX = [
    pytest.param(who, path, 200 if path in ALLOWED[who] else 403, id=f"{who}-{path}")
    for who in ALLOWED
    for path in PAGES
]


@pytest.mark.parametrize(("who", "path", "status"), MATRIX)
def test_role_page_matrix(app, client, cast, who, path, status):
    logged_in(client, getattr(cast, who))
    response = client.get(path)
    assert response.status_code == status, page(response)


@pytest.mark.parametrize("who", sorted(DASHBOARD_OF))
def test_each_role_lands_on_its_own_dashboard(app, client, cast, who):
    response = login(client, getattr(cast, who))
    assert redirect_path(response) == DASHBOARD_OF[who]
    assert client.get(DASHBOARD_OF[who]).status_code == 200


@pytest.mark.parametrize(
    "path",
    [*PAGES, "/organisation/orders/1", "/password/change", "/home"],
)
def test_anonymous_visitors_are_sent_to_sign_in(app, client, path):
    response = client.get(path)
    assert redirect_path(response) == "/login"
    assert redirect_query(response)["next"] == [path]


def test_sign_in_continues_to_the_page_asked_for(app, client, cast):
    response = client.post(
        "/login?next=/organisation/members",
        data={"email": cast.a_member, "password": factories.DEFAULT_PASSWORD},
    )
    assert redirect_path(response) == "/organisation/members"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_sign_in_never_redirects_off_site(app, client, cast, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": cast.a_member, "password": factories.DEFAULT_PASSWORD},
    )
    assert redirect_path(response) == "/organisation/"
    assert "evil" not in response.headers["Location"]


# --- an organisation's own data only -------------------------------------------------


def test_member_sees_own_order(app, client, cast):
    logged_in(client, cast.a_member)
    response = client.get(f"/organisation/orders/{cast.order_a}")
    assert response.status_code == 200
    assert cast.order_a_title in page(response)


@pytest.mark.parametrize("who", ["a_member", "a_admin"])
def test_member_cannot_see_another_organisations_order(app, client, cast, who):
    logged_in(client, getattr(cast, who))
    response = client.get(f"/organisation/orders/{cast.order_b}")
    assert response.status_code == 404
    assert cast.order_b_title not in page(response)


def test_unknown_order_is_not_found(app, client, cast):
    logged_in(client, cast.a_member)
    assert client.get(f"/organisation/orders/{cast.order_b + 1000}").status_code == 404


def test_expert_cannot_open_an_organisations_order(app, client, cast):
    logged_in(client, cast.expert)
    assert client.get(f"/organisation/orders/{cast.order_a}").status_code == 403


def test_dashboard_lists_only_own_orders(app, client, cast):
    logged_in(client, cast.a_member)
    text = page(client.get("/organisation/"))
    assert cast.order_a_title in text
    assert cast.order_b_title not in text


def test_members_page_lists_only_own_members(app, client, cast):
    logged_in(client, cast.a_admin)
    text = page(client.get("/organisation/members"))
    assert cast.a_member in text
    assert cast.b_member not in text and cast.b_admin not in text


@pytest.mark.parametrize(
    "victim", ["b_member_id", "b_admin_id", "expert_user_id", "coordinator_id"]
)
def test_admin_cannot_remove_someone_outside_the_organisation(app, client, cast, victim):
    logged_in(client, cast.a_admin)
    response = client.post(f"/organisation/members/{getattr(cast, victim)}/remove")
    assert response.status_code == 404
    assert user_is_active(app, getattr(cast, victim))


def test_admin_removes_own_member(app, client, cast):
    logged_in(client, cast.a_admin)
    response = client.post(f"/organisation/members/{cast.a_member_id}/remove")
    assert redirect_path(response) == "/organisation/members"
    assert not user_is_active(app, cast.a_member_id)
    # The removed member can no longer sign in.
    other = app.test_client()
    assert login(other, cast.a_member).status_code == 200
    assert other.get("/organisation/").status_code == 302


def test_admin_cannot_remove_themself(app, client, cast):
    logged_in(client, cast.a_admin)
    assert client.post(f"/organisation/members/{cast.a_admin_id}/remove").status_code == 403
    assert user_is_active(app, cast.a_admin_id)


@pytest.mark.parametrize("victim", ["a_admin_id", "b_member_id"])
def test_plain_member_cannot_remove_anyone(app, client, cast, victim):
    logged_in(client, cast.a_member)
    response = client.post(f"/organisation/members/{getattr(cast, victim)}/remove")
    assert response.status_code == 403
    assert user_is_active(app, getattr(cast, victim))


def test_plain_member_cannot_invite(app, client, cast):
    logged_in(client, cast.a_member)
    response = client.post(
        "/organisation/members", data={"full_name": "Uusi Kollega", "email": "uusi@example.fi"}
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "uusi@example.fi")) is None
        assert db.session.scalar(select(ColleagueInvitation).where(
            ColleagueInvitation.email == "uusi@example.fi")) is None


def test_admin_invites_into_own_organisation(app, client, cast):
    logged_in(client, cast.a_admin)
    response = client.post(
        "/organisation/members", data={"full_name": "Uusi Kollega", "email": "uusi@example.fi"}
    )
    assert redirect_path(response) == "/organisation/members"
    with app.app_context():
        invited = db.session.scalar(select(ColleagueInvitation).where(
            ColleagueInvitation.email == "uusi@example.fi"))
        assert invited.organisation_id == cast.org_a and invited.status == "pending"
        # No account until the colleague accepts.
        assert db.session.scalar(select(User).where(User.email == "uusi@example.fi")) is None
