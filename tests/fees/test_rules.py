"""Tests of the pure fee and travel engine: worked cases, each rule, validation, properties.

Runs without a Flask app: only `app.fees.rules` and `app.fees.money` are imported.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.fees.money import format_eur, parse_decimal, round_cents
from app.fees.rules import (
    AmountOutOfRange,
    FeeError,
    FeeRule,
    InvalidAmount,
    InvalidDuration,
    InvalidTravel,
    InvalidWithholding,
    Line,
    NoTravelRate,
    TravelClaim,
    TravelRates,
    UnknownAssignmentType,
    compute_payout,
    compute_quote,
    describe_line,
    fee_units,
    kilometre_parts,
    rates_for,
    rule_for,
)

HERE = Path(__file__).parent

#: The seeded Satakunta schedule.
RULES = {
    "lecture": FeeRule("lecture", Decimal("30.00"), 45),
    "meeting": FeeRule("meeting", Decimal("20.00"), 180),
    "group_guidance": FeeRule("group_guidance", Decimal("15.00"), 60),
}
LECTURE = RULES["lecture"]

TRAVEL_FIELDS = (
    "km_driven",
    "passengers",
    "public_transport_eur",
    "parking_eur",
    "trip_hours",
    "one_way_km",
    "free_meals",
)


def load_rates(path: Path) -> dict[int, TravelRates]:
    """The travel rates of tests/fees/travel-rates.csv (a copy of the reference table)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            int(row["year"]): TravelRates(
                year=int(row["year"]),
                car_per_km=Decimal(row["car_eur_per_km"]),
                passenger_per_km=Decimal(row["passenger_eur_per_km"]),
                per_diem_partial=Decimal(row["per_diem_partial_eur"]),
                per_diem_full=Decimal(row["per_diem_full_eur"]),
            )
            for row in csv.DictReader(handle)
        }


def load_cases(path: Path) -> list[dict[str, str]]:
    """The worked cases of tests/fees/fee-cases.csv."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


RATES = load_rates(HERE / "travel-rates.csv")
RATES_2026 = RATES[2026]
CASES = load_cases(HERE / "fee-cases.csv")


def quote_case(row: dict[str, str]):
    """Quote one worked case the way the API does: rule by type, rates by the date's year."""
    travel = TravelClaim.from_mapping({name: row[name] for name in TRAVEL_FIELDS})
    return compute_quote(
        rule_for(RULES, row["assignment_type"]),
        int(row["duration_minutes"]),
        remote=row["remote"] == "yes",
        travel=travel,
        rates=RATES.get(date.fromisoformat(row["date"]).year),
    )


def trip(**fields) -> TravelClaim:
    """A travel claim with the given fields, the rest zero."""
    return TravelClaim.from_mapping(fields)


def quote_2026(duration: int = 45, rule: FeeRule = LECTURE, **fields):
    """A lecture quote with 2026 rates and the given travel fields."""
    return compute_quote(rule, duration, remote=False, travel=trip(**fields), rates=RATES_2026)


def kinds(quote) -> list[str]:
    return [line.kind for line in quote.lines]


def line_of(quote, kind: str) -> Line:
    (line,) = [line for line in quote.lines if line.kind == kind]
    return line


# --- the worked cases ---------------------------------------------------------------------


def test_all_worked_cases_are_present():
    assert [row["case"] for row in CASES] == [str(n) for n in range(1, 13)]
    assert sorted(RATES) == [2023, 2024, 2025, 2026]


@pytest.mark.parametrize("row", CASES, ids=lambda row: f"case-{row['case']}")
def test_worked_case(row):
    if row["expected_total"] == "error":
        with pytest.raises(NoTravelRate) as raised:
            quote_case(row)
        assert (raised.value.code, raised.value.field) == ("no_travel_rate", "date")
        return
    quote = quote_case(row)
    got = {"fee": quote.fee, "travel": quote.travel, "per_diem": quote.per_diem}
    got["total"] = quote.total
    for name, amount in got.items():
        expected = Decimal(row[f"expected_{name}"])
        assert amount == expected, name
        # Exactly the same Decimal, two places included (not just numerically equal).
        assert amount.as_tuple() == expected.as_tuple(), name
        assert format_eur(amount) == row[f"expected_{name}"]
    assert quote.total == sum(line.amount for line in quote.lines)


