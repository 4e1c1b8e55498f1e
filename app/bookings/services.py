"""Booking services: the only writers of orders, invitations and assignments.

Every state change goes through the transition tables in `app.bookings.states`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from app.accounts.models import ADMIN, COORDINATOR, ORGANISATION_MEMBER, User
from app.admin.services import get_setting
from app.audit.models import AuditEntry
from app.audit.services import record_audit
from app.bookings.calendar import assignment_ics
from app.bookings.events import WorkPayable
from app.bookings.models import Assignment, Invitation, Order, OrderSession
from app.bookings.states import ASSIGNMENT, INVITATION, ORDER
from app.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.common.events import publish
from app.common.timeutil import to_helsinki, utcnow
from app.experts.models import VERIFIED, WORK_LANGUAGES, ExpertProfile
from app.extensions import db
from app.fees.models import AssignmentType
from app.fees.services import fee_rules, schedule_in_force
from app.mail.services import queue_mail
from app.organisations.models import Membership
from app.organisations.services import is_approved
from app.reference.models import ExpertiseArea, Municipality

#: The three-session co-development process of the seeds (orientation; experiences
#: of the services; the ideal service and evaluation), with its agenda prompts.
CO_DEVELOPMENT_TEMPLATE = "co_development_3"
CO_DEVELOPMENT_SESSIONS = (
    (_l("Orientation"),
     _l("Getting to know each other, the goal of the work and the rules of working together.")),
    (_l("Experiences of the services"),
     _l("What has worked and what has not: the experts' and professionals' experiences of "
        "the services.")),
    (_l("The ideal service and evaluation"),
     _l("What the ideal service looks like, what to change first, and how the work went.")),
)
MAX_EXPERTS = 50


@dataclass(frozen=True)
class SessionRequest:
    starts_at: datetime
    duration_minutes: int
    title: str = ""
    agenda: str = ""


@dataclass(frozen=True)
class OrderRequest:
    """What an organisation asks for; sessions hold one entry for a one-off order."""

    title: str
    assignment_type: str
    expertise_areas: list[str]
    language: str
    experts_needed: int
    sessions: list[SessionRequest]
    remote: bool
    municipality_code: str | None = None
    description: str = ""
    address: str = ""
    audience: str = ""
    accessibility: str = ""
    billing_reference: str = ""
    deadline_at: datetime | None = None
    series_template: str | None = None
    extra: dict = field(default_factory=dict)


def order_request_problems(data: OrderRequest, now: datetime) -> tuple[dict, list[InvalidInput]]:
    """Every problem of an order request at once, and the objects it names.

    The page shows all problems in one round; `validate_order_request` (the API and
    `create_order`) raises the first. A problem of one session's start or length has
    ``session_index`` set: the position of that session in ``data.sessions``.
    """
    problems: list[InvalidInput] = []
    if not data.title.strip():
        problems.append(InvalidInput("Give the order a title.", code="missing_title",
                                     field="title"))
    kind = db.session.scalar(select(AssignmentType).where(
        AssignmentType.code == data.assignment_type, AssignmentType.active.is_(True)))
    if kind is None:
        problems.append(InvalidInput("Choose the type of work.",
                                     code="unknown_assignment_type", field="assignment_type"))
    areas = list(db.session.scalars(
        select(ExpertiseArea).where(ExpertiseArea.slug.in_(data.expertise_areas),
                                    ExpertiseArea.active.is_(True))))
    if not data.expertise_areas:
        problems.append(InvalidInput("Choose at least one expertise area.",
                                     code="missing_expertise_area", field="expertise_areas"))
    elif len(areas) != len(set(data.expertise_areas)):
        problems.append(InvalidInput("Unknown expertise area.", code="unknown_expertise_area",
                                     field="expertise_areas"))
    if data.language not in WORK_LANGUAGES:
        problems.append(InvalidInput("Choose the language of the work.",
                                     code="unknown_language", field="language"))
    if not isinstance(data.experts_needed, int) or not 1 <= data.experts_needed <= MAX_EXPERTS:
        problems.append(InvalidInput("Ask for 1–50 experts.", code="invalid_experts_needed",
                                     field="experts_needed"))
    if not data.sessions:
        problems.append(InvalidInput("Give the date and time.", code="missing_sessions",
                                     field="starts_at"))
    for index, session in enumerate(data.sessions):
        if session.starts_at <= now:
            problem = InvalidInput("The start time must be in the future.",
                                   code="start_in_past", field="starts_at")
            problem.session_index = index
            problems.append(problem)
        if not 1 <= session.duration_minutes <= 1440:
            problem = InvalidInput("The length must be 1–1440 minutes.",
                                   code="invalid_duration", field="duration_minutes")
            problem.session_index = index
            problems.append(problem)
    municipality = None
    if not data.remote:
        municipality = db.session.get(Municipality, data.municipality_code or "")
        if municipality is None:
            problems.append(InvalidInput(
                "Choose the municipality of the place, or choose remote work.",
                code="unknown_municipality", field="municipality_code"))
    schedule = None
    if data.sessions:
        first = min(s.starts_at for s in data.sessions)
        if data.deadline_at is not None and not now < data.deadline_at <= first:
            problems.append(InvalidInput("The deadline must be between now and the start.",
                                         code="invalid_deadline", field="deadline_at"))
        schedule = schedule_in_force(to_helsinki(first).date())
        if kind is not None and kind.code not in fee_rules(schedule):
            problems.append(InvalidInput("This type of work has no fee on that date.",
                                         code="unknown_assignment_type",
                                         field="assignment_type"))
    resolved = {"kind": kind, "areas": areas, "municipality": municipality,
                "schedule": schedule}
    return resolved, problems


def validate_order_request(data: OrderRequest, now: datetime) -> dict:
    """Check an order request; returns the resolved objects or raises the first problem
    (`InvalidInput`) that `order_request_problems` finds."""
    resolved, problems = order_request_problems(data, now)
    if problems:
        raise problems[0]
    return resolved


def create_order(actor: User, data: OrderRequest, now: datetime | None = None) -> Order:
    """Create and submit an order of the actor's organisation; coordinators are told."""
    now = now or utcnow()
    if actor.role != ORGANISATION_MEMBER or actor.organisation_id is None:
        raise PermissionDenied("Only members of an organisation can order experts.")
    resolved = validate_order_request(data, now)
    order = Order(
        organisation_id=actor.organisation_id, created_by_id=actor.id,
        title=data.title.strip(), description=data.description.strip(),
        assignment_type=resolved["kind"], fee_schedule_id=resolved["schedule"].id,
        language=data.language, experts_needed=data.experts_needed, remote=data.remote,
        municipality_code=None if data.remote else data.municipality_code,
        address="" if data.remote else data.address.strip(), audience=data.audience.strip(),
        accessibility=data.accessibility.strip(),
        billing_reference=data.billing_reference.strip(), deadline_at=data.deadline_at,
        series_template=data.series_template, status="draft", created_at=now,
    )
    order.expertise_areas.extend(resolved["areas"])
    for position, session in enumerate(sorted(data.sessions, key=lambda s: s.starts_at), 1):
        order.sessions.append(OrderSession(
            position=position, title=session.title.strip(), agenda=session.agenda,
            starts_at=session.starts_at, duration_minutes=session.duration_minutes,
        ))
    db.session.add(order)
    db.session.flush()
    record_audit(actor, "order_created", "order", order.id)
    submit_order(actor, order, now)
    return order


