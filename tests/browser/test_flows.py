"""Issue 5's browser walks: ordering (one-off and the series), accepting and withdrawing,
and the price calculator without JavaScript, with axe-core checks at every step.

The forms are filled through their Finnish labels and operated with the keyboard
(space bar for checkboxes and radio buttons, Enter on buttons). Each walk makes
data of its own (new orders with unique titles), so the demo data other browser
tests rely on is left as it was.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from playwright.sync_api import APIRequestContext, Page, expect

from tests.browser.helpers import (
    DEMO_PASSWORD,
    assert_accessible,
    assert_page_structure,
    live_code,
    live_db,
    login_as,
    press_button,
    press_key,
)
from tests.browser.order_form import (
    CALCULATE,
    RECEIVED,
    SEND,
    fill_one_off_order,
    fill_series_order,
    label,
)

HELSINKI = ZoneInfo("Europe/Helsinki")


def helsinki_today() -> date:
    return datetime.now(HELSINKI).date()


def unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:6]}"


def check(page: Page) -> None:
    assert_page_structure(page)
    assert_accessible(page)


def euros(text: str) -> Decimal:
    """ "1 234,50 €" (Finnish format, any spaces) as a Decimal."""
    return Decimal(re.sub(r"[^\d,]", "", text).replace(",", "."))


# --- ordering ----------------------------------------------------------------------------------


def order_through_the_form(page: Page, fill, title: str, start: date) -> None:
    login_as(page, "org@demo.test")
    page.get_by_role("link", name="Tilaa kokemusasiantuntija").first.click()
    expect(page).to_have_url(re.compile(r"/organisation/orders/new$"))
    check(page)
    fill(page, title, start)

    response = press_button(page, CALCULATE)
    assert response.status == 200, response.status
    estimate = page.locator("#estimate-total-all")
    expect(estimate).to_be_visible()
    assert euros(estimate.inner_text()) > 0
    expect(label(page, "Otsikko")).to_have_value(title)  # what was typed is kept
    check(page)

    response = press_button(page, SEND)
    assert response.status == 200, response.status
    expect(page).to_have_url(re.compile(r"/organisation/orders/\d+$"))
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("main .status")).to_have_text(RECEIVED)
    expect(page.get_by_role("status")).to_contain_text("Kiitos! Tilauksesi on lähetetty.")
    check(page)


def test_organisation_orders_one_off_work(page: Page):
    title = unique("Selaintesti: luento henkilöstöpäivillä")
    order_through_the_form(page, fill_one_off_order, title, helsinki_today() + timedelta(days=21))
    facts = page.locator("main dl.facts").first
    expect(facts).to_contain_text("Luento tai puheenvuoro")
    expect(facts).to_contain_text("Pori")
    page.get_by_role("link", name="Takaisin tilauksiin").click()
    expect(page.get_by_role("link", name=title)).to_be_visible()
    check(page)


def test_organisation_orders_the_co_development_series(page: Page):
    title = unique("Selaintesti: yhteiskehittäminen")
    first = helsinki_today() + timedelta(days=28)
    order_through_the_form(page, fill_series_order, title, first)
    sessions = page.locator("main dl.facts ol li")
    expect(sessions).to_have_count(3)
    expect(page.locator("main dl.facts").first).to_contain_text("Etätyö")


# --- an expert accepts an invitation and withdraws ----------------------------------------


def api_token(api: APIRequestContext, email: str) -> dict[str, str]:
    body = {"email": email, "password": DEMO_PASSWORD}
    code = live_code(email)  # staff only
    answer = api.post("/api/v1/auth/token", data={**body, "totp": code} if code else body)
    assert answer.status == 200, answer.text()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def test_expert_accepts_an_invitation_and_withdraws(new_context, live_server):
    api = new_context().request
    title = unique("Selaintesti: etäluento")
    starts = datetime.combine(helsinki_today() + timedelta(days=63), time(10, 0), HELSINKI)
    created = api.post("/api/v1/orders", headers=api_token(api, "org@demo.test"), data={
        "title": title, "assignment_type": "lecture", "expertise_areas": ["mental-health"],
        "language": "fi", "experts_needed": 1, "starts_at": starts.isoformat(),
        "duration_minutes": 45, "remote": True,
    })
    assert created.status == 201, created.text()
    order_id = created.json()["id"]

    # The coordinator invites the best-ranked candidate on the matching page.
    coordinator = new_context().new_page()
    login_as(coordinator, "coordinator@demo.test")
    coordinator.goto(f"/coordinator/orders/{order_id}")
    check(coordinator)
    first_choice = coordinator.locator("input[name=expert_ids]").first
    expert_id = int(first_choice.get_attribute("value"))
    press_key(coordinator, first_choice, "Space")
    expect(first_choice).to_be_checked()
    press_button(coordinator, "Kutsu valitut kokemusasiantuntijat")
    expect(coordinator.get_by_role("status")).to_contain_text("Kutsuja lähetetty: 1.")
    check(coordinator)

    from app.experts.models import ExpertProfile

    with live_db(live_server.app) as session:
        email = session.get(ExpertProfile, expert_id).user.email

    # The expert finds the offer, accepts it …
    expert = new_context().new_page()
    login_as(expert, email)
    expert.goto("/expert/work/")
    check(expert)
    expert.get_by_role("link", name=title).click()
    expect(expert.locator("h1")).to_have_text(f"Tehtävätarjous: {title}")
    check(expert)
    press_button(expert, "Kyllä, otan tämän tehtävän")
    expect(expert).to_have_url(re.compile(r"/expert/work/$"))
    expect(expert.get_by_role("status")).to_contain_text("Kiitos! Sinut on varattu.")
    withdraw_link = expert.get_by_role("link", name=f"Peru varaukseni: {title}")
    expect(withdraw_link).to_be_visible()
    check(expert)

    # … and withdraws from it, without blame.
    withdraw_link.click()
    expect(expert).to_have_url(re.compile(rf"/expert/work/orders/{order_id}/withdraw$"))
    check(expert)
    label(expert, "Haluatko kertoa meille jotain? (ei pakollinen)").fill("Olen sairaana.")
    press_button(expert, "Peru varaukseni")
    expect(expert).to_have_url(re.compile(r"/expert/work/$"))
    expect(expert.get_by_role("status")).to_contain_text("Varauksesi on peruttu.")
    expect(withdraw_link).to_have_count(0)
    check(expert)

    answer = api.get(f"/api/v1/orders/{order_id}",
                     headers=api_token(api, "coordinator@demo.test"))
    bookings = [b for b in answer.json()["bookings"] if b["expert_id"] == expert_id]
    assert [b["status"] for b in bookings] == ["cancelled_by_expert"]


# --- the price page without JavaScript ---------------------------------------------------


def test_price_calculator_works_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/prices")
    label(page, "Tehtävän tyyppi").select_option(label="Luento tai puheenvuoro")
    label(page, "Kesto minuutteina").fill("90")
    label(page, "Tehtävän päivämäärä").fill("2026-03-10")
    label(page, "Autolla ajetut kilometrit, meno ja paluu").fill("84.5")
    with page.expect_navigation():
        page.get_by_role("button", name="Laske", exact=True).click()
    expect(page).to_have_url(re.compile(r"/prices\?.*assignment_type=lecture"))
    total = page.locator("#quote-total")
    expect(total).to_be_visible()

    answer = page.request.post("/api/v1/fees/quote", data={
        "assignment_type": "lecture", "duration_minutes": 90, "date": "2026-03-10",
        "remote": False, "travel": {"km_driven": "84.5"},
    })
    assert answer.status == 200, answer.text()
    assert euros(total.inner_text()) == Decimal(answer.json()["total"])

    # axe-core needs JavaScript: check the same result page in an ordinary context.
    with_scripts = new_context().new_page()
    with_scripts.goto(page.url)
    expect(with_scripts.locator("#quote-total")).to_have_text(total.inner_text())
    check(with_scripts)
