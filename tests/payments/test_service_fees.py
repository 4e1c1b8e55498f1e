"""The bank's service fee: per assignment or a percentage, versioned by date, its own line."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.common.errors import Conflict, InvalidInput, PermissionDenied
from app.common.timeutil import to_helsinki
from app.extensions import db
from app.payments import services
from app.payments.models import Invoice, ServiceFeeRate
from tests import factories
from tests.payments.helpers import confirmed_work

PAST = date(2020, 1, 1)


def rate(effective_from, kind, amount=None, percent=None) -> ServiceFeeRate:
    """A rate written directly (the service refuses dates in the past)."""
    row = ServiceFeeRate(effective_from=effective_from, kind=kind, amount=amount,
                         percent=percent)
    db.session.add(row)
    db.session.flush()
    return row


def lines_by_kind(now, **work):
    _order, _assignment, lines = confirmed_work(now, **work)
    return {line.kind: line for line in lines}


def test_without_a_rate_there_is_no_service_fee_line(now):
    assert "service_fee" not in lines_by_kind(now)


def test_a_fee_per_assignment_becomes_its_own_line(now):
    rate(PAST, "per_assignment", amount=Decimal("5.00"))
    lines = lines_by_kind(now, fee=Decimal("30.00"), travel=Decimal("12.60"))
    assert lines["service_fee"].amount == Decimal("5.00")
    assert lines["service_fee"].description.startswith("Kokemuspankin palvelumaksu")
    order_invoice_total = sum(line.amount for line in lines.values())
    assert order_invoice_total == Decimal("47.60")


@pytest.mark.parametrize(
    ("percent", "fee", "travel", "per_diem", "expected"),
    [
        ("10", "30.00", "12.60", "0.00", "4.26"),
        ("7.5", "30.00", "12.60", "0.00", "3.20"),  # 3.195 rounds half up
        ("2.5", "15.00", "0.10", "0.00", "0.38"),  # 0.3775
        ("12.25", "20.00", "0.00", "25.00", "5.51"),  # 5.5125
    ],
)
def test_a_percentage_is_rounded_half_up_to_cents(now, percent, fee, travel, per_diem, expected):
    rate(PAST, "percent", percent=Decimal(percent))
    lines = lines_by_kind(now, fee=Decimal(fee), travel=Decimal(travel),
                          per_diem=Decimal(per_diem))
    assert lines["service_fee"].amount == Decimal(expected)


def test_the_rate_in_force_on_the_work_date_applies(now):
    work_day = to_helsinki(now - timedelta(days=2)).date()
    rate(PAST, "per_assignment", amount=Decimal("5.00"))
    rate(work_day + timedelta(days=1), "per_assignment", amount=Decimal("9.00"))
    assert lines_by_kind(now)["service_fee"].amount == Decimal("5.00")
    rate(work_day - timedelta(days=1), "none")
    assert "service_fee" not in lines_by_kind(now)


def test_the_service_fee_line_is_on_the_invoice_and_in_its_total(now):
    rate(PAST, "per_assignment", amount=Decimal("5.00"))
    order, _assignment, _lines = confirmed_work(now)
    services.run_invoicing(now)
    invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
    assert [line.kind for line in invoice.lines] == ["fee", "travel", "service_fee"]
    assert invoice.total == Decimal("47.60")


def test_the_administrator_adds_rates_from_today_on(now, app):
    admin = factories.user("admin")
    today = to_helsinki(now).date()
    added = services.add_service_fee_rate(admin, today, "percent", Decimal("2.5"), today=today)
    assert added.percent == Decimal("2.50") and added.amount is None
    with pytest.raises(Conflict):
        services.add_service_fee_rate(admin, today, "none", None, today=today)
    with pytest.raises(InvalidInput) as past:
        services.add_service_fee_rate(admin, today - timedelta(days=1), "none", None, today=today)
    assert past.value.field == "effective_from"
    tomorrow = today + timedelta(days=1)
    for kind, value in [("percent", Decimal("101")), ("percent", None),
                        ("per_assignment", Decimal("0")), ("per_assignment", Decimal("1.234")),
                        ("weekly", Decimal("1"))]:
        with pytest.raises(InvalidInput):
            services.add_service_fee_rate(admin, tomorrow, kind, value, today=today)
    with pytest.raises(PermissionDenied):
        services.add_service_fee_rate(factories.user("finance"), tomorrow, "none", None,
                                      today=today)
    assert services.service_fee_rate_on(today) == added


def test_the_service_fee_page(client, login, now):
    admin = factories.user("admin")
    db.session.commit()
    client.get("/language/en")
    login(client, admin.email)
    assert client.get("/admin/service-fees").status_code == 200
    today = to_helsinki(now).date()
    response = client.post("/admin/service-fees", data={
        "effective_from": today.isoformat(), "kind": "per_assignment", "value": "abc"})
    assert response.status_code == 422
    response = client.post("/admin/service-fees", data={
        "effective_from": today.isoformat(), "kind": "per_assignment", "value": ""})
    assert response.status_code == 422
    assert "Give a number greater than zero" in response.get_data(as_text=True)
    response = client.post("/admin/service-fees", data={
        "effective_from": today.isoformat(), "kind": "per_assignment", "value": "4,50"},
        follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "The service fee is saved." in text and "€4.50 per assignment" in text


def test_only_administrators_have_the_page(client, login):
    finance = factories.user("finance")
    db.session.commit()
    login(client, finance.email)
    assert client.get("/admin/service-fees").status_code == 403