def test_case_12_year_without_rates():
    with pytest.raises(NoTravelRate) as raised:
        rates_for(RATES, date(2019, 5, 5))
    assert raised.value.year == 2019
    assert "2019" in raised.value.message
    assert rates_for(RATES, date(2024, 12, 31)) is RATES[2024]


def test_worked_case_lines():
    (case_11,) = [row for row in CASES if row["case"] == "11"]
    quote = quote_case(case_11)
    assert quote.units == 2
    assert kinds(quote) == ["fee", "car", "parking"]
    assert [str(line.amount) for line in quote.lines] == ["30.00", "42.88", "6.00"]
    car = line_of(quote, "car")
    assert (car.quantity, car.unit_price, car.passengers) == (Decimal(64), Decimal("0.67"), 2)
    assert kilometre_parts(car) == (Decimal("37.76"), Decimal("5.12"))


#: The one-rounding rule: km × (car rate + passengers × passenger rate), rounded once.
#: (year, km, passengers, one line, two lines rounded apart, kilometre allowance, supplement)
ONE_ROUNDING_CASES = [
    (2023, "555.05", 3, "360.78", "360.79", "294.18", "66.60"),
    (2023, "12.5", 1, "7.13", "7.13", "6.63", "0.50"),  # 6.625 + 0.5: both ways 7.13
    (2024, "10.05", 1, "6.13", "6.13", "5.73", "0.40"),
    (2024, "33.35", 2, "21.68", "21.68", "19.01", "2.67"),
    (2025, "40.25", 1, "25.36", "25.36", "23.75", "1.61"),
    (2026, "84", 1, "49.56", "49.56", "46.20", "3.36"),
    (2026, "0.01", 8, "0.01", "0.01", "0.01", "0.00"),
    (2026, "12.35", 3, "8.27", "8.27", "6.79", "1.48"),
    (2023, "100.1", 2, "61.06", "61.06", "53.05", "8.01"),
    (2023, "10.5", 1, "5.99", "5.99", "5.57", "0.42"),
    (2025, "0.9", 5, "0.71", "0.71", "0.53", "0.18"),
    (2024, "1.25", 1, "0.76", "0.76", "0.71", "0.05"),
    (2026, "0.125", 1, "0.07", "0.08", "0.07", "0.00"),
    (2025, "0.625", 1, "0.39", "0.40", "0.37", "0.02"),
    (2023, "5.5", 0, "2.92", "2.92", "2.92", "0.00"),
]


@pytest.mark.parametrize(
    ("year", "km", "passengers", "one_line", "two_lines", "car", "supplement"),
    ONE_ROUNDING_CASES,
    ids=lambda value: str(value),
)
def test_kilometre_allowance_is_rounded_once(
    year, km, passengers, one_line, two_lines, car, supplement
):
    rates = RATES[year]
    quote = compute_quote(
        LECTURE, 45, remote=False, travel=trip(km_driven=km, passengers=passengers), rates=rates
    )
    line = line_of(quote, "car")
    assert line.amount == Decimal(one_line)
    assert line.amount == round_cents(
        Decimal(km) * (rates.car_per_km + passengers * rates.passenger_per_km)
    )
    # The old rule rounded the car and the passengers apart; the table knows where it differs.
    apart = round_cents(Decimal(km) * rates.car_per_km) + round_cents(
        Decimal(km) * passengers * rates.passenger_per_km
    )
    assert apart == Decimal(two_lines)
    assert kilometre_parts(line) == (Decimal(car), Decimal(supplement))
    assert sum(kilometre_parts(line)) == line.amount
    assert quote.travel == line.amount


def test_one_rounding_table_has_cases_where_the_rules_differ():
    assert sum(case[3] != case[4] for case in ONE_ROUNDING_CASES) >= 3


