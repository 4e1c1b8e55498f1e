"""Never batched or paid twice: finance users acting at the same moment on PostgreSQL.

Real threads, each with its own connection and transaction, released together
by a barrier. They commit for real, so the tests run on a scratch database of
their own (threads cannot share the rolled-back test transaction).
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from app.payouts import services
from app.payouts.models import PayoutBatch, PayoutItem
from tests.payouts.helpers import (
    BANK_BIC,
    BANK_IBAN,
    approved,
    code,
    expert_with_iban,
    finance_user,
    helsinki,
    payout,
)
from tests.support import concurrency
from tests.support.databases import on_postgres
from tests.support.two_factor import sign_in_post

pytestmark = pytest.mark.skipif(
    not on_postgres(),
    reason="row locks need PostgreSQL; SQLite serialises writers on its own (one process)")

RACERS = 8
NOW = helsinki(2026, 3, 20, 12)


@pytest.fixture(scope="module")
def committing_app(tmp_path_factory):
    with concurrency.committing_app(tmp_path_factory.mktemp("payouts"), "app_payout_race",
                                    RACERS, BANK_IBAN=BANK_IBAN, BANK_BIC=BANK_BIC) as app:
        yield app


@pytest.fixture(autouse=True)
def _app_context(committing_app):
    """Override the package's fixture: no rolled-back transaction here."""
    with committing_app.app_context():
        yield


def _finance_team(count: int) -> list[int]:
    return [finance_user().id for _ in range(count)]


def _outcomes(results) -> Counter:
    return Counter(getattr(r, "code", type(r).__name__) for r in results)


def test_concurrent_batches_of_all_approved_items_make_one_batch(committing_app):
    team = _finance_team(RACERS)
    approver = finance_user()
    items = [payout(expert_with_iban(n)) for n in range(4)]
    approved(items, approver, NOW)
    db.session.commit()
    ids = [i.id for i in items]
    db.session.remove()

    def make_batch(user_id):
        return lambda: services.create_batch(db.session.get(User, user_id), None, NOW)

    results = concurrency.race(committing_app, [make_batch(u) for u in team])
    assert _outcomes(results) == {"PayoutBatch": 1, "nothing_to_batch": RACERS - 1}, results
    batches = db.session.scalars(select(PayoutBatch)).all()
    assert len(batches) == 1 and batches[0].item_count == 4
    items = db.session.scalars(select(PayoutItem).where(PayoutItem.id.in_(ids))).all()
    assert {(i.status, i.batch_id) for i in items} == {("in_batch", batches[0].id)}


def test_overlapping_chosen_items_never_enter_two_batches(committing_app):
    team = _finance_team(RACERS)
    approver = finance_user()
    items = [payout(expert_with_iban(n)) for n in range(3)]
    approved(items, approver, NOW)
    db.session.commit()
    ids = [i.id for i in items]
    before = db.session.scalar(select(func.count()).select_from(PayoutBatch))
    db.session.remove()
    # Every racer asks for the shared item plus one of the others, in a different order.
    choices = [[ids[0], ids[1 + n % 2]][:: 1 if n % 2 else -1] for n in range(RACERS)]

    def make_batch(user_id, chosen):
        return lambda: services.create_batch(db.session.get(User, user_id), chosen, NOW)

    results = concurrency.race(committing_app, [make_batch(u, c) for u, c in zip(team, choices,
                                                                          strict=True)])
    outcomes = _outcomes(results)
    assert outcomes["PayoutBatch"] == 1 and outcomes["not_approved"] == RACERS - 1, results
    assert db.session.scalar(select(func.count()).select_from(PayoutBatch)) == before + 1
    shared = db.session.get(PayoutItem, ids[0])
    assert shared.status == "in_batch"
    batched = db.session.scalars(select(PayoutItem).where(PayoutItem.id.in_(ids),
                                                          PayoutItem.batch_id.is_not(None)))
    assert len({i.batch_id for i in batched}) == 1


def test_a_batch_is_paid_once_however_many_mark_it_at_once(committing_app):
    team = _finance_team(RACERS)
    approver = finance_user()
    items = [payout(expert_with_iban(n)) for n in range(2)]
    approved(items, approver, NOW)
    batch_id = services.create_batch(approver, None, NOW).id
    db.session.commit()
    ids = [i.id for i in items]
    db.session.remove()

    def mark(user_id):
        return lambda: services.mark_batch_paid(db.session.get(User, user_id), batch_id, NOW)

    results = concurrency.race(committing_app, [mark(u) for u in team])
    assert _outcomes(results) == {"PayoutBatch": 1, "batch_already_paid": RACERS - 1}, results
    items = db.session.scalars(select(PayoutItem).where(PayoutItem.id.in_(ids))).all()
    assert {i.status for i in items} == {"paid"}
    assert {i.assignment.status for i in items} == {"paid"}
    from app.mail.models import OutboxMessage

    mails = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "payout_paid", OutboxMessage.user_id.in_(
            [i.expert.user_id for i in items])))
    assert mails == 2  # one per expert, not one per racer


def test_two_finance_users_approving_at_once_decide_once(committing_app):
    team = [finance_user() for _ in range(RACERS)]
    item = payout()
    db.session.commit()
    item_id = item.id
    pairs = [(u.id, code(u, NOW)) for u in team]
    db.session.remove()

    def approve(user_id, totp_code):
        return lambda: services.approve_payout_items(db.session.get(User, user_id), [item_id],
                                                     totp_code, NOW)

    results = concurrency.race(committing_app, [approve(u, c) for u, c in pairs])
    assert _outcomes(results) == {"list": 1, "not_pending": RACERS - 1}, results
    assert db.session.get(PayoutItem, item_id).status == "approved"


def test_concurrent_api_batches_answer_409_not_500(committing_app):
    from tests.factories import DEFAULT_PASSWORD

    team = [finance_user() for _ in range(RACERS)]
    approver = finance_user()
    approved([payout(expert_with_iban(n)) for n in range(2)], approver, NOW)
    db.session.commit()
    client = committing_app.test_client()
    tokens = [sign_in_post(client, "/api/v1/auth/token", u.email, {}, json={
        "email": u.email, "password": DEFAULT_PASSWORD},
        environ_base={"REMOTE_ADDR": f"10.0.2.{number + 1}"}).get_json()["token"]
        for number, u in enumerate(team)]
    db.session.remove()

    def post(token):
        def call():
            response = committing_app.test_client().post(
                "/api/v1/payout-batches", json={}, headers={"Authorization": f"Bearer {token}"})
            return response.status_code, (response.get_json() or {}).get("error", {}).get("code")
        return call

    results = concurrency.race(committing_app, [post(t) for t in tokens])
    assert Counter(results) == {(201, None): 1, (409, "nothing_to_batch"): RACERS - 1}, results
