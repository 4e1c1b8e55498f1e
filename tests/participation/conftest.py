"""Fixtures for participation tests: an app context, a fixed clock, an organisation with
a group-maker, experts, participants and the bank's coordinator."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import g
from flask.testing import FlaskClient

from app.extensions import db
from tests import factories
from tests.participation import helpers


class FreshClient(FlaskClient):
    """A test client whose every request starts with an empty ``g``.

    The tests hold an app context open (for the services), and Flask reuses it for
    the client's requests: without this, Flask-Login's cached user of one request (in
    ``g``) would be the user of the next, whichever client sends it.
    """

    def open(self, *args, **kwargs):
        for name in list(g):
            g.pop(name)
        return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def _app_context(app):
    saved = app.test_client_class
    app.test_client_class = FreshClient
    try:
        with app.app_context(), app.test_request_context("/"):
            yield
    finally:
        app.test_client_class = saved


@pytest.fixture
def now():
    """A fixed moment (a Tuesday noon in Helsinki), so clock-driven rules are exact."""
    return datetime(2030, 3, 12, 10, 0, tzinfo=UTC)


@pytest.fixture
def coordinator():
    return factories.user("coordinator")


@pytest.fixture
def organiser():
    """An organisation member (its administrator) who creates groups and books meetings."""
    return factories.member(is_admin=True)


@pytest.fixture
def experts():
    return [factories.expert(areas=["mental-health", "disability"]) for _ in range(3)]


@pytest.fixture
def panel(organiser, now):
    group = helpers.group(organiser, kind="client_panel", now=now)
    db.session.commit()
    return group