def submit_order(actor: User, order: Order, now: datetime) -> None:
    """Submit the order. An organisation that is not approved yet may submit: its order waits
    (no coordinator is told and no expert invited) until the approval, see
    `release_waiting_orders`."""
    ORDER.apply(order, "submit")
    order.submitted_at = now
    record_audit(actor, "order_submitted", "order", order.id)
    if is_approved(order.organisation_id):
        _tell_order_received(order)


def _tell_order_received(order: Order) -> None:
    for coordinator in db.session.scalars(
        select(User).where(User.role == COORDINATOR, User.active.is_(True))
    ):
        queue_mail(coordinator.email, "order_received", language=coordinator.language,
                   kind="order_received", user_id=coordinator.id, order=order,
                   organisation=order.organisation)


# --- Invitations, acceptance, cancellations ---------------------------------------------

ACTIVE_ASSIGNMENT_STATUSES = ("booked", "reported", "disputed", "confirmed", "paid")
OPEN_ORDER_STATUSES = ("submitted", "matching", "partially_filled")


class OrderFilled(Conflict):
    code = "order_filled"


class ExpertBusy(Conflict):
    code = "expert_busy"


def _lock_order(order_id: int) -> Order:
    """Take the order's row lock for the rest of the transaction and return it fresh.

    A no-op UPDATE locks the row on PostgreSQL (concurrent accepts wait here
    until the first commits) and takes SQLite's write lock, so the counts read
    afterwards cannot change under us.
    """
    db.session.execute(update(Order).where(Order.id == order_id).values(status=Order.status))
    order = db.session.scalar(
        select(Order).where(Order.id == order_id).execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound("The order was not found.", code="order_not_found")
    return order


def _lock_expert(expert_id: int) -> None:
    """Serialise one expert's bookings (no two overlapping ones, even at the same moment)."""
    db.session.execute(
        update(ExpertProfile).where(ExpertProfile.id == expert_id)
        .values(status=ExpertProfile.status)
    )


def session_bounds(order: Order) -> list[tuple[datetime, datetime]]:
    return [(s.starts_at, s.starts_at + timedelta(minutes=s.duration_minutes))
            for s in order.sessions]


def active_booking_count(order: Order) -> int:
    """Experts booked for the order (each counts once, also in a series)."""
    return db.session.scalar(
        select(func.count(func.distinct(Assignment.expert_id))).where(
            Assignment.order_id == order.id,
            Assignment.status.in_(ACTIVE_ASSIGNMENT_STATUSES),
        )
    ) or 0


def has_overlapping_booking(expert_id: int, bounds: list[tuple[datetime, datetime]],
                            excluding_order_id: int | None = None) -> bool:
    conditions = [
        (Assignment.starts_at < end) & (Assignment.ends_at > start) for start, end in bounds
    ]
    query = select(Assignment.id).where(
        Assignment.expert_id == expert_id,
        Assignment.status.in_(ACTIVE_ASSIGNMENT_STATUSES),
        or_(*conditions),
    )
    if excluding_order_id is not None:
        query = query.where(Assignment.order_id != excluding_order_id)
    return db.session.scalar(query.limit(1)) is not None


def _require_staff(actor: User) -> None:
    if actor.role not in (COORDINATOR, ADMIN):
        raise PermissionDenied("Only the bank's coordinators can do this.")


def invitation_expiry(order: Order, now: datetime) -> datetime:
    """Default 48 h (an admin setting), never after the start, never after the deadline."""
    limit = now + timedelta(hours=get_setting("invitation_hours"))
    candidates = [limit, order.sessions[0].starts_at]
    if order.deadline_at is not None:
        candidates.append(order.deadline_at)
    return min(candidates)


def invite_experts(actor: User | None, order: Order, expert_ids: list[int],
                   now: datetime | None = None) -> list[Invitation]:
    """Invite chosen experts to an open order (``actor`` None: the automatic cascade).

    Nobody is invited to the orders of an organisation that is not approved yet."""
    now = now or utcnow()
    if actor is not None:
        _require_staff(actor)
    if not is_approved(order.organisation_id):
        raise Conflict("The organisation has not been approved yet. Its orders wait until a "
                       "coordinator approves it.", code="organisation_not_approved")
    if order.status not in OPEN_ORDER_STATUSES:
        raise Conflict("This order is not looking for experts.", code="order_not_open")
    if order.sessions[0].starts_at <= now:
        raise Conflict("The order has already started.", code="order_started")
    already = {i.expert_id for i in order.invitations}
    experts = {e.id: e for e in db.session.scalars(
        select(ExpertProfile).where(ExpertProfile.id.in_(expert_ids)))}
    invitations = []
    for rank, expert_id in enumerate(expert_ids, start=len(already) + 1):
        expert = experts.get(expert_id)
        if expert is None or expert.status != VERIFIED:
            raise InvalidInput("Only verified experts can be invited.", code="expert_not_bookable",
                               field="expert_ids")
        if expert_id in already:
            raise Conflict("This expert has already been invited to this order.",
                           code="already_invited", field="expert_ids")
        invitation = Invitation(order=order, expert_id=expert_id, rank=rank,
                                invited_by_id=getattr(actor, "id", None), created_at=now,
                                expires_at=invitation_expiry(order, now))
        db.session.add(invitation)
        invitations.append(invitation)
        already.add(expert_id)
    if order.status == "submitted" and invitations:
        ORDER.apply(order, "start_matching")
    db.session.flush()
    for invitation in invitations:
        record_audit(actor, "invitation_sent", "invitation", invitation.id, order=order.id,
                     expert=invitation.expert_id)
        _mail_expert(invitation.expert, "invitation", "invitation", order=order,
                     invitation=invitation)
    return invitations


def invitation_for_expert(actor: User, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or actor.expert_id != invitation.expert_id:
        raise NotFound("The invitation was not found.", code="invitation_not_found")
    return invitation


def accept_invitation(actor: User, invitation_id: int, now: datetime | None = None
                      ) -> list[Assignment]:
    """Book the invited expert for every session, or raise `OrderFilled` / `ExpertBusy`.

    Locks the order and the expert first, then checks and writes in the same
    transaction: an order never gets more experts than it asked for, and an
    expert is never booked twice at the same time.
    """
    now = now or utcnow()
    invitation = invitation_for_expert(actor, invitation_id)
    order = _lock_order(invitation.order_id)
    _lock_expert(invitation.expert_id)
    db.session.refresh(invitation)
    if invitation.status == "closed" or (
        invitation.status == "pending" and active_booking_count(order) >= order.experts_needed
    ):
        raise OrderFilled("This assignment was just filled by other experts. Thank you for "
                          "your answer!")
    if invitation.status != "pending":
        raise Conflict("This invitation is no longer open.", code="invitation_not_pending")
    if invitation.expires_at <= now:
        raise Conflict("The time to answer this invitation has run out.",
                       code="invitation_expired")
    if order.status not in OPEN_ORDER_STATUSES:
        raise Conflict("This order is not looking for experts any more.", code="order_not_open")
    bounds = session_bounds(order)
    if has_overlapping_booking(invitation.expert_id, bounds):
        raise ExpertBusy("You already have work booked at the same time.")
    INVITATION.apply(invitation, "accept")
    invitation.responded_at = now
    assignments = []
    for session, (start, end) in zip(order.sessions, bounds, strict=True):
        assignment = Assignment(order=order, session=session, expert_id=invitation.expert_id,
                                invitation_id=invitation.id, starts_at=start, ends_at=end,
                                created_at=now)
        db.session.add(assignment)
        assignments.append(assignment)
    db.session.flush()
    record_audit(actor, "invitation_accepted", "invitation", invitation.id, order=order.id)
    booked = active_booking_count(order)
    if booked >= order.experts_needed:
        ORDER.apply(order, "fill")
        for other in order.invitations:
            if other.status == "pending":
                INVITATION.apply(other, "close")
                other.responded_at = now
        _tell_order_filled(order)
    elif order.status == "matching":
        ORDER.apply(order, "book_some")
    for assignment in assignments:
        _mail_booking(assignment)
    return assignments


def decline_invitation(actor: User, invitation_id: int, reason: str | None = None,
                       now: datetime | None = None) -> Invitation:
    """Say no; a reason is optional. The next candidate is invited automatically."""
    now = now or utcnow()
    invitation = invitation_for_expert(actor, invitation_id)
    INVITATION.apply(invitation, "decline")
    invitation.responded_at = now
    invitation.decline_reason = (reason or "").strip()[:500] or None
    record_audit(actor, "invitation_declined", "invitation", invitation.id)
    db.session.flush()
    cascade_order(invitation.order, now)
    return invitation


def withdraw_from_order(actor: User, order_id: int, reason: str | None = None,
                        now: datetime | None = None) -> list[Assignment]:
    """A booked expert cancels (illness happens): every future session of the order."""
    now = now or utcnow()
    order = _lock_order(order_id)
    mine = [a for a in order.assignments
            if a.expert_id == actor.expert_id and a.status == "booked" and a.starts_at > now]
    if not mine:
        raise NotFound("You have no coming booking in this order.", code="booking_not_found")
    for assignment in mine:
        ASSIGNMENT.apply(assignment, "cancel_by_expert")
        assignment.cancelled_at = now
        assignment.cancel_reason = (reason or "").strip()[:500] or None
        assignment.calendar_sequence += 1
        _mail_booking(assignment, cancelled=True)
    record_audit(actor, "expert_withdrew", "order", order.id)
    _after_lost_booking(order, now)
    _tell_staff_and_organisation(order, "expert_withdrew")
    db.session.flush()
    cascade_order(order, now)
    return mine


def _after_lost_booking(order: Order, now: datetime) -> None:
    booked = active_booking_count(order)
    if order.status == "filled":
        ORDER.apply(order, "lose_booking" if booked else "lose_last_booking")
    elif order.status == "partially_filled" and booked == 0:
        ORDER.apply(order, "lose_booking")


def is_late_cancellation(order: Order, now: datetime) -> bool:
    hours = get_setting("late_cancellation_hours")
    return order.sessions[0].starts_at - now < timedelta(hours=hours)


#: Assignment states of work that took place (reported, checked or paid): never cancelled.
DONE_WORK_STATUSES = ("reported", "disputed", "confirmed", "paid", "voided")


def has_started(order: Order, now: datetime) -> bool:
    """Whether any session of the order has started, or any of its work was reported."""
    return any(s.starts_at <= now for s in order.sessions) or any(
        a.status in DONE_WORK_STATUSES for a in order.assignments)


def cancellation_outlook(order: Order, now: datetime) -> str:
    """What cancelling now means: ``started`` (refused), ``closed`` (not in a cancellable
    state), ``late`` (booked experts still get their fee) or ``free``."""
    if has_started(order, now):
        return "started"
    if not ORDER.can(order.status, "cancel"):
        return "closed"
    return "late" if is_late_cancellation(order, now) else "free"


def check_manager(actor: User, order: Order) -> None:
    """Its own organisation's members and the bank's staff manage an order; others never
    learn it exists."""
    if actor.role in (COORDINATOR, ADMIN):
        return
    if actor.role != ORGANISATION_MEMBER or actor.organisation_id != order.organisation_id:
        raise NotFound("The order was not found.", code="order_not_found")


def cancel_order(actor: User, order_id: int, now: datetime | None = None,
                 reason: str | None = None) -> Order:
    """The organisation (or a coordinator on its behalf, with a reason) cancels.

    Refused once a session has started or any work is reported; inside the late window
    booked experts still get their fee.
    """
    now = now or utcnow()
    order = _lock_order(order_id)
    check_manager(actor, order)
    reason = (reason or "").strip()[:500] or None
    if has_started(order, now):
        raise Conflict("The work has already started or been reported, so the order can no "
                       "longer be cancelled.", code="already_started")
    if not ORDER.can(order.status, "cancel"):
        raise Conflict("This order can no longer be cancelled.", code="order_not_cancellable")
    on_behalf = actor.role in (COORDINATOR, ADMIN)
    if on_behalf and reason is None:
        raise InvalidInput("Tell why the order is cancelled; the organisation sees the reason.",
                           code="missing_reason", field="reason")
    late = is_late_cancellation(order, now)
    ORDER.apply(order, "cancel")
    order.cancelled_at, order.cancelled_by_id, order.cancelled_late = now, actor.id, late
    order.cancel_reason = reason
    for invitation in order.invitations:
        if invitation.status == "pending":
            INVITATION.apply(invitation, "withdraw")
            invitation.responded_at = now
    for assignment in order.assignments:
        if assignment.status == "booked":
            ASSIGNMENT.apply(assignment, "cancel_by_organisation")
            assignment.cancelled_at = now
            assignment.fee_due_despite_cancellation = late
            assignment.calendar_sequence += 1
            _mail_booking(assignment, cancelled=True)
            if late:
                _pay_late_cancellation(assignment, now)
    record_audit(actor, "order_cancelled", "order", order.id, late=late,
                 **({"reason": reason} if reason else {}))
    if on_behalf:
        _tell(_organisation_recipients(order), order, "order_cancelled_by_bank")
    db.session.flush()
    return order


def _pay_late_cancellation(assignment: Assignment, now: datetime) -> None:
    """The booked expert's fee (no travel) is paid and invoiced despite the cancellation."""
    from app.fees.models import FeeSchedule
    from app.fees.services import quote

    order = assignment.order
    schedule = db.session.get(FeeSchedule, order.fee_schedule_id) if order.fee_schedule_id \
        else None
    priced = quote(order.assignment_type.code, assignment.session.duration_minutes,
                   to_helsinki(assignment.starts_at).date(), remote=True, travel=None,
                   schedule=schedule)
    fee = priced.fee
    db.session.flush()
    publish(WorkPayable(assignment, fee=fee, travel=Decimal("0.00"), per_diem=Decimal("0.00"),
                        fee_schedule_id=order.fee_schedule_id, prepared_by_id=None, now=now,
                        late_cancellation=True, lines=tuple(priced.lines)))


def cascade_order(order: Order, now: datetime) -> list[Invitation]:
    """Invite the next-ranked candidates while the order still lacks experts."""
    if order.status not in OPEN_ORDER_STATUSES or order.sessions[0].starts_at <= now:
        return []
    if not is_approved(order.organisation_id):
        return []
    if order.deadline_at is not None and order.deadline_at <= now:
        return []
    pending = sum(1 for i in order.invitations if i.status == "pending")
    missing = order.experts_needed - active_booking_count(order) - pending
    if missing <= 0:
        return []
    from app.matching.services import match_order

    invited = {i.expert_id for i in order.invitations}
    next_ids = [m.expert_id for m in match_order(order, now) if m.expert_id not in invited]
    if not next_ids:
        if pending == 0 and not _already_told(order, "order_no_candidates"):
            _tell_staff(order, "order_no_candidates")
        return []
    return invite_experts(None, order, next_ids[:missing], now)


def release_waiting_orders(organisation_id: int, now: datetime) -> list[Order]:
    """The organisation was approved: its submitted orders, which waited, go to the
    coordinators now (the ``order_received`` mail they did not get at submission)."""
    orders = list(db.session.scalars(
        select(Order).where(Order.organisation_id == organisation_id,
                            Order.status == "submitted")
        .order_by(Order.submitted_at, Order.id)))
    for order in orders:
        if order.sessions[0].starts_at > now:
            _tell_order_received(order)
            record_audit(None, "order_released", "order", order.id)
    return orders


def expire_invitations(now: datetime | None = None) -> int:
    """Expire pending invitations whose time ran out, and cascade their orders."""
    now = now or utcnow()
    due = list(db.session.scalars(
        select(Invitation).where(Invitation.status == "pending", Invitation.expires_at <= now)
    ))
    for invitation in due:
        INVITATION.apply(invitation, "expire")
        record_audit(None, "invitation_expired", "invitation", invitation.id)
    db.session.flush()
    for order_id in sorted({i.order_id for i in due}):
        cascade_order(db.session.get(Order, order_id), now)
    return len(due)


def expire_unfilled_orders(now: datetime | None = None) -> int:
    """Orders still short of experts at their deadline (or start) become unfilled."""
    now = now or utcnow()
    first_start = (
        select(OrderSession.starts_at).where(OrderSession.order_id == Order.id)
        .order_by(OrderSession.position).limit(1).scalar_subquery()
    )
    due = list(db.session.scalars(
        select(Order).where(
            Order.status.in_(OPEN_ORDER_STATUSES),
            or_(Order.deadline_at <= now, first_start <= now),
        )
    ))
    for order in due:
        if active_booking_count(order):
            continue  # partly filled orders go ahead with the experts they have
        ORDER.apply(order, "expire")
        for invitation in order.invitations:
            if invitation.status == "pending":
                INVITATION.apply(invitation, "withdraw")
                invitation.responded_at = now
        record_audit(None, "order_unfilled", "order", order.id)
        _tell_staff_and_organisation(order, "order_unfilled")
    db.session.flush()
    return len(due)


# --- Mail ---------------------------------------------------------------------------------

def _mail_expert(expert: ExpertProfile, template: str, kind: str, *, dedupe_key=None, ics=None,
                 **context) -> None:
    user = expert.user
    message = queue_mail(user.email, template, language=user.language, kind=kind,
                         user_id=user.id, ics=ics, expert=expert, **context)
    message.dedupe_key = dedupe_key


def _mail_booking(assignment: Assignment, *, cancelled: bool = False) -> None:
    db.session.flush()
    _mail_expert(
        assignment.expert, "booking_cancelled" if cancelled else "booking_confirmed",
        "booking_cancelled" if cancelled else "booking_confirmed",
        ics=assignment_ics(assignment, cancelled=cancelled), assignment=assignment,
        order=assignment.order,
    )


def _organisation_recipients(order: Order) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Membership).where(
            Membership.organisation_id == order.organisation_id, User.active.is_(True))
    ))


