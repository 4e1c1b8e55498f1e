"""Never overbooked: real concurrent accepts on PostgreSQL, each on its own connection.

These tests commit for real (threads cannot share the rolled-back test
transaction), so they run on a scratch database of their own.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.bookings.models import Assignment, Invitation
from app.common.timeutil import utcnow
from app.extensions import db
from tests.support import concurrency
from tests.support.databases import on_postgres

pytestmark = pytest.mark.skipif(not on_postgres(), reason="row locks are tested on PostgreSQL")

ACCEPTERS = 50


@pytest.fixture(scope="module")
def committing_app(tmp_path_factory):
    with concurrency.committing_app(tmp_path_factory.mktemp("concurrency"), "app_concurrency",
                                    ACCEPTERS) as app:
        yield app


@pytest.fixture(autouse=True)
def _app_context(committing_app):
    """Override the package's fixture: no rolled-back transaction here."""
    with committing_app.app_context():
        yield


def test_fifty_concurrent_accepts_book_exactly_one(committing_app):
    from app.bookings import services
    from tests import factories

    coordinator = factories.user("coordinator")
    start = (utcnow() + timedelta(days=9)).replace(minute=0, second=0, microsecond=0)
    order = factories.order(sessions=[(start, 45)], experts_needed=1)
    experts = [factories.expert() for _ in range(ACCEPTERS)]
    invitations = services.invite_experts(coordinator, order, [e.id for e in experts])
    db.session.commit()
    pairs = [(e.user_id, i.id) for e, i in zip(experts, invitations, strict=True)]
    order_id = order.id
    db.session.remove()

    def accept(user_id, invitation_id):
        from app.accounts.models import User

        return lambda: services.accept_invitation(db.session.get(User, user_id), invitation_id)

    results = concurrency.race(committing_app, [accept(u, i) for u, i in pairs])
    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"list": 1, "OrderFilled": ACCEPTERS - 1}, outcomes
    booked = db.session.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.order_id == order_id))
    assert booked == 1
    accepted = db.session.scalar(select(func.count()).select_from(Invitation).where(
        Invitation.order_id == order_id, Invitation.status == "accepted"))
    assert accepted == 1


def test_fifty_concurrent_api_accepts_answer_409_not_500(committing_app):
    from app.bookings import services
    from tests import factories

    coordinator = factories.user("coordinator")
    start = (utcnow() + timedelta(days=11)).replace(minute=0, second=0, microsecond=0)
    order = factories.order(sessions=[(start, 45)], experts_needed=1)
    experts = [factories.expert() for _ in range(ACCEPTERS)]
    invitations = services.invite_experts(coordinator, order, [e.id for e in experts])
    db.session.commit()
    client = committing_app.test_client()
    tokens = []
    for number, expert in enumerate(experts):
        # Each expert on their own device: the token endpoint allows 30 a minute per address.
        response = client.post("/api/v1/auth/token", json={
            "email": expert.user.email, "password": factories.DEFAULT_PASSWORD},
            environ_base={"REMOTE_ADDR": f"10.0.1.{number + 1}"})
        tokens.append(response.get_json()["token"])
    ids = [i.id for i in invitations]
    db.session.remove()

    def accept(token, invitation_id):
        def call():
            response = committing_app.test_client().post(
                f"/api/v1/invitations/{invitation_id}/accept",
                headers={"Authorization": f"Bearer {token}"})
            return response.status_code, (response.get_json() or {}).get("error", {}).get("code")
        return call

    calls = [accept(t, i) for t, i in zip(tokens, ids, strict=True)]
    results = concurrency.race(committing_app, calls)
    assert Counter(results) == {(200, None): 1, (409, "order_filled"): ACCEPTERS - 1}, results


def test_one_expert_accepting_two_overlapping_orders_at_once_is_booked_once(committing_app):
    from app.accounts.models import User
    from app.bookings import services
    from tests import factories

    coordinator = factories.user("coordinator")
    start = (utcnow() + timedelta(days=13)).replace(minute=0, second=0, microsecond=0)
    expert = factories.expert()
    first = factories.order(sessions=[(start, 60)])
    second = factories.order(sessions=[(start + timedelta(minutes=30), 60)])
    a = services.invite_experts(coordinator, first, [expert.id])[0].id
    b = services.invite_experts(coordinator, second, [expert.id])[0].id
    db.session.commit()
    user_id, expert_id = expert.user_id, expert.id
    db.session.remove()

    results = concurrency.race(committing_app, [
        lambda i=i: services.accept_invitation(db.session.get(User, user_id), i) for i in (a, b)
    ])
    booked = db.session.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.expert_id == expert_id, Assignment.status == "booked"))
    assert booked == 1
    assert sorted(type(r).__name__ for r in results) == ["ExpertBusy", "list"], results


def test_moving_a_series_while_its_expert_accepts_other_work_never_double_books(
        committing_app):
    """A series' third session is moved onto another order's time while its booked expert
    accepts that other order: whichever commits first, the expert is never booked twice at
    once (accepted → released from the series, or moved → the accept is refused)."""
    from app.accounts.models import User
    from app.bookings import changes, services
    from app.bookings.models import Order
    from tests import factories

    coordinator_id = factories.user("coordinator").id
    db.session.commit()
    outcomes = Counter()
    for round_ in range(6):
        coordinator = db.session.get(User, coordinator_id)
        start = (utcnow() + timedelta(days=20 + 60 * round_)).replace(minute=0, second=0,
                                                                        microsecond=0)
        series = factories.order(status="filled", sessions=[
            (start + timedelta(days=7 * n), 120) for n in range(3)])
        expert = factories.expert()
        factories.booking(series, expert)
        target = start + timedelta(days=16)
        other = factories.order(sessions=[(target, 60)])
        (invitation,) = services.invite_experts(coordinator, other, [expert.id])
        db.session.commit()
        ids = (series.id, expert.id, expert.user_id, invitation.id, coordinator.id, other.id)
        new = tuple(changes.SessionTime(s.starts_at, s.duration_minutes)
                    for s in series.sessions[:2]) + (changes.SessionTime(target, 120),)
        db.session.remove()

        def move(series_id=ids[0], actor_id=ids[4], new=new):
            return lambda: changes.change_order(db.session.get(User, actor_id), series_id,
                                                changes.OrderChange(sessions=new))

        def accept(user_id=ids[2], invitation_id=ids[3]):
            return lambda: services.accept_invitation(db.session.get(User, user_id),
                                                      invitation_id)

        moved, accepted = concurrency.race(committing_app, [move(), accept()])
        assert not isinstance(moved, Exception), moved
        outcomes["accepted" if isinstance(accepted, list) else type(accepted).__name__] += 1
        booked = list(db.session.scalars(select(Assignment).where(
            Assignment.expert_id == ids[1], Assignment.status == "booked")
            .order_by(Assignment.starts_at)))
        for before, after in zip(booked, booked[1:], strict=False):
            assert before.ends_at <= after.starts_at, "booked twice at once"
        if isinstance(accepted, list):
            assert {a.order_id for a in booked} == {ids[5]}
            assert db.session.get(Order, ids[0]).status == "matching"
        else:
            assert type(accepted).__name__ == "ExpertBusy"
            assert {a.order_id for a in booked} == {ids[0]}
        db.session.remove()
    assert sum(outcomes.values()) == 6
