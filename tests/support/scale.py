"""Seeding of scaled data for the page statement-count test and `make bench-pages`.

`people()` makes the cast (an organisation admin, an expert, a finance approver, a
coordinator, an administrator, a few more experts); `grow(cast, counts)` then adds rows
in bulk (ORM bulk INSERT … RETURNING, a few statements per table, whatever the size):

- ``orders``: orders of the cast's organisation (the organisation dashboard), every
  second one with a booked expert;
- ``assignments``: the cast expert's assignments on orders of another organisation,
  at venues in different municipalities, past and future, in every state an expert sees;
- ``invitations``: open invitations to the cast expert;
- ``payout_items``: payout items waiting for approval (the finance approval list),
  on work of the other experts;
- ``batch_items``: paid payout items in the cast's one payment batch (``cast.batch_id``,
  made by the first `grow`: a batch's items);
- ``batches``: more paid payment batches (the batch lists);
- ``invoices``: open and paid invoices of the cast's organisation (its invoice list and
  finance's);
- ``groups``: participation groups of the cast's organisation, three members each (the
  participation hub's group list);
- ``group_members``: members of one group of the cast's organisation (``cast.group_id``,
  made by the first `grow`), one in ten of them former members (its members page);
- ``feedback``: the other experts' feedback after work for the other organisation (the
  coordinators' feedback list);
- ``channel_messages``: new anonymous messages (the coordinators' anonymous inbox);
- ``forwarded_messages``: anonymous messages forwarded to the cast's organisation (what it
  received).

`SCALES` holds the sizes of 1×, 10× and 100× (issue 13): orders of one organisation
16 → 1,600, an expert's assignments 25 → 3,500, payout items 50 → 5,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, select, update

from app.bookings.models import Assignment, Invitation, Order, OrderSession, order_expertise_areas
from app.common.timeutil import utcnow
from app.extensions import db
from app.fees.models import AssignmentType, FeeSchedule
from app.participation.channel.models import AnonymousFeedback
from app.participation.feedback.models import Feedback
from app.participation.groups.models import GroupMember, ParticipationGroup
from app.participation.rules import CHANNEL_TOPICS, GROUP_KINDS
from app.payments.models import Invoice
from app.payouts.models import PayoutBatch, PayoutItem
from app.reference.models import ExpertiseArea, Municipality
from tests import factories

#: How many of each kind of row a scale adds.
SCALES: dict[int, dict[str, int]] = {
    1: {"orders": 16, "assignments": 25, "invitations": 20, "payout_items": 50,
        "batch_items": 20, "batches": 16, "invoices": 16, "groups": 16, "feedback": 20,
        "channel_messages": 20, "forwarded_messages": 16, "group_members": 20},
    10: {"orders": 160, "assignments": 250, "invitations": 200, "payout_items": 500,
         "batch_items": 200, "batches": 160, "invoices": 160, "groups": 160, "feedback": 200,
         "channel_messages": 200, "forwarded_messages": 160, "group_members": 200},
    100: {"orders": 1_600, "assignments": 3_500, "invitations": 2_000, "payout_items": 5_000,
          "batch_items": 2_000, "batches": 1_600, "invoices": 1_600, "groups": 1_600,
          "feedback": 2_000, "channel_messages": 2_000, "forwarded_messages": 1_600,
          "group_members": 2_000},
}
#: Members of each seeded group.
GROUP_SIZE = 3
#: Experts who did the work whose payouts wait for approval.
OTHER_EXPERTS = 5
OTHER_IBAN = "FI4950009420028730"
#: What one seeded payout item pays to the expert's account.
PAID = Decimal("28.50")
ORDER_STATES = ("submitted", "matching", "filled", "completed", "closed", "cancelled",
                "unfilled", "draft")
#: (state, days from now) of the cast expert's assignments, in turn.
ASSIGNMENT_STATES = (("booked", 20), ("booked", -3), ("confirmed", -40), ("reported", -10),
                     ("paid", -90), ("cancelled_by_expert", 15), ("booked", 60))


def difference(larger: dict[str, int], smaller: dict[str, int]) -> dict[str, int]:
    """What to add to go from one scale to a larger one."""
    return {kind: larger[kind] - smaller.get(kind, 0) for kind in larger}


@dataclass
class ScaleCast:
    organisation_id: int
    other_organisation_id: int
    org_admin: str
    org_admin_id: int
    expert: str
    expert_id: int
    finance: str
    coordinator: str
    admin: str
    other_expert_ids: list[int]
    #: The users of the other experts (authors of their feedback).
    other_expert_user_ids: list[int]
    finance_id: int
    coordinator_id: int
    #: How many rows `grow` added so far, per kind (numbering continues from there).
    added: dict[str, int]
    #: The payment batch whose items `grow` adds (made by the first one that adds any).
    batch_id: int | None = None
    #: The group whose members `grow` adds (made likewise).
    group_id: int | None = None


def people() -> ScaleCast:
    """The people whose pages are measured (password `factories.DEFAULT_PASSWORD`)."""
    org_admin = factories.member(is_admin=True)
    other = factories.member(is_admin=True)
    expert = factories.expert(iban="FI5542345670000081")
    others = [factories.expert(iban=OTHER_IBAN) for _ in range(OTHER_EXPERTS)]
    finance = factories.user("finance", totp_secret="KOKEMUSPANKKIDEMOTOTPKEY")
    coordinator = factories.user("coordinator")
    admin = factories.user("admin")
    db.session.flush()
    return ScaleCast(
        organisation_id=org_admin.membership.organisation_id,
        other_organisation_id=other.membership.organisation_id,
        org_admin=org_admin.email, org_admin_id=org_admin.id,
        expert=expert.user.email, expert_id=expert.id,
        finance=finance.email, coordinator=coordinator.email, admin=admin.email,
        other_expert_ids=[e.id for e in others],
        other_expert_user_ids=[e.user_id for e in others], finance_id=finance.id,
        coordinator_id=coordinator.id, added={})


class _Rows:
    """Reference ids and the bulk inserts."""

    def __init__(self, now: datetime):
        self.now = now
        self.types = list(db.session.scalars(select(AssignmentType.id).order_by(
            AssignmentType.id)))
        self.schedule_id = db.session.scalar(select(FeeSchedule.id).order_by(
            FeeSchedule.effective_from))
        self.municipalities = list(db.session.scalars(select(Municipality.code).order_by(
            Municipality.code)))
        self.area_ids = list(db.session.scalars(select(ExpertiseArea.id).order_by(
            ExpertiseArea.id)))

    @staticmethod
    def insert(model, rows: list[dict]) -> list[int]:
        if not rows:
            return []
        return list(db.session.scalars(
            insert(model).returning(model.id, sort_by_parameter_order=True), rows))

    def orders(self, organisation_id: int, creator_id: int, starts: list[datetime],
               states: list[str], number: int) -> tuple[list[int], list[int]]:
        """Orders with one session each at venues around Finland; (order ids, session ids)."""
        rows = []
        for k, (start, state) in enumerate(zip(starts, states, strict=True)):
            n = number + k
            rows.append({
                "organisation_id": organisation_id, "created_by_id": creator_id,
                "title": f"Tilaus {n}", "description": "", "assignment_type_id":
                self.types[n % len(self.types)], "fee_schedule_id": self.schedule_id,
                "language": "fi", "experts_needed": 1, "remote": False,
                "municipality_code": self.municipalities[(n * 7) % len(self.municipalities)],
                "status": state, "created_at": start - timedelta(days=30),
                "submitted_at": None if state == "draft" else start - timedelta(days=29),
                "cancelled_at": start - timedelta(days=2) if state == "cancelled" else None,
            })
        order_ids = self.insert(Order, rows)
        session_ids = self.insert(OrderSession, [
            {"order_id": order_id, "position": 1, "starts_at": start, "duration_minutes": 90}
            for order_id, start in zip(order_ids, starts, strict=True)])
        db.session.execute(insert(order_expertise_areas), [
            {"order_id": order_id, "area_id": self.area_ids[k % len(self.area_ids)]}
            for k, order_id in enumerate(order_ids)])
        return order_ids, session_ids

    def assignments(self, rows: list[tuple[int, int, int, str, datetime]]) -> list[int]:
        """(order id, session id, expert id, state, start) → assignment ids."""
        return self.insert(Assignment, [
            {"order_id": order_id, "session_id": session_id, "expert_id": expert_id,
             "status": state, "starts_at": start, "ends_at": start + timedelta(minutes=90),
             "created_at": start - timedelta(days=20),
             "cancelled_at": start - timedelta(days=3) if state.startswith("cancelled")
             else None}
            for order_id, session_id, expert_id, state, start in rows])


def grow(cast: ScaleCast, counts: dict[str, int], now: datetime | None = None) -> None:
    """Add ``counts`` rows of each kind (see the module's docstring); flushes."""
    rows = _Rows((now or utcnow()).replace(second=0, microsecond=0))
    _organisation_orders(cast, rows, counts.get("orders", 0))
    _expert_work(cast, rows, counts.get("assignments", 0))
    _invitations(cast, rows, counts.get("invitations", 0))
    _payouts(cast, rows, counts.get("payout_items", 0))
    _batch_items(cast, rows, counts.get("batch_items", 0))
    _batches(cast, rows, counts.get("batches", 0))
    _invoices(cast, rows, counts.get("invoices", 0))
    _groups(cast, rows, counts.get("groups", 0))
    _group_members(cast, rows, counts.get("group_members", 0))
    _feedback(cast, rows, counts.get("feedback", 0))
    _channel_messages(cast, rows, counts.get("channel_messages", 0))
    _forwarded_messages(cast, rows, counts.get("forwarded_messages", 0))
    for kind, count in counts.items():
        cast.added[kind] = cast.added.get(kind, 0) + count
    db.session.flush()


def _organisation_orders(cast: ScaleCast, rows: _Rows, count: int) -> None:
    first = cast.added.get("orders", 0)
    starts = [rows.now + timedelta(days=(first + k) % 120 - 30, hours=k % 8)
              for k in range(count)]
    states = [ORDER_STATES[(first + k) % len(ORDER_STATES)] for k in range(count)]
    order_ids, session_ids = rows.orders(cast.organisation_id, cast.org_admin_id, starts,
                                         states, first)
    rows.assignments([
        (order_id, session_id, cast.other_expert_ids[k % OTHER_EXPERTS], "booked", start)
        for k, (order_id, session_id, start, state) in enumerate(
            zip(order_ids, session_ids, starts, states, strict=True))
        if k % 2 == 0 and state in ("filled", "completed", "matching")])


def _expert_work(cast: ScaleCast, rows: _Rows, count: int) -> None:
    first = cast.added.get("assignments", 0)
    plan = [ASSIGNMENT_STATES[(first + k) % len(ASSIGNMENT_STATES)] for k in range(count)]
    starts = [rows.now + timedelta(days=days, hours=(first + k) % 9 - 4)
              for k, (_state, days) in enumerate(plan)]
    order_states = ["filled" if days > 0 else "completed" for _state, days in plan]
    order_ids, session_ids = rows.orders(cast.other_organisation_id, cast.org_admin_id,
                                         starts, order_states, 100_000 + first)
    rows.assignments([
        (order_id, session_id, cast.expert_id, state, start)
        for order_id, session_id, (state, _days), start in zip(
            order_ids, session_ids, plan, starts, strict=True)])


def _invitations(cast: ScaleCast, rows: _Rows, count: int) -> None:
    first = cast.added.get("invitations", 0)
    starts = [rows.now + timedelta(days=10 + (first + k) % 50) for k in range(count)]
    order_ids, _sessions = rows.orders(cast.other_organisation_id, cast.org_admin_id, starts,
                                       ["matching"] * count, 200_000 + first)
    rows.insert(Invitation, [
        {"order_id": order_id, "expert_id": cast.expert_id, "status": "pending",
         "rank": 1, "created_at": rows.now - timedelta(hours=1),
         "expires_at": rows.now + timedelta(days=2)} for order_id in order_ids])


def _worked(cast: ScaleCast, rows: _Rows, count: int, first: int, number: int
            ) -> tuple[list[int], list[int], list[datetime]]:
    """``count`` confirmed assignments of the other experts on completed orders of the other
    organisation in the last two months: (assignment ids, expert ids, starts)."""
    starts = [rows.now - timedelta(days=5 + (first + k) % 60, hours=k % 7)
              for k in range(count)]
    order_ids, session_ids = rows.orders(cast.other_organisation_id, cast.org_admin_id,
                                         starts, ["completed"] * count, number + first)
    experts = [cast.other_expert_ids[(first + k) % OTHER_EXPERTS] for k in range(count)]
    assignment_ids = rows.assignments([
        (order_id, session_id, expert_id, "confirmed", start)
        for order_id, session_id, expert_id, start in zip(
            order_ids, session_ids, experts, starts, strict=True)])
    return assignment_ids, experts, starts


def _payout_rows(rows: _Rows, assignment_ids: list[int], experts: list[int],
                 starts: list[datetime], **extra) -> list[dict]:
    fee = Decimal("30.00")
    return [
        {"assignment_id": assignment_id, "expert_id": expert_id, "status": "pending_approval",
         "fee_schedule_id": rows.schedule_id, "fee": fee, "travel": Decimal("4.50"),
         "per_diem": Decimal("0.00"), "withholding_percent": Decimal("20.00"),
         "withholding": Decimal("6.00"), "net_fee": Decimal("24.00"),
         "total_paid": Decimal("28.50"), "work_date": start, "created_at": start, **extra}
        for assignment_id, expert_id, start in zip(assignment_ids, experts, starts,
                                                   strict=True)]


def _payouts(cast: ScaleCast, rows: _Rows, count: int) -> None:
    worked = _worked(cast, rows, count, cast.added.get("payout_items", 0), 300_000)
    rows.insert(PayoutItem, _payout_rows(rows, *worked))


def _batch_rows(cast: ScaleCast, rows: _Rows, names: list[str], created: list[datetime],
                item_count: int) -> list[dict]:
    return [{"status": "paid", "created_by_id": cast.finance_id, "created_at": when,
             "total_net": PAID * item_count, "item_count": item_count,
             "sepa_message_id": name, "sepa_xml": "<Document/>",
             "execution_date": (when + timedelta(days=1)).date(),
             "paid_at": when + timedelta(days=1), "paid_by_id": cast.finance_id}
            for name, when in zip(names, created, strict=True)]


def _batch_items(cast: ScaleCast, rows: _Rows, count: int) -> None:
    if not count:
        return
    if cast.batch_id is None:
        [cast.batch_id] = rows.insert(PayoutBatch, _batch_rows(
            cast, rows, ["KP-SCALE-CAST"], [rows.now - timedelta(days=2)], 0))
    worked = _worked(cast, rows, count, cast.added.get("batch_items", 0), 400_000)
    rows.insert(PayoutItem, _payout_rows(
        rows, *worked, status="paid", batch_id=cast.batch_id, approved_iban=OTHER_IBAN,
        decided_at=rows.now - timedelta(days=3), decided_by_id=cast.finance_id))
    db.session.execute(update(PayoutBatch).where(PayoutBatch.id == cast.batch_id).values(
        item_count=PayoutBatch.item_count + count,
        total_net=PayoutBatch.total_net + PAID * count))


def _batches(cast: ScaleCast, rows: _Rows, count: int) -> None:
    first = cast.added.get("batches", 0)
    rows.insert(PayoutBatch, _batch_rows(
        cast, rows, [f"KP-SCALE-{first + k:07d}" for k in range(count)],
        [rows.now - timedelta(days=3 + (first + k) % 700, hours=k % 5) for k in range(count)],
        1))


def _invoices(cast: ScaleCast, rows: _Rows, count: int) -> None:
    first = cast.added.get("invoices", 0)
    created = [rows.now - timedelta(days=(first + k) % 400, hours=k % 6) for k in range(count)]
    rows.insert(Invoice, [
        {"organisation_id": cast.organisation_id, "status": "paid" if k % 3 else "open",
         "total": Decimal("124.00"), "amount_paid": Decimal("124.00") if k % 3 else Decimal(0),
         "due_date": (when + timedelta(days=14)).date(),
         "period": f"{when.year:04d}-{when.month:02d}", "created_at": when,
         "finalized_at": when, "paid_at": when + timedelta(days=10) if k % 3 else None}
        for k, when in enumerate(created)])


def _groups(cast: ScaleCast, rows: _Rows, count: int) -> None:
    first = cast.added.get("groups", 0)
    group_ids = rows.insert(ParticipationGroup, [
        {"organisation_id": cast.organisation_id, "kind": GROUP_KINDS[(first + k) % 3],
         "name": f"Ryhmä {first + k:06d}", "purpose": "Asiakkaiden ääni palveluihin",
         "region": "Uusimaa", "status": "forming", "created_by_id": cast.org_admin_id,
         "created_at": rows.now - timedelta(days=(first + k) % 300)}
        for k in range(count)])
    rows.insert(GroupMember, [
        {"group_id": group_id, "user_id": None, "name": f"Jäsen {n + 1}",
         "kind": "client", "role": "chair" if n == 0 else "member", "status": "active",
         "added_by_id": cast.org_admin_id, "joined_at": rows.now - timedelta(days=1)}
        for group_id in group_ids for n in range(GROUP_SIZE)])


def _group_members(cast: ScaleCast, rows: _Rows, count: int) -> None:
    if not count:
        return
    if cast.group_id is None:
        [cast.group_id] = rows.insert(ParticipationGroup, [
            {"organisation_id": cast.organisation_id, "kind": GROUP_KINDS[0],
             "name": "Asukasraati", "purpose": "Asukkaiden ääni", "region": "Uusimaa",
             "status": "active", "created_by_id": cast.org_admin_id,
             "created_at": rows.now - timedelta(days=400),
             "activated_at": rows.now - timedelta(days=399)}])
    first = cast.added.get("group_members", 0)
    rows.insert(GroupMember, [
        {"group_id": cast.group_id, "user_id": None, "name": f"Raatilainen {first + k:06d}",
         "kind": ("client", "relative")[(first + k) % 2],
         "role": "chair" if first + k == 0 else "member", "added_by_id": cast.org_admin_id,
         "joined_at": rows.now - timedelta(days=(first + k) % 300 + 30),
         **({"status": "left", "left_at": rows.now - timedelta(days=(first + k) % 20)}
            if (first + k) % 10 == 9 else {"status": "active"})}
        for k in range(count)])


def _feedback(cast: ScaleCast, rows: _Rows, count: int) -> None:
    first = cast.added.get("feedback", 0)
    assignment_ids, experts, starts = _worked(cast, rows, count, first, 500_000)
    authors = dict(zip(cast.other_expert_ids, cast.other_expert_user_ids, strict=True))
    rows.insert(Feedback, [
        {"assignment_id": assignment_id, "author_id": authors[expert_id],
         "author_kind": "expert", "rating": 1 + (first + k) % 5,
         "input_heard": (first + k) % 4 != 0, "text": "Minua kuunneltiin.",
         "share_identity_with_organisation": (first + k) % 2 == 0,
         "coordinator_note": "", "created_at": start + timedelta(hours=3)}
        for k, (assignment_id, expert_id, start) in enumerate(
            zip(assignment_ids, experts, starts, strict=True))])


def _channel_messages(cast: ScaleCast, rows: _Rows, count: int) -> None:
    first = cast.added.get("channel_messages", 0)
    rows.insert(AnonymousFeedback, [
        {"topic": CHANNEL_TOPICS[(first + k) % len(CHANNEL_TOPICS)], "about": "",
         "text": f"Viesti {first + k}: odotusajat ovat pitkiä.", "status": "new",
         "received_on": (rows.now - timedelta(days=(first + k) % 200)).date()}
        for k in range(count)])


def _forwarded_messages(cast: ScaleCast, rows: _Rows, count: int) -> None:
    first = cast.added.get("forwarded_messages", 0)
    rows.insert(AnonymousFeedback, [
        {"topic": CHANNEL_TOPICS[(first + k) % len(CHANNEL_TOPICS)], "about": "",
         "text": f"Välitetty viesti {first + k}.", "status": "forwarded",
         "received_on": (rows.now - timedelta(days=1 + (first + k) % 200)).date(),
         "forwarded_to_id": cast.organisation_id,
         "forwarded_at": rows.now - timedelta(hours=(first + k) % 500),
         "forwarded_by_id": cast.coordinator_id, "forward_note": "Tiedoksi."}
        for k in range(count)])
