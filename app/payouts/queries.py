"""Read helpers for the finance pages and the expert's money pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.bookings.models import Assignment
from app.common.errors import DomainError, NotFound
from app.common.paging import Page, keyset_page
from app.common.timeutil import helsinki_to_utc, to_helsinki
from app.experts.models import ExpertProfile
from app.extensions import db
from app.fees.errors import FeeError
from app.fees.rules import describe_line
from app.payouts.models import PayoutBatch, PayoutItem
from app.web.templating import line_formats

#: Rejected payout items are not earnings; every other state is (or will be) paid.
NOT_EARNED_STATUSES = ("rejected",)
ZERO = Decimal("0.00")


def _with_rows_needs(stmt):
    """Load what the finance lists use with the rows: the expert's name, the order's title,
    the report (for the four-eyes check)."""
    return stmt.options(
        selectinload(PayoutItem.expert).selectinload(ExpertProfile.user),
        selectinload(PayoutItem.assignment).selectinload(Assignment.order),
        selectinload(PayoutItem.assignment).selectinload(Assignment.report),
    )


def payout_items(status: str | None = None, *, limit: int | None = None) -> list[PayoutItem]:
    """The first ``limit`` payout items (of one status), oldest first."""
    query = _with_rows_needs(select(PayoutItem)).order_by(PayoutItem.id)
    if status:
        query = query.where(PayoutItem.status == status)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def payout_page(status: str | None, *, cursor: str | None, limit: int) -> Page:
    """One page of payout items (of one status, filtered in SQL), oldest first."""
    stmt = _with_rows_needs(select(PayoutItem))
    if status:
        stmt = stmt.where(PayoutItem.status == status)
    return keyset_page(db.session, stmt, [PayoutItem.id], cursor=cursor, limit=limit,
                       descending=False)


def payout_count(status: str | None) -> int:
    """How many payout items there are (of one status), counted in SQL."""
    stmt = select(func.count()).select_from(PayoutItem)
    if status:
        stmt = stmt.where(PayoutItem.status == status)
    return db.session.scalar(stmt) or 0


def payout_item(item_id: int) -> PayoutItem:
    item = db.session.get(PayoutItem, item_id)
    if item is None:
        raise NotFound("The payout was not found.", code="payout_not_found")
    return item


def status_totals() -> dict[str, tuple[int, object]]:
    """Count and sum of net payments per payout status."""
    rows = db.session.execute(
        select(PayoutItem.status, func.count(), func.sum(PayoutItem.total_paid)).group_by(
            PayoutItem.status
        )
    )
    return {status: (count, total) for status, count, total in rows}


def batches(limit: int | None = None) -> list[PayoutBatch]:
    """The newest ``limit`` payment batches (all without a limit)."""
    stmt = select(PayoutBatch).order_by(PayoutBatch.created_at.desc(), PayoutBatch.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def batch_page(*, cursor: str | None, limit: int) -> Page:
    """One page of payment batches, newest first."""
    return keyset_page(db.session, select(PayoutBatch), [PayoutBatch.created_at, PayoutBatch.id],
                       cursor=cursor, limit=limit)


def item_ids_of(batch_ids: list[int]) -> dict[int, list[int]]:
    """The payout item ids of each batch, in one query."""
    found: dict[int, list[int]] = {batch_id: [] for batch_id in batch_ids}
    if batch_ids:
        for batch_id, item_id in db.session.execute(
                select(PayoutItem.batch_id, PayoutItem.id)
                .where(PayoutItem.batch_id.in_(batch_ids)).order_by(PayoutItem.id)):
            found[batch_id].append(item_id)
    return found


def batch(batch_id: int) -> PayoutBatch:
    found = db.session.get(PayoutBatch, batch_id)
    if found is None:
        raise NotFound("The payment batch was not found.", code="batch_not_found")
    return found


def batch_items_page(batch_id: int, *, cursor: str | None, limit: int) -> Page:
    """One page of a batch's payout items, by expert."""
    stmt = _with_rows_needs(select(PayoutItem).where(PayoutItem.batch_id == batch_id))
    return keyset_page(db.session, stmt, [PayoutItem.expert_id, PayoutItem.id], cursor=cursor,
                       limit=limit, descending=False)


# --- the expert's earnings ------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """Sums of a set of payout items (rejected ones are never counted)."""

    count: int
    fee: Decimal
    withholding: Decimal
    net_fee: Decimal
    travel: Decimal
    per_diem: Decimal
    total_paid: Decimal
    #: The part of ``total_paid`` already paid to the expert's account.
    paid: Decimal


def totals_of(items: list[PayoutItem]) -> Totals:
    earned = [i for i in items if i.status not in NOT_EARNED_STATUSES]

    def total(name: str) -> Decimal:
        return sum((getattr(i, name) for i in earned), ZERO)

    return Totals(
        count=len(earned), fee=total("fee"), withholding=total("withholding"),
        net_fee=total("net_fee"), travel=total("travel"), per_diem=total("per_diem"),
        total_paid=total("total_paid"),
        paid=sum((i.total_paid for i in earned if i.status == "paid"), ZERO),
    )


