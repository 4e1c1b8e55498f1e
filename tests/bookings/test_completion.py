"""Reporting and confirming the work; the payout item and invoice lines follow the engine."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.bookings import completion, services
from app.bookings.completion import ReportData
from app.common.errors import Conflict, NotFound, PermissionDenied
from app.extensions import db
from app.fees.errors import FeeError
from app.fees.rules import TravelClaim
from app.fees.services import quote
from app.mail.models import OutboxMessage
from app.payments.models import InvoiceLine
from app.payouts.models import PayoutItem
from tests import factories


@pytest.fixture
def booked(world, coordinator, now):
    """The world's order booked for the nearest expert, with the work in the past."""
    expert = world["experts"][0]
    (invitation,) = services.invite_experts(coordinator, world["order"], [expert.id], now)
    (assignment,) = services.accept_invitation(expert.user, invitation.id, now)
    later = world["start"] + timedelta(hours=3)
    return {**world, "expert": expert, "assignment": assignment, "later": later}


CAR = ReportData(duration_minutes=90, remote=False, km_driven=Decimal("84"),
                 passengers=1, one_way_km=Decimal("42"), trip_hours=Decimal("7"),
                 parking_eur=Decimal("4.50"))


def test_report_confirm_creates_payout_and_invoice_lines_at_engine_prices(booked):
    assignment, expert = booked["assignment"], booked["expert"]
    completion.report_assignment(expert.user, assignment.id, CAR, booked["later"])
    assert assignment.status == "reported"
    assert db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.kind == "report_received",
        OutboxMessage.to_address == booked["organiser"].email)) is not None
    item = completion.confirm_assignment(booked["organiser"], assignment.id, booked["later"])
    expected = quote("lecture", 90, assignment.starts_at.date(), remote=False,
                     travel=TravelClaim(km_driven="84", passengers=1, one_way_km="42",
                                        trip_hours="7", parking_eur="4.50"))
    assert (item.fee, item.travel, item.per_diem) == (expected.fee, expected.travel,
                                                      expected.per_diem)
    assert item.fee == Decimal("60.00") and item.per_diem > 0
    assert item.withholding_percent == Decimal("60.00")  # no tax card given
    assert item.net_fee + item.withholding == item.fee
    assert item.status == "pending_approval" and item.prepared_by_id == expert.user_id
    lines = db.session.scalars(select(InvoiceLine).where(
        InvoiceLine.assignment_id == assignment.id)).all()
    assert sum(line.amount for line in lines) == expected.total
    assert assignment.status == "confirmed"
    assert booked["order"].status == "completed"


def test_remote_report_has_no_travel(booked):
    assignment, expert = booked["assignment"], booked["expert"]
    completion.report_assignment(expert.user, assignment.id,
                                 ReportData(duration_minutes=45, remote=True), booked["later"])
    item = completion.confirm_assignment(booked["organiser"], assignment.id, booked["later"])
    assert (item.fee, item.travel, item.per_diem) == (Decimal("30.00"), Decimal("0.00"),
                                                      Decimal("0.00"))


def test_work_cannot_be_reported_before_it_starts_or_twice(booked, now):
    assignment, expert = booked["assignment"], booked["expert"]
    with pytest.raises(Conflict):
        completion.report_assignment(expert.user, assignment.id, CAR, now)
    completion.report_assignment(expert.user, assignment.id, CAR, booked["later"])
    with pytest.raises(Conflict):
        completion.report_assignment(expert.user, assignment.id, CAR, booked["later"])


def test_only_the_booked_expert_reports_and_only_the_organisation_confirms(booked):
    assignment = booked["assignment"]
    with pytest.raises(NotFound):
        completion.report_assignment(booked["experts"][1].user, assignment.id, CAR,
                                     booked["later"])
    completion.report_assignment(booked["expert"].user, assignment.id, CAR, booked["later"])
    with pytest.raises(NotFound):
        completion.confirm_assignment(factories.member(), assignment.id, booked["later"])
    with pytest.raises(PermissionDenied):
        completion.confirm_assignment(booked["experts"][1].user, assignment.id, booked["later"])


def test_wrong_travel_values_are_refused(booked):
    bad = ReportData(duration_minutes=45, remote=False, km_driven=Decimal("6000"))
    with pytest.raises(FeeError):
        completion.report_assignment(booked["expert"].user, booked["assignment"].id, bad,
                                     booked["later"])
    assert booked["assignment"].status == "booked"


def test_dispute_goes_to_the_coordinator_who_confirms(booked, coordinator):
    assignment = booked["assignment"]
    completion.report_assignment(booked["expert"].user, assignment.id, CAR, booked["later"])
    with pytest.raises(Exception) as missing:
        completion.dispute_assignment(booked["organiser"], assignment.id, "  ")
    assert missing.value.code == "missing_reason"
    completion.dispute_assignment(booked["organiser"], assignment.id, "Kesto oli 45 min")
    assert assignment.status == "disputed"
    assert db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.kind == "report_disputed",
        OutboxMessage.to_address == coordinator.email)) is not None
    with pytest.raises(PermissionDenied):
        completion.confirm_assignment(booked["organiser"], assignment.id, booked["later"])
    item = completion.confirm_assignment(coordinator, assignment.id, booked["later"])
    assert item.status == "pending_approval"


def test_late_cancellation_pays_and_invoices_the_fee(world, coordinator, now):
    order, expert = world["order"], world["experts"][0]
    order.sessions[0].starts_at = now + timedelta(hours=10)
    (invitation,) = services.invite_experts(coordinator, order, [expert.id], now)
    (assignment,) = services.accept_invitation(expert.user, invitation.id, now)
    services.cancel_order(world["organiser"], order.id, now)
    item = db.session.scalar(select(PayoutItem).where(PayoutItem.assignment_id == assignment.id))
    assert (item.fee, item.travel, item.per_diem) == (Decimal("30.00"), Decimal("0.00"),
                                                      Decimal("0.00"))
    (line,) = db.session.scalars(select(InvoiceLine).where(
        InvoiceLine.assignment_id == assignment.id)).all()
    assert (line.kind, line.amount) == ("late_cancellation", Decimal("30.00"))


def test_reminders_to_report_and_to_confirm_go_once(booked):
    assignment = booked["assignment"]
    day_after = assignment.ends_at + timedelta(days=1, minutes=1)
    assert completion.remind_unreported(day_after) == 1
    assert completion.remind_unreported(day_after + timedelta(hours=5)) == 0
    completion.report_assignment(booked["expert"].user, assignment.id, CAR, day_after)
    assert completion.remind_unreported(day_after + timedelta(days=1)) == 0
    assert completion.remind_unreported(day_after + timedelta(days=4)) == 1  # the organiser
