"""Queueing mail in the outbox (same transaction as the change) and delivering it."""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select

from app.common.timeutil import utcnow
from app.extensions import db
from app.mail.models import OutboxMessage

MAX_ATTEMPTS = 12
#: Retry back-off: 1, 2, 4 … minutes, at most six hours.
MAX_BACKOFF = timedelta(hours=6)


def queue_mail(
    to_address: str,
    template: str,
    *,
    language: str,
    kind: str,
    user_id: int | None = None,
    ics: str | None = None,
    **context,
) -> OutboxMessage:
    """Render ``templates/mail/<template>.txt`` in ``language`` and add it to the outbox.

    The template's first line is ``Subject: …``; the rest is the body.
    """
    with force_locale(language):
        rendered = render_template(f"mail/{template}.txt", **context)
    first, _, body = rendered.lstrip().partition("\n")
    subject = first.removeprefix("Subject:").strip()
    message = OutboxMessage(
        to_address=to_address,
        user_id=user_id,
        subject=subject,
        body_text=body.strip() + "\n",
        ics=ics,
        kind=kind,
    )
    db.session.add(message)
    return message


def deliver_pending(now: datetime | None = None, limit: int = 50) -> int:
    """Send due outbox messages over SMTP; failures are retried later with back-off.

    Returns the number sent. Each message is locked (``FOR UPDATE SKIP LOCKED``
    on PostgreSQL) from reading it until its new state is committed, so two
    schedulers delivering at the same time never send one twice, and none is
    lost. Only a crash between the SMTP server's "OK" and that commit sends it
    again later (with the same ``Message-ID``, so a receiver can tell).
    """
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return 0
    now = now or utcnow()
    sent = 0
    for _ in range(limit):
        message = db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if message is None:
            break
        try:
            _send(message, config)
        except (OSError, smtplib.SMTPException) as error:
            message.attempts += 1
            message.last_error = str(error)[:1000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = "failed"
            message.next_attempt_at = now + min(
                timedelta(minutes=2 ** (message.attempts - 1)), MAX_BACKOFF
            )
        else:
            message.status = "sent"
            message.sent_at = now
            message.attempts += 1
            sent += 1
        db.session.commit()
    return sent


def _send(message: OutboxMessage, config) -> None:
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = f"<outbox-{message.id}@kokemuspankki>"
    email.set_content(message.body_text)
    if message.ics:
        email.add_attachment(
            message.ics.encode(),
            maintype="text",
            subtype="calendar",
            filename="kokemuspankki.ics",
            params={"method": "REQUEST"},
        )
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
