"""Anonymous expert feedback reaches the organisation only in batches of three and not
before the next day, so that neither its content nor its timing points at one assignment."""

from __future__ import annotations

from datetime import timedelta

from app.common.timeutil import utcnow
from app.participation.feedback import services as feedback
from tests import factories
from tests.participation import helpers


def give(expert, order, text: str, at):
    return feedback.give_feedback(expert.user, helpers.assignment_of(order, expert).id,
                                  feedback.FeedbackData(rating=3, input_heard=True, text=text),
                                  now=at)


def test_three_answers_of_today_are_not_shown_before_tomorrow(organiser):
    experts = [factories.expert() for _ in range(3)]
    order = helpers.past_meeting(helpers.group(organiser), experts)
    today = utcnow()
    for number, expert in enumerate(experts):
        give(expert, order, f"Vastaus {number}", today)
    same_day = feedback.about_organisation(organiser, now=today)
    assert same_day.anonymous == [] and same_day.withheld == 0  # not even a count moves
    tomorrow = feedback.about_organisation(organiser, now=today + timedelta(days=1))
    assert sorted(e.text for e in tomorrow.anonymous) == ["Vastaus 0", "Vastaus 1",
                                                          "Vastaus 2"]


def test_a_fourth_answer_waits_for_two_more(organiser):
    experts = [factories.expert() for _ in range(4)]
    order = helpers.past_meeting(helpers.group(organiser), experts)
    start = utcnow() - timedelta(days=2)
    for number, expert in enumerate(experts[:3]):
        give(expert, order, f"Vanha {number}", start)
    give(experts[3], order, "Uusi", start + timedelta(days=1))
    later = feedback.about_organisation(organiser, now=start + timedelta(days=5))
    assert "Uusi" not in [e.text for e in later.anonymous]
    assert len(later.anonymous) == 3 and later.withheld == 1
