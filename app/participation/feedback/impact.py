"""Reporting back what changed (no token participation).

Sixty days after an order's last session, the organisation is asked once "what did you
do with the input?" (one reminder a month later). The answer is shown to the experts and
group members involved, and the coordinators see which organisations never answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import EXPERT, User
from app.audit.services import record_audit
from app.bookings.models import Assignment, Order, OrderSession
from app.common.errors import InvalidInput, NotFound
from app.common.timeutil import utcnow
from app.common.types import UTCDateTime
from app.experts.models import ExpertProfile
from app.extensions import db
from app.organisations.models import Organisation
from app.participation import access
from app.participation.feedback.models import ImpactReport
from app.participation.feedback.services import TOOK_PLACE
from app.participation.groups.models import GroupMeeting, GroupMember
from app.participation.mails import absolute_url, mail_user, organisation_admins

REPORT_BACK_AFTER = timedelta(days=60)
REMIND_AFTER = timedelta(days=30)
#: Work that ended longer ago than this before the 60 days is not asked about (e.g. when
#: the service starts on an old database).
HORIZON = timedelta(days=365)


def _work_happened():
    """Orders where work took place: reported or confirmed work, or booked work that ended."""
    return select(Assignment.order_id).where(
        or_(Assignment.status.in_(TOOK_PLACE), Assignment.status == "booked"))


def due_orders(now: datetime) -> list[Order]:
    """Orders whose last session ended at least 60 days ago and that have no request yet:
    orders where experts worked, and group meetings that were not cancelled."""
    cutoff = now - REPORT_BACK_AFTER
    last_start = (select(OrderSession.order_id, func.max(OrderSession.starts_at).label("last"))
                  .group_by(OrderSession.order_id).subquery())
    group_orders = select(GroupMeeting.order_id)
    candidates = db.session.scalars(
        select(Order).join(last_start, last_start.c.order_id == Order.id)
        .where(last_start.c.last <= cutoff, last_start.c.last > cutoff - HORIZON,
               Order.status.not_in(("draft", "cancelled")),
               ~select(ImpactReport.id).where(ImpactReport.order_id == Order.id).exists(),
               or_(Order.id.in_(_work_happened()), Order.id.in_(group_orders)))
        .options(selectinload(Order.sessions))
        .order_by(Order.id)).all()
    return [o for o in candidates if _ended_at(o) <= cutoff]


def _ended_at(order: Order) -> datetime:
    return max(s.starts_at + timedelta(minutes=s.duration_minutes) for s in order.sessions)


def _askers(order: Order) -> list[User]:
    """Who is asked: the organisation's administrators and the member who ordered."""
    users = {u.id: u for u in organisation_admins(order.organisation_id)}
    creator = db.session.get(User, order.created_by_id)
    if creator is not None and creator.organisation_id == order.organisation_id:
        users[creator.id] = creator
    return list(users.values())


def _link(report: ImpactReport) -> str:
    return absolute_url("participation_feedback.report_back", report_id=report.id)


def request_impact_reports(now: datetime | None = None) -> int:
    """The job: ask once for each due order, remind once; returns the new requests."""
    now = now or utcnow()
    orders = due_orders(now)
    for order in orders:
        report = ImpactReport(order_id=order.id, requested_at=now)
        db.session.add(report)
        db.session.flush()
        record_audit(None, "impact_report_requested", "order", order.id, report=report.id)
        for user in _askers(order):
            mail_user(user, "impact_request", dedupe_key=f"impact_request:{order.id}:{user.id}",
                      order=order, report=report, reminder=False, link=_link(report))
    for report in db.session.scalars(
        select(ImpactReport).where(ImpactReport.answered_at.is_(None),
                                   ImpactReport.reminded_at.is_(None),
                                   ImpactReport.requested_at <= now - REMIND_AFTER)
        .order_by(ImpactReport.id)
    ):
        report.reminded_at = now
        for user in _askers(report.order):
            mail_user(user, "impact_request", dedupe_key=f"impact_reminder:{report.id}:{user.id}",
                      order=report.order, report=report, reminder=True, link=_link(report))
    db.session.flush()
    return len(orders)


# --- Who is involved, who may read -------------------------------------------------------------


def involved_users(order: Order) -> list[User]:
    """The experts who worked in the order and the group's members at the time."""
    users: dict[int, User] = {}
    for user in db.session.scalars(
        select(User).join(ExpertProfile, ExpertProfile.user_id == User.id)
        .join(Assignment, Assignment.expert_id == ExpertProfile.id)
        .where(Assignment.order_id == order.id,
               Assignment.status.not_in(access.CANCELLED_ASSIGNMENT_STATUSES))
    ):
        users[user.id] = user
    group = access.group_of_order(order.id)
    if group is not None and order.sessions:
        start = order.sessions[0].starts_at
        for member in group.members:
            if member.user is not None and _member_at(member, start):
                users[member.user.id] = member.user
    return list(users.values())


def _member_at(member: GroupMember, moment: datetime) -> bool:
    """Was the person a member at ``moment`` (an unanswered or declined invitation: no)?"""
    if member.status in ("invited", "declined"):
        return False
    return member.left_at is None or member.left_at >= moment


def can_answer(user: User, report: ImpactReport) -> bool:
    return access.is_organisation_member_of(user, report.order.organisation_id)


