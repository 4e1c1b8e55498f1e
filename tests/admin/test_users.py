"""The administrator's users: search and paging, role changes that keep each role whole,
deactivation that ends sign-ins and tokens; everything audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import select

from app.accounts.models import ApiToken, User
from app.admin import users as admin_users
from app.audit.models import AuditEntry
from app.common.errors import Conflict, InvalidInput, PermissionDenied
from app.common.timeutil import utcnow
from app.experts.models import APPLIED, RETIRED
from app.extensions import db
from app.organisations.models import Membership
from tests import factories


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        yield


def forget_current_user() -> None:
    """The tests share one app context, so Flask-Login's cached user must go between clients."""
    g.pop("_login_user", None)


def audit_actions(user: User) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.subject_type == "user", AuditEntry.subject_id == str(user.id))
        .order_by(AuditEntry.id)))


def test_search_by_name_or_email_with_role_and_state_filters():
    anna = factories.user("coordinator", full_name="Anna Haku-Testaaja",
                          email="anna.haku@example.fi")
    factories.user("finance", full_name="Bertta Muu", email="bertta.haku@example.fi")
    inactive = factories.user("coordinator", full_name="Cecilia Haku", active=False)

    def found(**kwargs):
        filters = admin_users.UserFilters.parse(kwargs.get("q"), kwargs.get("role"),
                                                kwargs.get("state"))
        return {u.id for u in admin_users.users_page(filters, cursor=None, limit=200).items}

    assert anna.id in found(q="haku-testaaja") and anna.id in found(q="ANNA.HAKU@")
    assert found(q="haku", role="coordinator", state="active") & {anna.id, inactive.id} == {
        anna.id}
    assert found(q="haku", state="inactive") == {inactive.id}
    assert found(q="100%_") == set()  # wildcards are searched as plain characters
    with pytest.raises(InvalidInput):
        admin_users.UserFilters.parse("", "boss", "")


def test_users_page_pages_and_keeps_filters(client, login):
    admin = factories.user("admin")
    for number in range(3):
        factories.user("finance", email=f"sivutus{number}@example.fi")
    login(client, admin.email)
    first = client.get("/admin/users?q=sivutus&limit=2")
    text = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "sivutus0@example.fi" in text and "sivutus2@example.fi" not in text
    assert "q=sivutus" in text and "cursor=" in text
    cursor = text.split("cursor=")[1].split('"')[0].split("&")[0]
    second = client.get(f"/admin/users?q=sivutus&limit=2&cursor={cursor}")
    body = second.get_data(as_text=True)
    assert "sivutus2@example.fi" in body and "sivutus0@example.fi" not in body
    assert 'role="status"' in body
    assert client.get("/admin/users?role=boss").status_code == 422
    assert client.get("/admin/users?cursor=forged!").status_code == 422


def test_to_organisation_member_needs_an_organisation_and_gets_a_membership():
    admin = factories.user("admin")
    person = factories.user("coordinator")
    with pytest.raises(InvalidInput) as refused:
        admin_users.change_role(admin, person, "organisation_member")
    assert refused.value.code == "organisation_required"
    organisation = factories.organisation()
    admin_users.change_role(admin, person, "organisation_member", organisation.id)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == person.id))
    assert membership.organisation_id == organisation.id and not membership.is_admin
    assert person.role == "organisation_member"
    assert audit_actions(person)[-2:] == ["membership_created", "role_changed"]


def test_leaving_the_organisation_role_ends_the_membership_unless_last_admin():
    admin = factories.user("admin")
    organisation = factories.organisation()
    boss = factories.organisation_admin(organisation)
    colleague = factories.member(organisation)
    with pytest.raises(Conflict) as refused:
        admin_users.change_role(admin, boss, "coordinator")
    assert refused.value.code == "last_organisation_admin"
    admin_users.change_role(admin, colleague, "coordinator")
    assert db.session.scalar(select(Membership).where(Membership.user_id == colleague.id)) \
        is None
    assert "membership_removed" in audit_actions(colleague)


def test_to_expert_creates_a_profile_waiting_for_verification():
    admin = factories.user("admin")
    person = factories.user("participant", full_name="Paula Uusi")
    admin_users.change_role(admin, person, "expert")
    assert person.expert_profile.status == APPLIED
    assert person.expert_profile.display_name == "Paula"


def test_from_expert_retires_the_profile_but_not_with_coming_work():
    admin = factories.user("admin")
    busy = factories.expert()
    factories.booking(factories.order(), busy)
    with pytest.raises(Conflict) as refused:
        admin_users.change_role(admin, busy.user, "coordinator")
    assert refused.value.code == "expert_has_work"
    idle = factories.expert()
    admin_users.change_role(admin, idle.user, "coordinator")
    assert idle.status == RETIRED and idle.user.role == "coordinator"


