"""Reminders 48 h and 24 h before, each once, with the same calendar entry."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.bookings import services
from app.bookings.reminders import send_reminders
from app.extensions import db
from app.mail.models import OutboxMessage


def reminder_kinds(to: str) -> list[str]:
    return list(db.session.scalars(select(OutboxMessage.kind).where(
        OutboxMessage.to_address == to, OutboxMessage.kind.like("reminder%"))
        .order_by(OutboxMessage.id)))


def test_reminders_come_48_and_24_hours_before_once_each(world, coordinator, now):
    expert = world["experts"][0]
    start = world["start"]
    (invitation,) = services.invite_experts(coordinator, world["order"], [expert.id], now)
    services.accept_invitation(expert.user, invitation.id, now)
    assert send_reminders(start - timedelta(hours=49)) == 0
    assert send_reminders(start - timedelta(hours=47)) == 1
    assert send_reminders(start - timedelta(hours=40)) == 0
    assert send_reminders(start - timedelta(hours=23)) == 1
    assert send_reminders(start - timedelta(hours=1)) == 0
    assert reminder_kinds(expert.user.email) == ["reminder_48h", "reminder_24h"]
    message = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "reminder_24h")).one()
    assert "BEGIN:VEVENT" in message.ics and "assignment-" in message.ics


def test_short_notice_booking_gets_only_the_24_hour_reminder(world, coordinator, now):
    expert = world["experts"][0]
    world["order"].sessions[0].starts_at = now + timedelta(hours=20)
    (invitation,) = services.invite_experts(coordinator, world["order"], [expert.id], now)
    services.accept_invitation(expert.user, invitation.id, now)
    assert send_reminders(now) == 1
    assert reminder_kinds(expert.user.email) == ["reminder_24h"]


def test_cancelled_bookings_get_no_reminder(world, coordinator, now):
    expert = world["experts"][0]
    (invitation,) = services.invite_experts(coordinator, world["order"], [expert.id], now)
    services.accept_invitation(expert.user, invitation.id, now)
    services.cancel_order(world["organiser"], world["order"].id, now)
    assert send_reminders(world["start"] - timedelta(hours=10)) == 0
