"""Writing audit entries; called by the services that change important state."""

from __future__ import annotations

from sqlalchemy import insert

from app.audit.models import AuditEntry
from app.common.timeutil import utcnow
from app.extensions import db


def record_audit(actor, action: str, subject_type: str, subject_id, **details) -> AuditEntry:
    """Add an audit entry to the current transaction (the caller commits)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", actor),
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        details={key: _plain(value) for key, value in details.items()},
    )
    db.session.add(entry)
    return entry


def record_audits(actor, action: str, subject_type: str, subject_ids, **details) -> None:
    """Add one audit entry per subject in a single bulk insert (e.g. every identity code read
    for one payroll file); the same entries as `record_audit` once per subject."""
    rows = [{
        "created_at": utcnow(), "actor_id": getattr(actor, "id", actor), "action": action,
        "subject_type": subject_type, "subject_id": str(subject_id),
        "details": {key: _plain(value) for key, value in details.items()},
    } for subject_id in subject_ids]
    if rows:
        db.session.execute(insert(AuditEntry), rows)


def _plain(value):
    if isinstance(value, (str, int, bool, type(None))):
        return value
    return str(value)
