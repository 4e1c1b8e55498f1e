"""Colleague invitations: the one owner of `COLLEAGUE_INVITATION`.

An organisation administrator invites an e-mail address. Nothing about the address's
existing account (expert, applicant, staff, a member of any organisation) may show in the
answer, so every invitation is made and listed the same way: a waiting row with a one-time
link whose secret is stored only as a hash. The mail differs: an address without an account
gets the link, an address with one is told that it cannot be added this way (and its
invitation just expires). The account and its membership are made only when the invited
person accepts with the link.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.accounts.models import ORGANISATION_MEMBER, User
from app.accounts.services import check_password_rules, create_user, normalize_email, user_by_email
from app.accounts.tokens import new_secret, secret_hash
from app.audit.models import AuditEntry
from app.audit.services import record_audit
from app.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.common.timeutil import utcnow
from app.extensions import db
from app.organisations.mails import (
    queue_colleague_address_taken_mail,
    queue_colleague_invitation_mail,
)
from app.organisations.models import ColleagueInvitation, Membership
from app.organisations.states import COLLEAGUE_INVITATION

#: How long an invitation's link works (from its last sending).
INVITATION_LIFETIME = timedelta(days=7)
#: Invitation mails (new and sent again) an organisation may send in 24 hours: the bank's
#: mail must not become a way to flood strangers' inboxes.
SENDS_PER_DAY = 50
_SEND_ACTIONS = ("colleague_invited", "colleague_invitation_resent")
NAME_MAX = 200
EMAIL_MAX = 254


def _require_admin(actor: User) -> None:
    if not actor.is_organisation_admin:
        raise PermissionDenied("Only the organisation's administrator can invite colleagues.")


def _checked(full_name: str, email: str) -> tuple[str, str]:
    name, address = (full_name or "").strip(), normalize_email(email)
    if not name:
        raise InvalidInput("Write the colleague's name.", code="required", field="full_name")
    if len(name) > NAME_MAX:
        raise InvalidInput("The name is too long.", code="too_long", field="full_name")
    local, at, domain = address.partition("@")
    if not (local and at and "." in domain) or len(address) > EMAIL_MAX or " " in address:
        raise InvalidInput("Write an e-mail address, for example name@example.fi.",
                           code="invalid_email", field="email")
    return name, address


def _check_daily_sends(actor: User, now: datetime) -> None:
    """Refuse once the organisation's members sent `SENDS_PER_DAY` invitation mails in the
    last 24 hours (counted from the audit log, whichever address they went to)."""
    sent = db.session.scalar(
        select(func.count(AuditEntry.id))
        .join(Membership, Membership.user_id == AuditEntry.actor_id)
        .where(Membership.organisation_id == actor.organisation_id,
               AuditEntry.action.in_(_SEND_ACTIONS),
               AuditEntry.created_at > now - timedelta(days=1)))
    if sent >= SENDS_PER_DAY:
        raise InvalidInput("Your organisation has sent %(limit)s invitations in the last 24 "
                           "hours. Send the next ones tomorrow, or ask the bank for help.",
                           code="too_many_invitations", field="email",
                           values={"limit": SENDS_PER_DAY})


def _send(invitation: ColleagueInvitation, inviter: User, now: datetime) -> None:
    """A new link (the old one stops working), a new week, and the mail that fits the address.

    The work is the same for every address; only the mail differs."""
    secret, invitation.token_hash = new_secret()
    invitation.sent_at = now
    invitation.expires_at = now + INVITATION_LIFETIME
    db.session.flush()
    existing = user_by_email(invitation.email)
    if existing is not None:
        queue_colleague_address_taken_mail(existing, invitation, inviter)
    else:
        queue_colleague_invitation_mail(invitation, secret, inviter)


def invite_colleague(actor: User, full_name: str, email: str,
                     now: datetime | None = None) -> ColleagueInvitation:
    """Invite ``email`` to the actor's organisation; the same result for every address.

    Inviting an address that already waits for an answer sends its invitation again (with
    the name typed now). Flushes; the caller commits."""
    _require_admin(actor)
    now = now or utcnow()
    name, address = _checked(full_name, email)
    _check_daily_sends(actor, now)
    invitation = db.session.scalar(select(ColleagueInvitation).where(
        ColleagueInvitation.organisation_id == actor.organisation_id,
        ColleagueInvitation.email == address,
        ColleagueInvitation.status == "pending",
        ColleagueInvitation.expires_at > now))
    if invitation is None:
        invitation = ColleagueInvitation(
            organisation_id=actor.organisation_id, full_name=name, email=address,
            language=actor.language, invited_by_id=actor.id, status="pending", created_at=now)
        db.session.add(invitation)
    else:
        COLLEAGUE_INVITATION.apply(invitation, "resend")
        invitation.full_name = name
        invitation.invited_by_id = actor.id
    _send(invitation, actor, now)
    record_audit(actor, "colleague_invited", "colleague_invitation", invitation.id,
                 organisation=actor.organisation_id)
    return invitation


def pending_invitations(organisation_id: int,
                        now: datetime | None = None) -> list[ColleagueInvitation]:
    """The organisation's invitations that wait for an answer, oldest first."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(ColleagueInvitation)
        .where(ColleagueInvitation.organisation_id == organisation_id,
               ColleagueInvitation.status == "pending",
               ColleagueInvitation.expires_at > now)
        .order_by(ColleagueInvitation.created_at, ColleagueInvitation.id)))


