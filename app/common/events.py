"""Domain events: how a lower domain tells a higher one what happened without importing it.

A domain defines its events as frozen dataclasses (e.g. app/bookings/events.py);
the domains above register handlers once at app start (`register_event_handlers`
in app/__init__.py). `publish` calls the handlers at once, inside the same
transaction, in the order they were registered, and returns their results by
name. An event that nobody handles is an error, so no payout is silently lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_handlers: dict[type, dict[str, Callable[[Any], Any]]] = {}


def subscribe(event_type: type, name: str, handler: Callable[[Any], Any]) -> None:
    """Register (or re-register: create_app runs many times in tests) a named handler."""
    _handlers.setdefault(event_type, {})[name] = handler


def publish(event: object) -> dict[str, Any]:
    """Call every handler of this event; {handler name: its result}."""
    handlers = _handlers.get(type(event))
    if not handlers:
        raise RuntimeError(f"No handler is registered for {type(event).__name__}.")
    return {name: handler(event) for name, handler in handlers.items()}
