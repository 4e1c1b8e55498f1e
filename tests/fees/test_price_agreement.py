"""The price page and the order form's estimate agree with the API for the same inputs."""

from __future__ import annotations

import csv
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from app.common.timeutil import to_helsinki, utcnow
from app.extensions import db
from app.fees.models import TravelRate
from app.matching.distance import road_km
from app.reference.models import Municipality
from tests import factories

CASES = [row for row in csv.DictReader((Path(__file__).parent / "fee-cases.csv").open())
         if row["expected_total"] != "error"]
TRAVEL_FIELDS = ("km_driven", "passengers", "public_transport_eur", "parking_eur", "trip_hours",
                 "one_way_km", "free_meals")


#: A date a month ahead, so the order form accepts it whenever the suite runs.
DAY = to_helsinki(utcnow()).date() + timedelta(days=30)


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        if db.session.get(TravelRate, DAY.year) is None:
            latest = db.session.scalar(select(TravelRate).order_by(TravelRate.year.desc()))
            db.session.add(TravelRate(
                year=DAY.year, car_per_km=latest.car_per_km,
                passenger_per_km=latest.passenger_per_km,
                per_diem_partial=latest.per_diem_partial, per_diem_full=latest.per_diem_full))
            db.session.flush()
        yield


def euros_on_page(html: str, element_id: str) -> Decimal:
    """The amount shown in the element, e.g. "1 234,50 €" → Decimal("1234.50")."""
    match = re.search(rf'id="{element_id}">(?:<strong>)?([^<]+)', html)
    assert match, f"{element_id} not on the page"
    text = match.group(1).replace("\xa0", "").replace(" ", "").replace("€", "")
    return Decimal(text.replace(",", "."))


def api_quote(client, body: dict) -> dict:
    response = client.post("/api/v1/fees/quote", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("row", CASES, ids=[f"case{row['case']}" for row in CASES])
def test_price_page_calculator_agrees_with_the_api(client, row):
    remote = row["remote"] == "yes"
    params = {"assignment_type": row["assignment_type"],
              "duration_minutes": row["duration_minutes"], "date": row["date"]}
    if remote:
        params["remote"] = "y"
    else:
        params.update({name: row[name].replace(".", ",") for name in TRAVEL_FIELDS})
    page = client.get("/prices", query_string=params)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    body = {"assignment_type": row["assignment_type"],
            "duration_minutes": int(row["duration_minutes"]), "date": row["date"],
            "remote": remote, "travel": {name: row[name] for name in TRAVEL_FIELDS}}
    answer = api_quote(client, body)
    assert euros_on_page(html, "quote-fee") == Decimal(answer["fee"])
    assert euros_on_page(html, "quote-travel") == Decimal(answer["travel"])
    assert euros_on_page(html, "quote-per-diem") == Decimal(answer["per_diem"])
    assert euros_on_page(html, "quote-total") == Decimal(answer["total"]) == \
        Decimal(row["expected_total"])


def test_price_page_shows_the_rates_of_the_database(client):
    html = client.get("/prices").get_data(as_text=True)
    assert "30,00 €" in html and "20,00 €" in html and "15,00 €" in html
    assert "Satakunta 2020" in html


def order_form(**changes) -> dict:
    data = {"kind": "single", "assignment_type": "lecture", "title": "Kokemuspuheenvuoro",
            "expertise_areas": ["criminal-sanctions"], "language": "fi",
            "experts_needed": "3", "date": DAY.isoformat(), "start_time": "13:00",
            "duration_minutes": "90", "municipality_code": "609", "address": "Katu 1",
            "action": "estimate"}
    data.update(changes)
    return data


def test_order_form_estimate_agrees_with_the_api(client, login):
    """Travel comes from the nearest suitable experts' home municipalities (Rauma, Ulvila)."""
    near = factories.expert(home_municipality_code="684", areas=["criminal-sanctions"])
    nearer = factories.expert(home_municipality_code="886", areas=["criminal-sanctions"])
    factories.expert(home_municipality_code="698", areas=["criminal-sanctions"])  # out of range
    factories.expert(home_municipality_code="609", areas=["youth"])  # wrong area
    db.session.commit()
    organiser = factories.member(is_admin=True)
    login(client, organiser.email)
    html = client.post("/organisation/orders/new", data=order_form()).get_data(as_text=True)

    venue = db.session.get(Municipality, "609")
    distances = [
        road_km(m.latitude, m.longitude, venue.latitude, venue.longitude)
        for m in (db.session.get(Municipality, near.home_municipality_code),
                  db.session.get(Municipality, nearer.home_municipality_code))
    ]
    average = (sum(distances) / 2).quantize(Decimal("0.1"))
    answer = api_quote(client, {
        "assignment_type": "lecture", "duration_minutes": 90, "date": DAY.isoformat(),
        "travel": {"km_driven": str(average * 2), "one_way_km": str(average)}})
    assert euros_on_page(html, "estimate-fee") == Decimal(answer["fee"]) == Decimal("60.00")
    assert euros_on_page(html, "estimate-travel") == Decimal(answer["travel"])
    assert Decimal(answer["travel"]) > 0
    assert euros_on_page(html, "estimate-total") == Decimal(answer["total"])
    assert euros_on_page(html, "estimate-total-all") == Decimal(answer["total"]) * 3


def test_remote_order_estimate_has_no_travel(client, login):
    login(client, factories.member(is_admin=True).email)
    html = client.post("/organisation/orders/new",
                       data=order_form(remote="y", municipality_code="")).get_data(as_text=True)
    answer = api_quote(client, {"assignment_type": "lecture", "duration_minutes": 90,
                                "date": DAY.isoformat(), "remote": True})
    assert euros_on_page(html, "estimate-travel") == Decimal("0.00")
    assert euros_on_page(html, "estimate-total-all") == Decimal(answer["total"]) * 3


def test_series_estimate_prices_every_session(client, login):
    login(client, factories.member(is_admin=True).email)
    html = client.post("/organisation/orders/new", data=order_form(
        kind="co_development_3", assignment_type="meeting", duration_minutes="180",
        second_date=(DAY + timedelta(days=5)).isoformat(),
        third_date=(DAY + timedelta(days=13)).isoformat(), remote="y", municipality_code="",
        experts_needed="2")).get_data(as_text=True)
    assert euros_on_page(html, "estimate-fee") == Decimal("60.00")
    assert euros_on_page(html, "estimate-total-all") == Decimal("120.00")


def test_order_api_answers_with_the_same_estimate(client, api_token):
    organiser = factories.member(is_admin=True)
    db.session.commit()
    token = api_token(client, organiser.email)
    response = client.post("/api/v1/orders", headers={"Authorization": f"Bearer {token}"}, json={
        "title": "Etäluento", "assignment_type": "lecture", "expertise_areas": ["mental-health"],
        "language": "fi", "experts_needed": 2, "starts_at": f"{DAY.isoformat()}T13:00:00+02:00",
        "duration_minutes": 90, "remote": True})
    assert response.status_code == 201, response.get_json()
    estimate = response.get_json()["estimate"]
    assert (estimate["fee"], estimate["travel"], estimate["total_all"]) == \
        ("60.00", "0.00", "120.00")
