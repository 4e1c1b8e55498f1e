"""Numbers, money, distances and times in the page's language (issue 14, point 2).

Finnish and Swedish pages write 30,00 €, 562,7 km and 1.12.2026 klo/kl. 17.00; English
pages €30.00 and 1 Dec 2026, 17:00. The API keeps machine formats ("30.00").
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import session
from flask_babel import refresh

from app.web.fields import LocalDecimalField
from app.web.templating import (
    decimal_number,
    euros,
    helsinki_datetime,
    kilometres,
    localized_date,
    per_km_rate,
)

NBSP = "\u00a0"
#: 17.00 in Helsinki (UTC+2 in December).
EVENING = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
def in_language(app):
    """``in_language(code)``: a request context whose page language is ``code``."""
    contexts = []

    def enter(code: str):
        context = app.test_request_context("/")
        context.push()
        contexts.append(context)
        session["language"] = code
        refresh()

    yield enter
    for context in reversed(contexts):
        context.pop()


@pytest.mark.parametrize(("language", "expected"), [
    ("fi", {"money": f"1{NBSP}234,50 €", "fee": "30,00 €", "rate": "0,535 €",
            "km": f"562,7{NBSP}km", "zero_km": f"0,0{NBSP}km", "number": "12,5",
            "time": "1.12.2026 klo 17.00", "day": "1.12.2026"}),
    ("sv", {"money": f"1{NBSP}234,50 €", "fee": "30,00 €", "rate": "0,535 €",
            "km": f"562,7{NBSP}km", "zero_km": f"0,0{NBSP}km", "number": "12,5",
            "time": "1.12.2026 kl. 17.00", "day": "1.12.2026"}),
    ("en", {"money": "€1,234.50", "fee": "€30.00", "rate": "€0.535", "km": f"562.7{NBSP}km",
            "zero_km": f"0.0{NBSP}km", "number": "12.5", "time": "1 Dec 2026, 17:00",
            "day": "1 Dec 2026"}),
])
def test_filters_write_the_pages_language(in_language, language, expected):
    in_language(language)
    shown = {
        "money": euros(Decimal("1234.5")), "fee": euros(Decimal("30")),
        "rate": per_km_rate(Decimal("0.535")), "km": kilometres(Decimal("562.7")),
        "zero_km": kilometres(Decimal("0.0"), 1), "number": decimal_number(Decimal("12.50")),
        "time": helsinki_datetime(EVENING), "day": localized_date(date(2026, 12, 1)),
    }
    assert {key: value.replace("\u202f", NBSP) for key, value in shown.items()} == expected


def test_a_swedish_time_is_never_iso(in_language):
    """CLDR's Swedish short format is 2026-12-01 17:00; the pages never show it, whatever
    style an old template asks for."""
    in_language("sv")
    assert helsinki_datetime(EVENING, "short") == helsinki_datetime(EVENING, "medium") == (
        "1.12.2026 kl. 17.00")


@pytest.mark.parametrize(("language", "shown"), [("fi", "12,50"), ("sv", "12,50"),
                                                 ("en", "12.50")])
def test_a_decimal_field_shows_its_value_in_the_pages_language(in_language, language, shown):
    from flask_wtf import FlaskForm

    class Form(FlaskForm):
        amount = LocalDecimalField("Amount", places=2)

    in_language(language)
    form = Form(formdata=None, meta={"csrf": False}, data={"amount": Decimal("12.5")})
    assert f'value="{shown}"' in form.amount()


def test_a_decimal_field_accepts_the_comma_and_shows_what_was_typed(app):
    from flask_wtf import FlaskForm

    class Form(FlaskForm):
        amount = LocalDecimalField("Amount", places=2)

    with app.test_request_context("/", method="POST", data={"amount": "1 234,5"}):
        form = Form(meta={"csrf": False})
        assert form.validate() and form.amount.data == Decimal("1234.5")
        assert 'value="1 234,5"' in form.amount()
    with app.test_request_context("/", method="POST", data={"amount": "12,5x"}):
        form = Form(meta={"csrf": False})
        assert not form.validate()
        assert 'value="12,5x"' in form.amount()


PRICE_QUERY = {"assignment_type": "lecture", "duration_minutes": "90", "date": "2026-03-10",
               "km_driven": "84,5", "passengers": "1", "parking_eur": "6", "trip_hours": "7",
               "one_way_km": "42", "free_meals": "1"}


def test_the_price_pages_fee_lines_are_in_finnish_format(client):
    with client.session_transaction() as stored:
        stored["language"] = "fi"
    html = client.get("/prices", query_string=PRICE_QUERY).get_data(as_text=True)
    result = html[html.index('id="quote-result"'):]
    assert "2 × 30,00 €" in result
    assert "84,5 km × 0,59 €/km (auto 0,55 €/km" in result  # 0.55 + 1 × 0.04 in 2026
    assert "30.00" not in result and "84.5" not in result and "0.59" not in result
    # What was typed stays as typed, with its comma.
    assert 'value="84,5"' in html


def test_the_api_keeps_machine_formats(client):
    body = {"assignment_type": "lecture", "duration_minutes": 90, "date": "2026-03-10",
            "travel": {"km_driven": "84.5", "passengers": 1, "one_way_km": "42",
                       "trip_hours": "7", "free_meals": 1, "parking_eur": "6"}}
    answer = client.post("/api/v1/fees/quote", json=body,
                         headers={"Accept-Language": "en"}).get_json()
    assert answer["fee"] == "60.00"
    descriptions = [line["description"] for line in answer["lines"]]
    assert descriptions[0] == "Fee: 2 × 30.00 €"
    assert descriptions[1] == (
        "Car: 84.5 km × 0.59 €/km (car 0.55 €/km, passengers 1 × 0.04 €/km)")
