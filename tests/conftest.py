"""Shared fixtures: one migrated database per run, a rolled-back transaction per test.

The session-scoped ``app`` builds its schema with the real Alembic migrations
and loads the reference data once. Every test that uses ``app`` (directly or
through ``client``, ``runner``, …) then runs inside an outer transaction that
is rolled back afterwards, so services may ``db.session.commit()`` freely and
no test sees another's rows. Tests that need no app (``tests/fees``) do not
touch a database at all.

``TEST_DATABASE_URL`` selects PostgreSQL (see tests/support/databases.py);
without it the run uses an SQLite file in pytest's temporary directory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.databases import (
    build_schema,
    configured_database_url,
    create_postgres_database,
    drop_everything,
    drop_postgres_database,
    on_postgres,
    use_explicit_sqlite_transactions,
    worker_suffix,
)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of this run's database (one per xdist worker)."""
    if not on_postgres():
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'app.sqlite'}"
    elif worker_suffix():
        name = f"app_test{worker_suffix()}"
        yield create_postgres_database(name)
        drop_postgres_database(name)
    else:
        yield configured_database_url()


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    """The application on a freshly migrated database with the reference data loaded."""
    from app import create_app
    from app.extensions import db
    from config import TestConfig

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        drop_everything(db)
    build_schema(app)
    with app.app_context():
        use_explicit_sqlite_transactions(db.engine)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def csrf_app(app: Flask) -> Flask:
    """A second app with CSRF protection on, on the same database as ``app``.

    It shares ``app``'s engine mapping, so inside a test it also sees (and
    rolls back with) that test's transaction.
    """
    from app import create_app
    from app.extensions import db
    from config import TestConfig

    csrf_app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        WTF_CSRF_ENABLED=True,
    )
    with csrf_app.app_context():
        db.engine.dispose()  # its own engine is never used
    db._app_engines[csrf_app] = db._app_engines[app]
    return csrf_app


@pytest.fixture
def db_session(app: Flask) -> Iterator:
    """Run the test inside a transaction that is rolled back at the end.

    Flask-SQLAlchemy 3.1 picks the bind from ``db.engines`` (it ignores
    ``session.bind``), so the app's default engine is swapped for one
    connection with an open outer transaction. Sessions join it with
    ``join_transaction_mode="create_savepoint"``: their commits and rollbacks
    only release or roll back savepoints, and ``outer.rollback()`` undoes the
    lot. (On SQLite this relies on the explicit BEGIN that the ``app`` fixture
    sets up with ``use_explicit_sqlite_transactions``.) Yields the scoped
    ``db.session``.
    """
    from app.extensions import db

    with app.app_context():
        engines = db._app_engines[app]
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        db.session.remove()
        factory_options = db.session.session_factory.kw
        join_mode = factory_options.get("join_transaction_mode")
        factory_options["join_transaction_mode"] = "create_savepoint"
        engines[None] = connection
    try:
        yield db.session
    finally:
        with app.app_context():
            db.session.remove()
            engines[None] = engine
            outer.rollback()
            connection.close()
            if join_mode is None:
                del factory_options["join_transaction_mode"]
            else:
                factory_options["join_transaction_mode"] = join_mode
            _reset_rate_limits()


def _reset_rate_limits() -> None:
    """Forget Flask-Limiter's in-memory counters so one test's requests don't limit the next."""
    from app.extensions import limiter

    limiter.reset()


@pytest.fixture(autouse=True)
def _rollback_app_tests(request: pytest.FixtureRequest) -> None:
    """Give every test that uses ``app`` the rolled-back transaction of ``db_session``."""
    if "app" in request.fixturenames:
        request.getfixturevalue("db_session")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def csrf_client(csrf_app: Flask) -> FlaskClient:
    return csrf_app.test_client()


def _default_password() -> str:
    """The password tests/factories.py gives every user it makes."""
    from tests.factories import DEFAULT_PASSWORD

    return DEFAULT_PASSWORD


@pytest.fixture
def login() -> Callable:
    """``login(client, email, password=None)``: sign in through the login form.

    Without a password, the factories' ``DEFAULT_PASSWORD``. Staff also send a fresh
    two-factor code (tests/support/two_factor.py). Returns the response.
    """

    def login(client: FlaskClient, email: str, password: str | None = None, **kwargs):
        from tests.support.two_factor import sign_in_post

        data = {"email": email, "password": password or _default_password()}
        return sign_in_post(client, "/login", email, data, **kwargs)

    return login


@pytest.fixture
def api_token() -> Callable[..., str]:
    """``api_token(client, email, password=None)``: a bearer token from the API (staff
    also send a fresh two-factor code)."""

    def api_token(client: FlaskClient, email: str, password: str | None = None) -> str:
        from tests.support.two_factor import sign_in_post

        body = {"email": email, "password": password or _default_password()}
        response = sign_in_post(client, "/api/v1/auth/token", email, {}, json=body)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["token"]

    return api_token
