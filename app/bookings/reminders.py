"""Reminders 48 h and 24 h before booked work, each sent once (outbox dedupe keys)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.bookings.calendar import assignment_ics
from app.bookings.models import Assignment
from app.common.timeutil import utcnow
from app.extensions import db
from app.mail.models import OutboxMessage
from app.mail.services import queue_mail

REMINDERS = (("reminder_48h", timedelta(hours=48)), ("reminder_24h", timedelta(hours=24)))


def send_reminders(now: datetime | None = None) -> int:
    """Queue the due reminders of booked assignments; returns how many were queued."""
    now = now or utcnow()
    queued = 0
    for kind, lead in REMINDERS:
        due = db.session.scalars(
            select(Assignment).where(
                Assignment.status == "booked",
                Assignment.starts_at > now,
                Assignment.starts_at <= now + lead,
            )
        ).all()
        if not due:
            continue
        keys = {f"{kind}:{a.id}" for a in due}
        sent = set(db.session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))))
        for assignment in due:
            key = f"{kind}:{assignment.id}"
            if key in sent or (kind == "reminder_48h" and
                               assignment.starts_at <= now + timedelta(hours=24)):
                continue  # booked at short notice: the 24 h reminder is enough
            user = assignment.expert.user
            message = queue_mail(
                user.email, "reminder", language=user.language, kind=kind, user_id=user.id,
                ics=assignment_ics(assignment), assignment=assignment, order=assignment.order,
                expert=assignment.expert,
            )
            message.dedupe_key = key
            queued += 1
    db.session.flush()
    return queued
