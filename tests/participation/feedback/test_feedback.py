"""Feedback after every assignment: once per side, only after the work, asked once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.common.errors import Conflict, NotFound
from app.common.timeutil import utcnow
from app.extensions import db
from app.mail.models import OutboxMessage
from app.participation.feedback import services as feedback
from tests import factories
from tests.participation import helpers


@pytest.fixture
def work(organiser, panel, experts):
    order = helpers.past_meeting(panel, experts[:1])
    return helpers.assignment_of(order, experts[0])


def test_each_side_gives_feedback_once(organiser, experts, work):
    given = feedback.give_feedback(organiser, work.id, feedback.FeedbackData(
        rating=5, input_heard=True, text="Hyvä yhteistyö",
        share_identity_with_organisation=True))
    assert given.author_kind == "organisation"
    assert given.share_identity_with_organisation is False  # only experts choose this
    with pytest.raises(Conflict):
        feedback.give_feedback(factories.member(organiser.membership.organisation), work.id,
                               feedback.FeedbackData(rating=1, input_heard=False))
    mine = feedback.give_feedback(experts[0].user, work.id,
                                  feedback.FeedbackData(rating=4, input_heard=True))
    assert mine.author_kind == "expert"
    assert feedback.waiting_for_feedback(organiser) == []
    assert feedback.waiting_for_feedback(experts[0].user) == []


def test_strangers_and_early_feedback_are_refused(organiser, panel, experts, work):
    with pytest.raises(NotFound):
        feedback.give_feedback(experts[1].user, work.id, feedback.FeedbackData(3, True))
    with pytest.raises(NotFound):
        feedback.give_feedback(factories.member(), work.id, feedback.FeedbackData(3, True))
    coming = helpers.past_meeting(panel, experts[1:2], start=utcnow() + timedelta(days=2),
                                  status="booked")
    with pytest.raises(Conflict):
        feedback.give_feedback(experts[1].user, helpers.assignment_of(coming, experts[1]).id,
                               feedback.FeedbackData(3, True))


def test_critical_expert_feedback_alerts_the_coordinators(coordinator, experts, work):
    feedback.give_feedback(experts[0].user, work.id, feedback.FeedbackData(
        rating=2, input_heard=False, text="Minua ei kuunneltu"))
    kinds = db.session.scalars(select(OutboxMessage.kind).where(
        OutboxMessage.to_address == coordinator.email)).all()
    assert kinds == ["feedback_attention"]


def test_feedback_is_asked_once_after_the_work(organiser, experts, work):
    after = work.ends_at + timedelta(hours=3)
    assert feedback.request_feedback(work.ends_at + timedelta(minutes=30)) == 0  # too early
    assert feedback.request_feedback(after) == 2  # the expert and the orderer
    assert feedback.request_feedback(after + timedelta(hours=1)) == 0  # once only
    kinds = db.session.scalars(select(OutboxMessage.kind).where(
        OutboxMessage.kind == "feedback_request")).all()
    assert len(kinds) == 2
    assert feedback.request_feedback(work.ends_at + timedelta(days=30)) == 0  # window over
