"""Signed one-time tokens of the e-mailed links: password reset (spent once the password
changes), sign-in link (spent at the sign-in) and e-mail address change (spent once the
address or the password changes); and random secrets of which only a hash is stored (API
tokens, colleague invitation links).

Below both the account services and the account mails, so each may use them.
"""

from __future__ import annotations

import hashlib
import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.accounts.models import User
from app.common.errors import InvalidInput
from app.extensions import db

RESET_SALT = "password-reset"


def make_reset_token(secret_key: str, user: User) -> str:
    """A signed token that stops working once the password has changed."""
    serializer = URLSafeTimedSerializer(secret_key, salt=RESET_SALT)
    return serializer.dumps({"user": user.id, "since": _password_stamp(user)})


def _payload(secret_key: str, salt: str, token: str, max_age: int) -> dict:
    """The signed data of an e-mailed link's token: 422 ``token_expired`` or
    ``token_invalid`` (also for data that is not the dictionary the app signs)."""
    serializer = URLSafeTimedSerializer(secret_key, salt=salt)
    try:
        data = serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidInput(
            "The link has expired. Ask for a new one.", code="token_expired"
        ) from None
    except BadSignature:
        raise InvalidInput(
            "The link is not valid. Ask for a new one.", code="token_invalid"
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput("The link is not valid. Ask for a new one.", code="token_invalid")
    return data


def _unspent_user(data: dict, stamp) -> User:
    """The link's active user while ``stamp(user)`` still equals the stamp the link was made
    with; otherwise 422 ``token_used`` (the link was spent by what changed the stamp)."""
    user_id = data.get("user")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or data.get("since") != stamp(user):
        raise InvalidInput("The link has already been used. Ask for a new one.", code="token_used")
    return user


def _password_stamp(user: User) -> str:
    return user.password_changed_at.isoformat()


def user_for_reset_token(secret_key: str, token: str, max_age: int) -> User:
    return _unspent_user(_payload(secret_key, RESET_SALT, token, max_age), _password_stamp)


SIGN_IN_SALT = "sign-in-link"
#: An e-mailed sign-in link works this long, and once.
SIGN_IN_MAX_AGE = 15 * 60


def _last_login(user: User) -> str:
    return user.last_login_at.isoformat() if user.last_login_at else ""


def make_sign_in_token(secret_key: str, user: User) -> str:
    """A signed one-time sign-in token: it stops working once the user has signed in."""
    serializer = URLSafeTimedSerializer(secret_key, salt=SIGN_IN_SALT)
    return serializer.dumps({"user": user.id, "since": _last_login(user)})


def user_for_sign_in_token(secret_key: str, token: str) -> User:
    return _unspent_user(_payload(secret_key, SIGN_IN_SALT, token, SIGN_IN_MAX_AGE), _last_login)


EMAIL_CHANGE_SALT = "email-change"
#: The confirmation link of a new e-mail address works this long, and once.
EMAIL_CHANGE_MAX_AGE = 24 * 60 * 60


def _email_change_stamp(user: User) -> list[str]:
    """What the link is bound to: the last address change and the password (a new password,
    e.g. the owner's after a stranger asked for the change, kills the link too)."""
    changed = user.email_changed_at.isoformat() if user.email_changed_at else ""
    return [changed, user.password_changed_at.isoformat()]


def make_email_change_token(secret_key: str, user: User, new_email: str) -> str:
    """A signed token that moves ``user`` to ``new_email``; it stops working once the
    address or the password changes."""
    serializer = URLSafeTimedSerializer(secret_key, salt=EMAIL_CHANGE_SALT)
    return serializer.dumps({"user": user.id, "email": new_email,
                             "since": _email_change_stamp(user)})


def email_change_of_token(secret_key: str, token: str,
                          max_age: int = EMAIL_CHANGE_MAX_AGE) -> tuple[User, str]:
    """The user and the new address of an e-mail change link."""
    data = _payload(secret_key, EMAIL_CHANGE_SALT, token, max_age)
    if not isinstance(data.get("email"), str):
        raise InvalidInput("The link is not valid. Ask for a new one.", code="token_invalid")
    return _unspent_user(data, _email_change_stamp), data["email"]


def secret_hash(secret: str) -> str:
    """The stored form of a random secret (an API token, an invitation link's secret)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """A new random secret for a link or a bearer token, and its hash (only that is stored)."""
    secret = secrets.token_urlsafe(32)
    return secret, secret_hash(secret)
