"""The browser harness: the app with demo data served on a loopback port, Chromium, axe.

The ``live_server`` app has a database of its own (an SQLite file, or the
PostgreSQL database ``app_browser``), migrated and filled with the reference
and demo data once per run. Browser tests share it and are not rolled back:
a test that changes data should use data of its own or leave things as it
found them. CSRF protection is on, as in production.

Pages are driven by Debian's ``/usr/bin/chromium`` (Playwright never
downloads a browser here) with a Finnish locale. Use the helpers in
``tests/browser/helpers.py``: ``login_as(page, email)`` and ``assert_accessible(page)``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.browser import helpers
from tests.browser.helpers import CHROMIUM_ARGS
from tests.support.databases import build_schema, on_postgres, scratch_database

BROWSER_DIR = Path(__file__).parent


@dataclass(frozen=True)
class LiveServer:
    app: Flask
    url: str


#: The browser tests of the SQLite pass of `make test`: the page table (Finnish and Swedish,
#: skipped on PostgreSQL) and the check that its HTML scan reads what the browser shows.
SQLITE_PASS = frozenset({"test_page_is_accessible_in_finnish",
                         "test_page_uses_swedish_number_formats",
                         "test_the_html_scan_reads_every_number_the_browser_shows"})
_ONCE = pytest.mark.skip(reason="runs in the PostgreSQL pass of this run "
                         "(TEST_PASSES, tests/support/run-suite.sh): each browser check once")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests in this directory `browser` (deselect them with ``-m "not browser"``).

    When the run is the SQLite pass of a run that has a PostgreSQL pass too (``make test``:
    tests/support/run-suite.sh sets ``TEST_PASSES="sqlite postgres"``), the browser tests
    outside ``SQLITE_PASS`` are skipped here: they run in the PostgreSQL pass (against the
    production database), so each browser check is made once per `make test`. Run alone
    (`make test-sqlite`, plain pytest) the SQLite pass runs them all.
    """
    once = not on_postgres() and "postgres" in os.environ.get("TEST_PASSES", "").split()
    for item in items:
        if BROWSER_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)
            if once and item.originalname not in SQLITE_PASS:
                item.add_marker(_ONCE)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from app import create_app
    from app.extensions import db
    from config import TestConfig

    with scratch_database(tmp_path_factory.mktemp("browser"), "app_browser") as url:
        # The cases reuse each user's signed-in cookies for the whole run: a staff session
        # must not idle out (30 minutes) while other roles' cases run.
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=True,
                         SESSION_IDLE_MINUTES_STAFF=24 * 60, SESSION_LIFETIME_HOURS=24)
        build_schema(app, demo=True)
        helpers.LIVE_APP = app
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
        thread.start()
        try:
            yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(live_server: LiveServer) -> None:
    """Each browser test signs in anew; don't let earlier tests' requests rate-limit it."""
    from app.extensions import limiter

    with live_server.app.app_context():
        limiter.reset()


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """pytest-playwright resolves ``page.goto("/path")`` against this."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A Finnish user in Finland: the language the service speaks first."""
    return {**browser_context_args, "locale": "fi-FI", "timezone_id": "Europe/Helsinki"}