def report_for_reader(user: User, report_id: int) -> ImpactReport:
    """The organisation (which answers) and the staff see every report; the experts and
    members involved see it once it is answered."""
    report = db.session.get(ImpactReport, report_id)
    if report is None:
        raise NotFound("The report was not found.", code="report_not_found")
    if access.is_staff(user) or can_answer(user, report):
        return report
    if report.answered_at is not None and user.id in {u.id for u in
                                                      involved_users(report.order)}:
        return report
    raise NotFound("The report was not found.", code="report_not_found")


def reports_for(user: User, order_ids: Iterable[int] | None = None) -> list[ImpactReport]:
    """Reports the user may see (of the given orders only, when given), newest request
    first."""
    query = select(ImpactReport).join(Order, Order.id == ImpactReport.order_id).options(
        selectinload(ImpactReport.order))
    if order_ids is not None:
        query = query.where(ImpactReport.order_id.in_(list(order_ids)))
    if access.is_staff(user):
        pass
    elif user.organisation_id is not None:
        query = query.where(Order.organisation_id == user.organisation_id)
    else:
        mine = []
        if user.role == EXPERT and user.expert_id is not None:
            mine.append(Order.id.in_(select(Assignment.order_id).where(
                Assignment.expert_id == user.expert_id,
                Assignment.status.not_in(access.CANCELLED_ASSIGNMENT_STATUSES))))
        mine.append(Order.id.in_(select(GroupMeeting.order_id).join(
            GroupMember, GroupMember.group_id == GroupMeeting.group_id).where(
            GroupMember.user_id == user.id)))
        query = query.where(ImpactReport.answered_at.is_not(None), or_(*mine))
        reports = db.session.scalars(query.order_by(ImpactReport.requested_at.desc())).all()
        return [r for r in reports if user.id in {u.id for u in involved_users(r.order)}]
    return list(db.session.scalars(query.order_by(ImpactReport.answered_at.is_not(None),
                                                  ImpactReport.requested_at.desc())))


def hub_reports(user: User, latest: int = 5) -> tuple[list[ImpactReport], list[ImpactReport]]:
    """For the participation hub: the reports waiting for the user's answer, and the
    ``latest`` answered ones the user may read. The bank's staff answer none and read the
    latest of the whole bank: they never load every report."""
    if not (access.is_staff(user) or user.organisation_id is not None):
        answered = reports_for(user)
        return [], answered[:latest]
    query = select(ImpactReport).join(Order, Order.id == ImpactReport.order_id).options(
        selectinload(ImpactReport.order))
    if not access.is_staff(user):
        query = query.where(Order.organisation_id == user.organisation_id)
    waiting = [] if access.is_staff(user) else [
        r for r in db.session.scalars(query.where(ImpactReport.answered_at.is_(None))
                                      .order_by(ImpactReport.requested_at.desc()))
        if can_answer(user, r)]
    answered = list(db.session.scalars(
        query.where(ImpactReport.answered_at.is_not(None))
        .order_by(ImpactReport.requested_at.desc(), ImpactReport.id.desc()).limit(latest)))
    return waiting, answered


def answer_impact_report(actor: User, report_id: int, text: str, summary: str = "",
                         now: datetime | None = None) -> ImpactReport:
    """The organisation tells what it did with the input; the people involved are told."""
    now = now or utcnow()
    report = report_for_reader(actor, report_id)
    if not can_answer(actor, report):
        raise NotFound("The report was not found.", code="report_not_found")
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Tell what you did with the input, or why nothing has changed "
                           "yet.", code="missing_text", field="text")
    report.text = text[:20000]
    report.summary = (summary or "").strip()[:300]
    report.answered_at = now
    report.answered_by_id = actor.id
    record_audit(actor, "impact_report_answered", "order", report.order_id, report=report.id)
    db.session.flush()
    for user in involved_users(report.order):
        mail_user(user, "impact_answered", dedupe_key=f"impact_answer:{report.id}:{user.id}",
                  order=report.order, report=report, link=_link(report))
    return report


# --- The coordinators' overview ----------------------------------------------------------------


@dataclass(frozen=True)
class ReportBackRow:
    organisation_id: int
    name: str
    requested: int
    answered: int
    #: The oldest unanswered request.
    oldest_open: datetime | None

    @property
    def open(self) -> int:
        return self.requested - self.answered

    @property
    def never(self) -> bool:
        """Asked, and has never reported back."""
        return self.requested > 0 and self.answered == 0


def report_back_overview(organisation_id: int | None = None) -> list[ReportBackRow]:
    """Per organisation: requests, answers and the oldest open one (never-answering first)."""
    open_since = func.min(case((ImpactReport.answered_at.is_(None), ImpactReport.requested_at)),
                          type_=UTCDateTime())
    query = (select(Organisation.id, Organisation.name, func.count(ImpactReport.id),
                    func.count(ImpactReport.answered_at), open_since)
             .join(Order, Order.organisation_id == Organisation.id)
             .join(ImpactReport, ImpactReport.order_id == Order.id)
             .group_by(Organisation.id, Organisation.name))
    if organisation_id is not None:
        query = query.where(Organisation.id == organisation_id)
    rows = [ReportBackRow(oid, name, requested, answered, oldest)
            for oid, name, requested, answered, oldest in db.session.execute(query)]
    return sorted(rows, key=lambda r: (not r.never, -r.open, r.name))

