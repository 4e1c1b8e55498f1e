"""The JSON API under /api/v1 (see API.md): bearer tokens, no cookies, documented errors."""

from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

from app.api import (  # noqa: E402,F401
    auth,
    bookings,
    errors,
    experts,
    fees,
    invoices,
    matches,
    orders,
    payouts,
    reference,
    spec,
)
