"""The participation hub pages the group list by name (every group once, only the visible
ones) and finds the coming meetings in one query: the same number of statements for a few
groups and for ten times more."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from app.common.timeutil import utcnow
from app.extensions import db
from tests import factories
from tests.participation import helpers
from tests.support.sql import counted_statements
from tests.web.helpers import logged_in, page

NEXT = re.compile(r'rel="next" href="([^"]+)"')
GROUP_LINK = re.compile(r'href="/participation/groups/(\d+)"')
COMING = re.compile(r'href="/participation/sessions/(\d+)"')


def groups_with_meetings(organiser, experts, count: int, first: int = 0) -> list[int]:
    ids = []
    for number in range(first, first + count):
        group = helpers.group(organiser, name=f"Ryhmä {number:03d}")
        start = (utcnow() + timedelta(days=5 + number)).replace(minute=0, second=0,
                                                                microsecond=0)
        helpers.past_meeting(group, experts[:1], start=start, status="booked")
        ids.append(group.id)
    db.session.commit()
    return ids


def test_the_hub_pages_every_visible_group_once(client, organiser, experts):
    own = groups_with_meetings(organiser, experts, 5)
    groups_with_meetings(factories.member(is_admin=True), experts, 2, first=50)
    logged_in(client, organiser.email)
    pages, address = [], "/participation/?limit=2"
    while address:
        text = page(client.get(address))
        pages.append([int(i) for i in GROUP_LINK.findall(text)])
        following = NEXT.search(text)
        address = html.unescape(following.group(1)) if following else None
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sum(pages, []) == own  # by name: Ryhmä 000, 001, ...
    first = page(client.get("/participation/"))
    assert len(COMING.findall(first)) == 5


def test_the_hub_costs_the_same_for_few_and_many_groups(client, coordinator, organiser,
                                                        experts):
    groups_with_meetings(organiser, experts, 2)
    logged_in(client, coordinator.email)

    def statements() -> int:
        client.get("/participation/")
        with counted_statements() as seen:
            assert client.get("/participation/").status_code == 200
        return len(seen)

    few = statements()
    groups_with_meetings(organiser, experts, 18, first=2)
    assert statements() == few
