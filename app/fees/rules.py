"""The fee and travel engine: pure computation, no Flask, no database.

Plain values in, exact `Decimal` out. The fee follows the Satakunta
recommendation: units = max(1, ceil(duration / unit length)), each unit paid
at the schedule's amount. Travel follows the state travel regulation with the
tax-free rates of the travel date's year: own car as one line of
km × (car rate + passengers × passenger rate), rounded once, as the Tax
Administration states it (the passenger supplement raises the per-km rate);
public transport and parking as paid (they need no rates); and a partial
(> 6 h) or full (> 10 h) daily allowance when the venue is more than 15 km
from home, halved when free meals were provided. Every line is rounded to
cents half-up before summing.

Schedules and rates come from the database; callers pick them
(`rule_for`, `rates_for`) and pass them in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from app.fees.errors import (
    AmountOutOfRange,
    FeeError,
    InvalidAmount,
    InvalidDuration,
    InvalidTravel,
    InvalidWithholding,
    NoTravelRate,
    UnknownAssignmentType,
)
from app.fees.money import format_eur, parse_decimal, round_cents

__all__ = [
    "DEFAULT_WITHHOLDING_PERCENT",
    "LINE_KINDS",
    "MAX_DURATION_MINUTES",
    "PER_DIEM_KINDS",
    "TRAVEL_KINDS",
    "AmountOutOfRange",
    "FeeError",
    "FeeRule",
    "InvalidAmount",
    "InvalidDuration",
    "InvalidTravel",
    "InvalidWithholding",
    "Line",
    "NoTravelRate",
    "PayoutAmounts",
    "PayoutBasis",
    "Quote",
    "TravelClaim",
    "TravelRates",
    "UnknownAssignmentType",
    "compute_payout",
    "compute_quote",
    "describe_line",
    "fee_units",
    "kilometre_parts",
    "needs_rates",
    "rates_for",
    "rule_for",
]

#: Longest assignment a quote accepts, in minutes.
MAX_DURATION_MINUTES = 24 * 60
#: The daily allowance needs the venue strictly farther than this from home (one way).
PER_DIEM_MIN_ONE_WAY_KM = Decimal(15)
#: Trip lengths (leaving home to returning) that must be strictly exceeded.
PARTIAL_PER_DIEM_HOURS = Decimal(6)
FULL_PER_DIEM_HOURS = Decimal(10)
#: Free meals that halve the partial and the full allowance.
MEALS_HALVING_PARTIAL = 1
MEALS_HALVING_FULL = 2
#: Withholding when the expert has given no tax card.
DEFAULT_WITHHOLDING_PERCENT = Decimal(60)

ZERO = Decimal("0.00")
HALF = Decimal("0.5")

TRAVEL_KINDS = ("car", "public_transport", "parking")
PER_DIEM_KINDS = ("per_diem_partial", "per_diem_full")
LINE_KINDS = ("fee", *TRAVEL_KINDS, *PER_DIEM_KINDS)

#: Upper limits of the travel claim's decimal fields; anything above is not one day's trip.
_DECIMAL_LIMITS = {
    "km_driven": Decimal(5000),
    "public_transport_eur": Decimal(1000),
    "parking_eur": Decimal(1000),
    "trip_hours": Decimal(24),
    "one_way_km": Decimal(5000),
}
#: Upper limits of the travel claim's whole-number fields.
_INTEGER_LIMITS = {"passengers": 8, "free_meals": 3}
#: Plain-language names of the fields, for error messages.
_LABELS = {
    "km_driven": "Kilometres driven",
    "passengers": "The number of passengers",
    "public_transport_eur": "Public transport costs",
    "parking_eur": "Parking costs",
    "trip_hours": "The length of the trip in hours",
    "one_way_km": "The one-way distance",
    "free_meals": "The number of free meals",
}


@dataclass(frozen=True)
class FeeRule:
    """One assignment type of a fee schedule: ``amount`` per started unit of ``unit_minutes``."""

    assignment_type: str
    amount: Decimal
    unit_minutes: int

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("FeeRule.amount must be a Decimal")
        if not self.amount.is_finite() or self.amount < 0:
            raise ValueError("FeeRule.amount must be a non-negative Decimal")
        if isinstance(self.unit_minutes, bool) or not isinstance(self.unit_minutes, int):
            raise TypeError("FeeRule.unit_minutes must be an int")
        if self.unit_minutes < 1:
            raise ValueError("FeeRule.unit_minutes must be positive")


@dataclass(frozen=True)
class TravelRates:
    """The tax-free travel rates of one calendar year, in euros."""

    year: int
    car_per_km: Decimal
    passenger_per_km: Decimal
    per_diem_partial: Decimal
    per_diem_full: Decimal

    def __post_init__(self) -> None:
        for name in ("car_per_km", "passenger_per_km", "per_diem_partial", "per_diem_full"):
            value = getattr(self, name)
            if not isinstance(value, Decimal):
                raise TypeError(f"TravelRates.{name} must be a Decimal")
            if not value.is_finite() or value < 0:
                raise ValueError(f"TravelRates.{name} must be a non-negative Decimal")


@dataclass(frozen=True)
class TravelClaim:
    """The travel of one expert to one assignment, as entered (validated on creation).

    Values may be given as str, int, float or Decimal; they are stored as
    `Decimal` (``passengers`` and ``free_meals`` as int). A value out of range
    raises `AmountOutOfRange`, a value that is not a number `InvalidAmount`,
    both with ``field`` set to the field name.
    """

    km_driven: Decimal = Decimal(0)
    passengers: int = 0
    public_transport_eur: Decimal = Decimal(0)
    parking_eur: Decimal = Decimal(0)
    trip_hours: Decimal = Decimal(0)
    one_way_km: Decimal = Decimal(0)
    free_meals: int = 0

    def __post_init__(self) -> None:
        for name, limit in _DECIMAL_LIMITS.items():
            object.__setattr__(self, name, _checked_decimal(getattr(self, name), name, limit))
        for name, limit in _INTEGER_LIMITS.items():
            object.__setattr__(self, name, _checked_integer(getattr(self, name), name, limit))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> TravelClaim:
        """A claim from the API's ``travel`` object; missing or null fields count as 0.

        Unknown fields raise `InvalidTravel` so a misspelt field is not silently ignored.
        """
        if not isinstance(data, Mapping):
            raise InvalidTravel()
        known = {f.name for f in dataclasses.fields(cls)}
        for key in data:
            if key not in known:
                raise InvalidTravel(str(key), f"Unknown travel field {str(key)!r}.")
        return cls(**{key: value for key, value in data.items() if value is not None})


@dataclass(frozen=True)
class Line:
    """One line of a quote; descriptions are made by `describe_line` in the caller's language.

    ``quantity`` and ``unit_price`` are: fee — units and the price of a unit;
    car — km and the per-km rate with the passenger supplement included
    (car rate + ``passengers`` × ``passenger_rate``); daily allowance — 1 or
    0.5 (halved for free meals) and the full allowance; public transport and
    parking — None (the amount as paid).
    """

    kind: str
    amount: Decimal
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    #: Car line only: passengers carried and the supplement per passenger and km.
    passengers: int = 0
    passenger_rate: Decimal | None = None

    def __post_init__(self) -> None:
        if self.kind not in LINE_KINDS:
            raise ValueError(f"unknown line kind {self.kind!r}")

    @property
    def halved(self) -> bool:
        """Whether this daily allowance was halved for free meals."""
        return self.kind in PER_DIEM_KINDS and self.quantity == HALF


@dataclass(frozen=True)
class Quote:
    """The price of one expert for one assignment."""

    units: int
    fee: Decimal
    travel: Decimal
    per_diem: Decimal
    total: Decimal
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class PayoutAmounts:
    """What the expert is paid: the taxable fee less withholding, plus tax-free travel."""

    fee: Decimal
    withholding_percent: Decimal
    withholding: Decimal
    net_fee: Decimal
    travel: Decimal
    per_diem: Decimal
    total_paid: Decimal


class PayoutBasis(Protocol):
    """Anything with the fee, travel and per diem in euros: a `Quote` or a stored payout."""

    @property
    def fee(self) -> Decimal: ...

    @property
    def travel(self) -> Decimal: ...

    @property
    def per_diem(self) -> Decimal: ...


def rule_for(rules: Mapping[str, FeeRule], assignment_type: str) -> FeeRule:
    """The rule of ``assignment_type`` in a schedule; `UnknownAssignmentType` if absent."""
    try:
        return rules[assignment_type]
    except (KeyError, TypeError):
        raise UnknownAssignmentType(str(assignment_type)) from None


def rates_for(rates: Mapping[int, TravelRates], travel_date: date) -> TravelRates:
    """The travel rates of the travel date's calendar year; `NoTravelRate` if none."""
    try:
        return rates[travel_date.year]
    except KeyError:
        raise NoTravelRate(travel_date.year) from None


