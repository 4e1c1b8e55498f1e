"""Nobody is put into a group without consent, and membership reveals no identity.

Written as an attacker would: an organisation adds people to a group to find out who they
are (names, e-mail addresses, home municipalities) or whether an address has an account.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.accounts.models import PARTICIPANT
from app.accounts.passwords import hash_password
from app.common.errors import Conflict, NotFound
from app.extensions import db
from app.mail.models import OutboxMessage
from app.participation.groups import services as groups
from app.reference.models import Municipality
from tests import factories
from tests.participation import helpers
from tests.web.helpers import logged_in, page


def without_expert_list(html: str) -> str:
    """The page up to the list of experts to invite (which shows every display name)."""
    return html.split('name="form" value="expert"')[0]


def mails_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == address).order_by(OutboxMessage.id)))


@pytest.fixture
def secret_expert():
    """A verified expert living in Kemi (Lapland), shown to organisations as "Tuuli"."""
    profile = factories.expert(full_name="Salla Salainen", display_name="Tuuli",
                               home_municipality_code="240")
    profile.user.phone = "0401112222"
    db.session.commit()
    return profile


def test_an_added_expert_is_invited_and_invisible_until_they_accept(client, organiser, panel,
                                                                    secret_expert):
    member = groups.add_expert(organiser, panel.id, secret_expert.id)
    db.session.commit()
    assert member.status == "invited" and panel.active_members == []
    (invitation,) = mails_to(secret_expert.user.email)
    assert invitation.kind == "participation_invited"
    assert f"/participation/invitations/{member.id}" in invitation.body_text

    logged_in(client, organiser.email)
    for path in (f"/participation/groups/{panel.id}/members",
                 f"/participation/groups/{panel.id}"):
        html = without_expert_list(page(client.get(path)))
        assert "Tuuli" not in html and "Salla" not in html
        assert secret_expert.user.email not in html

    groups.answer_invitation(secret_expert.user, member.id, accept=True)
    db.session.commit()
    html = page(client.get(f"/participation/groups/{panel.id}/members"))
    assert "Tuuli" in without_expert_list(html)  # the display name, once they agreed
    assert "Salla" not in html and secret_expert.user.email not in html
    assert "Kemi" not in html and "0401112222" not in html


def test_a_declined_invitation_leaves_no_trace_in_the_group(client, organiser, panel,
                                                           secret_expert):
    member = groups.add_expert(organiser, panel.id, secret_expert.id)
    db.session.commit()
    logged_in(client, secret_expert.user.email)
    response = client.post(f"/participation/invitations/{member.id}",
                           data={"answer": "decline"})
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.status == "declined"
    client.post("/logout")
    logged_in(client, organiser.email)
    html = without_expert_list(page(client.get(f"/participation/groups/{panel.id}/members")))
    assert "Tuuli" not in html and panel.active_members == []
    with pytest.raises(Conflict):
        groups.answer_invitation(secret_expert.user, member.id, accept=True)


def test_only_the_invited_person_can_answer(client, organiser, panel, secret_expert, experts):
    member = groups.add_expert(organiser, panel.id, secret_expert.id)
    db.session.commit()
    for intruder in (organiser, experts[0].user):
        with pytest.raises(NotFound):
            groups.answer_invitation(intruder, member.id, accept=True)
    logged_in(client, experts[0].user.email)
    assert client.get(f"/participation/invitations/{member.id}").status_code == 404
    assert client.post(f"/participation/invitations/{member.id}",
                       data={"answer": "accept"}).status_code == 404
    db.session.refresh(member)
    assert member.status == "invited"


def test_the_expert_list_shows_display_names_and_regions_never_municipalities(
        client, organiser, panel, secret_expert):
    logged_in(client, organiser.email)
    html = page(client.get(f"/participation/groups/{panel.id}/members"))
    option = re.search(rf'<option value="{secret_expert.id}">([^<]*)</option>', html)
    assert option is not None, html
    assert option.group(1) == "Tuuli (Lappi)"
    kemi = db.session.get(Municipality, "240")
    assert kemi.name_fi not in html and kemi.name_sv not in html
    assert "Salla" not in html


def test_contact_details_only_to_chair_and_secretary_of_members_who_agreed(
        client, organiser, panel, experts):
    chair = helpers.participant(organiser, panel.id, role="chair")
    ordinary = helpers.participant(organiser, panel.id)
    sharing = helpers.add_expert(organiser, panel.id, experts[0].id, share_contact=True)
    private = helpers.add_expert(organiser, panel.id, experts[1].id, share_contact=False)
    db.session.commit()
    for user in (chair, ordinary):
        user.password_hash = hash_password(factories.DEFAULT_PASSWORD)
    db.session.commit()

    logged_in(client, chair.email)
    html = page(client.get(f"/participation/groups/{panel.id}"))
    assert sharing.user.email in html
    assert private.user.email not in html and ordinary.email not in html
    client.post("/logout")

    for viewer in (ordinary.email, organiser.email):
        logged_in(client, viewer)
        for path in (f"/participation/groups/{panel.id}",
                     f"/participation/groups/{panel.id}/members"):
            response = client.get(path)
            if response.status_code == 200:
                html = page(response)
                for member in (sharing, private):
                    assert member.user.email not in html, (viewer, path)
        client.post("/logout")

    # the member can take the consent back
    groups.set_contact_sharing(sharing.user, panel.id, False)
    db.session.commit()
    assert groups.contacts_for(chair, panel) == {}


ADDRESSES = {
    "staff": lambda: factories.user("coordinator").email,
    "applicant": lambda: factories.expert(status="applied").user.email,
    "expert": lambda: factories.expert().user.email,
    "participant": lambda: factories.user(PARTICIPANT).email,
    "organisation member": lambda: factories.member().email,
    "unknown": lambda: f"nobody{factories.sequence()}@example.fi",
}


_CSRF = re.compile(r'(name="csrf_token"[^>]*value=|value=)"[A-Za-z0-9._-]{40,}"')


def _normalised(text: str) -> str:
    """The page without its CSRF tokens (new ones each time) and with groups' ids blanked."""
    return re.sub(r"/groups/\d+", "/groups/GID", _CSRF.sub(r'\1"TOKEN"', text))