def test_worked_cases_agree_under_both_rules():
    """The shared worked cases come out the same under the old and the new rule."""
    for row in CASES:
        if row["expected_total"] == "error" or row["remote"] == "yes":
            continue
        rates = RATES[date.fromisoformat(row["date"]).year]
        km, passengers = Decimal(row["km_driven"]), int(row["passengers"])
        once = round_cents(km * (rates.car_per_km + passengers * rates.passenger_per_km))
        apart = round_cents(km * rates.car_per_km) + round_cents(
            km * passengers * rates.passenger_per_km
        )
        assert once == apart, row["case"]


def test_tickets_and_parking_need_no_rates():
    claim = trip(public_transport_eur="12.40", parking_eur="3", one_way_km=40, trip_hours=5)
    quote = compute_quote(LECTURE, 45, remote=False, travel=claim, rates=None)
    assert kinds(quote) == ["fee", "public_transport", "parking"]
    assert quote.travel == Decimal("15.40")
    for needing in (trip(km_driven="0.01"), trip(one_way_km="15.01", trip_hours="6.01")):
        with pytest.raises(NoTravelRate):
            compute_quote(LECTURE, 45, remote=False, travel=needing, rates=None)


# --- fee units ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "unit", "units"),
    [
        (1, 45, 1),
        (30, 45, 1),
        (45, 45, 1),
        (46, 45, 2),
        (90, 45, 2),
        (91, 45, 3),
        (180, 180, 1),
        (181, 180, 2),
        (60, 60, 1),
        (61, 60, 2),
        (1440, 60, 24),
        (1440, 1440, 1),
    ],
)
def test_fee_units(duration, unit, units):
    assert fee_units(duration, unit) == units


@pytest.mark.parametrize(
    "duration", [0, -1, -45, 1441, 10_000, 45.0, "45", True, None, Decimal(45)]
)
def test_invalid_duration(duration):
    with pytest.raises(InvalidDuration) as raised:
        fee_units(duration, 45)
    assert (raised.value.code, raised.value.field) == ("invalid_duration", "duration_minutes")
    with pytest.raises(InvalidDuration):
        compute_quote(LECTURE, duration, remote=True, travel=None, rates=None)


def test_lecture_fee_boundary_45_46():
    assert quote_2026(45).fee == Decimal("30.00")
    assert quote_2026(46).fee == Decimal("60.00")
    assert describe_line(quote_2026(46).lines[0]) == "Fee: 2 × 30.00 €"


# --- travel lines -------------------------------------------------------------------------


def test_car_line():
    quote = quote_2026(km_driven="84")
    car = line_of(quote, "car")
    assert (car.amount, car.quantity, car.unit_price) == (
        Decimal("46.20"),
        Decimal(84),
        Decimal("0.55"),
    )
    assert quote.travel == Decimal("46.20")
    assert describe_line(car) == "Car: 84 km × 0.55 €/km"


def test_passengers_raise_the_per_km_rate():
    quote = quote_2026(km_driven="100", passengers=3)
    car = line_of(quote, "car")
    assert car.amount == Decimal("67.00")  # 100 km × (0.55 + 3 × 0.04)
    assert (car.quantity, car.unit_price) == (Decimal(100), Decimal("0.67"))
    assert kinds(quote) == ["fee", "car"]
    assert quote.travel == Decimal("67.00")
    assert describe_line(car) == (
        "Car: 100 km × 0.67 €/km (car 0.55 €/km, passengers 3 × 0.04 €/km)"
    )
    assert kilometre_parts(car) == (Decimal("55.00"), Decimal("12.00"))


def test_passengers_without_km_give_no_line():
    assert kinds(quote_2026(passengers=2, public_transport_eur="5")) == [
        "fee",
        "public_transport",
    ]


def test_public_transport_and_parking_as_entered():
    quote = quote_2026(public_transport_eur="12.40", parking_eur=4.5)
    assert line_of(quote, "public_transport").amount == Decimal("12.40")
    assert line_of(quote, "parking").amount == Decimal("4.50")
    assert line_of(quote, "parking").quantity is None
    assert quote.travel == Decimal("16.90")


