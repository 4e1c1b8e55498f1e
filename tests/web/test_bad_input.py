"""No input gives a 500 on the pages (issue 11, point 6): ids beyond the database are 404,
control characters and more decimals than a column holds show the form again with the
error next to the field and what was typed, an illegal state move is a friendly message,
a role change without the organisation it needs is refused with a clear message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.common.timeutil import utcnow
from app.extensions import db
from tests import factories
from tests.web.helpers import field_error, field_value, logged_in, page, use_english


@pytest.mark.parametrize("path", [
    "/organisation/orders/2147483648",
    "/organisation/orders/99999999999999999999",
    "/organisation/invoices/9223372036854775808",
    "/expert/work/assignments/18446744073709551617/report",
    "/participation/groups/2147483648",
])
def test_an_id_beyond_the_database_in_the_url_is_404(app, client, path):
    with app.app_context():
        email = factories.organisation_admin().email
        db.session.commit()
    logged_in(client, email)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("text", ["Seura\x00 ry", "Seura\x1b ry", "Seura\x7f ry"])
def test_control_characters_in_a_form_show_it_again_with_the_error(app, client, text):
    from app.organisations.models import Organisation

    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Organisation))
    use_english(client)
    response = client.post("/register/organisation", data={
        "organisation_name": text, "business_id": factories.unique_business_id(),
        "kind": "school", "billing_email": "laskut@seura.example.fi",
        "full_name": "Sirkka Seuralainen", "email": "sirkka@seura.example.fi",
        "password": "a long and secret sentence"})
    assert response.status_code == 422
    assert "control characters" in field_error(response, "organisation_name")
    assert field_value(response, "full_name") == "Sirkka Seuralainen"
    assert "Seura" in field_value(response, "organisation_name")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == before


def test_a_nul_in_a_search_is_never_a_server_error(app, client):
    with app.app_context():
        email = factories.user("admin").email
        db.session.commit()
    logged_in(client, email)
    assert client.get("/admin/users?q=demo%00").status_code in (200, 422)
    assert client.get("/organisation/experts?q=%00").status_code < 500


def _past_booking(app):
    with app.app_context():
        start = (utcnow() - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
        order = factories.order(status="filled", sessions=[(start, 60)])
        expert = factories.expert()
        (assignment,) = factories.booking(order, expert)
        db.session.commit()
        return expert.user.email, assignment.id


@pytest.mark.parametrize(("field", "typed"), [("km_driven", "12,34"), ("one_way_km", "40.05"),
                                              ("parking_eur", "3,005")])
def test_more_decimals_than_the_report_holds_is_422_at_the_field(app, client, field, typed):
    from app.bookings.models import Assignment

    email, assignment_id = _past_booking(app)
    logged_in(client, email)
    use_english(client)
    response = client.post(f"/expert/work/assignments/{assignment_id}/report", data={
        "duration_minutes": "60", field: typed, "action": "send"})
    assert response.status_code == 422, page(response)
    assert "decimals" in field_error(response, field)
    assert field_value(response, field) == typed
    with app.app_context():
        assert db.session.get(Assignment, assignment_id).status == "booked"


def test_a_huge_number_in_a_form_is_422_not_an_overflow(app, client):
    with app.app_context():
        expert = factories.expert()
        db.session.commit()
        email = expert.user.email
    logged_in(client, email)
    use_english(client)
    response = client.get("/expert/profile")
    assert response.status_code == 200
    from tests.web.helpers import csrf_token  # noqa: F401  (CSRF is off in this app)

    response = client.post("/expert/profile", data={
        "monthly_earnings_limit": "9" * 30, "remote": "yes"})
    assert response.status_code == 422, response.status_code
    assert "too large" in field_error(response, "monthly_earnings_limit")


def test_activating_an_active_group_is_a_friendly_message(app, client):
    from app.participation.groups.models import ParticipationGroup
    from tests.participation import helpers

    with app.app_context(), app.test_request_context("/"):
        organiser = factories.member(is_admin=True)
        group = helpers.group(organiser, kind="participation_group")
        helpers.add_people(organiser, group.id, 1, "responsible")
        helpers.add_people(organiser, group.id, 2)
        group.status = "active"  # activated before
        db.session.commit()
        group_id, email = group.id, organiser.email
    logged_in(client, email)
    use_english(client)
    response = client.post(f"/participation/groups/{group_id}/activate", follow_redirects=True)
    assert response.status_code == 200
    assert "This is not possible in the current state" in page(response)
    with app.app_context():
        assert db.session.get(ParticipationGroup, group_id).status == "active"


@pytest.mark.parametrize("organisation_id", ["2147483648", "99999999999999999999", "-1", "0"])
def test_a_role_change_without_a_real_organisation_is_refused(app, client, organisation_id):
    from app.accounts.models import User

    with app.app_context():
        admin = factories.user("admin")
        person = factories.user("coordinator")
        db.session.commit()
        admin_email, person_id = admin.email, person.id
    logged_in(client, admin_email)
    use_english(client)
    response = client.post(f"/admin/users/{person_id}/role", data={
        "role": "organisation_member", "organisation_id": organisation_id})
    assert response.status_code == 422
    assert "Choose the organisation from the list." in field_error(response, "organisation_id")
    with app.app_context():
        assert db.session.get(User, person_id).role == "coordinator"


def test_declining_an_accepted_invitation_on_the_page_is_a_friendly_message(app, client):
    from app.bookings.models import Invitation

    with app.app_context():
        expert = factories.expert()
        (assignment,) = factories.booking(factories.order(status="filled"), expert)
        db.session.commit()
        email, invitation_id = expert.user.email, assignment.invitation_id
    logged_in(client, email)
    use_english(client)
    response = client.post(f"/expert/work/invitations/{invitation_id}",
                           data={"answer": "decline"}, follow_redirects=True)
    assert response.status_code == 200
    assert "This is not possible in the current state" in page(response)
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).status == "accepted"


def test_disputing_a_confirmed_report_on_the_page_is_a_friendly_message(app, client):
    from app.bookings.models import Assignment

    with app.app_context():
        organiser = factories.member(is_admin=True)
        start = (utcnow() - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
        order = factories.order(organiser.membership.organisation, created_by=organiser,
                                status="filled", sessions=[(start, 60)])
        (assignment,) = factories.booking(order, factories.expert(), status="confirmed")
        db.session.commit()
        path = f"/organisation/orders/{order.id}/assignments/{assignment.id}"
        email, assignment_id = organiser.email, assignment.id
    logged_in(client, email)
    use_english(client)
    response = client.post(path, data={"answer": "dispute", "reason": "Ei pidä paikkaansa"})
    assert response.status_code < 500  # the page again, with the message at the top
    assert "This is not possible in the current state" in page(response)
    with app.app_context():
        assert db.session.get(Assignment, assignment_id).status == "confirmed"
