"""The daily retention clean-up: each rule removes exactly what has outlived its period.

The periods are the table in docs/retention.md (``RULES`` below is the same
table in code). Every rule takes the job's ``now`` so tests can drive the
clock. Bookkeeping (invoices, payout items and batch totals) is never deleted
here: the Accounting Act asks for 10 years and removing it is a manual act.
The clean-up flushes; the scheduled job commits. Stored files (certificates,
receipts) are removed right after the rows that point at them: a failed commit
then only leaves a row whose file is already gone, never a file without a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import String, cast, delete, func, or_, select, update

from app.accounts import email_change
from app.accounts.models import EXPERT, ApiToken, LoginAttempt, User
from app.audit.models import AuditEntry
from app.audit.services import record_audit
from app.bookings.models import Assignment, CompletionReport, Invitation
from app.common.timeutil import HELSINKI, to_helsinki
from app.common.uploads import remove_stored
from app.experts.models import REJECTED, ExpertProfile
from app.extensions import db
from app.mail.models import OutboxMessage
from app.organisations.models import ColleagueInvitation
from app.participation.channel.models import AnonymousFeedback, AnonymousFeedbackTag
from app.payouts.models import PayoutBatch, PayoutItem


@dataclass(frozen=True)
class Rule:
    """One line of the retention table."""

    key: str
    what: str
    period: str


#: The retention table (docs/retention.md says the same in words).
RULES = (
    Rule("anonymous_messages", "anonymous-channel messages", "24 months after arrival"),
    Rule("rejected_applications", "rejected expert applications", "12 months after rejection"),
    Rule("outbox_bodies", "texts of sent or failed e-mails", "90 days after queueing"),
    Rule("api_tokens", "expired or revoked API tokens", "30 days after expiry or revocation"),
    Rule("login_attempts", "sign-in attempts", "30 days"),
    Rule("previous_emails", "the address an account had before an e-mail change",
         "30 days after the change"),
    Rule("colleague_invitations", "answered, cancelled or expired colleague invitations",
         "90 days after they ended"),
    Rule("receipts", "travel receipt files (vouchers)",
         "6 years after the end of the year of the report"),
    Rule("bank_files", "payment batch bank and payroll files (vouchers)",
         "6 years after the end of the year of the batch"),
)

ANONYMOUS_MONTHS = 24
REJECTED_MONTHS = 12
OUTBOX_DAYS = 90
TOKEN_DAYS = 30
LOGIN_ATTEMPT_DAYS = 30
COLLEAGUE_INVITATION_DAYS = 90
VOUCHER_YEARS = 6


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day if it is shorter)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _moment_months_before(now: datetime, months: int) -> datetime:
    local = to_helsinki(now)
    day = months_before(local.date(), months)
    return local.replace(year=day.year, month=day.month, day=day.day).astimezone(now.tzinfo)


def voucher_cutoff(now: datetime) -> datetime:
    """Records made before this moment are past the 6-year voucher period.

    Vouchers are kept for 6 years after the end of the (calendar) financial
    year they belong to, so a voucher of 2019 may go on 1 January 2026.
    """
    year = to_helsinki(now).year - VOUCHER_YEARS
    return datetime(year, 1, 1, tzinfo=HELSINKI)


def remove_anonymous_messages(now: datetime) -> int:
    """Delete anonymous-channel messages that arrived more than 24 months ago."""
    cutoff = months_before(to_helsinki(now).date(), ANONYMOUS_MONTHS)
    ids = list(db.session.scalars(
        select(AnonymousFeedback.id).where(AnonymousFeedback.received_on < cutoff)))
    if ids:
        db.session.execute(delete(AnonymousFeedbackTag).where(
            AnonymousFeedbackTag.feedback_id.in_(ids)))
        db.session.execute(delete(AnonymousFeedback).where(AnonymousFeedback.id.in_(ids)))
    return len(ids)


def remove_rejected_applications(now: datetime) -> int:
    """Remove applications rejected more than 12 months ago, and the applicant's personal data.

    The profile with its trainings, certificates, areas and languages is
    deleted; the account stays only as an anonymous, inactive row because the
    audit log refers to it. Applications with any work behind them are kept.
    """
    cutoff = _moment_months_before(now, REJECTED_MONTHS)
    rejected_at = (
        select(func.max(AuditEntry.created_at))
        .where(AuditEntry.action == "expert_rejected", AuditEntry.subject_type == "expert",
               AuditEntry.subject_id == cast(ExpertProfile.id, String))
        .scalar_subquery()
    )
    profiles = db.session.scalars(
        select(ExpertProfile).where(ExpertProfile.status == REJECTED, rejected_at < cutoff)
    ).all()
    removed = 0
    for profile in profiles:
        if _has_work(profile.id):
            continue
        _remove_application(profile)
        removed += 1
    return removed


def _has_work(expert_id: int) -> bool:
    return any(
        db.session.scalar(select(model.id).where(model.expert_id == expert_id).limit(1))
        is not None
        for model in (Invitation, Assignment, PayoutItem)
    )


def _remove_application(profile: ExpertProfile) -> None:
    files = [t.certificate_path for t in profile.trainings if t.certificate_path]
    profile_id, user = profile.id, profile.user
    db.session.delete(profile)  # areas, languages, trainings… go with it (delete-orphan)
    db.session.flush()
    db.session.expire(user, ["expert_profile"])
    if user.role == EXPERT:
        _anonymise_applicant(user)
    record_audit(None, "application_removed", "expert", profile_id, rule="rejected_applications")
    db.session.flush()
    for path in files:
        remove_stored(path)


def _anonymise_applicant(user: User) -> None:
    old_email = user.email
    user.email = f"removed-{user.id}@invalid.invalid"
    user.full_name = f"Poistettu hakemus {user.id}"
    user.phone = None
    user.password_hash = ""
    user.totp_secret = None
    user.active = False
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == old_email))
    db.session.execute(
        update(OutboxMessage)
        .where(or_(OutboxMessage.user_id == user.id, OutboxMessage.to_address == old_email))
        .values(to_address=user.email, subject="", body_text="", ics=None)
    )


def clear_outbox_bodies(now: datetime) -> int:
    """Empty the texts of sent or failed mails queued more than 90 days ago (the row stays)."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status != "pending",
               OutboxMessage.created_at < now - timedelta(days=OUTBOX_DAYS),
               or_(OutboxMessage.body_text != "", OutboxMessage.ics.is_not(None)))
        .values(body_text="", ics=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def remove_old_tokens(now: datetime) -> int:
    """Delete API tokens that expired or were revoked more than 30 days ago."""
    cutoff = now - timedelta(days=TOKEN_DAYS)
    result = db.session.execute(
        delete(ApiToken).where(or_(ApiToken.expires_at < cutoff, ApiToken.revoked_at < cutoff))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def remove_old_login_attempts(now: datetime) -> int:
    """Delete sign-in attempts older than 30 days (throttling looks at minutes, not months)."""
    result = db.session.execute(
        delete(LoginAttempt)
        .where(LoginAttempt.created_at < now - timedelta(days=LOGIN_ATTEMPT_DAYS))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def forget_previous_emails(now: datetime) -> int:
    """Forget the address an account had before its e-mail change once the change is older
    than the window in which notices also go there (app/accounts/email_change)."""
    result = db.session.execute(
        update(User)
        .where(User.previous_email.is_not(None),
               User.email_changed_at < now - email_change.NOTICE_WINDOW)
        .values(previous_email=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def remove_ended_colleague_invitations(now: datetime) -> int:
    """Delete colleague invitations (a name and an e-mail address) that were accepted,
    declined, cancelled or expired more than 90 days ago; waiting ones stay."""
    result = db.session.execute(
        delete(ColleagueInvitation)
        .where(ColleagueInvitation.status != "pending",
               ColleagueInvitation.ended_at < now - timedelta(days=COLLEAGUE_INVITATION_DAYS))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def remove_old_receipts(now: datetime) -> int:
    """Delete travel receipt files of reports made before the voucher cutoff."""
    reports = db.session.scalars(
        select(CompletionReport).where(CompletionReport.receipt_path.is_not(None),
                                       CompletionReport.created_at < voucher_cutoff(now))
    ).all()
    files = [report.receipt_path for report in reports]
    for report in reports:
        report.receipt_path = None
    db.session.flush()
    for path in files:
        remove_stored(path)
    return len(files)


def clear_old_bank_files(now: datetime) -> int:
    """Empty the stored SEPA files of batches made before the voucher cutoff.

    The batch row with its totals and items (and the items' income components, from
    which the payroll file is built on download) is bookkeeping and stays.
    """
    result = db.session.execute(
        update(PayoutBatch)
        .where(PayoutBatch.created_at < voucher_cutoff(now),
               PayoutBatch.sepa_xml != "")
        .values(sepa_xml="")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


CLEANERS = {
    "anonymous_messages": remove_anonymous_messages,
    "rejected_applications": remove_rejected_applications,
    "outbox_bodies": clear_outbox_bodies,
    "api_tokens": remove_old_tokens,
    "login_attempts": remove_old_login_attempts,
    "previous_emails": forget_previous_emails,
    "colleague_invitations": remove_ended_colleague_invitations,
    "receipts": remove_old_receipts,
    "bank_files": clear_old_bank_files,
}


def run_retention(now: datetime) -> dict[str, int]:
    """Apply every retention rule once; returns how many records each rule touched.

    The run is written to the audit log with its counts (no personal data).
    """
    counts = {rule.key: CLEANERS[rule.key](now) for rule in RULES}
    db.session.flush()
    record_audit(None, "retention_run", "retention", to_helsinki(now).date().isoformat(),
                 **counts)
    return counts
