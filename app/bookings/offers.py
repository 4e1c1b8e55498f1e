"""What a work offer pays one expert: the fee and the travel estimate from their home."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.bookings.models import Order
from app.common.timeutil import to_helsinki
from app.experts.models import ExpertProfile
from app.extensions import db
from app.fees.errors import FeeError
from app.fees.models import FeeSchedule
from app.fees.rules import TravelClaim
from app.fees.services import quote
from app.matching.distance import road_km
from app.reference.models import Municipality


@dataclass(frozen=True)
class Offer:
    fee: Decimal
    travel: Decimal | None
    distance_km: Decimal | None


def offer_for(order: Order, expert: ExpertProfile) -> Offer:
    """The fee over all sessions (the order's kept schedule) and the likely car travel."""
    schedule = db.session.get(FeeSchedule, order.fee_schedule_id) if order.fee_schedule_id \
        else None
    distance = None
    home = expert.home_municipality
    venue = db.session.get(Municipality, order.municipality_code) if not order.remote else None
    if home is not None and venue is not None:
        distance = road_km(home.latitude, home.longitude, venue.latitude, venue.longitude)
    fee, travel = Decimal("0.00"), Decimal("0.00") if distance is not None else None
    for session in order.sessions:
        day = to_helsinki(session.starts_at).date()
        claim = TravelClaim(km_driven=distance * 2, one_way_km=distance) if distance else None
        try:
            priced = quote(order.assignment_type.code, session.duration_minutes, day,
                           remote=order.remote or claim is None, travel=claim,
                           schedule=schedule)
        except FeeError:
            priced = quote(order.assignment_type.code, session.duration_minutes, day,
                           remote=True, travel=None, schedule=schedule)
            travel = None
        fee += priced.fee
        if travel is not None:
            travel += priced.travel
    return Offer(fee=fee, travel=travel, distance_km=distance)
