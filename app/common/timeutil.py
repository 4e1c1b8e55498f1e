"""Time helpers: everything is stored in UTC and shown in Europe/Helsinki."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")


def utcnow() -> datetime:
    """The current moment as an aware UTC datetime."""
    return datetime.now(UTC)


def to_helsinki(moment: datetime) -> datetime:
    """An aware datetime converted to Helsinki time (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(HELSINKI)


def helsinki_to_utc(day: date, clock: time) -> datetime:
    """A wall-clock time in Helsinki as an aware UTC datetime (DST handled by zoneinfo)."""
    return datetime.combine(day, clock, tzinfo=HELSINKI).astimezone(UTC)
