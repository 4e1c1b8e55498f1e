"""After the work: the expert reports it, the organisation confirms or disputes it.

Confirmation creates the payout item (what the bank pays the expert) and the
organisation's invoice lines, both priced by the fee engine with the schedule
the order kept and the travel rates of the work's year.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select, update

from app.accounts.models import ADMIN, COORDINATOR, EXPERT, FINANCE, ORGANISATION_MEMBER, User
from app.audit.services import record_audit
from app.bookings.events import WorkPayable
from app.bookings.models import Assignment, CompletionReport
from app.bookings.states import ASSIGNMENT, ORDER
from app.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied, check_places
from app.common.events import publish
from app.common.timeutil import to_helsinki, utcnow
from app.common.uploads import FileKind, kind_for_path, stored_path
from app.extensions import db
from app.fees.models import FeeSchedule
from app.fees.rules import Quote, TravelClaim
from app.fees.services import quote
from app.mail.services import queue_mail
from app.organisations.models import Membership

HOURS = Decimal("0.01")


@dataclass(frozen=True)
class ReportData:
    """What the expert tells after the work; times are aware UTC datetimes or None."""

    duration_minutes: int
    remote: bool
    km_driven: Decimal = Decimal("0")
    passengers: int = 0
    public_transport_eur: Decimal = Decimal("0")
    parking_eur: Decimal = Decimal("0")
    one_way_km: Decimal = Decimal("0")
    departure_at: datetime | None = None
    return_at: datetime | None = None
    free_meals: int = 0
    receipt_path: str | None = None
    #: Given directly (the API) instead of departure and return times.
    trip_hours: Decimal | None = None


def trip_hours(data: ReportData) -> Decimal:
    """Hours from leaving home to coming back, to the hundredth (0 when not given)."""
    if data.trip_hours is not None:
        return data.trip_hours
    if data.departure_at is None or data.return_at is None:
        return Decimal("0")
    if data.return_at <= data.departure_at:
        raise InvalidInput("The return time must be after the departure time.",
                           code="return_before_departure", field="return_at")
    seconds = Decimal(int((data.return_at - data.departure_at).total_seconds()))
    return (seconds / 3600).quantize(HOURS, rounding=ROUND_HALF_UP)


def travel_claim(data: ReportData) -> TravelClaim | None:
    """The travel as the fee engine reads it (None for remote work)."""
    if data.remote:
        return None
    return TravelClaim(
        km_driven=data.km_driven, passengers=data.passengers,
        public_transport_eur=data.public_transport_eur, parking_eur=data.parking_eur,
        trip_hours=trip_hours(data), one_way_km=data.one_way_km, free_meals=data.free_meals,
    )


def price_report(assignment: Assignment, data: ReportData) -> Quote:
    """What the report would pay, with the order's kept fee schedule."""
    order = assignment.order
    schedule = db.session.get(FeeSchedule, order.fee_schedule_id) if order.fee_schedule_id \
        else None
    return quote(order.assignment_type.code, data.duration_minutes,
                 to_helsinki(assignment.starts_at).date(), remote=data.remote,
                 travel=travel_claim(data), schedule=schedule)


def _check_stored_places(data: ReportData) -> None:
    """Refuse more decimals than the report's columns hold (rather than a database error)."""
    for name in ("km_driven", "one_way_km", "trip_hours", "public_transport_eur",
                 "parking_eur"):
        column = CompletionReport.__table__.c[name]
        check_places(getattr(data, name), column.type.places, name)


def _lock_assignment(assignment_id: int) -> None:
    """Take the assignment's row lock for the rest of the transaction, and forget any copy
    read before it: a no-op UPDATE locks the row on PostgreSQL and takes SQLite's write
    lock, so a second report sent at the same time waits and then sees "reported"."""
    db.session.execute(update(Assignment).where(Assignment.id == assignment_id)
                       .values(status=Assignment.status))
    db.session.execute(select(Assignment).where(Assignment.id == assignment_id)
                       .execution_options(populate_existing=True))