def needs_rates(travel: TravelClaim) -> bool:
    """Whether pricing ``travel`` needs the year's rates: kilometres driven or a trip
    long and far enough for a daily allowance. Tickets and parking need none."""
    if travel.km_driven > 0:
        return True
    far = travel.one_way_km > PER_DIEM_MIN_ONE_WAY_KM
    return far and travel.trip_hours > PARTIAL_PER_DIEM_HOURS


def kilometre_parts(line: Line) -> tuple[Decimal, Decimal]:
    """The car line split for payroll: (kilometre allowance, passenger supplement).

    The allowance is round(km × car rate); the supplement is the rest of the
    line, so the two always add up exactly to the line rounded once.
    """
    if line.kind != "car":
        raise ValueError("only the car line has kilometre parts")
    supplement_rate = line.passengers * (line.passenger_rate or ZERO)
    car = round_cents(line.quantity * (line.unit_price - supplement_rate))
    return car, line.amount - car


def fee_units(duration_minutes: int, unit_minutes: int) -> int:
    """Started units of ``unit_minutes``: max(1, ceil(duration / unit)).

    The duration must be an int from 1 to 1440 minutes, else `InvalidDuration`.
    """
    if isinstance(duration_minutes, bool) or not isinstance(duration_minutes, int):
        raise InvalidDuration()
    if not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        raise InvalidDuration()
    if isinstance(unit_minutes, bool) or not isinstance(unit_minutes, int):
        raise TypeError("unit_minutes must be an int")
    if unit_minutes < 1:
        raise ValueError("unit_minutes must be positive")
    return max(1, -(-duration_minutes // unit_minutes))


def compute_quote(
    rule: FeeRule,
    duration_minutes: int,
    *,
    remote: bool = False,
    travel: TravelClaim | None = None,
    rates: TravelRates | None = None,
) -> Quote:
    """The fee, travel costs and daily allowance of one expert, line by line.

    A remote assignment or no travel claim gives the fee only (no rates needed);
    a claim with kilometres or a daily allowance needs ``rates``, else
    `NoTravelRate` (tickets and parking alone need none). Lines are rounded to
    cents before summing; zero lines are left out except the fee line.
    """
    units = fee_units(duration_minutes, rule.unit_minutes)
    lines = [Line("fee", round_cents(rule.amount * units), Decimal(units), rule.amount)]
    if not remote and travel is not None:
        if rates is None and needs_rates(travel):
            raise NoTravelRate()
        lines.extend(line for line in _travel_lines(travel, rates) if not line.amount.is_zero())
    fee = lines[0].amount
    travel_total = sum((line.amount for line in lines if line.kind in TRAVEL_KINDS), ZERO)
    per_diem = sum((line.amount for line in lines if line.kind in PER_DIEM_KINDS), ZERO)
    return Quote(
        units=units,
        fee=fee,
        travel=travel_total,
        per_diem=per_diem,
        total=fee + travel_total + per_diem,
        lines=tuple(lines),
    )


def compute_payout(
    amounts: PayoutBasis, withholding_percent: Decimal | str | int | None = None
) -> PayoutAmounts:
    """Withholding on the fee (60 % without a tax card), the net fee and the total paid.

    ``amounts`` is a `Quote` or anything with ``fee``, ``travel`` and ``per_diem``.
    A percentage that is not a number from 0 to 100 raises `InvalidWithholding`.
    """
    if withholding_percent is None:
        percent = DEFAULT_WITHHOLDING_PERCENT
    else:
        try:
            percent = parse_decimal(withholding_percent, "withholding_percent")
        except InvalidAmount:
            raise InvalidWithholding() from None
        if not 0 <= percent <= 100:
            raise InvalidWithholding()
    fee = round_cents(amounts.fee)
    travel = round_cents(amounts.travel)
    per_diem = round_cents(amounts.per_diem)
    withholding = round_cents(fee * percent / 100)
    net_fee = fee - withholding
    return PayoutAmounts(
        fee=fee,
        withholding_percent=percent,
        withholding=withholding,
        net_fee=net_fee,
        travel=travel,
        per_diem=per_diem,
        total_paid=net_fee + travel + per_diem,
    )


def describe_line(
    line: Line,
    gettext: Callable[[str], str] = lambda text: text,
    *,
    quantity: Callable[[Decimal], str] | None = None,
    money: Callable[[Decimal], str] | None = None,
    rate: Callable[[Decimal], str] | None = None,
) -> str:
    """A short description of a line, e.g. "Car: 84 km × 0.55 €/km".

    ``gettext`` translates each English msgid (pass Flask-Babel's ``gettext``); the
    %-placeholders are filled in after translation. The numbers are machine formats
    ("30.00 €", "0.55 €/km", as the API shows them) unless the caller passes formatters in
    the page's language: ``quantity`` (kilometres, units), ``money`` (an amount with its
    currency) and ``rate`` (a per-km rate with its unit), e.g.
    `app.web.templating.line_formats`. The engine itself never formats for a locale.
    """
    quantity = quantity or _format_quantity
    money = money or _machine_money
    rate = rate or _machine_rate
    if line.kind == "fee":
        return gettext("Fee: %(units)s × %(price)s") % {
            "units": quantity(line.quantity),
            "price": money(line.unit_price),
        }
    if line.kind == "car" and line.passengers:
        supplement = line.passengers * line.passenger_rate
        return gettext(
            "Car: %(km)s km × %(rate)s (car %(car)s, passengers %(passengers)s × %(passenger)s)"
        ) % {
            "km": quantity(line.quantity),
            "rate": rate(line.unit_price),
            "car": rate(line.unit_price - supplement),
            "passengers": line.passengers,
            "passenger": rate(line.passenger_rate),
        }
    if line.kind == "car":
        return gettext("Car: %(km)s km × %(rate)s") % {
            "km": quantity(line.quantity),
            "rate": rate(line.unit_price),
        }
    if line.kind == "public_transport":
        return gettext("Public transport tickets")
    if line.kind == "parking":
        return gettext("Parking")
    if line.kind == "per_diem_partial":
        if line.halved:
            return gettext("Daily allowance (partial), halved for free meals")
        return gettext("Daily allowance (partial)")
    if line.halved:
        return gettext("Daily allowance (full), halved for free meals")
    return gettext("Daily allowance (full)")


def _travel_lines(travel: TravelClaim, rates: TravelRates | None) -> list[Line]:
    """Every travel and allowance line, zero ones included, each rounded to cents.

    The car line is km × (car rate + passengers × passenger rate), rounded
    once. Without ``rates`` (allowed only when `needs_rates` is false) only
    tickets and parking are priced.
    """
    lines = []
    if rates is not None:
        km = travel.km_driven
        per_km = rates.car_per_km + travel.passengers * rates.passenger_per_km
        lines.append(Line("car", round_cents(km * per_km), km, per_km,
                          passengers=travel.passengers, passenger_rate=rates.passenger_per_km))
    lines.append(Line("public_transport", round_cents(travel.public_transport_eur)))
    lines.append(Line("parking", round_cents(travel.parking_eur)))
    allowance = _per_diem_line(travel, rates) if rates is not None else None
    if allowance is not None:
        lines.append(allowance)
    return lines


def _per_diem_line(travel: TravelClaim, rates: TravelRates) -> Line | None:
    """The partial or full daily allowance, halved for free meals; None when not due."""
    if travel.one_way_km <= PER_DIEM_MIN_ONE_WAY_KM:
        return None
    if travel.trip_hours > FULL_PER_DIEM_HOURS:
        kind, rate, meals_halving = "per_diem_full", rates.per_diem_full, MEALS_HALVING_FULL
    elif travel.trip_hours > PARTIAL_PER_DIEM_HOURS:
        kind, rate, meals_halving = (
            "per_diem_partial",
            rates.per_diem_partial,
            MEALS_HALVING_PARTIAL,
        )
    else:
        return None
    share = HALF if travel.free_meals >= meals_halving else Decimal(1)
    return Line(kind, round_cents(rate * share), share, rate)


def _checked_decimal(value: object, field: str, limit: Decimal) -> Decimal:
    """``value`` as a Decimal from 0 to ``limit``, else a `FeeError` naming ``field``."""
    number = parse_decimal(value, field)
    if not 0 <= number <= limit:
        raise AmountOutOfRange(field, f"{_LABELS[field]} must be from 0 to {limit}.")
    return number


def _checked_integer(value: object, field: str, limit: int) -> int:
    """``value`` as a whole number from 0 to ``limit`` ("2" and 2.0 count), else a `FeeError`."""
    number = parse_decimal(value, field)
    if not 0 <= number <= limit:
        raise AmountOutOfRange(field, f"{_LABELS[field]} must be from 0 to {limit}.")
    if number != number.to_integral_value():
        raise InvalidAmount(field, f"{_LABELS[field]} must be a whole number.")
    return int(number)


def _format_quantity(value: Decimal | None) -> str:
    """A quantity without trailing zeros or exponent: 84, 12.3, 128."""
    if value is None:
        return ""
    normal = value.normalize()
    return f"{normal:f}"


def _machine_money(value: Decimal) -> str:
    """An amount as the API describes it: "30.00 €"."""
    return f"{format_eur(value)} €"


def _machine_rate(value: Decimal) -> str:
    """A per-km rate as the API describes it: "0.55 €/km"."""
    return f"{_format_rate(value)} €/km"


def _format_rate(value: Decimal | None) -> str:
    """A per-km rate with at least two decimals: 0.55, 0.04, 0.525."""
    if value is None:
        return ""
    return format_eur(value) if value == round_cents(value) else _format_quantity(value)