@dataclass(frozen=True)
class Gauge:
    """Earned fees against a personal limit (a warning for the expert, never a block)."""

    earned: Decimal
    limit: Decimal

    @property
    def left(self) -> Decimal:
        return max(self.limit - self.earned, ZERO)

    @property
    def over(self) -> Decimal:
        return max(self.earned - self.limit, ZERO)

    @property
    def percent(self) -> int:
        """Whole percent of the limit used (100 and more when reached)."""
        if self.limit <= 0:
            return 100 if self.earned > 0 else 0
        return int(self.earned * 100 / self.limit)

    @property
    def shown(self) -> Decimal:
        """The value for a <meter>, which cannot go past its maximum."""
        return min(self.earned, self.limit)


@dataclass(frozen=True)
class MonthTotals:
    month: int
    totals: Totals
    #: True when the month's fees are over the expert's monthly limit.
    over_limit: bool


@dataclass(frozen=True)
class YearEarnings:
    """One expert's payouts of one calendar year (Helsinki time, by the date of the work)."""

    year: int
    items: list[PayoutItem]
    months: list[MonthTotals]
    total: Totals
    #: This month's fees against the monthly limit (current year only), or None.
    month_gauge: Gauge | None
    #: The year's fees so far against the yearly limit, or None.
    year_gauge: Gauge | None
    current_month: int | None


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return helsinki_to_utc(date(year, 1, 1), time(0)), helsinki_to_utc(date(year + 1, 1, 1),
                                                                        time(0))


def expert_items(expert_id: int, year: int) -> list[PayoutItem]:
    """The expert's payout items whose work was in ``year``, in date order."""
    start, end = _year_bounds(year)
    return list(db.session.scalars(
        select(PayoutItem)
        .where(PayoutItem.expert_id == expert_id, PayoutItem.work_date >= start,
               PayoutItem.work_date < end)
        .options(selectinload(PayoutItem.assignment).selectinload(Assignment.order),
                 selectinload(PayoutItem.assignment).selectinload(Assignment.report),
                 selectinload(PayoutItem.batch))
        .order_by(PayoutItem.work_date, PayoutItem.id)
    ))


def year_earnings(expert: ExpertProfile, year: int, now: datetime) -> YearEarnings:
    """Totals per month and for the year, and the gauges against the expert's own limits."""
    items = expert_items(expert.id, year)
    by_month: dict[int, list[PayoutItem]] = {m: [] for m in range(1, 13)}
    for item in items:
        by_month[to_helsinki(item.work_date).month].append(item)
    monthly_limit = expert.monthly_earnings_limit
    months = []
    for month, own in by_month.items():
        sums = totals_of(own)
        months.append(MonthTotals(month, sums, monthly_limit is not None
                                  and sums.fee > monthly_limit))
    total = totals_of(items)
    today = to_helsinki(now)
    current_month = today.month if today.year == year else None
    month_gauge = None
    if monthly_limit is not None and current_month is not None:
        month_gauge = Gauge(months[current_month - 1].totals.fee, monthly_limit)
    year_gauge = None
    if expert.yearly_earnings_limit is not None:
        year_gauge = Gauge(total.fee, expert.yearly_earnings_limit)
    return YearEarnings(year=year, items=items, months=months, total=total,
                        month_gauge=month_gauge, year_gauge=year_gauge,
                        current_month=current_month)


def earning_years(expert_id: int, now: datetime) -> list[int]:
    """Years with payouts for the expert, and the current year, newest first."""
    years = {to_helsinki(moment).year for moment in db.session.scalars(
        select(PayoutItem.work_date).where(PayoutItem.expert_id == expert_id))}
    years.add(to_helsinki(now).year)
    return sorted(years, reverse=True)


@dataclass(frozen=True)
class Explanation:
    """How an item's amount came about, line by line, in the page's language."""

    lines: list[tuple[str, Decimal]]
    #: True when finance corrected the amounts after the report.
    corrected: bool


def explain_item(item: PayoutItem) -> Explanation:
    """The fee engine's lines for the reported work, when they still give the item's amounts;
    otherwise the stored fee, travel and daily allowance (e.g. after a correction)."""
    assignment = item.assignment
    report = assignment.report
    if assignment.fee_due_despite_cancellation and report is None:
        return Explanation([(gettext("Fee for work that the organisation cancelled late"),
                             item.fee)], False)
    if report is not None:
        from app.bookings.completion import price_report, report_claim

        try:
            priced = price_report(assignment, report_claim(report))
        except (DomainError, FeeError):
            priced = None
        if priced is not None and (priced.fee, priced.travel, priced.per_diem) == (
                item.fee, item.travel, item.per_diem):
            return Explanation(
                [(describe_line(line, gettext, **line_formats()), line.amount)
                 for line in priced.lines], False)
    lines = [(gettext("Fee"), item.fee)]
    if item.travel:
        lines.append((gettext("Travel costs"), item.travel))
    if item.per_diem:
        lines.append((gettext("Daily allowance"), item.per_diem))
    return Explanation(lines, report is not None)
