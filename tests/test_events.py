"""Domain events (app/common/events.py): handlers by name, in order, and never lost."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.bookings.events import WorkPayable
from app.common.events import _handlers, publish, subscribe


@dataclass(frozen=True)
class Happened:
    value: int


@dataclass(frozen=True)
class Unheard:
    pass


def test_handlers_run_in_order_and_return_by_name():
    calls = []
    subscribe(Happened, "first", lambda e: calls.append(("first", e.value)) or "one")
    subscribe(Happened, "second", lambda e: calls.append(("second", e.value)) or "two")
    subscribe(Happened, "first", lambda e: calls.append(("first again", e.value)) or "uno")
    try:
        assert publish(Happened(7)) == {"first": "uno", "second": "two"}
        assert calls == [("first again", 7), ("second", 7)]
    finally:
        _handlers.pop(Happened)


def test_an_event_nobody_handles_is_an_error():
    with pytest.raises(RuntimeError, match="Unheard"):
        publish(Unheard())


def test_the_app_registers_payouts_before_payments(app):
    assert list(_handlers[WorkPayable]) == ["payout", "invoice"]
