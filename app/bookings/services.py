"""Booking services: the only writers of orders, invitations and assignments.

Every state change goes through the transition tables in `app.bookings.states`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import COORDINATOR, ORGANISATION_MEMBER, User
from app.audit.services import record_audit
from app.bookings.models import Order, OrderSession
from app.bookings.states import ORDER
from app.common.errors import InvalidInput, PermissionDenied
from app.common.timeutil import to_helsinki, utcnow
from app.experts.models import WORK_LANGUAGES
from app.extensions import db
from app.fees.models import AssignmentType
from app.fees.services import fee_rules, schedule_in_force
from app.mail.services import queue_mail
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


def validate_order_request(data: OrderRequest, now: datetime) -> dict:
    """Check an order request; returns the resolved objects or raises `InvalidInput`."""
    if not data.title.strip():
        raise InvalidInput("Give the order a title.", code="missing_title", field="title")
    kind = db.session.scalar(select(AssignmentType).where(
        AssignmentType.code == data.assignment_type, AssignmentType.active.is_(True)))
    if kind is None:
        raise InvalidInput("Choose the type of work.", code="unknown_assignment_type",
                           field="assignment_type")
    if not data.expertise_areas:
        raise InvalidInput("Choose at least one expertise area.", code="missing_expertise_area",
                           field="expertise_areas")
    areas = list(db.session.scalars(
        select(ExpertiseArea).where(ExpertiseArea.slug.in_(data.expertise_areas))))
    if len(areas) != len(set(data.expertise_areas)):
        raise InvalidInput("Unknown expertise area.", code="unknown_expertise_area",
                           field="expertise_areas")
    if data.language not in WORK_LANGUAGES:
        raise InvalidInput("Choose the language of the work.", code="unknown_language",
                           field="language")
    if not 1 <= data.experts_needed <= MAX_EXPERTS:
        raise InvalidInput("Ask for 1–50 experts.", code="invalid_experts_needed",
                           field="experts_needed")
    if not data.sessions:
        raise InvalidInput("Give the date and time.", code="missing_sessions",
                           field="starts_at")
    for session in data.sessions:
        if session.starts_at <= now:
            raise InvalidInput("The start time must be in the future.",
                               code="start_in_past", field="starts_at")
        if not 1 <= session.duration_minutes <= 1440:
            raise InvalidInput("The length must be 1–1440 minutes.", code="invalid_duration",
                               field="duration_minutes")
    municipality = None
    if not data.remote:
        municipality = db.session.get(Municipality, data.municipality_code or "")
        if municipality is None:
            raise InvalidInput("Choose the municipality of the place, or choose remote work.",
                               code="unknown_municipality", field="municipality_code")
    first = min(s.starts_at for s in data.sessions)
    if data.deadline_at is not None and not now < data.deadline_at <= first:
        raise InvalidInput("The deadline must be between now and the start.",
                           code="invalid_deadline", field="deadline_at")
    schedule = schedule_in_force(to_helsinki(first).date())
    if kind.code not in fee_rules(schedule):
        raise InvalidInput("This type of work has no fee on that date.",
                           code="unknown_assignment_type", field="assignment_type")
    return {"kind": kind, "areas": areas, "municipality": municipality, "schedule": schedule}


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
    ORDER.apply(order, "submit")
    order.submitted_at = now
    record_audit(actor, "order_submitted", "order", order.id)
    for coordinator in db.session.scalars(
        select(User).where(User.role == COORDINATOR, User.active.is_(True))
    ):
        queue_mail(coordinator.email, "order_received", language=coordinator.language,
                   kind="order_received", user_id=coordinator.id, order=order,
                   organisation=order.organisation)
