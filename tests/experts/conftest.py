"""Fixtures of the expert tests: uploads go to a temporary folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _uploads_in_tmp(request: pytest.FixtureRequest, tmp_path, monkeypatch):
    """Keep uploaded files of the tests out of the real instance folder."""
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


@pytest.fixture
def upload_dir(app, tmp_path):
    return tmp_path / "uploads"
