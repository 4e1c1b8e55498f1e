"""The mails of colleague invitations: the invitation with its one-time link, or, to an address
that already has an account, the notice that it cannot be added this way."""

from __future__ import annotations

from flask import current_app

from app.accounts.models import User
from app.mail.services import queue_mail
from app.organisations.models import ColleagueInvitation
from app.web.templating import absolute_url


def queue_colleague_invitation_mail(invitation: ColleagueInvitation, secret: str,
                                    inviter: User | None) -> None:
    """The invitation to an address without an account: a link for accepting (or declining)."""
    queue_mail(invitation.email, "colleague_invitation", language=invitation.language,
               kind="colleague_invitation", invitation=invitation, inviter=inviter,
               organisation=invitation.organisation,
               link=absolute_url("organisations.colleague_invitation", token=secret))


def queue_colleague_address_taken_mail(user: User, invitation: ColleagueInvitation,
                                       inviter: User | None) -> None:
    """An invitation to an address that already has an account: nothing is changed, and its
    owner is told why and what to do (the organisation's page answers as for any address)."""
    queue_mail(user.email, "colleague_address_taken", language=user.language,
               kind="colleague_address_taken", user_id=user.id, user=user,
               invitation=invitation, inviter=inviter, organisation=invitation.organisation,
               login_link=absolute_url("accounts.login"),
               contact=current_app.config["CONTACT_EMAIL"])
