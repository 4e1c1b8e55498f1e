"""Data rights services: exporting a person's data and closing their account.

Closing (``close_account``) happens in two steps:

1. At once: future bookings are withdrawn and pending invitations declined through the
   booking services (the usual cascade to the next candidate), the person can no longer
   sign in and every token dies, and their personal data is removed or replaced by a
   pseudonym ("Suljettu tili 123") in every table.
2. When the bank owes them nothing more (their last payout is paid, or at once when
   nothing is owed): ``erase_payment_data`` deletes the e-mail address and the payment
   details. ``mark_batch_paid`` calls ``erase_settled_accounts`` for the batch's experts,
   and the daily ``erase_settled_accounts`` job catches the rest (e.g. a rejected payout).

Bookkeeping records (payout items, batches, invoices and their lines, receipts) are
kept, anonymised, for the periods of the Accounting Act (docs/data-rights.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import delete, or_, select, update

from app.accounts.models import (
    ADMIN,
    COORDINATOR,
    EXPERT,
    ORGANISATION_MEMBER,
    PARTICIPANT,
    ApiToken,
    LoginAttempt,
    User,
)
from app.accounts.passwords import verify_password
from app.audit.models import AuditEntry
from app.audit.services import record_audit
from app.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.common.timeutil import utcnow
from app.experts.services import erase_identity_code
from app.extensions import db
from app.mail.models import OutboxMessage

#: Roles that close their own account; staff accounts are closed by a coordinator or admin.
SELF_SERVICE_ROLES = (EXPERT, ORGANISATION_MEMBER, PARTICIPANT)
#: Payout states in which the bank still owes the expert money.
OUTSTANDING_PAYOUT_STATUSES = ("pending_approval", "approved", "in_batch")
#: The pseudonym that replaces a closed account's name (the same in every language, as
#: it is stored in shared records such as payroll files).
PSEUDONYM = "Suljettu tili {id}"
#: Names shorter than this are not replaced inside other people's free text (too likely
#: to be part of ordinary words); the account's own fields are always cleared.
MIN_SCRUB_LENGTH = 6
#: Columns that are replaced by other means or must keep their value: (table, column).
SCRUB_SKIP = {("organisations", "billing_email")}


def pseudonym(user: User) -> str:
    return PSEUDONYM.format(id=user.id)


def closed_address(user: User) -> str:
    """What replaces the e-mail address when it is erased (unique, never deliverable)."""
    return f"closed-{user.id}@closed.invalid"


# --- export ---------------------------------------------------------------------------------


def export_data(actor: User, user_id: int, now: datetime | None = None) -> bytes:
    """The ZIP of everything about the user; people export their own data only. Audited."""
    from app.privacy.export import build_zip, gather

    if actor.id != user_id:
        raise PermissionDenied("You can download only your own data.")
    user = db.session.get(User, user_id)
    if user is None or user.closed_at is not None:
        raise NotFound("The account was not found.", code="user_not_found")
    content = build_zip(user, gather(user, now))
    record_audit(actor, "data_exported", "user", user.id, bytes=len(content))
    db.session.flush()
    return content


# --- closing --------------------------------------------------------------------------------


@dataclass
class ClosurePreview:
    """What closing the account will do, for the confirmation page."""

    future_bookings: int = 0
    pending_invitations: int = 0
    outstanding_payouts: int = 0
    unreported_work: int = 0


@dataclass
class ClosureResult:
    user_id: int
    erased: bool
    #: Stored files (certificates) to delete once the closure is committed.
    files_to_remove: list[str] = field(default_factory=list)


def preview_closure(user: User, now: datetime | None = None) -> ClosurePreview:
    from app.bookings.models import Assignment, Invitation

    now = now or utcnow()
    preview = ClosurePreview()
    expert_id = user.expert_id
    if expert_id is None:
        return preview
    preview.future_bookings = db.session.scalar(
        select(sa.func.count()).select_from(Assignment).where(
            Assignment.expert_id == expert_id, Assignment.status == "booked",
            Assignment.starts_at > now)) or 0
    preview.pending_invitations = db.session.scalar(
        select(sa.func.count()).select_from(Invitation).where(
            Invitation.expert_id == expert_id, Invitation.status == "pending")) or 0
    preview.unreported_work = db.session.scalar(
        select(sa.func.count()).select_from(Assignment).where(
            Assignment.expert_id == expert_id, Assignment.status == "booked",
            Assignment.starts_at <= now)) or 0
    preview.outstanding_payouts = _outstanding_payouts(expert_id)
    return preview


def _outstanding_payouts(expert_id: int | None) -> int:
    from app.payouts.models import PayoutItem

    if expert_id is None:
        return 0
    return db.session.scalar(
        select(sa.func.count()).select_from(PayoutItem).where(
            PayoutItem.expert_id == expert_id,
            PayoutItem.status.in_(OUTSTANDING_PAYOUT_STATUSES))) or 0


def close_own_account(user: User, password: str | None,
                      now: datetime | None = None) -> ClosureResult:
    """The person closes their own account, confirming with their password."""
    if user.role not in SELF_SERVICE_ROLES:
        raise PermissionDenied("Staff accounts are closed by a coordinator or an administrator.",
                               code="staff_account")
    if not password or not verify_password(user.password_hash, password):
        raise InvalidInput("The password is not correct.", code="wrong_password",
                           field="password")
    return _close(user, user, now or utcnow())


def close_account_on_request(actor: User, user_id: int,
                             now: datetime | None = None) -> ClosureResult:
    """A coordinator or administrator closes someone's account at their request.

    Coordinators may close any account except an administrator's; nobody closes their own
    account this way.
    """
    if actor.role not in (COORDINATOR, ADMIN):
        raise PermissionDenied("Only coordinators and administrators can close accounts.")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("The account was not found.", code="user_not_found")
    if user.id == actor.id:
        raise PermissionDenied("You cannot close your own account here.")
    if user.role == ADMIN and actor.role != ADMIN:
        raise PermissionDenied("Only an administrator can close an administrator's account.")
    return _close(actor, user, now or utcnow())


def _close(actor: User, user: User, now: datetime) -> ClosureResult:
    if user.closed_at is not None:
        raise Conflict("This account is already closed.", code="account_closed")
    old_name, email, previous = user.full_name, user.email, user.previous_email
    _end_work(user, now)
    result = ClosureResult(user_id=user.id, erased=False)
    _remove_personal_data(user, result, now)
    _scrub_everywhere(user, [old_name, email, previous or ""], skip_users=True)
    _forget_mail(user, email)
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    if previous:
        _forget_previous_email(user, previous)
    user.closed_at = now
    record_audit(actor, "account_closed", "user", user.id, role=user.role,
                 on_request=actor.id != user.id)
    db.session.flush()
    result.erased = bool(erase_settled_accounts(now, [user.id]))
    return result


def _end_work(user: User, now: datetime) -> None:
    """Decline pending invitations and withdraw from coming bookings (the usual cascade)."""
    from app.bookings import services as bookings
    from app.bookings.models import Assignment, Invitation

    expert_id = user.expert_id
    if expert_id is None:
        return
    for invitation_id in db.session.scalars(
            select(Invitation.id).where(Invitation.expert_id == expert_id,
                                        Invitation.status == "pending")).all():
        bookings.decline_invitation(user, invitation_id, None, now)
    for order_id in db.session.scalars(
            select(Assignment.order_id).where(
                Assignment.expert_id == expert_id, Assignment.status == "booked",
                Assignment.starts_at > now).distinct()).all():
        bookings.withdraw_from_order(user, order_id, None, now)


def _remove_personal_data(user: User, result: ClosureResult, now: datetime) -> None:
    from app.experts.states import EXPERT_PROFILE
    from app.organisations.models import Membership
    from app.participation.groups.models import GroupMember

    name = pseudonym(user)
    user.full_name = name
    user.phone = None
    user.password_hash = ""
    user.totp_secret = None
    user.active = False
    user.password_changed_at = now  # old password-reset links die too
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                              ApiToken.revoked_at.is_(None))
                       .values(revoked_at=now))
    if user.membership is not None:
        db.session.execute(delete(Membership).where(Membership.user_id == user.id))
        db.session.expire(user, ["membership"])
    for member in db.session.scalars(select(GroupMember).where(GroupMember.user_id == user.id)):
        member.name = name
        if member.status == "active":
            member.status = "left"
            member.left_at = now
        elif member.status == "invited":  # an open invitation is declined with the account
            member.status = "declined"
    profile = user.expert_profile
    if profile is None:
        return
    if EXPERT_PROFILE.can(profile.status, "retire"):
        EXPERT_PROFILE.apply(profile, "retire")
    profile.display_name = name
    profile.bio = ""
    profile.status_reason = None
    profile.paused_until = None
    profile.monthly_earnings_limit = None
    profile.yearly_earnings_limit = None
    profile.areas.clear()
    profile.languages.clear()
    profile.assignment_types.clear()
    profile.unavailabilities.clear()
    for record in list(profile.trainings):
        if record.certificate_path:
            result.files_to_remove.append(record.certificate_path)
        profile.trainings.remove(record)


def _text_columns() -> dict[sa.Table, list[sa.Column]]:
    """Every table's text columns (String and Text), except those in `SCRUB_SKIP`."""
    found: dict[sa.Table, list[sa.Column]] = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, sa.String)
                   and (table.name, c.name) not in SCRUB_SKIP]
        if columns:
            found[table] = columns
    return found


