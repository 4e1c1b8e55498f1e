"""Bookings' answers to what organisations tells it (registered at app start)."""

from __future__ import annotations

from app.bookings.models import Order
from app.bookings.services import release_waiting_orders
from app.common.events import subscribe
from app.organisations.events import OrganisationApproved


def release_orders(event: OrganisationApproved) -> list[Order]:
    return release_waiting_orders(event.organisation_id, event.now)


def register() -> None:
    subscribe(OrganisationApproved, "release_orders", release_orders)
