"""Reading the audit log: filters, keyset pages and the CSV export (no Flask here).

The page and the API share `AuditFilters.parse` and `audit_page`; filters come
as strings from a query string and bad ones raise `InvalidInput` with the
field's name, so the page shows a message and the API answers 422.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import date, time, timedelta

from sqlalchemy import Select, select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.audit.services import record_audit
from app.common.errors import InvalidInput
from app.common.paging import Page, keyset_page
from app.common.timeutil import helsinki_to_utc, to_helsinki
from app.extensions import db

#: The paging order of the log: newest first; the id breaks ties.
KEYS = (AuditEntry.created_at, AuditEntry.id)
#: A CSV export reads the log in chunks of this many rows.
CSV_CHUNK = 1000
#: Characters that make spreadsheet programs treat a cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditFilters:
    """Who, what, which object and which days (Helsinki, both ends included)."""

    actor_id: int | None = None
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    start: date | None = None
    end: date | None = None

    @classmethod
    def parse(cls, args: Mapping[str, str], *, actor_field: str = "actor_id") -> AuditFilters:
        """Filters from query-string values; ``actor`` may be an id or an e-mail address."""
        actor_id = _actor(args.get(actor_field, ""), actor_field)
        start = _day(args.get("from", ""), "from")
        end = _day(args.get("to", ""), "to")
        if start and end and end < start:
            raise InvalidInput("The end date is before the start date.", field="to")
        return cls(
            actor_id=actor_id,
            action=_short(args.get("action", ""), "action", 64),
            object_type=_short(args.get("object_type", ""), "object_type", 40),
            object_id=_short(args.get("object_id", ""), "object_id", 64),
            start=start,
            end=end,
        )

    def as_details(self) -> dict:
        """The filters in use, as audit details (``filter_action`` …)."""
        return {f"filter_{key}": value for key, value in asdict(self).items()
                if value not in (None, "")}


def _short(raw: str, field: str, length: int) -> str:
    value = (raw or "").strip()
    if len(value) > length:
        raise InvalidInput("The search word is too long.", field=field)
    return value


def _actor(raw: str, field: str) -> int | None:
    value = (raw or "").strip()
    if not value:
        return None
    if value.isdecimal() and len(value) < 10:
        return int(value)
    if "@" in value and len(value) <= 254:
        user = db.session.scalar(select(User).where(User.email == value.lower()))
        if user is None:
            raise InvalidInput("No user has this e-mail address.", field=field)
        return user.id
    raise InvalidInput("Give the person's e-mail address or user number.", field=field)


def _day(raw: str, field: str) -> date | None:
    """A day as the pages write it (30.11.2026) or as the API does (2026-11-30)."""
    value = (raw or "").strip()
    if not value:
        return None
    try:
        if "." in value:
            day, month, year = value.rstrip(".").split(".")
            return date(int(year), int(month), int(day))
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("Give the date as day.month.year, for example 30.11.2026.",
                           field=field) from None


def filtered(filters: AuditFilters) -> Select:
    """The entries matching ``filters``, unordered (the pager orders)."""
    stmt = select(AuditEntry)
    if filters.actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == filters.actor_id)
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.object_type:
        stmt = stmt.where(AuditEntry.subject_type == filters.object_type)
    if filters.object_id:
        stmt = stmt.where(AuditEntry.subject_id == filters.object_id)
    if filters.start:
        stmt = stmt.where(AuditEntry.created_at >= helsinki_to_utc(filters.start, time(0)))
    if filters.end:
        stmt = stmt.where(
            AuditEntry.created_at < helsinki_to_utc(filters.end + timedelta(days=1), time(0)))
    return stmt


def audit_page(filters: AuditFilters, *, cursor: str | None, limit: int) -> Page[AuditEntry]:
    """One page of the log, newest first."""
    return keyset_page(db.session, filtered(filters), KEYS, cursor=cursor, limit=limit)


def actors_of(entries: list[AuditEntry]) -> dict[int, User]:
    """The users who made these entries, by id (one query)."""
    wanted = {entry.actor_id for entry in entries if entry.actor_id is not None}
    if not wanted:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(wanted)))}


def known_values() -> tuple[list[str], list[str]]:
    """The actions and object types that occur in the log, for the filter lists."""
    actions = list(db.session.scalars(
        select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
    types = list(db.session.scalars(
        select(AuditEntry.subject_type).distinct().order_by(AuditEntry.subject_type)))
    return actions, types


def entry_as_dict(entry: AuditEntry, actor: User | None) -> dict:
    return {
        "id": entry.id,
        "created_at": entry.created_at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_email": actor.email if actor else None,
        "action": entry.action,
        "object_type": entry.subject_type,
        "object_id": entry.subject_id,
        "details": entry.details or {},
    }


def _all_rows(filters: AuditFilters) -> Iterator[AuditEntry]:
    cursor = None
    while True:
        page = audit_page(filters, cursor=cursor, limit=CSV_CHUNK)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_csv(actor: User, filters: AuditFilters) -> str:
    """The matching entries as CSV (UTF-8 with BOM, ``;``, CRLF); the export is audited.

    Times are in Helsinki time. Cells that a spreadsheet would run as a
    formula get a leading apostrophe.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["id", "time_helsinki", "actor_id", "actor_email", "action", "object_type",
                     "object_id", "details"])
    count = 0
    rows = list(_all_rows(filters))
    actors = actors_of(rows)
    for entry in rows:
        who = actors.get(entry.actor_id)
        details = " ".join(f"{key}={value}" for key, value in sorted((entry.details or {}).items()))
        writer.writerow([_cell(value) for value in (
            entry.id, to_helsinki(entry.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor_id, who.email if who else "", entry.action, entry.subject_type,
            entry.subject_id, details)])
        count += 1
    record_audit(actor, "audit_log_exported", "audit_log", "csv", rows=count,
                 **filters.as_details())
    db.session.flush()
    return "\ufeff" + out.getvalue()

