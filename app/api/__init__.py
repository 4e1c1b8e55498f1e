"""The JSON API under /api/v1 (see API.md): bearer tokens, no cookies, documented errors.

The blueprint lives in `app.api.core`; it is bound here first, so that an endpoint module
that still imports it from `app.api` works (tests/test_architecture.py reports that as a
circle: import it from `app.api.core`).
"""

from app.api.core import bp  # noqa: I001, F401
from app.api import (  # noqa: F401
    audit,
    auth,
    bookings,
    calendar,
    errors,
    experts,
    fees,
    invoices,
    matches,
    orders,
    payouts,
    privacy,
    reference,
    spec,
)
