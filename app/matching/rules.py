"""Matching experts to an order: hard filters and the ranking. Pure: no Flask, no database.

Plain facts in (`CandidateFacts` per expert, `OrderNeeds` for the order), a
ranked list of `Match` out. The service in `app.matching.services` gathers the
facts from the database; the web page and the API turn the reason codes into
text.

Hard filters (`filter_reasons`): the expert is verified and not on a break,
has every expertise area the order asks for, offers the type of work, works in
the order's language, is free at every session of the order (no booking, no
declared unavailability overlapping it), has not been invited to this order
already, and, for on-site work, has a home municipality and the venue is within
their travel range; remote work needs an expert who works remotely.

Ranking (`rank`): every candidate starts from `BASE_SCORE` points. For on-site
work one point is taken off per kilometre of estimated road distance from the
expert's home municipality to the venue (remote work: distance does not count).
For fair rotation `ROTATION_PENALTY` points are taken off for each paid
assignment in the last 90 days, so one recent assignment weighs as much as 25 km
of travel. Higher scores come first; equal scores are ordered by expert id, so
the same data always gives the same order. A candidate whose fee from this order
would take them over their own monthly or yearly earnings limit gets a warning,
but keeps their place: the limit is the expert's own concern, the coordinator
only needs to know.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from app.matching.distance import road_km

__all__ = [
    "BASE_SCORE",
    "FILTER_CODES",
    "ROTATION_PENALTY",
    "CandidateFacts",
    "Interval",
    "Match",
    "OrderNeeds",
    "Reason",
    "earnings_warnings",
    "filter_reasons",
    "month_key",
    "rank",
    "score",
]

#: Where every candidate's score starts.
BASE_SCORE = Decimal("1000.0")
#: Points taken off for each paid assignment in the last 90 days (= kilometres of travel).
ROTATION_PENALTY = Decimal("25.0")
#: Every code `filter_reasons` can give, in the order they are checked.
FILTER_CODES = (
    "not_verified",
    "paused",
    "missing_area",
    "type_not_offered",
    "language",
    "remote_not_offered",
    "no_home_municipality",
    "too_far",
    "busy",
    "unavailable",
    "already_invited",
)
VERIFIED = "verified"
PAUSED = "paused"
_HELSINKI = ZoneInfo("Europe/Helsinki")

#: A half-open time interval [start, end) of aware datetimes.
Interval = tuple[datetime, datetime]
#: A reason or warning: a code and the values its text needs, e.g. ("distance", {"km": "42.0"}).
Reason = tuple[str, Mapping[str, object]]


def month_key(moment: datetime) -> tuple[int, int]:
    """(year, month) of an aware moment in Helsinki time: the month earnings are counted in."""
    local = moment.astimezone(_HELSINKI)
    return local.year, local.month


@dataclass(frozen=True)
class CandidateFacts:
    """What matching needs to know about one expert."""

    expert_id: int
    display_name: str
    status: str
    #: The day the expert is back from a break (None: no break planned).
    paused_until: date | None
    area_slugs: frozenset[str]
    languages: frozenset[str]
    type_codes: frozenset[str]
    #: Centre of the home municipality (WGS84 degrees), or None when not given.
    home_lat: float | None
    home_lon: float | None
    travel_range_km: int
    remote_ok: bool
    #: Bookings (not cancelled) that overlap the order's time.
    booked: tuple[Interval, ...] = ()
    #: Declared unavailability periods that overlap the order's time.
    unavailable: tuple[Interval, ...] = ()
    #: Paid assignments (payout items not rejected) in the last 90 days.
    recent_assignments: int = 0
    #: Fees already earned, by (year, month) and by year, for the order's months and years.
    earnings_by_month: Mapping[tuple[int, int], Decimal] = field(default_factory=dict)
    earnings_by_year: Mapping[int, Decimal] = field(default_factory=dict)
    monthly_limit: Decimal | None = None
    yearly_limit: Decimal | None = None
    #: Already invited to this order (in any invitation state).
    already_invited: bool = False


@dataclass(frozen=True)
class OrderNeeds:
    """What the order asks for; ``sessions`` holds every session of a series."""

    area_slugs: frozenset[str]
    language: str
    type_code: str
    remote: bool
    venue_lat: float | None
    venue_lon: float | None
    sessions: tuple[Interval, ...]
    #: The fee one expert earns from this order, by (year, month) of the sessions.
    fee_by_month: Mapping[tuple[int, int], Decimal]

    def __post_init__(self):
        if not self.sessions:
            raise ValueError("an order has at least one session")
        if not self.remote and (self.venue_lat is None or self.venue_lon is None):
            raise ValueError("on-site work needs the venue's coordinates")

    @property
    def fee_total(self) -> Decimal:
        return sum(self.fee_by_month.values(), Decimal("0.00"))

    @property
    def fee_by_year(self) -> dict[int, Decimal]:
        years: dict[int, Decimal] = {}
        for (year, _month), fee in self.fee_by_month.items():
            years[year] = years.get(year, Decimal("0.00")) + fee
        return years

    @property
    def first_day(self) -> date:
        """The Helsinki date of the first session."""
        return min(start for start, _end in self.sessions).astimezone(_HELSINKI).date()


@dataclass(frozen=True)
class Match:
    """A ranked candidate. ``score``: points, higher first (see the module docstring)."""

    rank: int
    expert_id: int
    display_name: str
    score: Decimal
    #: One-way road distance in km (one decimal); None for remote work.
    distance_km: Decimal | None
    reasons: tuple[Reason, ...]
    warnings: tuple[Reason, ...]


def _overlaps(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _any_overlap(periods: Iterable[Interval], sessions: Iterable[Interval]) -> bool:
    sessions = tuple(sessions)
    return any(_overlaps(period, session) for period in periods for session in sessions)


def _distance(candidate: CandidateFacts, need: OrderNeeds) -> Decimal | None:
    if need.remote or candidate.home_lat is None or candidate.home_lon is None:
        return None
    return road_km(candidate.home_lat, candidate.home_lon, need.venue_lat, need.venue_lon)


def _paused(candidate: CandidateFacts, need: OrderNeeds) -> bool:
    if candidate.status == PAUSED:
        return True
    return candidate.paused_until is not None and candidate.paused_until > need.first_day


def filter_reasons(
    candidate: CandidateFacts, need: OrderNeeds, distance_km: Decimal | None = None
) -> list[str]:
    """The hard filters ``candidate`` fails for ``need``, as codes (see `FILTER_CODES`).

    An empty list means the expert is a candidate. ``distance_km`` may be given
    when already computed.
    """
    failures = []
    if candidate.status not in (VERIFIED, PAUSED):
        failures.append("not_verified")
    if _paused(candidate, need):
        failures.append("paused")
    if not need.area_slugs <= candidate.area_slugs:
        failures.append("missing_area")
    if need.type_code not in candidate.type_codes:
        failures.append("type_not_offered")
    if need.language not in candidate.languages:
        failures.append("language")
    if need.remote:
        if not candidate.remote_ok:
            failures.append("remote_not_offered")
    elif candidate.home_lat is None or candidate.home_lon is None:
        failures.append("no_home_municipality")
    else:
        km = distance_km if distance_km is not None else _distance(candidate, need)
        if km > candidate.travel_range_km:
            failures.append("too_far")
    if _any_overlap(candidate.booked, need.sessions):
        failures.append("busy")
    if _any_overlap(candidate.unavailable, need.sessions):
        failures.append("unavailable")
    if candidate.already_invited:
        failures.append("already_invited")
    return failures


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):f}"


def earnings_warnings(candidate: CandidateFacts, need: OrderNeeds) -> list[Reason]:
    """A warning per month and per year in which this order's fee takes the expert over
    their own limit: earned so far + this order's fee > limit (reaching it exactly is fine)."""
    warnings: list[Reason] = []
    zero = Decimal("0.00")
    if candidate.monthly_limit is not None:
        for (year, month), fee in sorted(need.fee_by_month.items()):
            after = candidate.earnings_by_month.get((year, month), zero) + fee
            if after > candidate.monthly_limit:
                warnings.append(("earnings_limit_month", {
                    "year": year, "month": month,
                    "limit": _money(candidate.monthly_limit), "after": _money(after),
                }))
    if candidate.yearly_limit is not None:
        for year, fee in sorted(need.fee_by_year.items()):
            after = candidate.earnings_by_year.get(year, zero) + fee
            if after > candidate.yearly_limit:
                warnings.append(("earnings_limit_year", {
                    "year": year,
                    "limit": _money(candidate.yearly_limit), "after": _money(after),
                }))
    return warnings


