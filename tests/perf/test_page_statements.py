"""Pages and API lists whose cost does not grow with the data (issue 13).

Each key page and API list is asked for at 1× and then at 10× the seeded data of
`tests.support.scale` (the organisation's orders 16 → 160, the expert's assignments
25 → 250, payout items waiting for approval 50 → 500, …), signed in as the person whose
page it is; the number of SQL statements of the request must be the same. A per-row
query, or a list loaded row by row, makes the second number larger. The same seeding
feeds `make bench-pages` (tests/bench/bench_pages.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import event, func, select

from app.bookings.models import Order
from app.common.timeutil import utcnow
from app.extensions import db
from tests.support import scale
from tests.support.sql import counted_statements
from tests.support.two_factor import sign_in_post
from tests.web.helpers import bearer, logged_in


@dataclass(frozen=True)
class Case:
    who: str | None  # a `ScaleCast` attribute holding the e-mail, None: anonymous
    #: May name `ScaleCast` attributes, e.g. ``/finance/batches/{batch_id}``.
    url: str
    #: The API answers one object (with a list inside), not a list of items.
    one: bool = False

    @property
    def api(self) -> bool:
        return self.url.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.who or 'anonymous'} {self.url}"


#: The key pages and API lists, with the person who reads each: (case, id, statement mark,
#: row mark) — a mark (e.g. xfail) only while a list is known not to hold the rule.
TABLE = [
    (Case(None, "/login"), "login", None, None),
    (Case("org_admin", "/organisation/"), "organisation-dashboard", None, None),
    (Case("expert", "/expert/"), "expert-dashboard", None, None),
    (Case("expert", "/expert/work/"), "expert-work", None, None),
    (Case("finance", "/finance/payouts?status=pending_approval"), "finance-approval-list",
     None, None),
    (Case("coordinator", "/participation/reports"), "reports-bank", None, None),
    (Case("org_admin", "/participation/reports"), "reports-organisation", None, None),
    (Case("admin", "/admin/users"), "admin-users", None, None),
    (Case("admin", "/admin/audit"), "audit-log", None, None),
    (Case("expert", "/api/v1/me/assignments"), "api-me-assignments", None, None),
    (Case("expert", "/api/v1/me/invitations"), "api-me-invitations", None, None),
    (Case("finance", "/api/v1/payouts?status=pending_approval"), "api-payouts", None, None),
    (Case("finance", "/api/v1/invoices"), "api-invoices", None, None),
    (Case("finance", "/api/v1/payout-batches"), "api-payout-batches", None, None),
    (Case("finance", "/finance/invoices"), "finance-invoices", None, None),
    (Case("expert", "/expert/work/past"), "expert-past-work", None, None),
    (Case("admin", "/api/v1/audit"), "api-audit", None, None),
    (Case("coordinator", "/coordinator/orders"), "coordinator-order-console", None, None),
    (Case("coordinator", "/api/v1/orders"), "api-orders-coordinator", None, None),
    (Case("org_admin", "/api/v1/orders"), "api-orders-organisation", None, None),
    (Case("finance", "/finance/batches"), "finance-batches", None, None),
    (Case("finance", "/finance/batches/{batch_id}"), "finance-batch-items", None, None),
    (Case("finance", "/api/v1/payout-batches/{batch_id}", one=True), "api-payout-batch",
     None, None),
    (Case("org_admin", "/organisation/invoices"), "organisation-invoices", None, None),
    (Case("org_admin", "/api/v1/invoices"), "api-invoices-organisation", None, None),
    (Case("org_admin", "/participation/"), "groups-organisation", None, None),
    (Case("coordinator", "/participation/"), "groups-bank", None, None),
    (Case("org_admin", "/participation/groups/{group_id}/members"), "group-members", None,
     None),
    (Case("coordinator", "/participation/groups/{group_id}/members"), "group-members-bank",
     None, None),
    (Case("coordinator", "/participation/feedback"), "feedback-inbox", None, None),
    (Case("coordinator", "/participation/channel"), "anonymous-inbox", None, None),
    (Case("org_admin", "/participation/channel/forwarded"), "anonymous-forwarded", None, None),
]
STATEMENT_CASES = [pytest.param(case, id=name, marks=[mark] if mark else [])
                   for case, name, mark, _rows in TABLE]
ROW_CASES = [pytest.param(case, id=name, marks=[mark] if mark else [])
             for case, name, _statements, mark in TABLE]
#: A list paged by 50 loads at most about 50/16 ≈ 3× the objects at 10× data that it
#: loads at 1× (the smallest 1× list has 16 rows); an unpaged one loads 10×.
PAGED_GROWTH = 4


def _reader(client, cast: scale.ScaleCast, case: Case):
    """A function that asks for the case's URL as its person and returns the response."""
    email = getattr(cast, case.who) if case.who else None
    url = case.url.format(**vars(cast))
    if case.api:
        response = sign_in_post(client, "/api/v1/auth/token", email, {}, json={
            "email": email, "password": scale.factories.DEFAULT_PASSWORD})
        assert response.status_code == 200, response.get_data(as_text=True)
        headers = bearer(response.get_json()["token"])
        return lambda: client.get(url, headers=headers)
    if email:
        logged_in(client, email)
    return lambda: client.get(url)


