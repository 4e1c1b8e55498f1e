"""Fixtures for booking tests: an app context and a small world of orders and experts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.common.timeutil import utcnow
from app.extensions import db
from tests import factories


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def now():
    return utcnow().replace(microsecond=0)


@pytest.fixture
def coordinator():
    return factories.user("coordinator")


@pytest.fixture
def world(now):
    """An organisation with a one-expert order in Pori in ten days, and three experts."""
    organiser = factories.member(is_admin=True)
    start = (now + timedelta(days=10)).replace(minute=0, second=0)
    order = factories.order(organiser.membership.organisation, created_by=organiser,
                            sessions=[(start, 45)], status="submitted")
    experts = [
        factories.expert(home_municipality_code=code, areas=["mental-health"])
        for code in ("609", "886", "684")  # Pori, Ulvila, Rauma: nearest first
    ]
    db.session.commit()
    return {"organiser": organiser, "order": order, "experts": experts, "start": start}
