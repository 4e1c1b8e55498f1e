"""Evaluations: the group's own questions, once per member and session, results per session
and over time (worked out by hand below), and an accessible form and chart."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from app.accounts.passwords import hash_password
from app.common.errors import Conflict, InvalidInput, PermissionDenied
from app.common.timeutil import utcnow
from app.extensions import db
from app.participation.access import group_of_order
from app.participation.groups import evaluations
from tests import factories
from tests.participation import helpers
from tests.web.helpers import logged_in, page, use_english


@pytest.fixture
def setting(organiser, panel):
    members = [helpers.participant(organiser, panel.id) for _ in range(3)]
    start = (utcnow() - timedelta(days=20)).replace(minute=0, second=0, microsecond=0)
    first = helpers.past_meeting(panel, start=start).sessions[0]
    second = helpers.past_meeting(panel, start=start + timedelta(days=14)).sessions[0]
    for user in members:
        user.password_hash = hash_password(factories.DEFAULT_PASSWORD)
    db.session.commit()
    c1, c2, c3 = (c.id for c in panel.criteria)
    return {"members": members, "first": first, "second": second, "c": (c1, c2, c3)}


def answer_by_hand(setting):
    m1, m2, m3 = setting["members"]
    c1, c2, c3 = setting["c"]
    first, second = setting["first"].id, setting["second"].id
    evaluations.submit_evaluation(m1, first, {c1: 3, c2: 2, c3: None}, "Hyvä kokous")
    evaluations.submit_evaluation(m2, first, {c1: 2, c2: 2, c3: 1})
    evaluations.submit_evaluation(m3, first, {c1: 3, c2: None, c3: 3}, "Aika loppui")
    evaluations.submit_evaluation(m1, second, {c1: 3, c2: 3, c3: 3})


def test_results_per_session_and_over_time(panel, setting):
    answer_by_hand(setting)
    first, second = evaluations.group_results(panel)
    assert first.session.id == setting["first"].id and first.responses == 3
    c1, c2, c3 = first.criteria
    # Question 1: 3 + 2 + 3 = 8 from three answers → 2.67; two "yes", one "partly".
    assert (c1.answers, c1.average, c1.counts) == (3, Decimal("2.67"), {3: 2, 2: 1, 1: 0})
    # Question 2: 2 + 2 = 4 from two answers (one skipped) → 2.00.
    assert (c2.answers, c2.average) == (2, Decimal("2.00"))
    # Question 3: 1 + 3 = 4 from two → 2.00.
    assert (c3.answers, c3.average, c3.counts) == (2, Decimal("2.00"), {3: 1, 2: 0, 1: 1})
    # All questions: (8 + 4 + 4) / 7 = 2.2857… → 2.29.
    assert first.overall == Decimal("2.29")
    assert first.comments == ["Aika loppui", "Hyvä kokous"]  # alphabetical, never by person
    assert second.responses == 1 and second.overall == Decimal("3.00")


def test_each_member_evaluates_a_session_once(setting):
    member = setting["members"][0]
    c1 = setting["c"][0]
    evaluations.submit_evaluation(member, setting["first"].id, {c1: 3})
    with pytest.raises(Conflict):
        evaluations.submit_evaluation(member, setting["first"].id, {c1: 1})


def test_invalid_and_empty_evaluations_are_refused(setting):
    member = setting["members"][0]
    c1 = setting["c"][0]
    with pytest.raises(InvalidInput):
        evaluations.submit_evaluation(member, setting["first"].id, {c1: 5})
    with pytest.raises(InvalidInput):
        evaluations.submit_evaluation(member, setting["first"].id, {}, "  ")


def test_only_those_who_took_part_evaluate_and_only_after_the_start(organiser, panel, setting):
    with pytest.raises(PermissionDenied):  # the organisation sees results, members answer
        evaluations.submit_evaluation(organiser, setting["first"].id, {setting["c"][0]: 3})
    coming = helpers.past_meeting(panel, start=utcnow() + timedelta(days=3)).sessions[0]
    with pytest.raises(Conflict):
        evaluations.submit_evaluation(setting["members"][0], coming.id, {setting["c"][0]: 3})


def test_the_group_adds_and_retires_its_own_questions(organiser, panel, setting):
    member = setting["members"][0]
    with pytest.raises(PermissionDenied):
        evaluations.add_criterion(member, panel.id, "Pääsinkö ääneen?")
    added = evaluations.add_criterion(organiser, panel.id, "Pääsinkö ääneen?")
    evaluations.retire_criterion(organiser, panel.id, setting["c"][2])
    asked = [c.question for c in evaluations.active_criteria(panel)]
    assert asked[-1] == "Pääsinkö ääneen?" and len(asked) == 3
    assert added.position == 4


def test_the_form_is_radio_buttons_with_words_and_works_without_javascript(client, setting):
    member = setting["members"][0]
    logged_in(client, member.email)
    use_english(client)
    html = page(client.get(f"/participation/sessions/{setting['first'].id}/evaluation"))
    assert html.count("<fieldset") == 3 and html.count("<legend>") == 3
    for word in ("Yes", "Partly", "No", "I do not want to answer"):
        assert word in html
    assert 'aria-hidden="true" class="face"' in html  # the smileys are decoration only
    assert "<script>" not in html and "<script " not in html.replace(
        '<script src="/static/forms.js" defer></script>', "")  # only the counters' file
    c1, c2, c3 = setting["c"]
    response = client.post(f"/participation/sessions/{setting['first'].id}/evaluation",
                           data={f"criterion_{c1}": "3", f"criterion_{c2}": "none",
                                 f"criterion_{c3}": "1", "comment": "Kiitos"})
    assert response.status_code == 302
    (result,) = evaluations.group_results(group_of_order(setting["first"].order_id))
    assert result.responses == 1 and result.overall == Decimal("2.00")


def test_the_results_page_has_a_chart_with_a_text_alternative_and_a_table(client, organiser,
                                                                          panel, setting):
    answer_by_hand(setting)
    db.session.commit()
    logged_in(client, organiser.email)
    html = page(client.get(f"/participation/groups/{panel.id}/evaluation"))
    svg = re.search(r"<svg[^>]*>", html).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="evaluation-over-time-title ' in svg
    desc = re.search(r'<desc id="evaluation-over-time-desc">([^<]*)</desc>', html).group(1)
    assert "2,29" in desc and "3,00" in desc  # every value in words (Finnish decimals)
    assert "<table" in html and "2,67" in html
