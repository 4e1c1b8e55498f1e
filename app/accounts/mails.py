"""The account mails: password reset, sign-in link, the notice of a sign-up with an address
that already has an account, and the mails of an e-mail address change (the link to the new
address, the notices to the old one)."""

from __future__ import annotations

from flask import current_app, url_for

from app.accounts.models import User
from app.accounts.tokens import (
    EMAIL_CHANGE_MAX_AGE,
    SIGN_IN_MAX_AGE,
    make_email_change_token,
    make_reset_token,
    make_sign_in_token,
)
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


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def queue_email_change_link_mail(user: User, new_email: str) -> None:
    """The one-time link that confirms a new address; it goes to the new address."""
    token = make_email_change_token(current_app.config["SECRET_KEY"], user, new_email)
    queue_mail(new_email, "email_change_confirm", language=user.language,
               kind="email_change_confirm", user_id=user.id, user=user,
               link=_absolute("accounts.confirm_email_change", token=token),
               hours=EMAIL_CHANGE_MAX_AGE // 3600)


def queue_email_taken_mail(owner: User) -> None:
    """Someone asked to move another account to ``owner``'s address: tell the address (the
    asking page answers as for a free address, so it reveals nothing; nothing changes)."""
    queue_mail(owner.email, "email_change_taken", language=owner.language,
               kind="email_change_taken", user_id=owner.id, user=owner)


def queue_email_change_notice(user: User, address: str, masked_new: str, *,
                              done: bool, days: int) -> None:
    """Tell an earlier address of ``user`` that the address is being changed (``done``:
    was changed) to ``masked_new``."""
    queue_mail(address, "email_changed" if done else "email_change_requested",
               language=user.language,
               kind="email_changed" if done else "email_change_requested",
               user_id=user.id, user=user, new_email=masked_new, days=days,
               reset_link=_absolute("accounts.forgot_password"))
