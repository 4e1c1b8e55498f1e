"""Invoice pages in Chromium: no axe violations; finance records a payment by keyboard."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.common.timeutil import utcnow
from app.organisations.models import Organisation
from app.payments import services
from app.payments.models import Invoice
from tests.browser.helpers import (
    assert_accessible,
    assert_page_structure,
    live_db,
    login_as,
    press_key,
)
from tests.payments.helpers import confirmed_work

ORG = "org@demo.test"
FINANCE = "finance@demo.test"


@pytest.fixture
def invoice_id(live_server) -> int:
    """A fresh open (manual) invoice of the demo organisation."""
    with live_db(live_server.app) as session:
        organisation = session.scalar(
            select(Organisation).where(Organisation.name == "Demo hyvinvointialue"))
        now = utcnow()
        order, _assignment, _lines = confirmed_work(
            now, organisation, title="Selaintestin luento", per_diem=Decimal("20.00"),
            billing_reference="Selain-1")
        for invoice in services.create_due_invoices(now):
            services.make_manual(invoice.id, now)
        session.commit()
        return session.scalar(select(Invoice.id).where(Invoice.order_id == order.id))


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_organisations_invoice_pages(page: Page, invoice_id: int, language: str):
    if language != "fi":
        page.goto(f"/language/{language}")
    login_as(page, ORG)
    page.goto("/organisation/invoices")
    assert_page_structure(page, language)
    assert_accessible(page)
    page.get_by_role("link", name=f"KP-{invoice_id:06d}", exact=True).click()
    expect(page.get_by_text("Selain-1").first).to_be_visible()
    assert_page_structure(page, language)
    assert_accessible(page)


def test_finance_filters_invoices_and_records_a_payment(page: Page, invoice_id: int):
    login_as(page, FINANCE)
    page.goto("/finance/invoices")
    assert_page_structure(page)
    assert_accessible(page)
    page.select_option("#status", "open")
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    assert "status=open" in page.url
    assert_accessible(page)
    page.goto(f"/finance/invoices/{invoice_id}")
    assert_page_structure(page)
    assert_accessible(page)
    button = page.locator(f'form[action$="/finance/invoices/{invoice_id}/paid"] button')
    with page.expect_navigation() as navigation:
        press_key(page, button, "Enter")
    assert navigation.value.ok
    expect(page.locator(".flash.success")).to_be_visible()
    assert_accessible(page)
