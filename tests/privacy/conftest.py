"""Fixtures for the data-rights tests: an app context with a request, the bank's own account,
uploads in a temporary folder, and two people with the same kinds of data."""

from __future__ import annotations

import pytest
from flask import g
from flask.testing import FlaskClient

from app.extensions import db
from tests import factories
from tests.payouts.helpers import BANK_BIC, BANK_IBAN, finance_user, helsinki
from tests.privacy import helpers


class FreshClient(FlaskClient):
    """A test client whose every request starts with an empty ``g`` (see the participation
    tests: Flask-Login caches the user in ``g`` of the shared app context)."""

    def open(self, *args, **kwargs):
        for name in list(g):
            g.pop(name)
        return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def _app_context(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "BANK_IBAN", BANK_IBAN)
    monkeypatch.setitem(app.config, "BANK_BIC", BANK_BIC)
    monkeypatch.setitem(app.config, "BANK_NAME", "Kokemuspankki ry")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    monkeypatch.setattr(app, "test_client_class", FreshClient)
    with app.app_context(), app.test_request_context("/"):
        yield


@pytest.fixture
def paid_on():
    """When finance approved and paid the earlier work (the work was in March 2026)."""
    return helsinki(2026, 3, 20, 12)


@pytest.fixture
def finance():
    return finance_user()


@pytest.fixture
def organiser():
    return factories.member(is_admin=True)


@pytest.fixture
def pair(finance, organiser, paid_on):
    """Two experts with the same kinds of data, paid in one shared batch; each also has an
    approved payout that is not paid yet. Committed."""
    first = helpers.rich_expert("Ilona Poistettava", "ilona.poistettava@example.fi",
                                "FI5542345670000081", "040 111 2222", organiser)
    second = helpers.rich_expert("Veikko Pysyväinen", "veikko.pysyvainen@example.fi",
                                 "FI4950009420028730", "050 333 4444", organiser)
    helpers.pay_together([first, second], finance, paid_on)
    db.session.commit()
    return first, second
