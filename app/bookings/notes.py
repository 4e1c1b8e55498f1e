"""Coordinators' notes on orders: seen and written by the bank's staff only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import ADMIN, COORDINATOR, User
from app.audit.services import record_audit
from app.bookings.models import Order, OrderNote
from app.common.errors import InvalidInput, NotFound, PermissionDenied
from app.common.timeutil import utcnow
from app.extensions import db


def _require_staff(actor: User) -> None:
    if actor.role not in (COORDINATOR, ADMIN):
        raise PermissionDenied("Only the bank's staff keep notes on orders.")


def add_note(actor: User, order_id: int, body: str, now: datetime | None = None) -> OrderNote:
    """Add a note to an order (audited; the text itself stays in the note)."""
    _require_staff(actor)
    if db.session.get(Order, order_id) is None:
        raise NotFound("The order was not found.", code="order_not_found")
    body = (body or "").strip()
    if not body:
        raise InvalidInput("Write the note first.", code="missing_note", field="body")
    note = OrderNote(order_id=order_id, author_id=actor.id, body=body[:2000],
                     created_at=now or utcnow())
    db.session.add(note)
    db.session.flush()
    record_audit(actor, "order_note_added", "order", order_id, note=note.id)
    return note


def notes_of(actor: User, order_id: int, limit: int = 50) -> list[OrderNote]:
    """The order's latest notes, newest first."""
    _require_staff(actor)
    return list(db.session.scalars(
        select(OrderNote).where(OrderNote.order_id == order_id)
        .options(joinedload(OrderNote.author))
        .order_by(OrderNote.created_at.desc(), OrderNote.id.desc()).limit(limit)))
