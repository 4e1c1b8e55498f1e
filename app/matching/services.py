"""Matching an order against the expert pool: facts from the database, ranking by `rules`.

`match_order` is the one entry point (the coordinator's page, the API and the
booking cascade use it). Its SQL statements do not grow with the number of
experts: besides loading the order (sessions, areas, type, venue) and its fee
schedule, one query selects the experts who pass the cheap hard filters
(verified, not on a break, every expertise area, type of work, language, remote
work, and a north-south bound of the travel range) together with their home
coordinates, paid assignments of the last 90 days, earnings in the order's
months and years (only for experts who set a limit) and whether they were
invited already; a second brings the bookings and unavailabilities of the same
pool that overlap the sessions. The exact rules, distances and the ranking are
in `app.matching.rules`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from math import pi

from sqlalchemy import Float, and_, bindparam, case, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import joinedload

from app.bookings.models import Assignment, Invitation, Order
from app.common.timeutil import helsinki_to_utc, to_helsinki, utcnow
from app.experts.models import (
    VERIFIED,
    ExpertArea,
    ExpertAssignmentType,
    ExpertLanguage,
    ExpertProfile,
    Unavailability,
)
from app.extensions import db
from app.fees.models import FeeRuleRow, FeeSchedule
from app.fees.services import quote, schedule_in_force
from app.matching.distance import EARTH_RADIUS_KM, ROAD_FACTOR
from app.matching.rules import CandidateFacts, Interval, Match, OrderNeeds, month_key, rank
from app.payouts.models import PayoutItem
from app.reference.models import Municipality

#: Fair rotation looks at paid assignments in this many days before now.
RECENT_DAYS = 90
#: Cancelled bookings free the expert's time; every other assignment state keeps it.
CANCELLED_ASSIGNMENT_STATUSES = ("cancelled_by_organisation", "cancelled_by_expert")
#: Rejected payout items are neither paid work nor earnings; every other state is.
NOT_EARNED_PAYOUT_STATUSES = ("rejected",)
#: Distances are rounded to 0.1 km before the range is compared; the SQL bound allows for it.
RANGE_SLACK_KM = 0.1
#: A session lasts at most a day, so an overlapping booking starts at most a day earlier.
MAX_SESSION = timedelta(minutes=1440)
ZERO = Decimal("0.00")


def session_intervals(order: Order) -> tuple[Interval, ...]:
    """Every session of the order as a UTC [start, end) interval."""
    return tuple(
        (s.starts_at, s.starts_at + timedelta(minutes=s.duration_minutes)) for s in order.sessions
    )


def _kept_schedule(order: Order) -> FeeSchedule:
    """The fee schedule the order kept, or the one in force on its first session's date."""
    if order.fee_schedule_id is not None:
        schedule = db.session.execute(
            select(FeeSchedule)
            .where(FeeSchedule.id == order.fee_schedule_id)
            .options(joinedload(FeeSchedule.rules).joinedload(FeeRuleRow.assignment_type))
        ).unique().scalar_one_or_none()
        if schedule is not None:
            return schedule
    return schedule_in_force(to_helsinki(order.starts_at).date())


def order_needs(order: Order) -> OrderNeeds:
    """What ``order`` asks for, with one expert's fee per month of its sessions."""
    schedule = _kept_schedule(order)
    code = order.assignment_type.code
    fee_by_month: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for session in order.sessions:
        fee = quote(code, session.duration_minutes, to_helsinki(session.starts_at).date(),
                    remote=True, travel=None, schedule=schedule).fee
        fee_by_month[month_key(session.starts_at)] += fee
    venue = None if order.remote else order.municipality
    return OrderNeeds(
        area_slugs=frozenset(area.slug for area in order.expertise_areas),
        language=order.language,
        type_code=code,
        remote=order.remote,
        venue_lat=venue.latitude if venue else None,
        venue_lon=venue.longitude if venue else None,
        sessions=session_intervals(order),
        fee_by_month=dict(fee_by_month),
    )


def _month_start(year: int, month: int) -> datetime:
    return helsinki_to_utc(date(year, month, 1), time(0))


