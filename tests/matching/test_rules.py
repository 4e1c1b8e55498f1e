"""Tests of the pure matching rules: every hard filter, the ranking, the earnings warnings.

Runs without a Flask app or database: only `app.matching.rules` is used.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.matching.distance import road_km
from app.matching.rules import (
    BASE_SCORE,
    FILTER_CODES,
    ROTATION_PENALTY,
    CandidateFacts,
    OrderNeeds,
    filter_reasons,
    month_key,
    rank,
)

PORI = (61.48596, 21.79537)
ULVILA = (61.42844, 21.87109)
TAMPERE = (61.497815, 23.762265)
HELSINKI = (60.17116, 24.93258)
#: 15 December 2026 13:00 in Helsinki.
START = datetime(2026, 12, 15, 11, 0, tzinfo=UTC)
LECTURE = timedelta(minutes=45)
HOUR = timedelta(hours=1)


def need(**changes) -> OrderNeeds:
    """A 45-minute lecture in Pori on mental health, in Finnish, fee 30 €."""
    values = dict(
        area_slugs=frozenset({"mental-health"}),
        language="fi",
        type_code="lecture",
        remote=False,
        venue_lat=PORI[0],
        venue_lon=PORI[1],
        sessions=((START, START + LECTURE),),
        fee_by_month={(2026, 12): Decimal("30.00")},
    )
    values.update(changes)
    return OrderNeeds(**values)


def series(*starts: datetime) -> OrderNeeds:
    months: dict[tuple[int, int], Decimal] = {}
    for start in starts:
        months[month_key(start)] = months.get(month_key(start), Decimal("0")) + Decimal("20.00")
    return need(type_code="meeting", sessions=tuple((s, s + 3 * HOUR) for s in starts),
                fee_by_month=months)


def candidate(expert_id: int = 1, home=PORI, **changes) -> CandidateFacts:
    """An expert who passes every filter of `need`."""
    values = dict(
        expert_id=expert_id,
        display_name=f"Asiantuntija {expert_id}",
        status="verified",
        paused_until=None,
        area_slugs=frozenset({"mental-health", "substance-use"}),
        languages=frozenset({"fi", "sv"}),
        type_codes=frozenset({"lecture", "meeting"}),
        home_lat=home[0] if home else None,
        home_lon=home[1] if home else None,
        travel_range_km=100,
        remote_ok=True,
    )
    values.update(changes)
    return CandidateFacts(**values)


def ids(matches) -> list[int]:
    return [m.expert_id for m in matches]


def test_the_baseline_candidate_passes_every_filter():
    assert filter_reasons(candidate(), need()) == []
    assert ids(rank([candidate()], need())) == [1]


#: (code, changes to the candidate, changes to the order): the candidate fails only ``code``.
HARD_FILTERS = [
    ("not_verified", {"status": "applied"}, {}),
    ("not_verified", {"status": "info_requested"}, {}),
    ("not_verified", {"status": "rejected"}, {}),
    ("not_verified", {"status": "retired"}, {}),
    ("paused", {"status": "paused"}, {}),
    ("paused", {"paused_until": date(2026, 12, 16)}, {}),
    ("missing_area", {"area_slugs": frozenset({"substance-use"})}, {}),
    ("missing_area", {"area_slugs": frozenset({"mental-health"})},
     {"area_slugs": frozenset({"mental-health", "substance-use"})}),
    ("type_not_offered", {"type_codes": frozenset({"meeting"})}, {}),
    ("language", {"languages": frozenset({"sv"})}, {}),
    ("remote_not_offered", {"remote_ok": False},
     {"remote": True, "venue_lat": None, "venue_lon": None}),
    ("no_home_municipality", {"home_lat": None, "home_lon": None}, {}),
    ("too_far", {"home_lat": HELSINKI[0], "home_lon": HELSINKI[1]}, {}),
    ("too_far", {"travel_range_km": 0, "home_lat": ULVILA[0], "home_lon": ULVILA[1]}, {}),
    ("busy", {"booked": ((START + 30 * timedelta(minutes=1), START + 2 * HOUR),)}, {}),
    ("busy", {"booked": ((START - HOUR, START + timedelta(minutes=1)),)}, {}),
    ("unavailable", {"unavailable": ((START - timedelta(days=3), START + timedelta(days=3)),)}, {}),
    ("already_invited", {"already_invited": True}, {}),
]


@pytest.mark.parametrize(("code", "candidate_changes", "need_changes"), HARD_FILTERS)
def test_each_hard_filter_alone_excludes_the_candidate(code, candidate_changes, need_changes):
    expert = replace(candidate(), **candidate_changes)
    order = need(**need_changes)
    assert filter_reasons(expert, order) == [code]
    assert rank([expert], order) == []
    assert ids(rank([expert, candidate(2)], order)) == [2]


def test_every_filter_code_is_covered_by_the_table():
    assert {code for code, _c, _n in HARD_FILTERS} == set(FILTER_CODES)


def test_failures_are_all_listed():
    expert = candidate(status="retired", languages=frozenset({"en"}), already_invited=True)
    assert filter_reasons(expert, need()) == ["not_verified", "language", "already_invited"]


@pytest.mark.parametrize(
    ("period", "passes"),
    [
        ((START - HOUR, START), True),  # ends exactly when the lecture starts
        ((START + LECTURE, START + 2 * HOUR), True),  # starts exactly when it ends
        ((START - HOUR, START + timedelta(seconds=1)), False),
        ((START + LECTURE - timedelta(seconds=1), START + 2 * HOUR), False),
        ((START + timedelta(minutes=10), START + timedelta(minutes=20)), False),  # inside
        ((START - timedelta(days=1), START + timedelta(days=1)), False),  # around
    ],
)
@pytest.mark.parametrize("kind", ["booked", "unavailable"])
def test_time_overlap_boundaries(period, passes, kind):
    expert = candidate(**{kind: (period,)})
    assert (filter_reasons(expert, need()) == []) is passes


def test_a_break_that_ends_by_the_first_session_does_not_exclude():
    assert filter_reasons(candidate(paused_until=date(2026, 12, 15)), need()) == []
    assert filter_reasons(candidate(paused_until=date(2026, 12, 1)), need()) == []


def test_the_travel_range_is_inclusive():
    km = road_km(*TAMPERE, *PORI)
    assert filter_reasons(candidate(home=TAMPERE, travel_range_km=int(km) + 1), need()) == []
    assert filter_reasons(candidate(home=TAMPERE, travel_range_km=int(km)), need()) == ["too_far"]


# --- series ---------------------------------------------------------------------------------

SERIES_STARTS = (START, START + timedelta(days=14), START + timedelta(days=28))


@pytest.mark.parametrize("session", [0, 1, 2])
@pytest.mark.parametrize(("kind", "code"), [("booked", "busy"), ("unavailable", "unavailable")])
def test_series_busy_in_any_session_excludes(session, kind, code):
    start = SERIES_STARTS[session]
    expert = candidate(**{kind: ((start + HOUR, start + 2 * HOUR),)})
    assert filter_reasons(expert, series(*SERIES_STARTS)) == [code]


def test_series_free_between_sessions_is_a_candidate():
    between = SERIES_STARTS[0] + timedelta(days=7)
    expert = candidate(booked=((between, between + HOUR),))
    assert ids(rank([expert], series(*SERIES_STARTS))) == [1]


# --- ranking --------------------------------------------------------------------------------

@pytest.mark.parametrize("near_id, far_id", [(1, 2), (2, 1)])
def test_nearer_ranks_higher_when_all_else_is_equal(near_id, far_id):
    near = candidate(near_id, home=ULVILA)
    far = candidate(far_id, home=TAMPERE, travel_range_km=300)
    matches = rank([far, near], need())
    assert ids(matches) == [near_id, far_id]
    assert matches[0].distance_km < matches[1].distance_km
    assert [m.rank for m in matches] == [1, 2]


@pytest.mark.parametrize("fewer_id, more_id", [(1, 2), (2, 1)])
@pytest.mark.parametrize("fewer, more", [(0, 1), (2, 3), (0, 10)])
def test_fewer_recent_assignments_rank_higher_when_all_else_is_equal(fewer_id, more_id, fewer,
                                                                      more):
    rested = candidate(fewer_id, recent_assignments=fewer)
    busy = candidate(more_id, recent_assignments=more)
    assert ids(rank([busy, rested], need())) == [fewer_id, more_id]


def test_score_is_base_minus_kilometres_minus_rotation_penalty():
    [match] = rank([candidate(home=TAMPERE, travel_range_km=300, recent_assignments=2)], need())
    km = road_km(*TAMPERE, *PORI)
    assert match.distance_km == km
    assert match.score == BASE_SCORE - km - 2 * ROTATION_PENALTY
    assert match.reasons == (("distance", {"km": f"{km:f}"}), ("recent_assignments", {"count": 2}))


def test_one_recent_assignment_weighs_as_much_as_25_km():
    assert ROTATION_PENALTY == Decimal("25.0")


def test_remote_orders_ignore_distance_and_travel_range():
    remote = need(remote=True, venue_lat=None, venue_lon=None)
    far = candidate(1, home=HELSINKI, travel_range_km=0)
    homeless = candidate(2, home=None)
    near = candidate(3, home=PORI)
    matches = rank([near, homeless, far], remote)
    assert ids(matches) == [1, 2, 3]  # equal scores: by expert id
    assert {m.distance_km for m in matches} == {None}
    assert {m.score for m in matches} == {BASE_SCORE}
    assert matches[0].reasons[0] == ("remote", {})


def test_remote_orders_still_rank_by_rotation():
    remote = need(remote=True, venue_lat=None, venue_lon=None)
    matches = rank([candidate(1, recent_assignments=3), candidate(2, recent_assignments=1)], remote)
    assert ids(matches) == [2, 1]


def test_ranking_is_deterministic():
    homes = [PORI, ULVILA, TAMPERE]
    pool = [
        candidate(i, home=homes[i % 3], travel_range_km=300, recent_assignments=i % 4)
        for i in range(1, 40)
    ]
    expected = rank(pool, need())
    for seed in range(5):
        shuffled = pool[:]
        random.Random(seed).shuffle(shuffled)
        assert rank(shuffled, need()) == expected
    keys = [(-m.score, m.expert_id) for m in expected]
    assert keys == sorted(keys)


def test_on_site_order_needs_a_venue():
    with pytest.raises(ValueError):
        need(venue_lat=None, venue_lon=None)


# --- earnings warnings ------------------------------------------------------------------------

#: Earned so far, against a limit of 300 € and this order's 30 € fee.
CROSSING = [
    pytest.param("269.99", False, id="below"),
    pytest.param("270.00", False, id="equal"),
    pytest.param("270.01", True, id="above"),
]


@pytest.mark.parametrize(("earned", "warned"), CROSSING)
def test_monthly_warning_exactly_when_crossing_the_limit(earned, warned):
    expert = candidate(monthly_limit=Decimal("300.00"),
                       earnings_by_month={(2026, 12): Decimal(earned)})
    [match] = rank([expert], need())
    expected = Decimal(earned) + Decimal("30.00")
    if warned:
        assert match.warnings == (("earnings_limit_month", {
            "year": 2026, "month": 12, "limit": "300.00", "after": f"{expected:.2f}"}),)
    else:
        assert match.warnings == ()


@pytest.mark.parametrize(("earned", "warned"), CROSSING)
def test_yearly_warning_exactly_when_crossing_the_limit(earned, warned):
    expert = candidate(yearly_limit=Decimal("300.00"), earnings_by_year={2026: Decimal(earned)})
    [match] = rank([expert], need())
    assert [code for code, _ in match.warnings] == (["earnings_limit_year"] if warned else [])


def test_warning_does_not_change_the_place():
    warned = candidate(1, monthly_limit=Decimal("10.00"))
    plain = candidate(2)
    matches = rank([plain, warned], need())
    assert ids(matches) == [1, 2]
    assert matches[0].score == matches[1].score
    assert matches[0].warnings and not matches[1].warnings


def test_other_months_earnings_do_not_count():
    expert = candidate(monthly_limit=Decimal("100.00"),
                       earnings_by_month={(2026, 11): Decimal("100.00")})
    assert rank([expert], need())[0].warnings == ()


def test_series_warns_per_month_and_sums_the_year():
    # Two sessions in December 2026, one in January 2027: 40 € and 20 €.
    order = series(START, START + timedelta(days=7), START + timedelta(days=28))
    assert order.fee_by_month == {(2026, 12): Decimal("40.00"), (2027, 1): Decimal("20.00")}
    expert = candidate(
        monthly_limit=Decimal("50.00"),
        yearly_limit=Decimal("99.99"),
        earnings_by_month={(2026, 12): Decimal("20.00"), (2027, 1): Decimal("30.00")},
        earnings_by_year={2026: Decimal("60.00"), 2027: Decimal("30.00")},
    )
    [match] = rank([expert], order)
    assert match.warnings == (
        ("earnings_limit_month", {"year": 2026, "month": 12, "limit": "50.00", "after": "60.00"}),
        # January: 30 + 20 = 50, exactly the limit: no warning. 2027: 30 + 20 = 50.
        ("earnings_limit_year", {"year": 2026, "limit": "99.99", "after": "100.00"}),
    )


def test_no_limit_no_warning():
    expert = candidate(earnings_by_month={(2026, 12): Decimal("99999.00")},
                       earnings_by_year={2026: Decimal("99999.00")})
    assert rank([expert], need())[0].warnings == ()


def test_month_key_uses_helsinki_time():
    # 31 December 2026 23:30 UTC is already 1 January 2027 in Helsinki.
    assert month_key(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == (2027, 1)
    assert month_key(datetime(2026, 12, 31, 21, 30, tzinfo=UTC)) == (2026, 12)