def _scrub_everywhere(user: User, values: list[str], *, skip_users: bool) -> None:
    """Replace the person's name (or e-mail) inside every text column of every table with the
    pseudonym: copies in payroll files, mail bodies, other people's notes, audit details.

    One UPDATE per table: the rows where any text column holds a value get every text
    column rewritten with ``replace`` (a no-op where the value is absent).
    """
    values = [v for v in dict.fromkeys(values) if v and len(v) >= MIN_SCRUB_LENGTH]
    if not values:
        return
    db.session.flush()  # the bulk updates below must not lose unflushed changes
    replacement = pseudonym(user)
    for table, columns in _text_columns().items():
        if skip_users and table.name == "users":
            continue
        changes = {}
        for column in columns:
            expression = column
            for value in values:
                expression = sa.func.replace(expression, value, replacement)
            changes[column.name] = expression
        db.session.execute(
            update(table)
            .where(or_(*[c.contains(v, autoescape=True) for c in columns for v in values]))
            .values(changes)
            .execution_options(synchronize_session=False))
    _scrub_audit_details(values, replacement)
    db.session.expire_all()


def _scrub_audit_details(values: list[str], replacement: str) -> None:
    """Audit details are JSON: found by their text (as stored, maybe \\u-escaped) and
    rewritten as objects."""
    patterns = []
    for value in values:
        patterns.append(value)
        patterns.append(json.dumps(value)[1:-1])
    as_text = sa.cast(AuditEntry.details, sa.Text)
    for entry in db.session.scalars(
            select(AuditEntry).where(or_(*[as_text.contains(p, autoescape=True)
                                           for p in dict.fromkeys(patterns)]))):
        details = json.loads(json.dumps(entry.details))
        for value in values:
            details = {key: item.replace(value, replacement) if isinstance(item, str) else item
                       for key, item in details.items()}
        entry.details = details
    db.session.flush()


