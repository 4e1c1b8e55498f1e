"""The finance lists are keyset-paged and cost the same number of statements whatever their
length: the approval queue, the batches, a batch's items, and their API lists."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.payouts import services
from app.payouts.models import PayoutBatch
from tests.payouts.helpers import approved, expert_with_iban, payout
from tests.payouts.test_pages import SignedInClient
from tests.support.sql import counted_statements
from tests.web.helpers import page

NEXT = re.compile(r'rel="next" href="([^"]+)"')
ITEM_LINK = re.compile(r'href="/finance/payouts/(\d+)"')
BATCH_LINK = re.compile(r'href="/finance/batches/(\d+)"')


@pytest.fixture
def signed_in(app):
    def open_as(user) -> SignedInClient:
        db.session.commit()
        return SignedInClient(app, user.email, english=True)

    return open_as


@pytest.fixture
def live_now(monkeypatch, now):
    import app.payouts.views as views

    monkeypatch.setattr(views, "utcnow", lambda: now)
    return now


def items_of(count: int, *, experts: int = 3):
    """``count`` payout items waiting for approval, spread over a few experts."""
    people = [expert_with_iban(n) for n in range(min(experts, count))]
    return [payout(people[n % len(people)]) for n in range(count)]


def walk(client, address: str, pattern: re.Pattern) -> list[set[int]]:
    """The ids ``pattern`` finds on each page of a list, following the "Next page" links."""
    pages = []
    while address:
        response = client.get(address)
        assert response.status_code == 200, page(response)
        text = page(response)
        pages.append({int(found) for found in pattern.findall(text)})
        following = NEXT.search(text)
        address = html.unescape(following.group(1)) if following else None
        if following:
            assert "You are on a later page" not in text or len(pages) > 1
    return pages


def test_the_queue_pages_every_row_once_and_keeps_the_status_filter(signed_in, finance,
                                                                    other_finance, now):
    waiting = items_of(5)
    done = items_of(2)
    approved(done, other_finance, now)
    client = signed_in(finance)
    pages = walk(client, "/finance/payouts?status=pending_approval&limit=2", ITEM_LINK)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert set().union(*pages) == {i.id for i in waiting}
    first = "/finance/payouts?status=pending_approval&limit=2"
    later = page(client.get(f"{first}&cursor={_cursor(client, first)}"))
    assert 'role="status"' in later and "First page" in later
    assert "status=pending_approval" in html.unescape(later.split('aria-label="Pages')[1])
    assert "Pending approval: 5" in later or ": 5</caption>" in later
    approved_pages = walk(client, "/finance/payouts?status=approved&limit=1", ITEM_LINK)
    assert [p for p in approved_pages] == [{done[0].id}, {done[1].id}]


def _cursor(client, address: str) -> str:
    text = html.unescape(NEXT.search(page(client.get(address))).group(1))
    return re.search(r"cursor=([^&]+)", text).group(1)


def test_a_broken_page_link_shows_the_first_page_with_a_message(signed_in, finance):
    items_of(2)
    response = signed_in(finance).get("/finance/payouts?cursor=not-a-cursor")
    assert response.status_code == 422
    assert "This page link is not valid" in page(response)
    assert len(set(ITEM_LINK.findall(page(response)))) == 2
    assert signed_in(finance).get("/finance/payouts?limit=0").status_code == 422


def test_approving_on_a_later_page_keeps_the_page(signed_in, finance, live_now):
    items_of(3)
    client = signed_in(finance)
    cursor = _cursor(client, "/finance/payouts?limit=2")
    later = page(client.get(f"/finance/payouts?limit=2&cursor={cursor}"))
    assert f'name="cursor" value="{cursor}"' in later


def _batch(finance, approver, now, count: int) -> PayoutBatch:
    items = items_of(count)
    approved(items, approver, now)
    return services.create_batch(finance, [i.id for i in items], now)


def test_a_batchs_items_and_the_batches_are_paged(signed_in, finance, other_finance, now):
    batch = _batch(finance, other_finance, now, 5)
    others = [_batch(finance, other_finance, now, 1) for _ in range(2)]
    client = signed_in(finance)
    pages = walk(client, f"/finance/batches/{batch.id}?limit=2", ITEM_LINK)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert set().union(*pages) == {i.id for i in batch.items}
    batch_pages = walk(client, "/finance/batches?limit=2", BATCH_LINK)
    assert set().union(*batch_pages) == {batch.id} | {b.id for b in others}
    assert sum(len(p) for p in batch_pages) == 3


def test_make_a_batch_of_every_approved_payout_beyond_the_shown_ones(
        signed_in, finance, other_finance, live_now, monkeypatch):
    import app.payouts.views as views

    monkeypatch.setattr(views, "APPROVED_SHOWN", 2)
    items = items_of(4)
    approved(items, other_finance, live_now)
    client = signed_in(finance)
    text = page(client.get("/finance/batches"))
    assert "shows the 2 oldest of 4 approved payouts" in text
    assert "Make the batch from all 4 approved payouts" in text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text)
    data = {"all": "1"} | ({"csrf_token": token.group(1)} if token else {})
    assert client.post("/finance/batches", data=data).status_code == 302
    db.session.expire_all()
    batch = db.session.scalars(select(PayoutBatch)).one()
    assert batch.item_count == 4


# --- statements per request: the same for a short and a ten times longer list ---------------


def _statements(client, address: str, headers=None) -> int:
    client.get(address, headers=headers)  # warm: caches, first-request set-up
    with counted_statements() as statements:
        response = client.get(address, headers=headers)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("address", [
    "/finance/", "/finance/payouts", "/finance/payouts?status=all", "/finance/batches",
    "/finance/batches/{batch}",
])
def test_finance_pages_cost_the_same_at_one_and_ten_times_the_rows(
        signed_in, finance, other_finance, now, address):
    def build(count: int) -> int:
        batch = _batch(finance, other_finance, now, count)
        items_of(count, experts=count)
        approved(items_of(count, experts=count), other_finance, now)
        return batch.id

    first = build(3)
    client = signed_in(finance)
    few = _statements(client, address.format(batch=first))
    build(30)
    client = signed_in(finance)
    many = _statements(client, address.format(batch=first))
    assert few == many


@pytest.mark.parametrize("address", ["/api/v1/payouts", "/api/v1/payouts?status=approved",
                                     "/api/v1/payout-batches"])
def test_finance_api_lists_cost_the_same_at_one_and_ten_times_the_rows(
        client, api_token, finance, other_finance, now, address):
    def build(count: int) -> None:
        for _ in range(count // 3):
            _batch(finance, other_finance, now, 3)
        approved(items_of(count, experts=count), other_finance, now)
        items_of(count, experts=count)

    build(3)
    db.session.commit()
    headers = {"Authorization": f"Bearer {api_token(client, finance.email)}"}
    few = _statements(client, address, headers)
    build(30)
    db.session.commit()
    assert _statements(client, address, headers) == few


def test_the_api_lists_page_with_limit_and_cursor(client, api_token, finance, other_finance,
                                                  now):
    waiting = items_of(5)
    batches = [_batch(finance, other_finance, now, 2) for _ in range(3)]
    db.session.commit()
    headers = {"Authorization": f"Bearer {api_token(client, finance.email)}"}
    for address, expected in (
            ("/api/v1/payouts?status=pending_approval&limit=2", [i.id for i in waiting]),
            ("/api/v1/payout-batches?limit=2", [b.id for b in reversed(batches)])):
        seen, cursor = [], None
        while True:
            answer = client.get(address + (f"&cursor={cursor}" if cursor else ""),
                                headers=headers).get_json()
            seen += [row["id"] for row in answer["items"]]
            cursor = answer["next"]
            if cursor is None:
                break
        assert seen == expected
    first = client.get("/api/v1/payout-batches?limit=1", headers=headers).get_json()["items"][0]
    assert first["item_ids"] == sorted(i.id for i in batches[-1].items)
    assert first["item_count"] == 2
    for bad in ("limit=0", "limit=201", "cursor=x"):
        answer = client.get(f"/api/v1/payouts?{bad}", headers=headers)
        assert answer.status_code == 422
        assert answer.get_json()["error"]["field"] in ("limit", "cursor")


# --- making a batch: a constant number of statements ----------------------------------------


def _approved_for_batch(count: int, approver, now) -> list[int]:
    items = items_of(count, experts=max(1, count // 5))
    approved(items, approver, now)
    db.session.commit()
    db.session.expire_all()
    return [i.id for i in items]


@pytest.mark.parametrize("everything", [False, True], ids=["chosen", "all approved"])
def test_making_a_batch_costs_the_same_statements_for_5_and_50_items(finance, other_finance,
                                                                    now, everything):
    counts = []
    for count in (5, 50):
        ids = _approved_for_batch(count, other_finance, now)
        with counted_statements() as statements:
            batch = services.create_batch(finance, None if everything else ids, now)
        assert batch.item_count == count
        assert sorted(i.id for i in batch.items) == sorted(ids)
        assert {i.status for i in batch.items} == {"in_batch"}
        db.session.commit()
        with counted_statements() as download:
            _batch, content = services.payroll_file(finance, batch.id, "fi")
            db.session.flush()
        assert content.count(b"\r\n") > count
        counts.append((len(statements), len(download)))
    assert counts[0] == counts[1], counts


def test_every_identity_code_read_for_a_payroll_file_is_audited_once(finance, other_finance,
                                                                     now):
    from app.audit.models import AuditEntry

    ids = _approved_for_batch(10, other_finance, now)
    batch = services.create_batch(finance, ids, now)
    services.payroll_file(finance, batch.id, "fi")
    db.session.flush()
    reads = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "identity_code_read")).all()
    experts = {str(i.expert_id) for i in batch.items}
    assert sorted(r.subject_id for r in reads) == sorted(experts)
    assert {(r.subject_type, r.actor_id, r.details["batch"], r.details["purpose"])
            for r in reads} == {("expert_profile", finance.id, batch.id, "payroll")}
