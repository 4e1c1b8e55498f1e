"""Participation in Chromium with axe: a group page, a meeting's notes, the evaluation form
used by keyboard only, and the reports page with its chart and tables.

The notes and evaluation tests add a note and an evaluation of their own to the shared
demo data (by users that no other browser test relies on for these pages).
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.helpers import assert_accessible, live_db, login_as, press_button

ORG = "org@demo.test"
COORDINATOR = "coordinator@demo.test"
RELATIVE = "osallistuja@demo.test"  # member of the panel and of the co-development group


def demo_group_id(live_server, kind: str) -> int:
    from app.participation.groups.models import ParticipationGroup

    with live_db(live_server.app) as session:
        return session.scalars(select(ParticipationGroup.id).where(
            ParticipationGroup.kind == kind).order_by(ParticipationGroup.id)).first()


def first_session_id(live_server, kind: str, past: bool = True) -> int:
    from app.common.timeutil import utcnow
    from app.participation.groups.evaluations import group_sessions
    from app.participation.groups.models import ParticipationGroup

    with live_db(live_server.app) as session:
        group = session.get(ParticipationGroup, demo_group_id(live_server, kind))
        return next(s.id for s in group_sessions(group)
                    if (s.starts_at < utcnow()) == past)


def test_group_page_shows_members_tasks_meetings_and_topics(page: Page, live_server):
    login_as(page, ORG)
    page.goto(f"/participation/groups/{demo_group_id(live_server, 'client_panel')}")
    expect(page.locator("h1")).to_have_text("Aikuissosiaalityön asiakasraati")
    members = page.locator("#members + ul > li")
    assert members.count() >= 10
    expect(page.locator("#members + ul")).to_contain_text("Puheenjohtaja")
    expect(page.locator("#members + ul")).to_contain_text("Sihteeri")
    expect(page.get_by_role("button", name="Tee ryhmästä aktiivinen")).to_have_count(0)
    expect(page.get_by_role("link", name="Varaa kokous")).to_be_visible()
    assert_accessible(page)


def test_meeting_notes_are_written_and_shown_with_the_writer(page: Page, live_server):
    session_id = first_session_id(live_server, "participation_group")
    login_as(page, RELATIVE)
    page.goto(f"/participation/sessions/{session_id}")
    assert_accessible(page)
    expect(page.locator("#agenda")).to_be_visible()
    note = "Muistiinpano selaintestistä: lomake oli helppo täyttää."
    page.locator("#notes-text").fill(note)
    press_button(page, "Lisää muistiinpanot")
    expect(page.locator("main")).to_contain_text(note)
    expect(page.locator("ul.record").first).to_contain_text("Oskari Osallinen")
    assert_accessible(page)


def test_the_evaluation_form_works_by_keyboard(page: Page, live_server):
    session_id = first_session_id(live_server, "client_panel")
    login_as(page, RELATIVE)
    page.goto(f"/participation/sessions/{session_id}/evaluation")
    assert_accessible(page)
    groups = page.locator("fieldset.smiley")
    assert groups.count() == 3
    first_choice = groups.nth(0).get_by_role("radio", name="Kyllä")
    first_choice.focus()
    page.keyboard.press("Space")
    expect(first_choice).to_be_checked()
    page.keyboard.press("ArrowDown")  # arrow keys move within the question's choices
    expect(groups.nth(0).get_by_role("radio", name="Osittain")).to_be_checked()
    groups.nth(1).get_by_role("radio", name="Ei", exact=True).focus()
    page.keyboard.press("Space")
    page.locator("#comment").fill("Hyvä kokous.")
    press_button(page, "Lähetä arviointi")
    expect(page).to_have_url(re.compile(rf"/participation/sessions/{session_id}$"))
    expect(page.locator("main")).to_contain_text("Kiitos arvioinnistasi")
    assert_accessible(page)


def test_the_reports_page_has_charts_with_text_and_tables(page: Page):
    login_as(page, COORDINATOR)
    page.goto("/participation/reports")
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 1
    name = page.get_by_role("img", name=re.compile("kuukausittain|kuukaudessa|month", re.I))
    expect(name.first).to_be_attached()
    description = page.locator("#work-per-month-desc").text_content()
    assert re.search(r"\d", description), description
    assert page.locator("table").count() >= 3
    assert_accessible(page)


def test_the_evaluation_results_have_a_chart_and_a_table(page: Page, live_server):
    login_as(page, ORG)
    page.goto(f"/participation/groups/{demo_group_id(live_server, 'participation_group')}"
              "/evaluation")
    expect(page.locator("svg[role=img]")).to_have_count(1)
    assert page.locator("table").count() >= 2
    assert_accessible(page)


def test_the_anonymous_form_hides_the_honeypot(page: Page):
    page.goto("/feedback/")
    expect(page.locator("#website")).to_be_hidden()
    expect(page.get_by_role("textbox", name=re.compile("Viestisi"))).to_be_visible()
    assert_accessible(page)
