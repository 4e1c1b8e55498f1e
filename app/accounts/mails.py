"""The account mails: password reset and the welcome of an invited colleague."""

from __future__ import annotations

from flask import current_app, url_for

from app.accounts.models import User
from app.accounts.tokens import make_reset_token
from app.mail.services import queue_mail


def _reset_link(user: User) -> str:
    token = make_reset_token(current_app.config["SECRET_KEY"], user)
    return current_app.config["BASE_URL"].rstrip("/") + url_for(
        "accounts.reset_password", token=token
    )


def queue_password_reset_mail(user: User) -> None:
    queue_mail(
        user.email,
        "password_reset",
        language=user.language,
        kind="password_reset",
        user_id=user.id,
        user=user,
        link=_reset_link(user),
        hours=max(1, current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600),
    )


def queue_welcome_mail(user: User, inviter: User) -> None:
    queue_mail(
        user.email,
        "welcome_colleague",
        language=user.language,
        kind="welcome",
        user_id=user.id,
        user=user,
        inviter=inviter,
        link=_reset_link(user),
        hours=max(1, current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600),
    )
