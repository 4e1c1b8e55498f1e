"""The invoice list pages (finance and an organisation's own) are keyset-paged, keep the status
filter, show only what the user may see, and cost the same number of statements whatever the
number of invoices (the API list is tested in test_invoices_api.py)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from app.extensions import db
from tests import factories
from tests.payments.test_invoice_pages import invoiced
from tests.support.sql import counted_statements

NEXT = re.compile(r'rel="next" href="([^"]+)"')
FINANCE_LINK = re.compile(r'href="/finance/invoices/(\d+)"')
OWN_LINK = re.compile(r'href="/organisation/invoices/(\d+)"')


@pytest.fixture(autouse=True)
def _english(client):
    client.get("/language/en")


def walk(client, address: str, pattern: re.Pattern) -> list[set[int]]:
    pages = []
    while address:
        response = client.get(address)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        pages.append({int(found) for found in pattern.findall(text)})
        following = NEXT.search(text)
        address = html.unescape(following.group(1)) if following else None
    return pages


def test_finance_pages_every_invoice_once_keeping_the_status(client, login, now):
    invoices = [invoiced(now + timedelta(seconds=n)) for n in range(5)]
    invoices[1].status = "paid"
    finance = factories.user("finance")
    db.session.commit()
    login(client, finance.email)
    pages = walk(client, "/finance/invoices?status=open&limit=2", FINANCE_LINK)
    assert [len(p) for p in pages] == [2, 2]
    assert set().union(*pages) == {i.id for n, i in enumerate(invoices) if n != 1}
    every = walk(client, "/finance/invoices?limit=2", FINANCE_LINK)
    assert [len(p) for p in every] == [2, 2, 1]
    later = client.get(NEXT.search(client.get("/finance/invoices?status=open&limit=2")
                                   .get_data(as_text=True)).group(1).replace("&amp;", "&"))
    text = later.get_data(as_text=True)
    assert 'role="status"' in text and "status=open" in html.unescape(text)
    broken = client.get("/finance/invoices?cursor=broken")
    assert broken.status_code == 422
    assert "This page link is not valid" in broken.get_data(as_text=True)


def test_an_organisation_pages_only_its_own_invoices(client, login, now):
    org_a, org_b = factories.organisation(), factories.organisation()
    own = [invoiced(now + timedelta(seconds=n), org_a) for n in range(3)]
    invoiced(now, org_b)
    member = factories.member(org_a)
    db.session.commit()
    login(client, member.email)
    pages = walk(client, "/organisation/invoices?limit=2", OWN_LINK)
    assert pages == [{own[2].id, own[1].id}, {own[0].id}]


@pytest.mark.parametrize("who", ["finance", "member"])
def test_invoice_lists_cost_the_same_at_one_and_ten_times_the_invoices(client, login, now,
                                                                       who):
    organisation = factories.organisation()
    user = factories.user("finance") if who == "finance" else factories.member(organisation)
    address = "/finance/invoices" if who == "finance" else "/organisation/invoices"

    def build(count: int) -> None:
        for n in range(count):
            invoiced(now + timedelta(seconds=n), organisation)
        db.session.commit()

    def statements() -> int:
        client.get(address)
        with counted_statements() as seen:
            assert client.get(address).status_code == 200
        return len(seen)

    build(2)
    login(client, user.email)
    few = statements()
    build(20)
    assert statements() == few
