"""Participation figures for coordinators (all organisations) and organisations (their own).

Every count and sum is computed by the database, one aggregate row per figure, so the
cost of a request does not grow with the data; Python only divides (exact decimals),
also for the Gini coefficient whose sums the database computes.
Periods are whole days in Helsinki time.
"""

from __future__ import annotations

import time as monotonic_time
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, distinct, func, select

from app.bookings.models import Assignment, Order, OrderSession, order_expertise_areas
from app.common.timeutil import helsinki_to_utc, utcnow
from app.experts.models import VERIFIED, ExpertProfile
from app.extensions import db
from app.fees.models import AssignmentType
from app.participation.channel.models import AnonymousFeedback
from app.participation.feedback.models import Feedback, ImpactReport
from app.participation.feedback.services import TOOK_PLACE
from app.participation.groups.models import (
    EvaluationAnswer,
    EvaluationResponse,
    GroupMember,
    ParticipationGroup,
)
from app.participation.rules import average, gini_from_sums, share
from app.payouts.models import PayoutItem
from app.reference.models import ExpertiseArea

#: Payout items that count as paid work (approved for payment, or paid).
PAID_STATUSES = ("approved", "in_batch", "paid")
FILLED_STATUSES = ("filled", "completed", "closed")
FAIRNESS_DAYS = 90
#: How many periods' figures a process keeps (the filters make any period possible).
KEPT_FIGURES = 32


@dataclass(frozen=True)
class Named:
    """A type of work or an expertise area as the figures show it: plain values, so that
    figures kept between requests hold no database objects."""

    id: int
    code: str
    name_fi: str
    name_sv: str | None
    name_en: str | None

    @classmethod
    def of(cls, row, code: str) -> Named:
        return cls(row.id, code, row.name_fi, row.name_sv, row.name_en)

    def name(self, language: str) -> str:
        return getattr(self, f"name_{language}", None) or self.name_fi


@dataclass(frozen=True)
class Period:
    """Whole days from ``start`` to ``end`` (both included), in Helsinki time."""

    start: date
    end: date

    @property
    def since(self):
        return helsinki_to_utc(self.start, time(0))

    @property
    def until(self):
        """The first moment after the period (exclusive bound)."""
        return helsinki_to_utc(self.end + timedelta(days=1), time(0))

    def months(self) -> list[tuple[int, int]]:
        months, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


def default_period(today: date) -> Period:
    """The current month and the eleven before it."""
    year, month = today.year, today.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return Period(date(year, month, 1), today)


@dataclass
class MonthRow:
    year: int
    month: int
    total: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Fairness:
    """How evenly paid work is spread over the verified experts (the whole bank)."""

    verified_experts: int
    active_recently: int
    share_active: Decimal | None
    gini: Decimal | None


@dataclass
class Figures:
    period: Period
    orders: int = 0
    orders_filled: int = 0
    orders_cancelled: int = 0
    orders_unfilled: int = 0
    assignments: int = 0
    experts: int = 0
    withdrawals: int = 0
    organisation_feedback: int = 0
    organisation_rating: Decimal | None = None
    expert_feedback: int = 0
    expert_rating: Decimal | None = None
    heard_answers: int = 0
    heard_yes: int = 0
    reports_requested: int = 0
    reports_answered: int = 0
    evaluation_answers: int = 0
    evaluation_average: Decimal | None = None
    fees: Decimal = Decimal("0.00")
    travel: Decimal = Decimal("0.00")
    allowances: Decimal = Decimal("0.00")
    groups_active: int = 0
    group_members: int = 0
    anonymous_messages: int | None = None
    months: list[MonthRow] = field(default_factory=list)
    types: list[Named] = field(default_factory=list)
    areas: list[tuple[Named, int]] = field(default_factory=list)
    fairness: Fairness | None = None
    #: When the database counted these figures (UTC).
    counted_at: datetime | None = None

    @property
    def fill_rate(self) -> Decimal | None:
        return share(self.orders_filled, self.orders)

    @property
    def heard_share(self) -> Decimal | None:
        return share(self.heard_yes, self.heard_answers)

    @property
    def report_back_rate(self) -> Decimal | None:
        return share(self.reports_answered, self.reports_requested)


def _scoped(query, organisation_id: int | None):
    return query if organisation_id is None else query.where(
        Order.organisation_id == organisation_id)


def _took_place(period: Period):
    return and_(Assignment.status.in_(TOOK_PLACE), Assignment.starts_at >= period.since,
                Assignment.starts_at < period.until)


