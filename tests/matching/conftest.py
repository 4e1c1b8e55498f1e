"""Fixtures of the matching tests: the people of `factories.cast` and their bearer tokens."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def cast(app):
    with app.app_context():
        return factories.cast()


@pytest.fixture
def token_of(client, cast, api_token):
    """``token_of("coordinator")``: a bearer token of that person of the cast."""

    def token_of(who: str) -> str:
        return api_token(client, getattr(cast, who), factories.DEFAULT_PASSWORD)

    return token_of