def assignment_of_expert(actor: User, assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.expert_id != actor.expert_id:
        raise NotFound("The assignment was not found.", code="assignment_not_found")
    return assignment


def report_assignment(actor: User, assignment_id: int, data: ReportData,
                      now: datetime | None = None) -> CompletionReport:
    """The booked expert reports the work after it has started; the organisation is asked."""
    now = now or utcnow()
    _lock_assignment(assignment_id)  # a report sent twice at once: the second one waits
    assignment = assignment_of_expert(actor, assignment_id)
    if assignment.starts_at > now:
        raise Conflict("You can report the work after it has started.",
                       code="not_started")
    if not ASSIGNMENT.can(assignment.status, "report"):
        raise Conflict("This work has already been reported.", code="already_reported")
    if not 1 <= data.duration_minutes <= 1440:
        raise InvalidInput("The length must be 1–1440 minutes.", code="invalid_duration",
                           field="duration_minutes")
    priced = price_report(assignment, data)  # raises FeeError on wrong travel values
    _check_stored_places(data)
    report = assignment.report or CompletionReport(assignment=assignment)
    report.reported_by_id = actor.id
    report.duration_minutes = data.duration_minutes
    report.remote = data.remote
    claim = travel_claim(data)
    report.km_driven = claim.km_driven if claim else Decimal("0")
    report.passengers = claim.passengers if claim else 0
    report.public_transport_eur = claim.public_transport_eur if claim else Decimal("0")
    report.parking_eur = claim.parking_eur if claim else Decimal("0")
    report.one_way_km = claim.one_way_km if claim else Decimal("0")
    report.trip_hours = claim.trip_hours if claim else Decimal("0")
    report.free_meals = claim.free_meals if claim else 0
    report.departure_at, report.return_at = data.departure_at, data.return_at
    report.receipt_path = data.receipt_path or report.receipt_path
    report.created_at = now
    report.disputed_at = report.dispute_reason = None
    db.session.add(report)
    ASSIGNMENT.apply(assignment, "report")
    db.session.flush()
    record_audit(actor, "assignment_reported", "assignment", assignment.id,
                 total=str(priced.total))
    for member in _organisation_members(assignment):
        queue_mail(member.email, "report_received", language=member.language,
                   kind="report_received", user_id=member.id, assignment=assignment,
                   order=assignment.order)
    return report


#: Who checks the receipts of a report besides the expert who sent them.
RECEIPT_READERS = (COORDINATOR, FINANCE)


@dataclass(frozen=True)
class ReceiptFile:
    path: str
    kind: FileKind
    download_name: str


def receipt_for_reader(actor: User, assignment_id: int) -> ReceiptFile:
    """The receipt file of a work report, for coordinators, finance and the expert who sent it.

    Anyone else (another expert, any organisation member) is told it does not exist; a
    staff member's read is audited, as the receipts may show personal details.
    """
    assignment = db.session.get(Assignment, assignment_id)
    report = assignment.report if assignment is not None else None
    is_owner = (actor.role == EXPERT and assignment is not None
                and actor.expert_id == assignment.expert_id)
    if report is None or not report.receipt_path or not (
            is_owner or actor.role in RECEIPT_READERS):
        raise NotFound("The receipt was not found.", code="receipt_not_found")
    path = stored_path(report.receipt_path)
    if path is None:
        raise NotFound("The receipt was not found.", code="receipt_not_found")
    if not is_owner:
        record_audit(actor, "receipt_opened", "assignment", assignment.id)
    kind = kind_for_path(report.receipt_path)
    return ReceiptFile(path=path, kind=kind,
                       download_name=f"receipt-{assignment.id}{kind.extension}")


def report_claim(report: CompletionReport) -> ReportData:
    return ReportData(
        duration_minutes=report.duration_minutes, remote=report.remote,
        km_driven=report.km_driven, passengers=report.passengers,
        public_transport_eur=report.public_transport_eur, parking_eur=report.parking_eur,
        one_way_km=report.one_way_km, departure_at=report.departure_at,
        return_at=report.return_at, free_meals=report.free_meals, trip_hours=report.trip_hours,
    )


def assignment_for_confirmer(actor: User, assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound("The assignment was not found.", code="assignment_not_found")
    if actor.role in (COORDINATOR, ADMIN):
        return assignment
    if actor.role == ORGANISATION_MEMBER and actor.organisation_id == \
            assignment.order.organisation_id:
        return assignment
    if actor.role == ORGANISATION_MEMBER:
        raise NotFound("The assignment was not found.", code="assignment_not_found")
    raise PermissionDenied("Only the organisation or a coordinator can confirm the work.")


def confirm_assignment(actor: User, assignment_id: int, now: datetime | None = None):
    """Confirm the work took place: creates the payout item and the invoice lines.

    A disputed report is confirmed by a coordinator only.
    """
    now = now or utcnow()
    assignment = assignment_for_confirmer(actor, assignment_id)
    if assignment.status == "disputed" and actor.role not in (COORDINATOR, ADMIN):
        raise PermissionDenied("A coordinator checks the disputed report.")
    if not ASSIGNMENT.can(assignment.status, "confirm"):
        raise Conflict("This work is not waiting for confirmation.", code="not_reported")
    return _confirm(actor, assignment, now)


def _confirm(actor: User, assignment: Assignment, now: datetime):
    report = assignment.report
    priced = price_report(assignment, report_claim(report))
    ASSIGNMENT.apply(assignment, "confirm")
    report.confirmed_at, report.confirmed_by_id = now, actor.id
    item = publish(WorkPayable(
        assignment, fee=priced.fee, travel=priced.travel, per_diem=priced.per_diem,
        fee_schedule_id=assignment.order.fee_schedule_id, prepared_by_id=report.reported_by_id,
        now=now, lines=tuple(priced.lines),
    ))["payout"]
    record_audit(actor, "assignment_confirmed", "assignment", assignment.id, payout=item.id)
    _complete_order_when_done(assignment.order)
    db.session.flush()
    return item


def dispute_assignment(actor: User, assignment_id: int, reason: str,
                       now: datetime | None = None) -> Assignment:
    """The organisation says the report is not right; a coordinator looks into it."""
    now = now or utcnow()
    assignment = assignment_for_confirmer(actor, assignment_id)
    if not (reason or "").strip():
        raise InvalidInput("Tell what is not right.", code="missing_reason", field="reason")
    ASSIGNMENT.apply(assignment, "dispute")
    assignment.report.disputed_at = now
    assignment.report.dispute_reason = reason.strip()[:2000]
    record_audit(actor, "assignment_disputed", "assignment", assignment.id)
    for coordinator in db.session.scalars(
        select(User).where(User.role == COORDINATOR, User.active.is_(True))
    ):
        queue_mail(coordinator.email, "report_disputed", language=coordinator.language,
                   kind="report_disputed", user_id=coordinator.id, assignment=assignment,
                   order=assignment.order, reason=assignment.report.dispute_reason)
    user = assignment.expert.user
    queue_mail(user.email, "dispute_reply_request", language=user.language,
               kind="dispute_reply_request", user_id=user.id, assignment=assignment,
               order=assignment.order, reason=assignment.report.dispute_reason)
    db.session.flush()
    return assignment


def reply_to_dispute(actor: User, assignment_id: int, reply: str,
                     now: datetime | None = None) -> CompletionReport:
    """The expert answers the organisation's dispute; the coordinator reads both sides."""
    now = now or utcnow()
    assignment = assignment_of_expert(actor, assignment_id)
    if assignment.status != "disputed":
        raise Conflict("This report is not disputed.", code="not_disputed")
    if not (reply or "").strip():
        raise InvalidInput("Write your answer.", code="missing_reply", field="reply")
    report = assignment.report
    report.expert_reply, report.expert_replied_at = reply.strip()[:2000], now
    record_audit(actor, "dispute_replied", "assignment", assignment.id)
    db.session.flush()
    return report


RESOLUTIONS = ("confirm", "correct", "void")


@dataclass(frozen=True)
class Correction:
    """A coordinator's correction of a disputed report; ``None`` keeps the reported value.

    ``travel`` replaces all the travel fields; ``remote`` True removes the travel.
    """

    duration_minutes: int | None = None
    travel: TravelClaim | None = None
    remote: bool | None = None


@dataclass(frozen=True)
class Resolution:
    assignment: Assignment
    action: str
    before: Quote
    #: What the work pays after the resolution (None when voided).
    after: Quote | None
    payout_item: object | None

    @property
    def difference(self) -> Decimal:
        return (self.after.total if self.after else Decimal("0.00")) - self.before.total


def corrected_claim(report: CompletionReport, correction: Correction) -> ReportData:
    """The report as corrected (not saved): what the fee engine re-prices."""
    data = report_claim(report)
    remote = data.remote if correction.remote is None else correction.remote
    duration = correction.duration_minutes or data.duration_minutes
    if remote:
        return ReportData(duration_minutes=duration, remote=True)
    travel = correction.travel
    if travel is None:
        return replace(data, duration_minutes=duration, remote=False)
    return ReportData(
        duration_minutes=duration, remote=False, km_driven=travel.km_driven,
        passengers=travel.passengers, public_transport_eur=travel.public_transport_eur,
        parking_eur=travel.parking_eur, one_way_km=travel.one_way_km,
        free_meals=travel.free_meals, trip_hours=travel.trip_hours)


def preview_resolution(assignment: Assignment, correction: Correction) -> tuple[Quote, Quote]:
    """The reported price and the corrected one (raises FeeError on bad travel values)."""
    before = price_report(assignment, report_claim(assignment.report))
    return before, price_report(assignment, corrected_claim(assignment.report, correction))


def resolve_dispute(actor: User, assignment_id: int, action: str, *,
                    correction: Correction | None = None, reason: str = "",
                    now: datetime | None = None) -> Resolution:
    """A coordinator ends a dispute: confirms the report, corrects it (re-priced by the fee
    engine, then confirmed) or voids the work with a reason (no pay). Both sides are told."""
    now = now or utcnow()
    if actor.role not in (COORDINATOR, ADMIN):
        raise PermissionDenied("Only the bank's coordinators resolve disputed reports.")
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound("The assignment was not found.", code="assignment_not_found")
    if assignment.status != "disputed":
        raise Conflict("This report is not disputed.", code="not_disputed")
    if action not in RESOLUTIONS:
        raise InvalidInput("Choose confirm, correct or void.", code="invalid_action",
                           field="action")
    reason = (reason or "").strip()[:2000]
    if action == "void" and not reason:
        raise InvalidInput("Tell why the work is voided; both sides see the reason.",
                           code="missing_reason", field="reason")
    report = assignment.report
    before = price_report(assignment, report_claim(report))
    after, item = None, None
    if action == "correct":
        correction = correction or Correction()
        if correction == Correction():
            raise InvalidInput("Give the corrected duration or travel.",
                               code="missing_correction", field="duration_minutes")
        if correction.duration_minutes is not None and \
                not 1 <= correction.duration_minutes <= 1440:
            raise InvalidInput("The length must be 1–1440 minutes.", code="invalid_duration",
                               field="duration_minutes")
        data = corrected_claim(report, correction)
        after = price_report(assignment, data)  # raises FeeError on wrong travel values
        _store_claim(report, data)
    if action == "void":
        ASSIGNMENT.apply(assignment, "void")
    else:
        after = after or before
        item = _confirm(actor, assignment, now)
    report.resolution, report.resolution_reason = action, reason or None
    report.resolved_at, report.resolved_by_id = now, actor.id
    resolution = Resolution(assignment, action, before, after, item)
    record_audit(actor, "dispute_resolved", "assignment", assignment.id, resolution=action,
                 before=str(before.total),
                 after=str(after.total) if after else "0.00",
                 difference=str(resolution.difference), reason=reason)
    if action == "void":
        _complete_order_when_done(assignment.order)
    recipients = [assignment.expert.user] + _organisation_members(assignment)
    for user in recipients:
        queue_mail(user.email, "dispute_resolved", language=user.language,
                   kind="dispute_resolved", user_id=user.id, assignment=assignment,
                   order=assignment.order, resolution=resolution,
                   for_expert=user.id == assignment.expert.user_id)
    db.session.flush()
    return resolution


def _store_claim(report: CompletionReport, data: ReportData) -> None:
    claim = travel_claim(data)
    report.duration_minutes, report.remote = data.duration_minutes, data.remote
    report.km_driven = claim.km_driven if claim else Decimal("0")
    report.passengers = claim.passengers if claim else 0
    report.public_transport_eur = claim.public_transport_eur if claim else Decimal("0")
    report.parking_eur = claim.parking_eur if claim else Decimal("0")
    report.one_way_km = claim.one_way_km if claim else Decimal("0")
    report.trip_hours = claim.trip_hours if claim else Decimal("0")
    report.free_meals = claim.free_meals if claim else 0
    if data.departure_at is None:
        report.departure_at = report.return_at = None


def _complete_order_when_done(order) -> None:
    """A filled order is completed when none of its bookings still waits for confirmation."""
    waiting = [a for a in order.assignments if a.status in ("booked", "reported", "disputed")]
    if order.status == "filled" and not waiting:
        ORDER.apply(order, "complete")


def _organisation_members(assignment: Assignment) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Membership).where(
            Membership.organisation_id == assignment.order.organisation_id,
            User.active.is_(True))
    ))


