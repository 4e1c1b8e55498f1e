"""Imports every domain's models so that the metadata and Alembic see them all."""

from app.accounts.models import ApiToken, LoginAttempt, RecoveryCode, User, UserSession
from app.admin.models import JobRun, Setting
from app.audit.models import AuditEntry
from app.bookings.models import (
    Assignment,
    CalendarFeed,
    CompletionReport,
    Invitation,
    Order,
    OrderNote,
    OrderSession,
    order_expertise_areas,
)
from app.experts.models import (
    ExpertArea,
    ExpertAssignmentType,
    ExpertLanguage,
    ExpertProfile,
    TrainingRecord,
    Unavailability,
)
from app.fees.models import AssignmentType, FeeRuleRow, FeeSchedule, TravelRate
from app.mail.models import OutboxMessage
from app.organisations.models import ColleagueInvitation, Membership, Organisation
from app.participation.channel.models import AnonymousFeedback, AnonymousFeedbackTag
from app.participation.feedback.models import Feedback, ImpactReport
from app.participation.groups.models import (
    EvaluationAnswer,
    EvaluationCriterion,
    EvaluationResponse,
    FollowUp,
    GroupMeeting,
    GroupMember,
    MeetingEntry,
    ParticipationGroup,
    Topic,
)
from app.payments.models import Invoice, InvoiceLine, StripeEvent
from app.payouts.models import PayoutBatch, PayoutComponent, PayoutItem, WageType
from app.reference.models import ExpertiseArea, Municipality, Postcode

__all__ = [
    "AnonymousFeedback",
    "AnonymousFeedbackTag",
    "EvaluationAnswer",
    "EvaluationCriterion",
    "EvaluationResponse",
    "FollowUp",
    "GroupMeeting",
    "GroupMember",
    "MeetingEntry",
    "ParticipationGroup",
    "Topic",
    "ApiToken",
    "JobRun",
    "Assignment",
    "AssignmentType",
    "AuditEntry",
    "CalendarFeed",
    "CompletionReport",
    "ExpertArea",
    "ExpertAssignmentType",
    "ExpertLanguage",
    "ExpertProfile",
    "ExpertiseArea",
    "Feedback",
    "FeeRuleRow",
    "FeeSchedule",
    "ImpactReport",
    "Invitation",
    "Invoice",
    "InvoiceLine",
    "LoginAttempt",
    "ColleagueInvitation",
    "Membership",
    "Municipality",
    "Order",
    "OrderNote",
    "OrderSession",
    "Organisation",
    "OutboxMessage",
    "PayoutBatch",
    "PayoutComponent",
    "PayoutItem",
    "Postcode",
    "RecoveryCode",
    "WageType",
    "Setting",
    "StripeEvent",
    "TrainingRecord",
    "TravelRate",
    "Unavailability",
    "User",
    "UserSession",
    "order_expertise_areas",
]
