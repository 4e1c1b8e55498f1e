"""Changing one's e-mail address safely (issue 11, point 5).

1. `request_email_change`: the user gives the new address and their current password. A
   wrong password counts as a wrong sign-in password (the same throttle). Nothing changes
   yet: a one-time link (24 h) goes to the new address, and a notice naming the new address
   masked goes to the current one at once. When the new address already belongs to an
   account, that address is told that someone tried to use it and no link is made; the
   answer (page, audit entry, notice) is otherwise the same, so it reveals nothing.
2. `confirm_email_change`: the signed-in owner of the link confirms it (a POST). The address
   changes, the other sessions end, the API tokens are revoked and the old address is told.

The address the account had before is kept (``previous_email``) and, for
`NOTICE_WINDOW` after the change, the notices of money changes (the IBAN, the tax card)
and of further address changes go there too (`notice_addresses`): whoever takes over an
account and moves it to their own address cannot then redirect the fees unnoticed. Several
changes in a row keep the address from before the first of them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from app.accounts.mails import (
    queue_email_change_link_mail,
    queue_email_change_notice,
    queue_email_taken_mail,
)
from app.accounts.models import LoginAttempt, User
from app.accounts.passwords import verify_password
from app.accounts.services import _recent_failures, normalize_email, user_by_email
from app.accounts.sessions import end_sessions
from app.accounts.tokens import EMAIL_CHANGE_MAX_AGE, email_change_of_token
from app.audit.services import record_audit
from app.common.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from app.extensions import db

#: How long after an address change its notices also go to the address before it.
NOTICE_WINDOW = timedelta(days=30)


def mask_email(address: str) -> str:
    """``nimi@example.fi`` → ``n***@example.fi``: enough to recognise, not to read."""
    local, at, domain = (address or "").rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def notice_addresses(user: User, now: datetime) -> list[str]:
    """Where notices of money and address changes go: the current address, and the previous
    one while the change is less than `NOTICE_WINDOW` old."""
    addresses = [user.email]
    if (user.previous_email and user.email_changed_at is not None
            and now - user.email_changed_at <= NOTICE_WINDOW
            and user.previous_email != user.email):
        addresses.append(user.previous_email)
    return addresses


class WrongPassword(InvalidInput):
    """The current password was wrong. The caller rolls back and then calls
    `after_rollback`, which counts it as a wrong sign-in password."""

    code = "wrong_password"

    def __init__(self, user: User, now: datetime, address: str | None):
        super().__init__("The current password is not correct.", field="current_password")
        self.email, self.now, self.address = user.email, now, (address or "")[:64] or None

    def after_rollback(self) -> None:
        db.session.add(LoginAttempt(email=self.email, succeeded=False, kind="password",
                                    created_at=self.now, address=self.address))


class PasswordsPaused(DomainError):
    """Too many wrong passwords of the account lately: the password is not tried (429)."""

    status = 429
    code = "too_many_attempts"


def request_email_change(user: User, new_email: str, password: str, *, now: datetime,
                         max_failures: int, window_minutes: int,
                         address: str | None = None) -> None:
    """Ask to move ``user`` to ``new_email``: mails the link (or, when the address is taken,
    a notice to it) and the notice to the current address; audited. Changes nothing else."""
    new_email = normalize_email(new_email)
    if new_email == user.email:
        raise InvalidInput("This is already your e-mail address.", code="same_email",
                           field="email")
    if _recent_failures(user.email, now, timedelta(minutes=window_minutes)) >= max_failures:
        raise PasswordsPaused(
            "Too many wrong passwords. Wait %(minutes)s minutes and try again.",
            field="current_password", values={"minutes": window_minutes})
    if not password or not verify_password(user.password_hash, password):
        raise WrongPassword(user, now, address)
    owner = user_by_email(new_email)
    if owner is None:
        queue_email_change_link_mail(user, new_email)
    else:  # the same answer as for a free address; only the address's owner is told
        queue_email_taken_mail(owner)
    masked = mask_email(new_email)
    for old in notice_addresses(user, now):
        queue_email_change_notice(user, old, masked, done=False,
                                  days=NOTICE_WINDOW.days)
    record_audit(user, "email_change_requested", "user", user.id, new_email=masked)
    db.session.flush()


def email_change_of_link(user: User, secret_key: str, token: str,
                         max_age: int = EMAIL_CHANGE_MAX_AGE) -> str:
    """The new address of a valid link of ``user`` (else `InvalidInput`, or
    `PermissionDenied` when the link is another account's)."""
    owner, new_email = email_change_of_token(secret_key, token, max_age)
    if owner.id != user.id:
        raise PermissionDenied(
            "This link is for another account. Sign out, and sign in with the account whose "
            "address is being changed.", code="not_your_link")
    return new_email


def confirm_email_change(user: User, secret_key: str, token: str, *, now: datetime,
                         keep_session_key: str | None = None,
                         max_age: int = EMAIL_CHANGE_MAX_AGE) -> User:
    """Make the change of a valid link of ``user``: every other session ends, every API token
    is revoked, the old address (and an earlier one within `NOTICE_WINDOW`) is told."""
    new_email = email_change_of_link(user, secret_key, token, max_age)
    if user_by_email(new_email) is not None:
        raise Conflict("This address cannot be used. Ask for a change to another address.",
                       code="email_unavailable", field="email")
    told = notice_addresses(user, now)
    old_email = user.email
    keep_earlier = (user.previous_email is not None and len(told) == 2
                    and user.previous_email != new_email)
    if not keep_earlier:
        user.previous_email = old_email
    user.email = new_email
    user.email_changed_at = now
    # The account's counted sign-ins follow it (the throttle, and the erasure at closure).
    db.session.execute(update(LoginAttempt).where(LoginAttempt.email == old_email)
                       .values(email=new_email).execution_options(synchronize_session=False))
    end_sessions(user, now, keep_key=keep_session_key)
    masked = mask_email(new_email)
    record_audit(user, "email_changed", "user", user.id, old_email=mask_email(old_email),
                 new_email=masked)
    for old in dict.fromkeys(told):
        queue_email_change_notice(user, old, masked, done=True, days=NOTICE_WINDOW.days)
    db.session.flush()
    return user