def _forget_previous_email(user: User, previous: str) -> None:
    """The address the account had before its last change: it pays nothing, so it goes at
    the closure (with its mails and counted sign-ins), not only once nothing is owed."""
    _forget_mail(user, previous)
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == previous))
    user.previous_email = None
    user.email_changed_at = None


def _forget_mail(user: User, email: str) -> None:
    """Outbox messages to the person (sent or waiting): they hold their address and name."""
    db.session.execute(
        delete(OutboxMessage).where(or_(OutboxMessage.user_id == user.id,
                                        OutboxMessage.to_address == email))
        .execution_options(synchronize_session=False))


# --- erasing once nothing is owed -----------------------------------------------------------


def erase_payment_data(user: User, now: datetime) -> None:
    """The one place where a closed account's e-mail and payment details are erased.

    Add every new piece of payment data here. The personal identity code stays
    until now because the payroll of the last payouts needs it.
    """
    email = user.email
    if user.previous_email:  # closed before the previous address was kept: erased here
        previous = user.previous_email
        _forget_previous_email(user, previous)
        _scrub_everywhere(user, [previous], skip_users=True)
    profile = user.expert_profile
    if profile is not None:
        if profile.iban:
            _scrub_everywhere(user, [profile.iban], skip_users=False)
        profile.iban = None
        erase_identity_code(profile)
        profile.withholding_percent = None
        profile.home_municipality_code = None
    _forget_mail(user, email)
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    user.email = closed_address(user)
    _scrub_everywhere(user, [email], skip_users=True)
    user.erased_at = now
    record_audit(None, "closed_account_erased", "user", user.id)


def erase_settled_accounts(now: datetime | None = None,
                           user_ids: Iterable[int] | None = None) -> int:
    """Erase the e-mail and payment data of closed accounts that are owed nothing more.

    ``user_ids`` limits the check (e.g. to a paid batch's experts); None checks every closed
    account still waiting. Returns the number erased.
    """
    now = now or utcnow()
    query = select(User).where(User.closed_at.is_not(None), User.erased_at.is_(None))
    if user_ids is not None:
        query = query.where(User.id.in_(list(user_ids)))
    erased = 0
    for user in db.session.scalars(query).all():
        if _outstanding_payouts(user.expert_id):
            continue
        erase_payment_data(user, now)
        erased += 1
    db.session.flush()
    return erased


def remove_files(result: ClosureResult) -> None:
    """Delete the closed account's stored files (call after the commit)."""
    from app.common.uploads import remove_stored

    for path in result.files_to_remove:
        remove_stored(path)
