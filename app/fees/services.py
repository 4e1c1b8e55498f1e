"""Fee schedules and travel rates from the database, handed to the pure rules."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.audit.services import record_audit
from app.common.errors import Conflict, InvalidInput
from app.extensions import db
from app.fees.errors import FeeError
from app.fees.models import AssignmentType, FeeRuleRow, FeeSchedule, TravelRate
from app.fees.rules import (
    FeeRule,
    NoTravelRate,
    Quote,
    TravelClaim,
    TravelRates,
    compute_quote,
    needs_rates,
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


@dataclass(frozen=True)
class PublishedFee:
    """One line of the fees shown on the landing page: plain values, safe to keep."""

    assignment_type_id: int
    names: tuple[str, str, str]  # fi, sv, en
    amount: Decimal
    unit_minutes: int

    def name(self, language: str) -> str:
        fi, sv, en = self.names
        return {"sv": sv, "en": en}.get(language) or fi


#: The fees in force on one day, with the monotonic time they were read (this process only).
_published: dict[date, tuple[float, tuple[PublishedFee, ...] | None]] = {}


def published_fees(day: date, max_age: float, clock=time.monotonic
                   ) -> tuple[PublishedFee, ...] | None:
    """The fees of the schedule in force on ``day`` (None: no schedule), read from the
    database at most every ``max_age`` seconds in this process. A new schedule starts
    today at the earliest and `add_fee_schedule` forgets the kept fees, so other workers
    show it within ``max_age``."""
    now = clock()
    kept = _published.get(day)
    if kept is not None and now - kept[0] < max_age:
        return kept[1]
    try:
        schedule = schedule_in_force(day)
    except FeeError:
        fees = None
    else:
        fees = tuple(sorted(
            (PublishedFee(row.assignment_type_id, (row.assignment_type.name_fi,
                                                   row.assignment_type.name_sv,
                                                   row.assignment_type.name_en),
                          row.amount, row.unit_minutes) for row in schedule.rules),
            key=lambda fee: fee.assignment_type_id))
    _published.clear()  # only the current day is ever asked for
    _published[day] = (now, fees)
    return fees


def forget_published_fees() -> None:
    _published.clear()


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


def quote_with_schedule(
    assignment_type: str,
    duration_minutes: int,
    day: date,
    *,
    remote: bool,
    travel: TravelClaim | None,
    schedule: FeeSchedule | None = None,
) -> tuple[Quote, FeeSchedule]:
    """The quote for one expert on ``day`` and the schedule it used.

    The schedule is the one in force on ``day`` unless a booking kept its own.
    Travel rates are looked up first, so a year without rates says so; a claim
    of only tickets and parking needs no rates.
    """
    rates = travel_rates_for_year(day.year) if not remote and travel is not None else None
    if rates is None and not remote and travel is not None and needs_rates(travel):
        raise NoTravelRate(day.year)
    schedule = schedule or schedule_in_force(day)
    rule = rule_for(fee_rules(schedule), assignment_type)
    priced = compute_quote(rule, duration_minutes, remote=remote, travel=travel, rates=rates)
    return priced, schedule


def quote(
    assignment_type: str,
    duration_minutes: int,
    day: date,
    *,
    remote: bool,
    travel: TravelClaim | None,
    schedule: FeeSchedule | None = None,
) -> Quote:
    """The quote for one expert on ``day`` (see `quote_with_schedule`)."""
    return quote_with_schedule(
        assignment_type, duration_minutes, day, remote=remote, travel=travel, schedule=schedule
    )[0]


def current_schedules() -> list[FeeSchedule]:
    """Every schedule, newest first, with its rules."""
    return list(db.session.scalars(
        select(FeeSchedule)
        .options(selectinload(FeeSchedule.rules).selectinload(FeeRuleRow.assignment_type))
        .order_by(FeeSchedule.effective_from.desc())
    ))


def all_travel_rates() -> list[TravelRate]:
    return list(db.session.scalars(select(TravelRate).order_by(TravelRate.year.desc())))


def active_assignment_types() -> list[AssignmentType]:
    return list(db.session.scalars(
        select(AssignmentType).where(AssignmentType.active.is_(True)).order_by(AssignmentType.id)
    ))


def add_fee_schedule(
    actor, name: str, effective_from: date, rules: dict[str, tuple[Decimal, int]], *, today: date,
) -> FeeSchedule:
    """A new schedule from ``effective_from`` (today or later): past quotes never change.

    ``rules`` maps assignment type codes to (amount per unit, unit minutes); a
    type left out is not offered while this schedule is in force.
    """
    if effective_from < today:
        raise InvalidInput("A new fee schedule can start today at the earliest, so that "
                           "prices of the past never change.", code="date_in_past",
                           field="effective_from")
    if db.session.scalar(select(FeeSchedule).where(FeeSchedule.effective_from == effective_from)):
        raise Conflict("A fee schedule already starts on this date.", code="schedule_exists",
                       field="effective_from")
    if not rules:
        raise InvalidInput("Give a fee for at least one type of work.", code="no_rules")
    types = {t.code: t for t in db.session.scalars(select(AssignmentType))}
    schedule = FeeSchedule(name=name.strip(), effective_from=effective_from,
                           created_by_id=getattr(actor, "id", None))
    for code, (amount, unit_minutes) in rules.items():
        if code not in types:
            raise InvalidInput("Unknown type of work.", code="unknown_assignment_type")
        if amount <= 0 or unit_minutes <= 0:
            raise InvalidInput("Fees and unit lengths must be greater than zero.",
                               code="invalid_amount", field=code)
        schedule.rules.append(FeeRuleRow(assignment_type=types[code], amount=amount,
                                         unit_minutes=unit_minutes))
    db.session.add(schedule)
    db.session.flush()
    forget_published_fees()
    record_audit(actor, "fee_schedule_added", "fee_schedule", schedule.id,
                 effective_from=effective_from.isoformat(),
                 rules=", ".join(f"{code} {a}/{m} min" for code, (a, m) in rules.items()))
    return schedule


def add_travel_rates(
    actor, year: int, car_per_km: Decimal, passenger_per_km: Decimal,
    per_diem_partial: Decimal, per_diem_full: Decimal, source: str,
) -> TravelRate:
    """Rates for a year that has none yet; existing years are never rewritten."""
    if not 2000 <= year <= 2100:
        raise InvalidInput("Give a year between 2000 and 2100.", code="invalid_year", field="year")
    if db.session.get(TravelRate, year) is not None:
        raise Conflict("This year already has travel rates; they are never changed afterwards.",
                       code="rates_exist", field="year")
    for field, value in (("car_per_km", car_per_km), ("passenger_per_km", passenger_per_km),
                         ("per_diem_partial", per_diem_partial), ("per_diem_full", per_diem_full)):
        if value < 0:
            raise InvalidInput("Rates cannot be negative.", code="invalid_amount", field=field)
    rate = TravelRate(year=year, car_per_km=car_per_km, passenger_per_km=passenger_per_km,
                      per_diem_partial=per_diem_partial, per_diem_full=per_diem_full,
                      source=source.strip())
    db.session.add(rate)
    db.session.flush()
    record_audit(actor, "travel_rates_added", "travel_rate", year)
    return rate


def add_assignment_type(actor, code: str, name_fi: str, name_sv: str, name_en: str
                        ) -> AssignmentType:
    """A new type of work; it gets its fee in the next schedule that includes it."""
    code = code.strip().lower()
    if not code.replace("_", "").isalnum() or not code.isascii():
        raise InvalidInput("Use only lower-case letters, digits and underscores in the code.",
                           code="invalid_code", field="code")
    if db.session.scalar(select(AssignmentType).where(AssignmentType.code == code)):
        raise Conflict("A type of work with this code already exists.", code="type_exists",
                       field="code")
    kind = AssignmentType(code=code, name_fi=name_fi.strip(), name_sv=name_sv.strip(),
                          name_en=name_en.strip())
    db.session.add(kind)
    db.session.flush()
    forget_published_fees()
    record_audit(actor, "assignment_type_added", "assignment_type", kind.id, code=code)
    return kind
