"""The landing page's fee list is read from the database at most every FEE_CACHE_SECONDS in
a worker, and again at once after a new schedule is added."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.extensions import db
from app.fees import services
from app.fees.views import today_in_helsinki
from tests import factories
from tests.support.sql import counted_statements
from tests.web.helpers import page


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _forget():
    services.forget_published_fees()
    yield
    services.forget_published_fees()


def test_fees_are_read_once_per_max_age_and_again_after_a_new_schedule(app):
    clock = Clock()
    with app.app_context():
        today = today_in_helsinki()
        with counted_statements() as first:
            fees = services.published_fees(today, 60, clock)
        assert first and fees
        lecture = next(f for f in fees if f.name("en") == "Lecture or talk")
        assert lecture.amount == Decimal("30.00")
        assert [f.assignment_type_id for f in fees] == sorted(f.assignment_type_id for f in fees)
        clock.now += 59
        with counted_statements() as kept:
            assert services.published_fees(today, 60, clock) == fees
        assert kept == []
        # A schedule added in this worker is shown at once.
        services.add_fee_schedule(factories.user("admin"), "Uusi taksa", today,
                                  {"lecture": (Decimal("41.00"), 45)}, today=today)
        with counted_statements() as after:
            fees = services.published_fees(today, 60, clock)
        assert after
        assert [(f.name("fi"), f.amount) for f in fees] == [
            ("Luento tai puheenvuoro", Decimal("41.00"))]
        # Another worker's change is seen once the kept list is max_age old.
        db.session.rollback()
        clock.now += 59
        assert services.published_fees(today, 60, clock) == fees
        clock.now += 1
        assert services.published_fees(today, 60, clock)[0].amount == Decimal("30.00")
        assert services.published_fees(today, 0, clock) is not None  # 0: always read


def test_landing_page_reads_no_sql_while_the_fees_are_kept(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "FEE_CACHE_SECONDS", 60)
    client.get("/language/en")
    html = page(client.get("/"))
    assert "Lecture or talk: €30.00 for each started period of 45 minutes" in html
    with counted_statements() as statements:
        again = page(client.get("/"))
    assert statements == []
    assert again == html