def _invite_answer(client, organiser, address: str) -> tuple[int, str, str]:
    """Invite ``address`` into a fresh group through the page; the answer and the page after it,
    with the group's id (the only thing that differs between the fresh groups) blanked out."""
    group = helpers.group(organiser, name="Kokeiluraati")
    db.session.commit()
    response = client.post(f"/participation/groups/{group.id}/members", data={
        "form": "person", "person-name": "Testi Henkilö", "person-email": address,
        "person-kind": "client", "person-role": "member"})
    after = client.get(response.headers.get("Location", "/"))
    return (response.status_code,
            _normalised(response.headers.get("Location", "") + page(response)),
            _normalised(page(after)))


def test_adding_any_address_gives_the_same_answer(client, organiser):
    addresses = {kind: make() for kind, make in ADDRESSES.items()}
    db.session.commit()
    logged_in(client, organiser.email)
    answers = {kind: _invite_answer(client, organiser, address)
               for kind, address in addresses.items()}
    unknown = answers.pop("unknown")
    assert unknown[0] == 302
    for kind, answer in answers.items():
        assert answer == unknown, kind


def test_inviting_the_same_address_twice_gives_the_same_answer(client, organiser, panel,
                                                               secret_expert):
    logged_in(client, organiser.email)
    data = {"form": "person", "person-name": "Testi", "person-email":
            secret_expert.user.email, "person-kind": "client", "person-role": "member"}
    first = client.post(f"/participation/groups/{panel.id}/members", data=data)
    first_page = page(client.get(f"/participation/groups/{panel.id}/members"))
    second = client.post(f"/participation/groups/{panel.id}/members", data=data)
    second_page = page(client.get(f"/participation/groups/{panel.id}/members"))
    assert (first.status_code, first.headers["Location"]) == (
        second.status_code, second.headers["Location"])
    assert _normalised(first_page) == _normalised(second_page)
    assert len(mails_to(secret_expert.user.email)) == 1
    # the expert is not shown as an expert, nor by their display name
    assert "Tuuli" not in without_expert_list(first_page)


def test_an_unanswered_invitation_gives_no_share_in_the_groups_meetings(organiser, panel,
                                                                        secret_expert):
    """Someone who has not accepted gets no reports about the group's meetings."""
    from app.participation.feedback import impact

    invited = groups.add_expert(organiser, panel.id, secret_expert.id)
    client_member = helpers.participant(organiser, panel.id)
    order = helpers.past_meeting(panel)
    involved = impact.involved_users(order)
    assert client_member in involved and invited.user not in involved
