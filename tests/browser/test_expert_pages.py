"""The experts' pages, the verification queue and the expert directory in Chromium, with axe.

Nothing here changes the shared demo data: forms are only sent with mistakes,
so that the pages with their error messages are checked too.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible, login_as


def test_verification_queue_and_an_application_are_accessible(page: Page):
    login_as(page, "coordinator@demo.test")
    page.goto("/coordinator/applications")
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page)
    page.get_by_role("link", name="Aapo Hakija").click()
    expect(page).to_have_url(re.compile(r"/coordinator/applications/\d+$"))
    assert_accessible(page)
    page.locator("form[action$='/reject'] button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page)


def test_profile_form_is_accessible_with_and_without_errors(page: Page):
    login_as(page, "expert1@demo.test")
    page.goto("/expert/profile")
    expect(page.locator("#iban")).to_be_visible()
    assert_accessible(page)
    page.fill("#iban", "FI00 1234")
    page.fill("#withholding_percent", "120")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#iban")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/expert/availability", "/expert/application", "/expert/"])
def test_the_experts_other_pages_are_accessible(page: Page, path: str):
    login_as(page, "applicant@demo.test" if path == "/expert/application" else "expert1@demo.test")
    page.goto(path)
    assert_accessible(page)


def test_expert_directory_is_accessible(page: Page):
    login_as(page, "org@demo.test")
    page.goto("/organisation/experts")
    expect(page.locator("li.card").first).to_be_visible()
    assert_accessible(page)
    page.select_option("#area", "mental-health")
    page.locator("form[role=search] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"area=mental-health"))
    assert_accessible(page)
