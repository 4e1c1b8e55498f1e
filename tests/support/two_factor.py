"""Two-factor codes for tests: staff (coordinator, finance, admin) sign in with a TOTP code
that the app accepts once, so helpers make a code that has not been used yet.

`fresh_code` reads the user's last used time step from the database and gives the code of
the first step around ``now`` after it (the app accepts the previous, current and next
step). When those are used up (many sign-ins or approvals at one fixed ``now``), it moves
the stored step back: a convenience for tests that are not about codes being used once
(the tests of that rule in tests/accounts/test_second_factor.py never call it twice).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

import pyotp
from flask import has_app_context
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.second_factor import STAFF_ROLES
from app.accounts.totp import STEP_SECONDS, time_step
from app.common.timeutil import utcnow
from app.extensions import db


def _user(user_or_email) -> User | None:
    if isinstance(user_or_email, User):
        return user_or_email
    return db.session.scalar(select(User).where(User.email == str(user_or_email).strip().lower()))


def fresh_code(user_or_email, now: datetime | None = None) -> str | None:
    """An unused code of the user's secret at ``now`` (default: the real clock); None for a
    user without a secret or unknown address. Call inside the app context of the user's
    database; commits when it moves the stored step back."""
    user = _user(user_or_email)
    if user is None or not user.totp_secret:
        return None
    if user in db.session and user.id is not None:
        db.session.expire(user, ["totp_last_step"])
    current = time_step(now or utcnow())
    last = user.totp_last_step
    for step in (current, current + 1):
        if last is None or step > last:
            return pyotp.TOTP(user.totp_secret).at(step * STEP_SECONDS)
    user.totp_last_step = current - 1
    db.session.commit()  # in a test's transaction: releases a savepoint only
    return pyotp.TOTP(user.totp_secret).at(current * STEP_SECONDS)


def staff_code(email: str, now: datetime | None = None) -> str | None:
    """`fresh_code` for a staff member's address; None for everyone else (no code needed)."""
    user = _user(email)
    if user is None or user.role not in STAFF_ROLES:
        return None
    return fresh_code(user, now)


@contextmanager
def _app_context(client):
    if has_app_context():
        yield
    else:
        with client.application.app_context():
            yield


def _last_step(email: str) -> tuple[User | None, int | None]:
    user = _user(email)
    if user is None:
        return None, None
    db.session.expire(user, ["totp_last_step"])
    return user, user.totp_last_step


def sign_in_post(client, url: str, email: str, data: dict, **kwargs):
    """Post a sign-in (form ``data``) or token request (``json=...`` in ``kwargs``) for
    ``email``, adding a fresh ``totp`` for a staff member. Afterwards the user's last used
    step is put back, so that signing in (on the real clock) does not use up the codes that
    a test makes for its own pinned ``now``."""
    with _app_context(client):
        user, saved = _last_step(email)
        code = staff_code(email)
    if code:
        if "json" in kwargs:
            kwargs["json"] = {**kwargs["json"], "totp": code}
        else:
            data = {**data, "totp": code}
    response = client.post(url, data=data, **kwargs) if "json" not in kwargs else \
        client.post(url, **kwargs)
    if code and user is not None:
        with _app_context(client):
            user = _user(email)
            user.totp_last_step = saved
            db.session.commit()  # in a test's transaction: releases a savepoint only
    return response
