"""Keyset (cursor) paging for lists that grow: one query per page, whatever the page number.

A list is ordered by a few non-null key columns ending in a unique one (usually
``(created_at, id)``). The cursor of the next page is an opaque, URL-safe
encoding of the last row's keys; the next page continues strictly after it.
Because the caller's own ``select`` keeps its filters (ownership included), a
forged cursor can only move within rows the caller may see anyway.

The API and pages share the same limits: ``limit`` 1–200, 50 by default
(``../shared/API.md``, "Lists").
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from sqlalchemy import BigInteger, Integer, Select, literal, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app.common.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
#: Cursors longer than this are refused before decoding (keys are short).
MAX_CURSOR_LENGTH = 512

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows and the cursor of the next one (``None`` on the last page)."""

    items: list[T]
    next_cursor: str | None
    #: Whether this page was reached with a cursor (so it is not the first page).
    is_continuation: bool


def parse_limit(raw: object, default: int = DEFAULT_LIMIT) -> int:
    """The page size from a query string or JSON value; 422 on ``limit`` outside 1–200."""
    if raw is None or raw == "":
        return default
    text = str(raw).strip()
    if not text.isdecimal() or len(text) > 4:
        raise InvalidInput("The limit must be a whole number from 1 to 200.", field="limit")
    value = int(text)
    if not 1 <= value <= MAX_LIMIT:
        raise InvalidInput("The limit must be a whole number from 1 to 200.", field="limit")
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for the given key values (int, str, Decimal, date, datetime)."""
    tagged = [_tag(value) for value in values]
    raw = json.dumps(tagged, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(raw: str | None, key_count: int) -> tuple | None:
    """The key values of a cursor, ``None`` for no cursor; 422 on a malformed one."""
    if raw is None or raw == "":
        return None
    if len(raw) > MAX_CURSOR_LENGTH:
        raise _bad_cursor()
    try:
        padded = raw + "=" * (-len(raw) % 4)
        tagged = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise _bad_cursor() from None
    if not isinstance(tagged, list) or len(tagged) != key_count:
        raise _bad_cursor()
    return tuple(_untag(item) for item in tagged)


def keyset_page(
    session: Session,
    stmt: Select,
    keys: Sequence[ColumnElement],
    *,
    cursor: str | None,
    limit: int,
    descending: bool = True,
    key_of: Callable[[Any], Sequence[Any]] | None = None,
    scalars: bool = True,
) -> Page:
    """Run ``stmt`` ordered by ``keys`` and return one page after ``cursor``.

    ``keys`` are non-null columns whose last one is unique; ``key_of(row)``
    gives a row's values of them (default: the attributes named like the keys).
    ``stmt`` must not have an ORDER BY or LIMIT of its own.
    """
    after = decode_cursor(cursor, len(keys))
    if after is not None:
        _check_ranges(after, keys)
        bound = tuple_(*(literal(value, key.type) for value, key in zip(after, keys, strict=True)))
        position = tuple_(*keys)
        stmt = stmt.where(position < bound if descending else position > bound)
    ordering = [key.desc() if descending else key.asc() for key in keys]
    stmt = stmt.order_by(*ordering).limit(limit + 1)
    result = session.execute(stmt)
    rows = list(result.scalars() if scalars else result)
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more and rows:
        values = key_of(rows[-1]) if key_of else [getattr(rows[-1], key.key) for key in keys]
        next_cursor = encode_cursor(values)
    return Page(items=rows, next_cursor=next_cursor, is_continuation=after is not None)


def _check_ranges(values: tuple, keys: Sequence[ColumnElement]) -> None:
    """A cursor's integers must fit their columns: PostgreSQL refuses a 4-byte column
    compared with a larger bound parameter (an error, not an empty page)."""
    for value, key in zip(values, keys, strict=True):
        if not isinstance(value, int) or not isinstance(key.type, Integer):
            continue
        bits = 63 if isinstance(key.type, BigInteger) else 31
        if not -(2**bits) <= value < 2**bits:
            raise _bad_cursor()


def _tag(value: Any) -> list:
    if isinstance(value, bool):
        raise TypeError("booleans are not paging keys")
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, Decimal):
        return ["m", str(value)]
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in a cursor; use aware UTC datetimes")
        return ["t", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, str):
        return ["s", value]
    raise TypeError(f"unsupported paging key type: {type(value).__name__}")


def _untag(item: Any) -> Any:
    if not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], str):
        raise _bad_cursor()
    tag, value = item
    try:
        if tag == "i" and isinstance(value, int) and not isinstance(value, bool):
            if abs(value) >= 2**63:
                raise _bad_cursor()
            return value
        if tag == "s" and isinstance(value, str) and "\x00" not in value:
            return value
        if tag == "m" and isinstance(value, str):
            return Decimal(value)
        if tag == "t" and isinstance(value, str):
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise _bad_cursor()
            return parsed
        if tag == "d" and isinstance(value, str):
            return date.fromisoformat(value)
    except (ValueError, InvalidOperation):
        raise _bad_cursor() from None
    raise _bad_cursor()


def _bad_cursor() -> InvalidInput:
    return InvalidInput("This page link is not valid. Start again from the first page.",
                        field="cursor")