@dataclass
class Reading:
    statements: int
    loaded: int
    response: object


def _read(read) -> Reading:
    """One request: its SQL statements and the ORM objects it loaded."""
    loaded = []

    def on_load(target, _context):
        loaded.append(target)

    event.listen(db.Model, "load", on_load, propagate=True)
    try:
        with counted_statements() as statements:
            response = read()
    finally:
        event.remove(db.Model, "load", on_load)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return Reading(len(statements), len(loaded), response)


def _at_1_and_10(app, client, case: Case) -> tuple[Reading, Reading]:
    with app.app_context():
        cast = scale.people()
        scale.grow(cast, scale.SCALES[1])
        db.session.commit()
    read = _reader(client, cast, case)
    read()  # warm-up: the first request of a session loads what later ones reuse
    at_1 = _read(read)
    # A second request at 1× costs the same: the count is not a warm-up effect.
    assert _read(read).statements == at_1.statements
    with app.app_context():
        scale.grow(cast, scale.difference(scale.SCALES[10], scale.SCALES[1]))
        db.session.commit()
    return at_1, _read(read)


@pytest.mark.parametrize("case", STATEMENT_CASES)
def test_statements_do_not_grow_with_the_data(app, client, case):
    at_1, at_10 = _at_1_and_10(app, client, case)
    assert at_10.statements == at_1.statements, (
        f"{case}: {at_1.statements} statements at 1×, {at_10.statements} at 10×")


@pytest.mark.parametrize("case", ROW_CASES)
def test_lists_are_paged(app, client, case):
    """At 10× data a page loads less than PAGED_GROWTH times the objects of 1×, and an API
    list answers at most its default limit (50) of items."""
    at_1, at_10 = _at_1_and_10(app, client, case)
    assert at_10.loaded <= PAGED_GROWTH * max(at_1.loaded, 1), (
        f"{case}: {at_1.loaded} objects loaded at 1×, {at_10.loaded} at 10×")
    if case.api and not case.one:
        assert len(at_10.response.get_json()["items"]) <= 50