def participation_figures(period: Period, organisation_id: int | None = None) -> Figures:
    """The figures of the period, for one organisation or (None) for the whole bank."""
    figures = Figures(period, counted_at=utcnow())
    _orders(figures, organisation_id)
    _assignments(figures, organisation_id)
    _feedback(figures, organisation_id)
    _reports(figures, organisation_id)
    _evaluations(figures, organisation_id)
    _money(figures, organisation_id)
    _groups(figures, organisation_id)
    _months(figures, organisation_id)
    _areas(figures, organisation_id)
    if organisation_id is None:
        figures.fairness = fairness(period)
        figures.anonymous_messages = db.session.scalar(
            select(func.count(AnonymousFeedback.id)).where(
                AnonymousFeedback.received_on >= period.start,
                AnonymousFeedback.received_on <= period.end))
    return figures


#: Figures counted earlier in this process: (period, organisation id or None) → (monotonic
#: time, figures).
_kept: dict[tuple[Period, int | None], tuple[float, Figures]] = {}


def kept_figures(period: Period, organisation_id: int | None, max_age: float,
                 clock=monotonic_time.monotonic) -> Figures:
    """`participation_figures`, counted at most every ``max_age`` seconds per period and
    organisation in this process (0: every time).

    Aggregating a year of a large bank's work takes the database longer the more work
    there is; the figures change slowly and the page says when they were counted, so a
    page view reuses them for a few minutes and its cost stays the same at any size.
    """
    if max_age <= 0:
        return participation_figures(period, organisation_id)
    key, now = (period, organisation_id), clock()
    kept = _kept.get(key)
    if kept is not None and now - kept[0] < max_age:
        return kept[1]
    figures = participation_figures(period, organisation_id)
    for old in [k for k, (at, _f) in _kept.items() if now - at >= max_age]:
        del _kept[old]
    while len(_kept) >= KEPT_FIGURES:
        del _kept[min(_kept, key=lambda k: _kept[k][0])]
    _kept[key] = (now, figures)
    return figures


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _orders(figures: Figures, organisation_id: int | None) -> None:
    period = figures.period
    query = _scoped(select(
        func.count(Order.id), _count_if(Order.status.in_(FILLED_STATUSES)),
        _count_if(Order.status == "cancelled"), _count_if(Order.status == "unfilled"),
    ).where(Order.status != "draft", Order.submitted_at >= period.since,
            Order.submitted_at < period.until), organisation_id)
    (figures.orders, figures.orders_filled, figures.orders_cancelled,
     figures.orders_unfilled) = db.session.execute(query).one()


def _assignments(figures: Figures, organisation_id: int | None) -> None:
    period = figures.period
    query = _scoped(select(func.count(Assignment.id), func.count(distinct(Assignment.expert_id)))
                    .join(Order, Order.id == Assignment.order_id)
                    .where(_took_place(period)), organisation_id)
    figures.assignments, figures.experts = db.session.execute(query).one()
    figures.withdrawals = db.session.scalar(_scoped(
        select(func.count(Assignment.id)).join(Order, Order.id == Assignment.order_id).where(
            Assignment.status == "cancelled_by_expert", Assignment.starts_at >= period.since,
            Assignment.starts_at < period.until), organisation_id))


def _feedback(figures: Figures, organisation_id: int | None) -> None:
    period = figures.period
    query = _scoped(
        select(Feedback.author_kind, func.count(Feedback.rating), func.sum(Feedback.rating),
               func.count(Feedback.input_heard), _count_if(Feedback.input_heard.is_(True)))
        .join(Assignment, Assignment.id == Feedback.assignment_id)
        .join(Order, Order.id == Assignment.order_id)
        .where(Assignment.starts_at >= period.since, Assignment.starts_at < period.until)
        .group_by(Feedback.author_kind), organisation_id)
    for kind, ratings, total, heard_answers, heard_yes in db.session.execute(query):
        if kind == "organisation":
            figures.organisation_feedback = ratings
            figures.organisation_rating = average(total, ratings)
        else:
            figures.expert_feedback = ratings
            figures.expert_rating = average(total, ratings)
            figures.heard_answers, figures.heard_yes = heard_answers, heard_yes


def _reports(figures: Figures, organisation_id: int | None) -> None:
    period = figures.period
    query = _scoped(select(func.count(ImpactReport.id), func.count(ImpactReport.answered_at))
                    .join(Order, Order.id == ImpactReport.order_id)
                    .where(ImpactReport.requested_at >= period.since,
                           ImpactReport.requested_at < period.until), organisation_id)
    figures.reports_requested, figures.reports_answered = db.session.execute(query).one()


def _evaluations(figures: Figures, organisation_id: int | None) -> None:
    period = figures.period
    query = (select(func.count(EvaluationAnswer.score), func.sum(EvaluationAnswer.score))
             .join(EvaluationResponse, EvaluationResponse.id == EvaluationAnswer.response_id)
             .join(OrderSession, OrderSession.id == EvaluationResponse.session_id)
             .join(ParticipationGroup, ParticipationGroup.id == EvaluationResponse.group_id)
             .where(OrderSession.starts_at >= period.since,
                    OrderSession.starts_at < period.until))
    if organisation_id is not None:
        query = query.where(ParticipationGroup.organisation_id == organisation_id)
    count, total = db.session.execute(query).one()
    figures.evaluation_answers = count
    figures.evaluation_average = average(total, count)


