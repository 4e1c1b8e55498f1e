"""An organisation's administrator invites colleagues. The answer is the same for every
address (issue #11, point 1): whether an address has an account (expert, applicant, staff,
a member of any organisation) shows only in the mail to that address. The account is made
when the invited person accepts with the e-mailed link."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.common.errors import DomainError, PermissionDenied
from app.common.timeutil import utcnow
from app.extensions import db
from app.mail.models import OutboxMessage
from app.organisations import invitations
from app.organisations.models import ColleagueInvitation, Membership
from tests import factories
from tests.web.helpers import logged_in, login, page, redirect_path, use_english

COLLEAGUE = {"full_name": "Kaisu Kollega", "email": "kaisu.kollega@example.fi"}
NEW_PASSWORD = "my own long password"


@pytest.fixture
def organisation(app):
    with app.app_context():
        created = factories.organisation(name="Kutsuyhdistys ry")
        admin = factories.organisation_admin(created, full_name="Anni Admin")
        plain = factories.member(created)
        other_admin = factories.organisation_admin()
        db.session.commit()
        return {
            "id": admin.organisation_id,
            "admin": admin.email,
            "admin_id": admin.id,
            "member": plain.email,
            "member_id": plain.id,
            "other_admin": other_admin.email,
        }


def mails(app, kind: str | None = None) -> list[OutboxMessage]:
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return found


def invitation_rows(app, email: str) -> list[ColleagueInvitation]:
    with app.app_context():
        found = db.session.scalars(select(ColleagueInvitation).where(
            ColleagueInvitation.email == email).order_by(ColleagueInvitation.id)).all()
        db.session.expunge_all()
        return found


def link_of(message: OutboxMessage) -> str:
    (link,) = re.findall(r"https?://\S+/join/\S+", message.body_text)
    return urlsplit(link).path


def invite(client, data=COLLEAGUE):
    """Send the form; its message is left for the next page (as after a real redirect)."""
    return client.post("/organisation/members", data=data)


def accounts_with(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User).where(
            User.email == email))


# --- the same answer for every address ---------------------------------------------------------

_CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')
_INVITATION_ID = re.compile(r"/organisation/invitations/\d+/")
_TIME = re.compile(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}")


def _normalised(text: str) -> str:
    text = _CSRF.sub(r'\1CSRF"', text)
    text = _INVITATION_ID.sub("/organisation/invitations/ID/", text)
    return _TIME.sub("TIME", text)


def _parts(text: str, name: str, email: str) -> tuple[str, str, str]:
    """The flash messages and the list of waiting invitations with the typed name and address
    as placeholders, and everything else as it is (the members' list holds the address of a
    member of the same organisation as it should)."""
    text = _normalised(text)
    flashes = "".join(re.findall(r'<p class="flash[^"]*">.*?</p>', text, re.S))
    start = text.index('id="invitations-heading"')
    end = text.index("<h2>", start)
    rest = text[:start] + text[end:]
    for flash in re.findall(r'<p class="flash[^"]*">.*?</p>', rest, re.S):
        rest = rest.replace(flash, "")
    def typed(part: str) -> str:
        return part.replace(email, "{EMAIL}").replace(name, "{NAME}")

    return typed(flashes), typed(text[start:end]), rest


def _existing_addresses(app, organisation) -> dict[str, str]:
    with app.app_context():
        own_org = db.session.get(Membership, db.session.scalar(select(Membership.id).where(
            Membership.user_id == organisation["member_id"]))).organisation
        addresses = {
            "expert": factories.expert().user.email,
            "applicant": factories.expert(status="applied").user.email,
            "coordinator": factories.user("coordinator").email,
            "finance": factories.user("finance").email,
            "other_organisation": factories.member().email,
            "same_organisation": factories.member(own_org).email,
            "fresh": "ihan.uusi@example.fi",
        }
        db.session.commit()
        return addresses


def _snapshot(app, email: str):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            return None
        membership = user.membership
        return (user.id, user.role, user.password_hash, user.full_name, user.active,
                user.password_changed_at,
                membership and (membership.organisation_id, membership.is_admin))


def test_every_address_gets_the_same_answer_and_no_account_changes(app, client, organisation):
    use_english(client)
    logged_in(client, organisation["admin"])
    addresses = _existing_addresses(app, organisation)
    before = {kind: _snapshot(app, email) for kind, email in addresses.items()}
    answers = {}
    for number, (kind, email) in enumerate(addresses.items()):
        name = f"Kutsuttu Henkilö{number}"
        typed = f"  {email.upper()} " if kind == "expert" else email  # as a careless user types
        response = invite(client, {"full_name": name, "email": typed})
        assert response.status_code == 302, kind
        location = response.headers["Location"]
        shown = page(client.get(location))
        answers[kind] = (location, *_parts(shown, name, email))
        assert name in shown and email in shown
        # Take it off the list so that the next address's page shows only its own row.
        with app.app_context():
            (row,) = db.session.scalars(select(ColleagueInvitation).where(
                ColleagueInvitation.email == email)).all()
            assert row.status == "pending" and row.organisation_id == organisation["id"]
            row.status = "cancelled"
            db.session.commit()
    reference = answers["fresh"]
    assert "{NAME}" in reference[1] and "{EMAIL}" in reference[2]
    for kind, answer in answers.items():
        assert answer == reference, f"the answer for an address of a {kind} differs"
    after = {kind: _snapshot(app, email) for kind, email in addresses.items()}
    assert after == before  # no account was made, changed or joined to the organisation
    assert accounts_with(app, addresses["fresh"]) == 0


def test_only_the_mail_tells_whether_the_address_has_an_account(app, client, organisation):
    logged_in(client, organisation["admin"])
    with app.app_context():
        expert = factories.expert().user
        expert.language = "sv"
        expert_email = expert.email
        db.session.commit()
    invite(client, COLLEAGUE)
    invite(client, {"full_name": "Jo Olemassa", "email": expert_email})
    (invited,) = mails(app, "colleague_invitation")
    (taken,) = mails(app, "colleague_address_taken")
    assert invited.to_address == COLLEAGUE["email"] and invited.user_id is None
    assert invited.language == "fi"  # the inviter's language
    assert "Kutsuyhdistys ry" in invited.subject and "Anni Admin" in invited.body_text
    assert "/organisation/join/" in invited.body_text
    assert taken.to_address == expert_email and taken.language == "sv"  # the owner's language
    assert "Kutsuyhdistys ry" in taken.body_text and "Anni Admin" in taken.body_text
    assert "/organisation/join/" not in taken.body_text
    assert "/password/reset/" not in taken.body_text
    assert "/login" in taken.body_text
    assert app.config["CONTACT_EMAIL"] in taken.body_text  # whom to contact
    # Both mails have their HTML part (the same words, links as links).
    from app.mail.services import build_email

    email = build_email(invited, "Kokemuspankki <noreply@kokemuspankki.local>")
    html = email.get_body(("html",)).get_content()
    assert '<a href="http' in html and "/organisation/join/" in html


def test_address_taken_mail_in_english_says_what_to_do(app, client, organisation):
    with app.app_context():
        finance = factories.user("finance", language="en")
        email = finance.email
        db.session.commit()
    logged_in(client, organisation["admin"])
    invite(client, {"full_name": "Rahoitus", "email": email})
    (taken,) = mails(app, "colleague_address_taken")
    assert "already has a Kokemuspankki account" in taken.body_text
    assert "another e-mail address" in taken.body_text
    assert "Nothing was changed in your account" in taken.body_text


# --- accepting --------------------------------------------------------------------------------


def test_accepting_makes_exactly_one_account_and_membership(app, client, organisation):
    logged_in(client, organisation["admin"])
    invite(client)
    assert accounts_with(app, COLLEAGUE["email"]) == 0  # nothing before the answer
    path = link_of(mails(app, "colleague_invitation")[0])
    colleague = app.test_client()
    shown = colleague.get(path)
    assert shown.status_code == 200
    assert 'value="Kaisu Kollega"' in page(shown) and "Kutsuyhdistys ry" in page(shown)
    response = colleague.post(path, data={"full_name": " Kaisu Kollega-Korjattu ",
                                          "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert redirect_path(response) == "/organisation/"
    assert colleague.get("/organisation/").status_code == 200  # signed in
    with app.app_context():
        (user,) = db.session.scalars(select(User).where(User.email == COLLEAGUE["email"])).all()
        assert user.role == "organisation_member" and user.full_name == "Kaisu Kollega-Korjattu"
        assert user.organisation_id == organisation["id"] and not user.is_organisation_admin
        assert db.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.user_id == user.id)) == 1
        (row,) = db.session.scalars(select(ColleagueInvitation)).all()
        assert row.status == "accepted" and row.accepted_user_id == user.id
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"colleague_invited", "colleague_invitation_accepted"} <= actions
    assert redirect_path(login(app.test_client(), COLLEAGUE["email"], NEW_PASSWORD)) == (
        "/organisation/")
    # The link is spent: a second answer changes nothing.
    again = app.test_client().post(path, data={"full_name": "Toinen", "password": NEW_PASSWORD,
                                               "confirm": NEW_PASSWORD})
    assert again.status_code == 410
    assert accounts_with(app, COLLEAGUE["email"]) == 1
    # The accepted colleague is a member now, no longer a waiting invitation.
    members_page = page(client.get("/organisation/members"))
    assert "Kaisu Kollega-Korjattu" in members_page
    assert "/organisation/invitations/" not in members_page


def test_accept_page_keeps_what_was_typed_and_explains_a_short_password(app, client,
                                                                         organisation):
    logged_in(client, organisation["admin"])
    invite(client)
    path = link_of(mails(app, "colleague_invitation")[0])
    colleague = app.test_client()
    use_english(colleague)
    response = colleague.post(path, data={"full_name": "Kaisu K", "password": "short",
                                          "confirm": "short"})
    assert response.status_code == 422
    assert "at least 10 characters" in page(response)
    assert 'value="Kaisu K"' in page(response)
    assert accounts_with(app, COLLEAGUE["email"]) == 0
    assert invitation_rows(app, COLLEAGUE["email"])[0].status == "pending"


def test_link_of_an_address_that_got_an_account_meanwhile_takes_nothing_over(app, client,
                                                                             organisation):
    logged_in(client, organisation["admin"])
    invite(client)
    path = link_of(mails(app, "colleague_invitation")[0])
    with app.app_context():  # the address signs up as an expert before accepting
        factories.expert(email=COLLEAGUE["email"])
        db.session.commit()
    before = _snapshot(app, COLLEAGUE["email"])
    stranger = app.test_client()
    use_english(stranger)
    shown = stranger.get(path)
    assert shown.status_code == 409 and "already has a Kokemuspankki account" in page(shown)
    response = stranger.post(path, data={"full_name": "Kaappaaja", "password": NEW_PASSWORD,
                                         "confirm": NEW_PASSWORD})
    assert response.status_code == 409
    assert _snapshot(app, COLLEAGUE["email"]) == before
    assert stranger.get("/organisation/").status_code == 302  # not signed in
    assert login(app.test_client(), COLLEAGUE["email"], NEW_PASSWORD).status_code != 302


def test_declining_makes_nothing_and_spends_the_link(app, client, organisation):
    logged_in(client, organisation["admin"])
    invite(client)
    path = link_of(mails(app, "colleague_invitation")[0])
    colleague = app.test_client()
    response = colleague.post(path, data={"decision": "decline"})
    assert response.status_code == 302
    (row,) = invitation_rows(app, COLLEAGUE["email"])
    assert row.status == "declined" and row.ended_at is not None
    assert accounts_with(app, COLLEAGUE["email"]) == 0
    assert colleague.get(path).status_code == 410
    late = colleague.post(path, data={"full_name": "X", "password": NEW_PASSWORD,
                                      "confirm": NEW_PASSWORD})
    assert late.status_code == 410 and accounts_with(app, COLLEAGUE["email"]) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "colleague_invitation_declined")) == 1


def test_link_expires_after_a_week(app, client, organisation):
    logged_in(client, organisation["admin"])
    invite(client)
    path = link_of(mails(app, "colleague_invitation")[0])
    with app.app_context():
        row = db.session.scalar(select(ColleagueInvitation))
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    colleague = app.test_client()
    use_english(colleague)
    shown = colleague.get(path)
    assert shown.status_code == 410 and "expired" in page(shown)
    colleague.post(path, data={"full_name": "X", "password": NEW_PASSWORD,
                               "confirm": NEW_PASSWORD})
    assert accounts_with(app, COLLEAGUE["email"]) == 0
    # Not on the waiting list any more; the scheduled job marks it expired.
    client.get("/organisation/members")  # shows the message of the invitation
    assert COLLEAGUE["email"] not in page(client.get("/organisation/members"))
    with app.app_context():
        assert invitations.expire_invitations() == 1
        db.session.commit()
    assert invitation_rows(app, COLLEAGUE["email"])[0].status == "expired"


def test_invitation_lasts_seven_days(app, organisation):
    with app.app_context():
        admin = db.session.get(User, organisation["admin_id"])
        now = utcnow()
        row = invitations.invite_colleague(admin, "Seitsemän Päivää", "seitseman@example.fi",
                                           now=now)
        assert row.expires_at - now == timedelta(days=7)
        assert invitations.pending_invitations(organisation["id"], now + timedelta(days=6))
        assert not invitations.pending_invitations(organisation["id"], now + timedelta(days=7))


@pytest.mark.parametrize("link", ["not-a-token", "", "A" * 43])
def test_a_made_up_link_shows_a_clear_page(app, client, link):
    use_english(client)
    response = client.get(f"/organisation/join/{link}")
    assert response.status_code == 404
    if link:
        assert "not valid" in page(response)


# --- cancelling and sending again ---------------------------------------------------------------


def test_cancelled_invitations_link_no_longer_works(app, client, organisation):
    logged_in(client, organisation["admin"])
    invite(client)
    path = link_of(mails(app, "colleague_invitation")[0])
    (row,) = invitation_rows(app, COLLEAGUE["email"])
    members_page = page(client.get("/organisation/members"))
    assert f"/organisation/invitations/{row.id}/cancel" in members_page
    response = client.post(f"/organisation/invitations/{row.id}/cancel")
    assert redirect_path(response) == "/organisation/members"
    assert invitation_rows(app, COLLEAGUE["email"])[0].status == "cancelled"
    with app.app_context():
        (entry,) = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "colleague_invitation_cancelled")).all()
        assert entry.actor_id == organisation["admin_id"] and entry.subject_id == str(row.id)
    client.get("/organisation/members")  # shows the message
    assert COLLEAGUE["email"] not in page(client.get("/organisation/members"))
    colleague = app.test_client()
    assert colleague.get(path).status_code == 410
    colleague.post(path, data={"full_name": "X", "password": NEW_PASSWORD,
                               "confirm": NEW_PASSWORD})
    assert accounts_with(app, COLLEAGUE["email"]) == 0
    # Cancelled once is cancelled: a second cancel or a resend is refused without a 500.
    assert client.post(f"/organisation/invitations/{row.id}/cancel").status_code == 302
    assert client.post(f"/organisation/invitations/{row.id}/resend").status_code == 302
    assert invitation_rows(app, COLLEAGUE["email"])[0].status == "cancelled"


def test_sending_again_gives_a_new_link_and_kills_the_old_one(app, client, organisation):
    logged_in(client, organisation["admin"])
    invite(client)
    old_path = link_of(mails(app, "colleague_invitation")[0])
    (row,) = invitation_rows(app, COLLEAGUE["email"])
    response = client.post(f"/organisation/invitations/{row.id}/resend")
    assert redirect_path(response) == "/organisation/members"
    first, second = mails(app, "colleague_invitation")
    new_path = link_of(second)
    assert new_path != old_path
    assert app.test_client().get(old_path).status_code == 404
    assert app.test_client().get(new_path).status_code == 200
    # Inviting the same address again sends the same invitation again (no second row).
    invite(client, {"full_name": "Kaisu Uusi Nimi", "email": COLLEAGUE["email"].upper()})
    (row,) = invitation_rows(app, COLLEAGUE["email"])
    assert row.full_name == "Kaisu Uusi Nimi"
    assert len(mails(app, "colleague_invitation")) == 3
    assert app.test_client().get(new_path).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "colleague_invitation_resent")) == 1


@pytest.mark.parametrize("action", ["cancel", "resend"])
def test_another_organisations_admin_cannot_touch_the_invitation(app, client, organisation,
                                                                 action):
    logged_in(client, organisation["admin"])
    invite(client)
    (row,) = invitation_rows(app, COLLEAGUE["email"])
    before = len(mails(app))
    outsider = logged_in(app.test_client(), organisation["other_admin"])
    assert outsider.post(f"/organisation/invitations/{row.id}/{action}").status_code == 404
    assert COLLEAGUE["email"] not in page(outsider.get("/organisation/members"))
    (after,) = invitation_rows(app, COLLEAGUE["email"])
    assert (after.status, after.token_hash) == (row.status, row.token_hash)
    assert len(mails(app)) == before


@pytest.mark.parametrize("action", ["cancel", "resend"])
def test_plain_member_cannot_touch_the_invitation(app, client, organisation, action):
    logged_in(client, organisation["admin"])
    invite(client)
    (row,) = invitation_rows(app, COLLEAGUE["email"])
    member = logged_in(app.test_client(), organisation["member"])
    assert member.post(f"/organisation/invitations/{row.id}/{action}").status_code == 403
    assert invitation_rows(app, COLLEAGUE["email"])[0].status == "pending"


# --- who may invite ------------------------------------------------------------------------------


def test_plain_member_sees_no_invitation_form_and_invites_nobody(app, client, organisation):
    logged_in(client, organisation["admin"])
    invite(client, {"full_name": "Odottava", "email": "odottava@example.fi"})
    member = logged_in(app.test_client(), organisation["member"])
    shown = page(member.get("/organisation/members"))
    assert 'name="email"' not in shown and "odottava@example.fi" not in shown
    assert invite(member).status_code == 403
    assert invitation_rows(app, COLLEAGUE["email"]) == []
    assert mails(app, "colleague_invitation")[-1].to_address == "odottava@example.fi"


def test_bad_address_is_explained_and_what_was_typed_is_kept(app, client, organisation):
    use_english(client)
    logged_in(client, organisation["admin"])
    response = invite(client, {"full_name": "Kaisu", "email": "kaisu at example"})
    assert response.status_code == 422
    assert "name@example.fi" in page(response) and 'value="kaisu at example"' in page(response)
    assert mails(app) == [] or all(m.kind != "colleague_invitation" for m in mails(app))


def test_an_organisation_cannot_flood_inboxes_with_invitations(app, client, organisation,
                                                              monkeypatch):
    """After SENDS_PER_DAY invitation mails in 24 hours (new ones and ones sent again, by any
    of its administrators) the next is refused with a clear message and no mail, whatever the
    address; another organisation can still invite."""
    monkeypatch.setattr(invitations, "SENDS_PER_DAY", 3)
    use_english(client)
    logged_in(client, organisation["admin"])
    for number in range(2):
        assert invite(client, {"full_name": f"Kollega {number}",
                               "email": f"kollega{number}@example.fi"}).status_code == 302
    (row,) = invitation_rows(app, "kollega0@example.fi")
    assert client.post(f"/organisation/invitations/{row.id}/resend").status_code == 302
    sent = len(mails(app))
    refused = invite(client, {"full_name": "Neljäs", "email": "neljas@example.fi"})
    assert refused.status_code == 422
    assert "sent 3 invitations in the last 24 hours" in page(refused)
    assert 'value="neljas@example.fi"' in page(refused)  # what was typed is kept
    client.post(f"/organisation/invitations/{row.id}/resend")  # told on the next page
    assert "sent 3 invitations in the last 24 hours" in page(client.get("/organisation/members"))
    assert len(mails(app)) == sent and invitation_rows(app, "neljas@example.fi") == []
    with app.app_context():
        other = db.session.scalar(select(User).where(User.email == organisation["other_admin"]))
        invitations.invite_colleague(other, "Toisen Kollega", "toisen.kollega@example.fi")
        # A day later the organisation may invite again.
        admin = db.session.scalar(select(User).where(User.email == organisation["admin"]))
        invitations.invite_colleague(admin, "Neljäs", "neljas@example.fi",
                                     now=utcnow() + timedelta(days=1, minutes=1))


def test_service_refuses_invitations_by_plain_members(app, organisation):
    with app.app_context():
        plain = db.session.scalar(select(User).where(User.email == organisation["member"]))
        with pytest.raises(PermissionDenied):
            invitations.invite_colleague(plain, "Ei Kutsuttu", "ei.kutsuttu@example.fi")


@pytest.mark.parametrize("role", ["expert", "coordinator", "finance", "admin"])
def test_only_organisation_admins_can_invite(app, role):
    with app.app_context():
        someone = factories.user(role)
        with pytest.raises(DomainError):
            invitations.invite_colleague(someone, "Ei Kutsuttu", "ei.kutsuttu@example.fi")


# --- forgery and someone else's browser ------------------------------------------------------


def _csrf_sign_in(client, email: str) -> None:
    from tests.web.helpers import csrf_token

    token = csrf_token(client.get("/login"))
    response = client.post("/login", data={"email": email, "password": factories.DEFAULT_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302


def test_every_invitation_form_needs_its_csrf_token(app, client, csrf_client, organisation):
    from tests.web.helpers import csrf_token

    logged_in(client, organisation["admin"])
    invite(client)
    path = link_of(mails(app, "colleague_invitation")[0])
    (row,) = invitation_rows(app, COLLEAGUE["email"])
    _csrf_sign_in(csrf_client, organisation["admin"])
    for action in ("cancel", "resend"):
        assert csrf_client.post(f"/organisation/invitations/{row.id}/{action}").status_code == 400
    assert csrf_client.post("/organisation/members", data={
        "full_name": "Väärennetty", "email": "vaarennetty@example.fi"}).status_code == 400
    anonymous = csrf_client.application.test_client()
    assert anonymous.post(path, data={"full_name": "X", "password": NEW_PASSWORD,
                                      "confirm": NEW_PASSWORD}).status_code == 400
    assert anonymous.post(path, data={"decision": "decline"}).status_code == 400
    (after,) = invitation_rows(app, COLLEAGUE["email"])
    assert (after.status, after.token_hash) == ("pending", row.token_hash)
    assert invitation_rows(app, "vaarennetty@example.fi") == []
    assert accounts_with(app, COLLEAGUE["email"]) == 0
    # With the token of the link's page the answer goes through.
    token = csrf_token(anonymous.get(path))
    response = anonymous.post(path, data={"decision": "decline", "csrf_token": token})
    assert response.status_code == 302
    assert invitation_rows(app, COLLEAGUE["email"])[0].status == "declined"


def test_accepting_in_a_browser_signed_in_as_someone_else_leaves_that_account_alone(
        app, client, organisation):
    logged_in(client, organisation["admin"])
    invite(client)
    path = link_of(mails(app, "colleague_invitation")[0])
    with app.app_context():
        expert_email = factories.expert().user.email
        db.session.commit()
    before = _snapshot(app, expert_email)
    browser = logged_in(app.test_client(), expert_email)
    response = browser.post(path, data={"full_name": "Kaisu Kollega", "password": NEW_PASSWORD,
                                        "confirm": NEW_PASSWORD})
    assert redirect_path(response) == "/organisation/"
    assert _snapshot(app, expert_email) == before  # no role, membership or password change
    assert browser.get("/expert/").status_code in (302, 403)  # the expert's session ended
    with app.app_context():
        colleague = db.session.scalar(select(User).where(User.email == COLLEAGUE["email"]))
        assert colleague.organisation_id == organisation["id"]
        from app.accounts.models import UserSession

        expert_id = before[0]
        assert all(row.ended_at is not None for row in db.session.scalars(
            select(UserSession).where(UserSession.user_id == expert_id)))
