"""Account services: sign-up, sign-in with throttling, passwords, API tokens, users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.accounts.models import (
    COORDINATOR,
    EXPERT,
    ORGANISATION_MEMBER,
    ROLES,
    ApiToken,
    LoginAttempt,
    User,
)
from app.accounts.passwords import (
    DUMMY_HASH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from app.accounts.sessions import end_sessions
from app.accounts.tokens import (  # noqa: F401
    RESET_SALT,
    make_reset_token,
    new_secret,
    secret_hash,
    user_for_reset_token,
)
from app.audit.services import record_audit
from app.common.errors import Conflict, InvalidInput, NotFound
from app.common.timeutil import utcnow
from app.experts.models import ExpertProfile, TrainingRecord
from app.extensions import db
from app.organisations.business_id import normalize_business_id
from app.organisations.models import Membership, Organisation
from app.reference.models import Municipality

API_TOKEN_LIFETIME = timedelta(days=90)
#: How often a token's last use is written down at most (API_TOKEN_TOUCH_SECONDS).
API_TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


class TooManyAttempts(Exception):
    """Too many failed sign-ins for this e-mail address in the window."""


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def check_password_rules(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "The password must be at least 10 characters long.",
            code="password_too_short",
            field=field,
        )


def _ensure_email_free(email: str) -> str:
    email = normalize_email(email)
    if user_by_email(email) is not None:
        raise Conflict(
            "An account with this e-mail address already exists.", code="email_taken", field="email"
        )
    return email


def create_user(
    email: str,
    password: str | None,
    role: str,
    full_name: str,
    *,
    language: str = "fi",
    phone: str | None = None,
    actor: User | None = None,
) -> User:
    """Create a user; without a password the account can only be entered by a reset link."""
    if role not in ROLES:
        raise InvalidInput("Unknown role.", field="role")
    email = _ensure_email_free(email)
    if password is not None:
        check_password_rules(password)
    user = User(
        email=email,
        password_hash=hash_password(password) if password else "",
        role=role,
        full_name=full_name.strip(),
        phone=(phone or "").strip() or None,
        language=language,
    )
    db.session.add(user)
    db.session.flush()
    record_audit(actor, "user_created", "user", user.id, role=role)
    return user


@dataclass(frozen=True)
class OrganisationSignup:
    organisation_name: str
    business_id: str
    kind: str
    billing_email: str
    einvoice_address: str
    einvoice_operator: str
    full_name: str
    email: str
    phone: str
    password: str
    language: str = "fi"


def business_id_problem(value: str) -> InvalidInput | None:
    """What is wrong with a business ID given at sign-up (its form or check digit), or None.

    The sign-up page asks this in the same round as its other checks."""
    if normalize_business_id(value) is None:
        return InvalidInput(
            "The business ID is not valid. It looks like 1234567-8.",
            code="invalid_business_id",
            field="business_id",
        )
    return None


def register_organisation(data: OrganisationSignup) -> User:
    """Create an organisation and its first member, who becomes its administrator."""
    problem = business_id_problem(data.business_id)
    if problem is not None:
        raise problem
    business_id = normalize_business_id(data.business_id)
    if db.session.scalar(select(Organisation).where(Organisation.business_id == business_id)):
        raise Conflict(
            "This organisation is already registered. Ask its administrator to invite you.",
            code="organisation_exists",
            field="business_id",
        )
    user = create_user(
        data.email,
        data.password,
        ORGANISATION_MEMBER,
        data.full_name,
        language=data.language,
        phone=data.phone,
    )
    organisation = Organisation(
        name=data.organisation_name.strip(),
        business_id=business_id,
        kind=data.kind,
        billing_email=normalize_email(data.billing_email),
        einvoice_address=data.einvoice_address.strip() or None,
        einvoice_operator=data.einvoice_operator.strip() or None,
        status="pending",  # a coordinator vets it (organisations.services.decide_organisation)
    )
    db.session.add(organisation)
    db.session.flush()
    db.session.add(Membership(user=user, organisation=organisation, is_admin=True))
    record_audit(user, "organisation_registered", "organisation", organisation.id)
    db.session.flush()
    return user


@dataclass(frozen=True)
class ExpertApplication:
    full_name: str
    email: str
    phone: str
    password: str
    home_municipality_code: str
    training_provider: str
    training_course: str
    training_completed_on: date
    language: str = "fi"


def apply_as_expert(data: ExpertApplication) -> User:
    """Create an expert account in status "applied" with its training record."""
    if db.session.get(Municipality, data.home_municipality_code) is None:
        raise InvalidInput(
            "Choose your home municipality from the list.",
            code="unknown_municipality",
            field="home_municipality_code",
        )
    if data.training_completed_on > date.today():
        raise InvalidInput(
            "The completion date cannot be in the future.",
            code="date_in_future",
            field="training_completed_on",
        )
    user = create_user(
        data.email, data.password, EXPERT, data.full_name, language=data.language, phone=data.phone
    )
    first_name = data.full_name.strip().split()[0] if data.full_name.strip() else ""
    profile = ExpertProfile(
        user=user,
        display_name=first_name,
        home_municipality_code=data.home_municipality_code,
    )
    profile.trainings.append(
        TrainingRecord(
            provider=data.training_provider.strip(),
            course=data.training_course.strip(),
            completed_on=data.training_completed_on,
        )
    )
    db.session.add(profile)
    db.session.flush()
    record_audit(user, "expert_applied", "expert", profile.id)
    return user


def _recent_address_failures(address: str, now: datetime, window: timedelta) -> int:
    """Wrong passwords sent from one client address (to any account) within the window."""
    return db.session.scalar(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.address == address, LoginAttempt.kind == "password",
            LoginAttempt.succeeded.is_(False), LoginAttempt.created_at >= now - window)) or 0


def _recent_failures(email: str, now: datetime, window: timedelta) -> int:
    """Wrong passwords of the account since the last success within the window."""
    since = now - window
    last_success = db.session.scalar(
        select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.email == email,
            LoginAttempt.kind == "password",
            LoginAttempt.succeeded.is_(True),
            LoginAttempt.created_at >= since,
        )
    )
    if last_success is not None and last_success > since:
        since = last_success
    return (
        db.session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(
                LoginAttempt.email == email,
                LoginAttempt.kind == "password",
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.created_at >= since,
            )
        )
        or 0
    )


def authenticate(
    email: str,
    password: str,
    *,
    max_failures: int,
    window_minutes: int,
    now: datetime | None = None,
    address: str | None = None,
    max_address_failures: int = 20,
) -> User | None:
    """The user for these credentials, or None; raises `TooManyAttempts` when throttled.

    Wrong passwords are counted per account and per client ``address``: after
    ``max_failures`` for the account (or ``max_address_failures`` from the address) in the
    window, passwords are not tried. The owner can still sign in with an e-mailed one-time
    link (`make_sign_in_token`), so an attacker slows down but cannot lock the owner out.
    Every attempt is recorded (and must be committed by the caller, also on failure).
    """
    now = now or utcnow()
    email = normalize_email(email)
    window = timedelta(minutes=window_minutes)
    if address and _recent_address_failures(address, now, window) >= max_address_failures:
        raise TooManyAttempts()
    if _recent_failures(email, now, window) >= max_failures:
        raise TooManyAttempts()
    user = user_by_email(email)
    ok = user is not None and user.active and verify_password(user.password_hash, password)
    if user is None:
        verify_password(DUMMY_HASH, password)  # same work for unknown addresses
    db.session.add(LoginAttempt(email=email, succeeded=ok, created_at=now,
                                address=(address or "")[:64] or None))
    if not ok:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def change_password(user: User, current_password: str, new_password: str, *,
                    keep_session_key: str | None = None) -> None:
    """A new password; every other session ends and every API token is revoked (the session
    of ``keep_session_key``, where the user changed it, goes on)."""
    if not verify_password(user.password_hash, current_password):
        raise InvalidInput(
            "The current password is not correct.", code="wrong_password", field="current_password"
        )
    check_password_rules(new_password, "new_password")
    _set_password(user, new_password, keep_session_key)


def _set_password(user: User, password: str, keep_session_key: str | None = None) -> None:
    now = utcnow()
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    end_sessions(user, now, keep_key=keep_session_key)
    record_audit(user, "password_changed", "user", user.id)


def reset_password(secret_key: str, token: str, new_password: str, max_age: int) -> User:
    """A new password from a reset link: every session ends, every API token is revoked."""
    user = user_for_reset_token(secret_key, token, max_age)
    check_password_rules(new_password)
    _set_password(user, new_password)
    return user


_token_hash = secret_hash


def issue_api_token(user: User, now: datetime | None = None) -> str:
    """A new bearer token; only its hash is stored."""
    now = now or utcnow()
    token, token_hash = new_secret()
    db.session.add(
        ApiToken(
            user=user,
            token_hash=token_hash,
            created_at=now,
            expires_at=now + API_TOKEN_LIFETIME,
        )
    )
    db.session.flush()
    return token


def user_for_api_token(token: str, now: datetime | None = None,
                       touch_interval: timedelta = API_TOKEN_TOUCH_INTERVAL) -> User | None:
    """The user of a valid token. Its ``last_used_at`` is updated only when older than
    ``touch_interval`` (reads do not write on every request); the caller commits when
    the session has changes."""
    now = now or utcnow()
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now or not row.user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at >= touch_interval:
        row.last_used_at = now
    return row.user


def revoke_api_token(token: str) -> None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None:
        raise NotFound("Unknown token.")
    row.revoked_at = utcnow()


def api_token_issued_at(token: str) -> datetime | None:
    """When the token was issued (for staff: when its second factor was passed)."""
    return db.session.scalar(select(ApiToken.created_at).where(
        ApiToken.token_hash == _token_hash(token)))


def is_staff(user: User) -> bool:
    return user.role in (COORDINATOR, "finance", "admin")
