"""Standing groups: the activation rule of each kind, members and roles, light accounts,
and meetings booked through the ordinary order flow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import PARTICIPANT, User
from app.accounts.passwords import hash_password
from app.bookings.models import Invitation, Order
from app.bookings.services import CO_DEVELOPMENT_SESSIONS, CO_DEVELOPMENT_TEMPLATE, SessionRequest
from app.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.common.timeutil import utcnow
from app.extensions import db
from app.mail.models import OutboxMessage
from app.participation.groups import services as groups
from app.participation.groups.models import GroupMeeting
from app.participation.rules import Shortfall
from tests import factories
from tests.participation import helpers


def mails_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == address).order_by(OutboxMessage.id)))


def test_a_new_group_is_forming_with_the_default_questions(organiser, panel):
    assert panel.status == "forming"
    assert panel.organisation_id == organiser.organisation_id
    assert len(panel.criteria) == 3 and all(c.active for c in panel.criteria)


def test_a_panel_is_not_active_with_nine_members(organiser, panel):
    helpers.add_people(organiser, panel.id, 1, "chair")
    helpers.add_people(organiser, panel.id, 1, "secretary")
    helpers.add_people(organiser, panel.id, 7)
    with pytest.raises(groups.GroupRuleNotMet) as refused:
        groups.activate_group(organiser, panel.id)
    assert refused.value.shortfalls == [Shortfall("too_few_members", needed=10, have=9)]
    assert panel.status == "forming"
    helpers.add_people(organiser, panel.id, 1)
    assert groups.activate_group(organiser, panel.id).status == "active"


@pytest.mark.parametrize("missing", ["chair", "secretary"])
def test_a_panel_is_not_active_without_a_chair_and_a_secretary(organiser, panel, missing):
    present = {"chair", "secretary"} - {missing}
    for role in present:
        helpers.add_people(organiser, panel.id, 1, role)
    helpers.add_people(organiser, panel.id, 10)
    with pytest.raises(groups.GroupRuleNotMet) as refused:
        groups.activate_group(organiser, panel.id)
    assert refused.value.shortfalls == [Shortfall("missing_role", role=missing)]
    assert panel.status == "forming"


def test_an_active_panel_forms_again_when_the_rule_breaks(organiser, panel):
    chair, = helpers.add_people(organiser, panel.id, 1, "chair")
    helpers.add_people(organiser, panel.id, 1, "secretary")
    members = helpers.add_people(organiser, panel.id, 8)
    groups.activate_group(organiser, panel.id)
    groups.remove_member(organiser, panel.id, members[0].id)
    assert panel.status == "forming"
    assert members[0].status == "left"


def test_only_one_chair_at_a_time(organiser, panel):
    helpers.add_people(organiser, panel.id, 1, "chair")
    with pytest.raises(Conflict):
        helpers.add_people(organiser, panel.id, 1, "chair")


def test_an_invited_client_gets_a_light_account_and_a_password_link(organiser, panel):
    member = groups.invite_person(organiser, panel.id, "Raili Raatilainen",
                                  " Raili@Example.fi ", "client", "chair")
    assert member.user.role == PARTICIPANT and member.user.email == "raili@example.fi"
    assert member.user.password_hash == ""  # only the link opens the account
    (welcome,) = mails_to("raili@example.fi")
    assert welcome.kind == "participation_welcome"
    assert "/password/reset/" in welcome.body_text


def test_a_client_without_e_mail_takes_part_without_an_account(organiser, panel):
    member = groups.invite_person(organiser, panel.id, "Pertti P.", "", "client")
    assert member.user_id is None and member.name == "Pertti P."


def test_an_expert_is_invited_and_joins_with_their_display_name_on_accepting(organiser, panel,
                                                                             experts):
    member = groups.add_expert(organiser, panel.id, experts[0].id, "secretary")
    assert member.status == "invited" and member not in panel.active_members
    assert [m.kind for m in mails_to(experts[0].user.email)] == ["participation_invited"]
    assert groups.add_expert(organiser, panel.id, experts[0].id) is member  # no second mail
    assert len(mails_to(experts[0].user.email)) == 1
    groups.answer_invitation(experts[0].user, member.id, accept=True)
    assert member.status == "active" and member.role == "secretary"
    assert member.kind == "expert" and member.name == experts[0].display_name


def test_a_member_leaves_and_comes_back(organiser, panel):
    user = helpers.participant(organiser, panel.id)
    member = panel.members[-1]
    groups.remove_member(user, panel.id, member.id)  # leaving needs no permission
    assert member.status == "left"
    again = groups.invite_person(organiser, panel.id, "X", user.email, "client")
    assert again.id == member.id and again.status == "invited"
    groups.answer_invitation(user, member.id, accept=True)
    assert member.status == "active"


def test_who_may_create_and_manage_groups(organiser, coordinator, panel, experts):
    with pytest.raises(PermissionDenied):
        helpers.group(experts[0].user)
    with pytest.raises(InvalidInput):  # a coordinator names the organisation
        groups.create_group(coordinator, groups.GroupData(kind="client_panel", name="Raati"))
    made = groups.create_group(coordinator, groups.GroupData(kind="client_panel", name="Raati"),
                               organisation_id=organiser.organisation_id)
    assert made.organisation_id == organiser.organisation_id
    outsider = factories.member()
    with pytest.raises(NotFound):
        groups.add_expert(outsider, panel.id, experts[0].id)
    member = helpers.participant(organiser, panel.id)
    with pytest.raises(PermissionDenied):
        groups.invite_person(member, panel.id, "Ystävä", None, "client")


def test_groups_listed_for_each_user(organiser, coordinator, panel):
    other = helpers.group(factories.member(is_admin=True), name="Toisen ryhmä")
    member = helpers.participant(organiser, panel.id)
    assert groups.groups_for_user(member) == [panel]
    assert groups.groups_for_user(organiser) == [panel]
    assert set(groups.groups_for_user(coordinator)) >= {panel, other}


# --- Meetings through the order flow ---------------------------------------------------------


def start_in(now, days: int):
    return (now + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)


def test_a_meeting_is_an_ordinary_order_linked_to_the_group(organiser, panel, experts):
    for expert in experts[:2]:
        helpers.add_expert(organiser, panel.id, expert.id)
    client = helpers.participant(organiser, panel.id)
    db.session.commit()
    start = start_in(utcnow(), 10)
    order = groups.book_meeting(organiser, panel.id, groups.MeetingRequest(
        title="Raadin kokous", sessions=[SessionRequest(start, 120)], municipality_code="609",
        address="Itsenäisyydenkatu 33"))
    assert order.status == "matching" and order.assignment_type.code == "meeting"
    assert order.experts_needed == 2 and order.fee_schedule_id is not None
    assert [a.slug for a in order.expertise_areas] == ["mental-health"]
    link = db.session.scalar(select(GroupMeeting).where(GroupMeeting.order_id == order.id))
    assert link.group_id == panel.id
    invited = db.session.scalars(select(Invitation.expert_id).where(
        Invitation.order_id == order.id)).all()
    assert sorted(invited) == sorted(e.id for e in experts[:2])
    assert [m.kind for m in mails_to(client.email)][-1] == "participation_meeting"
    assert experts[2].id not in invited


def test_the_co_development_series_comes_with_its_agenda_prompts(organiser, panel):
    now = utcnow()
    starts = [start_in(now, days) for days in (10, 24, 38)]
    order = groups.book_meeting(organiser, panel.id, groups.MeetingRequest(
        title="Yhteiskehittäminen", sessions=groups.series_sessions(starts, 180), series=True,
        remote=True))
    assert order.series_template == CO_DEVELOPMENT_TEMPLATE
    assert [(s.title, s.agenda) for s in order.sessions] == [
        (str(title), str(agenda)) for title, agenda in CO_DEVELOPMENT_SESSIONS]


def test_only_the_groups_organisation_books_meetings(coordinator, panel, organiser):
    member = helpers.participant(organiser, panel.id)
    request = groups.MeetingRequest(title="X", sessions=[SessionRequest(
        start_in(utcnow(), 5), 60)], remote=True)
    for actor in (coordinator, member):
        with pytest.raises(PermissionDenied):
            groups.book_meeting(actor, panel.id, request)
    assert db.session.scalar(select(Order.id).where(Order.title == "X")) is None


def test_topics_are_proposed_and_taken_to_a_meeting(organiser, panel):
    member = helpers.participant(organiser, panel.id)
    topic = groups.propose_topic(member, panel.id, "Odotusajat", "Puhelinjonot ovat pitkiä.")
    assert topic.source == "member" and topic.status == "proposed"
    order = helpers.past_meeting(panel)
    with pytest.raises(PermissionDenied):  # plain members do not move topics
        groups.move_topic(member, panel.id, topic.id, "schedule", order.sessions[0].id)
    groups.move_topic(organiser, panel.id, topic.id, "schedule", order.sessions[0].id)
    assert topic.status == "on_agenda" and topic.session_id == order.sessions[0].id
    groups.move_topic(organiser, panel.id, topic.id, "finish")
    assert topic.status == "done" and topic.decided_at is not None
    from_organisation = groups.propose_topic(organiser, panel.id, "Lomakkeet")
    assert from_organisation.source == "organisation"


def test_a_participant_account_signs_in_to_the_participation_page(client, login, organiser,
                                                                  panel):
    user = helpers.participant(organiser, panel.id)
    user.password_hash = hash_password(factories.DEFAULT_PASSWORD)
    db.session.commit()
    response = login(client, user.email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/participation/")
    assert client.get("/participation/").status_code == 200
    assert client.get("/organisation/").status_code == 403
    assert db.session.get(User, user.id).role == PARTICIPANT
