"""The pure rules: what each kind of group needs, averages, shares and the Gini coefficient."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.participation.rules import (
    GROUP_RULES,
    Shortfall,
    activation_shortfalls,
    average,
    gini,
    share,
)


def test_a_client_panel_needs_ten_members_a_chair_and_a_secretary():
    """Seed 002: "vähintään kymmenen hengen raati, jolla on puheenjohtaja ja sihteeri"."""
    assert GROUP_RULES["client_panel"].min_members == 10
    ready = ["chair", "secretary"] + ["member"] * 8
    assert activation_shortfalls("client_panel", ready) == []


@pytest.mark.parametrize(("roles", "missing"), [
    (["chair", "secretary"] + ["member"] * 7,
     [Shortfall("too_few_members", needed=10, have=9)]),
    (["member"] * 9 + ["secretary"], [Shortfall("missing_role", role="chair")]),
    (["member"] * 9 + ["chair"], [Shortfall("missing_role", role="secretary")]),
    ([], [Shortfall("too_few_members", needed=10, have=0),
          Shortfall("missing_role", role="chair"), Shortfall("missing_role", role="secretary")]),
])
def test_what_a_panel_lacks(roles, missing):
    assert activation_shortfalls("client_panel", roles) == missing


def test_other_kinds_have_their_own_rules():
    assert activation_shortfalls("participation_group", ["responsible", "member", "member"]) == []
    assert activation_shortfalls("developer_group", ["responsible", "member", "member"]) == [
        Shortfall("missing_role", role="key_person")]


@pytest.mark.parametrize(("total", "count", "expected"), [
    (7, 3, Decimal("2.33")), (8, 3, Decimal("2.67")), (5, 2, Decimal("2.50")),
    (0, 0, None), (None, None, None),
])
def test_average_is_exact_and_rounded_half_up(total, count, expected):
    assert average(total, count) == expected


def test_share_is_a_percentage():
    assert share(1, 3) == Decimal("33.33")
    assert share(2, 3) == Decimal("66.67")
    assert share(0, 0) is None


@pytest.mark.parametrize(("values", "expected"), [
    ([1, 1, 1, 1], Decimal("0.00")),  # everyone has the same
    ([0, 0, 0, 4], Decimal("0.75")),  # one has all: (n-1)/n
    # Pairwise: |0-0|+|0-1|+|0-3|+|0-1|+|0-3|+|1-3| = 10, both ways 20; 20 / (2·4²·1) = 0.625
    ([0, 0, 1, 3], Decimal("0.63")),
    ([3, 0, 1, 0], Decimal("0.63")),  # order does not matter
    ([0, 0], Decimal("0.00")),  # no work at all: nothing unequal
    ([], None),
])
def test_gini_coefficient(values, expected):
    assert gini(values) == expected


def test_gini_from_the_sums_a_database_computes_equals_gini_of_the_counts():
    from app.participation.rules import gini, gini_from_sums

    for counts in ([3, 1, 0, 0], [5], [0, 0], [2, 2, 7, 1, 1, 9], []):
        ordered = sorted(counts)
        weighted = sum(rank * c for rank, c in enumerate(ordered, start=1))
        assert gini_from_sums(len(counts), sum(counts), weighted) == gini(counts)
    assert gini_from_sums(4, 4, 15) == Decimal("0.63")  # 3, 1, 0, 0 as in the reports test