def _own_invitation(actor: User, invitation_id: int) -> ColleagueInvitation:
    _require_admin(actor)
    invitation = db.session.get(ColleagueInvitation, invitation_id)
    if invitation is None or invitation.organisation_id != actor.organisation_id:
        raise NotFound("The invitation was not found.", code="invitation_not_found")
    return invitation


def resend_invitation(actor: User, invitation_id: int,
                      now: datetime | None = None) -> ColleagueInvitation:
    """Send a waiting invitation again: a new link and a new week."""
    now = now or utcnow()
    invitation = _own_invitation(actor, invitation_id)
    _check_daily_sends(actor, now)
    if invitation.status == "pending" and invitation.expires_at <= now:
        _expire(invitation, now)
    COLLEAGUE_INVITATION.apply(invitation, "resend")
    _send(invitation, actor, now)
    record_audit(actor, "colleague_invitation_resent", "colleague_invitation", invitation.id,
                 organisation=actor.organisation_id)
    return invitation


def cancel_invitation(actor: User, invitation_id: int,
                      now: datetime | None = None) -> ColleagueInvitation:
    """The administrator takes an invitation back: its link stops working."""
    invitation = _own_invitation(actor, invitation_id)
    COLLEAGUE_INVITATION.apply(invitation, "cancel")
    invitation.ended_at = now or utcnow()
    record_audit(actor, "colleague_invitation_cancelled", "colleague_invitation",
                 invitation.id, organisation=actor.organisation_id)
    return invitation


def _expire(invitation: ColleagueInvitation, now: datetime) -> None:
    COLLEAGUE_INVITATION.apply(invitation, "expire")
    invitation.ended_at = now


def expire_invitations(now: datetime | None = None) -> int:
    """Waiting invitations whose week is over become "expired" (a scheduled job)."""
    now = now or utcnow()
    due = db.session.scalars(select(ColleagueInvitation).where(
        ColleagueInvitation.status == "pending", ColleagueInvitation.expires_at <= now)).all()
    for invitation in due:
        _expire(invitation, now)
    db.session.flush()
    return len(due)


#: Why a link does not work (status → the message shown on the link's page).
_ENDED = {
    "accepted": ("This invitation has already been accepted. Sign in with your e-mail address "
                 "and password.", "invitation_used"),
    "declined": ("This invitation was declined. If you want to join after all, ask the "
                 "organisation to invite you again.", "invitation_used"),
    "cancelled": ("The organisation cancelled this invitation. Ask them if you need a new "
                  "one.", "invitation_cancelled"),
    "expired": ("This invitation has expired. Ask the organisation to send a new one.",
                "invitation_expired"),
}


def invitation_for_link(secret: str, now: datetime | None = None, *,
                        lock: bool = False) -> ColleagueInvitation:
    """The waiting invitation of an e-mailed link, or `InvalidInput` saying why not."""
    now = now or utcnow()
    query = select(ColleagueInvitation).where(
        ColleagueInvitation.token_hash == secret_hash(secret or ""))
    if lock:
        query = query.with_for_update()
    invitation = db.session.scalar(query)
    if invitation is None:
        raise InvalidInput("The link is not valid. Check that you copied all of it, or ask the "
                           "organisation to send a new invitation.", code="token_invalid")
    status = invitation.status
    if status == "pending" and invitation.expires_at <= now:
        status = "expired"
    if status in _ENDED:
        message, code = _ENDED[status]
        raise InvalidInput(message, code=code)
    return invitation


def _address_free(invitation: ColleagueInvitation) -> None:
    if user_by_email(invitation.email) is not None:
        raise Conflict(
            "This e-mail address already has a Kokemuspankki account, so it cannot be added "
            "to the organisation this way. Sign in with it, or ask the organisation to invite "
            "another address of yours.", code="email_taken")


def check_link(secret: str, now: datetime | None = None) -> ColleagueInvitation:
    """The invitation the link's page shows (also refused when the address got an account)."""
    invitation = invitation_for_link(secret, now)
    _address_free(invitation)
    return invitation


def accept_invitation(secret: str, full_name: str, password: str,
                      now: datetime | None = None) -> User:
    """The invited person accepts: their account (an organisation member) and membership
    are made, the invitation is spent. Flushes; the caller commits and signs them in."""
    now = now or utcnow()
    invitation = invitation_for_link(secret, now, lock=True)
    _address_free(invitation)
    name = (full_name or "").strip() or invitation.full_name
    if len(name) > NAME_MAX:
        raise InvalidInput("The name is too long.", code="too_long", field="full_name")
    check_password_rules(password)
    user = create_user(invitation.email, password, ORGANISATION_MEMBER, name,
                       language=invitation.language)
    db.session.add(Membership(user=user, organisation_id=invitation.organisation_id,
                              is_admin=False))
    COLLEAGUE_INVITATION.apply(invitation, "accept")
    invitation.ended_at = now
    invitation.accepted_user_id = user.id
    db.session.flush()
    record_audit(user, "colleague_invitation_accepted", "colleague_invitation", invitation.id,
                 organisation=invitation.organisation_id)
    return user


def decline_invitation(secret: str, now: datetime | None = None) -> ColleagueInvitation:
    """The invited person says no: nothing is made and the link stops working."""
    now = now or utcnow()
    invitation = invitation_for_link(secret, now, lock=True)
    COLLEAGUE_INVITATION.apply(invitation, "decline")
    invitation.ended_at = now
    record_audit(None, "colleague_invitation_declined", "colleague_invitation", invitation.id,
                 organisation=invitation.organisation_id)
    return invitation
