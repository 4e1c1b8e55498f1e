"""Keyset paging: every row once, in order, across pages; bad limits and cursors are 422."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.errors import InvalidInput
from app.common.paging import decode_cursor, encode_cursor, keyset_page, parse_limit
from app.extensions import db


@pytest.fixture
def in_app(app):
    with app.app_context():
        yield


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, 50), ("", 50), ("1", 1), ("200", 200), (" 7 ", 7), (30, 30)]
)
def test_limit_is_parsed(raw, expected):
    assert parse_limit(raw) == expected


@pytest.mark.parametrize("raw", ["0", "201", "-1", "abc", "1.5", "99999999999999999999"],)
def test_a_limit_outside_the_range_is_refused(raw):
    with pytest.raises(InvalidInput) as caught:
        parse_limit(raw)
    assert caught.value.field == "limit"


def test_cursor_round_trip_keeps_types():
    moment = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    values = (moment, 42, "abc", Decimal("12.50"))
    assert decode_cursor(encode_cursor(values), 4) == values


@pytest.mark.parametrize(
    "raw",
    ["%%%", "bm90LWpzb24", encode_cursor([1]), encode_cursor([1, 2, 3]), "x" * 600,
     encode_cursor(["a\x00b", 1]), "WyJpIiwgdHJ1ZV0"],
)
def test_a_forged_cursor_is_refused_not_a_500(raw):
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(raw, 2)
    assert caught.value.field == "cursor"


def test_an_out_of_range_integer_in_a_cursor_is_refused():
    with pytest.raises(InvalidInput):
        decode_cursor(encode_cursor([2**70]), 1)


@pytest.mark.parametrize("descending", [True, False])
def test_pages_visit_every_row_once_in_order(in_app, descending):
    start = datetime(2030, 1, 1, tzinfo=UTC)
    # Ties on created_at make the unique id the deciding key.
    for number in range(23):
        db.session.add(AuditEntry(created_at=start + timedelta(minutes=number // 3),
                                  action="paging.test", subject_type="test",
                                  subject_id=str(number), details={}))
    db.session.flush()
    stmt = select(AuditEntry).where(AuditEntry.action == "paging.test")
    keys = (AuditEntry.created_at, AuditEntry.id)
    seen, cursor, pages = [], None, 0
    while True:
        page = keyset_page(db.session, stmt, keys, cursor=cursor, limit=5, descending=descending)
        assert page.is_continuation == (cursor is not None)
        seen.extend(page.items)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 5
    assert len({entry.id for entry in seen}) == 23
    ordered = sorted(seen, key=lambda entry: (entry.created_at, entry.id), reverse=descending)
    assert [entry.id for entry in seen] == [entry.id for entry in ordered]


def test_an_exact_last_page_has_no_next_cursor(in_app):
    for number in range(4):
        db.session.add(AuditEntry(action="paging.exact", subject_type="test",
                                  subject_id=str(number), details={}))
    db.session.flush()
    stmt = select(AuditEntry).where(AuditEntry.action == "paging.exact")
    page = keyset_page(db.session, stmt, (AuditEntry.created_at, AuditEntry.id),
                       cursor=None, limit=4)
    assert len(page.items) == 4
    assert page.next_cursor is None


@pytest.mark.parametrize("key_id", [2**31, -(2**31) - 1, 2**62])
def test_an_integer_beyond_its_column_is_a_bad_cursor_on_every_database(in_app, key_id):
    """audit_entries.id is a 4-byte integer: PostgreSQL would fail on a larger bound."""
    stmt = select(AuditEntry).where(AuditEntry.action == "paging.range")
    cursor = encode_cursor([datetime(2999, 1, 1, tzinfo=UTC), key_id])
    with pytest.raises(InvalidInput) as caught:
        keyset_page(db.session, stmt, (AuditEntry.created_at, AuditEntry.id),
                    cursor=cursor, limit=5)
    assert caught.value.field == "cursor"


def test_the_largest_integer_of_a_column_still_pages(in_app):
    stmt = select(AuditEntry).where(AuditEntry.action == "paging.range")
    cursor = encode_cursor([datetime(2999, 1, 1, tzinfo=UTC), 2**31 - 1])
    page = keyset_page(db.session, stmt, (AuditEntry.created_at, AuditEntry.id),
                       cursor=cursor, limit=5)
    assert page.items == [] and page.is_continuation
