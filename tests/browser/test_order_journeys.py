"""Issue 12's browser walks, keyboard only, with axe-core at every step: a coordinator finds a
disputed report in the console, corrects the travel and confirms it; an organisation
reschedules an order and the booked expert receives, over a real SMTP server on loopback
(aiosmtpd), an updated invitation with the same UID and a higher SEQUENCE; cancelling a
started order is refused on the page and with 409 in the API.

Each walk makes its own orders (unique titles), so the demo data other tests read stays.
"""

from __future__ import annotations

import email
import re
import socket
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.helpers import (
    DEMO_PASSWORD,
    assert_accessible,
    assert_page_structure,
    live_db,
    login_as,
    press_button,
    press_key,
)


def check(page: Page) -> None:
    assert_page_structure(page)
    assert_accessible(page)


def unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:6]}"


def follow_link(page: Page, name: str) -> None:
    """Focus the link called ``name`` and press Enter, as a keyboard user does."""
    link = page.get_by_role("link", name=name).first
    with page.expect_navigation():
        press_key(page, link, "Enter")


def _demo_order(session, title: str, starts_at, *, status="filled", expert_status="booked",
                minutes=45):
    """An order of Demo hyvinvointialue with one booked expert of its own (a new one)."""
    from app.accounts.models import User
    from app.organisations.models import Organisation
    from tests import factories

    organisation = session.scalar(select(Organisation).where(
        Organisation.name == "Demo hyvinvointialue"))
    organiser = session.scalar(select(User).where(User.email == "org@demo.test"))
    order = factories.order(organisation, created_by=organiser, title=title, status=status,
                            sessions=[(starts_at, minutes)])
    expert = factories.expert(password=DEMO_PASSWORD)
    (assignment,) = factories.booking(order, expert, status=expert_status)
    return order, expert, assignment


# --- a disputed report --------------------------------------------------------------------------