def test_zero_lines_are_left_out_but_the_fee_line_stays():
    quote = quote_2026()
    assert kinds(quote) == ["fee"]
    assert (quote.travel, quote.per_diem, quote.total) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("30.00"),
    )
    free = FeeRule("free_visit", Decimal("0.00"), 60)
    assert kinds(compute_quote(free, 30, remote=True, travel=None, rates=None)) == ["fee"]


def test_remote_has_no_travel_and_needs_no_rates():
    claim = trip(km_driven=100, trip_hours=12, one_way_km=50)
    quote = compute_quote(LECTURE, 45, remote=True, travel=claim, rates=None)
    assert kinds(quote) == ["fee"]
    assert quote.total == Decimal("30.00")


def test_no_travel_claim_needs_no_rates():
    assert compute_quote(LECTURE, 45, remote=False, travel=None, rates=None).total == 30


def test_travel_without_rates_is_an_error():
    with pytest.raises(NoTravelRate) as raised:
        compute_quote(LECTURE, 45, remote=False, travel=trip(km_driven=10), rates=None)
    assert (raised.value.code, raised.value.field) == ("no_travel_rate", "date")


# --- daily allowance ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one_way_km", "trip_hours", "kind", "amount"),
    [
        ("15", "12", None, None),  # 15 km is not more than 15 km
        ("15.01", "12", "per_diem_full", "54.00"),
        ("16", "6", None, None),  # 6 h is not more than 6 h
        ("16", "6.01", "per_diem_partial", "25.00"),
        ("16", "10", "per_diem_partial", "25.00"),  # 10 h is not more than 10 h
        ("16", "10.01", "per_diem_full", "54.00"),
        ("16", "24", "per_diem_full", "54.00"),
        ("0", "24", None, None),
    ],
)
def test_daily_allowance_boundaries(one_way_km, trip_hours, kind, amount):
    quote = quote_2026(one_way_km=one_way_km, trip_hours=trip_hours)
    if kind is None:
        assert kinds(quote) == ["fee"]
        assert quote.per_diem == Decimal("0.00")
    else:
        assert kinds(quote) == ["fee", kind]
        assert quote.per_diem == Decimal(amount)
        assert quote.travel == Decimal("0.00")


@pytest.mark.parametrize(
    ("trip_hours", "free_meals", "amount", "halved"),
    [
        ("7", 0, "25.00", False),
        ("7", 1, "12.50", True),  # one free meal halves the partial allowance
        ("7", 3, "12.50", True),
        ("11", 1, "54.00", False),  # one meal does not halve the full allowance
        ("11", 2, "27.00", True),
        ("11", 3, "27.00", True),
    ],
)
def test_free_meals_halve_the_allowance(trip_hours, free_meals, amount, halved):
    quote = quote_2026(one_way_km=100, trip_hours=trip_hours, free_meals=free_meals)
    (allowance,) = quote.lines[1:]
    assert allowance.amount == Decimal(amount)
    assert allowance.halved is halved
    assert allowance.quantity == (Decimal("0.5") if halved else Decimal(1))


def test_halved_allowance_is_rounded_half_up():
    rates = TravelRates(2030, Decimal("0.55"), Decimal("0.04"), Decimal("24.25"), Decimal("51.01"))
    quote = compute_quote(
        LECTURE,
        45,
        remote=False,
        travel=trip(one_way_km=50, trip_hours=7, free_meals=1),
        rates=rates,
    )
    assert quote.per_diem == Decimal("12.13")  # 12.125 -> 12.13


# --- rounding and money helpers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        ("0.005", "0.01"),
        ("0.004999", "0.00"),
        ("0.015", "0.02"),
        ("2.675", "2.68"),
        ("46.2", "46.20"),
        ("7", "7.00"),
        ("-0.005", "-0.01"),
    ],
)
def test_round_cents_half_up(value, rounded):
    result = round_cents(Decimal(value))
    assert result == Decimal(rounded)
    assert str(result) == rounded


