"""Payments' answers to what bookings tells it (registered at app start)."""

from __future__ import annotations

from app.bookings.events import WorkPayable
from app.common.events import subscribe
from app.payments.services import add_invoice_lines_for_assignment, add_late_cancellation_line


def invoice_organisation(event: WorkPayable) -> None:
    if event.late_cancellation:
        add_late_cancellation_line(event.assignment, event.fee, event.now)
    else:
        add_invoice_lines_for_assignment(event.assignment, event.fee, event.travel,
                                         event.per_diem, event.now)


def register() -> None:
    subscribe(WorkPayable, "invoice", invoice_organisation)