def _next_month_start(year: int, month: int) -> datetime:
    return _month_start(year + month // 12, month % 12 + 1)


def _earned(limit_column, key: str):
    """Fees earned between the parameters ``<key>_from`` and ``<key>_to`` by the row's
    expert; computed only when the expert has set ``limit_column``."""
    earned = (
        select(func.sum(PayoutItem.fee))
        .where(
            PayoutItem.expert_id == ExpertProfile.id,
            PayoutItem.work_date >= bindparam(f"{key}_from"),
            PayoutItem.work_date < bindparam(f"{key}_to"),
            PayoutItem.status.not_in(NOT_EARNED_PAYOUT_STATUSES),
        )
        .scalar_subquery()
    )
    return case((limit_column.is_not(None), earned), else_=None)


def _pool(areas: int):
    """The experts of the order's first expertise area (parameter ``area_0``): a small,
    indexed set of ids that drives both queries; the other filters are then index
    look-ups per expert."""
    if not areas:
        return select(ExpertProfile.id).where(ExpertProfile.status == VERIFIED)
    return select(ExpertArea.expert_id).where(ExpertArea.area_id == bindparam("area_0"))


def _may_be_in_range():
    """A necessary condition for the travel range that SQL can test without trigonometry.

    The great-circle distance is at least the north-south distance, so an expert
    whose latitude alone is farther from the venue (parameter ``venue_lat``) than
    their range is out of range. The exact check stays in `rules.filter_reasons`.
    Experts without a home municipality (no latitude) cannot take on-site work and
    drop out here.
    """
    km_per_degree = EARTH_RADIUS_KM * pi / 180 * ROAD_FACTOR
    return (
        func.abs(Municipality.latitude - bindparam("venue_lat", type_=Float))
        * km_per_degree
        <= ExpertProfile.travel_range_km + RANGE_SLACK_KM
    )


@dataclass(frozen=True)
class _Shape:
    """What the SQL of a match depends on; the values themselves are bound parameters."""

    areas: int
    sessions: int
    months: int
    years: int
    remote: bool


@lru_cache(maxsize=256)
def _statements(shape: _Shape):
    """The candidate and busy-time queries of one shape, built once per process."""
    return _candidate_query(shape), _busy_query(shape)


def _candidate_query(shape: _Shape):
    """Experts passing the cheap filters, with what ranking needs. The earnings columns
    (``month_<i>`` then ``year_<i>``) follow the fixed columns."""
    recent = (
        select(func.count())
        .where(
            PayoutItem.expert_id == ExpertProfile.id,
            PayoutItem.work_date >= bindparam("recent_from"),
            PayoutItem.work_date <= bindparam("recent_to"),
            PayoutItem.status.not_in(NOT_EARNED_PAYOUT_STATUSES),
        )
        .scalar_subquery()
    )
    invited = exists().where(
        Invitation.order_id == bindparam("order_id"), Invitation.expert_id == ExpertProfile.id
    )
    earnings = [
        _earned(ExpertProfile.monthly_earnings_limit, f"month_{i}") for i in range(shape.months)
    ] + [_earned(ExpertProfile.yearly_earnings_limit, f"year_{i}") for i in range(shape.years)]
    query = (
        select(
            ExpertProfile.id,
            ExpertProfile.display_name,
            ExpertProfile.paused_until,
            ExpertProfile.travel_range_km,
            ExpertProfile.remote_ok,
            ExpertProfile.monthly_earnings_limit,
            ExpertProfile.yearly_earnings_limit,
            Municipality.latitude,
            Municipality.longitude,
            recent,
            invited,
            *earnings,
        )
        .outerjoin(Municipality, Municipality.code == ExpertProfile.home_municipality_code)
        .where(ExpertProfile.id.in_(_pool(shape.areas)))
        .where(ExpertProfile.status == VERIFIED)
        .where(or_(ExpertProfile.paused_until.is_(None),
                   ExpertProfile.paused_until <= bindparam("first_day")))
        .where(exists().where(
            ExpertAssignmentType.expert_id == ExpertProfile.id,
            ExpertAssignmentType.assignment_type_id == bindparam("type_id"),
        ))
        .where(exists().where(
            ExpertLanguage.expert_id == ExpertProfile.id,
            ExpertLanguage.language == bindparam("language"),
        ))
        .order_by(ExpertProfile.id)
    )
    for i in range(1, shape.areas):
        query = query.where(exists().where(
            ExpertArea.expert_id == ExpertProfile.id, ExpertArea.area_id == bindparam(f"area_{i}")
        ))
    if shape.remote:
        return query.where(ExpertProfile.remote_ok.is_(True))
    return query.where(_may_be_in_range())


def _busy_query(shape: _Shape):
    """Bookings (not cancelled) and unavailabilities of the experts in the pool that
    overlap a session [``session_<i>_start``, ``session_<i>_end``)."""
    pool = _pool(shape.areas)
    booked = select(
        Assignment.expert_id, Assignment.starts_at, Assignment.ends_at, literal("booked")
    ).where(
        Assignment.expert_id.in_(pool),
        Assignment.status.not_in(CANCELLED_ASSIGNMENT_STATUSES),
        or_(*[
            and_(
                # Bookings last at most a day: this bound lets the index on starts_at work.
                Assignment.starts_at > bindparam(f"session_{i}_earliest"),
                Assignment.starts_at < bindparam(f"session_{i}_end"),
                Assignment.ends_at > bindparam(f"session_{i}_start"),
            )
            for i in range(shape.sessions)
        ]),
    )
    unavailable = select(
        Unavailability.expert_id, Unavailability.starts_at, Unavailability.ends_at,
        literal("unavailable"),
    ).where(
        Unavailability.expert_id.in_(pool),
        or_(*[
            and_(Unavailability.starts_at < bindparam(f"session_{i}_end"),
                 Unavailability.ends_at > bindparam(f"session_{i}_start"))
            for i in range(shape.sessions)
        ]),
    )
    return union_all(booked, unavailable)


def _parameters(order: Order, need: OrderNeeds, now: datetime, area_ids: list[int],
                months: list[tuple[int, int]], years: list[int]) -> dict:
    """The values of the bound parameters of `_statements`."""
    values = {
        "order_id": order.id,
        "type_id": order.assignment_type_id,
        "language": order.language,
        "first_day": need.first_day,
        "recent_from": now - timedelta(days=RECENT_DAYS),
        "recent_to": now,
        "venue_lat": need.venue_lat,
    }
    values.update({f"area_{i}": area_id for i, area_id in enumerate(area_ids)})
    for i, (start, end) in enumerate(need.sessions):
        values.update({f"session_{i}_start": start, f"session_{i}_end": end,
                       f"session_{i}_earliest": start - MAX_SESSION})
    for i, (year, month) in enumerate(months):
        values.update({f"month_{i}_from": _month_start(year, month),
                       f"month_{i}_to": _next_month_start(year, month)})
    for i, year in enumerate(years):
        values.update({f"year_{i}_from": _month_start(year, 1),
                       f"year_{i}_to": _month_start(year + 1, 1)})
    return values


def candidate_facts(order: Order, need: OrderNeeds, now: datetime) -> list[CandidateFacts]:
    """The facts of every expert who passes the SQL filters (two queries).

    Status, expertise areas, type of work and language are checked in SQL, so the
    facts record the ones the order asks for; `rules.filter_reasons` checks the rest.
    """
    area_ids = sorted(area.id for area in order.expertise_areas)
    months, years = sorted(need.fee_by_month), sorted(need.fee_by_year)
    shape = _Shape(len(area_ids), len(need.sessions), len(months), len(years), need.remote)
    candidates, overlapping = _statements(shape)
    values = _parameters(order, need, now, area_ids, months, years)
    rows = db.session.execute(candidates, values).all()
    busy: dict[int, dict[str, list[Interval]]] = defaultdict(lambda: defaultdict(list))
    for expert_id, starts_at, ends_at, kind in db.session.execute(overlapping, values):
        busy[expert_id][kind].append((starts_at, ends_at))
    languages = frozenset({need.language})
    type_codes = frozenset({need.type_code})
    facts = []
    for (expert_id, display_name, paused_until, travel_range_km, remote_ok, monthly_limit,
         yearly_limit, latitude, longitude, recent, invited, *earned) in rows:
        periods = busy.get(expert_id, {})
        by_month = by_year = {}
        if monthly_limit is not None:
            by_month = {key: amount or ZERO for key, amount in zip(months, earned, strict=False)}
        if yearly_limit is not None:
            by_year = {
                year: amount or ZERO
                for year, amount in zip(years, earned[len(months):], strict=True)
            }
        facts.append(CandidateFacts(
            expert_id=expert_id,
            display_name=display_name,
            status=VERIFIED,
            paused_until=paused_until,
            area_slugs=need.area_slugs,
            languages=languages,
            type_codes=type_codes,
            home_lat=latitude,
            home_lon=longitude,
            travel_range_km=travel_range_km,
            remote_ok=remote_ok,
            booked=tuple(periods.get("booked", ())),
            unavailable=tuple(periods.get("unavailable", ())),
            recent_assignments=recent or 0,
            earnings_by_month=by_month,
            earnings_by_year=by_year,
            monthly_limit=monthly_limit,
            yearly_limit=yearly_limit,
            already_invited=bool(invited),
        ))
    return facts


def match_order(order: Order, now: datetime | None = None) -> list[Match]:
    """The ranked candidates for ``order``, best first (see `app.matching.rules`).

    ``now`` sets the 90-day window of fair rotation. The number of SQL statements
    does not depend on the number of experts.
    """
    now = now or utcnow()
    need = order_needs(order)
    return rank(candidate_facts(order, need, now), need)