def _staff_recipients() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.role == COORDINATOR, User.active.is_(True))))


def _tell(users: list[User], order: Order, template: str) -> None:
    for user in users:
        queue_mail(user.email, template, language=user.language, kind=template, user_id=user.id,
                   order=order, organisation=order.organisation,
                   for_organisation=user.role == ORGANISATION_MEMBER)


def _tell_staff(order: Order, template: str) -> None:
    _tell(_staff_recipients(), order, template)
    record_audit(None, template, "order", order.id)


def _tell_staff_and_organisation(order: Order, template: str) -> None:
    _tell(_staff_recipients() + _organisation_recipients(order), order, template)


def _tell_order_filled(order: Order) -> None:
    _tell_staff_and_organisation(order, "order_filled")


def _already_told(order: Order, action: str) -> bool:
    return db.session.scalar(
        select(AuditEntry.id).where(AuditEntry.action == action,
                                    AuditEntry.subject_type == "order",
                                    AuditEntry.subject_id == str(order.id)).limit(1)
    ) is not None


def mark_assignment_paid(assignment: Assignment) -> None:
    """The bank has paid the expert for this work (called when a payout batch is paid)."""
    ASSIGNMENT.apply(assignment, "pay")
    record_audit(None, "assignment_paid", "assignment", assignment.id)


def collides(expert_id: int, bounds: list[tuple[datetime, datetime]],
             excluding_order_id: int) -> bool:
    """Whether the expert has other booked work, or declared unavailability, at these times."""
    from app.experts.models import Unavailability

    if has_overlapping_booking(expert_id, bounds, excluding_order_id=excluding_order_id):
        return True
    conditions = [(Unavailability.starts_at < end) & (Unavailability.ends_at > start)
                  for start, end in bounds]
    return db.session.scalar(
        select(Unavailability.id).where(Unavailability.expert_id == expert_id,
                                        or_(*conditions)).limit(1)) is not None