def test_coordinator_corrects_a_disputed_report_from_the_console(page: Page, live_server):
    from app.bookings.models import Assignment, CompletionReport
    from app.common.timeutil import utcnow

    title = unique("Selaintesti: kiistetty raportti")
    with live_db(live_server.app) as session:
        start = (utcnow() - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
        order, expert, assignment = _demo_order(session, title, start,
                                                expert_status="disputed")
        session.add(CompletionReport(
            assignment=assignment, reported_by_id=expert.user_id, duration_minutes=45,
            remote=False, km_driven=Decimal("200"), one_way_km=Decimal("50"),
            disputed_at=utcnow(), dispute_reason="Matka on liian pitkä."))
        session.commit()
        assignment_id, expert_name = assignment.id, expert.display_name

    login_as(page, "coordinator@demo.test")
    check(page)
    follow_link(page, "Kaikki huomiota tarvitsevat tilaukset")
    expect(page).to_have_url(re.compile(r"/coordinator/orders\?needs_attention=y"))
    row = page.locator("tr", has=page.get_by_role("link", name=title))
    expect(row).to_contain_text("Raportti on kiistetty")
    check(page)
    follow_link(page, title)
    check(page)
    follow_link(page, f"Tarkista asiantuntijan {expert_name} raportti")
    expect(page).to_have_url(re.compile(rf"/coordinator/assignments/{assignment_id}/resolve$"))
    expect(page.locator("main")).to_contain_text("Matka on liian pitkä.")
    check(page)

    press_key(page, page.get_by_label("Korjaa kesto tai matka ja hyväksy sitten"), "Space")
    kilometres = page.locator("#km_driven")
    kilometres.focus()
    kilometres.fill("80")
    page.locator("#reason").fill("Kartan mukaan 80 km.")
    response = press_button(page, "Näytä ero")
    assert response.status == 200
    expect(page.locator("#difference")).to_contain_text("-")  # less than reported
    expect(page.locator("#km_driven")).to_have_value(re.compile(r"^80"))  # kept as typed
    check(page)
    response = press_button(page, "Tallenna päätös")
    assert response.status == 200
    expect(page.get_by_role("status")).to_contain_text("Päätös tallennettiin")
    check(page)

    with live_db(live_server.app) as session:
        saved = session.get(Assignment, assignment_id)
        assert saved.status == "confirmed"
        assert saved.report.km_driven == Decimal("80")
        assert saved.report.resolution == "correct"


# --- rescheduling, and the updated calendar invitation over SMTP --------------------------------


class Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(live_server, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(live_server.app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(live_server.app.config, "MAIL_PORT", port)
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    yield collector
    controller.stop()


def _deliver(live_server) -> None:
    from app.common.timeutil import utcnow
    from app.mail.services import deliver_pending

    with live_db(live_server.app) as session:
        deliver_pending(utcnow() + timedelta(seconds=1))
        session.commit()


def _calendar_events(collector: Collector, address: str) -> list:
    events = []
    for message in collector.messages:
        if message["To"] != address:
            continue
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                events += Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    return events


def test_organisation_reschedules_and_the_expert_gets_an_updated_invitation(page: Page,
                                                                           live_server, smtp):
    from app.bookings import services
    from app.bookings.models import Assignment
    from app.common.timeutil import to_helsinki, utcnow

    title = unique("Selaintesti: siirrettävä luento")
    with live_db(live_server.app) as session:
        start = (utcnow() + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
        order, expert, assignment = _demo_order(session, title, start)
        services._mail_booking(assignment)  # the booking's first calendar invitation
        session.commit()
        order_id, assignment_id, address = order.id, assignment.id, expert.user.email
    _deliver(live_server)
    (first,) = _calendar_events(smtp, address)

    login_as(page, "org@demo.test")
    page.goto(f"/organisation/orders/{order_id}")
    check(page)
    follow_link(page, "Muuta tilausta")
    expect(page).to_have_url(re.compile(rf"/organisation/orders/{order_id}/edit$"))
    check(page)
    new_day = (to_helsinki(start) + timedelta(days=2)).date()
    page.locator("#date").fill(new_day.isoformat())
    page.locator("#start_time").fill("09:30")
    response = press_button(page, "Tallenna muutokset")
    assert response.status == 200
    expect(page).to_have_url(re.compile(rf"/organisation/orders/{order_id}$"))
    expect(page.get_by_role("status")).to_contain_text("Tilausta muutettiin.")
    check(page)

    _deliver(live_server)
    events = _calendar_events(smtp, address)
    assert len(events) == 2, [m["Subject"] for m in smtp.messages]
    updated = events[1]
    assert str(updated["UID"]) == str(first["UID"]) == f"assignment-{assignment_id}@kokemuspankki"
    assert int(updated["SEQUENCE"]) > int(first["SEQUENCE"])
    with live_db(live_server.app) as session:
        moved = session.get(Assignment, assignment_id)
        assert updated.decoded("DTSTART") == moved.starts_at
        assert to_helsinki(moved.starts_at).date() == new_day
        assert to_helsinki(moved.starts_at).strftime("%H:%M") == "09:30"


# --- the time rules -----------------------------------------------------------------------------


def test_cancelling_a_started_order_is_refused_on_the_page_and_in_the_api(page: Page,
                                                                         live_server):
    from app.bookings.models import Order
    from app.common.timeutil import utcnow

    title = unique("Selaintesti: alkanut työ")
    with live_db(live_server.app) as session:
        start = utcnow() - timedelta(minutes=20)
        order, _expert, _assignment = _demo_order(session, title, start, minutes=120)
        session.commit()
        order_id = order.id

    login_as(page, "org@demo.test")
    page.goto(f"/organisation/orders/{order_id}")
    expect(page.get_by_role("link", name="Peru tilaus")).to_have_count(0)
    check(page)
    page.goto(f"/organisation/orders/{order_id}/cancel")
    expect(page.locator("#cancel-refused")).to_contain_text("ei voi enää perua")
    expect(page.get_by_role("button", name="Kyllä, peru tilaus")).to_have_count(0)
    check(page)

    token = page.request.post("/api/v1/auth/token", data={
        "email": "org@demo.test", "password": DEMO_PASSWORD}).json()["token"]
    answer = page.request.post(f"/api/v1/orders/{order_id}/cancel",
                               headers={"Authorization": f"Bearer {token}"}, data={})
    assert answer.status == 409, answer.text()
    assert answer.json()["error"]["code"] == "already_started"
    with live_db(live_server.app) as session:
        assert session.get(Order, order_id).status == "filled"
