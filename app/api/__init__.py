"""The JSON API under /api/v1 (see API.md): bearer tokens, no cookies, documented errors."""

from app.api import auth, bookings, errors, experts, fees, matches, orders, payouts, reference, spec  # noqa: F401
from app.api.core import bp  # noqa: F401
