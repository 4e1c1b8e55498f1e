"""Pure rules of participation: what each kind of group needs, scales, fairness figures.

No Flask, no database: plain values in, plain values out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CLIENT_PANEL = "client_panel"
PARTICIPATION_GROUP = "participation_group"
DEVELOPER_GROUP = "developer_group"
GROUP_KINDS = (CLIENT_PANEL, PARTICIPATION_GROUP, DEVELOPER_GROUP)

#: Who a member is: an expert of the bank, a client, a client's relative, a professional.
MEMBER_KINDS = ("expert", "client", "relative", "staff")
#: Tasks in a group; "member" is everyone else.
GROUP_ROLES = ("member", "chair", "secretary", "key_person", "responsible")
#: Roles that lead the group's work: they write the agenda, decisions and follow-ups.
LEADING_ROLES = ("chair", "secretary", "key_person", "responsible")

#: Who proposed a topic.
TOPIC_SOURCES = ("member", "organisation", "bank")
#: The parts of a session's record.
ENTRY_KINDS = ("agenda", "notes", "idea", "decision")
#: What an anonymous message is about.
CHANNEL_TOPICS = ("services", "treatment", "accessibility", "experts", "other")

#: The smiley scale of evaluations: 3 yes, 2 partly, 1 no.
SMILEY_MIN, SMILEY_MAX = 1, 3
SMILEY_SCORES = (3, 2, 1)

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class GroupRule:
    """What a group of one kind needs before it can be active."""

    min_members: int
    required_roles: tuple[str, ...]


#: The rule of each kind of group. A client panel follows seed 002: "at least ten
#: members, with a chair and a secretary"; the groups of seeds 000 and 001 need a
#: responsible person (and the regional developer groups a key person).
GROUP_RULES: dict[str, GroupRule] = {
    CLIENT_PANEL: GroupRule(min_members=10, required_roles=("chair", "secretary")),
    PARTICIPATION_GROUP: GroupRule(min_members=3, required_roles=("responsible",)),
    DEVELOPER_GROUP: GroupRule(min_members=3, required_roles=("responsible", "key_person")),
}


@dataclass(frozen=True)
class Shortfall:
    """One reason a group cannot be active yet: ``code`` with its values."""

    code: str  # "too_few_members" or "missing_role"
    needed: int = 0
    have: int = 0
    role: str = ""


def activation_shortfalls(kind: str, member_roles: Iterable[str]) -> list[Shortfall]:
    """What the group still lacks, given the roles of its active members (empty: ready)."""
    rule = GROUP_RULES[kind]
    roles = list(member_roles)
    found: list[Shortfall] = []
    if len(roles) < rule.min_members:
        found.append(Shortfall("too_few_members", needed=rule.min_members, have=len(roles)))
    for role in rule.required_roles:
        if role not in roles:
            found.append(Shortfall("missing_role", role=role))
    return found


def average(total: int | None, count: int | None) -> Decimal | None:
    """``total / count`` to two decimals (half up), or None when there is nothing to average."""
    if not count:
        return None
    return (Decimal(total or 0) / Decimal(count)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def share(part: int | None, whole: int | None) -> Decimal | None:
    """``part / whole`` as a percentage with two decimals, or None when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(part or 0) * 100 / Decimal(whole)).quantize(TWO_PLACES,
                                                                rounding=ROUND_HALF_UP)


def gini(values: Sequence[int]) -> Decimal | None:
    """The Gini coefficient of non-negative counts (0 = all equal, towards 1 = one has all).

    Exact (fractions), rounded to two decimals; None for no values, 0 when all are zero.
    """
    if not values:
        return None
    if any(v < 0 for v in values):
        raise ValueError("counts cannot be negative")
    total = sum(values)
    if total == 0:
        return Decimal("0.00")
    ordered = sorted(values)
    weighted = sum(rank * value for rank, value in enumerate(ordered, start=1))
    return gini_from_sums(len(ordered), total, weighted)


def gini_from_sums(n: int, total: int, weighted: int) -> Decimal | None:
    """The Gini coefficient from the sums a database computes: ``n`` counts, their
    ``total`` and ``weighted`` = Σ rank·count with the counts in ascending order (rank
    from 1). Exact, rounded to two decimals; None for no values, 0 when all are zero."""
    if not n:
        return None
    if total == 0:
        return Decimal("0.00")
    coefficient = Fraction(2 * weighted, n * total) - Fraction(n + 1, n)
    return (Decimal(coefficient.numerator) / Decimal(coefficient.denominator)).quantize(
        TWO_PLACES, rounding=ROUND_HALF_UP)