@pytest.mark.parametrize("who", ["org_admin", "coordinator"])
def test_the_participation_hub_counts_in_the_database(app, client, who):
    """The hub tells how many pieces of work wait for feedback, how many anonymous messages
    are new or were forwarded: it counts them, never loading the rows."""
    from app.bookings.models import Assignment
    from app.participation.channel.models import AnonymousFeedback
    from app.participation.groups.models import GroupMember

    with app.app_context():
        cast = scale.people()
        scale.grow(cast, scale.SCALES[10])
        db.session.commit()
    read = _reader(client, cast, Case(who, "/participation/"))
    read()
    loaded = []

    def on_load(target, _context):
        loaded.append(target)

    event.listen(db.Model, "load", on_load, propagate=True)
    try:
        response = read()
    finally:
        event.remove(db.Model, "load", on_load)
    assert response.status_code == 200
    assert not [o for o in loaded
                if isinstance(o, Assignment | AnonymousFeedback | GroupMember)]
    html = response.get_data(as_text=True)
    if who == "coordinator":
        assert "200" in html  # new anonymous messages
    else:
        assert "(160)" in html  # forwarded to the organisation
        with app.app_context():  # and there is work waiting for the organisation's feedback
            assert db.session.scalar(select(func.count()).select_from(Assignment).join(
                Order).where(Order.organisation_id == cast.organisation_id,
                             Assignment.status == "booked",
                             Assignment.ends_at <= utcnow())) > 0


def test_the_seeding_adds_what_the_scales_say(app):
    from app.bookings.models import Assignment, Invitation
    from app.participation.channel.models import AnonymousFeedback
    from app.participation.feedback.models import Feedback
    from app.participation.groups.models import GroupMember, ParticipationGroup
    from app.payments.models import Invoice
    from app.payouts.models import PayoutBatch, PayoutItem

    with app.app_context():
        cast = scale.people()
        scale.grow(cast, scale.SCALES[1])
        scale.grow(cast, scale.difference(scale.SCALES[10], scale.SCALES[1]))
        count = db.session.scalar
        assert count(select(func.count()).select_from(Order).where(
            Order.organisation_id == cast.organisation_id)) == 160
        assert count(select(func.count()).select_from(Assignment).where(
            Assignment.expert_id == cast.expert_id)) == 250
        assert count(select(func.count()).select_from(Invitation).where(
            Invitation.expert_id == cast.expert_id)) == 200
        assert count(select(func.count()).select_from(PayoutItem).where(
            PayoutItem.status == "pending_approval",
            PayoutItem.expert_id.in_(cast.other_expert_ids))) == 500
        batch = db.session.get(PayoutBatch, cast.batch_id)
        assert count(select(func.count()).select_from(PayoutItem).where(
            PayoutItem.batch_id == batch.id, PayoutItem.status == "paid")) == 200
        assert (batch.status, batch.item_count, batch.total_net) == ("paid", 200,
                                                                     200 * scale.PAID)
        assert count(select(func.count()).select_from(PayoutBatch)) == 1 + 160
        assert count(select(func.count()).select_from(Invoice).where(
            Invoice.organisation_id == cast.organisation_id,
            Invoice.status != "draft")) == 160
        assert count(select(func.count()).select_from(ParticipationGroup).where(
            ParticipationGroup.organisation_id == cast.organisation_id,
            ParticipationGroup.id != cast.group_id)) == 160
        assert count(select(func.count()).select_from(GroupMember).join(
            ParticipationGroup).where(ParticipationGroup.organisation_id
                                      == cast.organisation_id,
                                      ParticipationGroup.id != cast.group_id,
                                      GroupMember.status == "active")) == 160 * scale.GROUP_SIZE
        assert count(select(func.count()).select_from(GroupMember).where(
            GroupMember.group_id == cast.group_id)) == 200
        assert count(select(func.count()).select_from(GroupMember).where(
            GroupMember.group_id == cast.group_id, GroupMember.status == "left")) == 20
        assert count(select(func.count()).select_from(Feedback).where(
            Feedback.author_id.in_(cast.other_expert_user_ids))) == 200
        assert count(select(func.count()).select_from(AnonymousFeedback).where(
            AnonymousFeedback.status == "new")) == 200
        assert count(select(func.count()).select_from(AnonymousFeedback).where(
            AnonymousFeedback.status == "forwarded",
            AnonymousFeedback.forwarded_to_id == cast.organisation_id)) == 160
        assert cast.added == scale.SCALES[10]
