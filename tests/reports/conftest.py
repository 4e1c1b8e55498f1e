"""The reports tests use the participation fixtures (an organisation with a group, experts,
the bank's coordinator, a fixed clock)."""

from tests.participation.conftest import (  # noqa: F401
    _app_context,
    coordinator,
    experts,
    now,
    organiser,
    panel,
)
