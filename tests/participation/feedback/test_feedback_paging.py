"""The coordinators' feedback list is keyset-paged, keeps the organisation filter, and costs
the same number of statements for a short and a ten times longer list."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from app.common.timeutil import utcnow
from app.extensions import db
from app.participation.feedback import services as feedback
from tests import factories
from tests.participation import helpers
from tests.support.sql import counted_statements
from tests.web.helpers import logged_in, page

NEXT = re.compile(r'rel="next" href="([^"]+)"')
TEXT = re.compile(r"Palaute (\d+-\d+)")


def given(organiser, experts, meetings: int, first: int = 0) -> list[str]:
    """Every expert's feedback on ``meetings`` past meetings of a new group of ``organiser``."""
    group = helpers.group(organiser)
    texts = []
    for number in range(first, first + meetings):
        start = (utcnow() - timedelta(days=3, hours=number * 3)).replace(
            minute=0, second=0, microsecond=0)
        order = helpers.past_meeting(group, experts, start=start)
        for expert in experts:
            text = f"Palaute {number}-{expert.id}"
            feedback.give_feedback(expert.user, helpers.assignment_of(order, expert).id,
                                   feedback.FeedbackData(rating=4, input_heard=True, text=text))
            texts.append(text[len("Palaute "):])
    db.session.commit()
    return texts


def walk(client, address: str) -> list[list[str]]:
    pages = []
    while address:
        response = client.get(address)
        assert response.status_code == 200
        text = page(response)
        pages.append(TEXT.findall(text))
        following = NEXT.search(text)
        address = html.unescape(following.group(1)) if following else None
    return pages


def test_every_feedback_once_and_the_organisation_filter_kept(client, coordinator, organiser,
                                                               experts):
    own = given(organiser, experts, 2)
    other_organiser = factories.member(is_admin=True)
    others = given(other_organiser, experts, 1, first=10)
    logged_in(client, coordinator.email)
    pages = walk(client, f"/participation/feedback?organisation={organiser.organisation_id}"
                         "&limit=4")
    assert [len(p) for p in pages] == [4, 2]
    assert sorted(sum(pages, [])) == sorted(own)
    assert sorted(sum(walk(client, "/participation/feedback?limit=5"), [])) == sorted(
        own + others)
    broken = client.get("/participation/feedback?cursor=nonsense")
    assert broken.status_code == 422
    assert len(TEXT.findall(page(broken))) == 9


def test_the_feedback_list_costs_the_same_at_one_and_ten_times_the_rows(
        client, coordinator, organiser, experts):
    given(organiser, experts, 1)
    logged_in(client, coordinator.email)

    def statements() -> int:
        client.get("/participation/feedback")
        with counted_statements() as seen:
            assert client.get("/participation/feedback").status_code == 200
        return len(seen)

    few = statements()
    for _ in range(3):
        given(factories.member(is_admin=True), experts, 3)
    assert statements() == few
