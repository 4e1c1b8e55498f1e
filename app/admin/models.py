"""Administrator-editable settings and the scheduler's run claims."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.common.timeutil import utcnow
from app.common.types import UTCDateTime
from app.extensions import db


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))


class JobRun(db.Model):
    """One claimed run of a scheduled job: whoever inserts the row first runs it.

    Several scheduler processes may run; the unique (job, slot) makes each due
    run happen once, whichever process gets there first.
    """

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    #: The start of the interval this run belongs to (UTC, aligned to the job's interval).
    slot: Mapped[datetime] = mapped_column(UTCDateTime)
    holder: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
