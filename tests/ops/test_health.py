"""/healthz and /readyz: alive, and ready only with a migrated database and reachable Redis."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from config import TestConfig
from tests.support.databases import scratch_database


@contextmanager
def client_of(storage: str | None = None, **overrides) -> Iterator[FlaskClient]:
    """A test client of an app of its own (its own engine, not the test's transaction).

    ``storage`` becomes its RATELIMIT_STORAGE_URI after it is built, so the shared
    limiter object keeps its in-memory storage for the other tests.
    """
    scratch = create_app(TestConfig, **overrides)
    if storage:
        scratch.config["RATELIMIT_STORAGE_URI"] = storage
    try:
        yield scratch.test_client()
    finally:
        with scratch.app_context():
            db.session.remove()
            db.engine.dispose()


def test_healthz_touches_nothing(closed_port):
    """Alive even when the database is down: the process answers."""
    url = f"postgresql+psycopg://app:app@127.0.0.1:{closed_port}/app"
    with client_of(SQLALCHEMY_DATABASE_URI=url) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "alive"}


def test_ready_on_the_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok"}}


def test_not_ready_when_the_database_is_not_migrated(tmp_path):
    with scratch_database(tmp_path, "ops_readyz") as url, client_of(
            SQLALCHEMY_DATABASE_URI=url) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    assert body["failing"] == ["database"]
    assert body["checks"]["database"].startswith("the database has no migrations applied")


def test_not_ready_when_the_database_is_unreachable(closed_port):
    url = f"postgresql+psycopg://app:app@127.0.0.1:{closed_port}/app"
    with client_of(SQLALCHEMY_DATABASE_URI=url) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "the database is not reachable"}


def test_ready_with_redis(app, database_url, redis_url):
    with client_of(redis_url, SQLALCHEMY_DATABASE_URI=database_url) as c:
        response = c.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_not_ready_when_redis_is_unreachable(app, database_url, closed_port):
    storage = f"redis://127.0.0.1:{closed_port}/0"
    with client_of(storage, SQLALCHEMY_DATABASE_URI=database_url) as c:
        response = c.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failing"] == ["redis"]
    assert body["checks"] == {"database": "ok", "redis": "not reachable"}
