"""Versioned fees: administrators add schedules, rates and types; the past never changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.bookings.services import OrderRequest, SessionRequest, create_order
from app.common.timeutil import to_helsinki, utcnow
from app.extensions import db
from app.fees.models import FeeSchedule, TravelRate
from app.fees.services import quote
from tests import factories

NEXT_YEAR = to_helsinki(utcnow()).year + 1
THIS_YEAR = NEXT_YEAR - 1


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def admin(client, login):
    user = factories.user("admin")
    login(client, user.email)
    client.get("/language/en")  # assert on the English texts
    return user


def schedule_form(name: str, day: date, lecture: str = "35,00") -> dict:
    return {
        "name": name, "effective_from": day.isoformat(),
        "rule_lecture-amount": lecture, "rule_lecture-unit_minutes": "45",
        "rule_meeting-amount": "20,00", "rule_meeting-unit_minutes": "180",
        "rule_group_guidance-amount": "15,00", "rule_group_guidance-unit_minutes": "60",
    }


def quoted_fee(client, day: date) -> str:
    response = client.post("/api/v1/fees/quote", json={
        "assignment_type": "lecture", "duration_minutes": 45, "date": day.isoformat()})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["fee"]


def test_new_fee_for_next_year_leaves_this_year_and_bookings_alone(client, admin):
    organiser = factories.member(is_admin=True)
    booked = create_order(organiser, OrderRequest(
        title="Luento ensi vuonna", assignment_type="lecture", expertise_areas=["mental-health"],
        language="fi", experts_needed=1, remote=True,
        sessions=[SessionRequest(datetime(NEXT_YEAR, 3, 10, 11, tzinfo=UTC), 45)],
    ))
    db.session.commit()
    kept_schedule = booked.fee_schedule_id

    response = client.post("/admin/fees/schedules/new",
                           data=schedule_form(f"Satakunta {NEXT_YEAR}", date(NEXT_YEAR, 1, 1)))
    assert response.status_code == 302

    assert quoted_fee(client, date(NEXT_YEAR, 3, 10)) == "35.00"
    assert quoted_fee(client, date(THIS_YEAR, 12, 31)) == "30.00"
    assert quoted_fee(client, date(2024, 6, 1)) == "30.00"
    db.session.refresh(booked)
    assert booked.fee_schedule_id == kept_schedule
    kept = db.session.get(FeeSchedule, kept_schedule)
    assert quote("lecture", 45, date(NEXT_YEAR, 3, 10), remote=True, travel=None,
                 schedule=kept).fee == Decimal("30.00")
    newer = create_order(organiser, OrderRequest(
        title="Luento uusilla hinnoilla", assignment_type="lecture",
        expertise_areas=["mental-health"], language="fi", experts_needed=1, remote=True,
        sessions=[SessionRequest(datetime(NEXT_YEAR, 4, 10, 11, tzinfo=UTC), 45)],
    ))
    assert newer.fee_schedule_id != kept_schedule


def test_a_schedule_cannot_start_in_the_past(client, admin):
    response = client.post("/admin/fees/schedules/new",
                           data=schedule_form("Takautuva", date(2024, 1, 1)))
    assert response.status_code == 200
    assert "can start today at the earliest" in response.get_data(as_text=True)
    assert 'value="Takautuva"' in response.get_data(as_text=True)  # input kept
    assert db.session.scalar(select(FeeSchedule).where(FeeSchedule.name == "Takautuva")) is None
    assert quoted_fee(client, date(2024, 6, 1)) == "30.00"


def test_two_schedules_cannot_start_on_the_same_day(client, admin):
    day = date(NEXT_YEAR, 2, 1)
    assert client.post("/admin/fees/schedules/new", data=schedule_form("A", day)).status_code == 302
    response = client.post("/admin/fees/schedules/new", data=schedule_form("B", day, "40"))
    assert response.status_code == 200
    assert "already starts on this date" in response.get_data(as_text=True)
    assert quoted_fee(client, date(NEXT_YEAR, 2, 2)) == "35.00"


def test_travel_rates_are_added_for_a_year_and_never_rewritten(client, admin):
    body = {"assignment_type": "lecture", "duration_minutes": 45, "date": "2090-05-05",
            "travel": {"km_driven": "100"}}
    assert client.post("/api/v1/fees/quote", json=body).get_json()["error"]["code"] == \
        "no_travel_rate"
    form = {"year": "2090", "car_per_km": "0,60", "passenger_per_km": "0,05",
            "per_diem_partial": "26", "per_diem_full": "56", "source": "test"}
    assert client.post("/admin/fees/rates/new", data=form).status_code == 302
    assert client.post("/api/v1/fees/quote", json=body).get_json()["travel"] == "60.00"
    again = client.post("/admin/fees/rates/new", data={**form, "car_per_km": "0,99"})
    assert again.status_code == 200
    assert "never changed" in again.get_data(as_text=True)
    assert db.session.get(TravelRate, 2090).car_per_km == Decimal("0.6000")


def test_a_new_type_of_work_gets_its_fee_from_a_new_schedule(client, admin):
    response = client.post("/admin/fees/types/new", data={
        "code": "training_day", "name_fi": "Koulutuspäivä", "name_sv": "Utbildningsdag",
        "name_en": "Training day"})
    assert response.status_code == 302
    body = {"assignment_type": "training_day", "duration_minutes": 360,
            "date": date(NEXT_YEAR, 6, 1).isoformat()}
    assert client.post("/api/v1/fees/quote", json=body).get_json()["error"]["code"] == \
        "unknown_assignment_type"
    form = schedule_form("Koulutuspäivät", date(NEXT_YEAR, 5, 1))
    form.update({"rule_training_day-amount": "120", "rule_training_day-unit_minutes": "480"})
    assert client.post("/admin/fees/schedules/new", data=form).status_code == 302
    answer = client.post("/api/v1/fees/quote", json=body).get_json()
    assert (answer["fee"], answer["units"]) == ("120.00", 1)
    prices = client.get("/prices").get_data(as_text=True)
    assert "Koulutuspäivä" in prices or "Training day" in prices


@pytest.mark.parametrize("path", ["/admin/fees", "/admin/fees/schedules/new",
                                  "/admin/fees/rates/new", "/admin/fees/types/new"])
@pytest.mark.parametrize("role", ["coordinator", "finance", "expert", "organisation_member"])
def test_only_administrators_manage_fees(client, login, path, role):
    user = factories.user(role) if role != "expert" else factories.expert().user
    login(client, user.email)
    assert client.get(path).status_code == 403
