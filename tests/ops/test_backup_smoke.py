"""The backup drill's row comparison notices a restore that lost rows or tables."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.support.backup_smoke import DrillFailed, compare_rows
from tests.support.databases import scratch_database


def fill(url: str, users: int, orders: int, extra_table: bool = False) -> None:
    metadata = sa.MetaData()
    tables = [sa.Table(name, metadata, sa.Column("id", sa.Integer, primary_key=True))
              for name in ("users", "orders") + (("extra",) if extra_table else ())]
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        metadata.create_all(connection)
        for table, count in zip(tables, (users, orders, 1), strict=False):
            if count:
                connection.execute(table.insert(), [{"id": i + 1} for i in range(count)])
    engine.dispose()


@pytest.mark.parametrize(("restored", "message"), [
    ({"users": 3, "orders": 5}, None),
    ({"users": 3, "orders": 4}, "row counts differ (source, restored): {'orders': (5, 4)}"),
    ({"users": 3, "orders": 5, "extra_table": True}, "tables differ: ['extra']"),
])
def test_restored_rows_are_compared_table_by_table(tmp_path, restored, message):
    with scratch_database(tmp_path, "drill_source") as source, \
            scratch_database(tmp_path, "drill_restored") as copy:
        fill(source, 3, 5)
        fill(copy, **restored)
        if message is None:
            assert compare_rows(source, copy) == 8
        else:
            with pytest.raises(DrillFailed) as failure:
                compare_rows(source, copy)
            assert str(failure.value) == message


def test_an_empty_source_is_no_drill(tmp_path):
    with scratch_database(tmp_path, "drill_source") as source, \
            scratch_database(tmp_path, "drill_restored") as copy:
        fill(source, 0, 0)
        fill(copy, 0, 0)
        with pytest.raises(DrillFailed, match="the source has no data"):
            compare_rows(source, copy)