def test_each_line_is_rounded_before_summing():
    # Car 0.01 km × 0.5 = 0.005 -> 0.01; parking 0.005 -> 0.01.
    rates = TravelRates(2030, Decimal("0.5"), Decimal("0.5"), Decimal(25), Decimal(54))
    claim = trip(km_driven="0.01", parking_eur="0.005")
    quote = compute_quote(LECTURE, 45, remote=False, travel=claim, rates=rates)
    assert [str(line.amount) for line in quote.lines] == ["30.00", "0.01", "0.01"]
    assert quote.travel == Decimal("0.02")  # summing first would give round(0.010) = 0.01


def test_line_that_rounds_to_zero_is_left_out():
    assert kinds(quote_2026(km_driven="0.009")) == ["fee"]  # 0.00495 -> 0.00


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("84", Decimal(84)),
        (" 12.3 ", Decimal("12.3")),
        ("+1.50", Decimal("1.50")),
        (".5", Decimal("0.5")),
        (7, Decimal(7)),
        (0.1, Decimal("0.1")),
        (12.3, Decimal("12.3")),
        (1e-7, Decimal("1E-7")),
        (Decimal("4.20"), Decimal("4.20")),
        ("-0", Decimal(0)),
    ],
)
def test_parse_decimal_accepts(value, expected):
    result = parse_decimal(value, "km_driven")
    assert result == expected
    assert result.as_tuple() == expected.as_tuple()


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        None,
        "",
        "   ",
        "abc",
        "12,5",
        "1e3",
        "1_000",
        "NaN",
        "nan",
        "Infinity",
        "-inf",
        float("nan"),
        float("inf"),
        Decimal("NaN"),
        Decimal("-Infinity"),
        [1],
        "1" * 65,
    ],
)
def test_parse_decimal_refuses(value):
    with pytest.raises(InvalidAmount) as raised:
        parse_decimal(value, "parking_eur")
    assert (raised.value.code, raised.value.field) == ("invalid_amount", "parking_eur")
    assert raised.value.message


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal(30), "30.00"),
        (Decimal("46.2"), "46.20"),
        (Decimal("0.005"), "0.01"),
        (Decimal("-0.001"), "0.00"),
        (Decimal("1234.5"), "1234.50"),
        (Decimal("1E+3"), "1000.00"),
    ],
)
def test_format_eur(value, text):
    assert format_eur(value) == text


# --- input validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"km_driven": -1}, AmountOutOfRange, "km_driven"),
        ({"km_driven": "-0.01"}, AmountOutOfRange, "km_driven"),
        ({"km_driven": 5001}, AmountOutOfRange, "km_driven"),
        ({"km_driven": "5000.01"}, AmountOutOfRange, "km_driven"),
        ({"one_way_km": 5001}, AmountOutOfRange, "one_way_km"),
        ({"public_transport_eur": "1000.01"}, AmountOutOfRange, "public_transport_eur"),
        ({"parking_eur": 1000.01}, AmountOutOfRange, "parking_eur"),
        ({"parking_eur": -5}, AmountOutOfRange, "parking_eur"),
        ({"trip_hours": 24.5}, AmountOutOfRange, "trip_hours"),
        ({"trip_hours": "-1"}, AmountOutOfRange, "trip_hours"),
        ({"passengers": 9}, AmountOutOfRange, "passengers"),
        ({"passengers": -1}, AmountOutOfRange, "passengers"),
        ({"free_meals": 4}, AmountOutOfRange, "free_meals"),
        ({"km_driven": 10**5000}, AmountOutOfRange, "km_driven"),
        ({"km_driven": "abc"}, InvalidAmount, "km_driven"),
        ({"km_driven": True}, InvalidAmount, "km_driven"),
        ({"trip_hours": False}, InvalidAmount, "trip_hours"),
        ({"parking_eur": float("nan")}, InvalidAmount, "parking_eur"),
        ({"parking_eur": "NaN"}, InvalidAmount, "parking_eur"),
        ({"public_transport_eur": "Infinity"}, InvalidAmount, "public_transport_eur"),
        ({"one_way_km": ""}, InvalidAmount, "one_way_km"),
        ({"passengers": 2.5}, InvalidAmount, "passengers"),
        ({"passengers": "1.5"}, InvalidAmount, "passengers"),
        ({"free_meals": "one"}, InvalidAmount, "free_meals"),
        ({"free_meals": [1]}, InvalidAmount, "free_meals"),
        ({"km": 10}, InvalidTravel, "km"),
    ],
)
def test_travel_validation(fields, error, field):
    with pytest.raises(error) as raised:
        TravelClaim.from_mapping(fields)
    assert isinstance(raised.value, FeeError)
    assert raised.value.field == field
    assert raised.value.code == error.code
    assert raised.value.message