def remind_unreported(now: datetime | None = None) -> int:
    """Remind experts a day after work they have not reported, and organisations that have
    not confirmed a report in three days; each reminder once (outbox dedupe keys)."""
    from datetime import timedelta

    from app.mail.models import OutboxMessage

    now = now or utcnow()
    queued = 0
    unreported = db.session.scalars(select(Assignment).where(
        Assignment.status == "booked", Assignment.ends_at <= now - timedelta(days=1)))
    unconfirmed = db.session.scalars(select(Assignment).join(CompletionReport).where(
        Assignment.status == "reported", CompletionReport.created_at <= now - timedelta(days=3)))
    wanted = [(a, "report_request", [a.expert.user]) for a in unreported] + [
        (a, "confirmation_request", _organisation_members(a)) for a in unconfirmed]
    keys = {f"{kind}:{a.id}:{u.id}" for a, kind, users in wanted for u in users}
    sent = set(db.session.scalars(
        select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys)))) if keys \
        else set()
    for assignment, kind, users in wanted:
        for user in users:
            key = f"{kind}:{assignment.id}:{user.id}"
            if key in sent:
                continue
            message = queue_mail(user.email, kind, language=user.language, kind=kind,
                                 user_id=user.id, assignment=assignment, order=assignment.order)
            message.dedupe_key = key
            queued += 1
    db.session.flush()
    return queued
