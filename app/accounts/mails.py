"""The account mails: password reset, sign-in link, a colleague's invitation (or, to an address
that already has an account, the notice that it cannot be added) and the notice of a sign-up
with an address that already has an account."""

from __future__ import annotations

from flask import current_app, url_for

from app.accounts.models import User
from app.accounts.tokens import SIGN_IN_MAX_AGE, make_reset_token, make_sign_in_token
from app.mail.services import queue_mail
from app.web.templating import absolute_url


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


def queue_colleague_invitation_mail(invitation, secret: str, inviter: User | None) -> None:
    """The invitation to an address without an account: a link for accepting (or declining)."""
    link = absolute_url("accounts.colleague_invitation", token=secret)
    queue_mail(invitation.email, "colleague_invitation", language=invitation.language,
               kind="colleague_invitation", invitation=invitation, inviter=inviter,
               organisation=invitation.organisation, link=link)


def queue_colleague_address_taken_mail(user: User, invitation, inviter: User | None) -> None:
    """An invitation to an address that already has an account: nothing is changed, and its
    owner is told why and what to do (the organisation's page answers as for any address)."""
    queue_mail(user.email, "colleague_address_taken", language=user.language,
               kind="colleague_address_taken", user_id=user.id, user=user,
               invitation=invitation, inviter=inviter, organisation=invitation.organisation,
               login_link=absolute_url("accounts.login"),
               contact=current_app.config["CONTACT_EMAIL"])


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
