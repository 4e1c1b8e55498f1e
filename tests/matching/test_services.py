"""`match_order` on real data: the database filters, busy times, rotation, earnings, query count."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from app.bookings.models import Invitation, Order
from app.common.timeutil import helsinki_to_utc, to_helsinki, utcnow
from app.extensions import db
from app.fees.models import FeeRuleRow, FeeSchedule
from app.matching.services import match_order
from tests import factories
from tests.matching.helpers import paid_assignment, unavailable
from tests.support.sql import counted_statements

HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def start() -> datetime:
    """Three weeks from now, on the hour."""
    return (utcnow() + timedelta(days=21)).replace(minute=0, second=0, microsecond=0)


def next_month_day(day: int, hour: int = 12) -> datetime:
    """``day`` of next month at ``hour`` Helsinki time, as UTC."""
    today = to_helsinki(utcnow()).date()
    first = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    return helsinki_to_utc(first.replace(day=day), datetime.min.time().replace(hour=hour))


def reload(order: Order) -> Order:
    """The order as a request would see it: nothing loaded yet."""
    db.session.flush()
    db.session.expire_all()
    return db.session.get(Order, order.id)


def matched_ids(order: Order, now: datetime | None = None) -> list[int]:
    return [m.expert_id for m in match_order(reload(order), now)]


def test_hard_filters_against_the_database(start):
    order = factories.order(sessions=[(start, 45)])
    fits = factories.expert()
    in_range = factories.expert(home_municipality_code="837", travel_range_km=200)  # Tampere
    out_of_range = factories.expert(home_municipality_code="091", travel_range_km=100)
    paused = factories.expert(status="paused")
    paused_until_later = factories.expert(paused_until=to_helsinki(start).date() + timedelta(1))
    back_before = factories.expert(paused_until=to_helsinki(start).date())
    applied = factories.expert(status="applied")
    retired = factories.expert(status="retired")
    other_area = factories.expert(areas=("substance-use",))
    swedish = factories.expert(languages=("sv",))
    no_lectures = factories.expert(assignment_types=("meeting",))
    away = factories.expert()
    unavailable(away, start - timedelta(days=2), start + timedelta(days=2))
    away_before = factories.expert()
    unavailable(away_before, start - timedelta(days=2), start)
    booked = factories.expert()
    factories.booking(factories.order(sessions=[(start - HOUR / 2, 120)]), booked)
    cancelled = factories.expert()
    factories.booking(factories.order(sessions=[(start, 45)]), cancelled,
                      status="cancelled_by_organisation")
    withdrew = factories.expert()
    factories.booking(factories.order(sessions=[(start, 45)]), withdrew,
                      status="cancelled_by_expert")
    reported = factories.expert()
    factories.booking(factories.order(sessions=[(start - HOUR, 90)]), reported, status="reported")
    back_to_back = factories.expert()
    factories.booking(factories.order(sessions=[(start - 2 * HOUR, 120)]), back_to_back)

    found = set(matched_ids(order))
    assert found >= {fits.id, in_range.id, back_before.id, away_before.id, cancelled.id,
                     withdrew.id, back_to_back.id}
    assert found.isdisjoint({out_of_range.id, paused.id, paused_until_later.id, applied.id,
                             retired.id, other_area.id, swedish.id, no_lectures.id, away.id,
                             booked.id, reported.id})


def test_every_requested_area_is_needed(start):
    order = factories.order(sessions=[(start, 45)], areas=("mental-health", "substance-use"))
    both = factories.expert(areas=("mental-health", "substance-use", "disability"))
    one = factories.expert(areas=("mental-health",))
    found = set(matched_ids(order))
    assert both.id in found and one.id not in found


def test_series_busy_in_any_session_excludes(start):
    sessions = [(start, 180), (start + timedelta(days=7), 180), (start + timedelta(days=14), 180)]
    order = factories.order(sessions=sessions, assignment_type_code="meeting")
    free = factories.expert()
    busy_last = factories.expert()
    factories.booking(factories.order(sessions=[(sessions[2][0] + HOUR, 60)]), busy_last)
    away_middle = factories.expert()
    unavailable(away_middle, sessions[1][0], sessions[1][0] + HOUR)
    found = set(matched_ids(order))
    assert free.id in found
    assert busy_last.id not in found and away_middle.id not in found


def test_already_invited_experts_are_not_candidates_again(start):
    order = factories.order(sessions=[(start, 45)])
    invited = factories.expert()
    other = factories.expert()
    db.session.add(Invitation(order_id=order.id, expert_id=invited.id, status="declined",
                              expires_at=start))
    found = set(matched_ids(order))
    assert other.id in found and invited.id not in found


def test_nearer_ranks_higher(start):
    order = factories.order(sessions=[(start, 45)])  # Pori
    tampere = factories.expert(home_municipality_code="837", travel_range_km=300)
    pori = factories.expert(home_municipality_code="609")
    matches = [m for m in match_order(reload(order)) if m.expert_id in (pori.id, tampere.id)]
    assert [m.expert_id for m in matches] == [pori.id, tampere.id]
    assert matches[0].distance_km == Decimal("0.0")
    assert Decimal("100") < matches[1].distance_km < Decimal("200")


def test_fewer_paid_assignments_in_90_days_rank_higher(start):
    now = utcnow()
    order = factories.order(sessions=[(start, 45)])
    worked = factories.expert()
    rested = factories.expert()
    long_ago = factories.expert()
    rejected = factories.expert()
    paid_assignment(worked, now - timedelta(days=10))
    paid_assignment(worked, now - timedelta(days=80))
    paid_assignment(long_ago, now - timedelta(days=120))
    paid_assignment(rejected, now - timedelta(days=5), status="rejected")
    matches = {m.expert_id: m for m in match_order(reload(order), now)}
    assert dict(matches[worked.id].reasons)["recent_assignments"] == {"count": 2}
    assert dict(matches[long_ago.id].reasons)["recent_assignments"] == {"count": 0}
    assert dict(matches[rejected.id].reasons)["recent_assignments"] == {"count": 0}
    ranked = [m.expert_id for m in matches.values()]
    assert ranked.index(rested.id) < ranked.index(worked.id)
    assert matches[worked.id].score == matches[rested.id].score - 50


def test_earnings_warning_from_payout_items_of_the_month():
    session = next_month_day(20)
    order = factories.order(sessions=[(session, 45)])  # a 30 € lecture
    over = factories.expert(monthly_earnings_limit=Decimal("59.99"))
    exactly = factories.expert(monthly_earnings_limit=Decimal("60.00"))
    yearly = factories.expert(yearly_earnings_limit=Decimal("40.00"))
    other_month = factories.expert(monthly_earnings_limit=Decimal("30.00"))
    for expert in (over, exactly, yearly):
        paid_assignment(expert, next_month_day(3))
    paid_assignment(other_month, next_month_day(1, hour=0) - HOUR)  # the month before
    matches = {m.expert_id: m for m in match_order(reload(order))}
    year, month = to_helsinki(session).year, to_helsinki(session).month
    assert matches[over.id].warnings == (("earnings_limit_month", {
        "year": year, "month": month, "limit": "59.99", "after": "60.00"}),)
    assert matches[exactly.id].warnings == ()
    assert matches[yearly.id].warnings == (("earnings_limit_year", {
        "year": year, "limit": "40.00", "after": "60.00"}),)
    assert matches[other_month.id].warnings == ()


def test_the_fee_comes_from_the_orders_kept_schedule(start):
    schedule = FeeSchedule(name="Testitaksa", effective_from=date(2090, 1, 1))
    schedule.rules.append(FeeRuleRow(assignment_type=factories.assignment_type("lecture"),
                                     amount=Decimal("50.00"), unit_minutes=45))
    db.session.add(schedule)
    db.session.flush()
    order = factories.order(sessions=[(start, 45)], fee_schedule_id=schedule.id)
    limited = factories.expert(monthly_earnings_limit=Decimal("40.00"))
    [match] = [m for m in match_order(reload(order)) if m.expert_id == limited.id]
    assert match.warnings[0][1]["after"] == "50.00"


def test_remote_order(start):
    order = factories.order(sessions=[(start, 45)], remote=True)
    far = factories.expert(home_municipality_code="564", travel_range_km=0)  # Oulu
    on_site_only = factories.expert(remote_ok=False)
    matches = {m.expert_id: m for m in match_order(reload(order))}
    assert far.id in matches and on_site_only.id not in matches
    assert matches[far.id].distance_km is None


def test_same_data_same_ranking(start):
    order = factories.order(sessions=[(start, 45)])
    for code in ("609", "837", "609", "091", "837"):
        factories.expert(home_municipality_code=code, travel_range_km=500)
    first = match_order(reload(order))
    assert first == match_order(reload(order))
    keys = [(-m.score, m.expert_id) for m in first]
    assert keys == sorted(keys)


def _pool(count: int, start: datetime) -> None:
    """``count`` candidates with every kind of fact the query loads."""
    now = utcnow()
    for number in range(count):
        expert = factories.expert(
            home_municipality_code=("609", "837", "091")[number % 3], travel_range_km=400,
            monthly_earnings_limit=Decimal("100.00") if number % 2 else None,
            yearly_earnings_limit=Decimal("1000.00") if number % 3 else None,
        )
        if number % 4 == 0:
            paid_assignment(expert, now - timedelta(days=number + 1))
        if number % 5 == 0:
            unavailable(expert, start + timedelta(days=1), start + timedelta(days=2))


def test_query_count_does_not_grow_with_the_number_of_experts(start):
    sessions = [(start, 180), (start + timedelta(days=40), 180)]  # two months
    order = factories.order(sessions=sessions, assignment_type_code="meeting")
    _pool(5, start)
    order = reload(order)
    with counted_statements() as few:
        assert len(match_order(order)) >= 5
    _pool(45, start)
    order = reload(order)
    with counted_statements() as many:
        assert len(match_order(order)) >= 50
    assert len(few) == len(many), (few, many)
    assert len(many) <= 12

