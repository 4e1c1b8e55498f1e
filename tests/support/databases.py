"""The test databases: which one a run uses, scratch databases, and building a schema.

A run is on PostgreSQL when ``TEST_DATABASE_URL`` names a PostgreSQL database
(``make test-postgres`` sets it to a throwaway server); otherwise on SQLite
files in pytest's temporary directory. Scratch databases (the migration
round-trip, the browser tests' server) are separate SQLite files, or on
PostgreSQL separate databases made with the ``CREATEDB`` right of the role in
``TEST_DATABASE_URL`` and dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def configured_database_url() -> str:
    """``TEST_DATABASE_URL`` as given, or "" for SQLite runs."""
    return os.environ.get("TEST_DATABASE_URL", "").strip()


def on_postgres() -> bool:
    return make_url(configured_database_url() or "sqlite://").get_backend_name() == "postgresql"


def worker_suffix() -> str:
    """ "_gw0" etc. under pytest-xdist, so that parallel workers never share a database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"_{worker}" if worker else ""


def _admin_engine() -> sa.Engine:
    """An AUTOCOMMIT engine on the database of ``TEST_DATABASE_URL`` (CREATE/DROP DATABASE)."""
    return sa.create_engine(
        configured_database_url(), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
    )


def create_postgres_database(name: str) -> str:
    """Create (or re-create) database ``name`` next to ``TEST_DATABASE_URL``; return its URL."""
    engine = _admin_engine()
    quoted = engine.dialect.identifier_preparer.quote(name)
    with engine.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
    engine.dispose()
    url = make_url(configured_database_url()).set(database=name)
    return url.render_as_string(hide_password=False)


def drop_postgres_database(name: str) -> None:
    engine = _admin_engine()
    quoted = engine.dialect.identifier_preparer.quote(name)
    with engine.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    engine.dispose()


@contextlib.contextmanager
def scratch_database(directory: Path, name: str) -> Iterator[str]:
    """A fresh, empty database for one purpose; yields its URL and removes it afterwards.

    ``directory`` holds the SQLite file; on PostgreSQL the database is called
    ``<name>`` (plus the xdist worker suffix) on the server of ``TEST_DATABASE_URL``.
    """
    name = f"{name}{worker_suffix()}"
    if not on_postgres():
        path = Path(directory) / f"{name}.sqlite"
        path.unlink(missing_ok=True)
        yield f"sqlite:///{path}"
        path.unlink(missing_ok=True)
        return
    url = create_postgres_database(name)
    try:
        yield url
    finally:
        drop_postgres_database(name)


def drop_everything(db) -> None:
    """Empty the database of ``db.engine``: every table, the Alembic version, enum types.

    Call inside an app context. Besides ``db.drop_all()`` this reflects what is
    really there, so tables left by an older version of the models go too.
    """
    db.session.remove()  # an open transaction would make DROP wait forever on PostgreSQL
    with db.engine.begin() as connection:
        db.metadata.drop_all(connection)
        leftovers = sa.MetaData()
        leftovers.reflect(connection)
        leftovers.drop_all(connection)  # includes alembic_version
        if connection.dialect.name == "postgresql":
            enum_types = connection.scalars(
                sa.text(
                    "SELECT t.typname FROM pg_type t"
                    " JOIN pg_namespace n ON n.oid = t.typnamespace"
                    " WHERE n.nspname = current_schema() AND t.typtype = 'e'"
                )
            ).all()
            for name in enum_types:
                quoted = connection.dialect.identifier_preparer.quote(name)
                connection.exec_driver_sql(f"DROP TYPE IF EXISTS {quoted} CASCADE")


def use_explicit_sqlite_transactions(engine: sa.Engine) -> None:
    """Let SQLite honour SAVEPOINTs inside an outer transaction (for the rollback fixture).

    Python's sqlite3 module (before 3.12) begins transactions lazily and on its
    own terms, so a SAVEPOINT issued first becomes the outermost transaction
    and its RELEASE commits. SQLAlchemy's documented cure: switch the driver's
    own transaction handling off and emit BEGIN ourselves. No effect on other
    databases.
    """
    if engine.dialect.name != "sqlite" or getattr(engine, "_tests_explicit_begin", False):
        return

    @sa.event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")

    engine._tests_explicit_begin = True
    engine.dispose()  # connections made before the listeners existed would not have them


def build_schema(app, *, demo: bool = False) -> None:
    """Migrate an empty database to head, load the reference data (and the demo data)."""
    import flask_migrate

    from app.extensions import db
    from app.reference.services import load_reference_data

    with app.app_context():
        flask_migrate.upgrade()
        load_reference_data()
        db.session.commit()
        if demo:
            from app.demo import seed_demo

            seed_demo(password="kokemus-demo")
            db.session.commit()
        db.session.remove()
