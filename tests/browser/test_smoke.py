"""The Finnish landing page loads in Chromium and passes axe-core."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible


def test_landing_page_is_finnish_and_accessible(page: Page):
    response = page.goto("/")
    assert response is not None and response.ok, response and response.status
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page)