def test_validation_codes():
    assert AmountOutOfRange.code == "amount_out_of_range"
    assert InvalidAmount.code == "invalid_amount"
    assert InvalidTravel.code == "invalid_travel"


def test_travel_must_be_a_mapping():
    with pytest.raises(InvalidTravel) as raised:
        TravelClaim.from_mapping(["km_driven", 10])
    assert (raised.value.code, raised.value.field) == ("invalid_travel", "travel")


def test_travel_upper_limits_are_inclusive():
    claim = trip(
        km_driven=5000,
        passengers=8,
        public_transport_eur="1000",
        parking_eur=1000.0,
        trip_hours=24,
        one_way_km="5000.00",
        free_meals=3,
    )
    assert claim.km_driven == 5000
    assert compute_quote(LECTURE, 45, remote=False, travel=claim, rates=RATES_2026).total > 0


def test_travel_parsing():
    claim = TravelClaim.from_mapping(
        {"km_driven": "12.3", "passengers": "2", "free_meals": 2.0, "trip_hours": None}
    )
    assert claim == TravelClaim(km_driven=Decimal("12.3"), passengers=2, free_meals=2)
    assert isinstance(claim.passengers, int) and isinstance(claim.free_meals, int)
    assert claim.trip_hours == 0
    assert TravelClaim.from_mapping({}) == TravelClaim()
    assert TravelClaim.from_mapping({"km_driven": 12.3}).km_driven == Decimal("12.3")


def test_travel_claim_validates_direct_construction():
    with pytest.raises(AmountOutOfRange):
        TravelClaim(km_driven=Decimal(-3))


def test_unknown_assignment_type():
    assert rule_for(RULES, "meeting") is RULES["meeting"]
    for name in ("full_day_training", "", None):
        with pytest.raises(UnknownAssignmentType) as raised:
            rule_for(RULES, name)
        assert raised.value.code == "unknown_assignment_type"
        assert raised.value.field == "assignment_type"


def test_every_error_is_a_fee_error():
    for error in (
        UnknownAssignmentType("x"),
        InvalidDuration(),
        NoTravelRate(),
        InvalidAmount("km_driven"),
        AmountOutOfRange("km_driven"),
        InvalidTravel(),
        InvalidWithholding(),
    ):
        assert isinstance(error, FeeError)
        assert error.code and error.code == error.code.lower()
        assert error.message and str(error) == error.message


def test_rules_and_rates_refuse_floats():
    with pytest.raises(TypeError):
        FeeRule("lecture", 30.0, 45)
    with pytest.raises(ValueError):
        FeeRule("lecture", Decimal(30), 0)
    with pytest.raises(TypeError):
        TravelRates(2026, 0.55, Decimal("0.04"), Decimal(25), Decimal(54))
    with pytest.raises(ValueError):
        Line("taxi", Decimal(1))


# --- payout -------------------------------------------------------------------------------


def test_payout_default_withholding_is_60_percent():
    (case_1,) = [row for row in CASES if row["case"] == "1"]
    payout = compute_payout(quote_case(case_1), None)
    assert payout.withholding_percent == Decimal(60)
    assert (payout.fee, payout.withholding, payout.net_fee) == (
        Decimal("30.00"),
        Decimal("18.00"),
        Decimal("12.00"),
    )
    assert (payout.travel, payout.per_diem) == (Decimal("46.20"), Decimal("0.00"))
    assert payout.total_paid == Decimal("58.20")
    assert compute_payout(quote_case(case_1)) == payout


