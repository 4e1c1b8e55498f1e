"""Queueing mail in the outbox (same transaction as the change) and delivering it."""

from __future__ import annotations

import html
import re
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr

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
        language=language,
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


def bank_address() -> tuple[str, str]:
    """The bank's own name and e-mail address (the sender, and the calendar's ORGANIZER)."""
    name, address = parseaddr(current_app.config["MAIL_FROM"])
    return name or "Kokemuspankki", address


_LINK = re.compile(r"https?://[^\s<>\"]+")


def html_body(text: str, language: str | None = None) -> str:
    """The HTML part of a mail: the same words as the plain text, its addresses as links."""

    def paragraph(block: str) -> str:
        parts, last = [], 0
        for match in _LINK.finditer(block):
            parts.append(html.escape(block[last:match.start()]))
            url = html.escape(match.group(0))
            parts.append(f'<a href="{url}">{url}</a>')
            last = match.end()
        parts.append(html.escape(block[last:]))
        return "<p>" + "".join(parts).replace("\n", "<br>\n") + "</p>"

    blocks = [b.strip("\n") for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    lang = html.escape(language or "fi")
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"></head><body>\n'
            + "\n".join(paragraph(b) for b in blocks) + "\n</body></html>\n")


def calendar_method(ics: str) -> str:
    """The iCalendar METHOD of ``ics`` (REQUEST, CANCEL, PUBLISH …); the MIME part says the same."""
    match = re.search(r"^METHOD:([A-Za-z-]+)\s*$", ics, re.MULTILINE)
    return match.group(1).upper() if match else "PUBLISH"


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The mail as sent: plain text and HTML (and the calendar entry, when there is one) as
    ``multipart/alternative``, so that mail clients show a booking as an invitation."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = f"<outbox-{message.id}@kokemuspankki>"
    email.set_content(message.body_text)
    email.add_alternative(html_body(message.body_text, message.language), subtype="html")
    if message.ics:
        email.add_alternative(message.ics, subtype="calendar",
                              params={"method": calendar_method(message.ics)})
    return email


def _send(message: OutboxMessage, config) -> None:
    email = build_email(message, config["MAIL_FROM"])
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
