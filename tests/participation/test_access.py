"""Who may read what: a group's records stay inside the group, anonymous and private
feedback never reaches the organisation with a name."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.accounts.passwords import hash_password
from app.common.errors import NotFound
from app.common.timeutil import utcnow
from app.extensions import db
from app.participation import access
from app.participation.feedback import services as feedback
from app.participation.groups import records
from tests import factories
from tests.participation import helpers
from tests.web.helpers import logged_in, page

SECRET_NOTE = "Salainen muistiinpano ryhmän B kokouksesta"


def can_sign_in(user) -> None:
    user.password_hash = hash_password(factories.DEFAULT_PASSWORD)


@pytest.fixture
def two_groups(organiser, experts):
    """Groups A and B of the same organisation, each with a member and a past meeting."""
    group_a = helpers.group(organiser, name="Ryhmä A")
    group_b = helpers.group(organiser, name="Ryhmä B")
    member_a = helpers.participant(organiser, group_a.id)
    member_b = helpers.participant(organiser, group_b.id)
    meeting_a = helpers.past_meeting(group_a)
    meeting_b = helpers.past_meeting(group_b, [experts[0]])
    records.add_entry(organiser, meeting_b.sessions[0].id, "notes", SECRET_NOTE)
    for user in (member_a, member_b, experts[0].user):
        can_sign_in(user)
    db.session.commit()
    return {"a": group_a, "b": group_b, "member_a": member_a, "member_b": member_b,
            "session_a": meeting_a.sessions[0].id, "session_b": meeting_b.sessions[0].id}


def test_a_member_of_one_group_cannot_read_another_groups_notes(two_groups):
    member_a = two_groups["member_a"]
    with pytest.raises(NotFound):
        access.session_for_reader(member_a, two_groups["session_b"])
    with pytest.raises(NotFound):
        access.group_for_reader(member_a, two_groups["b"].id)
    assert access.session_for_reader(member_a, two_groups["session_a"]).can_write


@pytest.mark.parametrize("path", [
    "/participation/sessions/{session_b}",
    "/participation/sessions/{session_b}/evaluation",
    "/participation/groups/{b}",
    "/participation/groups/{b}/evaluation",
])
def test_the_other_groups_pages_are_not_found(client, two_groups, path):
    logged_in(client, two_groups["member_a"].email)
    response = client.get(path.format(session_b=two_groups["session_b"],
                                      b=two_groups["b"].id))
    assert response.status_code == 404
    assert SECRET_NOTE not in page(response) and "Ryhmä B" not in page(response)


def test_members_and_booked_experts_read_the_notes(client, two_groups, experts):
    for email in (two_groups["member_b"].email, experts[0].user.email):
        reader = client.application.test_client()
        logged_in(reader, email)
        response = reader.get(f"/participation/sessions/{two_groups['session_b']}")
        assert response.status_code == 200 and SECRET_NOTE in page(response)


def test_a_member_who_left_no_longer_reads(organiser, two_groups):
    from app.participation.groups import services as groups

    member = next(m for m in two_groups["b"].members if m.user_id == two_groups["member_b"].id)
    groups.remove_member(two_groups["member_b"], two_groups["b"].id, member.id)
    with pytest.raises(NotFound):
        access.session_for_reader(two_groups["member_b"], two_groups["session_b"])


def test_another_organisation_does_not_see_the_group(client, two_groups):
    outsider = factories.member()
    db.session.commit()
    logged_in(client, outsider.email)
    assert client.get(f"/participation/groups/{two_groups['a'].id}").status_code == 404
    assert client.get(f"/participation/sessions/{two_groups['session_b']}").status_code == 404
    assert "Ryhmä A" not in page(client.get("/participation/"))


def test_an_ordinary_order_has_no_record_page(client, organiser):
    order = factories.order(organiser.membership.organisation, created_by=organiser)
    db.session.commit()
    logged_in(client, organiser.email)
    assert client.get(f"/participation/sessions/{order.sessions[0].id}").status_code == 404


# --- An expert's feedback: to the coordinator, anonymous for the organisation ----------------


PRIVATE = "Vain koordinaattorille: minua kohdeltiin huonosti."


@pytest.fixture
def expert_feedback(organiser, experts):
    """Three experts' anonymous feedback on the organisation's past meeting, one with a
    private note for the coordinator."""
    group = helpers.group(organiser)
    order = helpers.past_meeting(group, experts)
    for number, expert in enumerate(experts):
        expert.display_name = f"Nimimerkki{number}"
        feedback.give_feedback(expert.user, helpers.assignment_of(order, expert).id,
                               feedback.FeedbackData(
                                   rating=4, input_heard=True, text=f"Palaute {number}",
                                   coordinator_note=PRIVATE if number == 0 else ""),
                               now=utcnow() - timedelta(days=2))  # released from the next day
    db.session.commit()
    return order


def test_the_organisation_sees_expert_feedback_without_names_or_private_notes(
        client, organiser, experts, expert_feedback):
    for assignment in expert_feedback.assignments:  # nothing left waiting (it lists names)
        feedback.give_feedback(organiser, assignment.id, feedback.FeedbackData(5, True))
    db.session.commit()
    view = feedback.about_organisation(organiser)
    assert view.named == [] and len(view.anonymous) == 3
    for entry in view.anonymous:
        assert not hasattr(entry, "author") and not hasattr(entry, "assignment")
        assert not hasattr(entry, "coordinator_note")
    logged_in(client, organiser.email)
    html = page(client.get("/participation/feedback"))
    assert "Palaute 0" in html
    assert PRIVATE not in html
    for expert in experts:
        assert expert.user.full_name not in html and expert.display_name not in html


def test_the_coordinator_sees_who_gave_feedback_and_the_private_note(client, coordinator,
                                                                     experts, expert_feedback):
    db.session.commit()
    logged_in(client, coordinator.email)
    html = page(client.get("/participation/feedback"))
    assert PRIVATE in html and experts[0].user.full_name in html


def test_with_fewer_than_three_anonymous_answers_the_organisation_sees_none(organiser, experts):
    group = helpers.group(organiser)
    order = helpers.past_meeting(group, experts[:2])
    for expert in experts[:2]:
        feedback.give_feedback(expert.user, helpers.assignment_of(order, expert).id,
                               feedback.FeedbackData(rating=2, input_heard=False, text="Huono"),
                               now=utcnow() - timedelta(days=2))
    view = feedback.about_organisation(organiser)
    assert view.anonymous == [] and view.withheld == 2


def test_an_expert_may_share_their_name(organiser, experts):
    group = helpers.group(organiser)
    order = helpers.past_meeting(group, experts[:1])
    feedback.give_feedback(experts[0].user, helpers.assignment_of(order, experts[0]).id,
                           feedback.FeedbackData(rating=5, input_heard=True, text="Hyvä",
                                                 share_identity_with_organisation=True,
                                                 coordinator_note="Yksityinen"))
    view = feedback.about_organisation(organiser)
    (named,) = view.named
    assert named.author.id == experts[0].user_id


def test_participants_cannot_open_other_roles_pages(client, organiser, panel):
    user = helpers.participant(organiser, panel.id)
    can_sign_in(user)
    db.session.commit()
    logged_in(client, user.email)
    for path in ("/organisation/", "/expert/", "/coordinator/", "/participation/channel",
                 "/participation/reports", "/participation/groups/new"):
        assert client.get(path).status_code == 403, path