@pytest.mark.parametrize(
    ("percent", "withholding", "net_fee"),
    [
        (Decimal(0), "0.00", "30.00"),
        (Decimal(100), "30.00", "0.00"),
        (Decimal("25.5"), "7.65", "22.35"),
        ("20", "6.00", "24.00"),
    ],
)
def test_payout_withholding(percent, withholding, net_fee):
    payout = compute_payout(quote_2026(km_driven=10), percent)
    assert str(payout.withholding) == withholding
    assert str(payout.net_fee) == net_fee
    assert payout.total_paid == payout.net_fee + Decimal("5.50")


def test_payout_withholding_rounds_half_up():
    amounts = SimpleNamespace(fee=Decimal("15.00"), travel=Decimal(0), per_diem=Decimal(0))
    payout = compute_payout(amounts, Decimal("33.3"))  # 4.995 -> 5.00
    assert (payout.withholding, payout.net_fee) == (Decimal("5.00"), Decimal("10.00"))


@pytest.mark.parametrize(
    "percent", [Decimal(-1), Decimal("100.01"), "abc", True, float("nan"), "", 1000]
)
def test_invalid_withholding(percent):
    with pytest.raises(InvalidWithholding) as raised:
        compute_payout(quote_2026(), percent)
    assert (raised.value.code, raised.value.field) == ("invalid_withholding", "withholding_percent")


# --- descriptions -------------------------------------------------------------------------


def test_describe_lines_in_english():
    quote = quote_2026(
        90,
        km_driven="12.5",
        passengers=1,
        public_transport_eur=3,
        parking_eur=2,
        one_way_km=20,
        trip_hours=7,
        free_meals=1,
    )
    assert [describe_line(line) for line in quote.lines] == [
        "Fee: 2 × 30.00 €",
        "Car: 12.5 km × 0.59 €/km (car 0.55 €/km, passengers 1 × 0.04 €/km)",
        "Public transport tickets",
        "Parking",
        "Daily allowance (partial), halved for free meals",
    ]
    full = quote_2026(one_way_km=20, trip_hours=11).lines[1]
    assert describe_line(full) == "Daily allowance (full)"


def test_describe_line_translates_before_filling_in():
    finnish = {"Car: %(km)s km × %(rate)s": "Oma auto: %(km)s km × %(rate)s"}
    asked = []

    def gettext(msgid: str) -> str:
        asked.append(msgid)
        return finnish.get(msgid, msgid)

    rates = TravelRates(2030, Decimal("0.5250"), Decimal("0.0400"), Decimal(25), Decimal(54))
    quote = compute_quote(LECTURE, 45, remote=False, travel=trip(km_driven="84.0"), rates=rates)
    assert describe_line(quote.lines[1], gettext) == "Oma auto: 84 km × 0.525 €/km"
    assert asked == ["Car: %(km)s km × %(rate)s"]


def test_describe_line_uses_the_callers_number_formats():
    """The engine formats nothing for a locale itself: the page passes its formatters, and
    every number of the line (units, price, km, each rate) goes through them."""
    rates = TravelRates(2030, Decimal("0.5250"), Decimal("0.0400"), Decimal(25), Decimal(54))
    quote = compute_quote(LECTURE, 46, remote=False,
                          travel=trip(km_driven="84.5", passengers=1), rates=rates)
    formats = {"quantity": lambda v: f"{v:f}".replace(".", ","),
               "money": lambda v: f"{v:.2f} €".replace(".", ","),
               "rate": lambda v: f"{v.normalize():f} €/km".replace(".", ",")}
    assert [describe_line(line, **formats) for line in quote.lines] == [
        "Fee: 2 × 30,00 €",
        "Car: 84,5 km × 0,565 €/km (car 0,525 €/km, passengers 1 × 0,04 €/km)",
    ]


# --- properties ---------------------------------------------------------------------------


def amounts(max_value: int):
    """Decimals with two places from 0 to ``max_value``, as an API client would send."""
    return st.decimals(
        min_value=0, max_value=max_value, places=2, allow_nan=False, allow_infinity=False
    )


