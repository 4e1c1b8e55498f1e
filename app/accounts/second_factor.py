"""The staff's second factor: TOTP codes accepted once, wrong codes limited (5 in 15 minutes,
then a pause, audited), one-time recovery codes given at enrolment."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session

from app.accounts import totp
from app.accounts.models import ADMIN, COORDINATOR, FINANCE, LoginAttempt, RecoveryCode, User
from app.audit.services import record_audit
from app.common.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from app.extensions import db

#: The roles with money or personal data: they pass a second factor at sign-in.
STAFF_ROLES = (COORDINATOR, FINANCE, ADMIN)
MAX_WRONG_CODES = 5
WRONG_CODE_WINDOW = timedelta(minutes=15)
#: Money-moving steps need a second factor passed this recently.
FRESH_FOR = timedelta(minutes=15)
RECOVERY_CODE_COUNT = 10


def N_(text: str) -> str:
    """Marks a msgid for extraction (the message is translated where it is shown)."""
    return text


def needs_second_factor(user: User) -> bool:
    return user.role in STAFF_ROLES


class WrongCode(PermissionDenied):
    """A wrong, stale or already used code (403). The caller rolls back and then calls
    `after_rollback`, which counts the wrong code (and audits it) in its own write."""

    code = "invalid_totp"

    def __init__(self, user: User, now: datetime):
        super().__init__(
            "The two-factor code is wrong or too old. Type the six digits your "
            "authenticator app shows now.", field="totp")
        self.user_id, self.email, self.now = user.id, user.email, now

    def after_rollback(self) -> None:
        db.session.add(LoginAttempt(email=self.email, succeeded=False, kind="totp",
                                    created_at=self.now))
        record_audit(self.user_id, "totp_failed", "user", self.user_id)
        if wrong_codes(self.email, self.now) + 1 >= MAX_WRONG_CODES:
            record_audit(self.user_id, "totp_paused", "user", self.user_id)


class CodesPaused(DomainError):
    """Too many wrong codes in the window: no code is tried until the pause ends (429)."""

    status = 429
    code = "totp_paused"


def wrong_codes(email: str, now: datetime) -> int:
    """Wrong two-factor codes of the account in the last 15 minutes."""
    return db.session.scalar(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.email == email, LoginAttempt.kind == "totp",
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.created_at > now - WRONG_CODE_WINDOW)) or 0


def _paused(user: User, now: datetime) -> None:
    if wrong_codes(user.email, now) >= MAX_WRONG_CODES:
        raise CodesPaused(
            N_("Too many wrong two-factor codes. Wait %(minutes)s minutes and try again."),
            field="totp", values={"minutes": int(WRONG_CODE_WINDOW.total_seconds() // 60)})


def check_code(user: User, code: object, now: datetime, *, recovery: bool = False) -> str:
    """Accept ``code`` once: the user's TOTP code of a time step later than the last one
    used, or (with ``recovery``) one of their unused recovery codes. Returns "totp" or
    "recovery"; raises `CodesPaused` (429), `WrongCode` (403) or, without a secret, 403."""
    if not user.totp_secret:
        raise PermissionDenied("Set up two-factor authentication first.", code="totp_required",
                               field="totp")
    _paused(user, now)
    step = totp.matching_step(user.totp_secret, code, now, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        db.session.flush()
        db.session.info.setdefault(_USED_STEPS, {})[user.id] = step
        return "totp"
    if recovery and _use_recovery_code(user, code, now):
        return "recovery"
    raise WrongCode(user, now)


# --- a used code stays used ------------------------------------------------------------------

#: ``session.info`` key: the time steps accepted in the session's open transaction, by user.
_USED_STEPS = "kp_used_totp_steps"


@event.listens_for(Session, "after_soft_rollback")
def _keep_used_steps(session: Session, previous_transaction) -> None:
    """A step that fails after its code was accepted (a payout no longer waiting, …) rolls
    the request back, and with it the record of the used code: write it again, so that the
    code cannot be replayed. Whoever rolled back commits (as for a counted wrong code)."""
    if previous_transaction.parent is not None:
        return  # a savepoint: the outer transaction still holds the step
    steps = session.info.pop(_USED_STEPS, None)
    if not steps or not session.is_active:
        return
    for user_id, step in steps.items():
        session.execute(update(User).where(
            User.id == user_id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        ).values(totp_last_step=step).execution_options(synchronize_session=False))


@event.listens_for(Session, "after_commit")
def _forget_used_steps(session: Session) -> None:
    session.info.pop(_USED_STEPS, None)


# --- recovery codes -------------------------------------------------------------------------


def _normalized(code: object) -> str:
    return "".join(ch for ch in str(code or "").lower() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(_normalized(code).encode()).hexdigest()


def _use_recovery_code(user: User, code: object, now: datetime) -> bool:
    if len(_normalized(code)) != 10:
        return False
    row = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(str(code)),
        RecoveryCode.used_at.is_(None)).with_for_update())
    if row is None:
        return False
    row.used_at = now
    record_audit(user, "recovery_code_used", "user", user.id)
    db.session.flush()
    return True


def new_recovery_codes(user: User, now: datetime) -> list[str]:
    """Ten fresh one-time codes ("3f9a1-c07b2"); the old ones stop working. Shown once."""
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw), created_at=now))
    db.session.flush()
    return codes


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def enrol(user: User, secret: str, code: object, now: datetime) -> list[str]:
    """Save a new TOTP secret once the user's app shows its code; returns the recovery codes."""
    if user.totp_secret:
        raise Conflict("Two-factor authentication is already set up for you.",
                       code="totp_exists")
    step = totp.matching_step(secret, code, now) if secret else None
    if step is None:
        raise InvalidInput("The code does not match. Check that the app shows Kokemuspankki "
                           "and type the six digits it shows now.", code="invalid_totp",
                           field="code")
    user.totp_secret = secret
    user.totp_last_step = step
    record_audit(user, "totp_enrolled", "user", user.id)
    return new_recovery_codes(user, now)


def is_fresh(passed_at: datetime | None, now: datetime) -> bool:
    """Whether a second factor passed at ``passed_at`` still counts for money-moving steps."""
    return passed_at is not None and now - passed_at <= FRESH_FOR
