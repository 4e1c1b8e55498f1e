"""The price estimate shown before ordering: fee per expert, likely travel, total.

Travel is estimated from where the experts who could take the work live: the
road distance (great-circle × 1.3) from their home municipalities' centres to
the venue, there and back, at the car rate of the work's year. The nearest
candidates, as many as the order asks for, give the estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.experts.models import (
    VERIFIED,
    ExpertArea,
    ExpertAssignmentType,
    ExpertLanguage,
    ExpertProfile,
)
from app.extensions import db
from app.fees.models import AssignmentType
from app.fees.money import round_cents
from app.fees.rules import NoTravelRate, TravelClaim
from app.fees.services import quote_with_schedule
from app.matching.distance import road_km
from app.reference.models import ExpertiseArea, Municipality

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class SessionPlan:
    day: date
    duration_minutes: int


@dataclass(frozen=True)
class OrderEstimate:
    """Per expert and for all experts; ``basis`` says how travel was estimated."""

    fee: Decimal
    travel: Decimal
    per_diem: Decimal
    total: Decimal
    experts: int
    total_all: Decimal
    #: "remote", "pool" (nearest candidates), "no_pool" (nobody in range yet) or
    #: "no_rates" (the year's travel rates are not known yet).
    basis: str
    #: The average one-way road distance used, when travel was estimated.
    distance_km: Decimal | None
    fee_schedule: str


def candidate_distances(
    assignment_type: str, area_slugs: list[str], language: str, municipality_code: str
) -> list[Decimal]:
    """One-way road distances of verified experts who could take on-site work, nearest first."""
    venue = db.session.get(Municipality, municipality_code)
    if venue is None:
        return []
    query = (
        select(Municipality.latitude, Municipality.longitude, ExpertProfile.travel_range_km)
        .join(Municipality, Municipality.code == ExpertProfile.home_municipality_code)
        .where(ExpertProfile.status == VERIFIED)
        .where(ExpertProfile.id.in_(
            select(ExpertAssignmentType.expert_id)
            .join(AssignmentType, AssignmentType.id == ExpertAssignmentType.assignment_type_id)
            .where(AssignmentType.code == assignment_type)
        ))
        .where(ExpertProfile.id.in_(
            select(ExpertLanguage.expert_id).where(ExpertLanguage.language == language)
        ))
    )
    for slug in area_slugs:
        query = query.where(ExpertProfile.id.in_(
            select(ExpertArea.expert_id).join(ExpertiseArea).where(ExpertiseArea.slug == slug)
        ))
    distances = []
    for latitude, longitude, travel_range in db.session.execute(query):
        km = road_km(latitude, longitude, venue.latitude, venue.longitude)
        if km <= travel_range:
            distances.append(km)
    return sorted(distances)


def estimate_order(
    assignment_type: str, sessions: list[SessionPlan], experts: int, *, remote: bool,
    area_slugs: list[str], language: str, municipality_code: str | None,
) -> OrderEstimate:
    """The estimate for an order; every session is priced with the engine of its date."""
    distance = None
    basis = "remote"
    if not remote:
        nearest = candidate_distances(assignment_type, area_slugs, language,
                                      municipality_code or "")[:max(1, experts)]
        if nearest:
            distance = (sum(nearest) / len(nearest)).quantize(Decimal("0.1"))
            basis = "pool"
        else:
            basis = "no_pool"
    fee = travel = per_diem = ZERO
    schedule_name = ""
    for session in sessions:
        claim = None
        if distance is not None:
            claim = TravelClaim(km_driven=distance * 2, one_way_km=distance)
        try:
            priced, schedule = quote_with_schedule(
                assignment_type, session.duration_minutes, session.day,
                remote=remote or claim is None, travel=claim,
            )
        except NoTravelRate:
            # Rates of a coming year are not published yet: price the fee alone.
            basis, distance = "no_rates", None
            priced, schedule = quote_with_schedule(
                assignment_type, session.duration_minutes, session.day, remote=True, travel=None
            )
        schedule_name = schedule_name or schedule.name
        fee += priced.fee
        travel += priced.travel
        per_diem += priced.per_diem
    total = fee + travel + per_diem
    return OrderEstimate(
        fee=fee, travel=travel, per_diem=per_diem, total=total, experts=experts,
        total_all=round_cents(total * experts), basis=basis, distance_km=distance,
        fee_schedule=schedule_name,
    )
