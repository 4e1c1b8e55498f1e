"""Fee schedules and travel rates from the database, handed to the pure rules."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.fees.errors import FeeError
from app.fees.models import FeeRuleRow, FeeSchedule, TravelRate
from app.fees.rules import (
    FeeRule,
    Quote,
    TravelClaim,
    TravelRates,
    compute_quote,
    rule_for,
)


class NoFeeSchedule(FeeError):
    """No fee schedule is in force on the date."""

    code = "no_fee_schedule"
    default_field = "date"
    default_message = "No fee schedule is in force on this date."


def schedule_in_force(day: date) -> FeeSchedule:
    """The schedule with the latest effective date on or before ``day``."""
    schedule = db.session.scalar(
        select(FeeSchedule)
        .where(FeeSchedule.effective_from <= day)
        .order_by(FeeSchedule.effective_from.desc())
        .options(selectinload(FeeSchedule.rules).selectinload(FeeRuleRow.assignment_type))
        .limit(1)
    )
    if schedule is None:
        raise NoFeeSchedule()
    return schedule


def fee_rules(schedule: FeeSchedule) -> dict[str, FeeRule]:
    return {
        row.assignment_type.code: FeeRule(row.assignment_type.code, row.amount, row.unit_minutes)
        for row in schedule.rules
    }


def travel_rates_for_year(year: int) -> TravelRates | None:
    row = db.session.get(TravelRate, year)
    if row is None:
        return None
    return TravelRates(
        year=row.year,
        car_per_km=row.car_per_km,
        passenger_per_km=row.passenger_per_km,
        per_diem_partial=row.per_diem_partial,
        per_diem_full=row.per_diem_full,
    )


def quote(
    assignment_type: str,
    duration_minutes: int,
    day: date,
    *,
    remote: bool,
    travel: TravelClaim | None,
    schedule: FeeSchedule | None = None,
) -> Quote:
    """The quote for one expert on ``day``, with the schedule in force then (or the given one)."""
    schedule = schedule or schedule_in_force(day)
    rule = rule_for(fee_rules(schedule), assignment_type)
    rates = None if remote or travel is None else travel_rates_for_year(day.year)
    return compute_quote(rule, duration_minutes, remote=remote, travel=travel, rates=rates)
