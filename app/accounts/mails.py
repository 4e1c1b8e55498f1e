"""The account mails: password reset, sign-in link and the notice of a sign-up with an address
that already has an account."""

from __future__ import annotations

from flask import current_app, url_for

from app.accounts.models import User
from app.accounts.tokens import SIGN_IN_MAX_AGE, make_reset_token, make_sign_in_token
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


def queue_sign_in_link_mail(user: User) -> None:
    """A one-time sign-in link: the owner's way in while wrong passwords pause sign-in."""
    token = make_sign_in_token(current_app.config["SECRET_KEY"], user)
    link = current_app.config["BASE_URL"].rstrip("/") + url_for(
        "accounts.sign_in_link", token=token)
    queue_mail(user.email, "sign_in_link", language=user.language, kind="sign_in_link",
               user_id=user.id, user=user, link=link, minutes=SIGN_IN_MAX_AGE // 60)


def queue_account_exists_mail(user: User) -> None:
    """Someone signed up with an address that already has an account: tell its owner (the
    sign-up page answers as for a new address, so it reveals nothing)."""
    queue_mail(user.email, "account_exists", language=user.language, kind="account_exists",
               user_id=user.id, user=user, reset_link=_reset_link(user),
               login_link=current_app.config["BASE_URL"].rstrip("/") + url_for("accounts.login"))