claims = st.fixed_dictionaries(
    {
        "km_driven": amounts(5000),
        "passengers": st.integers(0, 8),
        "public_transport_eur": amounts(1000),
        "parking_eur": amounts(1000),
        "trip_hours": amounts(24),
        "one_way_km": amounts(5000),
        "free_meals": st.integers(0, 3),
    }
)
fee_rules = st.sampled_from(sorted(RULES.values(), key=lambda rule: rule.assignment_type))
durations = st.integers(1, 24 * 60)
rate_years = st.sampled_from(sorted(RATES.values(), key=lambda rates: rates.year))
PROPERTY = settings(max_examples=200, deadline=None)


@PROPERTY
@given(rule=fee_rules, duration=durations, remote=st.booleans(), data=claims, rates=rate_years)
def test_total_is_the_sum_of_the_lines(rule, duration, remote, data, rates):
    quote = compute_quote(
        rule, duration, remote=remote, travel=TravelClaim.from_mapping(data), rates=rates
    )
    assert quote.total == sum(line.amount for line in quote.lines)
    assert quote.total == quote.fee + quote.travel + quote.per_diem
    assert quote.lines[0].kind == "fee"
    assert quote.fee == rule.amount * quote.units
    for line in quote.lines:
        assert line.amount >= 0
        assert line.amount.as_tuple().exponent == -2  # rounded to cents
        assert line.kind == "fee" or line.amount > 0
    for total in (quote.fee, quote.travel, quote.per_diem, quote.total):
        assert total.as_tuple().exponent == -2
    if remote:
        assert len(quote.lines) == 1


@PROPERTY
@given(
    rule=fee_rules,
    duration=durations,
    data=claims,
    rates=rate_years,
    km=st.tuples(amounts(5000), amounts(5000)).map(sorted),
)
def test_more_kilometres_never_cost_less(rule, duration, data, rates, km):
    shorter, longer = (
        compute_quote(
            rule,
            duration,
            remote=False,
            travel=TravelClaim.from_mapping({**data, "km_driven": distance}),
            rates=rates,
        )
        for distance in km
    )
    assert shorter.travel <= longer.travel
    assert shorter.total <= longer.total


def as_json_number(value):
    """``value`` the way a JSON client would send it as a number, read back by json.loads."""
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    return json.loads(json.dumps(value))


@PROPERTY
@given(rule=fee_rules, duration=durations, data=claims, rates=rate_years)
def test_strings_and_numbers_give_the_same_quote(rule, duration, data, rates):
    as_strings = {name: str(value) for name, value in data.items()}
    as_numbers = {name: as_json_number(value) for name, value in data.items()}
    as_floats = {name: float(value) for name, value in data.items()}
    quotes = [
        compute_quote(
            rule, duration, remote=False, travel=TravelClaim.from_mapping(mapping), rates=rates
        )
        for mapping in (data, as_strings, as_numbers, as_floats)
    ]
    first = quotes[0]
    for quote in quotes[1:]:
        assert [line.kind for line in quote.lines] == [line.kind for line in first.lines]
        assert [str(line.amount) for line in quote.lines] == [
            str(line.amount) for line in first.lines
        ]
        assert str(quote.total) == str(first.total)


@PROPERTY
@given(
    rule=fee_rules,
    duration=durations,
    data=claims,
    rates=rate_years,
    percent=st.one_of(st.none(), amounts(100)),
)
def test_payout_adds_up(rule, duration, data, rates, percent):
    quote = compute_quote(
        rule, duration, remote=False, travel=TravelClaim.from_mapping(data), rates=rates
    )
    payout = compute_payout(quote, percent)
    assert payout.net_fee + payout.withholding == payout.fee == quote.fee
    assert payout.total_paid == payout.net_fee + payout.travel + payout.per_diem
    assert (payout.travel, payout.per_diem) == (quote.travel, quote.per_diem)
    assert Decimal(0) <= payout.withholding <= payout.fee
    assert payout.withholding_percent == (Decimal(60) if percent is None else percent)
