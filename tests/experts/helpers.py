"""Helpers of the expert tests: small real files, the outbox and the audit log."""

from __future__ import annotations

import base64
import io

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.mail.models import OutboxMessage

#: A small but complete PDF document (one empty page).
PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
#: A 1×1 pixel PNG image.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
#: The start of a JPEG file (SOI and an APP0 marker) is what identifies it.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def file_field(content: bytes, name: str) -> tuple[io.BytesIO, str]:
    """A value for a file field of the test client's multipart form."""
    return io.BytesIO(content), name


def mails(app, kind: str) -> list[tuple[str, str, str]]:
    """(to, subject, body) of the outbox messages of ``kind``."""
    with app.app_context():
        return [
            (m.to_address, m.subject, m.body_text)
            for m in db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
            )
        ]


def audit_entries(app, action: str, subject_id: int | None = None) -> list[dict]:
    """Audit entries of ``action`` (for the expert ``subject_id``), as plain dicts."""
    with app.app_context():
        query = select(AuditEntry).where(AuditEntry.action == action)
        if subject_id is not None:
            query = query.where(AuditEntry.subject_id == str(subject_id))
        return [
            {"actor_id": e.actor_id, "subject_type": e.subject_type,
             "subject_id": e.subject_id, "details": dict(e.details or {})}
            for e in db.session.scalars(query.order_by(AuditEntry.id))
        ]