def test_choosing_the_current_role_repairs_a_missing_membership(client, login):
    """An organisation member left without a membership by an older role change is mended."""
    admin = factories.user("admin")
    stranded = factories.user("organisation_member")  # no membership: its pages used to fail
    organisation = factories.organisation()
    with pytest.raises(InvalidInput) as refused:
        admin_users.change_role(admin, stranded, "organisation_member")
    assert refused.value.code == "organisation_required"
    admin_users.change_role(admin, stranded, "organisation_member", organisation.id)
    assert stranded.organisation_id == organisation.id
    assert audit_actions(stranded)[-1] == "membership_created"
    db.session.commit()
    login(client, stranded.email)
    assert client.get("/", follow_redirects=True).status_code == 200


def test_own_role_and_same_role_are_refused():
    admin = factories.user("admin")
    with pytest.raises(PermissionDenied):
        admin_users.change_role(admin, admin, "coordinator")
    other = factories.user("finance")
    with pytest.raises(InvalidInput):
        admin_users.change_role(admin, other, "finance")


def simple_pages(app) -> list[str]:
    """Every GET page without path arguments (no API, static files or sign-out)."""
    return sorted(
        rule.rule for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments
        and not rule.rule.startswith(("/api/", "/static")) and "logout" not in rule.rule)


@pytest.mark.parametrize(("before", "role"), [
    (before, role) for before in ("participant", "expert")
    for role in ("organisation_member", "expert", "coordinator", "finance", "participant", "admin")
    if role != before])
def test_after_a_role_change_no_page_fails(app, client, login, role, before):
    """No more 500 pages: whatever role a person gets, every page answers without an error."""
    admin = factories.user("admin")
    person = factories.expert().user if before == "expert" else factories.user(before)
    organisation = factories.organisation()
    admin_users.change_role(admin, person, role, organisation.id)
    db.session.commit()
    login(client, person.email)
    failing = {path: status for path in simple_pages(app)
               if (status := client.get(path).status_code) >= 500}
    assert failing == {}


def test_role_change_page_keeps_the_choice_and_explains_the_refusal(client, login):
    admin = factories.user("admin")
    person = factories.user("coordinator")
    login(client, admin.email)
    response = client.post(f"/admin/users/{person.id}/role",
                           data={"role": "organisation_member", "organisation_id": ""})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert '<option selected value="organisation_member">' in text
    assert "Choose the organisation that the person belongs to." in text or "organisaatio" in text
    assert db.session.get(User, person.id).role == "coordinator"
    organisation = factories.organisation()
    response = client.post(f"/admin/users/{person.id}/role",
                           data={"role": "organisation_member",
                                 "organisation_id": str(organisation.id)})
    assert response.status_code == 302
    assert db.session.get(User, person.id).organisation_id == organisation.id


def test_deactivated_users_cannot_sign_in_and_lose_sessions_and_tokens(client, login,
                                                                        api_token, app):
    admin = factories.user("admin")
    person = factories.user("coordinator")
    db.session.commit()
    token = api_token(client, person.email)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/audit", headers=bearer).status_code == 403  # valid, wrong role
    other = app.test_client()
    login(other, person.email)
    assert other.get("/coordinator/").status_code in (200, 302)

    forget_current_user()
    login(client, admin.email)
    assert client.post(f"/admin/users/{person.id}/active", data={"active": "0"}).status_code \
        == 302
    assert not db.session.get(User, person.id).active
    assert client.get("/api/v1/audit", headers=bearer).status_code == 401
    assert db.session.scalar(select(ApiToken.revoked_at).where(ApiToken.user_id == person.id))
    # The open session ends: the next page asks to sign in.
    forget_current_user()
    assert other.get("/coordinator/").status_code == 302
    assert "/login" in other.get("/coordinator/").headers["Location"]
    fresh = app.test_client()
    forget_current_user()
    login(fresh, person.email)
    assert fresh.get("/coordinator/").status_code == 302

    forget_current_user()
    assert client.post(f"/admin/users/{person.id}/active", data={"active": "1"}).status_code \
        == 302
    assert db.session.get(User, person.id).active
    assert audit_actions(person)[-2:] == ["user_deactivated", "user_reactivated"]


def test_an_expert_with_coming_work_is_not_deactivated():
    admin = factories.user("admin")
    expert = factories.expert()
    start = (utcnow() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    factories.booking(factories.order(sessions=[(start, 45)]), expert)
    with pytest.raises(Conflict):
        admin_users.deactivate_user(admin, expert.user)
    assert expert.user.active


@pytest.mark.parametrize("role", ["coordinator", "finance", "organisation_member", "expert"])
def test_only_administrators_see_users(client, login, role):
    person = factories.user(role)
    target = factories.user("finance")
    login(client, person.email)
    assert client.get("/admin/users").status_code == 403
    assert client.get(f"/admin/users/{target.id}").status_code == 403
    assert client.post(f"/admin/users/{target.id}/active", data={"active": "0"}).status_code \
        == 403
    assert client.post(f"/admin/users/{target.id}/role", data={"role": "admin"}).status_code \
        == 403


def test_unknown_user_is_404(client, login):
    login(client, factories.user("admin").email)
    assert client.get("/admin/users/999999").status_code == 404
