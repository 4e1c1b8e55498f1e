"""Mails of participation: all through the outbox, once-only ones with a dedupe key."""

from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy import select

from app.accounts.models import COORDINATOR, User
from app.accounts.tokens import make_reset_token
from app.extensions import db
from app.mail.models import OutboxMessage
from app.mail.services import queue_mail
from app.organisations.models import Membership


def absolute_url(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def password_link(user: User) -> str:
    token = make_reset_token(current_app.config["SECRET_KEY"], user)
    return absolute_url("accounts.reset_password", token=token)


def already_queued(key: str) -> bool:
    return db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None


def mail_user(user: User, template: str, *, dedupe_key: str | None = None, **context) -> bool:
    """Queue ``template`` for ``user``; with a key, only if that key was never queued."""
    if not user.active or not user.email:
        return False
    if dedupe_key is not None and already_queued(dedupe_key):
        return False
    message = queue_mail(user.email, template, language=user.language, kind=template,
                         user_id=user.id, user=user, **context)
    message.dedupe_key = dedupe_key
    db.session.flush()
    return True


def coordinators() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.role == COORDINATOR, User.active.is_(True)).order_by(User.id)))


def organisation_admins(organisation_id: int) -> list[User]:
    """The organisation's administrators, or all its members when it has none."""
    members = list(db.session.scalars(
        select(User).join(Membership).where(Membership.organisation_id == organisation_id,
                                            User.active.is_(True)).order_by(User.id)))
    admins = [u for u in members if u.is_organisation_admin]
    return admins or members