def score(distance_km: Decimal | None, recent_assignments: int) -> Decimal:
    """`BASE_SCORE` − km (on-site work only) − `ROTATION_PENALTY` × recent paid assignments."""
    points = BASE_SCORE - ROTATION_PENALTY * recent_assignments
    if distance_km is not None:
        points -= distance_km
    return points


def rank(candidates: Iterable[CandidateFacts], need: OrderNeeds) -> list[Match]:
    """The candidates that pass every hard filter, best first, with their reasons."""
    scored = []
    for candidate in candidates:
        km = _distance(candidate, need)
        if filter_reasons(candidate, need, km):
            continue
        reasons: list[Reason] = []
        if km is None:
            reasons.append(("remote", {}))
        else:
            reasons.append(("distance", {"km": f"{km:f}"}))
        reasons.append(("recent_assignments", {"count": candidate.recent_assignments}))
        points = score(km, candidate.recent_assignments)
        scored.append((points, candidate, km, reasons))
    scored.sort(key=lambda item: (-item[0], item[1].expert_id))
    return [
        Match(
            rank=position,
            expert_id=candidate.expert_id,
            display_name=candidate.display_name,
            score=points,
            distance_km=km,
            reasons=tuple(reasons),
            warnings=tuple(earnings_warnings(candidate, need)),
        )
        for position, (points, candidate, km, reasons) in enumerate(scored, start=1)
    ]