def _money(figures: Figures, organisation_id: int | None) -> None:
    period = figures.period
    query = _scoped(
        select(func.sum(PayoutItem.fee), func.sum(PayoutItem.travel),
               func.sum(PayoutItem.per_diem))
        .join(Assignment, Assignment.id == PayoutItem.assignment_id)
        .join(Order, Order.id == Assignment.order_id)
        .where(PayoutItem.status.in_(PAID_STATUSES), PayoutItem.work_date >= period.since,
               PayoutItem.work_date < period.until), organisation_id)
    fees, travel, allowances = db.session.execute(query).one()
    zero = Decimal("0.00")
    figures.fees, figures.travel, figures.allowances = (fees or zero, travel or zero,
                                                        allowances or zero)


def _groups(figures: Figures, organisation_id: int | None) -> None:
    query = (select(func.count(distinct(ParticipationGroup.id)), func.count(GroupMember.id))
             .outerjoin(GroupMember, and_(GroupMember.group_id == ParticipationGroup.id,
                                          GroupMember.status == "active"))
             .where(ParticipationGroup.status == "active"))
    if organisation_id is not None:
        query = query.where(ParticipationGroup.organisation_id == organisation_id)
    figures.groups_active, figures.group_members = db.session.execute(query).one()


def _months(figures: Figures, organisation_id: int | None) -> None:
    """Work that took place per month and type (month bounds in Helsinki time)."""
    months = figures.period.months()
    bounds = []
    for year, month in months:
        first = max(date(year, month, 1), figures.period.start)
        after = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        after = min(after, figures.period.end + timedelta(days=1))
        bounds.append((helsinki_to_utc(first, time(0)), helsinki_to_utc(after, time(0))))
    index = case(*[
        (and_(Assignment.starts_at >= start, Assignment.starts_at < end), position)
        for position, (start, end) in enumerate(bounds)
    ], else_=-1).label("month")
    query = _scoped(
        select(index, AssignmentType.code, func.count(Assignment.id))
        .join(Order, Order.id == Assignment.order_id)
        .join(AssignmentType, AssignmentType.id == Order.assignment_type_id)
        .where(_took_place(figures.period))
        .group_by(index, AssignmentType.code), organisation_id)
    rows = [MonthRow(year, month) for year, month in months]
    for position, code, count in db.session.execute(query):
        if 0 <= position < len(rows):
            rows[position].by_type[code] = count
            rows[position].total += count
    figures.months = rows
    used = {code for row in rows for code in row.by_type}
    figures.types = [Named.of(t, t.code) for t in db.session.scalars(
        select(AssignmentType).order_by(AssignmentType.id)) if t.code in used]


def _areas(figures: Figures, organisation_id: int | None) -> None:
    """Work that took place by expertise area of the order (an order may have several)."""
    query = _scoped(
        select(ExpertiseArea, func.count(Assignment.id))
        .join(order_expertise_areas, order_expertise_areas.c.area_id == ExpertiseArea.id)
        .join(Order, Order.id == order_expertise_areas.c.order_id)
        .join(Assignment, Assignment.order_id == Order.id)
        .where(_took_place(figures.period))
        .group_by(ExpertiseArea.id), organisation_id)
    figures.areas = sorted(((Named.of(area, area.slug), count)
                            for area, count in db.session.execute(query)),
                           key=lambda pair: (-pair[1], pair[0].id))


def fairness(period: Period) -> Fairness:
    """Share of verified experts with paid work in the last 90 days of the period, and the
    Gini coefficient of the verified experts' numbers of assignments in the period."""
    per_expert = (
        select(func.count(Assignment.id).label("work")).select_from(ExpertProfile)
        .outerjoin(Assignment, and_(Assignment.expert_id == ExpertProfile.id,
                                    _took_place(period)))
        .where(ExpertProfile.status == VERIFIED)
        .group_by(ExpertProfile.id)).subquery()
    ranked = select(per_expert.c.work, func.row_number().over(
        order_by=per_expert.c.work).label("rank")).subquery()
    experts, total, weighted = db.session.execute(select(
        func.count(), func.coalesce(func.sum(ranked.c.work), 0),
        func.coalesce(func.sum(ranked.c.rank * ranked.c.work), 0))).one()
    recent_since = period.until - timedelta(days=FAIRNESS_DAYS)
    active = db.session.scalar(
        select(func.count(distinct(Assignment.expert_id)))
        .join(ExpertProfile, ExpertProfile.id == Assignment.expert_id)
        .where(ExpertProfile.status == VERIFIED, Assignment.status.in_(TOOK_PLACE),
               Assignment.starts_at >= recent_since, Assignment.starts_at < period.until))
    return Fairness(experts, active, share(active, experts),
                    gini_from_sums(experts, int(total), int(weighted)))
