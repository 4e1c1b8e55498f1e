"""Issue 12's browser walk: an expert reports finished work straight from "what needs you
now" on their own page, with the keyboard only, and axe-core finds nothing on the way.

The walk makes its own order and booking (a demo expert no other browser test uses), so
the demo data the page table relies on stays as it was.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.helpers import (
    assert_accessible,
    assert_page_structure,
    live_db,
    login_as,
    press_button,
    press_key,
)

EXPERT = "expert20@demo.test"


def check(page: Page) -> None:
    assert_page_structure(page)
    assert_accessible(page)


def _finished_booking(app, title: str) -> int:
    """A 45-minute lecture in Pori two days ago, booked for ``EXPERT`` and not yet reported."""
    from app.accounts.models import User
    from app.common.timeutil import utcnow
    from app.organisations.models import Organisation
    from tests import factories

    with live_db(app) as session:
        expert = session.scalar(select(User).where(User.email == EXPERT)).expert_profile
        organiser = session.scalar(select(User).where(User.email == "org@demo.test"))
        organisation = session.get(Organisation, organiser.organisation_id)
        start = (utcnow() - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
        order = factories.order(organisation, created_by=organiser, sessions=[(start, 45)],
                                status="filled", title=title)
        (assignment,) = factories.booking(order, expert)
        session.commit()
        return assignment.id


def _status_of(app, assignment_id: int) -> str:
    from app.bookings.models import Assignment

    with live_db(app) as session:
        return session.get(Assignment, assignment_id).status


def test_expert_reports_from_the_dashboard_link_with_the_keyboard(page: Page, live_server):
    title = f"Selaintesti: raportoitava luento {uuid.uuid4().hex[:6]}"
    assignment_id = _finished_booking(live_server.app, title)

    login_as(page, EXPERT)
    expect(page).to_have_url(re.compile(r"/expert/$"))
    needs = page.locator("section.needs")
    expect(needs.get_by_role("heading", level=2)).to_have_text("Mikä odottaa sinua nyt")
    # "What needs you now" comes before everything else on the page.
    first_heading = page.locator("main h2").first
    expect(first_heading).to_have_text("Mikä odottaa sinua nyt")
    check(page)

    link = needs.get_by_role("link", name=f"Raportoi työ {title}")
    with page.expect_navigation():
        press_key(page, link, "Enter")
    expect(page).to_have_url(re.compile(rf"/expert/work/assignments/{assignment_id}/report$"))
    expect(page.locator("h1")).to_contain_text(title)
    check(page)

    response = press_button(page, "Lähetä raportti")
    assert response.status == 200, response.status
    expect(page).to_have_url(re.compile(r"/expert/work/$"))
    expect(page.get_by_role("status")).to_contain_text("Kiitos! Raporttisi lähetettiin.")
    check(page)
    assert _status_of(live_server.app, assignment_id) == "reported"

    page.goto("/expert/")
    expect(page.locator("section.needs").get_by_role("link", name=f"Raportoi työ {title}")
           ).to_have_count(0)
    check(page)
