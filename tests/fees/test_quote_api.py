"""POST /api/v1/fees/quote: the worked cases, the error codes, and no 500 for any input."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CASES = list(csv.DictReader((Path(__file__).parent / "fee-cases.csv").open(encoding="utf-8")))
TRAVEL_FIELDS = ("km_driven", "passengers", "public_transport_eur", "parking_eur", "trip_hours",
                 "one_way_km", "free_meals")


def quote_body(row: dict, as_numbers: bool = False) -> dict:
    def value(name):
        text = row[name]
        if not as_numbers:
            return text
        number = Decimal(text)
        return int(number) if number == number.to_integral_value() else float(text)

    return {
        "assignment_type": row["assignment_type"],
        "duration_minutes": int(row["duration_minutes"]),
        "date": row["date"],
        "remote": row["remote"] == "yes",
        "travel": {name: value(name) for name in TRAVEL_FIELDS},
    }


@pytest.mark.parametrize("row", CASES, ids=[f"case{row['case']}" for row in CASES])
@pytest.mark.parametrize("as_numbers", [False, True], ids=["strings", "numbers"])
def test_worked_cases_through_the_api(client, row, as_numbers):
    response = client.post("/api/v1/fees/quote", json=quote_body(row, as_numbers))
    if row["expected_total"] == "error":
        assert response.status_code == 422
        assert response.get_json()["error"]["code"] == "no_travel_rate"
        return
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["currency"] == "EUR"
    assert answer["fee_schedule"] == "Satakunta 2020"
    for name in ("fee", "travel", "per_diem", "total"):
        assert answer[name] == row[f"expected_{name}"], name
    lines_total = sum(Decimal(line["amount"]) for line in answer["lines"])
    assert lines_total == Decimal(answer["total"])
    assert all(line["description"] for line in answer["lines"])


def test_travel_may_be_left_out(client):
    response = client.post("/api/v1/fees/quote", json={
        "assignment_type": "meeting", "duration_minutes": 200, "date": "2026-05-20"})
    assert response.status_code == 200
    assert response.get_json()["total"] == "40.00"
    assert response.get_json()["units"] == 2


def test_kilometres_with_passengers_are_rounded_once(client):
    """555.05 km with 3 passengers in 2023: 555.05 × (0.53 + 3 × 0.04) = 360.7825 -> 360.78
    (rounding the car and the passengers apart would give 294.18 + 66.61 = 360.79)."""
    response = client.post("/api/v1/fees/quote", json={
        "assignment_type": "lecture", "duration_minutes": 45, "date": "2023-06-01",
        "travel": {"km_driven": "555.05", "passengers": 3}})
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["travel"] == "360.78"
    assert [line["kind"] for line in answer["lines"]] == ["fee", "car"]
    assert answer["lines"][1]["amount"] == "360.78"
    page = client.get("/prices", query_string={
        "assignment_type": "lecture", "duration_minutes": "45", "date": "2023-06-01",
        "km_driven": "555,05", "passengers": "3"})
    assert page.status_code == 200
    assert "360,78" in page.get_data(as_text=True)


def test_tickets_and_parking_are_priced_in_a_year_without_rates(client):
    body = {"assignment_type": "lecture", "duration_minutes": 45, "date": "2021-05-05",
            "travel": {"public_transport_eur": "12.40", "parking_eur": "3.00"}}
    response = client.post("/api/v1/fees/quote", json=body)
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["travel"], response.get_json()["total"]) == ("15.40", "45.40")
    body["travel"]["km_driven"] = "10"
    response = client.post("/api/v1/fees/quote", json=body)
    assert response.get_json()["error"]["code"] == "no_travel_rate"


GOOD = {"assignment_type": "lecture", "duration_minutes": 45, "date": "2026-03-10",
        "travel": {"km_driven": "84", "one_way_km": "42", "trip_hours": "2.5"}}


def with_travel(**changes):
    return {**GOOD, "travel": {**GOOD["travel"], **changes}}


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({**GOOD, "assignment_type": "juggling"}, "unknown_assignment_type", "assignment_type"),
        ({**GOOD, "assignment_type": 7}, "unknown_assignment_type", "assignment_type"),
        ({**GOOD, "duration_minutes": 0}, "invalid_duration", "duration_minutes"),
        ({**GOOD, "duration_minutes": -45}, "invalid_duration", "duration_minutes"),
        ({**GOOD, "duration_minutes": 45.5}, "invalid_duration", "duration_minutes"),
        ({**GOOD, "duration_minutes": "forty"}, "invalid_duration", "duration_minutes"),
        ({**GOOD, "duration_minutes": None}, "invalid_duration", "duration_minutes"),
        ({**GOOD, "date": "2019-05-05"}, "no_travel_rate", "date"),
        ({**GOOD, "date": "10.3.2026"}, "invalid_date", "date"),
        ({**GOOD, "date": "2026-02-30"}, "invalid_date", "date"),
        ({**GOOD, "remote": "yes"}, "invalid_value", "remote"),
        (with_travel(km_driven="-1"), "amount_out_of_range", "km_driven"),
        (with_travel(km_driven=5001), "amount_out_of_range", "km_driven"),
        (with_travel(km_driven="abc"), "invalid_amount", "km_driven"),
        (with_travel(km_driven=True), "invalid_amount", "km_driven"),
        (with_travel(public_transport_eur="1000.01"), "amount_out_of_range",
         "public_transport_eur"),
        (with_travel(parking_eur=-2), "amount_out_of_range", "parking_eur"),
        (with_travel(trip_hours="24.5"), "amount_out_of_range", "trip_hours"),
        (with_travel(passengers=2.5), "invalid_amount", "passengers"),
        (with_travel(free_meals="lots"), "invalid_amount", "free_meals"),
        (with_travel(kilometres=5), "invalid_travel", "kilometres"),
        ({**GOOD, "travel": "far"}, "invalid_travel", "travel"),
    ],
)
def test_wrong_input_gets_422_with_code_and_field(client, body, code, field):
    response = client.post("/api/v1/fees/quote", json=body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"'])
def test_malformed_body_is_400(client, raw):
    response = client.post("/api/v1/fees/quote", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"


JSON_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=5), st.integers(),
                                                         max_size=2),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    assignment_type=st.one_of(st.sampled_from(["lecture", "meeting", "group_guidance"]),
                              JSON_VALUES),
    duration=JSON_VALUES, day=st.one_of(st.sampled_from(["2026-03-10", "2019-01-01"]),
                                        JSON_VALUES),
    travel=st.one_of(st.none(), st.dictionaries(st.sampled_from(TRAVEL_FIELDS), JSON_VALUES,
                                                max_size=4), JSON_VALUES),
)
def test_no_input_gives_a_server_error(client, assignment_type, duration, day, travel):
    body = {"assignment_type": assignment_type, "duration_minutes": duration, "date": day}
    if travel is not None:
        body["travel"] = travel
    response = client.post("/api/v1/fees/quote", json=body)
    assert response.status_code in (200, 400, 422)
    if response.status_code != 200:
        error = response.get_json()["error"]
        assert set(error) == {"code", "message", "field"}
