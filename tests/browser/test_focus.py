"""Focus follows the keyboard user (issue 14, point 3), and long texts are counted, not cut
(point 4).

Keyboard only: fields are focused and typed into, checkboxes ticked with the space bar,
buttons pressed with Enter. After a failed order the focus is on the error summary, after
"Laske hinta" on the price, and after a wrong two-factor code the chosen payouts are
still chosen and the code still typed. The walks leave the demo data as they found it
(nothing is sent successfully).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible, login_as, press_button, press_key
from tests.browser.order_form import CALCULATE, SEND, fill_one_off_order, label

HELSINKI = ZoneInfo("Europe/Helsinki")


def in_three_weeks() -> date:
    return datetime.now(HELSINKI).date() + timedelta(days=21)


def focused_id(page: Page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def test_a_failed_order_puts_the_focus_on_the_error_summary(page: Page):
    login_as(page, "org@demo.test")
    page.goto("/organisation/orders/new")
    response = press_button(page, SEND)
    assert response.status == 422
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    assert focused_id(page) == "error-summary"
    # The next Tab goes to the first error's link, which leads to its field.
    page.keyboard.press("Tab")
    first = page.locator("#error-summary a").first
    expect(first).to_be_focused()
    target = first.get_attribute("href").lstrip("#")
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == f"#{target}"
    assert_accessible(page)


def test_calculating_the_price_puts_the_focus_on_the_price(page: Page):
    login_as(page, "org@demo.test")
    page.goto("/organisation/orders/new")
    fill_one_off_order(page, "Fokustesti: luento", in_three_weeks())
    response = press_button(page, CALCULATE)
    assert response.status == 200
    expect(page.locator("#estimate-total-all")).to_be_visible()
    assert focused_id(page) == "estimate"
    assert page.locator("#estimate").evaluate(
        "e => e.getBoundingClientRect().top < window.innerHeight")  # scrolled into view
    expect(label(page, "Otsikko")).to_have_value("Fokustesti: luento")
    assert_accessible(page)


def test_the_price_calculator_puts_the_focus_on_the_result(page: Page):
    page.goto("/prices")
    press_key(page, page.locator("#duration_minutes"), "Control+A")
    page.keyboard.type("90")
    response = press_button(page, "Laske")
    assert response.status == 200
    expect(page.locator("#quote-total")).to_be_visible()
    assert focused_id(page) == "quote-result"


def test_a_wrong_code_keeps_the_chosen_payouts_and_the_typed_code(page: Page):
    login_as(page, "finance@demo.test")
    page.goto("/finance/payouts")
    boxes = page.locator("input[name=item_ids]")
    assert boxes.count() >= 1, "the demo has payouts waiting for approval"
    chosen = [boxes.nth(0).get_attribute("value")]
    press_key(page, boxes.nth(0), "Space")
    if boxes.count() >= 3:  # choose the third too, leave the second unchosen
        chosen.append(boxes.nth(2).get_attribute("value"))
        press_key(page, boxes.nth(2), "Space")
    code = label(page, "Kaksivaiheisen tunnistuksen koodi")
    code.focus()
    page.keyboard.type("000000")
    with page.expect_navigation() as navigation:
        press_key(page, page.locator('form[action$="/payouts/approve"] [type=submit]'), "Enter")
    assert navigation.value.status == 422
    expect(page.locator("#totp-error")).to_be_visible()
    assert focused_id(page) == "error-summary"
    checked = page.locator("input[name=item_ids]:checked")
    assert sorted(checked.evaluate_all("boxes => boxes.map(b => b.value)")) == sorted(chosen)
    expect(code).to_have_value("000000")
    assert_accessible(page)


def test_a_long_title_is_counted_while_typing_and_refused_not_cut(page: Page):
    login_as(page, "org@demo.test")
    page.goto("/organisation/orders/new")
    title = label(page, "Otsikko")
    counter = page.locator("#title-limit")
    # Without JavaScript the hint says "Enintään 200 merkkiä."; the script counts.
    expect(counter).to_have_text("200 merkkiä jäljellä.")
    title.focus()
    page.keyboard.type("x" * 190)
    expect(counter).to_have_text("10 merkkiä jäljellä.")
    page.keyboard.type("y" * 15)
    expect(counter).to_have_text("5 merkkiä liikaa.")
    expect(title).to_have_value("x" * 190 + "y" * 15)  # nothing cut while typing
    response = press_button(page, SEND)
    assert response.status == 422
    expect(page.locator("#title-error")).to_contain_text("200")
    expect(title).to_have_value("x" * 190 + "y" * 15)
    assert_accessible(page)
